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

    std::vector<RelationId> relation_ids(std::string_view endpoint) override;
    std::vector<std::string> relation_list(const RelationId& relation) override;
    std::string relation_list_app(const RelationId& relation) override;
    Databag relation_get(const RelationId& relation, std::string_view unit) override;
    Databag relation_get_app(const RelationId& relation, std::string_view app) override;
    std::optional<std::string> relation_get_key(const RelationId& relation, std::string_view key,
                                                std::string_view unit_or_app, bool app) override;
    void relation_set(const RelationId& relation, const Databag& changes, bool app) override;

    bool is_leader() override;
    Databag leader_get() override;
    void leader_set(const Databag& changes) override;

    nlohmann::json config_get() override;

    void status_set(WorkloadState state, std::string_view message, bool application) override;
    Status status_get(bool application) override;
    void application_version_set(std::string_view version) override;
    void juju_log(LogLevel level, std::string_view message) override;

    nlohmann::json action_get() override;
    void action_set(const std::map<std::string, std::string>& results) override;
    void action_fail(std::string_view message) override;
    void action_log(std::string_view message) override;

    std::string secret_add(const SecretContent& content, const SecretAddOptions& options) override;
    std::optional<SecretContent> secret_get(const SecretRef& secret,
                                            const SecretGetOptions& options) override;
    void secret_set(std::string_view id, const SecretContent& content) override;
    void secret_grant(std::string_view id, const RelationId& relation,
                      std::optional<std::string> unit) override;
    void secret_revoke(std::string_view id, const RelationId& relation,
                       std::optional<std::string> unit) override;
    void secret_remove(std::string_view id, std::optional<int> revision) override;
    std::optional<SecretInfo> secret_info_get(const SecretRef& secret) override;
    std::vector<std::string> secret_ids() override;

    std::map<std::string, std::string> state_get() override;
    void state_set(const std::map<std::string, std::string>& changes) override;
    void state_delete(std::string_view key) override;

    GoalState goal_state() override;
    void open_port(int port, std::string_view protocol) override;
    void close_port(int port, std::string_view protocol) override;
    std::vector<std::string> opened_ports() override;
    std::string unit_get(std::string_view setting) override;
    NetworkInfo network_get(std::string_view binding) override;

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
