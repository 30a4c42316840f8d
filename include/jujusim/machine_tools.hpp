// The programs of the `jujusim-machine` multi-call binary
// (src/jujusim/app/jujusim_machine_main.cpp). Each takes the arguments after its name and returns
// the process exit code.
#pragma once

#include <string>
#include <vector>

namespace jujusim::tools {

/// PID 1 of a machine: sets up the root file system, then supervises services (machine_init.cpp).
int init_main(const std::vector<std::string>& args);
/// systemctl: sends the command to the machine's init and prints its answer.
int systemctl_main(const std::vector<std::string>& args);
/// journalctl -u UNIT [-n N]: the per-service logs the init writes.
int journalctl_main(const std::vector<std::string>& args);
/// systemd-detect-virt: machines are containers ("container-other").
int detect_virt_main(const std::vector<std::string>& args);
/// build-image [DIR]: builds (or refreshes) the machine image; DIR defaults to the cache.
int build_image_main(const std::vector<std::string>& args);
/// hold-network: keeps a model's bridge network namespace alive until killed.
int hold_network_main(const std::vector<std::string>& args);

}  // namespace jujusim::tools
