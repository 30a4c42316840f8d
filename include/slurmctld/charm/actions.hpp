// The charm's actions (upstream.md §1.3, §3.4): show-current-config, set-node-state,
// rotate-auth-key, rotate-jwt-key, and ours, takeover. A failure is reported with action-fail.
#pragma once

#include <slurmctld/host/host.hpp>
#include <slurmctld/juju/context.hpp>
#include <slurmctld/juju/hook_tools.hpp>

namespace slurmctld::charm {

/// Runs the action `context` names. Throws juju::HandledCondition for an unknown action.
void run_charm_action(const juju::HookContext& context, juju::HookTools& tools, host::Host& host);

}  // namespace slurmctld::charm
