// jujusim-machine: the multi-call binary of jujusim machines. Inside a machine it is PID 1
// (`init`), `systemctl`, `journalctl` and `systemd-detect-virt` (bind-mounted over those names);
// on the host it builds the image (`build-image`) and holds model networks (`hold-network`).
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <jujusim/machine_tools.hpp>

namespace {

void usage() {
    std::cerr << "usage: jujusim-machine build-image [--image NAME] [DIR]\n"
                 "       jujusim-machine init ...            (PID 1 of a machine)\n"
                 "       jujusim-machine systemctl ARGS...   (also as 'systemctl')\n"
                 "       jujusim-machine journalctl ARGS...  (also as 'journalctl')\n"
                 "       jujusim-machine systemd-detect-virt (also under that name)\n";
}

}  // namespace

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    std::string name = argv[0];
    if (const auto slash = name.rfind('/'); slash != std::string::npos) {
        name = name.substr(slash + 1);
    }
    if (name != "systemctl" && name != "systemd-detect-virt" && name != "journalctl") {
        if (args.empty()) {
            usage();
            return 2;
        }
        name = args.front();
        args.erase(args.begin());
    }
    try {
        if (name == "systemctl") {
            return jujusim::tools::systemctl_main(args);
        }
        if (name == "journalctl") {
            return jujusim::tools::journalctl_main(args);
        }
        if (name == "systemd-detect-virt") {
            return jujusim::tools::detect_virt_main(args);
        }
        if (name == "init") {
            return jujusim::tools::init_main(args);
        }
        if (name == "build-image") {
            return jujusim::tools::build_image_main(args);
        }
        if (name == "hold-network") {
            return jujusim::tools::hold_network_main(args);
        }
    } catch (const std::exception& error) {
        std::cerr << "jujusim-machine " << name << ": " << error.what() << "\n";
        return 1;
    }
    usage();
    return 2;
}
