#include <algorithm>
#include <ctime>

#include <jujusim/go_format.hpp>
#include <jujusim/model_rules.hpp>

namespace jujusim {

namespace {

int severity(const std::string& status) {
    // core/status DeriveStatus: the most severe unit status becomes the application's.
    static const std::map<std::string, int> kSeverity{{"error", 100},      {"blocked", 90},
                                                      {"maintenance", 80}, {"waiting", 70},
                                                      {"active", 60},      {"terminated", 50}};
    const auto found = kSeverity.find(status);
    return found == kSeverity.end() ? 40 : found->second;
}

/// A goal-state entry, as Juju's struct prints it: status, then since.
ordered_json goal_entry(const std::string& status, double since) {
    ordered_json entry;
    entry["status"] = status;
    entry["since"] = goal_state_since(from_epoch(since));
    return entry;
}

/// A unit's entry: its workload status, or "dying".
ordered_json goal_unit_entry(const Model& model, const Unit& unit) {
    return goal_entry(unit.life == Life::Dying ? "dying" : displayed_workload(model, unit).current,
                      unit.workload.since);
}

/// Whether goal-state shows `other` to `unit` (Juju's goalStateUnits): not Dead, and a
/// subordinate only when `unit` is its principal. (So a subordinate sees none of its own
/// application's units, and every unit of its principal's application.)
bool in_goal_state(const Unit& other, const Unit& unit) {
    return !other.removed && (other.principal.empty() || other.principal == unit.name);
}

}  // namespace

double leadership_lease_seconds(const Model& model) {
    const auto it = model.config.find("leadership-lease-seconds");
    return it != model.config.end() && it->is_number() ? it->get<double>() : 60.0;
}

double renewed_lease(double expires, double now, double lease) {
    return now >= expires - lease / 2 ? now + lease : expires;
}

double next_rotate_time(const std::string& policy, double from) {
    const auto seconds = static_cast<std::time_t>(from);
    std::tm when{};
    gmtime_r(&seconds, &when);
    if (policy == "hourly") {
        return from + 3600;
    }
    if (policy == "daily") {
        when.tm_mday += 1;
    } else if (policy == "weekly") {
        when.tm_mday += 7;
    } else if (policy == "monthly") {
        when.tm_mon += 1;
    } else if (policy == "quarterly") {
        when.tm_mon += 3;
    } else if (policy == "yearly") {
        when.tm_year += 1;
    } else {
        return 0;
    }
    // timegm normalises as Go's AddDate does (31 Jan + 1 month = 3 Mar).
    return static_cast<double>(timegm(&when)) + (from - static_cast<double>(seconds));
}

double latest_expiry(const Secret& secret) {
    const auto found = secret.expiry.find(std::to_string(secret.latest));
    return found == secret.expiry.end() ? 0 : found->second;
}

double next_rotate_after_hook(const Secret& secret, long base_revision, double now) {
    const double last = secret.next_rotate > 0 ? secret.next_rotate : now;
    double next = next_rotate_time(secret.rotate, last);
    if (next == 0) {
        return 0;
    }
    const double expires = latest_expiry(secret);
    const double forced = last + kSecretRotateRetryDelay;
    const bool will_expire = expires > 0 && expires < next;
    if ((will_expire && forced < expires) || secret.latest == base_revision) {
        next = forced;
    }
    return next;
}

bool is_leader_now(const Model& model, const Unit& unit) {
    const App& app = model.apps.at(unit.app);
    return app.leader == unit.name && model.machines.at(unit.machine).powered;
}

bool participates(const Model& model, const CharmMetas& metas, const Relation& relation,
                  const Unit& unit) {
    const RelationEnd* end = relation.end_of(unit.app);
    if (end == nullptr) {
        return false;
    }
    const auto& endpoints = metas.at(unit.app).endpoints;
    const auto it = endpoints.find(end->endpoint);
    if (it != endpoints.end() && it->second.implicit) {
        return false;
    }
    if (relation.container_scope() && !relation.is_peer()) {
        const RelationEnd* other = relation.other_end(unit.app);
        if (!unit.principal.empty()) {
            return app_of(unit.principal) == other->app;
        }
        return std::any_of(model.units.begin(), model.units.end(), [&](const auto& item) {
            return item.second.principal == unit.name && item.second.app == other->app;
        });
    }
    return true;
}

std::vector<std::string> relation_members(const Model& model, const Relation& relation,
                                          const Unit& unit) {
    std::vector<std::string> members;
    const RelationEnd* other = relation.other_end(unit.app);
    if (other == nullptr || relation.life != Life::Alive) {
        return members;
    }
    // Unit names are "<app>/<n>": the other application's units are one run of the ordered
    // set, found without walking every unit in scope (thousands at cluster scale, and this runs
    // for every unit on every pass of the dispatcher).
    const std::string prefix = other->app + "/";
    for (auto entry = relation.in_scope.lower_bound(prefix);
         entry != relation.in_scope.end() && entry->compare(0, prefix.size(), prefix) == 0;
         ++entry) {
        const std::string& name = *entry;
        if (name == unit.name) {
            continue;
        }
        if (relation.container_scope() && !relation.is_peer()) {
            const auto it = model.units.find(name);
            if (it == model.units.end()) {
                continue;
            }
            const bool colocated = it->second.principal == unit.name || unit.principal == name;
            if (!colocated) {
                continue;
            }
        }
        members.push_back(name);
    }
    std::sort(members.begin(), members.end(), natural_less);
    return members;
}

StatusValue displayed_workload(const Model& model, const Unit& unit) {
    const auto& machine = model.machines.at(unit.machine);
    if (!machine.powered) {
        return StatusValue{"unknown", "agent lost, see 'juju show-status-log " + unit.name + "'",
                           machine.down_since, json::object()};
    }
    if (unit.in_error) {
        return StatusValue{"error", unit.agent.message, unit.agent.since, unit.agent.data};
    }
    return unit.workload;
}

StatusValue displayed_agent(const Model& model, const Unit& unit) {
    const auto& machine = model.machines.at(unit.machine);
    if (!machine.powered) {
        return StatusValue{"lost", "agent is not communicating with the server", machine.down_since,
                           json::object()};
    }
    if (unit.in_error) {
        return StatusValue{"idle", "", unit.agent.since, json::object()};
    }
    return unit.agent;
}

StatusValue app_status(const Model& model, const App& app, double now) {
    if (app.status_set) {
        return app.status;
    }
    StatusValue derived{"unknown", "", 0, json::object()};
    bool any = false;
    for (const auto& [name, unit] : model.units) {
        if (unit.app != app.name) {
            continue;
        }
        const StatusValue shown = displayed_workload(model, unit);
        if (!any || severity(shown.current) > severity(derived.current)) {
            derived = shown;
        }
        any = true;
    }
    if (!any) {
        derived = StatusValue{"waiting", "waiting for machine", now, json::object()};
    }
    return derived;
}

json effective_config(const CharmMeta& meta, const App& app, bool all) {
    json out = json::object();
    for (const auto& [name, option] : meta.config) {
        if (app.config.contains(name)) {
            out[name] = app.config[name];
        } else if (!option.default_value.is_null() || all) {
            out[name] = option.default_value;
        }
    }
    return out;
}

ordered_json goal_state(const Model& model, const Unit& unit) {
    ordered_json units = ordered_json::object();
    for (const auto& [name, other] : model.units) {
        if (other.app == unit.app && in_goal_state(other, unit)) {
            units[name] = goal_unit_entry(model, other);
        }
    }
    ordered_json relations = ordered_json::object();
    for (const auto& [id, relation] : model.relations) {
        const RelationEnd* mine = relation.end_of(unit.app);
        if (relation.is_peer() || relation.life != Life::Alive || mine == nullptr) {
            continue;
        }
        const RelationEnd* other = relation.other_end(unit.app);
        ordered_json& entry = relations[mine->endpoint];
        if (entry.is_null()) {
            entry = ordered_json::object();
        }
        entry[other->app] = goal_entry("joined", relation.created_at);
        for (const auto& [name, remote] : model.units) {
            if (remote.app == other->app && in_goal_state(remote, unit)) {
                entry[name] = goal_unit_entry(model, remote);
            }
        }
    }
    // Juju's struct: units, then relations.
    ordered_json goal;
    goal["units"] = units;
    goal["relations"] = relations;
    return goal;
}

void set_unit_status(Unit& unit, const std::string& current, const std::string& message, bool agent,
                     double now) {
    StatusValue& target = agent ? unit.agent : unit.workload;
    target.current = current;
    target.message = message;
    target.since = now;
    target.data = json::object();
    unit.history.push_back(json{{"kind", agent ? "juju-unit" : "workload"},
                                {"status", current},
                                {"message", message},
                                {"since", target.since}});
    if (unit.history.size() > 50) {
        unit.history.erase(unit.history.begin());
    }
}

}  // namespace jujusim
