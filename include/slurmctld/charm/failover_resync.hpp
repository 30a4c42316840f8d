// What a controller needs after it took control from another one.
//
// A controller that takes over runs from the state the other one last saved, at most every 5 s
// before a crash, and possibly stale after Slurm 24.11's takeback (docs/reference/slurm-ha.md
// §9). Two things then stall a node until someone acts:
// - A job whose end reached only the other controller after that save stays RUNNING and holds
//   its node. Slurm ends or requeues it when the node registers without it, but only if the job
//   started, and the controller loaded it, more than BatchStartTimeout + MessageTimeout (up to
//   10 s of it) before that registration (job_mgr.c, _purge_missing_jobs: time_last_active is
//   set when the state is loaded). The new controller asks every node to register right after
//   it takes control, too early for that rule, and later only every 20th node ping
//   (SlurmdTimeout/3 apart: 33 minutes at the defaults).
// - A job the other controller started after its last save is PENDING again; when the new
//   controller launches it while its first run is still going on the node, slurmd refuses
//   ("Duplicate jobid") and Slurm drains the node, for good, and holds the job.
// So once that rule can apply, the charm on the controller in control has every node register
// again: `scontrol update state=resume` for the nodes drained for "Duplicate jobid",
// `state=undrain` for every node not drained (no state change; both make Slurm ask the node to
// register, node_mgr.c _require_node_reg). Not `scontrol reconfigure`: on 24.11 it restarts
// slurmctld, which loads the state again and so defeats the rule. Once each time a controller is
// seen gaining control, including the first: a registration is cheap, and after a reboot the charm
// cannot tell a clean hand-over from a racy one.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include <slurmctld/host/host.hpp>

namespace slurmctld::charm {

struct HookScope;

/// What this unit's controller needs now.
enum class FailoverResync {
    None,     ///< not in control, or done for this time in control
    Observe,  ///< newly seen in control: record when
    Due,      ///< in control long enough: every node registers once
};

/// Seconds after the first sight of this controller in control before the registrations: Slurm's
/// rule (BatchStartTimeout + MessageTimeout, from slurm.conf, Slurm's defaults 10 and 10), plus a
/// margin. The job in question started before the failure, which came before that sight.
std::chrono::seconds failover_resync_grace(host::Host& host);

/// Decides from the heartbeat (who is in control), this machine's place in SlurmctldHost and the
/// local record; forgets the record when another controller is in control (a later takeover is a
/// new one). Reads files only: cheap enough for every update-status.
FailoverResync failover_resync_step(host::Host& host, const std::string& hostname);

/// Records the first sight of this controller in control (Observe), or that nothing is left to do
/// for this time in control (`done`: after the registrations, or after a planned takeover, where
/// the controller that handed over saved its state first).
void record_failover_resync(host::Host& host, bool done);

/// The full reconcile's step: does what failover_resync_step says (when Due: resume the nodes
/// drained for "Duplicate jobid", undrain every other node that is not drained).
void resync_nodes_after_failover(HookScope& scope);

}  // namespace slurmctld::charm
