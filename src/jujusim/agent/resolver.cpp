// The uniter's resolver: compares what a unit has seen with the model and picks its next
// operation in Juju 3.6's priority order (juju-hooks.md §3.1), and records a finished one.
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

std::optional<Op> Controller::secret_op(const Unit& unit, const App& app, bool alive) const {
    // Secrets: consumers tracking a secret with a newer revision; owners of unused revisions.
    for (const auto& [id, secret] : model_.secrets) {
        const auto consumer = secret.consumers.find(unit.name);
        if (consumer != secret.consumers.end() && secret.latest > consumer->second.notified &&
            alive) {
            Op op = hook_op(HookKind::SecretChanged);
            op.secret_id = id;
            op.secret_label = consumer->second.label;
            return op;
        }
        const bool owner = secret.unit_owned
                               ? secret.owner == unit.name
                               : (secret.owner == unit.app && app.leader == unit.name);
        if (!owner) {
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
            Op op = hook_op(HookKind::SecretRemove);
            op.secret_id = id;
            op.secret_label = secret.label;
            op.secret_revision = revision;
            return op;
        }
    }
    return std::nullopt;
}

std::optional<Op> Controller::teardown_op(const Unit& unit) const {
    // Subordinates of a dying principal go first.
    for (const auto& [name, other] : model_.units) {
        if (other.principal == unit.name) {
            return std::nullopt;
        }
    }
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
        const auto members = relation_members(relation, unit);
        std::vector<std::string> joined(seen.joined.begin(), seen.joined.end());
        std::sort(joined.begin(), joined.end(), natural_less);
        for (const auto& name : joined) {
            if (std::find(members.begin(), members.end(), name) == members.end()) {
                return relation_op(relation, *mine, *other, HookKind::RelationDeparted, name, name);
            }
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
    }
    if (auto op = secret_op(unit, app, alive)) {
        return op;
    }
    if (!unit.pending_actions.empty()) {
        return action_op(model_, unit.pending_actions.front());
    }
    if (!alive) {
        return teardown_op(unit);
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
        unit.leader_term_seen = app.leader_term;
        unit.leader_settings_seen = app.leader_settings_version;
    } else if (op.kind == HookKind::LeaderSettingsChanged) {
        unit.leader_settings_seen = app.leader_settings_version;
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
    } else if (op.kind == HookKind::SecretChanged) {
        const auto it = model_.secrets.find(op.secret_id);
        if (it != model_.secrets.end()) {
            it->second.consumers[unit.name].notified = it->second.latest;
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
    const double lease = [&] {
        const auto it = model_.config.find("leadership-lease-seconds");
        return it != model_.config.end() && it->is_number() ? it->get<double>() : 60.0;
    }();
    for (auto& [name, app] : model_.apps) {
        bool need = app.leader.empty();
        if (!need) {
            const auto unit_it = model_.units.find(app.leader);
            if (unit_it == model_.units.end()) {
                need = true;
            } else {
                const auto& machine = model_.machines.at(unit_it->second.machine);
                if (!machine.powered && now() - machine.down_since >= lease) {
                    need = true;
                }
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
        if (!chosen.empty()) {
            app.leader_term += 1;
            app.leader_settings_version += 1;
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
    for (auto& [name, other] : model_.units) {
        if (other.principal == unit.name) {
            destroy_unit(other);
        }
    }
}

void Controller::release_machine(const std::string& machine_id) {
    model_.machines.erase(machine_id);
    const auto machine_it = machines_.find(machine_id);
    if (machine_it != machines_.end()) {
        machine_it->second->poweroff();
    }
    refresh_hosts();
}

void Controller::remove_unit_record(const std::string& name) {
    const auto it = model_.units.find(name);
    if (it == model_.units.end()) {
        return;
    }
    const std::string machine_id = it->second.machine;
    const std::string app_name = it->second.app;
    for (long action_id : it->second.pending_actions) {
        auto& action = model_.actions.at(action_id);
        action.status = "failed";
        action.message = "unit removed";
        action.completed = now();
    }
    model_.units.erase(it);
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
            release_machine(machine_id);
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
