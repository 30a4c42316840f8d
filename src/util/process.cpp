#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <system_error>
#include <thread>
#include <tuple>

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurmctld/util/fd.hpp>
#include <slurmctld/util/process.hpp>

extern char** environ;  // NOLINT(readability-redundant-declaration): POSIX declares it nowhere

namespace slurmctld::util {

namespace {

using Clock = std::chrono::steady_clock;

/// After SIGKILL, how long to wait for the pipes to close and the child to be reaped.
constexpr std::chrono::milliseconds kKillGrace{2000};
constexpr std::chrono::milliseconds kPollStep{5};
/// Where a child's exit is waited for without a pidfd (kernels before 5.3): a short step first,
/// as most programs here end within milliseconds of closing their output.
constexpr std::chrono::microseconds kReapStep{200};

std::string resolve_program(const std::string& name) {
    // Nothing in the charm or jujusim changes the environment while programs run.
    const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe)
    if (auto found = find_on_path(name, path != nullptr ? path : kDefaultSearchPath)) {
        return std::move(found).value();
    }
    throw std::system_error(std::make_error_code(std::errc::no_such_file_or_directory),
                            "cannot run '" + name + "': not found on PATH");
}

int decode_wait_status(int status) {
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}

std::string timeout_note(const std::string& program, std::chrono::milliseconds limit) {
    return program + ": no answer within " + std::to_string(limit.count()) +
           " ms; killed with its process group\n";
}

/// The child's environment: the caller's (when inherited) with `extra` over it.
std::vector<std::string> child_environment(const ProcessOptions& options) {
    std::vector<std::string> entries;
    if (options.inherit_environment) {
        for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
            const std::string_view text(*entry);
            const auto key = text.substr(0, text.find('='));
            if (!options.env.contains(std::string(key))) {
                entries.emplace_back(text);
            }
        }
    }
    for (const auto& [key, value] : options.env) {
        entries.push_back(key);
        entries.back().append("=").append(value);
    }
    return entries;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    pointers.reserve(strings.size() + 1);
    for (auto& text : strings) {
        pointers.push_back(text.data());
    }
    pointers.push_back(nullptr);
    return pointers;
}

/// posix_spawn's attribute and file-action objects, destroyed however the launch ends.
struct SpawnSetup {
    posix_spawnattr_t attributes{};
    posix_spawn_file_actions_t actions{};
    SpawnSetup() {
        ::posix_spawnattr_init(&attributes);
        ::posix_spawn_file_actions_init(&actions);
    }
    ~SpawnSetup() {
        ::posix_spawn_file_actions_destroy(&actions);
        ::posix_spawnattr_destroy(&attributes);
    }
    SpawnSetup(const SpawnSetup&) = delete;
    SpawnSetup& operator=(const SpawnSetup&) = delete;
};

/// The child's end of its standard streams, and the caller's.
struct ChildPipes {
    UniqueFd stdin_read, stdin_write, stdout_read, stdout_write, stderr_read, stderr_write;
};

ChildPipes make_child_pipes(bool with_stdin) {
    ChildPipes pipes;
    std::tie(pipes.stdout_read, pipes.stdout_write) = make_pipe();
    std::tie(pipes.stderr_read, pipes.stderr_write) = make_pipe();
    if (with_stdin) {
        std::tie(pipes.stdin_read, pipes.stdin_write) = make_pipe();
    }
    return pipes;
}

