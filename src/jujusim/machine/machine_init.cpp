// `jujusim-machine init`: PID 1 of a machine. Stage 1 runs the host's binary in the machine's
// fresh namespaces: it mounts the overlay root and the API file systems, pivots into the root,
// sets the hostname and brings `lo` up, then waits for the host to cable the network. Stage 2
// re-executes the binary from inside the machine (so it runs on the machine's glibc and NSS),
// supervises services and serves systemctl on /run/jujusim/init.sock.
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <stdexcept>
#include <thread>

#include <fcntl.h>
#include <net/if.h>
#include <nlohmann/json.hpp>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <jujusim/machine_tools.hpp>
#include <jujusim/unix_socket.hpp>
#include <slurmctld/util/files.hpp>

#include "supervisor.hpp"
#include "sys.hpp"

namespace jujusim::tools {

namespace {

namespace fs = std::filesystem;

constexpr const char* kInitSocket = "/run/jujusim/init.sock";
constexpr const char* kMachineBinary = "/run/jujusim/jujusim-machine";

struct InitArgs {
    bool stage2 = false;
    std::string lower, upper, work, root, juju, hostname;
    int status_fd = -1;
    int go_fd = -1;
    std::vector<std::pair<std::string, std::string>> binds;  ///< host dir, machine path
};

InitArgs parse_init_args(const std::vector<std::string>& args) {
    InitArgs parsed;
    for (size_t i = 0; i < args.size(); ++i) {
        auto next = [&]() -> std::string {
            if (i + 1 >= args.size()) {
                throw std::invalid_argument("missing value for " + args[i]);
            }
            return args[++i];
        };
        const auto& arg = args[i];
        if (arg == "--stage2") {
            parsed.stage2 = true;
        } else if (arg == "--lower") {
            parsed.lower = next();
        } else if (arg == "--upper") {
            parsed.upper = next();
        } else if (arg == "--work") {
            parsed.work = next();
        } else if (arg == "--root") {
            parsed.root = next();
        } else if (arg == "--juju") {
            parsed.juju = next();
        } else if (arg == "--hostname") {
            parsed.hostname = next();
        } else if (arg == "--status-fd") {
            parsed.status_fd = std::stoi(next());
        } else if (arg == "--go-fd") {
            parsed.go_fd = std::stoi(next());
        } else if (arg == "--bind") {
            const std::string host = next();
            parsed.binds.emplace_back(host, next());
        } else {
            throw std::invalid_argument("unknown init argument " + arg);
        }
    }
    return parsed;
}

void report(int fd, const std::string& line) {
    if (fd < 0) {
        return;
    }
    const std::string text = line + "\n";
    [[maybe_unused]] const auto written = ::write(fd, text.data(), text.size());
}

void check(int result, const std::string& what) {
    if (result != 0) {
        sys::throw_errno(what);
    }
}

void mount_or_throw(const std::string& source, const fs::path& target, const char* type,
                    unsigned long flags, const std::string& data = "") {
    check(
        ::mount(source.c_str(), target.c_str(), type, flags, data.empty() ? nullptr : data.c_str()),
        "mount " + source + " on " + target.string());
}

void bind_read_only(const fs::path& source, const fs::path& target) {
    mount_or_throw(source, target, nullptr, MS_BIND);
    mount_or_throw("", target, nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV);
}

void ensure_file(const fs::path& path, mode_t mode) {
    if (!fs::exists(path)) {
        fs::create_directories(path.parent_path());
        std::ofstream(path).close();
        ::chmod(path.c_str(), mode);
    }
}

/// A minimal /dev: the usual character devices, a private devpts and /dev/shm. Nothing of the
/// host's block devices is reachable from the machine.
void populate_dev(const fs::path& dev) {
    mount_or_throw("tmpfs", dev, "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k");
    const std::map<std::string, std::pair<unsigned, unsigned>> devices = {
        {"null", {1, 3}},   {"zero", {1, 5}},    {"full", {1, 7}},
        {"random", {1, 8}}, {"urandom", {1, 9}}, {"tty", {5, 0}}};
    for (const auto& [name, numbers] : devices) {
        const fs::path path = dev / name;
        check(::mknod(path.c_str(), S_IFCHR | 0666, makedev(numbers.first, numbers.second)),
              "mknod " + path.string());
        ::chmod(path.c_str(), 0666);
    }
    for (const auto& [link, target] :
         std::map<std::string, std::string>{{"fd", "/proc/self/fd"},
                                            {"stdin", "/proc/self/fd/0"},
                                            {"stdout", "/proc/self/fd/1"},
                                            {"stderr", "/proc/self/fd/2"},
                                            {"ptmx", "pts/ptmx"},
                                            {"core", "/proc/kcore"}}) {
        fs::create_symlink(target, dev / link);
    }
    fs::create_directories(dev / "pts");
    fs::create_directories(dev / "shm");
    mount_or_throw("devpts", dev / "pts", "devpts", MS_NOSUID | MS_NOEXEC,
                   "newinstance,ptmxmode=0666,mode=620,gid=5");
    mount_or_throw("tmpfs", dev / "shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    fs::create_directories(dev / "mqueue");
    ::mount("mqueue", (dev / "mqueue").c_str(), "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC,
            nullptr);
}

void bring_loopback_up() {
    const int fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        sys::throw_errno("socket");
    }
    ifreq request{};
    std::strncpy(request.ifr_name, "lo", IFNAMSIZ - 1);
    if (::ioctl(fd, SIOCGIFFLAGS, &request) == 0) {
        request.ifr_flags = static_cast<short>(request.ifr_flags | IFF_UP | IFF_RUNNING);
        ::ioctl(fd, SIOCSIFFLAGS, &request);
    }
    ::close(fd);
}

int stage1(const InitArgs& a) {
    try {
        const fs::path root = a.root;
        check(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr), "make / private");
        // index=off: a machine's disk stays usable when the image is rebuilt under it.
        // redirect_dir=on: directories from the image can be renamed, as on a real disk
        // (without it rename(2) of /etc/slurm fails with EXDEV).
        mount_or_throw("overlay", root, "overlay", 0,
                       "lowerdir=" + a.lower + ",upperdir=" + a.upper + ",workdir=" + a.work +
                           ",index=off,redirect_dir=on");
        for (const char* dir : {"proc", "sys", "dev", "run", "tmp", "var/lib/juju", "etc"}) {
            fs::create_directories(root / dir);
        }
        mount_or_throw("proc", root / "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC);
        // Read-only sysfs: the machine sees its own network devices and the CPU topology
        // (Slurm reads it) but cannot change the host's kernel settings.
        mount_or_throw("sysfs", root / "sys", "sysfs",
                       MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
        populate_dev(root / "dev");
        mount_or_throw("tmpfs", root / "run", "tmpfs", MS_NOSUID | MS_NODEV,
                       "mode=755,size=262144k");
        fs::create_directories(root / "run/lock");
        ::chmod((root / "run/lock").c_str(), 01777);
        fs::create_directories(root / "run/jujusim");
        mount_or_throw("tmpfs", root / "tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
        mount_or_throw(a.juju, root / "var/lib/juju", nullptr, MS_BIND | MS_REC);
        // The machine's fstab (shared file systems): mounted before any service starts, as
        // remote-fs.target is reached before multi-user services on a real machine.
        for (const auto& [host, inside] : a.binds) {
            const fs::path target = root / fs::path(inside).relative_path();
            fs::create_directories(target);
            mount_or_throw(host, target, nullptr, MS_BIND | MS_REC);
        }

        // This binary, pinned for the machine's lifetime: its init, systemctl, journalctl and
        // systemd-detect-virt. Read-only so nothing in the machine can modify the host's file.
        ensure_file(root / "run/jujusim/jujusim-machine", 0755);
        bind_read_only("/proc/self/exe", root / "run/jujusim/jujusim-machine");
        for (const char* tool :
             {"usr/bin/systemctl", "usr/bin/systemd-detect-virt", "usr/bin/journalctl"}) {
            ensure_file(root / tool, 0755);
            bind_read_only(root / "run/jujusim/jujusim-machine", root / tool);
        }

        util::write_file_atomic(root / "etc/hostname", a.hostname + "\n");
        const auto machine_id =
            util::read_regular_file_following(root / "etc/machine-id").value_or("");
        if (machine_id.size() < 32) {
            util::AtomicWriteOptions read_only;
            read_only.mode = 0444;  // as systemd leaves it
            util::write_file_atomic(root / "etc/machine-id", sys::random_id128() + "\n", read_only);
        }

        check(::chdir(root.c_str()), "chdir " + root.string());
        check(static_cast<int>(::syscall(SYS_pivot_root, ".", ".")), "pivot_root");
        check(::umount2(".", MNT_DETACH), "detach the host's root");
        check(::chdir("/"), "chdir /");
        check(::sethostname(a.hostname.data(), a.hostname.size()), "sethostname");
        sys::disable_ipv6();
        // Kernel settings are not the machine's to change (networking ones were set above).
        bind_read_only("/proc/sys", "/proc/sys");
        if (fs::exists("/proc/sysrq-trigger")) {
            bind_read_only("/proc/sysrq-trigger", "/proc/sysrq-trigger");
        }
        bring_loopback_up();
    } catch (const std::exception& error) {
        report(a.status_fd, std::string("error: ") + error.what());
        return 1;
    }
    report(a.status_fd, "mounted");
    // Wait for the host to cable eth0 before any service starts.
    char go[8] = {};
    const ssize_t n = ::read(a.go_fd, go, sizeof go);
    if (n <= 0) {
        return 1;  // the host gave up on this boot
    }
    ::close(a.go_fd);
    const std::string status = std::to_string(a.status_fd);
    std::vector<std::string> argv_strings = {
        "jujusim-machine", "init", "--stage2", "--hostname", a.hostname, "--status-fd", status};
    std::vector<char*> argv;
    for (auto& arg : argv_strings) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);
    std::string path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    std::string container = "container=jujusim";
    char* envp[] = {path.data(), container.data(), nullptr};
    ::execve(kMachineBinary, argv.data(), envp);
    report(a.status_fd,
           std::string("error: cannot execute ") + kMachineBinary + ": " + std::strerror(errno));
    return 1;
}

void serve_connection(init::Supervisor& supervisor, int fd) {
    util::UniqueFd connection(fd);
    ucred credentials{};
    socklen_t length = sizeof credentials;
    ::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &credentials, &length);
    const auto line = read_line(fd);
    if (!line) {
        return;
    }
    nlohmann::json reply;
    try {
        const auto request = nlohmann::json::parse(*line);
        const auto args = request.at("argv").get<std::vector<std::string>>();
        const auto result = supervisor.handle(args, credentials.uid);
        reply = {{"exit", result.exit_code}, {"stdout", result.out}, {"stderr", result.err}};
    } catch (const std::exception& error) {
        reply = {{"exit", 1},
                 {"stdout", ""},
                 {"stderr", std::string("jujusim init: ") + error.what() + "\n"}};
    }
    try {
        write_all(fd, reply.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    } catch (const std::system_error&) {
        // The client went away: nothing to tell it.
    }
}

int stage2(const InitArgs& a) {
    // Signals: SIGCHLD is taken by the reaper thread (blocked everywhere); a PID 1 ignores the
    // rest unless it handles them; broken control connections must not kill it.
    sigset_t blocked;
    ::sigemptyset(&blocked);
    ::sigaddset(&blocked, SIGCHLD);
    ::sigprocmask(SIG_BLOCK, &blocked, nullptr);
    ::signal(SIGPIPE, SIG_IGN);
    ::umask(022);

    init::Supervisor supervisor(a.hostname, "/var/log/jujusim");
    supervisor.start_threads();

    const int listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, kInitSocket, sizeof(address.sun_path) - 1);
    ::unlink(kInitSocket);
    if (listener < 0 ||
        ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener, 64) != 0) {
        report(a.status_fd,
               std::string("error: cannot listen on ") + kInitSocket + ": " + std::strerror(errno));
        return 1;
    }
    ::chmod(kInitSocket, 0666);  // anyone may ask; only root may change (peer credentials)
    supervisor.boot();
    report(a.status_fd, "ready");
    ::close(a.status_fd);
    while (true) {
        const int fd = ::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) {
                continue;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            continue;
        }
        std::thread([&supervisor, fd] { serve_connection(supervisor, fd); }).detach();
    }
}

}  // namespace

int init_main(const std::vector<std::string>& args) {
    const auto parsed = parse_init_args(args);
    if (::getpid() != 1) {
        std::cerr << "jujusim-machine init: must run as PID 1 of a machine's PID namespace\n";
        return 1;
    }
    return parsed.stage2 ? stage2(parsed) : stage1(parsed);
}

}  // namespace jujusim::tools
