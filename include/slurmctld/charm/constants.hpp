// Names, paths and messages that other charms and users see. They are upstream's
// (upstream.md) byte for byte unless a comment says otherwise.
#pragma once

#include <chrono>
#include <string_view>

#include <slurmctld/host/host.hpp>

namespace slurmctld::charm {

/// Key files (auth key, JWT key): slurm's alone.
inline host::FileAttributes slurm_secret_file() {
    return {"slurm", "slurm", 0600};
}

// ---- endpoints, secrets, relation keys ---------------------------------------------------------
inline constexpr std::string_view kPeerEndpoint = "slurmctld-peer";
inline constexpr std::string_view kMountEndpoint = "mount";
inline constexpr std::string_view kSackdEndpoint = "sackd";
inline constexpr std::string_view kSlurmdEndpoint = "slurmd";
inline constexpr std::string_view kSlurmdbdEndpoint = "slurmdbd";
inline constexpr std::string_view kSlurmrestdEndpoint = "slurmrestd";

inline constexpr std::string_view kAuthKeyLabel = "slurm-auth-key";
inline constexpr std::string_view kJwtKeyLabel = "slurm-jwt-key";

inline constexpr std::string_view kPeerHostnameKey = "hostname";
/// Ours: in a unit's databag, set by the `takeover` action: a token (the time, in ms since the
/// epoch) saying that control was moved to this unit's controller. Controllers earlier in
/// SlurmctldHost order do not start again on their own while it holds (Slurm's takeback).
inline constexpr std::string_view kPeerTakeoverKey = "takeover";
/// A controller held back after a takeover starts anyway when the heartbeat of the controller
/// in control is older than this: slurmctld rewrites it every min(SlurmctldTimeout/4, 30) s.
inline constexpr std::chrono::seconds kHeldBackHeartbeatAge{60};
inline constexpr std::string_view kPeerClusterNameKey = "cluster_name";
inline constexpr std::string_view kPeerRestartSignalKey = "restart_signal";
/// Ours, not upstream's: identity token of the shared file system (design.md §3).
inline constexpr std::string_view kPeerStatefsIdKey = "statefs_id";
/// Ours: without the shared file system, the unit whose local state the controller runs on. A
/// new leader keeps pointing the clients at it instead of starting an empty controller.
inline constexpr std::string_view kPeerControllerUnitKey = "controller_unit";
/// Ours: how SlurmctldHost and the clients' `controllers` name the controllers, chosen once by
/// the leader: "addresses" (`host(address)`, `<address>:6817`: no name lookup between
/// machines) for a cluster this charm deploys; "names" (`host`, `<host>:6817`, as upstream
/// writes them) for a cluster refreshed from the upstream charm, whose clients already reach
/// the controllers by name and would otherwise be sent a new list (and restart) by a refresh.
inline constexpr std::string_view kPeerControllerFormKey = "controller_form";
inline constexpr std::string_view kControllerFormNames = "names";
inline constexpr std::string_view kControllerFormAddresses = "addresses";
/// Ours: the nodes of departed slurmd units that Slurm still has to delete (a JSON list of node
/// names). In the application databag, not the leader's unit state, so that a new leader
/// finishes what the old one noted.
inline constexpr std::string_view kPeerDepartedNodesKey = "departed_slurmd_nodes";

/// Unit state (state-set) key, leader: the digest of the configuration its last restart signal
/// announced. Committed with the signal, so a failed hook announces again.
inline constexpr std::string_view kStateAnnouncedConfig = "announced_config_digest";
/// Unit state key, leader: since when it has waited for planned units to arrive.
inline constexpr std::string_view kStateArrivalWaitSince = "arrival_wait_since";
/// Unit state key: set by the first teardown hook of a unit that is going away.
inline constexpr std::string_view kStateDying = "dying";

inline constexpr int kSlurmctldPort = 6817;
inline constexpr int kPrometheusExporterPort = 9092;

// ---- paths -----------------------------------------------------------------------------------
inline constexpr std::string_view kEtcSlurm = "/etc/slurm";
inline constexpr std::string_view kSlurmConf = "/etc/slurm/slurm.conf";
inline constexpr std::string_view kGresConf = "/etc/slurm/gres.conf";
inline constexpr std::string_view kCgroupConf = "/etc/slurm/cgroup.conf";
inline constexpr std::string_view kJwksFile = "/etc/slurm/slurm.jwks";
inline constexpr std::string_view kSlurmKeyFile = "/etc/slurm/slurm.key";
inline constexpr std::string_view kJwtKeyFile = "/etc/slurm/jwt_hs256.key";
inline constexpr std::string_view kMungeKeyFile = "/etc/munge/munge.key";
inline constexpr std::string_view kHaMountPoint = "/srv/slurmctld-statefs";
inline constexpr std::string_view kHaEtcSlurm = "/srv/slurmctld-statefs/etc/slurm";
inline constexpr std::string_view kHaCheckpoint = "/srv/slurmctld-statefs/checkpoint";
inline constexpr std::string_view kHaStatefsIdFile = "/srv/slurmctld-statefs/.slurmctld-statefs-id";
inline constexpr std::string_view kLocalStateDir = "/var/lib/slurm";
inline constexpr std::string_view kLocalCheckpoint = "/var/lib/slurm/checkpoint";
inline constexpr std::string_view kLimitsFile =
    "/etc/security/limits.d/20-charmed-hpc-openfile.conf";
inline constexpr std::string_view kSystemdDropIn =
    "/etc/systemd/system/slurmctld.service.d/10-charmed-hpc.conf";
/// Ours: scratch space of the charm on the local disk (probe configs, temp files). On tmpfs: what
/// it records about the running controller must not outlive a reboot, as the controller does not.
inline constexpr std::string_view kCharmRunDir = "/run/slurmctld-charm";
/// Ours: what the controller on this machine was last (re)started or reconfigured with.
inline constexpr std::string_view kAppliedConfigRecord = "/run/slurmctld-charm/applied-config";
/// Ours: when the shared file system's latency was last measured, its p99, and how many
/// measurements in a row were slow.
inline constexpr std::string_view kLatencyRecord = "/run/slurmctld-charm/statefs-latency";
/// Ours: what the last full hook saw when it ended with nothing left to do (settled.hpp).
inline constexpr std::string_view kSettledRecord = "/run/slurmctld-charm/settled";
/// Ours: the charm started slurmctld on this machine since it booted (so a controller an admin
/// stopped stays stopped on update-status).
inline constexpr std::string_view kStartedRecord = "/run/slurmctld-charm/started";

/// Ours: when this unit's controller was first seen in control, and whether the nodes
/// were made to register again since (failover_resync.hpp): "<seconds since the epoch> <0|1>".
inline constexpr std::string_view kFailoverResyncRecord = "/run/slurmctld-charm/failover-resync";

/// Ours, on the local disk (it must outlive a reboot): the takeovers (peer unit and token, one
/// a line) this unit took control back from with its own `takeover` action.
inline constexpr std::string_view kTakenBackRecord = "/var/lib/slurmctld-charm/taken-back";

/// Ours: digest of the munge key munged was last (re)started with (Slurm before 23.11).
inline constexpr std::string_view kMungeKeyRecord = "/run/slurmctld-charm/munge-key";

inline constexpr std::string_view kService = "slurmctld";
/// munged, which authenticates Slurm's RPCs before 23.11 (auth/munge, design.md §2).
inline constexpr std::string_view kMungeService = "munge";
inline constexpr std::string_view kPackage = "slurmctld";
/// Installed with it: the state migration copies with rsync (upstream.md §2.8).
inline constexpr std::string_view kRsyncPackage = "rsync";

// ---- status messages (upstream.md §1.4, §1.5, §2.7)
// ----------------------------------------------
inline constexpr std::string_view kMsgNotInstalled =
    "`slurmctld` is not installed. See `juju debug-log` for details";
inline constexpr std::string_view kMsgInstalling = "Installing `slurmctld`";
inline constexpr std::string_view kMsgInstallFailed =
    "Failed to install `slurmctld`. See `juju debug-log` for details.";
inline constexpr std::string_view kMsgStartFailed =
    "Failed to start `slurmctld`. See `juju debug-log` for details";
/// Ours (upstream needs Slurm 23.11+): an older slurmctld starts only with a partition.
inline constexpr std::string_view kMsgWaitingForPartition =
    "Waiting for a partition: Slurm before 23.11 starts only with one (integrate slurmd)";
inline constexpr std::string_view kMsgRestartFailed =
    "Failed to restart `slurmctld.service`. See `juju debug-log` for details";
inline constexpr std::string_view kMsgReconfigureFailed =
    "Failed to apply new Slurm configuration. See `juju debug-log` for details";
inline constexpr std::string_view kMsgWaitingClusterName = "Waiting for the cluster name to be set";
inline constexpr std::string_view kMsgWaitingStart = "Waiting for `slurmctld` to start";
inline constexpr std::string_view kMsgWaitingConfig =
    "Waiting for Slurm configuration to be updated";
inline constexpr std::string_view kMsgWaitingPlannedUnits = "Waiting for all planned units";
inline constexpr std::string_view kMsgNeedSharedFs =
    "A shared file system must be provided to enable `slurmctld` high availability";
inline constexpr std::string_view kMsgWaitingPartition = "Waiting for partition data";
inline constexpr std::string_view kMsgWaitingDatabase = "Waiting for database data";
inline constexpr std::string_view kMsgKeysEmpty = "Authentication key file contains no keys";
inline constexpr std::string_view kMsgKeyRotation =
    "Authentication key rotation in progress. Waiting for rotation to complete";
inline constexpr std::string_view kMsgRequestingMount =
    "Requesting file system mount: /srv/slurmctld-statefs";
inline constexpr std::string_view kMsgStatefsUnresponsive =
    "The shared file system at /srv/slurmctld-statefs does not respond; retrying on the next "
    "event";
inline constexpr std::string_view kMsgMigrating =
    "Migrating /var/lib/slurm/checkpoint to /srv/slurmctld-statefs";

}  // namespace slurmctld::charm
