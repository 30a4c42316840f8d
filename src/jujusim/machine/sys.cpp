#include "sys.hpp"

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <sstream>

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurmctld/util/process.hpp>

namespace jujusim::sys {

using util::make_pipe;
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

namespace {

constexpr std::string_view kDefaultPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Messages from the child on the status pipe (8 bytes each).
enum StatusKind : int { kGrandchildPid = 1, kFailure = 2 };
/// Which pre-exec step failed (reported with errno).
enum FailedStep : int {
    kStepSetns = 1,
    kStepChroot,
    kStepMount,
    kStepFork,
    kStepChdir,
    kStepExec,
};

const char* step_name(int step) {
    switch (step) {
        case kStepSetns:
            return "entering the machine's namespaces";
        case kStepChroot:
            return "changing root";
        case kStepMount:
            return "mounting /proc and /dev";
        case kStepFork:
            return "forking inside the PID namespace";
        case kStepChdir:
            return "changing directory";
        default:
            return "executing";
    }
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

std::string env_value(const std::vector<std::string>& env, std::string_view name) {
    for (const auto& entry : env) {
        if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
            entry[name.size()] == '=') {
            return entry.substr(name.size() + 1);
        }
    }
    return {};
}

std::vector<std::string> exec_candidates(const std::string& program, const std::string& path) {
    if (program.find('/') != std::string::npos) {
        return {program};
    }
    std::vector<std::string> candidates;
    std::string_view rest = path;
    while (true) {
        const auto colon = rest.find(':');
        std::string dir(rest.substr(0, colon));
        if (dir.empty()) {
            dir = ".";
        }
        candidates.push_back(dir + "/" + program);
        if (colon == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(colon + 1);
    }
    return candidates;
}

// ---- child-side helpers: async-signal-safe only ------------------------------------------

void child_report(int status_fd, int kind, int value) {
    const int message[2] = {kind, value};
    [[maybe_unused]] const auto ignored = ::write(status_fd, message, sizeof message);
}

[[noreturn]] void child_fail(int status_fd, int step) {
    child_report(status_fd, kFailure, (step << 16) | (errno & 0xffff));
    ::_exit(127);
}

void child_reset_signals() {
    struct sigaction action {};
    action.sa_handler = SIG_DFL;
    for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
        ::sigaction(signal_number, &action, nullptr);
    }
    sigset_t empty;
    ::sigemptyset(&empty);
    ::sigprocmask(SIG_SETMASK, &empty, nullptr);
}

/// Moves fd above the standard descriptors so dup2 onto 0-2 never hits itself.
int child_move_high(int fd) {
    return fd < 0 ? fd : ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
}

int child_close_from(unsigned int first, unsigned int flags) {
    return static_cast<int>(::syscall(SYS_close_range, first, ~0U, flags));
}

int pidfd_open(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

/// write(2) to a pipe whose reader may be gone: EPIPE instead of a SIGPIPE that would kill the
/// calling program (the controller). The signal is blocked in this thread only and a pending
/// one is consumed.
ssize_t write_without_sigpipe(int fd, std::string_view data) {
    sigset_t pipe_set;
    sigset_t old_set;
    ::sigemptyset(&pipe_set);
    ::sigaddset(&pipe_set, SIGPIPE);
    sigset_t pending;
    ::sigpending(&pending);
    const bool was_pending = ::sigismember(&pending, SIGPIPE) == 1;
    ::pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
    const ssize_t written = ::write(fd, data.data(), data.size());
    const int saved_errno = errno;
    if (written < 0 && saved_errno == EPIPE && !was_pending) {
        const timespec zero{0, 0};
        ::sigtimedwait(&pipe_set, nullptr, &zero);
    }
    ::pthread_sigmask(SIG_SETMASK, &old_set, nullptr);
    errno = saved_errno;
    return written;
}

void set_nonblocking(int fd) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/// Splits output into lines for the callback, or collects it.
class OutputSink {
  public:
    OutputSink(const SpawnOptions& options, std::string& text, bool is_stderr)
        : options_(options), text_(text), is_stderr_(is_stderr) {}
    void add(const char* data, size_t size) {
        if (!options_.on_output) {
            text_.append(data, size);
            return;
        }
        partial_.append(data, size);
        size_t start = 0;
        for (size_t newline = partial_.find('\n'); newline != std::string::npos;
             newline = partial_.find('\n', start)) {
            options_.on_output(partial_.substr(start, newline - start), is_stderr_);
            start = newline + 1;
        }
        partial_.erase(0, start);
    }
    void finish() {
        if (options_.on_output && !partial_.empty()) {
            options_.on_output(partial_, is_stderr_);
        }
        partial_.clear();
    }
    void line(const std::string& line) {
        if (options_.on_output) {
            options_.on_output(line, is_stderr_);
        } else {
            text_ += line + "\n";
        }
    }

  private:
    const SpawnOptions& options_;
    std::string& text_;
    bool is_stderr_;
    std::string partial_;
};

}  // namespace

SpawnOptions spawn_options(const ExecRequest& request, SpawnPlace place, pid_t target_pid) {
    SpawnOptions options;
    options.argv = request.argv;
    for (const auto& [name, value] : request.env) {
        options.env.push_back(name + "=" + value);
    }
    options.cwd = request.cwd;
    options.stdin_data = request.stdin_data;
    options.timeout = request.timeout;
    options.on_output = request.on_output;
    options.place = place;
    options.target_pid = target_pid;
    return options;
}

ExecResult spawn_and_wait(const SpawnOptions& options) {
    if (options.argv.empty()) {
        throw std::invalid_argument("spawn: empty argv");
    }
    // ---- everything the child needs, prepared before fork --------------------------------
    const auto argv = c_strings(options.argv);
    const auto envp = c_strings(options.env);
    std::string path = options.search_path.value_or(env_value(options.env, "PATH"));
    if (path.empty()) {
        path = kDefaultPath;
    }
    const auto candidate_strings = exec_candidates(options.argv[0], path);
    const auto candidates = c_strings(candidate_strings);
    const std::string cwd = options.cwd.empty() ? "/" : options.cwd.string();

    std::vector<UniqueFd> namespace_fds;
    UniqueFd root_fd;
    const std::string target = "/proc/" + std::to_string(options.target_pid);
    auto open_namespace = [&](const std::string& name) {
        UniqueFd fd(::open((target + "/ns/" + name).c_str(), O_RDONLY | O_CLOEXEC));
        if (!fd) {
            throw_errno("cannot open " + target + "/ns/" + name);
        }
        namespace_fds.push_back(std::move(fd));
    };
    if (options.place == SpawnPlace::MachineNamespaces) {
        // The mount namespace goes last: after it, /proc paths of the host are gone.
        for (const char* name : {"ipc", "uts", "net", "pid", "mnt"}) {
            open_namespace(name);
        }
        root_fd.reset(::open((target + "/root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!root_fd) {
            throw_errno("cannot open " + target + "/root");
        }
    } else if (options.place == SpawnPlace::NetworkNamespace) {
        open_namespace("net");
    }
    const std::string chroot_dir = options.root.string();
    const std::string chroot_proc = (options.root / "proc").string();
    const std::string chroot_dev = (options.root / "dev").string();

    auto [out_read, out_write] = make_pipe();
    auto [err_read, err_write] = make_pipe();
    auto [status_read, status_write] = make_pipe();
    UniqueFd in_read;
    UniqueFd in_write;
    if (options.stdin_data) {
        std::tie(in_read, in_write) = make_pipe();
    } else {
        in_read.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    }

    const pid_t child = ::fork();
    if (child < 0) {
        throw_errno("fork");
    }
    if (child == 0) {
        // ---- child: async-signal-safe calls only ----
        child_reset_signals();
        const int status_fd = status_write.get();
        const int in_fd = child_move_high(in_read.get());
        const int out_fd = child_move_high(out_write.get());
        const int err_fd = child_move_high(err_write.get());
        switch (options.place) {
            case SpawnPlace::MachineNamespaces:
                for (const auto& fd : namespace_fds) {
                    if (::setns(fd.get(), 0) != 0) {
                        child_fail(status_fd, kStepSetns);
                    }
                }
                if (::fchdir(root_fd.get()) != 0 || ::chroot(".") != 0) {
                    child_fail(status_fd, kStepChroot);
                }
                break;
            case SpawnPlace::NetworkNamespace:
                if (::setns(namespace_fds.front().get(), CLONE_NEWNET) != 0) {
                    child_fail(status_fd, kStepSetns);
                }
                break;
            case SpawnPlace::PrivateMounts:
                if (::unshare(CLONE_NEWNS) != 0 ||
                    ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
                    child_fail(status_fd, kStepMount);
                }
                break;
            case SpawnPlace::PrivateChroot:
                if (::unshare(CLONE_NEWNS) != 0 ||
                    ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
                    ::mount("proc", chroot_proc.c_str(), "proc", 0, nullptr) != 0 ||
                    ::mount("/dev", chroot_dev.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
                    child_fail(status_fd, kStepMount);
                }
                if (::chroot(chroot_dir.c_str()) != 0) {
                    child_fail(status_fd, kStepChroot);
                }
                break;
            case SpawnPlace::Host:
                break;
        }
        if (options.place == SpawnPlace::MachineNamespaces) {
            // setns(CLONE_NEWPID) applies to children only: the program runs in a grandchild,
            // this process waits for it and passes its status on.
            const pid_t grandchild = ::fork();
            if (grandchild < 0) {
                child_fail(status_fd, kStepFork);
            }
            if (grandchild > 0) {
                child_report(status_fd, kGrandchildPid, grandchild);
                // Hold no pipe end: the caller sees EOF when the program's side closes.
                child_close_from(0, 0);
                int status = 0;
                while (::waitpid(grandchild, &status, 0) < 0 && errno == EINTR) {
                }
                ::_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
            }
        }
        ::setsid();
        if (::chdir(cwd.c_str()) != 0) {
            child_fail(status_fd, kStepChdir);
        }
        if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) {
            child_fail(status_fd, kStepExec);
        }
        child_close_from(3, CLOSE_RANGE_CLOEXEC);
        int exec_errno = ENOENT;
        for (size_t i = 0; candidates[i] != nullptr; ++i) {
            ::execve(candidates[i], argv.data(), envp.data());
            if (errno != ENOENT && errno != ENOTDIR) {
                exec_errno = errno;
            }
        }
        errno = exec_errno;
        child_fail(status_fd, kStepExec);
    }

    // ---- parent ----
    out_write.reset();
    err_write.reset();
    status_write.reset();
    in_read.reset();
    UniqueFd child_fd(pidfd_open(child));
    if (!child_fd) {
        const auto error = errno_error("pidfd_open");
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
        throw error;
    }
    for (int fd : {out_read.get(), err_read.get(), status_read.get(), in_write.get()}) {
        if (fd >= 0) {
            set_nonblocking(fd);
        }
    }

    ExecResult result;
    OutputSink out_sink(options, result.stdout_text, false);
    OutputSink err_sink(options, result.stderr_text, true);
    std::string status_bytes;
    std::string_view stdin_rest = options.stdin_data ? std::string_view(*options.stdin_data) : "";
    if (in_write && stdin_rest.empty()) {
        in_write.reset();
    }
    pid_t kill_group = child;  // the process group of the program (its session leader)
    bool exited = false;
    int wait_status = 0;
    using Clock = std::chrono::steady_clock;
    const auto start = Clock::now();
    auto last_output = start;
    auto exited_at = start;
    constexpr auto kGrace = std::chrono::milliseconds(300);
    std::array<char, 65536> buffer{};

    while (true) {
        std::vector<pollfd> polls;
        for (int fd : {out_read.get(), err_read.get(), status_read.get()}) {
            if (fd >= 0) {
                polls.push_back({fd, POLLIN, 0});
            }
        }
        if (in_write) {
            polls.push_back({in_write.get(), POLLOUT, 0});
        }
        if (!exited) {
            polls.push_back({child_fd.get(), POLLIN, 0});
        }
        const bool outputs_open = out_read || err_read || status_read;
        if (exited && !outputs_open) {
            break;
        }
        auto now = Clock::now();
        int wait_ms = -1;
        if (exited) {
            const auto until = std::max(exited_at, last_output) + kGrace;
            if (now >= until) {
                break;  // something the program started still holds its output open
            }
            wait_ms =
                static_cast<int>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(until - now).count()) +
                1;
        } else if (options.timeout && !result.timed_out) {
            const auto deadline = start + *options.timeout;
            if (now >= deadline) {
                result.timed_out = true;
                ::kill(-kill_group, SIGKILL);
                ::kill(kill_group, SIGKILL);
                continue;
            }
            wait_ms =
                static_cast<int>(
                    std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count()) +
                1;
        }
        const int ready = ::poll(polls.data(), polls.size(), wait_ms);
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_errno("poll");
        }
        for (const auto& p : polls) {
            if (p.revents == 0) {
                continue;
            }
            if (p.fd == child_fd.get()) {
                while (::waitpid(child, &wait_status, 0) < 0 && errno == EINTR) {
                }
                exited = true;
                exited_at = Clock::now();
                continue;
            }
            if (in_write && p.fd == in_write.get()) {
                const ssize_t written = write_without_sigpipe(in_write.get(), stdin_rest);
                if (written > 0) {
                    stdin_rest.remove_prefix(static_cast<size_t>(written));
                }
                if (stdin_rest.empty() || (written < 0 && errno != EAGAIN && errno != EINTR)) {
                    in_write.reset();
                }
                continue;
            }
            UniqueFd* source = p.fd == out_read.get()   ? &out_read
                               : p.fd == err_read.get() ? &err_read
                                                        : &status_read;
            const ssize_t count = ::read(p.fd, buffer.data(), buffer.size());
            if (count > 0) {
                last_output = Clock::now();
                if (source == &out_read) {
                    out_sink.add(buffer.data(), static_cast<size_t>(count));
                } else if (source == &err_read) {
                    err_sink.add(buffer.data(), static_cast<size_t>(count));
                } else {
                    status_bytes.append(buffer.data(), static_cast<size_t>(count));
                    // Only the grandchild's PID matters before exit (for a timeout kill).
                    for (size_t at = 0; at + 8 <= status_bytes.size(); at += 8) {
                        int message[2];
                        std::memcpy(message, status_bytes.data() + at, sizeof message);
                        if (message[0] == kGrandchildPid) {
                            kill_group = message[1];
                        }
                    }
                }
            } else if (count == 0 || (errno != EAGAIN && errno != EINTR)) {
                source->reset();
            }
        }
    }
    if (!exited) {
        while (::waitpid(child, &wait_status, 0) < 0 && errno == EINTR) {
        }
    }
    out_sink.finish();
    err_sink.finish();

    if (WIFSIGNALED(wait_status)) {
        result.exit_code = 128 + WTERMSIG(wait_status);
    } else {
        result.exit_code = WEXITSTATUS(wait_status);
    }
    if (result.timed_out) {
        result.exit_code = 128 + SIGKILL;
    }
    for (size_t at = 0; at + 8 <= status_bytes.size(); at += 8) {
        int message[2];
        std::memcpy(message, status_bytes.data() + at, sizeof message);
        if (message[0] != kFailure) {
            continue;
        }
        const int step = message[1] >> 16;
        const int error = message[1] & 0xffff;
        if (step == kStepSetns || step == kStepChroot || step == kStepMount || step == kStepFork) {
            throw std::system_error(
                error, std::generic_category(),
                std::string("cannot run '") + options.argv[0] + "': " + step_name(step));
        }
        err_sink.line("jujusim: cannot run '" + options.argv[0] + "' (" + step_name(step) +
                      "): " + std::strerror(error));
        result.exit_code = (step == kStepExec && error != ENOENT) ? 126 : 127;
    }
    return result;
}

pid_t start_daemon(const DaemonOptions& options) {
    if (options.argv.empty() || options.argv[0].empty() || options.argv[0][0] != '/') {
        throw std::invalid_argument("start_daemon: argv[0] must be an absolute path");
    }
    const auto argv = c_strings(options.argv);
    const auto envp = c_strings(options.env);
    UniqueFd log_fd(
        ::open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    if (!log_fd) {
        throw_errno("cannot open " + options.log_path.string());
    }
    UniqueFd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    const std::vector<int> pass = options.pass_fds;

    // A raw clone without CLONE_VM behaves like fork() and can create the new namespaces
    // (a new PID namespace makes the child its PID 1). It stays the caller's child.
    const long child =
        ::syscall(SYS_clone, options.clone_flags | SIGCHLD, nullptr, nullptr, nullptr, 0);
    if (child < 0) {
        throw_errno("clone");
    }
    if (child == 0) {
        child_reset_signals();
        ::setsid();
        int moved[16];
        const size_t count = pass.size() < 16 ? pass.size() : 16;
        for (size_t i = 0; i < count; ++i) {
            moved[i] = ::fcntl(pass[i], F_DUPFD_CLOEXEC, 64);
        }
        const int log = child_move_high(log_fd.get());
        const int null = child_move_high(null_fd.get());
        ::dup2(null, 0);
        ::dup2(log, 1);
        ::dup2(log, 2);
        for (size_t i = 0; i < count; ++i) {
            ::dup2(moved[i], static_cast<int>(3 + i));
        }
        child_close_from(static_cast<unsigned int>(3 + count), 0);
        ::execve(argv[0], argv.data(), envp.data());
        ::_exit(127);
    }
    return static_cast<pid_t>(child);
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
