// The charm's hooks. Every hook runs the same level-triggered reconcile over the facts it read
// once (facts.hpp): each step does what is due and returns what it decided; the first step that
// cannot go on stops the reconcile with the status that says why. After it, one status from the
// catalogue (status.hpp). A unit that is going away runs the teardown instead. Actions are a
// separate path (actions.hpp).
//
//   reconcile: install -> machine -> peer data (leader: cluster name, controller unit, mount
//              request) -> shared file system (responsive, identity, /etc/slurm, state
//              migration, latency) -> keys -> configuration files -> restart signal (leader)
//              -> the slurmctld service -> a controller that gained control: the nodes
//              register again (failover_resync.hpp) -> data for the clients (leader)
//   teardown:  hand control to the next controller, stop this one, (leader) drop it from the list
//
// Nothing depends on an event being seen once: whether a controller must re-read its files is
// decided by content (the digest of what it runs against what is on disk, applied_config.hpp),
// key files are compared with the secrets, and every wait is bounded: what cannot finish within
// the hook's wait budget is left for the next hook, with a status saying what it waits for.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <slurmctld/charm/facts.hpp>
#include <slurmctld/host/host.hpp>
#include <slurmctld/juju/hook_tools.hpp>

namespace slurmctld::charm {

/// Why the reconcile stopped early, as the unit shows it.
struct Stop {
    juju::WorkloadState state = juju::WorkloadState::Waiting;
    std::string message;
    bool operator==(const Stop&) const = default;
};

/// What a step decided: nullopt to go on, or the status to stop with.
using StepResult = std::optional<Stop>;

/// What the reconcile decided, for the status.
struct Outcome {
    std::optional<Stop> stopped;
    std::vector<Rejection> rejections;  ///< the facts' and the integrations'
    std::optional<std::chrono::microseconds> slow_statefs_p99;
    /// Work left for a later hook (a bounded wait ran out), in words for the status.
    std::optional<std::string> pending;
    /// The shared file system did not answer: nothing else in this hook may touch it.
    bool shared_fs_unresponsive = false;
    /// What an integration cannot do on this platform (e.g. no slurm-mail package), shown after
    /// the controller's status while the unit is otherwise active.
    std::vector<std::string> notices;
};

/// One hook's time for waiting (hand-overs, a controller settling). Juju has no hook timeout,
/// but a hook that waits blocks every other event of the unit: all waits of one hook share this
/// budget, and what does not finish within it is resumed by a later hook.
class WaitBudget {
  public:
    WaitBudget(host::Host& host, std::chrono::milliseconds total);
    /// Polls `done` every `interval` until it holds, `limit` passes, or the budget is spent.
    bool wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit,
                    std::chrono::milliseconds interval = std::chrono::milliseconds(250));

  private:
    host::Host& host_;
    std::chrono::steady_clock::time_point deadline_;
};

inline constexpr std::chrono::seconds kHookWaitBudget{25};

/// What every step works with.
struct HookScope {
    const Facts& facts;
    juju::HookTools& tools;
    host::Host& host;
    WaitBudget& waits;
};

/// Runs one hook (not an action): reconcile or teardown, then the status (or, for an
/// update-status on a settled unit, the status refresh of settled.hpp). Returns what to do once
/// Juju has committed the hook's writes (nullptr: nothing).
std::function<void()> run_charm_hook(const juju::HookContext& context, juju::HookTools& tools,
                                     host::Host& host);

// ---- the steps (one file each under src/charm) -------------------------------------------------

/// install.cpp: installs Slurm's controller when it is missing. Returns the installed release.
Result<slurm::SlurmVersion, Stop> ensure_installed(HookScope& scope);
/// install.cpp: limits, the service drop-in, local directories; on install and upgrade also the
/// ports and the workload version, and the package's own daemon stopped.
void configure_machine(HookScope& scope, const slurm::SlurmVersion& version);
/// peers.cpp: this unit's hostname; the leader's cluster name, controller unit, mount request.
/// Returns the peer view with this hook's own writes in it.
PeerFacts publish_peer_data(HookScope& scope);
/// shared_fs.cpp: the shared file system, when the mount integration exists.
StepResult prepare_shared_fs(HookScope& scope, Outcome& outcome);
/// The shared file system's fsync+rename latency, measured when due (every 10 minutes, a minute
/// after a slow measurement); its p99 when two measurements in a row were too slow for
/// StateSaveLocation.
std::optional<std::chrono::microseconds> probe_statefs_latency(host::Host& host);
/// keys.cpp: the key files equal the secrets (the writer unit creates missing secrets, leader).
StepResult reconcile_keys(HookScope& scope);
/// config_files.cpp: slurm.conf and its includes (writer unit only).
StepResult write_configuration(HookScope& scope, Outcome& outcome);
/// service.cpp: the leader's restart signal, and the controller on this unit.
void publish_restart_signal(HookScope& scope);
StepResult run_controller(HookScope& scope, Outcome& outcome);
/// A takeover that holds this unit's stopped controller back.
struct TakeoverHold {
    std::string holder;  ///< the unit whose `takeover` moved control to it
    /// Its controller (or a later one) is seen in control: the heartbeat in StateSaveLocation
    /// is recent and written by a controller later than this unit's. When not, the hold ends.
    bool holder_in_control = false;
};
/// The unit later in SlurmctldHost order (`controllers`) than this one whose `takeover` moved
/// control to it and that this unit has not taken control back from: while its controller is in
/// control, this unit's stopped controller is not started (Slurm's primary would take control
/// back at start, and Slurm 24.11's takeback stalls 29 s and replies before the holder saved
/// its state). nullopt when no takeover is pending.
std::optional<TakeoverHold> held_back_by(const Facts& facts, host::Host& host,
                                         const std::vector<std::string>& controllers);
/// Records that this unit takes control back from every takeover `held_back_by` sees now.
void record_taken_back(const Facts& facts, host::Host& host);
/// Slurm before 23.11 (auth/munge): munged runs on a unit that may run a controller, and is
/// restarted whenever the key file differs from the one it was started with.
StepResult run_munge(HookScope& scope);
/// service.cpp: a running controller this charm did not start (a refresh from the upstream
/// charm) is recorded as running the files on disk before this hook changes any of them.
void adopt_running_controller(HookScope& scope);
/// clients.cpp: ControllerData for sackd, slurmd, slurmdbd, slurmrestd (leader). Upstream
/// answers only while the local controller runs; a departing leader passes false.
void update_clients(HookScope& scope, bool require_local_controller = true);
/// teardown.cpp: a unit going away hands over control and stops its controller.
Outcome teardown(HookScope& scope);
/// keys.cpp: secret-changed (track the latest revision) and secret-remove (drop the old key,
/// then the revision).
void handle_secret_event(HookScope& scope, bool after_reconfigure);

}  // namespace slurmctld::charm
