// Running external programs without a shell: argv in, exit code and captured output out.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace slurmctld::util {

struct ProcessOptions {
    /// Bytes written to the child's stdin, which is then closed. nullopt: stdin is /dev/null.
    std::optional<std::string> stdin_data;
    /// Kill the child (SIGKILL) when it runs longer than this. nullopt: wait forever.
    std::optional<std::chrono::milliseconds> timeout;
    /// Extra or overriding environment variables; the rest of the environment is inherited.
    std::map<std::string, std::string> env;
};

struct ProcessResult {
    int exit_code = -1;  ///< exit status, or 128+signal when killed by a signal
    bool timed_out = false;
    std::string stdout_text;
    std::string stderr_text;
};

/// Runs argv[0] (looked up on PATH unless it contains a '/') with the given arguments.
/// Throws std::system_error only when the program cannot be started at all.
ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// argv joined with spaces for log lines (no quoting: it is never run by a shell).
std::string describe_command(const std::vector<std::string>& argv);

}  // namespace slurmctld::util
