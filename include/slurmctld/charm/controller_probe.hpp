// Asking the running controllers how they are, through scontrol on this machine: who answers
// pings, and which one is in control (scontrol ping cannot tell a standby from the controller
// in control; a client that knows only one controller can).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <slurmctld/host/host.hpp>
#include <slurmctld/slurm/heartbeat.hpp>
#include <slurmctld/slurm/scontrol_output.hpp>
#include <slurmctld/slurm/version.hpp>

namespace slurmctld::charm {

/// `scontrol ping` (JSON where the installed Slurm has it), one entry per configured
/// controller; empty when there is no slurm.conf (a Slurm client without one would ask DNS) or
/// nothing usable came back.
std::vector<slurm::ControllerPing> ping_controllers(
    host::Host& host, const std::optional<slurm::SlurmVersion>& slurm);

/// Whether `hostname`'s controller is the one in control: asked with a copy of slurm.conf that
/// names only it. nullopt when it cannot tell.
std::optional<bool> in_control(host::Host& host, const std::string& hostname);

/// The controller in control now: the one whose heartbeat is recent when it also answered the
/// ping (Slurm's own record of who serves, the file its backups read before a takeover: no RPC);
/// otherwise asked in failover order (this machine's first: it needs no network); nullopt
/// during a hand-over or failover.
std::optional<std::string> serving_controller(host::Host& host,
                                              const std::vector<slurm::ControllerPing>& pings,
                                              const std::string& self);

/// The heartbeat the controller in control writes in StateSaveLocation (slurm/heartbeat.hpp):
/// read from the file system, no Slurm RPC. nullopt when there is none or it cannot be read.
std::optional<slurm::Heartbeat> read_heartbeat(host::Host& host);

/// The host name of the controller whose heartbeat is recent (written within
/// kHeldBackHeartbeatAge), by its position in SlurmctldHost; nullopt when the heartbeat is older,
/// missing, or names a position slurm.conf does not have (or an entry that is not a host name:
/// positions are never guessed).
std::optional<std::string> heartbeat_controller(host::Host& host);

}  // namespace slurmctld::charm
