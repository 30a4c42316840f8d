// Leadership (is-leader, leader-get, leader-set), config-get, status (status-set, status-get,
// application-version-set), juju-log, unit state (state-get, state-set, state-delete), goal-state.
#include <set>

#include "tool_call.hpp"

namespace jujusim {

// ---- leadership ------------------------------------------------------------------------------

CommandResult tool_handlers::is_leader(ToolCall& call) {
    // Within one hook, once the answer is false it stays false (the context caches "minion").
    if (!call.ctx.leader_cached || *call.ctx.leader_cached) {
        call.ctx.leader_cached = call.leader();
    }
    return call.output(*call.ctx.leader_cached);
}

CommandResult tool_handlers::leader_get(ToolCall& call) {
    const json settings = call.app.leader_settings;
    if (call.args().empty() || call.args()[0] == "-") {
        return call.output(settings);
    }
    const auto value = settings.find(call.args()[0]);
    return call.output(value == settings.end() ? json(nullptr) : *value);
}

CommandResult tool_handlers::leader_set(ToolCall& call) {
    const auto values = slurmctld::juju::parse_key_values(call.tool, call.args());
    if (!call.leader()) {
        call.run_error(std::string(tool_message::kLeaderSetNotLeader));
    }
    const auto before = call.app.leader_settings;
    for (const auto& [key, value] : values) {
        if (value.empty()) {
            call.app.leader_settings.erase(key);
        } else {
            call.app.leader_settings[key] = value;
        }
    }
    if (before != call.app.leader_settings) {
        // Immediate, not transactional. The leader runs no leader-settings-changed while it
        // leads (Juju's resolver runs it for minions only).
        ++call.app.leader_settings_version;
        call.effects.changed();
    }
    return {};
}

// ---- config ----------------------------------------------------------------------------------

CommandResult tool_handlers::config_get(ToolCall& call) {
    auto& snapshot = call.ctx.config_snapshot;
    if (!snapshot) {
        // Config is read once per hook.
        snapshot = json{{"set", effective_config(call.meta(), call.app, false)},
                        {"all", effective_config(call.meta(), call.app, true)}};
    }
    const bool all = call.flags().on("a");
    const json& config = (*snapshot)[all ? "all" : "set"];
    if (call.args().empty()) {
        return call.output(config);
    }
    const auto& key = call.args()[0];
    if (all) {
        call.usage_error("cannot use argument --all together with key \"" + key + "\"");
    }
    const auto value = config.find(key);
    return call.output(value == config.end() ? json(nullptr) : *value);
}

// ---- status ----------------------------------------------------------------------------------

CommandResult tool_handlers::status_set(ToolCall& call) {
    const std::string& status = call.args()[0];
    if (!slurmctld::juju::parse_workload_state(status)) {
        call.usage_error(tool_message::invalid_status(status));
    }
    const std::string message = call.args().size() > 1 ? call.args()[1] : "";
    const double now = call.effects.now();
    if (call.flags().on("application")) {
        if (!call.leader()) {
            call.run_error(std::string(tool_message::kNotLeader));
        }
        call.app.status_set = true;
        call.app.status = StatusValue{status, message, now, json::object()};
    } else {
        set_unit_status(call.unit, status, message, false, now);
    }
    call.effects.changed();
    return {};
}

namespace {

json status_json(const StatusValue& value, bool include_data) {
    if (!include_data) {
        return json{{"status", value.current}};
    }
    return json{{"message", value.message}, {"status", value.current}, {"status-data", value.data}};
}

}  // namespace

CommandResult tool_handlers::status_get(ToolCall& call) {
    const bool include = call.flags().on("include-data");
    const bool smart = call.parsed.format() == "smart";
    if (!call.flags().on("application")) {
        if (!include && smart) {
            return call.output(call.unit.workload.current);
        }
        return call.output(status_json(call.unit.workload, include));
    }
    if (!call.leader()) {
        call.run_error(std::string(tool_message::kNotLeader));
    }
    const StatusValue app = app_status(call.model, call.app, call.effects.now());
    if (!include && smart) {
        return call.output(app.current);
    }
    json units = json::object();
    for (const auto& [name, other] : call.model.units) {
        if (other.app == call.unit.app) {
            units[name] = status_json(other.workload, include);
        }
    }
    json details = status_json(app, include);
    details["units"] = units;  // nested inside application-status, as Juju prints it
    return call.output(json{{"application-status", details}});
}

CommandResult tool_handlers::application_version_set(ToolCall& call) {
    call.unit.workload_version = call.args()[0];
    call.effects.changed();
    return {};
}

// ---- logging ---------------------------------------------------------------------------------

CommandResult tool_handlers::juju_log(ToolCall& call) {
    const std::string logger = "unit." + call.unit.name + ".juju-log";
    std::string level = call.flags().get("l");
    for (auto& c : level) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (call.flags().on("debug")) {
        level = "DEBUG";
    }
    static const std::set<std::string> kLevels{"TRACE",   "DEBUG", "INFO",
                                               "WARNING", "ERROR", "CRITICAL"};
    if (kLevels.count(level) == 0) {
        call.effects.log(call.unit.name, "WARNING", logger,
                         "Specified log level (" + call.flags().get("l") + ") is not valid");
        level = "INFO";
    }
    std::string message;
    for (const auto& word : call.args()) {
        message += (message.empty() ? "" : " ") + word;
    }
    if (call.op().relation_id >= 0) {
        message = call.op().endpoint + ":" + std::to_string(call.op().relation_id) + ": " + message;
    }
    call.effects.log(call.unit.name, level, logger, message);
    return {};
}

// ---- unit state ------------------------------------------------------------------------------

CommandResult tool_handlers::state_get(ToolCall& call) {
    // The controller's state plus this hook's own writes.
    std::map<std::string, std::string> state = call.unit.state;
    for (const auto& [key, value] : call.ctx.state_writes) {
        if (value) {
            state[key] = *value;
        } else {
            state.erase(key);
        }
    }
    if (call.args().empty() || call.args()[0] == "-") {
        return call.output(json(state));
    }
    const auto& key = call.args()[0];
    const auto value = state.find(key);
    if (value != state.end()) {
        return call.output(value->second);
    }
    if (call.flags().on("strict")) {
        call.run_error("\"" + key + "\" not found");
    }
    return call.output("");
}

CommandResult tool_handlers::state_set(ToolCall& call) {
    for (const auto& [key, value] : call.settings()) {
        if (key.size() > 256) {
            call.run_error("key too long");
        }
        if (value.size() > 65536) {
            call.run_error("value too long");
        }
        // An empty value is a value (Juju's SetCharmStateValue stores ""); only state-delete
        // removes a key.
        call.ctx.state_writes[key] = value;
    }
    return {};
}

CommandResult tool_handlers::state_delete(ToolCall& call) {
    call.ctx.state_writes[call.args()[0]] = std::nullopt;
    return {};
}

CommandResult tool_handlers::goal_state_tool(ToolCall& call) {
    return call.output(goal_state(call.model, call.unit));
}

}  // namespace jujusim
