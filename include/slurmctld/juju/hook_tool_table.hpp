// Juju's hook tools as data (reference: juju.md §2, juju/juju jujuc/*.go): one row per
// tool with its flags, argument rules, output format and whether its effect waits for the hook
// to succeed, plus the parsing, output and error helpers every implementation shares.
// ProcessHookTools checks each command line it builds against the table; the test fakes
// (FakeHookTools' fake-hook-tool) and jujusim's tool server parse every call with it and
// answer with its messages, so the three cannot drift apart.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <slurmctld/juju/gnuflag.hpp>
#include <slurmctld/juju/hook_tools.hpp>

namespace slurmctld::juju {

/// Juju's cmd.Main exit codes for a hook tool.
inline constexpr int kToolSuccess = 0;
inline constexpr int kToolRunError = 1;    ///< Run failed (not leader, not found, ...)
inline constexpr int kToolUsageError = 2;  ///< flag parsing or Init (bad arguments)

/// How tool servers group the tools (goops/ops style); one handler module per family.
enum class ToolFamily {
    Relation,    ///< relation-ids/list/get/set, relation-model-get
    Leadership,  ///< is-leader, leader-get, leader-set
    Config,      ///< config-get
    Status,      ///< status-set, status-get, application-version-set
    Logging,     ///< juju-log
    Action,      ///< action-get/set/fail/log
    Secret,      ///< secret-*
    State,       ///< state-get/set/delete
    GoalState,   ///< goal-state
    Network,     ///< open-port, close-port, opened-ports, unit-get, network-get
    Machine,     ///< juju-reboot, credential-get, storage-*, resource-get
};

struct ToolFlag {
    std::vector<std::string> names;  ///< without dashes, the canonical name first
    bool is_bool = false;
    std::string default_value;
};

struct HookToolSpec {
    std::string name;
    ToolFamily family = ToolFamily::Machine;
    std::vector<ToolFlag> flags;  ///< --format and -o/--output included for tools that print
    /// "smart" or "yaml" for tools that print (they take --format and -o); "" otherwise.
    std::string default_format;
    /// Positionals: fewer than min_args is a usage error with missing_args (when Juju's check
    /// does not depend on the hook context); more than max_args (-1: any number) is
    /// `unrecognized args: [...]`.
    int min_args = 0;
    int max_args = -1;
    std::string missing_args;
    /// Its effect is committed only when the hook exits 0 (juju.md §2.18).
    bool transactional = false;

