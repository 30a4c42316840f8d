// A hook run in progress, as the agent and the tool server share it: its buffered writes
// (committed only when the hook exits 0), its read snapshot, its tool calls; and what a CLI verb
// or a hook tool answers.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <jujusim/model.hpp>

namespace jujusim {

/// What a CLI verb or a hook tool answers.
struct CommandResult {
    int exit_code = 0;
    std::string out;
    std::string err;
};

/// A hook run in progress: its buffered writes, its read snapshot, its tool calls.
struct HookContext {
    std::string unit;
    Op op;
    std::string context_id;
    bool is_action = false;
    bool is_exec = false;

    struct RelationWrites {
        Databag unit;
        Databag app;
        bool app_written = false;
    };
    std::map<int, RelationWrites> relation_writes;
    std::map<std::string, std::optional<std::string>> state_writes;
    std::vector<json> secret_ops;                            ///< applied in order on commit
    std::vector<std::pair<bool, std::string>> port_changes;  ///< (open?, "80/tcp")

    std::map<std::string, Databag> relation_cache;  ///< "<id>/<unit-or-app>"
    std::optional<json> config_snapshot;
    std::optional<bool> leader_cached;
    json action_results = json::object();
    bool action_failed = false;
    std::string action_fail_message;
    std::vector<json> tool_calls;
    /// Files named on the current tool's command line, read by jujuc inside the machine.
    std::map<std::string, std::string> files;
};

}  // namespace jujusim
