// The fake's rules are Juju's (juju.md §2): these tests pin them, so handler tests that
// pass against the fake fail for the reasons they would fail under Juju.
#include "support/fake_hook_tools.hpp"

#include <gtest/gtest.h>

using slurmctld::juju::HookToolError;
using slurmctld::juju::LogLevel;
using slurmctld::juju::RelationId;
using slurmctld::juju::SecretAddOptions;
using slurmctld::juju::SecretGetOptions;
using slurmctld::juju::SecretRef;
using slurmctld::juju::Status;
using slurmctld::juju::WorkloadState;
using testing_support::FakeHookTools;
using testing_support::FakeRelation;
using testing_support::FakeSecret;
using testing_support::State;

namespace {

/// slurmctld/0 with a peer relation (id 1) and a slurmd relation (id 3).
State cluster_state(bool leader) {
    State state;
    state.leader = leader;
    auto& peer = state.add_peer_relation("slurmctld-peer", 1);
    peer.local_app_data = {{"cluster_name", R"("osd")"}};
    peer.local_unit_data = {{"hostname", R"("juju-abc-0")"}};
    peer.remote_units_data["slurmctld/1"] = {{"hostname", R"("juju-abc-1")"}};
    auto& slurmd = state.add_relation("slurmd", 3, "slurmd");
    slurmd.local_app_data = {{"controllers", "[]"}};
    slurmd.remote_app_data = {{"partition", R"({"partitionname": "slurmd"})"}};
    slurmd.remote_units_data["slurmd/0"] = {{"ingress-address", "10.0.0.5"}};
    slurmd.remote_units_data["slurmd/1"] = {};
    slurmd.departed_units_data["slurmd/2"] = {{"ingress-address", "10.0.0.7"}};
    return state;
}

/// Runs `call` and returns the HookToolError it throws (or fails the test).
template <class Call>
HookToolError tool_error(Call&& call) {
    try {
        call();
    } catch (const HookToolError& e) {
        return e;
    }
    ADD_FAILURE() << "expected a HookToolError";
    return HookToolError("", 0, "");
}

const RelationId peer_relation{"slurmctld-peer", 1};
const RelationId slurmd_relation{"slurmd", 3};

}  // namespace

// ---- relations ---------------------------------------------------------------------------------

TEST(FakeHookTools, ListsRelationsAndUnits) {
    auto state = cluster_state(false);
    state.add_relation("slurmd", 10, "other");
    FakeHookTools tools(state);
    // Juju sorts relation ids as strings: slurmd:10 before slurmd:3.
    EXPECT_EQ(tools.relation_ids("slurmd"),
              (std::vector<RelationId>{{"slurmd", 10}, {"slurmd", 3}}));
    EXPECT_TRUE(tools.relation_ids("sackd").empty());
    EXPECT_EQ(tools.relation_list(slurmd_relation),
              (std::vector<std::string>{"slurmd/0", "slurmd/1"}));
    EXPECT_EQ(tools.relation_list(peer_relation), (std::vector<std::string>{"slurmctld/1"}));
    EXPECT_EQ(tools.relation_list_app(slurmd_relation), "slurmd");
    EXPECT_EQ(tools.relation_list_app(peer_relation),
              "slurmctld");  // a peer's remote app is our own
    EXPECT_EQ(tools.calls("relation-ids"), 2);
    EXPECT_EQ(tools.calls("relation-list"), 4);
    EXPECT_EQ(tools.total_calls(), 6);
}

TEST(FakeHookTools, UnknownRelationIsAUsageError) {
    FakeHookTools tools(cluster_state(true));
    const auto error = tool_error([&] { tools.relation_get(RelationId{"slurmd", 9}, "slurmd/0"); });
    EXPECT_EQ(error.exit_code(), 2);
    EXPECT_EQ(error.stderr_text(),
              "ERROR invalid value \"slurmd:9\" for option -r: relation not found\n");
    EXPECT_EQ(tool_error([&] {
                  tools.relation_set(RelationId{"", 9}, {{"a", "b"}}, false);
              }).exit_code(),
              2);
}

