// The uniter's resolver: compares what a unit has seen with the model and picks its next
// operation in Juju 3.6's priority order (juju-hooks.md §3.1), and records a finished one.
#include <algorithm>

#include <jujusim/controller.hpp>
#include <jujusim/go_format.hpp>

namespace jujusim {

double Controller::now() const {
    return to_epoch(Clock::now());
}

bool Controller::participates(const Relation& relation, const Unit& unit) const {
    const RelationEnd* end = relation.end_of(unit.app);
    if (end == nullptr)
        return false;
    const auto& endpoints = meta(unit.app).endpoints;
    const auto it = endpoints.find(end->endpoint);
    if (it != endpoints.end() && it->second.implicit)
        return false;
    if (relation.container_scope() && !relation.is_peer()) {
        const RelationEnd* other = relation.other_end(unit.app);
        if (!unit.principal.empty())
            return app_of(unit.principal) == other->app;
        return std::any_of(model_.units.begin(), model_.units.end(), [&](const auto& item) {
            return item.second.principal == unit.name && item.second.app == other->app;
        });
    }
    return true;
}

std::vector<std::string> Controller::relation_members(const Relation& relation,
                                                      const Unit& unit) const {
    std::vector<std::string> members;
    const RelationEnd* other = relation.other_end(unit.app);
    if (other == nullptr || relation.life != "alive")
        return members;
    for (const auto& name : relation.in_scope) {
        if (name == unit.name || app_of(name) != other->app)
            continue;
        if (relation.container_scope() && !relation.is_peer()) {
            const auto it = model_.units.find(name);
            if (it == model_.units.end())
                continue;
            const bool colocated = it->second.principal == unit.name || unit.principal == name;
            if (!colocated)
                continue;
        }
        members.push_back(name);
    }
    std::sort(members.begin(), members.end(), natural_less);
    return members;
}

void Controller::enter_scope(Relation& relation, Unit& unit) {
    if (relation.in_scope.count(unit.name) != 0 || unit.life != "alive")
        return;
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

Op hook_op(const std::string& name) {
    Op op;
    op.hook = name;
    return op;
}

Op relation_op(const Relation& relation, const RelationEnd& mine, const RelationEnd& other,
               const std::string& kind, const std::string& remote_unit,
               const std::string& departing = "") {
    Op op;
    op.hook = mine.endpoint + "-relation-" + kind;
    op.relation_id = relation.id;
    op.endpoint = mine.endpoint;
    op.remote_app = other.app;
    op.remote_unit = remote_unit;
    op.departing_unit = departing;
    return op;
}

}  // namespace

std::optional<Op> Controller::next_op(const Unit& unit) const {
    const App& app = model_.apps.at(unit.app);
    if (unit.in_error) {
        if (unit.resolve_now || now() >= unit.retry_at)
            return unit.failed_op;
        if (!unit.pending_actions.empty()) {
            Op op;
            op.kind = "action";
            op.action_id = unit.pending_actions.front();
            op.hook = model_.actions.at(op.action_id).name;
            return op;
        }
        return std::nullopt;
    }
    if (unit.boot_start_pending && unit.started && unit.life == "alive")
        return hook_op("start");
    if (!unit.installed)
        return hook_op("install");

    const bool alive = unit.life == "alive";
    if (alive) {
        for (const auto& [id, relation] : model_.relations) {
            if (relation.life != "alive" || !participates(relation, unit))
                continue;
            const auto seen = unit.relations.find(id);
            if (seen == unit.relations.end() || !seen->second.created) {
                const RelationEnd* mine = relation.end_of(unit.app);
                return relation_op(relation, *mine, *relation.other_end(unit.app), "created", "");
            }
        }
        if (app.leader == unit.name) {
            if (unit.leader_term_seen != app.leader_term)
                return hook_op("leader-elected");
        } else if (unit.leader_settings_seen != app.leader_settings_version) {
            return hook_op("leader-settings-changed");
        }
    }

    // Secrets: consumers tracking a secret with a newer revision; owners of unused revisions.
    for (const auto& [id, secret] : model_.secrets) {
        const auto consumer = secret.consumers.find(unit.name);
        if (consumer != secret.consumers.end() && secret.latest > consumer->second.notified &&
            alive) {
            Op op = hook_op("secret-changed");
            op.secret_id = id;
            op.secret_label = consumer->second.label;
            return op;
        }
        const bool owner = secret.unit_owned
                               ? secret.owner == unit.name
                               : (secret.owner == unit.app && app.leader == unit.name);
        if (!owner)
            continue;
        for (const auto& [revision_text, content] : secret.revisions) {
            const long revision = std::stol(revision_text);
            if (revision >= secret.latest)
                continue;
            const bool tracked =
                std::any_of(secret.consumers.begin(), secret.consumers.end(),
                            [&](const auto& item) { return item.second.tracked == revision; });
            if (tracked || unit.remove_notified.count(id + "/" + revision_text) != 0)
                continue;
            Op op = hook_op("secret-remove");
            op.secret_id = id;
            op.secret_label = secret.label;
            op.secret_revision = revision;
            return op;
        }
    }

    if (!unit.pending_actions.empty()) {
        Op op;
        op.kind = "action";
        op.action_id = unit.pending_actions.front();
        op.hook = model_.actions.at(op.action_id).name;
        return op;
    }

    if (!alive) {
        // Subordinates of a dying principal go first.
        for (const auto& [name, other] : model_.units) {
            if (other.principal == unit.name)
                return std::nullopt;
        }
        for (const auto& [id, seen] : unit.relations) {
            const auto relation_it = model_.relations.find(id);
            if (relation_it == model_.relations.end())
                continue;
            const Relation& relation = relation_it->second;
            const RelationEnd* mine = relation.end_of(unit.app);
            const RelationEnd* other = relation.other_end(unit.app);
            if (!seen.joined.empty()) {
                std::vector<std::string> joined(seen.joined.begin(), seen.joined.end());
                std::sort(joined.begin(), joined.end(), natural_less);
                return relation_op(relation, *mine, *other, "departed", joined.front(), unit.name);
            }
            if (seen.created && !seen.broken && !relation.is_peer()) {
                return relation_op(relation, *mine, *other, "broken", "");
            }
        }
        if (!unit.stopped)
            return hook_op("stop");
        return hook_op("remove");
    }

    if (unit.config_seen != app.config_version)
        return hook_op("config-changed");
    if (!unit.started)
        return hook_op("start");

    for (const auto& [id, seen] : unit.relations) {
        const auto relation_it = model_.relations.find(id);
        if (relation_it == model_.relations.end())
            continue;
        const Relation& relation = relation_it->second;
        const RelationEnd* mine = relation.end_of(unit.app);
        const RelationEnd* other = relation.other_end(unit.app);
        if (mine == nullptr || other == nullptr)
            continue;
        if (relation.life != "alive") {
            if (!seen.joined.empty()) {
                std::vector<std::string> joined(seen.joined.begin(), seen.joined.end());
                std::sort(joined.begin(), joined.end(), natural_less);
                return relation_op(relation, *mine, *other, "departed", joined.front(),
                                   joined.front());
            }
            if (seen.created && !seen.broken && !relation.is_peer())
                return relation_op(relation, *mine, *other, "broken", "");
            continue;
        }
        if (!seen.created)
            continue;
        if (!seen.pending_changed.empty()) {
            return relation_op(relation, *mine, *other, "changed", seen.pending_changed);
        }
        const auto members = relation_members(relation, unit);
        std::vector<std::string> joined(seen.joined.begin(), seen.joined.end());
        std::sort(joined.begin(), joined.end(), natural_less);
        for (const auto& name : joined) {
            if (std::find(members.begin(), members.end(), name) == members.end()) {
                return relation_op(relation, *mine, *other, "departed", name, name);
            }
        }
        const auto app_version = relation.app_versions.find(other->app);
        if (app_version != relation.app_versions.end() && app_version->second > seen.app_version) {
            return relation_op(relation, *mine, *other, "changed", "");
        }
        for (const auto& name : members) {
            if (seen.joined.count(name) == 0)
                return relation_op(relation, *mine, *other, "joined", name);
        }
        for (const auto& name : members) {
            const auto current = relation.unit_versions.find(name);
            const auto known = seen.unit_versions.find(name);
            const long current_version =
                current == relation.unit_versions.end() ? 0 : current->second;
            const long known_version = known == seen.unit_versions.end() ? 0 : known->second;
            if (current_version > known_version)
                return relation_op(relation, *mine, *other, "changed", name);
        }
    }

    if (unit.update_status_due)
        return hook_op("update-status");
    return std::nullopt;
}

void Controller::apply_done(Unit& unit, const Op& op) {
    App& app = model_.apps.at(unit.app);
    const std::string& hook = op.hook;
    if (op.kind == "action") {
        auto& pending = unit.pending_actions;
        pending.erase(std::remove(pending.begin(), pending.end(), op.action_id), pending.end());
        return;
    }
    if (op.relation_id >= 0) {
        auto& seen = unit.relations[op.relation_id];
        const auto relation_it = model_.relations.find(op.relation_id);
        if (hook.ends_with("-relation-created")) {
            seen.created = true;
            if (relation_it != model_.relations.end())
                enter_scope(relation_it->second, unit);
        } else if (hook.ends_with("-relation-joined")) {
            seen.joined.insert(op.remote_unit);
            seen.pending_changed = op.remote_unit;
        } else if (hook.ends_with("-relation-changed")) {
            if (relation_it != model_.relations.end()) {
                if (op.remote_unit.empty()) {
                    seen.app_version = relation_it->second.app_versions[op.remote_app];
                } else {
                    seen.unit_versions[op.remote_unit] =
                        relation_it->second.unit_versions[op.remote_unit];
                }
            }
            if (seen.pending_changed == op.remote_unit)
                seen.pending_changed.clear();
        } else if (hook.ends_with("-relation-departed")) {
            seen.joined.erase(op.remote_unit);
            seen.unit_versions.erase(op.remote_unit);
            if (seen.pending_changed == op.remote_unit)
                seen.pending_changed.clear();
        } else if (hook.ends_with("-relation-broken")) {
            seen.broken = true;
        }
        return;
    }
    if (hook == "install") {
        unit.installed = true;
    } else if (hook == "leader-elected") {
        unit.leader_term_seen = app.leader_term;
        unit.leader_settings_seen = app.leader_settings_version;
    } else if (hook == "leader-settings-changed") {
        unit.leader_settings_seen = app.leader_settings_version;
    } else if (hook == "config-changed") {
        unit.config_seen = app.config_version;
    } else if (hook == "start") {
        unit.started = true;
        unit.boot_start_pending = false;
    } else if (hook == "stop") {
        unit.stopped = true;
    } else if (hook == "update-status") {
        unit.update_status_due = false;
        unit.last_update_status = now();
    } else if (hook == "secret-changed") {
        const auto it = model_.secrets.find(op.secret_id);
        if (it != model_.secrets.end())
            it->second.consumers[unit.name].notified = it->second.latest;
    } else if (hook == "secret-remove") {
        unit.remove_notified.insert(op.secret_id + "/" + std::to_string(op.secret_revision));
    }
}

bool Controller::model_busy() const {
    if (!busy_machines_.empty())
        return true;
    for (const auto& [name, unit] : model_.units) {
        if (!unit_can_run(unit))
            continue;
        if (next_op(unit))
            return true;
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
                if (!machine.powered && now() - machine.down_since >= lease)
                    need = true;
            }
        }
        if (!need)
            continue;
        std::vector<std::string> candidates;
        for (const auto& [unit_name, unit] : model_.units) {
            if (unit.app != name || unit.life != "alive")
                continue;
            if (!model_.machines.at(unit.machine).powered)
                continue;
            candidates.push_back(unit_name);
        }
        std::sort(candidates.begin(), candidates.end(), natural_less);
        const std::string chosen = candidates.empty() ? "" : candidates.front();
        if (chosen == app.leader)
            continue;
        if (chosen.empty() && model_.units.count(app.leader) != 0)
            continue;  // keep a down leader's record
        app.leader = chosen;
        if (!chosen.empty()) {
            app.leader_term += 1;
            app.leader_settings_version += 1;
        }
        touch();
    }
}

