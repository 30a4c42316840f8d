// The node re-registration a controller needs after it took control from a lost one.
//
// A controller that takes over runs from the state the lost one last saved, at most every 5 s
// (docs/reference/slurm-ha.md). A job whose end reached only the lost controller after that save
// stays RUNNING in the new one and holds its node's resources. Slurm ends or requeues such a job
// when the node registers and does not report it, but only for a job that started more than
// BatchStartTimeout + MessageTimeout (up to 10 s of it) before that registration (job_mgr.c,
// _purge_missing_jobs). The new controller asks every node to register right after it takes
// control, too early for that rule, and later only every 20th node ping (SlurmdTimeout/3 apart:
// 33 minutes at the defaults), so the node's queue stalls that long. The charm on the controller
// that took over therefore has it reconfigured once that rule can apply: every node registers
// again (slurmd does on a reconfigure), and Slurm resolves the job. docs/reference/slurm-ha.md §9.
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
    None,     ///< not a backup in control, or done for this time in control
    Observe,  ///< a backup newly seen in control: record when
    Due,      ///< in control long enough: reconfigure once
};

/// Seconds after the first sight of a backup in control before the reconfigure: Slurm's rule
/// (BatchStartTimeout + MessageTimeout, from slurm.conf, Slurm's defaults 10 and 10), plus a
/// margin. The job in question started before the failure, which came before that sight.
std::chrono::seconds failover_resync_grace(host::Host& host);

/// Decides from the heartbeat (who is in control), this machine's place in SlurmctldHost and the
/// local record; forgets the record when another controller is in control (a later takeover is a
/// new one). Reads files only: cheap enough for every update-status.
FailoverResync failover_resync_step(host::Host& host, const std::string& hostname);

/// Records the first sight of this backup in control (Observe), or that nothing is left to do
/// for this time in control (`done`: after the reconfigure, or after a planned takeover, where
/// the controller that handed over saved its state first).
void record_failover_resync(host::Host& host, bool done);

/// The full reconcile's step: does what failover_resync_step says (reconfigure when Due).
void resync_nodes_after_failover(HookScope& scope);

}  // namespace slurmctld::charm
