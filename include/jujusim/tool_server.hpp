// The hook-tool server: answers the tool calls of a running hook (juju.md §2) against the
// model, the way Juju's uniter does. Every call is read with Juju's hook-tool table
// (slurmctld/juju/hook_tool_table.hpp) and answered by a small handler of its tool family
// (relations, leadership, config, status, logging, actions, secrets, state, goal-state,
// ports/network); writes Juju commits on success are buffered in the HookContext, immediate
// ones (status-set, leader-set, juju-log, ...) change the model at once.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <jujusim/hook_context.hpp>
#include <jujusim/model_rules.hpp>

namespace jujusim {

/// The server's view of its controller: what happens when a tool changes the model at once.
class ToolEffects {
  public:
    virtual ~ToolEffects() = default;
    /// The model changed (persist it, wake the agents).
    virtual void changed() = 0;
    /// A debug-log line from a unit (juju-log).
    virtual void log(const std::string& unit, const std::string& level, const std::string& logger,
                     const std::string& message) = 0;
    /// Seconds since the epoch.
    virtual double now() const = 0;
};

class ToolServer {
  public:
    ToolServer(Model& model, const CharmMetas& metas, ToolEffects& effects);

    /// One tool call of the hook `ctx`: {exit code, stdout, stderr} as jujuc prints them. When
    /// the call needs stdin that was not sent, sets *needs_stdin (jujuc then re-sends with it).
    CommandResult run(HookContext& ctx, const std::string& tool,
                      const std::vector<std::string>& args,
                      const std::optional<std::string>& stdin_data, bool* needs_stdin);

  private:
    Model& model_;
    const CharmMetas& metas_;
    ToolEffects& effects_;
};

}  // namespace jujusim