void Controller::destroy_unit(Unit& unit) {
    if (unit.life != "alive")
        return;
    unit.life = "dying";
    for (auto& [id, relation] : model_.relations)
        relation.in_scope.erase(unit.name);
    for (auto& [name, other] : model_.units) {
        if (other.principal == unit.name)
            destroy_unit(other);
    }
}

void Controller::release_machine(const std::string& machine_id) {
    model_.machines.erase(machine_id);
    const auto machine_it = machines_.find(machine_id);
    if (machine_it != machines_.end())
        machine_it->second->poweroff();
    refresh_hosts();
}

void Controller::remove_unit_record(const std::string& name) {
    const auto it = model_.units.find(name);
    if (it == model_.units.end())
        return;
    const std::string machine_id = it->second.machine;
    const std::string app_name = it->second.app;
    for (long action_id : it->second.pending_actions) {
        auto& action = model_.actions.at(action_id);
        action.status = "failed";
        action.message = "unit removed";
        action.completed = now();
    }
    model_.units.erase(it);
    for (auto& [id, relation] : model_.relations)
        relation.in_scope.erase(name);
    for (auto& [id, secret] : model_.secrets)
        secret.consumers.erase(name);
    bool machine_used = false;
    for (const auto& [unit_name, unit] : model_.units) {
        if (unit.machine == machine_id)
            machine_used = true;
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
    if (app.leader == name)
        app.leader.clear();
    elect_leaders();
    bool app_has_units = false;
    for (const auto& [unit_name, unit] : model_.units) {
        if (unit.app == app_name)
            app_has_units = true;
    }
    if (!app_has_units && app.life == "dying") {
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
        if (relation.life != "dying") {
            ++it;
            continue;
        }
        bool pending = false;
        for (const auto& [name, unit] : model_.units) {
            if (relation.end_of(unit.app) == nullptr)
                continue;
            const auto seen = unit.relations.find(relation.id);
            if (seen == unit.relations.end())
                continue;
            if (!seen->second.joined.empty() ||
                (seen->second.created && !seen->second.broken && !relation.is_peer())) {
                pending = true;
            }
        }
        if (pending) {
            ++it;
            continue;
        }
        for (auto& [name, unit] : model_.units)
            unit.relations.erase(relation.id);
        it = model_.relations.erase(it);
    }
}

}  // namespace jujusim
