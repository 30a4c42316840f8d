// The charm's only door to Juju: one method per hook tool, 1:1 with the command line that
// juju.md §2 gives for it (ops' forms, always --format=json where the tool prints).
// ProcessHookTools runs the real tools; CachingHookTools gives a hook Juju's snapshot semantics;
// tests use a stateful fake (tests/support/fake_hook_tools.hpp) that holds a model of Juju state.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace slurmctld::juju {

/// Keys and values of one relation databag (Juju stores plain strings).
using Databag = std::map<std::string, std::string>;

/// A relation as hook tools name it: "<endpoint>:<id>" (ids are model-wide integers).
struct RelationId {
    std::string endpoint;
    int id = -1;

    /// "slurmd:3" -> {slurmd, 3}; also accepts a bare "3" (endpoint left empty). Like Juju, the id
    /// is the text after the last ':'. Throws std::invalid_argument on anything else.
    static RelationId parse(std::string_view text);
    /// "slurmd:3", or "3" when the endpoint is unknown.
    std::string str() const;
    auto operator<=>(const RelationId&) const = default;
};

enum class LogLevel { Debug, Info, Warning, Error };

/// The states a charm may set with status-set.
enum class WorkloadState { Maintenance, Blocked, Waiting, Active };

std::string_view to_string(WorkloadState state);  ///< "maintenance", "blocked", ...
std::string_view to_string(LogLevel level);       ///< "DEBUG", "INFO", "WARNING", "ERROR"
/// "active" -> Active; nullopt for anything status-set does not accept.
std::optional<WorkloadState> parse_workload_state(std::string_view text);

/// A status as status-get reports it (state may also be "unknown", "error", "terminated").
struct Status {
    std::string state;
    std::string message;
    auto operator<=>(const Status&) const = default;
};

using SecretContent = std::map<std::string, std::string>;

// The option structs below are aggregates; their factories exist because g++ warns
// (-Wmissing-field-initializers, an error here) on designated initializers that leave fields out.

/// Names a secret by URI, by label, or (consumer side) by URI plus the label to remember.
struct SecretRef {
    std::string id;
    std::string label;

    static SecretRef by_id(std::string id) { return {std::move(id), {}}; }
    static SecretRef by_label(std::string label) { return {{}, std::move(label)}; }
};

struct SecretAddOptions {
    std::string label;
    std::string description;
    std::string owner = "application";  ///< "application" or "unit"

    static SecretAddOptions app_owned(std::string label) {
        return {std::move(label), {}, "application"};
    }
    static SecretAddOptions unit_owned(std::string label) { return {std::move(label), {}, "unit"}; }
};

struct SecretGetOptions {
    bool refresh = false;  ///< return the latest revision and start tracking it
    bool peek = false;     ///< return the latest revision without tracking it

    static SecretGetOptions tracked() { return {false, false}; }
    static SecretGetOptions refreshing() { return {true, false}; }
    static SecretGetOptions peeking() { return {false, true}; }
};

struct SecretInfo {
    std::string id;  ///< as secret-info-get keys it (bare id)
    int revision = 0;
    std::string label;
    std::string owner;  ///< "application" or "unit"
    std::string description;
};

/// goal-state: units of this application and, per endpoint, the related units/apps.
struct GoalState {
    struct Entry {
        std::string status;
        std::string since;
    };
    std::map<std::string, Entry> units;
    std::map<std::string, std::map<std::string, Entry>> relations;

    /// Units of this application that are not dying (ops' planned_units()).
    int planned_units() const;
};

struct NetworkInfo {
    std::vector<std::string> ingress_addresses;
    std::vector<std::string> egress_subnets;
    std::vector<std::string> bind_addresses;  ///< the "value" of every bind address
};

