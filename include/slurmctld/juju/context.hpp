// What Juju asked this process to do, decoded from the environment it sets for a hook or an
// action (juju.md §1.2-1.3). Pure: the environment comes in as a map, so every
// case can be tested without touching the process environment.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <slurmctld/juju/hook_tools.hpp>

namespace slurmctld::juju {

using Environment = std::map<std::string, std::string>;

/// The environment is not one Juju would set (missing or malformed variable). The message names
/// the variable and the offending value.
class ContextError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class RelationEventKind { Created, Joined, Changed, Departed, Broken };

std::string_view to_string(RelationEventKind kind);  ///< "created", "joined", ...

/// A `<endpoint>-relation-<kind>` hook.
struct RelationEvent {
    std::string endpoint;  ///< JUJU_RELATION (never parsed from the hook name: endpoints have '-')
    RelationEventKind kind = RelationEventKind::Changed;
    RelationId relation;         ///< JUJU_RELATION_ID, e.g. {"slurmd", 3}
    std::string remote_app;      ///< JUJU_REMOTE_APP (own app on a peer relation)
    std::string remote_unit;     ///< JUJU_REMOTE_UNIT: empty for created, broken, app-data changed
    std::string departing_unit;  ///< JUJU_DEPARTING_UNIT: departed only (may be this unit)
};

/// secret-changed, secret-rotate, secret-remove, secret-expired.
struct SecretEvent {
    std::string id;               ///< JUJU_SECRET_ID, opaque (secret:<id> or secret://<uuid>/<id>)
    std::string label;            ///< JUJU_SECRET_LABEL, may be empty
    std::optional<int> revision;  ///< JUJU_SECRET_REVISION (always for remove and expired)
};

struct ActionEvent {
    std::string name;  ///< JUJU_ACTION_NAME (or the name in JUJU_DISPATCH_PATH)
    std::string uuid;  ///< JUJU_ACTION_UUID, may be empty
};

struct HookContext {
    std::string dispatch_path;  ///< "hooks/<name>" or "actions/<name>"
    std::string hook_name;      ///< "install", "slurmd-relation-joined", ...; empty for actions
    std::string unit_name;      ///< "slurmctld/0"
    std::string app_name;       ///< "slurmctld" (the unit name's prefix)
    std::string model_name;
    std::string model_uuid;
    std::string juju_version;
    std::string charm_dir;  ///< JUJU_CHARM_DIR (or legacy CHARM_DIR)

    std::optional<RelationEvent> relation;  ///< set for relation hooks
    std::optional<SecretEvent> secret;      ///< set for secret hooks
    std::optional<ActionEvent> action;      ///< set for actions

    bool is_action() const { return action.has_value(); }
    /// The hook name, or the action name for an action.
    const std::string& event_name() const { return action ? action->name : hook_name; }
    /// "install", "slurmd-relation-joined (slurmd:3, remote slurmd/1)", "action show-config".
    std::string describe() const;

    /// Decodes the hook context. JUJU_DISPATCH_PATH names the event; when it is unset (Juju <
    /// 2.8 ran hooks/<name> links), argv0 is used if it looks like ".../hooks/<name>".
    /// Throws ContextError on anything Juju would not set.
    static HookContext from_environment(const Environment& env, std::string_view argv0);
    /// The same, from a process environment block (environ) as main() sees it.
    static HookContext from_environ(const char* const* envp, std::string_view argv0);
};

/// Whether `name` is a unit name like "slurmctld/0" (application name, '/', number).
bool is_unit_name(std::string_view name);
/// "slurmctld/0" -> "slurmctld"; a name without '/' is returned as is.
std::string application_of(std::string_view unit_or_app);

/// environ (or any NAME=VALUE block) as a map; entries without '=' are skipped.
Environment environment_from(const char* const* envp);

}  // namespace slurmctld::juju
