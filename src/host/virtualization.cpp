#include <slurmctld/host/virtualization.hpp>

namespace slurmctld::host {

bool is_container(Host& host) {
    const CommandResult result = host.systemd_detect_virt({"--container"});
    if (result.exit_code == 0) {
        return true;
    }
    // Exit 1 with "none": not a container. 127: no systemd-detect-virt (see the header).
    if (result.exit_code == 1 || result.exit_code == 127) {
        return false;
    }
    throw HostError("systemd-detect-virt --container failed with exit code " +
                    std::to_string(result.exit_code) + ": " + result.stderr_text);
}

}  // namespace slurmctld::host
