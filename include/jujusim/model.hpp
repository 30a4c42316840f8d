// The model a jujusim controller holds and persists (model.json): applications, units,
// machines, relations with their databags, secrets, leadership, statuses, actions, and what
// each unit agent has already seen (the uniter's local state), so the resolver can compare.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace jujusim {

using json = nlohmann::json;
using Databag = std::map<std::string, std::string>;

struct StatusValue {
    std::string current;
    std::string message;
    double since = 0;
    json data = json::object();
};

/// Lifecycle of a unit, application or relation (Dead ones are removed from the model).
enum class Life { Alive, Dying };

/// What a machine is: a plain host directory, or Linux namespaces booted from an image.
/// ModelDefault (an application or machine that names none): the model's machine-type.
enum class MachineType { ModelDefault, Host, Namespace };

/// An endpoint's role: the metadata section it is declared in (provides, requires, peers).
enum class RelationRole { Provider, Requirer, Peer };

/// A relation's scope: every unit of the other side, or only those on the same machine.
enum class RelationScope { Global, Container };

/// A task's progress (juju show-task's "status").
enum class ActionStatus { Pending, Running, Completed, Failed };

/// What an operation of a unit agent runs: one of Juju's hooks, or an action (juju run, exec).
enum class HookKind {
    Install,
    LeaderElected,
    LeaderSettingsChanged,
    ConfigChanged,
    Start,
    UpdateStatus,
    Stop,
    Remove,
    SecretChanged,
    SecretRemove,
    SecretRotate,
    SecretExpired,
    UpgradeCharm,
    RelationCreated,
    RelationJoined,
    RelationChanged,
    RelationDeparted,
    RelationBroken,
    Action,
};

/// The hook's name as Juju gives it (JUJU_HOOK_NAME): "install", "<endpoint>-relation-joined".
/// Not for actions.
std::string hook_name(HookKind kind, const std::string& endpoint = "");
bool is_relation_hook(HookKind kind);

/// One operation of a unit agent: a hook, an action or a juju-exec command.
struct Op {
    HookKind kind = HookKind::Install;
    std::string hook;  ///< the hook's name (hook_name()), or the action's name
    int relation_id = -1;
    std::string endpoint;
    std::string remote_unit;
    std::string remote_app;
    std::string departing_unit;
    std::string secret_id;
    std::string secret_label;
    long secret_revision = 0;
    long base_revision = 0;  ///< secret-rotate: the secret's latest revision when it was queued
    long action_id = 0;

    bool is_action() const { return kind == HookKind::Action; }
    /// A relation hook of this kind on this relation.
    bool is(HookKind hook_kind, int relation) const {
        return kind == hook_kind && relation_id == relation;
    }
};

/// What a unit has seen of one relation (uniter relation state).
struct RelationSeen {
    bool created = false;
    bool broken = false;
    std::set<std::string> joined;
    std::map<std::string, long> unit_versions;
    long app_version = 0;
    std::string pending_changed;  ///< joined ran for this unit; changed must follow
};

/// A unit's consumer record of a secret (Juju's secret consumer doc and the uniter's local
/// state). Units of the owning application get one when they secret-get an application-owned
/// secret, so they too are told of new revisions.
struct ConsumedSecret {
    long tracked = 0;  ///< the revision plain secret-get returns (0: owner units read the latest)
    std::string label;
    long notified = 0;  ///< the revision of the last secret-changed the unit ran
};

struct Unit {
    std::string name;
    std::string app;
    int number = 0;
    std::string machine;
    std::string principal;  ///< subordinates only
    Life life = Life::Alive;
    StatusValue workload;
    StatusValue agent;
    std::string workload_version;

    int charm_rev = 0;      ///< the application's charm revision its charm directory holds
    std::string charm_dir;  ///< the stored charm it was unpacked from (refresh: the old one)
    bool installed = false;
    bool started = false;
    bool stopped = false;
    /// Its remove hook ran; it stays (Dying) until its subordinates are gone, as Juju's
    /// EnsureDead refuses a unit that still has subordinates.
    bool removed = false;
    bool boot_start_pending = false;  ///< the machine rebooted: Juju runs start again
    long leader_term_seen = 0;
    long leader_settings_seen = -1;
    long config_seen = -1;
    std::map<int, RelationSeen> relations;

    std::map<std::string, std::string> state;  ///< state-set
    std::set<std::string> ports;

    bool in_error = false;
    Op failed_op;
    int retries = 0;
    double retry_at = 0;
    bool resolve_now = false;

    bool update_status_due = false;
    double last_update_status = 0;
    std::vector<long> pending_actions;
    std::set<std::string> remove_notified;  ///< "<secret id>/<revision>" secret-remove already run
    std::vector<json> history;
};

struct App {
    std::string name;
    std::string charm_name;
    std::string charm_source;
    std::string charm_dir;  ///< stored copy the units unpack from
    std::string builtin;    ///< "filesystem-client" for the built-in charm
    /// jujusim's own (not Juju's): this application's machines (deploy --machine-type).
    MachineType machine_type = MachineType::ModelDefault;
    int charm_rev = 0;
    json config = json::object();  ///< values set by the user
    long config_version = 0;
    int next_unit = 0;
    std::string leader;
    double lease_expires = 0;  ///< when the leader's lease runs out unless renewed
    long leader_term = 0;
    std::map<std::string, std::string> leader_settings;
    long leader_settings_version = 0;
    bool status_set = false;
    StatusValue status;
    Life life = Life::Alive;
};