/// A hook tool call that did not give an answer: the tool exited non-zero (1: runtime error,
/// 2: usage error, 128 + signal: killed), could not be run at all, or printed an answer that
/// cannot be read. stderr_text is what it printed ("ERROR <message>\n") or what went wrong; it
/// never holds secret content (that travels in files).
class HookToolError : public std::runtime_error {
  public:
    enum class Failure {
        Exited,     ///< it ran and exited with exit_code()
        NotRun,     ///< it could not be started (or answer in time); exit_code() is -1
        BadOutput,  ///< it exited 0 but its output is not what the tool prints; exit_code() is 0
    };

    /// The tool exited with `exit_code` (non-zero).
    HookToolError(std::string tool, int exit_code, std::string stderr_text);
    static HookToolError not_run(std::string tool, std::string why);
    static HookToolError bad_output(std::string tool, std::string why);

    const std::string& tool() const { return tool_; }
    Failure failure() const { return failure_; }
    int exit_code() const { return exit_code_; }
    const std::string& stderr_text() const { return stderr_; }

  private:
    HookToolError(Failure failure, std::string tool, int exit_code, std::string stderr_text);

    Failure failure_;
    std::string tool_;
    int exit_code_;
    std::string stderr_;
};

/// The unit's own key-value store (state-get / state-set).
using UnitState = std::map<std::string, std::string>;

