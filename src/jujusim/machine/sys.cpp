#include "sys.hpp"

#include <cerrno>

#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurmctld/util/process.hpp>
#include <slurmctld/util/random.hpp>

namespace jujusim::sys {

using util::pidfd_open;
using util::UniqueFd;

std::system_error errno_error(const std::string& what) {
    return std::system_error(errno, std::generic_category(), what);
}

void throw_errno(const std::string& what) {
    throw errno_error(what);
}

RecordedProcess record_process(const fs::path& file, pid_t pid) {
    const util::ProcessRecord record =
        util::record_process(pid).value_or(util::ProcessRecord{pid, 0});
    util::write_file_atomic(file, util::format_process_record(record));
    return RecordedProcess{record, true};
}

std::optional<RecordedProcess> find_recorded_process(const fs::path& file) {
    std::optional<std::string> text;
    try {
        text = util::read_regular_file(file);
    } catch (const util::FileError&) {
        return std::nullopt;  // unreadable: as good as no record
    }
    const auto record = text ? util::parse_process_record(*text) : std::nullopt;
    if (!record || !util::is_running(*record)) {
        return std::nullopt;
    }
    const auto stat = util::read_proc_stat(record->pid);
    return RecordedProcess{*record, stat && stat->ppid == ::getpid()};
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
    std::vector<char*> result;
    result.reserve(strings.size() + 1);
    for (const auto& s : strings) {
        result.push_back(const_cast<char*>(s.c_str()));
    }
    result.push_back(nullptr);
    return result;
}

void reset_signals_in_child() noexcept {
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
        ::sigaction(signal_number, &action, nullptr);
    }
    sigset_t empty;
    ::sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
}

int move_fd_high(int fd) noexcept {
    return fd < 0 ? fd : ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
}

void close_fds_from(unsigned int first, unsigned int flags) noexcept {
    ::syscall(SYS_close_range, first, ~0U, flags);
}

std::string random_id128() {
    return util::random_string(32, "0123456789abcdef");
}

pid_t start_daemon(const DaemonOptions& options) {
    if (options.argv.empty() || options.argv[0].empty() || options.argv[0][0] != '/') {
        throw std::invalid_argument("start_daemon: argv[0] must be an absolute path");
    }
    const auto argv = c_strings(options.argv);
    const auto envp = c_strings(options.env);
    UniqueFd log_fd(::open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
                           options.log_mode));
    if (!log_fd) {
        throw_errno("cannot open " + options.log_path.string());
    }
    UniqueFd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    const std::vector<int> pass = options.pass_fds;
    const std::string cwd = options.working_directory.string();
    // Detached: the intermediate child reports the daemon's PID here before it exits.
    int pid_pipe[2] = {-1, -1};
    if (options.detached && ::pipe2(pid_pipe, O_CLOEXEC) != 0) {
        throw_errno("pipe");
    }
    const UniqueFd pid_read(pid_pipe[0]);
    UniqueFd pid_write(pid_pipe[1]);

    // A raw clone without CLONE_VM behaves like fork() and can create the new namespaces
    // (a new PID namespace makes the child its PID 1). It stays the caller's child.
    const long child =
        ::syscall(SYS_clone, options.clone_flags | SIGCHLD, nullptr, nullptr, nullptr, 0);
    if (child < 0) {
        throw_errno("clone");
    }
    if (child == 0) {
        reset_signals_in_child();
        ::setsid();
        if (options.detached) {
            const pid_t daemon = ::fork();
            if (daemon != 0) {
                [[maybe_unused]] const auto written =
                    ::write(pid_write.get(), &daemon, sizeof daemon);
                ::_exit(daemon < 0 ? 1 : 0);
            }
        }
        if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) {
            ::_exit(127);
        }
        int moved[16];
        const size_t count = pass.size() < 16 ? pass.size() : 16;
        for (size_t i = 0; i < count; ++i) {
            moved[i] = ::fcntl(pass[i], F_DUPFD_CLOEXEC, 64);
        }
        const int log = move_fd_high(log_fd.get());
        const int null = move_fd_high(null_fd.get());
        ::dup2(null, 0);
        ::dup2(log, 1);
        ::dup2(log, 2);
        for (size_t i = 0; i < count; ++i) {
            ::dup2(moved[i], static_cast<int>(3 + i));
        }
        close_fds_from(static_cast<unsigned int>(3 + count), 0);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    if (!options.detached) {
        return static_cast<pid_t>(child);
    }
    pid_write.reset();
    int status = 0;
    ::waitpid(static_cast<pid_t>(child), &status, 0);
    pid_t daemon = -1;
    if (::read(pid_read.get(), &daemon, sizeof daemon) != sizeof daemon || daemon <= 0) {
        throw std::runtime_error("cannot start " + options.argv[0]);
    }
    return daemon;
}