/// Starts the program (posix_spawn: the C library's vfork-like launch, which does not copy
/// this process's page tables) in a process group of its own with every signal at its default
/// and unblocked. Throws std::system_error when it cannot be started.
pid_t spawn(const std::string& program, const std::vector<std::string>& argv,
            const ProcessOptions& options, ChildPipes& pipes) {
    SpawnSetup setup;
    sigset_t none;
    sigset_t all;
    ::sigemptyset(&none);
    ::sigfillset(&all);
    ::posix_spawnattr_setflags(
        &setup.attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    ::posix_spawnattr_setpgroup(&setup.attributes, 0);
    ::posix_spawnattr_setsigmask(&setup.attributes, &none);
    ::posix_spawnattr_setsigdefault(&setup.attributes, &all);
    auto* actions = &setup.actions;
    if (pipes.stdin_read) {
        ::posix_spawn_file_actions_adddup2(actions, pipes.stdin_read.get(), STDIN_FILENO);
    } else {
        ::posix_spawn_file_actions_addopen(actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    }
    ::posix_spawn_file_actions_adddup2(actions, pipes.stdout_write.get(), STDOUT_FILENO);
    ::posix_spawn_file_actions_adddup2(actions, pipes.stderr_write.get(), STDERR_FILENO);
    if (options.working_directory) {
        ::posix_spawn_file_actions_addchdir_np(actions, options.working_directory->c_str());
    }
    auto args = argv;
    args[0] = program;  // the path that runs: what ps and apt's history log show
    auto env = child_environment(options);
    const auto arg_pointers = c_strings(args);
    const auto env_pointers = c_strings(env);
    pid_t pid = -1;
    const int error = ::posix_spawn(&pid, program.c_str(), actions, &setup.attributes,
                                    arg_pointers.data(), env_pointers.data());
    if (error != 0) {
        throw std::system_error(error, std::generic_category(), "cannot run '" + argv[0] + "'");
    }
    return pid;
}

/// Waits for the child's exit (its pidfd readable, or polled without one) until `deadline`;
/// true when it can be reaped now.
bool wait_exit(pid_t pid, int pidfd, Clock::time_point deadline) {
    for (;;) {
        siginfo_t info{};
        if (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
            info.si_pid == pid) {
            return true;
        }
        const auto now = Clock::now();
        if (now >= deadline) {
            return false;
        }
        if (pidfd >= 0) {
            pollfd entry{pidfd, POLLIN, 0};
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
            ::poll(&entry, 1, static_cast<int>(left.count()));
        } else {
            std::this_thread::sleep_for(kReapStep);
        }
    }
}

}  // namespace

std::vector<std::string> path_candidates(std::string_view name, std::string_view search_path) {
    if (name.find('/') != std::string_view::npos) {
        return {std::string(name)};
    }
    std::vector<std::string> candidates;
    while (true) {
        const auto colon = search_path.find(':');
        const auto dir = search_path.substr(0, colon);
        std::string candidate = dir.empty() ? std::string(".") : std::string(dir);
        candidate.append("/").append(name);
        candidates.push_back(std::move(candidate));
        if (colon == std::string_view::npos) {
            return candidates;
        }
        search_path.remove_prefix(colon + 1);
    }
}

std::optional<std::string> find_on_path(std::string_view name, std::string_view search_path) {
    for (auto& candidate : path_candidates(name, search_path)) {
        struct stat status {};
        if (::stat(candidate.c_str(), &status) == 0 && S_ISREG(status.st_mode) &&
            ::access(candidate.c_str(), X_OK) == 0) {
            return std::move(candidate);
        }
    }
    return std::nullopt;
}

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (argv.empty()) {
        throw std::invalid_argument("run_process: empty argv");
    }
    const auto program = resolve_program(argv[0]);
    const auto limit = options.timeout.value_or(kDefaultProcessTimeout);
    const auto deadline = Clock::now() + limit;

    auto pipes = make_child_pipes(options.stdin_data.has_value());
    const pid_t pid = spawn(program, argv, options, pipes);
    pipes.stdin_read.reset();
    pipes.stdout_write.reset();
    pipes.stderr_write.reset();
    const UniqueFd pidfd(pidfd_open(pid));

    // Both pipes are drained and stdin fed in one poll loop, so a chatty child never blocks on
    // a full pipe. The program is done when it closed its output and exited; a daemon it left
    // holding the pipes counts as still running (and is killed with the group at the limit).
    ProcessResult result;
    std::string_view to_write = options.stdin_data ? *options.stdin_data : std::string_view();
    if (pipes.stdin_write) {
        set_nonblocking(pipes.stdin_write.get());
        if (to_write.empty()) {
            pipes.stdin_write.reset();
        }
    }
    std::array<char, 65536> buffer{};
    while (pipes.stdout_read || pipes.stderr_read || pipes.stdin_write) {
        std::array<pollfd, 3> entries{};
        std::array<UniqueFd*, 3> owners{};
        std::size_t count = 0;
        for (auto* fd : {&pipes.stdout_read, &pipes.stderr_read}) {
            if (*fd) {
                owners[count] = fd;
                entries[count++] = {fd->get(), POLLIN, 0};
            }
        }
        if (pipes.stdin_write) {
            owners[count] = &pipes.stdin_write;
            entries[count++] = {pipes.stdin_write.get(), POLLOUT, 0};
        }
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            break;
        }
        const int ready = ::poll(entries.data(), count, static_cast<int>(left.count()));
        if (ready < 0 && errno != EINTR) {
            const int error = errno;
            ::kill(-pid, SIGKILL);
            throw std::system_error(error, std::generic_category(), "poll");
        }
        for (std::size_t index = 0; ready > 0 && index < count; ++index) {
            if (entries[index].revents == 0) {
                continue;
            }
            auto& fd = *owners[index];
            if (&fd == &pipes.stdin_write) {
                const ssize_t written = write_without_sigpipe(fd.get(), to_write);
                if (written > 0) {
                    to_write.remove_prefix(static_cast<std::size_t>(written));
                }
                if (to_write.empty() || (written < 0 && errno != EAGAIN && errno != EINTR)) {
                    fd.reset();  // all given, or the child closed its stdin
                }
                continue;
            }
            const ssize_t got = ::read(fd.get(), buffer.data(), buffer.size());
            if (got > 0) {
                auto& text = &fd == &pipes.stdout_read ? result.stdout_text : result.stderr_text;
                text.append(buffer.data(), static_cast<std::size_t>(got));
            } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                fd.reset();
            }
        }
    }
    if (!result.timed_out && !wait_exit(pid, pidfd.get(), deadline)) {
        result.timed_out = true;  // it closed its output but went on running
    }
    if (result.timed_out) {
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
    }
    int status = 0;
    const bool exited =
        wait_exit(pid, pidfd.get(),
                  Clock::now() + (result.timed_out ? kKillGrace : std::chrono::milliseconds(0)));
    if (exited) {
        ::waitpid(pid, &status, 0);
    }
    // Otherwise: stuck in the kernel (a hung mount); never block the caller on it.
    if (result.timed_out) {
        result.exit_code = kTimeoutExitCode;
        result.stderr_text += timeout_note(argv[0], limit);
    } else {
        result.exit_code = decode_wait_status(status);
    }
    return result;
}