TEST(FakeHookTools, ReadsUnitDatabagsIncludingDepartedUnits) {
    FakeHookTools tools(cluster_state(false));
    EXPECT_EQ(tools.relation_get(slurmd_relation, "slurmd/0").at("ingress-address"), "10.0.0.5");
    EXPECT_EQ(tools.relation_get(slurmd_relation, "slurmd/2").at("ingress-address"), "10.0.0.7");
    EXPECT_EQ(tools.relation_get(peer_relation, "slurmctld/0").at("hostname"), R"("juju-abc-0")");
    EXPECT_EQ(tools.relation_get_key(peer_relation, "hostname", "slurmctld/1", false),
              R"("juju-abc-1")");
    EXPECT_EQ(tools.relation_get_key(peer_relation, "missing", "slurmctld/1", false), std::nullopt);
    EXPECT_EQ(tool_error([&] { tools.relation_get(slurmd_relation, "sackd/0"); }).stderr_text(),
              "ERROR permission denied\n");
    const auto app_name = tool_error([&] { tools.relation_get(slurmd_relation, "slurmd"); });
    EXPECT_EQ(app_name.exit_code(), 2);
    EXPECT_EQ(app_name.stderr_text(),
              "ERROR expected unit name, got application name \"slurmd\"\n");
}

TEST(FakeHookTools, AppDatabagReadRules) {
    FakeHookTools follower(cluster_state(false));
    // Remote app databag: readable by everyone; peer app databag: readable by every unit.
    EXPECT_EQ(follower.relation_get_app(slurmd_relation, "slurmd").count("partition"), 1U);
    EXPECT_EQ(follower.relation_get_app(slurmd_relation, "slurmd/0").count("partition"), 1U);
    EXPECT_EQ(follower.relation_get_app(peer_relation, "slurmctld").at("cluster_name"), R"("osd")");
    // Own app databag of a non-peer relation: leader only.
    const auto denied =
        tool_error([&] { follower.relation_get_app(slurmd_relation, "slurmctld"); });
    EXPECT_EQ(denied.exit_code(), 1);
    EXPECT_EQ(denied.stderr_text(), "ERROR permission denied\n");
    EXPECT_EQ(tool_error([&] {
                  follower.relation_get_key(slurmd_relation, "controllers", "slurmctld", true);
              }).stderr_text(),
              "ERROR permission denied\n");
    EXPECT_EQ(
        tool_error([&] { follower.relation_get_app(slurmd_relation, "sackd"); }).stderr_text(),
        "ERROR permission denied\n");

    FakeHookTools leader(cluster_state(true));
    EXPECT_EQ(leader.relation_get_app(slurmd_relation, "slurmctld").at("controllers"), "[]");
    EXPECT_EQ(leader.relation_get_key(slurmd_relation, "controllers", "slurmctld/0", true), "[]");
}

TEST(FakeHookTools, RelationSetMergesDeletesAndLandsInState) {
    FakeHookTools tools(cluster_state(true));
    tools.relation_set(peer_relation, {{"hostname", R"("juju-abc-9")"}, {"extra", "1"}}, false);
    tools.relation_set(peer_relation, {{"extra", ""}}, false);  // "" deletes
    tools.relation_set(slurmd_relation, {{"controllers", R"(["a:6817"])"}}, true);
    const auto& state = tools.state();
    EXPECT_EQ(state.relation(1).local_unit_data,
              (testing_support::Databag{{"hostname", R"("juju-abc-9")"}}));
    EXPECT_EQ(state.relation(3).local_app_data.at("controllers"), R"(["a:6817"])");
    EXPECT_EQ(tools.calls("relation-set"), 3);
}

TEST(FakeHookTools, NonLeaderCannotWriteAppDatabags) {
    FakeHookTools tools(cluster_state(false));
    const auto error = tool_error([&] { tools.relation_set(peer_relation, {{"x", "1"}}, true); });
    EXPECT_EQ(error.exit_code(), 1);
    EXPECT_EQ(error.stderr_text(), "ERROR cannot write relation settings\n");
    EXPECT_EQ(tools.state().relation(1).local_app_data.count("x"), 0U);
    tools.relation_set(peer_relation, {{"x", "1"}}, false);  // own unit databag is fine
}

// ---- leadership, config, status --------------------------------------------------------------

TEST(FakeHookTools, LeaderSettings) {
    FakeHookTools follower(cluster_state(false));
    EXPECT_FALSE(follower.is_leader());
    EXPECT_EQ(tool_error([&] {
                  follower.leader_set({{"a", "b"}});
              }).stderr_text(),
              "ERROR cannot write leadership settings: cannot write settings: not the leader\n");
    FakeHookTools leader(cluster_state(true));
    leader.leader_set({{"a", "b"}, {"c", "d"}});
    leader.leader_set({{"c", ""}});
    EXPECT_EQ(leader.leader_get(), (testing_support::Databag{{"a", "b"}}));
}

