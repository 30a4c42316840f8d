// Whether the charm runs in a container (cgroup settings differ there).
#pragma once

#include <slurmctld/host/host.hpp>

namespace slurmctld::host {

/// `systemd-detect-virt --container` exits 0 in a container. When the program is missing
/// (exit 127) the answer is "not a container": every systemd-based Juju machine has it (it
/// ships with systemd), so it is missing only where there is no systemd, and there
/// upstream's container-only settings (no cgroup.conf, proctrack/linuxproc) have nothing to
/// work around. Any other failure is reported as HostError rather than guessed.
bool is_container(Host& host);

}  // namespace slurmctld::host
