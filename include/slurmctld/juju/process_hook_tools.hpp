// The real HookTools: each method runs its hook tool once, with exactly the command line that
// hook_tools.hpp documents, through util::run_process (argv vector, no shell), and parses Juju's
// Go-JSON answer. Every command line is checked against Juju's hook-tool table
// (hook_tool_table.hpp) before it runs. Errors map to HookToolError (tool, exit code, stderr);
// the documented "absent" answers map to std::nullopt or empty values instead.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <slurmctld/juju/hook_tools.hpp>

namespace slurmctld::juju {

struct ProcessHookToolsOptions {
    /// Directory holding the tools. Empty: look each tool up on PATH (Juju puts its tools
    /// directory first on a hook's PATH).
    std::filesystem::path tool_dir;
    /// Extra environment for the tools (tests point fake tools at their world this way).
    std::map<std::string, std::string> env;
    /// Where secret-add/secret-set write their content files (a fresh 0700 directory is made
    /// inside). Empty: $TMPDIR, else /tmp.
    std::filesystem::path temp_dir;
    /// Kill a tool that runs longer than this. Juju's tools answer in milliseconds; one that
    /// does not (a stuck agent) fails the hook with a retryable HookToolError instead of
    /// blocking it for ever. nullopt = wait.
    std::optional<std::chrono::milliseconds> timeout = kDefaultToolTimeout;

    static constexpr std::chrono::milliseconds kDefaultToolTimeout{60'000};
};

class ProcessHookTools final : public HookTools {
  public:
    explicit ProcessHookTools(ProcessHookToolsOptions options = {});

    SLURMCTLD_HOOK_TOOL_METHODS(SLURMCTLD_HOOK_TOOL_OVERRIDE)

  private:
    struct Answer {
        int exit_code = 0;
        std::string stdout_text;
        std::string stderr_text;
    };

    /// Runs `tool args...`; stdin_data (when set) is written to the tool's stdin and the pipe
    /// closed, else stdin is /dev/null. Never throws for a non-zero exit.
    Answer run(const std::string& tool, const std::vector<std::string>& args,
               const std::optional<std::string>& stdin_data = std::nullopt);
    /// run() that throws HookToolError unless the tool exits 0; returns stdout.
    std::string call(const std::string& tool, const std::vector<std::string>& args,
                     const std::optional<std::string>& stdin_data = std::nullopt);
    /// call() whose stdout is parsed as JSON (a parse failure is a HookToolError too).
    nlohmann::json call_json(const std::string& tool, const std::vector<std::string>& args);

    ProcessHookToolsOptions options_;
};

}  // namespace slurmctld::juju
