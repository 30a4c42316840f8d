#include <algorithm>
#include <exception>
#include <utility>

#include <slurmctld/juju/caching_hook_tools.hpp>
#include <slurmctld/juju/context.hpp>

namespace slurmctld::juju {

namespace {

/// "secret://<uuid>/<id>", "secret:<id>" or "<id>" -> "<id>" (Juju: compare by the last segment).
std::string bare_secret_id(std::string_view id) {
    const auto cut = id.find_last_of(":/");
    return std::string(cut == std::string_view::npos ? id : id.substr(cut + 1));
}

void apply_changes(Databag& target, const Databag& changes) {
    for (const auto& [key, value] : changes) {
        if (value.empty()) {
            target.erase(key);
        } else {
            target[key] = value;
        }
    }
}

}  // namespace

CachingHookTools::CachingHookTools(HookTools& inner, std::string unit_name,
                                   std::chrono::milliseconds leader_lease, Clock clock)
    : inner_(inner),
      unit_name_(std::move(unit_name)),
      app_name_(application_of(unit_name_)),
      leader_lease_(leader_lease),
      clock_(std::move(clock)) {
}

void CachingHookTools::invalidate() {
    relation_ids_.clear();
    relation_units_.clear();
    relation_apps_.clear();
    databags_.clear();
    leader_.reset();
    leader_settings_.reset();
    config_.reset();
    action_params_.reset();
    secret_ids_.reset();
    unit_state_.reset();
    goal_state_.reset();
    opened_ports_.reset();
    unit_settings_.clear();
    networks_.clear();
}

// ---- relations ---------------------------------------------------------------------------------

std::vector<RelationId> CachingHookTools::relation_ids(std::string_view endpoint) {
    const std::string key(endpoint);
    auto found = relation_ids_.find(key);
    if (found == relation_ids_.end()) {
        found = relation_ids_.emplace(key, inner_.relation_ids(endpoint)).first;
    }
    return found->second;
}

std::vector<std::string> CachingHookTools::relation_list(const RelationId& relation) {
    auto found = relation_units_.find(relation.id);
    if (found == relation_units_.end()) {
        found = relation_units_.emplace(relation.id, inner_.relation_list(relation)).first;
    }
    return found->second;
}

std::string CachingHookTools::relation_list_app(const RelationId& relation) {
    auto found = relation_apps_.find(relation.id);
    if (found == relation_apps_.end()) {
        found = relation_apps_.emplace(relation.id, inner_.relation_list_app(relation)).first;
    }
    return found->second;
}

const Databag& CachingHookTools::databag(const RelationId& relation, const std::string& name,
                                         bool app) {
    DatabagKey key{relation.id, name, app};
    auto found = databags_.find(key);
    if (found == databags_.end()) {
        auto bag =
            app ? inner_.relation_get_app(relation, name) : inner_.relation_get(relation, name);
        overlay_pending(bag, relation.id, name, app);
        found = databags_.emplace(std::move(key), std::move(bag)).first;
    }
    return found->second;
}

Databag CachingHookTools::relation_get(const RelationId& relation, std::string_view unit) {
    return databag(relation, std::string(unit), false);
}

Databag CachingHookTools::relation_get_app(const RelationId& relation, std::string_view app) {
    // Juju accepts a unit name with --app and reads its application's databag.
    return databag(relation, application_of(app), true);
}

std::optional<std::string> CachingHookTools::relation_get_key(const RelationId& relation,
                                                              std::string_view key,
                                                              std::string_view unit_or_app,
                                                              bool app) {
    const auto& bag = app ? databag(relation, application_of(unit_or_app), true)
                          : databag(relation, std::string(unit_or_app), false);
    const auto found = bag.find(std::string(key));
    if (found == bag.end()) {
        return std::nullopt;
    }
    return found->second;
}

void CachingHookTools::overlay_pending(Databag& bag, int relation, const std::string& name,
                                       bool app) const {
    if (name != (app ? app_name_ : unit_name_)) {
        return;
    }
    const auto pending = pending_relation_sets_.find({relation, app});
    if (pending != pending_relation_sets_.end()) {
        apply_changes(bag, pending->second.changes);
    }
}

void CachingHookTools::relation_set(const RelationId& relation, const Databag& changes, bool app) {
    if (app && !is_leader()) {
        // Juju refuses this at once ("cannot write relation settings"): let it say so now.
        inner_.relation_set(relation, changes, app);
        return;
    }
    auto& pending =
        pending_relation_sets_.try_emplace({relation.id, app}, PendingRelationSet{relation, {}})
            .first->second;
    for (const auto& [key, value] : changes) {
        pending.changes[key] = value;
    }
    const auto found = databags_.find({relation.id, app ? app_name_ : unit_name_, app});
    if (found != databags_.end()) {
        apply_changes(found->second, changes);
    }
}

// ---- leadership, config ------------------------------------------------------------------------

bool CachingHookTools::is_leader() {
    const auto now = clock_();
    if (leader_ && (!*leader_ || now - leader_checked_at_ < leader_lease_)) {
        return *leader_;
    }
    // The time is taken before asking: the lease Juju grants starts no later than its answer.
    leader_checked_at_ = now;
    leader_ = inner_.is_leader();
    return *leader_;
}

Databag CachingHookTools::leader_get() {
    if (!leader_settings_) {
        leader_settings_ = inner_.leader_get();
    }
    return *leader_settings_;
}

void CachingHookTools::leader_set(const Databag& changes) {
    inner_.leader_set(changes);
    if (leader_settings_) {
        apply_changes(*leader_settings_, changes);
    }
}

nlohmann::json CachingHookTools::config_get() {
    if (!config_) {
        config_ = inner_.config_get();
    }
    return *config_;
}

// ---- status, logs: never cached ----------------------------------------------------------------

void CachingHookTools::status_set(WorkloadState state, std::string_view message, bool application) {
    inner_.status_set(state, message, application);
}

Status CachingHookTools::status_get(bool application) {
    return inner_.status_get(application);
}

void CachingHookTools::application_version_set(std::string_view version) {
    inner_.application_version_set(version);
}

void CachingHookTools::juju_log(LogLevel level, std::string_view message) {
    inner_.juju_log(level, message);
}

// ---- actions -----------------------------------------------------------------------------------

nlohmann::json CachingHookTools::action_get() {
    if (!action_params_) {
        action_params_ = inner_.action_get();
    }
    return *action_params_;
}

void CachingHookTools::action_set(const std::map<std::string, std::string>& results) {
    inner_.action_set(results);
}

void CachingHookTools::action_fail(std::string_view message) {
    inner_.action_fail(message);
}

void CachingHookTools::action_log(std::string_view message) {
    inner_.action_log(message);
}

// ---- secrets -----------------------------------------------------------------------------------

std::string CachingHookTools::secret_add(const SecretContent& content,
                                         const SecretAddOptions& options) {
    auto uri = inner_.secret_add(content, options);
    if (secret_ids_) {
        secret_ids_->push_back(bare_secret_id(uri));
    }
    return uri;
}

std::optional<SecretContent> CachingHookTools::secret_get(const SecretRef& secret,
                                                          const SecretGetOptions& options) {
    return inner_.secret_get(secret, options);
}

void CachingHookTools::secret_set(std::string_view id, const SecretContent& content) {
    inner_.secret_set(id, content);
}

void CachingHookTools::secret_grant(std::string_view id, const RelationId& relation,
                                    std::optional<std::string> unit) {
    inner_.secret_grant(id, relation, std::move(unit));
}

void CachingHookTools::secret_revoke(std::string_view id, const RelationId& relation,
                                     std::optional<std::string> unit) {
    inner_.secret_revoke(id, relation, std::move(unit));
}

void CachingHookTools::secret_remove(std::string_view id, std::optional<int> revision) {
    inner_.secret_remove(id, revision);
    if (secret_ids_ && !revision) {
        const auto bare = bare_secret_id(id);
        std::erase_if(*secret_ids_, [&](const std::string& cached) { return cached == bare; });
    }
}

std::optional<SecretInfo> CachingHookTools::secret_info_get(const SecretRef& secret) {
    return inner_.secret_info_get(secret);
}

std::vector<std::string> CachingHookTools::secret_ids() {
    if (!secret_ids_) {
        secret_ids_ = inner_.secret_ids();
    }
    return *secret_ids_;
}

// ---- unit state --------------------------------------------------------------------------------

std::map<std::string, std::string> CachingHookTools::state_get() {
    if (!unit_state_) {
        auto state = inner_.state_get();
        for (const auto& [key, value] : pending_state_) {
            if (value) {
                state[key] = *value;
            } else {
                state.erase(key);
            }
        }
        unit_state_ = std::move(state);
    }
    return *unit_state_;
}

void CachingHookTools::state_set(const std::map<std::string, std::string>& changes) {
    for (const auto& [key, value] : changes) {
        pending_state_[key] = value;
        if (unit_state_) {
            (*unit_state_)[key] = value;
        }
    }
}

void CachingHookTools::state_delete(std::string_view key) {
    pending_state_[std::string(key)] = std::nullopt;
    if (unit_state_) {
        unit_state_->erase(std::string(key));
    }
}

// ---- held-back writes --------------------------------------------------------------------------

bool CachingHookTools::has_pending_writes() const {
    return !pending_relation_sets_.empty() || !pending_state_.empty();
}

void CachingHookTools::commit() {
    auto relation_sets = std::exchange(pending_relation_sets_, {});
    auto state = std::exchange(pending_state_, {});
    // Every write is tried: one refused (say, on a relation that has just gone) must not cost
    // the others. The first refusal is reported once all were tried.
    std::exception_ptr first_error;
    const auto attempt = [&first_error](const auto& write) {
        try {
            write();
        } catch (const HookToolError&) {
            if (!first_error) {
                first_error = std::current_exception();
            }
        }
    };
    for (const auto& entry : relation_sets) {
        const bool app = entry.first.second;
        const PendingRelationSet& pending = entry.second;
        attempt([&] { inner_.relation_set(pending.relation, pending.changes, app); });
    }
    std::map<std::string, std::string> sets;
    for (const auto& [key, value] : state) {
        if (value) {
            sets.emplace(key, *value);
        }
    }
    if (!sets.empty()) {
        attempt([&] { inner_.state_set(sets); });
    }
    for (const auto& entry : state) {
        if (!entry.second) {
            const std::string& key = entry.first;
            attempt([&] { inner_.state_delete(key); });
        }
    }
    if (first_error) {
        std::rethrow_exception(first_error);
    }
}

// ---- model, network ----------------------------------------------------------------------------

GoalState CachingHookTools::goal_state() {
    if (!goal_state_) {
        goal_state_ = inner_.goal_state();
    }
    return *goal_state_;
}

void CachingHookTools::open_port(int port, std::string_view protocol) {
    inner_.open_port(port, protocol);
}

void CachingHookTools::close_port(int port, std::string_view protocol) {
    inner_.close_port(port, protocol);
}

std::vector<std::string> CachingHookTools::opened_ports() {
    if (!opened_ports_) {
        opened_ports_ = inner_.opened_ports();
    }
    return *opened_ports_;
}

std::string CachingHookTools::unit_get(std::string_view setting) {
    const std::string key(setting);
    auto found = unit_settings_.find(key);
    if (found == unit_settings_.end()) {
        found = unit_settings_.emplace(key, inner_.unit_get(setting)).first;
    }
    return found->second;
}

NetworkInfo CachingHookTools::network_get(std::string_view binding) {
    const std::string key(binding);
    auto found = networks_.find(key);
    if (found == networks_.end()) {
        found = networks_.emplace(key, inner_.network_get(binding)).first;
    }
    return found->second;
}

}  // namespace slurmctld::juju
