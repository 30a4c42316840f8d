// One hook-tool call as the tool server's handlers see it, and the handlers, by tool family
// (relation_tools.cpp, unit_tools.cpp, action_tools.cpp, secret_tools.cpp, network_tools.cpp).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <jujusim/flags.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/tool_server.hpp>
#include <slurmctld/juju/hook_tool_table.hpp>

namespace jujusim {

namespace tool_message = slurmctld::juju::tool_message;

struct ToolCall {
    Model& model;
    const CharmMetas& metas;
    ToolEffects& effects;
    HookContext& ctx;
    Unit& unit;
    App& app;
    const std::string& tool;
    const slurmctld::juju::ToolArgs& parsed;
    const std::optional<std::string>& stdin_data;
    bool* needs_stdin;

    const Op& op() const { return ctx.op; }
    const std::vector<std::string>& args() const { return parsed.args(); }
    const FlagSet& flags() const { return parsed.flags; }
    const CharmMeta& meta() const { return metas.at(unit.app); }
    bool leader() const { return is_leader_now(model, unit); }

    /// `value` printed in the call's --format.
    CommandResult output(const ordered_json& value) const;
    [[noreturn]] void usage_error(const std::string& message) const;
    [[noreturn]] void run_error(const std::string& message) const;

    /// The relation -r names (or the hook's relation), checked as Juju's relation-id flag
    /// does; -1 when there is none and `required` is false.
    int relation(bool required) const;
    /// The content of a --file argument: "-" is stdin, other paths jujuc read in the machine.
    std::string file(const std::string& path) const;
    /// --file settings overridden by key=value arguments (relation-set, state-set).
    Databag settings() const;
    /// A databag as this hook sees it: own bags with this hook's writes, others from the
    /// controller once per hook (cached).
    Databag databag(int relation_id, const std::string& owner, bool app_bag) const;
};

using ToolHandler = CommandResult (*)(ToolCall&);

/// One handler per hook tool (a few serve several tools); tool_server.cpp maps each tool's name
/// to its handler.
namespace tool_handlers {
// relation_tools.cpp
CommandResult relation_ids(ToolCall& call);
CommandResult relation_list(ToolCall& call);
CommandResult relation_get(ToolCall& call);
CommandResult relation_set(ToolCall& call);
CommandResult relation_model_get(ToolCall& call);
// unit_tools.cpp: leadership, config, status, logging, unit state, goal state
CommandResult is_leader(ToolCall& call);
CommandResult leader_get(ToolCall& call);
CommandResult leader_set(ToolCall& call);
CommandResult config_get(ToolCall& call);
CommandResult status_set(ToolCall& call);
CommandResult status_get(ToolCall& call);
CommandResult application_version_set(ToolCall& call);
CommandResult juju_log(ToolCall& call);
CommandResult state_get(ToolCall& call);
CommandResult state_set(ToolCall& call);
CommandResult state_delete(ToolCall& call);
CommandResult goal_state_tool(ToolCall& call);
// action_tools.cpp
CommandResult action_get(ToolCall& call);
CommandResult action_set(ToolCall& call);
CommandResult action_fail(ToolCall& call);
CommandResult action_log(ToolCall& call);
// secret_tools.cpp
CommandResult secret_add(ToolCall& call);
CommandResult secret_set(ToolCall& call);
CommandResult secret_get(ToolCall& call);
CommandResult secret_ids(ToolCall& call);
CommandResult secret_info_get(ToolCall& call);
CommandResult secret_grant(ToolCall& call);
CommandResult secret_revoke(ToolCall& call);
CommandResult secret_remove(ToolCall& call);
// network_tools.cpp: ports, unit-get, network-get, the machine's tools jujusim refuses
CommandResult open_or_close_port(ToolCall& call);
CommandResult opened_ports(ToolCall& call);
CommandResult unit_get(ToolCall& call);
CommandResult network_get(ToolCall& call);
CommandResult juju_reboot(ToolCall& call);
CommandResult credential_get(ToolCall& call);
CommandResult storage_tool(ToolCall& call);
CommandResult resource_get(ToolCall& call);
}  // namespace tool_handlers

}  // namespace jujusim