/// Every HookTools method, one row per hook tool: X(return type, name, (parameters)), under the
/// command line it runs. HookTools below and each implementation (ProcessHookTools,
/// CachingHookTools, the tests' FakeHookTools) declare their methods from this one list with
/// SLURMCTLD_HOOK_TOOL_OVERRIDE, so a method is added or changed in one place. Types are named
/// as in namespace slurmctld::juju.
#define SLURMCTLD_HOOK_TOOL_METHODS(X)                                                            \
    /* relation-ids <endpoint> --format=json */                                                   \
    X(std::vector<RelationId>, relation_ids, (std::string_view endpoint))                         \
    /* relation-list --format=json -r <relation>   (remote units in scope, sorted) */             \
    X(std::vector<std::string>, relation_list, (const RelationId& relation))                      \
    /* relation-list --format=json -r <relation> --app   (the remote application's name) */       \
    X(std::string, relation_list_app, (const RelationId& relation))                               \
    /* relation-get --format=json -r <relation> - <unit> */                                       \
    X(Databag, relation_get, (const RelationId& relation, std::string_view unit))                 \
    /* relation-get --format=json -r <relation> --app - <app> */                                  \
    X(Databag, relation_get_app, (const RelationId& relation, std::string_view app))              \
    /* relation-get --format=json -r <relation> [--app] <key> <unit-or-app>; nullopt = unset */   \
    X(std::optional<std::string>, relation_get_key,                                               \
      (const RelationId& relation, std::string_view key, std::string_view unit_or_app, bool app)) \
    /* relation-set -r <relation> [--app] --file -   (JSON map on stdin; "" deletes a key) */     \
    X(void, relation_set, (const RelationId& relation, const Databag& changes, bool app))         \
    /* is-leader --format=json */                                                                 \
    X(bool, is_leader, ())                                                                        \
    /* leader-get --format=json */                                                                \
    X(Databag, leader_get, ())                                                                    \
    /* leader-set <key>=<value>...   (Juju's leader-set has no --file; Juju trims whitespace */   \
    /* around values, "" deletes. Immediate, not transactional. Deprecated; gone in Juju 4.) */   \
    X(void, leader_set, (const Databag& changes))                                                 \
    /* config-get --format=json   (all options that are set or have a default) */                 \
    X(nlohmann::json, config_get, ())                                                             \
    /* status-set --application=<True|False> <state> -- <message> */                              \
    X(void, status_set, (WorkloadState state, std::string_view message, bool application))        \
    /* status-get --include-data --format=json --application=<true|false> */                      \
    X(Status, status_get, (bool application))                                                     \
    /* application-version-set -- <version> */                                                    \
    X(void, application_version_set, (std::string_view version))                                  \
    /* juju-log --log-level <LEVEL> -- <message> */                                               \
    X(void, juju_log, (LogLevel level, std::string_view message))                                 \
    /* action-get --format=json */                                                                \
    X(nlohmann::json, action_get, ())                                                             \
    /* action-set <key>=<value>...   (keys may be dotted; values are strings) */                  \
    X(void, action_set, (const std::map<std::string, std::string>& results))                      \
    /* action-fail -- <message> */                                                                \
    X(void, action_fail, (std::string_view message))                                              \
    /* action-log -- <message> */                                                                 \
    X(void, action_log, (std::string_view message))                                               \
    /* secret-add [--label L] [--description D] --owner <owner> <key>#file=<path>... Content */   \
    /* travels in 0600 temporary files, never on a command line. Returns the URI. */              \
    X(std::string, secret_add, (const SecretContent& content, const SecretAddOptions& options))   \
    /* secret-get --format=json [<id>] [--label L] [--refresh|--peek]; nullopt when not found */  \
    X(std::optional<SecretContent>, secret_get,                                                   \
      (const SecretRef& secret, const SecretGetOptions& options))                                 \
    /* secret-set --owner application <id> <key>#file=<path>... */                                \
    X(void, secret_set, (std::string_view id, const SecretContent& content))                      \
    /* secret-grant --relation <int id> [--unit <unit>] <secret-id> */                            \
    X(void, secret_grant,                                                                         \
      (std::string_view id, const RelationId& relation, std::optional<std::string> unit))         \
    /* secret-revoke --relation <int id> [--unit <unit>] <secret-id> */                           \
    X(void, secret_revoke,                                                                        \
      (std::string_view id, const RelationId& relation, std::optional<std::string> unit))         \
    /* secret-remove <id> [--revision N] */                                                       \
    X(void, secret_remove, (std::string_view id, std::optional<int> revision))                    \
    /* secret-info-get --format=json <id>  or  secret-info-get --format=json --label L */         \
    /* (the id wins when both are given: Juju refuses both). nullopt when not found. */           \
    X(std::optional<SecretInfo>, secret_info_get, (const SecretRef& secret))                      \
    /* secret-ids --format=json   (bare ids; Juju prints null when there are none) */             \
    X(std::vector<std::string>, secret_ids, ())                                                   \
    /* state-get --format=json   (Juju 4 prints null when there is no state) */                   \
    X(UnitState, state_get, ())                                                                   \
    /* state-set --file -   (JSON map on stdin) */                                                \
    X(void, state_set, (const UnitState& changes))                                                \
    /* state-delete <key> */                                                                      \
    X(void, state_delete, (std::string_view key))                                                 \
    /* goal-state --format=json */                                                                \
    X(GoalState, goal_state, ())                                                                  \
    /* open-port <port>/<protocol> */                                                             \
    X(void, open_port, (int port, std::string_view protocol))                                     \
    /* close-port <port>/<protocol> */                                                            \
    X(void, close_port, (int port, std::string_view protocol))                                    \
    /* opened-ports --format=json   (["6817/tcp", ...]; this hook's pending opens not shown) */   \
    X(std::vector<std::string>, opened_ports, ())                                                 \
    /* unit-get --format=json <private-address|public-address> */                                 \
    X(std::string, unit_get, (std::string_view setting))                                          \
    /* network-get --format=json <binding> */                                                     \
    X(NetworkInfo, network_get, (std::string_view binding))

#define SLURMCTLD_HOOK_TOOL_PURE_VIRTUAL(type, name, params) virtual type name params = 0;
#define SLURMCTLD_HOOK_TOOL_OVERRIDE(type, name, params) type name params override;

class HookTools {
  public:
    virtual ~HookTools() = default;

    SLURMCTLD_HOOK_TOOL_METHODS(SLURMCTLD_HOOK_TOOL_PURE_VIRTUAL)
};

}  // namespace slurmctld::juju
