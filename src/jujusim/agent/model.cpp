#include <cctype>

#include <jujusim/model.hpp>

namespace jujusim {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(StatusValue, current, message, since, data)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RelationSeen, created, broken, joined,
                                                unit_versions, app_version, pending_changed)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(ConsumedSecret, tracked, label, notified)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Unit, name, app, number, machine, principal, life,
                                                workload, agent, workload_version, charm_rev,
                                                charm_dir, installed, started, stopped, removed,
                                                boot_start_pending, leader_term_seen,
                                                leader_settings_seen, config_seen, relations, state,
                                                ports, in_error, failed_op, retries, retry_at,
                                                resolve_now, update_status_due, last_update_status,
                                                pending_actions, remove_notified, history)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(App, name, charm_name, charm_source, charm_dir,
                                                builtin, machine_type, charm_rev, config,
                                                config_version, next_unit, leader, lease_expires,
                                                leader_term, leader_settings,
                                                leader_settings_version, status_set, status, life)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(RelationEnd, app, endpoint, interface, role, scope)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Relation, id, ends, app_data, app_versions,
                                                unit_data, unit_versions, in_scope, life,
                                                created_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(MachineRecord, id, type, hostname, address, powered,
                                                down_since, created_at, released_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(SecretGrant, relation_id, target)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Secret, id, owner, unit_owned, label, description,
                                                rotate, next_rotate, revisions, expiry, expiry_due,
                                                latest, grants, consumers, created_at, updated_at)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE_WITH_DEFAULT(Action, id, operation, unit, name, params, exec,
                                                command, status, results, message, log, enqueued,
                                                started, completed)

namespace {

/// Hook kinds as model.json stores them (the relation ones without their endpoint).
const std::vector<std::pair<HookKind, std::string>>& hook_kind_names() {
    static const std::vector<std::pair<HookKind, std::string>> names{
        {HookKind::Install, "install"},
        {HookKind::LeaderElected, "leader-elected"},
        {HookKind::LeaderSettingsChanged, "leader-settings-changed"},
        {HookKind::ConfigChanged, "config-changed"},
        {HookKind::Start, "start"},
        {HookKind::UpdateStatus, "update-status"},
        {HookKind::Stop, "stop"},
        {HookKind::Remove, "remove"},
        {HookKind::SecretChanged, "secret-changed"},
        {HookKind::SecretRemove, "secret-remove"},
        {HookKind::SecretRotate, "secret-rotate"},
        {HookKind::SecretExpired, "secret-expired"},
        {HookKind::UpgradeCharm, "upgrade-charm"},
        {HookKind::RelationCreated, "relation-created"},
        {HookKind::RelationJoined, "relation-joined"},
        {HookKind::RelationChanged, "relation-changed"},
        {HookKind::RelationDeparted, "relation-departed"},
        {HookKind::RelationBroken, "relation-broken"},
        {HookKind::Action, "action"},
    };
    return names;
}

const std::string& kind_token(HookKind kind) {
    for (const auto& [candidate, name] : hook_kind_names()) {
        if (candidate == kind) {
            return name;
        }
    }
    throw std::logic_error("unnamed hook kind");
}

HookKind kind_from_token(const std::string& token) {
    for (const auto& [kind, name] : hook_kind_names()) {
        if (name == token) {
            return kind;
        }
    }
    throw std::runtime_error("model.json: unknown operation kind \"" + token + "\"");
}

}  // namespace

bool is_relation_hook(HookKind kind) {
    return kind == HookKind::RelationCreated || kind == HookKind::RelationJoined ||
           kind == HookKind::RelationChanged || kind == HookKind::RelationDeparted ||
           kind == HookKind::RelationBroken;
}

std::string hook_name(HookKind kind, const std::string& endpoint) {
    return is_relation_hook(kind) ? endpoint + "-" + kind_token(kind) : kind_token(kind);
}

void to_json(json& out, const Op& op) {
    out = json{{"kind", kind_token(op.kind)},         {"hook", op.hook},
               {"relation_id", op.relation_id},       {"endpoint", op.endpoint},
               {"remote_unit", op.remote_unit},       {"remote_app", op.remote_app},
               {"departing_unit", op.departing_unit}, {"secret_id", op.secret_id},
               {"secret_label", op.secret_label},     {"secret_revision", op.secret_revision},
               {"base_revision", op.base_revision},   {"action_id", op.action_id}};
}

