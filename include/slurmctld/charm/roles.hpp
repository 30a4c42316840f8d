// Which unit does what. With the shared file system (/etc/slurm a link to it on this unit) the
// leader writes the configuration and every listed unit runs a controller. Without it there is
// one controller, on the unit whose local disk holds its state (the peer data's
// `controller_unit`): that unit writes its own files even when it is not the leader, and a new
// leader keeps pointing the clients at it instead of starting a second, empty controller.
#pragma once

#include <string>
#include <vector>

#include <slurmctld/charm/facts.hpp>
#include <slurmctld/host/host.hpp>
#include <slurmctld/slurm/config_document.hpp>

namespace slurmctld::charm {

/// Where this unit's Slurm files are, read from the machine.
struct Placement {
    bool mounted = false;       ///< /srv/slurmctld-statefs is a mount point
    bool etc_shared = false;    ///< /etc/slurm is the link to the shared file system
    bool local_config = false;  ///< a slurm.conf in a local /etc/slurm
    /// High availability: the mount integration exists, or /etc/slurm already lives on the
    /// shared file system (HA stays on when the integration goes; the status says so).
    bool ha(const Facts& facts) const { return facts.mount_related || etc_shared; }
};

Placement read_placement(host::Host& host);

/// The unit whose local state the single controller runs on, when there is no shared file
/// system: the recorded one while it is a member; otherwise the leader (which records itself).
/// "" when a non-leader cannot tell yet.
std::string controller_unit(const Facts& facts);

/// This unit writes /etc/slurm now.
bool writes_configuration(const Facts& facts, const Placement& placement);
/// This unit may run a controller (when listed in SlurmctldHost and its keys are present).
bool may_run_controller(const Facts& facts, const Placement& placement);
/// This unit may create the shared /etc/slurm and move state onto the shared file system: the
/// unit whose local controller holds the state, or the leader when none does.
bool seeds_shared_fs(const Facts& facts);

/// /etc/slurm/slurm.conf parsed; nullopt when it is missing or does not parse (logged).
std::optional<slurm::ConfigDocument> read_slurm_conf(host::Host& host);

/// SlurmctldHost entries of /etc/slurm/slurm.conf as written (`host` or `host(address)`), in
/// order, each checked (an entry whose host is not a host name is left out).
std::vector<std::string> configured_controller_entries(host::Host& host);

/// SlurmctldHost names of /etc/slurm/slurm.conf (without "(address)"), in order; empty when the
/// file is missing or unreadable.
std::vector<std::string> configured_controllers(host::Host& host);

}  // namespace slurmctld::charm
