// FakeHookTools: a HookTools over an in-memory model of what Juju shows one unit, in the style of
// ops Scenario / goopstest. Build a State (plain data), run a handler against the fake, assert on
// the State afterwards. The fake enforces Juju's rules with Juju's messages and exit codes
// (juju.md §2): leader-only app writes, permission on app databags, unknown
// relations, action tools outside actions, secret ownership, grants and revision tracking.
// Writes land in the State at once (no commit step); call counts let tests assert how many tool
// calls a handler made.
//
//   testing_support::State state;
//   state.leader = true;
//   auto& peer = state.add_peer_relation("slurmctld-peer", 1);
//   peer.remote_units_data["slurmctld/1"] = {{"hostname", "\"juju-abc-1\""}};
//   testing_support::FakeHookTools tools(state);
//   handler(tools);
//   EXPECT_EQ(tools.state().relation(1).local_app_data.at("cluster_name"), "\"osd\"");
//   EXPECT_EQ(tools.calls("relation-get"), 1);
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <slurmctld/juju/hook_tools.hpp>

namespace testing_support {

using slurmctld::juju::Databag;
using slurmctld::juju::SecretContent;

/// One relation as this unit sees it (Scenario's Relation / PeerRelation).
struct FakeRelation {
    std::string endpoint;
    int id = 0;
    std::string interface;   ///< informational
    std::string remote_app;  ///< for a peer relation the own application (filled in if empty)
    bool peer = false;
    /// This application's databag. On a peer relation it is *the* app databag all units share.
    Databag local_app_data;
    Databag local_unit_data;
    Databag remote_app_data;  ///< unused on a peer relation (see local_app_data)
    /// Remote units in scope (peers: the other units of this app) and their databags.
    std::map<std::string, Databag> remote_units_data;
    /// Units that left the relation: not listed by relation-list, data still readable.
    std::map<std::string, Databag> departed_units_data;
};

/// A Juju secret visible to this unit: owned by this app or unit, or granted by another app.
struct FakeSecret {
    std::string id;     ///< bare id ("cq2d3e4f5g6h7i8j9k0l"); URIs are matched by this suffix
    std::string owner;  ///< "application" (this app), "unit" (this unit), "" (another app's)
    std::string label;  ///< the owner's label
    std::string description;
    std::map<int, SecretContent> revisions;  ///< revision -> content; latest = highest
    /// Per consumer unit (this unit included, also as owner): the revision it tracks.
    std::map<std::string, int> tracked_revisions;
    /// Per consumer unit: the label it gave the secret (secret-get <id> --label L).
    std::map<std::string, std::string> consumer_labels;
    /// Relation id -> grantees (application or unit names).
    std::map<int, std::set<std::string>> grants;
    std::vector<int> removed_revisions;

    int latest_revision() const;
};

struct FakeAction {
    std::string name;
    nlohmann::json params = nlohmann::json::object();
    std::map<std::string, std::string> results;
    std::optional<std::string> failure;  ///< the action-fail message
    std::vector<std::string> logs;       ///< action-log messages
};

struct JujuLogLine {
    std::string level;  ///< "DEBUG", "INFO", "WARNING", "ERROR"
    std::string message;
    bool operator==(const JujuLogLine&) const = default;
};

/// A hook tool failure a test wants the fake to produce (e.g. the controller being unreachable).
struct InjectedFailure {
    int exit_code = 1;
    std::string stderr_text = "ERROR injected failure\n";
};

struct State {
    // ---- who and where --------------------------------------------------------------------
    std::string unit_name = "slurmctld/0";
    std::string model_name = "hpc";
    std::string model_uuid = "cdac5656-2423-4388-8f30-41854b4cca7d";
    bool leader = false;

    // ---- model data -----------------------------------------------------------------------
    nlohmann::json config = nlohmann::json::object();
    std::vector<FakeRelation> relations;
    std::vector<FakeSecret> secrets;
    std::vector<std::string> removed_secrets;  ///< ids removed whole by secret-remove
    Databag leader_settings;
    std::map<std::string, std::string> unit_state;  ///< state-get/state-set/state-delete
    /// goal-state units of this app: unit -> status ("active", "dying", ...). Empty: this unit
    /// and its peers, all "active".
    std::map<std::string, std::string> planned_units;

    // ---- status and logs (immediate tools) -------------------------------------------------
    slurmctld::juju::Status unit_status{"unknown", ""};
    slurmctld::juju::Status app_status{"unknown", ""};
    std::vector<slurmctld::juju::Status> unit_status_history;  ///< every status-set, in order
    std::vector<slurmctld::juju::Status> app_status_history;
    std::string workload_version;
    std::vector<JujuLogLine> juju_log;

    /// Set when the "hook" is an action; action-* tools fail otherwise.
    std::optional<FakeAction> action;

