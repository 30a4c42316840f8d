#include "spawn.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <string_view>
#include <system_error>
#include <tuple>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurmctld/util/process.hpp>

#include "sys.hpp"

namespace jujusim::sys {

namespace {

using util::make_pipe;
using util::pidfd_open;
using util::set_nonblocking;
using util::UniqueFd;
using util::write_without_sigpipe;
using Clock = std::chrono::steady_clock;

/// After the program exited, how long its output may stay open before the caller goes on (a
/// daemon it started may hold it for good).
constexpr auto kOutputGrace = std::chrono::milliseconds(300);

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

std::string env_value(const std::vector<std::string>& env, std::string_view name) {
    for (const auto& entry : env) {
        if (entry.size() > name.size() && entry.compare(0, name.size(), name) == 0 &&
            entry[name.size()] == '=') {
            return entry.substr(name.size() + 1);
        }
    }
    return {};
}

/// Everything the child needs, prepared before fork: after it the child may not allocate.
/// Neither copied nor moved, so the char pointers stay valid.
struct ChildPlan {
    explicit ChildPlan(const SpawnOptions& options);
    ChildPlan(const ChildPlan&) = delete;
    ChildPlan& operator=(const ChildPlan&) = delete;

    SpawnPlace place;
    std::vector<char*> argv;
    std::vector<char*> envp;
    std::vector<std::string> candidate_strings;
    std::vector<char*> candidates;
    std::string cwd;
    std::vector<UniqueFd> namespace_fds;  ///< setns order; the mount namespace last
    UniqueFd root_fd;                     ///< MachineNamespaces: the machine's root
    std::string chroot_dir;               ///< PrivateChroot
    std::string chroot_proc;
    std::string chroot_dev;