TEST(FakeHookTools, ConfigComesFromState) {
    State state;
    state.config = {{"cluster-name", "osd"}, {"use-network-state", false}};
    FakeHookTools tools(state);
    EXPECT_EQ(tools.config_get()["cluster-name"], "osd");
    EXPECT_EQ(tools.calls("config-get"), 1);
}

TEST(FakeHookTools, StatusWithHistoryAndLeaderOnlyApplicationStatus) {
    FakeHookTools tools(cluster_state(false));
    tools.status_set(WorkloadState::Maintenance, "installing", false);
    tools.status_set(WorkloadState::Active, "primary - UP", false);
    EXPECT_EQ(tools.status_get(false), (Status{"active", "primary - UP"}));
    EXPECT_EQ(tools.state().unit_status_history,
              (std::vector<Status>{{"maintenance", "installing"}, {"active", "primary - UP"}}));
    const auto error = tool_error([&] { tools.status_set(WorkloadState::Active, "", true); });
    EXPECT_EQ(error.exit_code(), 1);
    EXPECT_EQ(error.stderr_text(), "ERROR this unit is not the leader\n");
    EXPECT_EQ(tool_error([&] { tools.status_get(true); }).stderr_text(),
              "ERROR this unit is not the leader\n");

    FakeHookTools leader(cluster_state(true));
    leader.status_set(WorkloadState::Blocked, "needs mount", true);
    EXPECT_EQ(leader.state().app_status, (Status{"blocked", "needs mount"}));
    EXPECT_EQ(leader.status_get(true), (Status{"blocked", "needs mount"}));
}

TEST(FakeHookTools, LogsAndWorkloadVersion) {
    FakeHookTools tools;
    tools.juju_log(LogLevel::Warning, "mount is slow");
    tools.application_version_set("24.11.1");
    EXPECT_EQ(tools.state().juju_log,
              (std::vector<testing_support::JujuLogLine>{{"WARNING", "mount is slow"}}));
    EXPECT_EQ(tools.state().workload_version, "24.11.1");
}

// ---- actions ---------------------------------------------------------------------------------

TEST(FakeHookTools, ActionToolsOutsideAnActionFail) {
    FakeHookTools tools;
    for (const auto& [tool, call] : std::vector<std::pair<std::string, std::function<void()>>>{
             {"action-get", [&] { tools.action_get(); }},
             {"action-set",
              [&] {
                  tools.action_set({{"a", "b"}});
              }},
             {"action-fail", [&] { tools.action_fail("x"); }},
             {"action-log", [&] { tools.action_log("x"); }}}) {
        const auto error = tool_error(call);
        EXPECT_EQ(error.tool(), tool);
        EXPECT_EQ(error.exit_code(), 1);
        EXPECT_EQ(error.stderr_text(), "ERROR not running an action\n");
    }
}

TEST(FakeHookTools, ActionParamsResultsFailureAndLogs) {
    State state;
    state.start_action("show-current-config", {{"verbose", true}});
    FakeHookTools tools(state);
    EXPECT_EQ(tools.action_get()["verbose"], true);
    tools.action_log("reading slurm.conf");
    tools.action_set({{"slurm.conf", "ClusterName=osd"}, {"nested.key", "v"}});
    tools.action_fail("no controller");
    const auto& action = *tools.state().action;
    EXPECT_EQ(action.logs, (std::vector<std::string>{"reading slurm.conf"}));
    EXPECT_EQ(action.results.at("nested.key"), "v");
    EXPECT_EQ(action.failure, "no controller");
    EXPECT_EQ(tool_error([&] { tools.action_set({{"Bad", "x"}}); }).exit_code(), 2);
    EXPECT_EQ(tool_error([&] {
                  tools.action_set({{"stdout", "x"}});
              }).stderr_text(),
              "ERROR cannot set reserved action key \"stdout\"\n");
}

// ---- secrets ---------------------------------------------------------------------------------

