// A unit that has nothing left to do. Every hook-tool call is a round trip to the Juju agent,
// and a full reconcile asks Juju about a dozen questions; update-status comes every five
// minutes on every unit. When the last full hook ended with nothing pending (no wait left, no
// stop) it leaves a record of what it saw on the machine, and an update-status (or another event
// that brings nothing the charm reads: event_brings_no_input) then checks only
// what can change without a Juju event — leadership, the service, the files on disk (against
// the record and against what the controller runs), the shared mount — and refreshes the
// status from the controllers. Anything else (config, relation data, secrets, scaling) comes
// with its own event, which always runs the full reconcile; so does any difference found here,
// and every update-status once the record is 30 minutes old, as a safety net.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include <slurmctld/charm/facts.hpp>
#include <slurmctld/charm/status.hpp>
#include <slurmctld/host/host.hpp>
#include <slurmctld/juju/context.hpp>
#include <slurmctld/juju/hook_tools.hpp>

namespace slurmctld::charm {

struct SettledState {
    std::int64_t at = 0;  ///< when the last full reconcile ended (seconds since the epoch)
    bool leader = false;
    std::string slurm_version;  ///< the installed release, as dpkg gave it
    bool etc_shared = false;
    bool controller_active = false;
    std::string config_digest;  ///< configuration_digest() then ("" without a slurm.conf)
    std::string unit_message;   ///< the unit's active status then
    std::string app_message;    ///< the leader's application status then
    bool app_active = false;
    std::map<std::string, std::string> unit_of_host;  ///< controller host name -> unit
};

inline constexpr std::chrono::minutes kSettledFor{30};

std::optional<SettledState> read_settled_state(host::Host& host);
void record_settled_state(host::Host& host, const SettledState& state);
void forget_settled_state(host::Host& host);

/// What a full hook that ended settled leaves behind (nullopt: not settled).
std::optional<SettledState> settled_after(const Facts& facts, const Outcome& outcome,
                                          const SetStatuses& statuses, host::Host& host);

/// Events that bring nothing the charm reads, so that a settled unit answers them as an idle
/// update-status: update-status itself, and a unit of a client application (sackd, slurmd,
/// slurmdbd, slurmrestd) joining or changing its unit databag, and leaving (a slurmd unit leaving
/// is input for the leader only, which deletes its node from Slurm: refresh_settled_unit sends
/// the leader to the full reconcile once is-leader answered). The charm reads only
/// the clients' application databags, and Juju runs an application-level relation-changed (no
/// remote unit) when one of those changes (docs/reference/juju.md §3.3). At cluster scale
/// these are most of the controllers' hooks: two per compute node on every controller unit.
bool event_brings_no_input(const juju::HookContext& context);

/// An event_brings_no_input event on a settled unit: true when it was handled (one is-leader;
/// on update-status the statuses refreshed from the controllers, with the status-set calls
/// whose message changed); false when a full reconcile must run. The machine's checks that do
/// not depend on each other (the digest of the files, the services, is-leader, scontrol ping)
/// run at the same time (Host::run_concurrently), after the shared file system answered; the
/// leader's "who is in control" comes from Slurm's heartbeat file (serving_controller).
bool refresh_settled_unit(const juju::HookContext& context, juju::HookTools& tools,
                          host::Host& host);

}  // namespace slurmctld::charm