struct RelationEnd {
    std::string app;
    std::string endpoint;
    std::string interface;
    RelationRole role = RelationRole::Provider;
    RelationScope scope = RelationScope::Global;
};

struct Relation {
    int id = 0;
    std::vector<RelationEnd> ends;  ///< one for a peer relation, two otherwise
    std::map<std::string, Databag> app_data;
    std::map<std::string, long> app_versions;
    std::map<std::string, Databag> unit_data;
    std::map<std::string, long> unit_versions;
    std::set<std::string> in_scope;
    Life life = Life::Alive;
    double created_at = 0;

    bool is_peer() const { return ends.size() == 1; }
    bool container_scope() const {
        for (const auto& end : ends) {
            if (end.scope == RelationScope::Container) {
                return true;
            }
        }
        return false;
    }
    const RelationEnd* end_of(const std::string& app) const;
    /// The other side for `app` (itself for a peer relation).
    const RelationEnd* other_end(const std::string& app) const;
    std::string key() const;  ///< "a:x b:y" as juju status shows it
};

struct MachineRecord {
    std::string id;
    MachineType type = MachineType::ModelDefault;  ///< ModelDefault in older models
    std::string hostname;
    std::string address;
    bool powered = true;
    double down_since = 0;
    double created_at = 0;
    /// When its last unit went: the machine is released this long after (Juju's provisioner
    /// stops and releases an instance some time after the unit is dead), 0 while in use.
    double released_at = 0;
};

struct SecretGrant {
    int relation_id = -1;
    std::string target;  ///< application or unit name
};

struct Secret {
    std::string id;     ///< bare id (20 chars)
    std::string owner;  ///< application name or unit name
    bool unit_owned = false;
    std::string label;
    std::string description;
    std::string rotate;                        ///< rotation policy ("" or never: none)
    double next_rotate = 0;                    ///< when secret-rotate runs next (0: not scheduled)
    std::map<std::string, json> revisions;     ///< revision number (decimal) -> content
    std::map<std::string, double> expiry;      ///< revision -> when it expires
    std::map<std::string, double> expiry_due;  ///< revision -> when secret-expired runs next
    long latest = 0;
    std::vector<SecretGrant> grants;
    std::map<std::string, ConsumedSecret> consumers;  ///< by unit name
    double created_at = 0;
    double updated_at = 0;
};

struct Action {
    long id = 0;
    long operation = 0;
    std::string unit;
    std::string name;
    json params = json::object();
    bool exec = false;
    std::string command;
    ActionStatus status = ActionStatus::Pending;
    json results = json::object();
    std::string message;
    std::vector<std::string> log;
    double enqueued = 0;
    double started = 0;
    double completed = 0;
};

struct Model {
    std::string name;
    std::string uuid;
    MachineType machine_type = MachineType::Host;  ///< never ModelDefault
    json config = json::object();                  ///< model-config overrides
    std::map<std::string, App> apps;
    std::map<std::string, Unit> units;
    std::map<int, Relation> relations;
    std::map<std::string, MachineRecord> machines;
    std::map<std::string, Secret> secrets;
    std::map<long, Action> actions;
    int next_machine = 0;
    int next_relation = 0;
    long next_task = 1;
    double created_at = 0;
};

// model.json's spellings (also the words Juju prints and jujusim's flags take).
NLOHMANN_JSON_SERIALIZE_ENUM(Life, {{Life::Alive, "alive"}, {Life::Dying, "dying"}})
NLOHMANN_JSON_SERIALIZE_ENUM(MachineType, {{MachineType::ModelDefault, ""},
                                           {MachineType::Host, "host"},
                                           {MachineType::Namespace, "namespace"}})
NLOHMANN_JSON_SERIALIZE_ENUM(RelationRole, {{RelationRole::Provider, "provider"},
                                            {RelationRole::Requirer, "requirer"},
                                            {RelationRole::Peer, "peer"}})
NLOHMANN_JSON_SERIALIZE_ENUM(RelationScope, {{RelationScope::Global, "global"},
                                             {RelationScope::Container, "container"}})
NLOHMANN_JSON_SERIALIZE_ENUM(ActionStatus, {{ActionStatus::Pending, "pending"},
                                            {ActionStatus::Running, "running"},
                                            {ActionStatus::Completed, "completed"},
                                            {ActionStatus::Failed, "failed"}})

/// The word model.json stores for an enum value above ("namespace", "peer", ...).
template <class Enum>
std::string enum_name(Enum value) {
    return json(value).template get<std::string>();
}

/// The enum value a word names, nullopt for none (nlohmann's mapping alone would read an
/// unknown word as the first value).
template <class Enum>
std::optional<Enum> parse_enum_name(const std::string& word) {
    const auto value = json(word).template get<Enum>();
    return enum_name(value) == word ? std::optional<Enum>(value) : std::nullopt;
}

void to_json(json& out, const Model& model);
void from_json(const json& in, Model& model);
void to_json(json& out, const Op& op);
void from_json(const json& in, Op& op);

/// Natural order for machine ids and unit names ("app/2" < "app/10").
bool natural_less(const std::string& a, const std::string& b);
/// "app/3" -> "app"; "app/3" -> 3.
std::string app_of(const std::string& unit);
int number_of(const std::string& unit);
/// "app/3" -> "unit-app-3".
std::string unit_tag(const std::string& unit);

}  // namespace jujusim