TEST(FakeHookTools, LeaderAddsAppSecretsNonLeaderCannot) {
    FakeHookTools follower(cluster_state(false));
    const auto refused = tool_error([&] {
        follower.secret_add({{"key", "k"}}, SecretAddOptions::app_owned("slurm-auth-key"));
    });
    EXPECT_EQ(refused.exit_code(), 1);
    EXPECT_EQ(refused.stderr_text(), "ERROR this unit is not the leader\n");
    // A unit-owned secret is fine for any unit.
    follower.secret_add({{"key", "k"}}, SecretAddOptions::unit_owned(""));

    FakeHookTools leader(cluster_state(true));
    const auto uri = leader.secret_add({{"key", "k1"}, {"keyid", "id1"}},
                                       SecretAddOptions::app_owned("slurm-auth-key"));
    EXPECT_TRUE(uri.starts_with("secret://cdac5656-2423-4388-8f30-41854b4cca7d/")) << uri;
    ASSERT_EQ(leader.state().secrets.size(), 1U);
    const auto& secret = leader.state().secrets[0];
    EXPECT_TRUE(uri.ends_with(secret.id));
    EXPECT_EQ(secret.id.size(), 20U);
    EXPECT_EQ(secret.owner, "application");
    EXPECT_EQ(secret.latest_revision(), 1);
    EXPECT_EQ(leader.secret_ids(), (std::vector<std::string>{secret.id}));
    // Same label twice, bad keys, no content.
    EXPECT_EQ(tool_error([&] {
                  leader.secret_add({{"key", "x"}}, SecretAddOptions::app_owned("slurm-auth-key"));
              }).stderr_text(),
              "ERROR secret with label \"slurm-auth-key\" already exists\n");
    EXPECT_EQ(tool_error([&] {
                  leader.secret_add({{"K", "x"}}, {});
              }).stderr_text(),
              "ERROR key \"K\" not valid\n");
    EXPECT_EQ(tool_error([&] { leader.secret_add({}, {}); }).exit_code(), 2);
}

TEST(FakeHookTools, InfoGetIsForOwnersOnly) {
    auto state = cluster_state(true);
    state.add_owned_secret("application", "slurm-jwt-key", {{"key", "pem"}}).id =
        "aaaaaaaaaaaaaaaaaaa1";
    state.add_remote_secret("bbbbbbbbbbbbbbbbbbb2", {{2, {{"token", "t"}}}});
    FakeHookTools leader(state);
    const auto info = leader.secret_info_get(SecretRef::by_label("slurm-jwt-key"));
    ASSERT_TRUE(info);
    EXPECT_EQ(info->id, "aaaaaaaaaaaaaaaaaaa1");
    EXPECT_EQ(info->revision, 1);
    EXPECT_EQ(info->owner, "application");
    EXPECT_EQ(leader.secret_info_get(SecretRef::by_id("secret:aaaaaaaaaaaaaaaaaaa1"))->label,
              "slurm-jwt-key");
    // Someone else's secret: Juju does not list it, so "not found" (nullopt, as the interface
    // reports it; fake-hook-tool prints Juju's message for it).
    EXPECT_EQ(leader.secret_info_get(SecretRef::by_id("bbbbbbbbbbbbbbbbbbb2")), std::nullopt);
    EXPECT_EQ(leader.secret_ids(), (std::vector<std::string>{"aaaaaaaaaaaaaaaaaaa1"}));

    state.leader = false;  // app-owned metadata is the leader's only
    FakeHookTools follower(state);
    EXPECT_EQ(follower.secret_info_get(SecretRef::by_label("slurm-jwt-key")), std::nullopt);
    EXPECT_TRUE(follower.secret_ids().empty());
    // ... but every unit of the app can read its content.
    EXPECT_EQ(follower.secret_get(SecretRef::by_label("slurm-jwt-key"), {})->at("key"), "pem");
}

TEST(FakeHookTools, ConsumersTrackRevisions) {
    auto state = cluster_state(false);
    state.add_remote_secret("cccccccccccccccccccc", {{1, {{"key", "v1"}}}, {2, {{"key", "v2"}}}})
        .tracked_revisions["slurmctld/0"] = 1;
    FakeHookTools tools(state);
    const auto ref = SecretRef::by_id("secret:cccccccccccccccccccc");
    EXPECT_EQ(tools.secret_get(ref, {})->at("key"), "v1");  // the tracked revision
    EXPECT_EQ(tools.secret_get(ref, SecretGetOptions::peeking())->at("key"), "v2");
    EXPECT_EQ(tools.state().secrets[0].tracked_revisions.at("slurmctld/0"), 1);  // peek: no track
    EXPECT_EQ(tools.secret_get(ref, SecretGetOptions::refreshing())->at("key"), "v2");
    EXPECT_EQ(tools.state().secrets[0].tracked_revisions.at("slurmctld/0"), 2);
    EXPECT_EQ(tools.secret_get(ref, {})->at("key"), "v2");
    EXPECT_EQ(tool_error([&] {
                  tools.secret_get(ref, SecretGetOptions{true, true});
              }).exit_code(),
              2);
}

