// action-get, action-set, action-fail, action-log: only while an action runs.
#include "tool_call.hpp"

namespace jujusim {

namespace {

Action& running_action(ToolCall& call) {
    if (!call.ctx.is_action || call.ctx.is_exec) {
        call.run_error(std::string(tool_message::kNotRunningAction));
    }
    return call.model.actions.at(call.op().action_id);
}

}  // namespace

CommandResult tool_handlers::action_get(ToolCall& call) {
    json value = running_action(call).params;
    if (call.args().empty()) {
        return call.output(value);
    }
    // "a.b.c" walks into nested parameters; a missing one is null.
    const std::string& path = call.args()[0];
    for (std::size_t start = 0; start <= path.size();) {
        const auto dot = path.find('.', start);
        const std::string part =
            path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!value.is_object() || !value.contains(part)) {
            return call.output(json(nullptr));
        }
        value = json(value[part]);
        if (dot == std::string::npos) {
            break;
        }
        start = dot + 1;
    }
    return call.output(value);
}

CommandResult tool_handlers::action_set(ToolCall& call) {
    running_action(call);
    call.ctx.action_results.merge_patch(
        slurmctld::juju::parse_action_results(call.tool, call.args()));
    return {};
}

CommandResult tool_handlers::action_fail(ToolCall& call) {
    running_action(call);
    call.ctx.action_failed = true;
    call.ctx.action_fail_message =
        call.args().empty() ? std::string(tool_message::kActionFailDefault) : call.args()[0];
    return {};
}

namespace {

std::string go_time_string(double epoch) {
    return goal_state_since(from_epoch(epoch)).substr(0, 19) + " +0000 UTC";
}

}  // namespace

CommandResult tool_handlers::action_log(ToolCall& call) {
    Action& action = running_action(call);
    std::string message;
    for (const auto& word : call.args()) {
        message += (message.empty() ? "" : " ") + word;
    }
    action.log.push_back(go_time_string(call.effects.now()) + " " + message);
    call.effects.changed();
    return {};
}

}  // namespace jujusim