void disable_ipv6() noexcept {
    for (const char* path : {"/proc/sys/net/ipv6/conf/all/disable_ipv6",
                             "/proc/sys/net/ipv6/conf/default/disable_ipv6"}) {
        const UniqueFd fd(::open(path, O_WRONLY | O_CLOEXEC));
        if (fd) {
            [[maybe_unused]] const auto ignored = ::write(fd.get(), "1\n", 2);
        }
    }
}

bool wait_child(pid_t pid, std::chrono::milliseconds timeout) {
    UniqueFd fd(pidfd_open(pid));
    if (fd) {
        pollfd p{fd.get(), POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(timeout.count())) == 0) {
            return false;
        }
    }
    int status = 0;
    const pid_t reaped = ::waitpid(pid, &status, fd ? 0 : WNOHANG);
    return reaped == pid || (reaped < 0 && errno == ECHILD);
}

}  // namespace jujusim::sys

namespace jujusim::sys {

namespace {

/// How long a mount or unmount inside a machine may take before it is given up.
constexpr std::chrono::seconds kMountStepTimeout{30};

/// Runs `step` in a forked child that entered the mount namespace and root of `pid`; `step`
/// returns 0 or an errno and may only make async-signal-safe calls.
template <class Step>
void run_in_mount_namespace(pid_t pid, const std::string& what, Step step) {
    const std::string target = "/proc/" + std::to_string(pid);
    UniqueFd mount_ns(::open((target + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC));
    UniqueFd root(::open((target + "/root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!mount_ns || !root) {
        throw_errno(what + ": machine process " + std::to_string(pid) + " is gone");
    }
    const auto result = util::run_in_child(
        [&](int /*output_fd*/) {
            if (::setns(mount_ns.get(), CLONE_NEWNS) != 0 || ::fchdir(root.get()) != 0 ||
                ::chroot(".") != 0) {
                return errno & 0xff;
            }
            return step() & 0xff;
        },
        kMountStepTimeout);
    if (result.timed_out) {
        throw std::system_error(ETIMEDOUT, std::generic_category(), what);
    }
    if (result.exit_code != 0) {
        // A signal (128 + n) is no errno: reported as EINTR, as before.
        const int error = result.exit_code > 0 && result.exit_code < 128 ? result.exit_code : EINTR;
        throw std::system_error(error, std::generic_category(), what);
    }
}

}  // namespace

void bind_into_namespace(pid_t pid, const fs::path& host_dir, const fs::path& machine_path) {
    if (!machine_path.is_absolute()) {
        throw std::invalid_argument("mount point must be absolute: " + machine_path.string());
    }
    // A detached copy of the host directory's mount, made here in the host's namespace; the
    // child moves it into the machine (the kernel allows attaching an anonymous tree anywhere).
    UniqueFd tree(static_cast<int>(::syscall(SYS_open_tree, AT_FDCWD, host_dir.c_str(),
                                             OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE)));
    if (!tree) {
        throw_errno("open_tree " + host_dir.string());
    }
    std::vector<std::string> prefixes;  // every directory to create, outermost first
    fs::path partial = "/";
    for (const auto& part : machine_path.relative_path()) {
        partial /= part;
        prefixes.push_back(partial.string());
    }
    const std::string target = machine_path.string();
    run_in_mount_namespace(pid, "bind " + host_dir.string() + " at " + target, [&]() -> int {
        for (const auto& dir : prefixes) {
            if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
                return errno;
            }
        }
        if (::syscall(SYS_move_mount, tree.get(), "", AT_FDCWD, target.c_str(),
                      MOVE_MOUNT_F_EMPTY_PATH) != 0) {
            return errno;
        }
        return 0;
    });
}

void unmount_in_namespace(pid_t pid, const fs::path& machine_path) {
    const std::string target = machine_path.string();
    run_in_mount_namespace(pid, "unmount " + target, [&]() -> int {
        return ::umount2(target.c_str(), MNT_DETACH) == 0 ? 0 : errno;
    });
}

}  // namespace jujusim::sys