    // ---- network ---------------------------------------------------------------------------
    std::set<std::string> opened_ports;  ///< "6817/tcp"
    std::string private_address = "192.0.2.0";
    std::string public_address = "192.0.2.0";
    /// Per binding (endpoint) network; a binding not listed gets private_address.
    std::map<std::string, slurmctld::juju::NetworkInfo> networks;
    /// The charm's endpoints and extra bindings; network-get fails for any other name. Empty:
    /// every name is a binding.
    std::set<std::string> bindings;

    /// Tool name -> the failure every call of it gets (until removed).
    std::map<std::string, InjectedFailure> failures;

    // ---- helpers (g++ warns about designated initializers that leave fields out, so these
    // build the common shapes) -----------------------------------------------------------------
    std::string app_name() const;
    /// Adds a relation (peer: remote_app defaults to this app) and returns it.
    FakeRelation& add_relation(FakeRelation relation);
    /// A relation to `remote_app` on `endpoint`.
    FakeRelation& add_relation(std::string endpoint, int id, std::string remote_app);
    /// A peer relation of this application.
    FakeRelation& add_peer_relation(std::string endpoint, int id);
    /// A secret this app ("application") or unit ("unit") owns, at revision 1 with `content`.
    FakeSecret& add_owned_secret(std::string owner, std::string label, SecretContent content);
    /// Another application's secret granted to this unit, with the given revisions.
    FakeSecret& add_remote_secret(std::string id, std::map<int, SecretContent> revisions);
    /// Makes the "hook" an action (action-* tools work) and returns it.
    FakeAction& start_action(std::string name, nlohmann::json params = nlohmann::json::object());
    FakeRelation& relation(int id);  ///< throws std::out_of_range
    const FakeRelation& relation(int id) const;
    FakeRelation* find_relation(int id);
    /// The first relation on `endpoint`, or nullptr.
    FakeRelation* find_relation(const std::string& endpoint);
    /// Adds a secret; an empty id gets a fresh one. Returns it.
    FakeSecret& add_secret(FakeSecret secret);
    /// By bare id or any URI form ("secret:<id>", "secret://<uuid>/<id>").
    FakeSecret* find_secret(std::string_view id_or_uri);
    const FakeSecret* find_secret(std::string_view id_or_uri) const;
    FakeSecret* find_secret_by_label(std::string_view label);
};

void to_json(nlohmann::json& out, const State& state);
void from_json(const nlohmann::json& in, State& state);

class FakeHookTools final : public slurmctld::juju::HookTools {
  public:
    explicit FakeHookTools(State state = {});

    State& state() { return state_; }
    const State& state() const { return state_; }

    /// How many times `tool` ("relation-get", ...) was called; total_calls() over all tools.
    int calls(const std::string& tool) const;
    int total_calls() const;
    const std::map<std::string, int>& call_counts() const { return calls_; }
    void reset_calls() { calls_.clear(); }

    /// Called before every hook-tool call with the tool's name: fault-injection tests crash the
    /// hook there.
    std::function<void(const std::string& tool)> before_call;

    // The juju names the method list uses (hook_tools.hpp).
    using Databag = slurmctld::juju::Databag;
    using GoalState = slurmctld::juju::GoalState;
    using LogLevel = slurmctld::juju::LogLevel;
    using NetworkInfo = slurmctld::juju::NetworkInfo;
    using RelationId = slurmctld::juju::RelationId;
    using SecretAddOptions = slurmctld::juju::SecretAddOptions;
    using SecretContent = slurmctld::juju::SecretContent;
    using SecretGetOptions = slurmctld::juju::SecretGetOptions;
    using SecretInfo = slurmctld::juju::SecretInfo;
    using SecretRef = slurmctld::juju::SecretRef;
    using Status = slurmctld::juju::Status;
    using UnitState = slurmctld::juju::UnitState;
    using WorkloadState = slurmctld::juju::WorkloadState;

    SLURMCTLD_HOOK_TOOL_METHODS(SLURMCTLD_HOOK_TOOL_OVERRIDE)

    // ---- beyond HookTools: what fake-hook-tool needs to answer like Juju ------------------
    /// The secret URI Juju prints for a bare id (secret://<model-uuid>/<id>).
    std::string secret_uri(const std::string& bare_id) const;
    /// secret-info-get's access list is not modelled; the rest of the metadata is.

  private:
    /// Counts the call, then throws the injected failure for `tool` if there is one.
    void enter(const std::string& tool);
    FakeRelation& relation_or_fail(const std::string& tool, const RelationId& relation);
    /// Secrets this unit may manage: unit-owned, or app-owned while leader.
    FakeSecret& managed_secret_or_fail(const std::string& tool, std::string_view id);
    void require_action(const std::string& tool) const;
    bool owns_metadata(const FakeSecret& secret) const;

    State state_;
    /// The ports opened before this "hook" (opened-ports does not show its pending changes).
    std::set<std::string> committed_ports_;
    std::map<std::string, int> calls_;
    int next_secret_ = 1;
};

}  // namespace testing_support