    bool prints() const { return !default_format.empty(); }
    const ToolFlag* flag(std::string_view flag_name) const;
};

/// Every tool, sorted by name (the names a unit's tools directory holds).
const std::vector<HookToolSpec>& hook_tool_table();
/// The row of `name`, or nullptr for a tool Juju does not have.
const HookToolSpec* find_hook_tool(std::string_view name);
/// The row of `name`; throws std::out_of_range for an unknown tool.
const HookToolSpec& hook_tool(std::string_view name);
std::vector<std::string> hook_tool_names();

/// A tool call read with its row.
struct ToolArgs {
    const HookToolSpec* spec = nullptr;
    FlagSet flags;
    const std::vector<std::string>& args() const { return flags.positional; }
    /// The --format value (checked at parse time); the tool's default when not given.
    std::string format() const;
    /// `value` printed in format() (json gets its trailing newline). Object members print in
    /// the value's order: sorted for a json (Go maps), as built for an ordered_json (structs).
    std::string output(const nlohmann::ordered_json& value) const;
};

/// Parses `args` (argv after the tool name) with the tool's row: unknown flags, missing flag
/// values, bad bools, an unknown --format and the positional counts are usage errors
/// (HookToolError, exit 2, gnuflag's / Juju's message).
ToolArgs parse_tool_args(const HookToolSpec& spec, const std::vector<std::string>& args);

// ---- errors: "ERROR <message>\n" on stderr with Juju's exit codes -------------------------

[[noreturn]] void throw_usage_error(std::string_view tool, std::string_view message);
[[noreturn]] void throw_run_error(std::string_view tool, std::string_view message);

/// Juju's messages, shared so every implementation words them alike.
namespace tool_message {
inline constexpr std::string_view kNoRelationId = "no relation id specified";
inline constexpr std::string_view kNotLeader = "this unit is not the leader";
inline constexpr std::string_view kCannotWriteRelation = "cannot write relation settings";
inline constexpr std::string_view kLeaderSetNotLeader =
    "cannot write leadership settings: cannot write settings: not the leader";
inline constexpr std::string_view kPermissionDenied = "permission denied";
inline constexpr std::string_view kNotRunningAction = "not running an action";
inline constexpr std::string_view kNoUnitOrApp = "no unit or application specified";
inline constexpr std::string_view kNoEndpoint = "no endpoint name specified";
inline constexpr std::string_view kActionFailDefault =
    "action failed without reason given, check action for errors";
/// `unrecognized args: ["a" "b"]` (cmd.CheckEmpty).
std::string unrecognized_args(const std::vector<std::string>& rest);
std::string invalid_relation_id(std::string_view text);  ///< for option -r
std::string relation_not_found(std::string_view text);   ///< for option -r
std::string secret_not_found(std::string_view id_or_label);
std::string invalid_status(std::string_view status);
}  // namespace tool_message

/// Usage error unless args[from..] is empty (cmd.CheckEmpty).
void check_empty(std::string_view tool, const std::vector<std::string>& args, std::size_t from);

// ---- argument rules shared by the implementations ------------------------------------------

/// The -r/--relation value: "N" or "<anything>:N"; a usage error (invalid relation id) else.
RelationId parse_relation_flag(std::string_view tool, const std::string& text);

/// keyvalues.Parse(args, true): "k=v" pairs, whitespace around keys and values trimmed, a
/// repeated key refused (usage errors).
std::map<std::string, std::string> parse_key_values(std::string_view tool,
                                                    const std::vector<std::string>& args);

/// A `--file` payload (yaml.v2 into map[string]string): every scalar as its text, null as "",
/// anything else a run error.
std::map<std::string, std::string> parse_settings_yaml(std::string_view tool,
                                                       const std::string& text);

/// action-set's "a.b.c=v" arguments, checked with Juju's key rule and reserved keys (usage
/// errors), merged into one nested object of strings.
nlohmann::json parse_action_results(std::string_view tool, const std::vector<std::string>& args);

/// open-port/close-port's argument (network.ParsePortRange): "<port>[/<protocol>]",
/// "<from>-<to>[/<protocol>]" or "icmp", case-insensitive, tcp by default; returned as Juju
/// lists it ("8080/tcp"). Anything else is a usage error with Juju's message.
std::string parse_port_range(std::string_view tool, const std::string& text);

/// Juju's rule for secret content keys (secrets.keyRegExp); it also keeps a key from naming a
/// path anywhere.
bool is_valid_secret_key(std::string_view key);

/// secret-add / secret-set content arguments as secrets.CreateSecretData reads them: "key=value"
/// (the value may not be empty), "key#base64=<Go StdEncoding>" and "key#file=<path>", the key
/// checked with Juju's rule. Usage errors with Juju's messages (`key value "<arg>" not valid`,
/// `key "<key>" not valid`); base64 that does not decode is a run error ("illegal base64
/// data"). `read_file` reads a key#file path where the tool runs (each implementation its own
/// way) and throws the tool's error when it cannot.
SecretContent parse_secret_content(std::string_view tool, const std::vector<std::string>& args,
                                   const std::function<std::string(const std::string&)>& read_file);

/// The paths a call of `tool` reads on the unit's machine: its --file value and every
/// key#file=<path> content argument. A call that does not parse reads none (its usage error is
/// reported where it runs).
std::vector<std::string> paths_read_by(std::string_view tool, const std::vector<std::string>& args);

/// The bare id of "secret:<id>", "secret://<model>/<id>" or "<id>".
std::string bare_secret_id(std::string_view id_or_uri);

}  // namespace slurmctld::juju
