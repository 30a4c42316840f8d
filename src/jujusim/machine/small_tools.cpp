// The small programs of jujusim-machine: build-image, hold-network, systemd-detect-virt.
#include <iostream>

#include <signal.h>
#include <unistd.h>

#include <jujusim/image.hpp>
#include <jujusim/machine_tools.hpp>

#include "sys.hpp"

namespace jujusim::tools {

int build_image_main(const std::vector<std::string>& args) {
    auto spec = *ImageSpec::named(kDefaultImage);
    std::vector<std::string> rest;
    bool usage = false;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "--image" && i + 1 < args.size()) {
            const auto named = ImageSpec::named(args[++i]);
            if (!named) {
                std::cerr << "jujusim-machine build-image: unknown image " << args[i] << "\n";
                return 2;
            }
            spec = *named;
        } else if (args[i] == "-h" || args[i] == "--help" || args[i].starts_with("-")) {
            usage = true;
        } else {
            rest.push_back(args[i]);
        }
    }
    auto progress = [](const std::string& line) { std::cout << line << std::endl; };
    if (!usage && rest.empty()) {
        const auto path = ensure_image(spec, progress);
        std::cout << "image: " << path.string() << "\n";
        return 0;
    }
    if (!usage && rest.size() == 1) {
        build_image(spec, fs::absolute(rest[0]), progress);
        return 0;
    }
    std::cerr << "usage: jujusim-machine build-image [--image NAME] [DIR]\n"
                 "  NAME: debian-13-slurm (default), debian-12-slurm (Slurm 22.05), debian-13-apt\n"
                 "  (no Slurm; a local apt repository has it), debian-13-build (the toolchain the "
                 "Debian 13 build test\n"
                 "  uses). Without DIR: builds $JUJUSIM_IMAGES/NAME (or $JUJUSIM_HOME/images/...)\n"
                 "  unless it is current\n";
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