void from_json(const json& in, Op& op) {
    op.kind = kind_from_token(in.value("kind", "install"));
    op.hook = in.value("hook", "");
    op.relation_id = in.value("relation_id", -1);
    op.endpoint = in.value("endpoint", "");
    op.remote_unit = in.value("remote_unit", "");
    op.remote_app = in.value("remote_app", "");
    op.departing_unit = in.value("departing_unit", "");
    op.secret_id = in.value("secret_id", "");
    op.secret_label = in.value("secret_label", "");
    op.secret_revision = in.value("secret_revision", 0L);
    op.base_revision = in.value("base_revision", 0L);
    op.action_id = in.value("action_id", 0L);
}

void to_json(json& out, const Model& model) {
    out = json{{"name", model.name},
               {"uuid", model.uuid},
               {"machine_type", model.machine_type},
               {"config", model.config},
               {"apps", model.apps},
               {"units", model.units},
               {"relations", model.relations},
               {"machines", model.machines},
               {"secrets", model.secrets},
               {"actions", model.actions},
               {"next_machine", model.next_machine},
               {"next_relation", model.next_relation},
               {"next_task", model.next_task},
               {"created_at", model.created_at}};
}

void from_json(const json& in, Model& model) {
    model.name = in.value("name", "");
    model.uuid = in.value("uuid", "");
    model.machine_type = in.value("machine_type", MachineType::Host);
    model.config = in.value("config", json::object());
    if (in.contains("apps")) {
        in.at("apps").get_to(model.apps);
    }
    if (in.contains("units")) {
        in.at("units").get_to(model.units);
    }
    if (in.contains("relations")) {
        in.at("relations").get_to(model.relations);
    }
    if (in.contains("machines")) {
        in.at("machines").get_to(model.machines);
    }
    if (in.contains("secrets")) {
        in.at("secrets").get_to(model.secrets);
    }
    if (in.contains("actions")) {
        in.at("actions").get_to(model.actions);
    }
    model.next_machine = in.value("next_machine", 0);
    model.next_relation = in.value("next_relation", 0);
    model.next_task = in.value("next_task", 1L);
    model.created_at = in.value("created_at", 0.0);
}

const RelationEnd* Relation::end_of(const std::string& app) const {
    for (const auto& end : ends) {
        if (end.app == app) {
            return &end;
        }
    }
    return nullptr;
}

const RelationEnd* Relation::other_end(const std::string& app) const {
    if (ends.size() == 1) {
        return ends[0].app == app ? &ends[0] : nullptr;
    }
    if (ends[0].app == app) {
        return &ends[1];
    }
    if (ends[1].app == app) {
        return &ends[0];
    }
    return nullptr;
}

std::string Relation::key() const {
    if (ends.size() == 1) {
        return ends[0].app + ":" + ends[0].endpoint;
    }
    // Juju's key lists the requirer... first by role order: provider last.
    const bool provider_first = ends[0].role == RelationRole::Provider;
    const RelationEnd& first = provider_first ? ends[1] : ends[0];
    const RelationEnd& second = provider_first ? ends[0] : ends[1];
    return first.app + ":" + first.endpoint + " " + second.app + ":" + second.endpoint;
}

bool natural_less(const std::string& a, const std::string& b) {
    std::size_t i = 0;
    std::size_t j = 0;
    while (i < a.size() && j < b.size()) {
        if (std::isdigit(static_cast<unsigned char>(a[i])) &&
            std::isdigit(static_cast<unsigned char>(b[j]))) {
            std::size_t i_end = i;
            std::size_t j_end = j;
            while (i_end < a.size() && std::isdigit(static_cast<unsigned char>(a[i_end]))) {
                ++i_end;
            }
            while (j_end < b.size() && std::isdigit(static_cast<unsigned char>(b[j_end]))) {
                ++j_end;
            }
            const auto na = std::stoull(a.substr(i, i_end - i));
            const auto nb = std::stoull(b.substr(j, j_end - j));
            if (na != nb) {
                return na < nb;
            }
            i = i_end;
            j = j_end;
        } else {
            if (a[i] != b[j]) {
                return a[i] < b[j];
            }
            ++i;
            ++j;
        }
    }
    return a.size() - i < b.size() - j;
}

std::string app_of(const std::string& unit) {
    return unit.substr(0, unit.find('/'));
}

int number_of(const std::string& unit) {
    const auto slash = unit.find('/');
    return slash == std::string::npos ? -1 : std::stoi(unit.substr(slash + 1));
}

std::string unit_tag(const std::string& unit) {
    std::string tag = "unit-" + unit;
    for (auto& c : tag) {
        if (c == '/') {
            c = '-';
        }
    }
    return tag;
}

}  // namespace jujusim
