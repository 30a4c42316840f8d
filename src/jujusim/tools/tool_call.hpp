// One hook-tool call as the tool server's handlers see it, and the handler map each tool family
// adds itself to (relation_tools.cpp, unit_tools.cpp, action_tools.cpp, secret_tools.cpp,
// network_tools.cpp).
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
using ToolHandlers = std::map<std::string, ToolHandler>;

void add_relation_tools(ToolHandlers& handlers);
void add_unit_tools(ToolHandlers& handlers);  ///< leadership, config, status, logging, state
void add_action_tools(ToolHandlers& handlers);
void add_secret_tools(ToolHandlers& handlers);
void add_network_tools(ToolHandlers& handlers);  ///< ports, unit-get, network-get, machine

}  // namespace jujusim