  private:
    void open_namespace(const std::string& target, const std::string& name);
};

ChildPlan::ChildPlan(const SpawnOptions& options)
    : place(options.place),
      argv(c_strings(options.argv)),
      envp(c_strings(options.env)),
      cwd(options.cwd.empty() ? "/" : options.cwd.string()),
      chroot_dir(options.root.string()),
      chroot_proc((options.root / "proc").string()),
      chroot_dev((options.root / "dev").string()) {
    std::string path = options.search_path.value_or(env_value(options.env, "PATH"));
    if (path.empty()) {
        path = util::kDefaultSearchPath;
    }
    candidate_strings = util::path_candidates(options.argv[0], path);
    candidates = c_strings(candidate_strings);
    const std::string target = "/proc/" + std::to_string(options.target_pid);
    if (place == SpawnPlace::MachineNamespaces) {
        // The mount namespace goes last: after it, /proc paths of the host are gone.
        for (const char* name : {"ipc", "uts", "net", "pid", "mnt"}) {
            open_namespace(target, name);
        }
        root_fd.reset(::open((target + "/root").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
        if (!root_fd) {
            throw_errno("cannot open " + target + "/root");
        }
    } else if (place == SpawnPlace::NetworkNamespace) {
        open_namespace(target, "net");
    }
}

void ChildPlan::open_namespace(const std::string& target, const std::string& name) {
    UniqueFd fd(::open((target + "/ns/" + name).c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        throw_errno("cannot open " + target + "/ns/" + name);
    }
    namespace_fds.push_back(std::move(fd));
}

/// The program's stdin, stdout and stderr, and the child's status pipe (its failures and, in
/// a PID namespace, the grandchild's PID).
struct ChildPipes {
    explicit ChildPipes(bool with_stdin) {
        std::tie(out_read, out_write) = make_pipe();
        std::tie(err_read, err_write) = make_pipe();
        std::tie(status_read, status_write) = make_pipe();
        if (with_stdin) {
            std::tie(in_read, in_write) = make_pipe();
        } else {
            in_read.reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
        }
    }
    /// The parent keeps only its ends.
    void close_child_ends() {
        out_write.reset();
        err_write.reset();
        status_write.reset();
        in_read.reset();
    }

    UniqueFd out_read, out_write;
    UniqueFd err_read, err_write;
    UniqueFd status_read, status_write;
    UniqueFd in_read, in_write;
};

// ---- the child: async-signal-safe calls only ----------------------------------------------

void child_report(int status_fd, int kind, int value) {
    const int message[2] = {kind, value};
    [[maybe_unused]] const auto ignored = ::write(status_fd, message, sizeof message);
}

[[noreturn]] void child_fail(int status_fd, int step) {
    child_report(status_fd, kFailure, (step << 16) | (errno & 0xffff));
    ::_exit(127);
}

/// Enters the namespaces, mounts and root `plan.place` names.
void enter_place(const ChildPlan& plan, int status_fd) {
    switch (plan.place) {
        case SpawnPlace::MachineNamespaces:
            for (const auto& fd : plan.namespace_fds) {
                if (::setns(fd.get(), 0) != 0) {
                    child_fail(status_fd, kStepSetns);
                }
            }
            if (::fchdir(plan.root_fd.get()) != 0 || ::chroot(".") != 0) {
                child_fail(status_fd, kStepChroot);
            }
            break;
        case SpawnPlace::NetworkNamespace:
            if (::setns(plan.namespace_fds.front().get(), CLONE_NEWNET) != 0) {
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
                ::mount("proc", plan.chroot_proc.c_str(), "proc", 0, nullptr) != 0 ||
                ::mount("/dev", plan.chroot_dev.c_str(), nullptr, MS_BIND | MS_REC, nullptr) != 0) {
                child_fail(status_fd, kStepMount);
            }
            if (::chroot(plan.chroot_dir.c_str()) != 0) {
                child_fail(status_fd, kStepChroot);
            }
            break;
        case SpawnPlace::Host:
            break;
    }
}

/// setns(CLONE_NEWPID) applies to children only: the program runs in a grandchild; this
/// process reports its PID, waits for it and exits with its status. Returns in the grandchild.
void fork_into_pid_namespace(int status_fd) {
    const pid_t grandchild = ::fork();
    if (grandchild < 0) {
        child_fail(status_fd, kStepFork);
    }
    if (grandchild == 0) {
        return;
    }
    child_report(status_fd, kGrandchildPid, grandchild);
    // Hold no pipe end: the caller sees EOF when the program's side closes.
    close_fds_from(0, 0);
    int status = 0;
    while (::waitpid(grandchild, &status, 0) < 0 && errno == EINTR) {
    }
    ::_exit(WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status));
}

[[noreturn]] void run_child(const ChildPlan& plan, const ChildPipes& pipes) {
    reset_signals_in_child();
    const int status_fd = pipes.status_write.get();
    const int in_fd = move_fd_high(pipes.in_read.get());
    const int out_fd = move_fd_high(pipes.out_write.get());
    const int err_fd = move_fd_high(pipes.err_write.get());
    enter_place(plan, status_fd);
    if (plan.place == SpawnPlace::MachineNamespaces) {
        fork_into_pid_namespace(status_fd);
    }
    ::setsid();
    if (::chdir(plan.cwd.c_str()) != 0) {
        child_fail(status_fd, kStepChdir);
    }
    if (::dup2(in_fd, 0) < 0 || ::dup2(out_fd, 1) < 0 || ::dup2(err_fd, 2) < 0) {
        child_fail(status_fd, kStepExec);
    }
    close_fds_from(3, CLOSE_RANGE_CLOEXEC);
    int exec_errno = ENOENT;
    for (size_t i = 0; plan.candidates[i] != nullptr; ++i) {
        ::execve(plan.candidates[i], plan.argv.data(), plan.envp.data());
        if (errno != ENOENT && errno != ENOTDIR) {
            exec_errno = errno;
        }
    }
    errno = exec_errno;
    child_fail(status_fd, kStepExec);
}

// ---- the parent ----------------------------------------------------------------------------

int milliseconds_until(Clock::time_point when, Clock::time_point now) {
    return static_cast<int>(
               std::chrono::duration_cast<std::chrono::milliseconds>(when - now).count()) +
           1;
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

/// The parent's side of a spawned program until it is over: feeds its stdin, passes its output
/// on, reads the child's status messages, kills it at its time limit, and reaps it.
class ProgramWatch {
  public:
    ProgramWatch(const SpawnOptions& options, pid_t child, ChildPipes& pipes, ExecResult& result)
        : options_(options),
          child_(child),
          kill_group_(child),
          pipes_(pipes),
          result_(result),
          out_sink_(options, result.stdout_text, false),
          err_sink_(options, result.stderr_text, true),
          stdin_rest_(options.stdin_data ? std::string_view(*options.stdin_data) : "") {
        child_fd_.reset(pidfd_open(child));
        if (!child_fd_) {
            const auto error = errno_error("pidfd_open");
            ::kill(child, SIGKILL);
            ::waitpid(child, nullptr, 0);
            throw error;
        }
        for (int fd : {pipes.out_read.get(), pipes.err_read.get(), pipes.status_read.get(),
                       pipes.in_write.get()}) {
            if (fd >= 0) {
                set_nonblocking(fd);
            }
        }
        if (pipes.in_write && stdin_rest_.empty()) {
            pipes.in_write.reset();
        }
    }

    /// Runs until the program exited and its output closed, or the grace period after its
    /// exit passed; then reaps it and returns its wait status.
    int run() {
        while (true) {
            auto polls = poll_set();
            const auto wait_ms = next_wait_ms();
            if (!wait_ms) {
                break;
            }
            if (::poll(polls.data(), polls.size(), *wait_ms) < 0) {
                if (errno == EINTR) {
                    continue;
                }
                throw_errno("poll");
            }
            for (const auto& p : polls) {
                if (p.revents != 0) {
                    handle(p.fd);
                }
            }
        }
        if (!exited_) {
            reap();
        }
        out_sink_.finish();
        err_sink_.finish();
        return wait_status_;
    }

    OutputSink& err_sink() { return err_sink_; }
    const std::string& status_bytes() const { return status_bytes_; }

  private:
    std::vector<pollfd> poll_set() const {
        std::vector<pollfd> polls;
        for (int fd : {pipes_.out_read.get(), pipes_.err_read.get(), pipes_.status_read.get()}) {
            if (fd >= 0) {
                polls.push_back({fd, POLLIN, 0});
            }
        }
        if (pipes_.in_write) {
            polls.push_back({pipes_.in_write.get(), POLLOUT, 0});
        }
        if (!exited_) {
            polls.push_back({child_fd_.get(), POLLIN, 0});
        }
        return polls;
    }

    /// How long poll may wait (-1: no limit); nullopt when the watch is over. Kills the
    /// program at its time limit.
    std::optional<int> next_wait_ms() {
        const bool outputs_open = pipes_.out_read || pipes_.err_read || pipes_.status_read;
        if (exited_ && !outputs_open) {
            return std::nullopt;
        }
        const auto now = Clock::now();
        if (exited_) {
            const auto until = std::max(exited_at_, last_output_) + kOutputGrace;
            if (now >= until) {
                return std::nullopt;  // something the program started still holds its output
            }
            return milliseconds_until(until, now);
        }
        if (!options_.timeout || result_.timed_out) {
            return -1;
        }
        const auto deadline = start_ + *options_.timeout;
        if (now >= deadline) {
            result_.timed_out = true;
            ::kill(-kill_group_, SIGKILL);
            ::kill(kill_group_, SIGKILL);
            return -1;
        }
        return milliseconds_until(deadline, now);
    }

    void handle(int fd) {
        if (fd == child_fd_.get()) {
            reap();
            exited_ = true;
            exited_at_ = Clock::now();
        } else if (pipes_.in_write && fd == pipes_.in_write.get()) {
            feed_stdin();
        } else {
            read_from(fd == pipes_.out_read.get()   ? pipes_.out_read
                      : fd == pipes_.err_read.get() ? pipes_.err_read
                                                    : pipes_.status_read);
        }
    }

    void reap() {
        while (::waitpid(child_, &wait_status_, 0) < 0 && errno == EINTR) {
        }
    }

    void feed_stdin() {
        const ssize_t written = write_without_sigpipe(pipes_.in_write.get(), stdin_rest_);
        if (written > 0) {
            stdin_rest_.remove_prefix(static_cast<size_t>(written));
        }
        if (stdin_rest_.empty() || (written < 0 && errno != EAGAIN && errno != EINTR)) {
            pipes_.in_write.reset();
        }
    }

    void read_from(UniqueFd& source) {
        const ssize_t count = ::read(source.get(), buffer_.data(), buffer_.size());
        if (count > 0) {
            last_output_ = Clock::now();
            if (&source == &pipes_.out_read) {
                out_sink_.add(buffer_.data(), static_cast<size_t>(count));
            } else if (&source == &pipes_.err_read) {
                err_sink_.add(buffer_.data(), static_cast<size_t>(count));
            } else {
                add_status_bytes(static_cast<size_t>(count));
            }
        } else if (count == 0 || (errno != EAGAIN && errno != EINTR)) {
            source.reset();
        }
    }

    void add_status_bytes(size_t count) {
        status_bytes_.append(buffer_.data(), count);
        // Only the grandchild's PID matters before exit (for a timeout kill).
        for (size_t at = 0; at + 8 <= status_bytes_.size(); at += 8) {
            int message[2];
            std::memcpy(message, status_bytes_.data() + at, sizeof message);
            if (message[0] == kGrandchildPid) {
                kill_group_ = message[1];
            }
        }
    }

    const SpawnOptions& options_;
    pid_t child_;
    pid_t kill_group_;  ///< the process group of the program (its session leader)
    UniqueFd child_fd_;
    ChildPipes& pipes_;
    ExecResult& result_;
    OutputSink out_sink_;
    OutputSink err_sink_;
    std::string_view stdin_rest_;
    std::string status_bytes_;
    bool exited_ = false;
    int wait_status_ = 0;
    Clock::time_point start_ = Clock::now();
    Clock::time_point last_output_ = start_;
    Clock::time_point exited_at_ = start_;
    std::array<char, 65536> buffer_{};
};

/// The exit code, and what the child's failure messages say: a failure to enter the place
/// throws (the machine is gone or broken), a failure to run the program is the program's.
void report_outcome(const SpawnOptions& options, ProgramWatch& watch, int wait_status,
                    ExecResult& result) {
    if (WIFSIGNALED(wait_status)) {
        result.exit_code = 128 + WTERMSIG(wait_status);
    } else {
        result.exit_code = WEXITSTATUS(wait_status);
    }
    if (result.timed_out) {
        result.exit_code = 128 + SIGKILL;
    }
    const std::string& status_bytes = watch.status_bytes();
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
        watch.err_sink().line("jujusim: cannot run '" + options.argv[0] + "' (" + step_name(step) +
                              "): " + std::strerror(error));
        result.exit_code = (step == kStepExec && error != ENOENT) ? 126 : 127;
    }
}

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

namespace {

/// The child, started. A program on this host (a host-directory machine's hook) comes from a
/// vfork: the controller holds the whole model (thousands of units at cluster scale) and fork
/// would copy its page tables for every hook, a cost that grows with the model. The child only
/// reads the prepared plan and makes async-signal-safe calls until execve or _exit, which is
/// what vfork allows; signals stay blocked until it has reset every handler. The other places
/// fork: a PID namespace needs a second fork and a wait in the child.
pid_t start_child(const ChildPlan& plan, const ChildPipes& pipes) {
    if (plan.place != SpawnPlace::Host) {
        const pid_t child = ::fork();
        if (child == 0) {
            run_child(plan, pipes);
        }
        return child;
    }
    sigset_t all;
    sigset_t old;
    ::sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &old);
    const pid_t child = ::vfork();
    if (child == 0) {
        run_child(plan, pipes);
    }
    const int saved_errno = errno;
    ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
    errno = saved_errno;
    return child;
}

}  // namespace

ExecResult spawn_and_wait(const SpawnOptions& options) {
    if (options.argv.empty()) {
        throw std::invalid_argument("spawn: empty argv");
    }
    const ChildPlan plan(options);
    ChildPipes pipes(options.stdin_data.has_value());
    const pid_t child = start_child(plan, pipes);
    if (child < 0) {
        throw_errno("fork");
    }
    pipes.close_child_ends();
    ExecResult result;
    ProgramWatch watch(options, child, pipes, result);
    const int wait_status = watch.run();
    report_outcome(options, watch, wait_status, result);
    return result;
}

}  // namespace jujusim::sys