TEST(FakeHookTools, FirstReadTracksLatestAndIdPlusLabelSetsTheConsumerLabel) {
    auto state = cluster_state(false);
    state.add_remote_secret("dddddddddddddddddddd", {{3, {{"key", "v3"}}}});
    FakeHookTools tools(state);
    EXPECT_EQ(tools.secret_get(SecretRef{"dddddddddddddddddddd", "slurm-auth-key"}, {})->at("key"),
              "v3");
    const auto& secret = tools.state().secrets[0];
    EXPECT_EQ(secret.tracked_revisions.at("slurmctld/0"), 3);
    EXPECT_EQ(secret.consumer_labels.at("slurmctld/0"), "slurm-auth-key");
    EXPECT_EQ(tools.secret_get(SecretRef::by_label("slurm-auth-key"), {})->at("key"), "v3");
    EXPECT_EQ(tools.secret_get(SecretRef::by_label("nope"), {}), std::nullopt);
}

TEST(FakeHookTools, SecretSetMakesARevisionOnlyForNewContent) {
    auto state = cluster_state(true);
    auto& added = state.add_owned_secret("application", "slurm-auth-key", {{"key", "a"}});
    const auto id = added.id;
    FakeHookTools tools(state);
    tools.secret_set(id, {{"key", "a"}});
    EXPECT_EQ(tools.state().find_secret(id)->latest_revision(), 1);
    tools.secret_set(id, {{"key", "b"}});
    EXPECT_EQ(tools.state().find_secret(id)->latest_revision(), 2);

    state.leader = false;
    FakeHookTools follower(state);
    EXPECT_EQ(tool_error([&] {
                  follower.secret_set(id, {{"key", "c"}});
              }).stderr_text(),
              "ERROR this unit is not the leader\n");
}

TEST(FakeHookTools, GrantsNeedARelationAndTheRightApplication) {
    auto state = cluster_state(true);
    const auto id = state.add_owned_secret("application", "", {{"key", "a"}}).id;
    FakeHookTools tools(state);
    tools.secret_grant(id, slurmd_relation, std::nullopt);
    tools.secret_grant(id, slurmd_relation, std::string("slurmd/1"));
    EXPECT_EQ(tools.state().find_secret(id)->grants.at(3),
              (std::set<std::string>{"slurmd", "slurmd/1"}));
    EXPECT_EQ(tool_error([&] {
                  tools.secret_grant(id, RelationId{"sackd", 8}, std::nullopt);
              }).exit_code(),
              2);
    EXPECT_EQ(tool_error([&] {
                  tools.secret_grant(id, slurmd_relation, std::string("sackd/0"));
              }).stderr_text(),
              "ERROR cannot specify unit \"sackd/0\" in relation to application \"slurmd\"\n");
    tools.secret_revoke(id, slurmd_relation, std::nullopt);
    tools.secret_revoke(id, slurmd_relation, std::string("slurmd/1"));
    EXPECT_TRUE(tools.state().find_secret(id)->grants.empty());
}

TEST(FakeHookTools, RemovingRevisionsAndSecrets) {
    auto state = cluster_state(true);
    auto& owned = state.add_owned_secret("application", "", {{"key", "a"}});
    owned.revisions[2] = {{"key", "b"}};
    const auto id = owned.id;
    state.add_remote_secret("eeeeeeeeeeeeeeeeeeee", {{1, {{"key", "x"}}}});
    FakeHookTools tools(state);
    tools.secret_remove(id, 1);
    EXPECT_EQ(tools.state().find_secret(id)->removed_revisions, (std::vector<int>{1}));
    EXPECT_EQ(tool_error([&] {
                  tools.secret_remove("eeeeeeeeeeeeeeeeeeee", std::nullopt);
              }).stderr_text(),
              "ERROR permission denied\n");
    tools.secret_remove("secret:" + id, std::nullopt);
    EXPECT_EQ(tools.state().find_secret(id), nullptr);
    EXPECT_EQ(tools.state().removed_secrets, (std::vector<std::string>{id}));
}

