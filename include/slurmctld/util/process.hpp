// Running external programs without a shell (argv in, exit code and captured output out), and
// running a piece of this program in a forked child, both with a time limit that is always
// set: a hung mount, package manager or controller must never hang the caller.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slurmctld::util {

/// The search path where nothing sets PATH (systemd's, and a machine's login default).
inline constexpr std::string_view kDefaultSearchPath =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// The paths execvp would try for `name`, in order: `name` itself when it has a '/', else
/// `<dir>/<name>` for each directory of `search_path` (an empty entry is "."). No file system
/// access: a child between fork and exec may use the list.
std::vector<std::string> path_candidates(std::string_view name, std::string_view search_path);
/// The first of path_candidates() that is an executable file; nullopt when none is.
std::optional<std::string> find_on_path(std::string_view name, std::string_view search_path);

/// How long a program may run when the caller names no limit.
inline constexpr std::chrono::milliseconds kDefaultProcessTimeout{std::chrono::seconds(60)};
/// The exit code of a program killed at its time limit, as timeout(1) reports it.
inline constexpr int kTimeoutExitCode = 124;

struct ProcessOptions {
    /// Bytes written to the child's stdin, which is then closed. nullopt: stdin is /dev/null.
    std::optional<std::string> stdin_data;
    /// The child and everything it started in its process group are killed (SIGKILL) when it
    /// runs longer than this. There is no "forever": nullopt means kDefaultProcessTimeout.
    std::optional<std::chrono::milliseconds> timeout = kDefaultProcessTimeout;
    /// Extra or overriding environment variables.
    std::map<std::string, std::string> env;
    /// false: the child's environment is `env` alone; true: `env` over the caller's.
    bool inherit_environment = true;
    /// Where the child starts; nullopt: the caller's working directory.
    std::optional<std::filesystem::path> working_directory;
};

struct ProcessResult {
    /// Exit status, 128+signal when killed by a signal, kTimeoutExitCode when timed out.
    int exit_code = -1;
    /// Killed at the time limit; stderr_text then ends with a line saying so.
    bool timed_out = false;
    std::string stdout_text;
    std::string stderr_text;
};

/// Runs argv[0] (looked up on PATH unless it contains a '/') with the given arguments, in a
/// process group of its own. Throws std::system_error only when the program cannot be started.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// argv joined with spaces for log lines (no quoting: it is never run by a shell).
std::string describe_command(const std::vector<std::string>& argv);

struct ChildResult {
    /// The body's return value, 128+signal when killed by a signal, kTimeoutExitCode when
    /// timed out.
    int exit_code = -1;
    bool timed_out = false;
    /// False when a timed-out child could not be reaped within a short grace period (a
    /// process in uninterruptible file-system I/O dies only when the I/O ends); it is left
    /// behind and the caller goes on.
    bool reaped = true;
    std::string output;  ///< what the body wrote to its output descriptor (up to the limit)
};

/// Runs `body` in a forked child and waits at most `timeout` for it to exit; it then gets
/// SIGKILL. The body writes its answer to the descriptor it is given and returns the child's
/// exit code. When the caller has other threads, the body may only make async-signal-safe
/// calls: prepare paths and buffers before. Throws std::system_error when fork fails.
ChildResult run_in_child(const std::function<int(int output_fd)>& body,
                         std::chrono::milliseconds timeout,
                         std::size_t max_output = std::size_t{1} << 20);

}  // namespace slurmctld::util
