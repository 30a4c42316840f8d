// The slurmctld charm: one entry point for every hook and action. Hooks run the reconcile
// (reconcile.hpp) and end with one status (status.hpp); actions run their handler
// (actions.hpp). Everything it knows comes through `tools` (Juju) and `host` (the machine).
#pragma once

#include <functional>

#include <slurmctld/host/host.hpp>
#include <slurmctld/host/real_host.hpp>
#include <slurmctld/juju/context.hpp>
#include <slurmctld/juju/hook_tools.hpp>

namespace slurmctld::charm {

/// Runs the hook or action `context` names. Returns what to do after Juju has committed the
/// hook's writes (juju::run_hook's after_commit), or nullptr.
std::function<void()> run_charm(const juju::HookContext& context, juju::HookTools& tools,
                                host::Host& host);

/// How the charm's RealHost is set up on a unit's machine.
host::RealHostOptions real_host_options();

}  // namespace slurmctld::charm