// ---- unit state, goal state, ports, network --------------------------------------------------

TEST(FakeHookTools, UnitState) {
    FakeHookTools tools;
    tools.state_set({{"last_restart_signal", "abc"}, {"other", "x"}});
    tools.state_delete("other");
    EXPECT_EQ(tools.state_get(),
              (std::map<std::string, std::string>{{"last_restart_signal", "abc"}}));
}

TEST(FakeHookTools, GoalStateFromPlannedUnitsOrPeers) {
    auto state = cluster_state(true);
    FakeHookTools derived(state);
    const auto goal = derived.goal_state();
    EXPECT_EQ(goal.planned_units(), 2);  // this unit and its peer
    EXPECT_EQ(goal.relations.at("slurmd").at("slurmd").status, "joined");
    EXPECT_EQ(goal.relations.at("slurmd").at("slurmd/0").status, "active");
    EXPECT_FALSE(goal.relations.contains("slurmctld-peer"));

    state.planned_units = {
        {"slurmctld/0", "active"}, {"slurmctld/1", "dying"}, {"slurmctld/2", "waiting"}};
    FakeHookTools declared(state);
    EXPECT_EQ(declared.goal_state().planned_units(), 2);
}

TEST(FakeHookTools, PortsAndAddresses) {
    State state;
    state.private_address = "10.1.2.3";
    state.networks["slurmctld"] = {{"10.9.9.9"}, {"10.9.9.9/32"}, {"10.9.9.9"}};
    FakeHookTools tools(state);
    tools.open_port(6817, "tcp");
    tools.open_port(9092, "tcp");
    tools.close_port(9092, "tcp");
    EXPECT_EQ(tools.state().opened_ports, (std::set<std::string>{"6817/tcp"}));
    // opened-ports shows what was committed before the hook, not its pending opens.
    EXPECT_TRUE(tools.opened_ports().empty());
    EXPECT_EQ(FakeHookTools(tools.state()).opened_ports(), (std::vector<std::string>{"6817/tcp"}));
    EXPECT_EQ(tool_error([&] { tools.open_port(1, "sctp"); }).exit_code(), 2);
    EXPECT_EQ(tools.unit_get("private-address"), "10.1.2.3");
    EXPECT_EQ(tool_error([&] { tools.unit_get("x"); }).stderr_text(),
              "ERROR unknown setting \"x\"\n");
    EXPECT_EQ(tools.network_get("slurmd").ingress_addresses,
              (std::vector<std::string>{"10.1.2.3"}));
    EXPECT_EQ(tools.network_get("slurmctld").ingress_addresses,
              (std::vector<std::string>{"10.9.9.9"}));
}

TEST(FakeHookTools, InjectedFailuresAndCallCounts) {
    State state;
    state.failures["is-leader"] = {1, "ERROR leadership status unknown: timeout\n"};
    FakeHookTools tools(state);
    const auto error = tool_error([&] { tools.is_leader(); });
    EXPECT_EQ(error.exit_code(), 1);
    EXPECT_EQ(error.stderr_text(), "ERROR leadership status unknown: timeout\n");
    EXPECT_EQ(tools.calls("is-leader"), 1);  // a failed call still counts
    tools.reset_calls();
    EXPECT_EQ(tools.total_calls(), 0);
}

TEST(FakeHookTools, StateRoundTripsThroughJson) {
    auto state = cluster_state(true);
    auto& secret = state.add_owned_secret("application", "slurm-auth-key", {{"key", "k"}});
    secret.tracked_revisions["slurmctld/0"] = 1;
    secret.grants[3] = {"slurmd"};
    state.start_action("a").failure = "boom";
    state.failures["goal-state"] = {2, "ERROR x\n"};
    state.opened_ports = {"6817/tcp"};
    state.unit_status_history = {{"active", "ok"}};
    const auto copy = nlohmann::json(state).get<State>();
    EXPECT_EQ(nlohmann::json(copy), nlohmann::json(state));
    EXPECT_EQ(copy.relation(3).departed_units_data.at("slurmd/2").at("ingress-address"),
              "10.0.0.7");
    EXPECT_EQ(copy.secrets[0].grants.at(3), (std::set<std::string>{"slurmd"}));
    EXPECT_EQ(copy.action->failure, "boom");
}
