// The small programs of jujusim-machine: build-image, hold-network, systemd-detect-virt.
#include <iostream>

#include <signal.h>
#include <unistd.h>

#include <jujusim/image.hpp>
#include <jujusim/machine_tools.hpp>

#include "sys.hpp"

namespace jujusim::tools {

int build_image_main(const std::vector<std::string>& args) {
    const auto spec = ImageSpec::debian13_slurm();
    auto progress = [](const std::string& line) { std::cout << line << std::endl; };
    if (args.empty()) {
        const auto path = ensure_image(spec, progress);
        std::cout << "image: " << path.string() << "\n";
        return 0;
    }
    if (args.size() == 1 && args[0] != "-h" && args[0] != "--help") {
        build_image(spec, fs::absolute(args[0]), progress);
        return 0;
    }
    std::cerr << "usage: jujusim-machine build-image [DIR]\n"
                 "  without DIR: builds $JUJUSIM_IMAGES/"
              << spec.name << " (or $JUJUSIM_HOME/images/...) unless it is current\n";
    return 2;
}

int hold_network_main(const std::vector<std::string>& args) {
    // The process of a model's bridge network namespace: IPv6 off in it, then it only waits
    // to be killed.
    sys::disable_ipv6();
    for (size_t i = 0; i + 1 < args.size(); ++i) {
        if (args[i] == "--ready-fd") {
            const int fd = std::stoi(args[i + 1]);
            [[maybe_unused]] const auto written = ::write(fd, "ready\n", 6);
            ::close(fd);
        }
    }
    sigset_t all;
    ::sigfillset(&all);
    ::sigdelset(&all, SIGTERM);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    while (true) {
        ::pause();
    }
}

int detect_virt_main(const std::vector<std::string>& args) {
    // Machines are containers: charms choose container-safe Slurm plugins when this says so.
    bool quiet = false;
    bool want_vm = false;
    for (const auto& arg : args) {
        if (arg == "-q" || arg == "--quiet") {
            quiet = true;
        } else if (arg == "-v" || arg == "--vm") {
            want_vm = true;
        } else if (arg == "-r" || arg == "--chroot" || arg == "--private-users") {
            return 1;
        } else if (arg == "--list") {
            std::cout << "none\ncontainer-other\n";
            return 0;
        }
    }
    if (want_vm) {
        if (!quiet) {
            std::cout << "none\n";
        }
        return 1;
    }
    if (!quiet) {
        std::cout << "container-other\n";
    }
    return 0;
}

}  // namespace jujusim::tools
