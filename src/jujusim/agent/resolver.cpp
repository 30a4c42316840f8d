// The uniter's resolver: compares what a unit has seen with the model and picks its next
// operation in Juju 3.6's priority order (juju.md §3.1), and records a finished one.
#include <algorithm>

#include <jujusim/controller.hpp>
#include <jujusim/go_format.hpp>

namespace jujusim {

double Controller::now() const {
    return to_epoch(Clock::now());
}

void Controller::enter_scope(Relation& relation, Unit& unit) {
    if (relation.in_scope.count(unit.name) != 0 || unit.life != Life::Alive) {
        return;
    }
    relation.in_scope.insert(unit.name);
    const auto& address = model_.machines.at(unit.machine).address;
    auto& bag = relation.unit_data[unit.name];
    bag["private-address"] = address;
    bag["ingress-address"] = address;
    bag["egress-subnets"] = address + "/32";
    relation.unit_versions[unit.name] += 1;
}

bool Controller::unit_can_run(const Unit& unit) const {
    const auto it = model_.machines.find(unit.machine);
    return it != model_.machines.end() && it->second.powered;
}

namespace {

Op hook_op(HookKind kind) {
    Op op;
    op.kind = kind;
    op.hook = hook_name(kind);
    return op;
}

Op action_op(const Model& model, long action_id) {
    Op op;
    op.kind = HookKind::Action;
    op.action_id = action_id;
    op.hook = model.actions.at(action_id).name;
    return op;
}

Op relation_op(const Relation& relation, const RelationEnd& mine, const RelationEnd& other,
               HookKind kind, const std::string& remote_unit, const std::string& departing = "") {
    Op op;
    op.kind = kind;
    op.hook = hook_name(kind, mine.endpoint);
    op.relation_id = relation.id;
    op.endpoint = mine.endpoint;
    op.remote_app = other.app;
    op.remote_unit = remote_unit;
    op.departing_unit = departing;
    return op;
}

Op secret_hook_op(HookKind kind, const Secret& secret, const std::string& label, long revision) {
    Op op = hook_op(kind);
    op.secret_id = secret.id;
    op.secret_label = label;
    op.secret_revision = revision;
    return op;
}

}  // namespace

std::optional<Op> Controller::setup_op(const Unit& unit, const App& app) const {
    for (const auto& [id, relation] : model_.relations) {
        if (relation.life != Life::Alive || !participates(relation, unit)) {
            continue;
        }
        const auto seen = unit.relations.find(id);
        if (seen == unit.relations.end() || !seen->second.created) {
            const RelationEnd* mine = relation.end_of(unit.app);
            return relation_op(relation, *mine, *relation.other_end(unit.app),
                               HookKind::RelationCreated, "");
        }
    }
    if (app.leader == unit.name) {
        if (unit.leader_term_seen != app.leader_term) {
            return hook_op(HookKind::LeaderElected);
        }
    } else if (unit.leader_settings_seen != app.leader_settings_version) {
        return hook_op(HookKind::LeaderSettingsChanged);
    }
    return std::nullopt;
}

std::optional<Op> Controller::secret_op(const Unit& unit, const App& app) const {
    // Juju's secrets resolver, in its order: expired revisions, rotations (both for the owner:
    // the leader for an application's secrets), new revisions the unit has a consumer record
    // of and was not told of, then revisions no consumer tracks any more.
    const auto owns = [&](const Secret& secret) {
        return secret.unit_owned ? secret.owner == unit.name
                                 : secret.owner == unit.app && app.leader == unit.name;
    };
    const double t = now();
    for (const auto& [id, secret] : model_.secrets) {
        if (!owns(secret)) {
            continue;
        }
        for (const auto& [revision, due] : secret.expiry_due) {
            if (due <= t && secret.revisions.count(revision) != 0) {
                return secret_hook_op(HookKind::SecretExpired, secret, secret.label,
                                      std::stol(revision));
            }
        }
    }
    for (const auto& [id, secret] : model_.secrets) {
        if (owns(secret) && secret.next_rotate > 0 && secret.next_rotate <= t) {
            Op op = secret_hook_op(HookKind::SecretRotate, secret, secret.label, 0);
            op.base_revision = secret.latest;
            return op;
        }
    }
    for (const auto& [id, secret] : model_.secrets) {
        const auto consumer = secret.consumers.find(unit.name);
        // Juju's consumed-secrets watcher reports revisions from 2 on.
        if (consumer != secret.consumers.end() && secret.latest >= 2 &&
            consumer->second.notified != secret.latest) {
            // Owner units have no consumer label: Juju gives them the owner's.
            const std::string& label =
                consumer->second.label.empty() && !secret.unit_owned && secret.owner == unit.app
                    ? secret.label
                    : consumer->second.label;
            return secret_hook_op(HookKind::SecretChanged, secret, label, secret.latest);
        }
    }
    for (const auto& [id, secret] : model_.secrets) {
        if (!owns(secret)) {
            continue;
        }
        for (const auto& [revision_text, content] : secret.revisions) {
            const long revision = std::stol(revision_text);
            if (revision >= secret.latest) {
                continue;
            }
            const bool tracked =
                std::any_of(secret.consumers.begin(), secret.consumers.end(),
                            [&](const auto& item) { return item.second.tracked == revision; });
            if (tracked || unit.remove_notified.count(id + "/" + revision_text) != 0) {
                continue;
            }
            return secret_hook_op(HookKind::SecretRemove, secret, secret.label, revision);
        }
    }
    return std::nullopt;
}

std::optional<Op> Controller::teardown_op(const Unit& unit) const {
    // A dying principal tears down first (its agent then destroys its subordinates, see
    // destroy_subordinates); it becomes Dead only once they are gone (remove_unit_record).
    for (const auto& [id, seen] : unit.relations) {
        const auto relation_it = model_.relations.find(id);
        if (relation_it == model_.relations.end()) {
            continue;
        }
        const Relation& relation = relation_it->second;
        const RelationEnd* mine = relation.end_of(unit.app);
        const RelationEnd* other = relation.other_end(unit.app);
        if (!seen.joined.empty()) {
            std::vector<std::string> joined(seen.joined.begin(), seen.joined.end());
            std::sort(joined.begin(), joined.end(), natural_less);
            return relation_op(relation, *mine, *other, HookKind::RelationDeparted, joined.front(),
                               unit.name);
        }
        if (seen.created && !seen.broken && !relation.is_peer()) {
            return relation_op(relation, *mine, *other, HookKind::RelationBroken, "");
        }
    }
    if (!unit.stopped) {
        return hook_op(HookKind::Stop);
    }
    return hook_op(HookKind::Remove);
}

std::optional<Op> Controller::relation_hook_op(const Unit& unit) const {
    for (const auto& [id, seen] : unit.relations) {
        const auto relation_it = model_.relations.find(id);
        if (relation_it == model_.relations.end()) {
            continue;
        }
        const Relation& relation = relation_it->second;
        const RelationEnd* mine = relation.end_of(unit.app);
        const RelationEnd* other = relation.other_end(unit.app);
        if (mine == nullptr || other == nullptr) {
            continue;
        }
        if (relation.life != Life::Alive) {
            if (!seen.joined.empty()) {
                std::vector<std::string> joined(seen.joined.begin(), seen.joined.end());
                std::sort(joined.begin(), joined.end(), natural_less);
                return relation_op(relation, *mine, *other, HookKind::RelationDeparted,
                                   joined.front(), joined.front());
            }
            if (seen.created && !seen.broken && !relation.is_peer()) {
                return relation_op(relation, *mine, *other, HookKind::RelationBroken, "");
            }
            continue;
        }
        if (!seen.created) {
            continue;
        }
        if (!seen.pending_changed.empty()) {
            return relation_op(relation, *mine, *other, HookKind::RelationChanged,
                               seen.pending_changed);
        }
        const auto members = relation_members(relation, unit);  // in natural order
        // The first (in natural order) of the joined units that left: looked up, not searched
        // (a relation may hold thousands of units).
        const std::string* departed = nullptr;
        for (const auto& name : seen.joined) {
            if (!std::binary_search(members.begin(), members.end(), name, natural_less) &&
                (departed == nullptr || natural_less(name, *departed))) {
                departed = &name;
            }
        }
        if (departed != nullptr) {
            return relation_op(relation, *mine, *other, HookKind::RelationDeparted, *departed,
                               *departed);
        }
        const auto app_version = relation.app_versions.find(other->app);
        if (app_version != relation.app_versions.end() && app_version->second > seen.app_version) {
            return relation_op(relation, *mine, *other, HookKind::RelationChanged, "");
        }
        for (const auto& name : members) {
            if (seen.joined.count(name) == 0) {
                return relation_op(relation, *mine, *other, HookKind::RelationJoined, name);
            }
        }
        for (const auto& name : members) {
            const auto current = relation.unit_versions.find(name);
            const auto known = seen.unit_versions.find(name);
            const long current_version =
                current == relation.unit_versions.end() ? 0 : current->second;
            const long known_version = known == seen.unit_versions.end() ? 0 : known->second;
            if (current_version > known_version) {
                return relation_op(relation, *mine, *other, HookKind::RelationChanged, name);
            }
        }
    }
    return std::nullopt;
}

std::optional<Op> Controller::next_op(const Unit& unit) const {
    if (unit.removed) {
        return std::nullopt;
    }
    const App& app = model_.apps.at(unit.app);
    if (unit.in_error) {
        if (unit.resolve_now || now() >= unit.retry_at) {
            return unit.failed_op;
        }
        if (!unit.pending_actions.empty()) {
            return action_op(model_, unit.pending_actions.front());
        }
        return std::nullopt;
    }
    if (unit.boot_start_pending && unit.started && unit.life == Life::Alive) {
        return hook_op(HookKind::Start);
    }
    if (!unit.installed) {
        return hook_op(HookKind::Install);
    }

    const bool alive = unit.life == Life::Alive;
    if (alive) {
        if (auto op = setup_op(unit, app)) {
            return op;
        }
        // Juju's secrets resolver does nothing once the unit is dying.
        if (auto op = secret_op(unit, app)) {
            return op;
        }
    }
    if (!unit.pending_actions.empty()) {
        return action_op(model_, unit.pending_actions.front());
    }
    if (!alive) {
        return teardown_op(unit);
    }
    if (unit.charm_rev != app.charm_rev && app.builtin.empty()) {
        return hook_op(HookKind::UpgradeCharm);  // juju refresh
    }
    if (unit.config_seen != app.config_version) {
        return hook_op(HookKind::ConfigChanged);
    }
    if (!unit.started) {
        return hook_op(HookKind::Start);
    }

    if (auto op = relation_hook_op(unit)) {
        return op;
    }
    if (unit.update_status_due) {
        return hook_op(HookKind::UpdateStatus);
    }
    return std::nullopt;
}

void Controller::apply_done(Unit& unit, const Op& op) {
    App& app = model_.apps.at(unit.app);
    if (op.is_action()) {
        auto& pending = unit.pending_actions;
        pending.erase(std::remove(pending.begin(), pending.end(), op.action_id), pending.end());
        return;
    }
    if (op.relation_id >= 0) {
        auto& seen = unit.relations[op.relation_id];
        const auto relation_it = model_.relations.find(op.relation_id);
        if (op.kind == HookKind::RelationCreated) {
            seen.created = true;
            if (relation_it != model_.relations.end()) {
                enter_scope(relation_it->second, unit);
            }
        } else if (op.kind == HookKind::RelationJoined) {
            seen.joined.insert(op.remote_unit);
            seen.pending_changed = op.remote_unit;
        } else if (op.kind == HookKind::RelationChanged) {
            if (relation_it != model_.relations.end()) {
                if (op.remote_unit.empty()) {
                    seen.app_version = relation_it->second.app_versions[op.remote_app];
                } else {
                    seen.unit_versions[op.remote_unit] =
                        relation_it->second.unit_versions[op.remote_unit];
                }
            }
            if (seen.pending_changed == op.remote_unit) {
                seen.pending_changed.clear();
            }
        } else if (op.kind == HookKind::RelationDeparted) {
            seen.joined.erase(op.remote_unit);
            seen.unit_versions.erase(op.remote_unit);
            if (seen.pending_changed == op.remote_unit) {
                seen.pending_changed.clear();
            }
        } else if (op.kind == HookKind::RelationBroken) {
            seen.broken = true;
        }
        return;
    }
    if (op.kind == HookKind::Install) {
        unit.installed = true;
    } else if (op.kind == HookKind::LeaderElected) {
        // Only leader-settings-changed records the settings version a unit has seen (Juju's
        // local state): a leader that is later deposed runs it for what changed meanwhile.
        unit.leader_term_seen = app.leader_term;
    } else if (op.kind == HookKind::LeaderSettingsChanged) {
        unit.leader_settings_seen = app.leader_settings_version;
    } else if (op.kind == HookKind::UpgradeCharm) {
        unit.charm_rev = app.charm_rev;
        unit.config_seen = -1;  // Juju queues config-changed after upgrade-charm
    } else if (op.kind == HookKind::ConfigChanged) {
        unit.config_seen = app.config_version;
    } else if (op.kind == HookKind::Start) {
        unit.started = true;
        unit.boot_start_pending = false;
    } else if (op.kind == HookKind::Stop) {
        unit.stopped = true;
    } else if (op.kind == HookKind::UpdateStatus) {
        unit.update_status_due = false;
        unit.last_update_status = now();
    } else if (op.kind == HookKind::SecretChanged || op.kind == HookKind::SecretRotate ||
               op.kind == HookKind::SecretExpired) {
        const auto it = model_.secrets.find(op.secret_id);
        if (it == model_.secrets.end()) {
            return;
        }
        Secret& secret = it->second;
        if (op.kind == HookKind::SecretChanged) {
            secret.consumers[unit.name].notified = op.secret_revision;
        } else if (op.kind == HookKind::SecretRotate) {
            secret.next_rotate = next_rotate_after_hook(secret, op.base_revision, now());
        } else if (const auto due = secret.expiry_due.find(std::to_string(op.secret_revision));
                   due != secret.expiry_due.end()) {
            due->second = now() + kSecretExpireRetryDelay;  // until the revision is removed
        }
    } else if (op.kind == HookKind::SecretRemove) {
        unit.remove_notified.insert(op.secret_id + "/" + std::to_string(op.secret_revision));
    }
}

bool Controller::model_busy() const {
    if (!busy_machines_.empty()) {
        return true;
    }
    for (const auto& [name, unit] : model_.units) {
        if (!unit_can_run(unit)) {
            continue;
        }
        if (next_op(unit)) {
            return true;
        }
    }
    return false;
}

void Controller::elect_leaders() {
    const double lease = leadership_lease_seconds(model_);
    for (auto& [name, app] : model_.apps) {
        bool need = app.leader.empty();
        if (!need) {
            const auto unit_it = model_.units.find(app.leader);
            const bool leader_exists = unit_it != model_.units.end();
            if (leader_exists && model_.machines.at(unit_it->second.machine).powered) {
                app.lease_expires = renewed_lease(app.lease_expires, now(), lease);
            } else {
                // No leader unit, or its agent is gone: then the lease runs out unrenewed.
                need = !leader_exists || now() >= app.lease_expires;
            }
        }
        if (!need) {
            continue;
        }
        std::vector<std::string> candidates;
        for (const auto& [unit_name, unit] : model_.units) {
            if (unit.app != name || unit.life != Life::Alive) {
                continue;
            }
            if (!model_.machines.at(unit.machine).powered) {
                continue;
            }
            candidates.push_back(unit_name);
        }
        std::sort(candidates.begin(), candidates.end(), natural_less);
        const std::string chosen = candidates.empty() ? "" : candidates.front();
        if (chosen == app.leader) {
            continue;
        }
        if (chosen.empty() && model_.units.count(app.leader) != 0) {
            continue;  // keep a down leader's record
        }
        app.leader = chosen;
        app.lease_expires = now() + lease;
        if (!chosen.empty()) {
            // A new term, not a settings change: Juju runs leader-settings-changed only when
            // the leader settings change (its watcher), not when leadership moves.
            app.leader_term += 1;
        }
        touch();
    }
}

void Controller::destroy_unit(Unit& unit) {
    if (unit.life != Life::Alive) {
        return;
    }
    unit.life = Life::Dying;
    for (auto& [id, relation] : model_.relations) {
        relation.in_scope.erase(unit.name);
    }
}

bool Controller::has_subordinates(const std::string& principal) const {
    return std::any_of(model_.units.begin(), model_.units.end(),
                       [&](const auto& item) { return item.second.principal == principal; });
}

bool Controller::destroy_subordinates(const std::string& principal) {
    bool destroyed = false;
    for (auto& [name, other] : model_.units) {
        if (other.principal == principal && other.life == Life::Alive) {
            destroy_unit(other);
            destroyed = true;
        }
    }
    return destroyed;
}

void Controller::release_machines(const std::vector<std::string>& machine_ids) {
    for (const auto& machine_id : machine_ids) {
        model_.machines.erase(machine_id);
        const auto machine_it = machines_.find(machine_id);
        if (machine_it != machines_.end()) {
            machine_it->second->poweroff();
        }
    }
    if (!machine_ids.empty()) {
        refresh_hosts();
    }
}

void Controller::remove_unit_record(const std::string& name) {
    const auto it = model_.units.find(name);
    if (it == model_.units.end()) {
        return;
    }
    if (has_subordinates(name)) {
        it->second.removed = true;  // Dead once they are gone
        return;
    }
    const std::string machine_id = it->second.machine;
    const std::string app_name = it->second.app;
    const std::string principal = it->second.principal;
    for (long action_id : it->second.pending_actions) {
        auto& action = model_.actions.at(action_id);
        action.status = ActionStatus::Failed;
        action.message = "unit removed";
        action.completed = now();
    }
    model_.units.erase(it);
    unit_index_stale_ = true;
    for (auto& [id, relation] : model_.relations) {
        relation.in_scope.erase(name);
    }
    for (auto& [id, secret] : model_.secrets) {
        secret.consumers.erase(name);
    }
    bool machine_used = false;
    for (const auto& [unit_name, unit] : model_.units) {
        if (unit.machine == machine_id) {
            machine_used = true;
        }
    }
    if (!machine_used && model_.machines.count(machine_id) != 0) {
        // Juju removes a machine that was provisioned for the unit once it hosts nothing, a
        // while later (the provisioner stops and releases the instance): until then it stays
        // up and its name resolves. A machine that is already down goes at once.
        auto& record = model_.machines.at(machine_id);
        if (record.powered) {
            record.released_at = now();
        } else {
            release_machines({machine_id});
        }
    }
    App& app = model_.apps.at(app_name);
    if (app.leader == name) {
        app.leader.clear();
    }
    elect_leaders();
    bool app_has_units = false;
    for (const auto& [unit_name, unit] : model_.units) {
        if (unit.app == app_name) {
            app_has_units = true;
        }
    }
    if (!app_has_units && app.life == Life::Dying) {
        for (auto relation_it = model_.relations.begin(); relation_it != model_.relations.end();) {
            if (relation_it->second.end_of(app_name) != nullptr && relation_it->second.is_peer()) {
                relation_it = model_.relations.erase(relation_it);
            } else {
                ++relation_it;
            }
        }
        model_.apps.erase(app_name);
        metas_.erase(app_name);
    }
    cleanup_relations();
    const auto waiting = model_.units.find(principal);
    if (waiting != model_.units.end() && waiting->second.removed) {
        remove_unit_record(principal);
    }
}

void Controller::cleanup_relations() {
    for (auto it = model_.relations.begin(); it != model_.relations.end();) {
        Relation& relation = it->second;
        if (relation.life != Life::Dying) {
            ++it;
            continue;
        }
        bool pending = false;
        for (const auto& [name, unit] : model_.units) {
            if (relation.end_of(unit.app) == nullptr) {
                continue;
            }
            const auto seen = unit.relations.find(relation.id);
            if (seen == unit.relations.end()) {
                continue;
            }
            if (!seen->second.joined.empty() ||
                (seen->second.created && !seen->second.broken && !relation.is_peer())) {
                pending = true;
            }
        }
        if (pending) {
            ++it;
            continue;
        }
        for (auto& [name, unit] : model_.units) {
            unit.relations.erase(relation.id);
        }
        it = model_.relations.erase(it);
    }
}

}  // namespace jujusim