std::string describe_command(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& arg : argv) {
        if (!text.empty()) {
            text += ' ';
        }
        text += arg;
    }
    return text;
}

ChildResult run_in_child(const std::function<int(int output_fd)>& body,
                         std::chrono::milliseconds timeout, std::size_t max_output) {
    auto [read_end, write_end] = make_pipe();
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::system_error(errno, std::generic_category(), "fork");
    }
    if (pid == 0) {
        ::close(read_end.get());
        int code = 125;
        try {
            code = body(write_end.get());
        } catch (...) {
        }
        ::_exit(code);
    }
    write_end.reset();
    const auto deadline = Clock::now() + timeout;
    const auto remaining_ms = [&deadline] {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        return static_cast<int>(std::max<std::int64_t>(0, left.count()));
    };
    ChildResult result;
    char buffer[4096];
    for (;;) {
        pollfd entry{read_end.get(), POLLIN, 0};
        const int ready = ::poll(&entry, 1, remaining_ms());
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            result.timed_out = true;
            break;
        }
        const ssize_t count = ::read(read_end.get(), buffer, sizeof buffer);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            break;
        }
        const auto room = max_output - std::min(max_output, result.output.size());
        result.output.append(buffer, std::min(room, static_cast<std::size_t>(count)));
    }
    int status = 0;
    pid_t reaped = 0;
    while (!result.timed_out && (reaped = ::waitpid(pid, &status, WNOHANG)) == 0) {
        if (Clock::now() >= deadline) {
            result.timed_out = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (result.timed_out) {
        ::kill(pid, SIGKILL);
        const auto reap_deadline = Clock::now() + kKillGrace;
        while ((reaped = ::waitpid(pid, &status, WNOHANG)) == 0 && Clock::now() < reap_deadline) {
            std::this_thread::sleep_for(kPollStep);
        }
        result.reaped = reaped == pid;
        result.exit_code = kTimeoutExitCode;
        return result;
    }
    result.exit_code = reaped == pid ? decode_wait_status(status) : -1;
    return result;
}

}  // namespace slurmctld::util
