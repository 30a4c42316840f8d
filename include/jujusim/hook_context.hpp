// A hook run in progress, as the agent and the tool server share it: its buffered writes
// (committed only when the hook exits 0), its read snapshot, its tool calls; and what a CLI verb
// or a hook tool answers.
#pragma once

#include <atomic>
#include <map>
#include <memory>
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

/// A secret change a hook tool made, applied when the hook exits 0 (secret_commit.cpp).
struct SecretOp {
    enum class Kind { Add, Set, Grant, Revoke, Remove };
    Kind kind = Kind::Add;
    std::string id;
    // Add: the new secret's owner.
    std::string owner;
    bool unit_owned = false;
    // Add (every one), Set (those given).
    std::optional<json> content;
    std::optional<std::string> label;
    std::optional<std::string> description;
    std::optional<std::string> rotate;
    std::optional<double> expire_at;  ///< --expire: when the revision it names expires
    // Grant (both), Revoke (one of them: a target, or a relation when the target is empty).
    int relation_id = -1;
    std::string target;
    // Remove: one revision, or 0 for the whole secret.
    long revision = 0;
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
    std::vector<SecretOp> secret_ops;                        ///< applied in order on commit
    std::vector<std::pair<bool, std::string>> port_changes;  ///< (open?, "80/tcp")

    std::map<std::string, Databag> relation_cache;  ///< "<id>/<unit-or-app>"
    std::optional<json> config_snapshot;
    std::optional<bool> leader_cached;
    json action_results = json::object();
    bool action_failed = false;
    std::string action_fail_message;
    std::vector<json> tool_calls;
    /// test-kill-hook's `after=<text>` for this hook (set before it runs), and whether the
    /// hook's output has shown it (set by the output reader, read by the tool server).
    std::string kill_after_text;
    std::shared_ptr<std::atomic<bool>> kill_after_seen = std::make_shared<std::atomic<bool>>();
    /// Files named on the current tool's command line, read by jujuc inside the machine.
    std::map<std::string, std::string> files;
};

}  // namespace jujusim
