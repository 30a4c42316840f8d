// ProcessHookTools against fake-hook-tool: the exact argv and stdin of every method, the parsing
// of Juju's answers, and the mapping of failures.
#include <filesystem>

#include <gtest/gtest.h>

#include <slurmctld/juju/hook_runner.hpp>
#include <slurmctld/juju/process_hook_tools.hpp>

#include "support/fake_tool_world.hpp"

#ifndef FAKE_HOOK_TOOL
#error "FAKE_HOOK_TOOL must name the fake-hook-tool binary"
#endif

using slurmctld::juju::HookToolError;
using slurmctld::juju::LogLevel;
using slurmctld::juju::ProcessHookTools;
using slurmctld::juju::ProcessHookToolsOptions;
using slurmctld::juju::RelationId;
using slurmctld::juju::SecretAddOptions;
using slurmctld::juju::SecretGetOptions;
using slurmctld::juju::SecretRef;
using slurmctld::juju::Status;
using slurmctld::juju::WorkloadState;
using testing_support::FakeToolWorld;
using testing_support::State;
using testing_support::TempDir;
using testing_support::ToolCall;
using Args = std::vector<std::string>;

namespace {

const RelationId peer_relation{"slurmctld-peer", 1};
const RelationId slurmd_relation{"slurmd", 3};

State cluster_state(bool leader) {
    State state;
    state.leader = leader;
    state.config = {{"cluster-name", "osd"},
                    {"default-partition", ""},
                    {"port", 6817},
                    {"use-network-state", false}};
    auto& peer = state.add_peer_relation("slurmctld-peer", 1);
    peer.local_app_data = {{"cluster_name", R"("osd")"}};
    peer.local_unit_data = {{"hostname", R"("juju-abc-0")"}};
    peer.remote_units_data["slurmctld/1"] = {{"hostname", "juju-abc-1"}};
    auto& slurmd = state.add_relation("slurmd", 3, "slurmd");
    slurmd.remote_app_data = {{"partition", R"({"partitionname": "slurmd", "x": "<&>"})"}};
    slurmd.remote_units_data["slurmd/0"] = {{"ingress-address", "10.0.0.5"}};
    slurmd.remote_units_data["slurmd/1"] = {};
    return state;
}

class ProcessHookToolsTest : public ::testing::Test {
  protected:
    void start(const State& state) {
        world_ = std::make_unique<FakeToolWorld>(FAKE_HOOK_TOOL, state);
        ProcessHookToolsOptions options;
        options.tool_dir = world_->tool_dir();
        options.env = {{"FAKE_TOOLS_DIR", world_->dir().string()}};
        options.temp_dir = secrets_dir_.path();
        tools_ = std::make_unique<ProcessHookTools>(options);
    }

    ToolCall last_call() const {
        const auto calls = world_->calls();
        if (calls.empty()) {
            ADD_FAILURE() << "no tool was called";
            return {};
        }
        return calls.back();
    }

    /// The last call was exactly `tool args...`, and it did not read stdin.
    void expect_call(const std::string& tool, const Args& args) const {
        const auto call = last_call();
        EXPECT_EQ(call.tool, tool);
        EXPECT_EQ(call.args, args);
        EXPECT_FALSE(call.stdin_text) << tool << " read stdin";
    }

    template <class Call>
    HookToolError tool_error(Call&& call) {
        try {
            call();
        } catch (const HookToolError& e) {
            return e;
        }
        ADD_FAILURE() << "expected a HookToolError";
        return HookToolError::bad_output("", "");
    }

    TempDir secrets_dir_{"secret-files"};
    std::unique_ptr<FakeToolWorld> world_;
    std::unique_ptr<ProcessHookTools> tools_;
};

}  // namespace

// ---- relations ---------------------------------------------------------------------------------

TEST_F(ProcessHookToolsTest, RelationIds) {
    auto state = cluster_state(false);
    state.add_relation("slurmd", 10, "other");
    start(state);
    EXPECT_EQ(tools_->relation_ids("slurmd"),
              (std::vector<RelationId>{{"slurmd", 10}, {"slurmd", 3}}));
    expect_call("relation-ids", {"slurmd", "--format=json"});
    EXPECT_TRUE(tools_->relation_ids("sackd").empty());
}

TEST_F(ProcessHookToolsTest, RelationList) {
    start(cluster_state(false));
    EXPECT_EQ(tools_->relation_list(slurmd_relation), (Args{"slurmd/0", "slurmd/1"}));
    expect_call("relation-list", {"--format=json", "-r", "slurmd:3"});
    EXPECT_EQ(tools_->relation_list_app(slurmd_relation), "slurmd");
    expect_call("relation-list", {"--format=json", "-r", "slurmd:3", "--app"});
    EXPECT_EQ(tools_->relation_list(RelationId{"", 1}), (Args{"slurmctld/1"}));
    expect_call("relation-list", {"--format=json", "-r", "1"});
}

TEST_F(ProcessHookToolsTest, RelationGet) {
    start(cluster_state(false));
    EXPECT_EQ(tools_->relation_get(slurmd_relation, "slurmd/0"),
              (testing_support::Databag{{"ingress-address", "10.0.0.5"}}));
    expect_call("relation-get", {"--format=json", "-r", "slurmd:3", "-", "slurmd/0"});
    EXPECT_TRUE(tools_->relation_get(slurmd_relation, "slurmd/1").empty());

    // Go escapes <, > and & in JSON; the value must come back intact.
    EXPECT_EQ(tools_->relation_get_app(slurmd_relation, "slurmd").at("partition"),
              R"({"partitionname": "slurmd", "x": "<&>"})");
    expect_call("relation-get", {"--format=json", "-r", "slurmd:3", "--app", "-", "slurmd"});

    EXPECT_EQ(tools_->relation_get_key(peer_relation, "hostname", "slurmctld/1", false),
              "juju-abc-1");
    expect_call("relation-get",
                {"--format=json", "-r", "slurmctld-peer:1", "hostname", "slurmctld/1"});
    EXPECT_EQ(tools_->relation_get_key(peer_relation, "cluster_name", "slurmctld", true),
              R"("osd")");
    expect_call("relation-get",
                {"--format=json", "-r", "slurmctld-peer:1", "--app", "cluster_name", "slurmctld"});
    // A missing key prints null: nullopt.
    EXPECT_EQ(tools_->relation_get_key(peer_relation, "restart_signal", "slurmctld", true),
              std::nullopt);
}

TEST_F(ProcessHookToolsTest, RelationSetSendsOpsPayloadOnStdin) {
    start(cluster_state(true));
    tools_->relation_set(peer_relation,
                         {{"restart_signal", R"("abc")"}, {"cluster_name", R"("osd")"}}, true);
    const auto call = last_call();
    EXPECT_EQ(call.tool, "relation-set");
    EXPECT_EQ(call.args, (Args{"-r", "slurmctld-peer:1", "--app", "--file", "-"}));
    // json.dumps(data) of the sorted databag, byte for byte.
    EXPECT_EQ(call.stdin_text, R"({"cluster_name": "\"osd\"", "restart_signal": "\"abc\""})");
    EXPECT_EQ(world_->read_state().relation(1).local_app_data.at("restart_signal"), R"("abc")");

    tools_->relation_set(peer_relation, {{"hostname", "caf\xc3\xa9 x"}, {"cluster_name", ""}},
                         false);
    EXPECT_EQ(last_call().args, (Args{"-r", "slurmctld-peer:1", "--file", "-"}));
    EXPECT_EQ(last_call().stdin_text, R"({"cluster_name": "", "hostname": "caf\u00e9 x"})");
    const auto state = world_->read_state();
    EXPECT_EQ(state.relation(1).local_unit_data.at("hostname"), "caf\xc3\xa9 x");

    // Nothing to write: no tool call at all.
    world_->clear_calls();
    tools_->relation_set(peer_relation, {}, true);
    tools_->state_set({});
    EXPECT_TRUE(world_->calls().empty());
}

TEST_F(ProcessHookToolsTest, RelationErrorsCarryToolExitCodeAndStderr) {
    start(cluster_state(false));
    const auto not_found = tool_error([&] {
        tools_->relation_get(RelationId{"slurmd", 9}, "x/0");
    });
    EXPECT_EQ(not_found.tool(), "relation-get");
    EXPECT_EQ(not_found.exit_code(), 2);
    EXPECT_EQ(not_found.stderr_text(),
              "ERROR invalid value \"slurmd:9\" for option -r: relation not found\n");
    const auto denied = tool_error([&] { tools_->relation_get_app(slurmd_relation, "slurmctld"); });
    EXPECT_EQ(denied.exit_code(), 1);
    EXPECT_EQ(denied.stderr_text(), "ERROR permission denied\n");
    const auto not_leader = tool_error([&] {
        tools_->relation_set(peer_relation, {{"a", "b"}}, true);
    });
    EXPECT_EQ(not_leader.tool(), "relation-set");
    EXPECT_EQ(not_leader.exit_code(), 1);
    EXPECT_EQ(not_leader.stderr_text(), "ERROR cannot write relation settings\n");
}

// ---- leadership, config ------------------------------------------------------------------------

TEST_F(ProcessHookToolsTest, LeadershipAndLeaderSettings) {
    auto state = cluster_state(true);
    state.leader_settings = {{"old", "x"}};
    start(state);
    EXPECT_TRUE(tools_->is_leader());
    expect_call("is-leader", {"--format=json"});
    EXPECT_EQ(tools_->leader_get(), (testing_support::Databag{{"old", "x"}}));
    expect_call("leader-get", {"--format=json"});
    tools_->leader_set({{"token", "a b"}, {"old", ""}});
    expect_call("leader-set", {"old=", "token=a b"});  // key=value: Juju has no --file here
    EXPECT_EQ(world_->read_state().leader_settings, (testing_support::Databag{{"token", "a b"}}));
    world_->clear_calls();
    tools_->leader_set({});
    EXPECT_TRUE(world_->calls().empty());

    state.leader = false;
    world_->write_state(state);
    EXPECT_FALSE(tools_->is_leader());
}

TEST_F(ProcessHookToolsTest, ConfigGetKeepsTypes) {
    start(cluster_state(false));
    const auto config = tools_->config_get();
    expect_call("config-get", {"--format=json"});
    EXPECT_EQ(config["cluster-name"], "osd");
    EXPECT_EQ(config["port"], 6817);
    EXPECT_EQ(config["use-network-state"], false);
}

// ---- status, logs ------------------------------------------------------------------------------

TEST_F(ProcessHookToolsTest, StatusSetAndGet) {
    start(cluster_state(true));
    tools_->status_set(WorkloadState::Active, "primary - UP", false);
    expect_call("status-set", {"--application=False", "active", "--", "primary - UP"});
    tools_->status_set(WorkloadState::Blocked, "-starts with a dash", true);
    expect_call("status-set", {"--application=True", "blocked", "--", "-starts with a dash"});
    EXPECT_EQ(tools_->status_get(false), (Status{"active", "primary - UP"}));
    expect_call("status-get", {"--include-data", "--format=json", "--application=false"});
    EXPECT_EQ(tools_->status_get(true), (Status{"blocked", "-starts with a dash"}));
    expect_call("status-get", {"--include-data", "--format=json", "--application=true"});
    const auto state = world_->read_state();
    EXPECT_EQ(state.unit_status, (Status{"active", "primary - UP"}));
    EXPECT_EQ(state.app_status, (Status{"blocked", "-starts with a dash"}));
}

TEST_F(ProcessHookToolsTest, VersionAndJujuLog) {
    start(cluster_state(false));
    tools_->application_version_set("24.11.1");
    expect_call("application-version-set", {"--", "24.11.1"});
    tools_->juju_log(LogLevel::Warning, "-x mount is slow");
    expect_call("juju-log", {"--log-level", "WARNING", "--", "-x mount is slow"});
    const auto state = world_->read_state();
    EXPECT_EQ(state.workload_version, "24.11.1");
    ASSERT_EQ(state.juju_log.size(), 1U);
    EXPECT_EQ(state.juju_log[0], (testing_support::JujuLogLine{"WARNING", "-x mount is slow"}));
}

// ---- actions -----------------------------------------------------------------------------------

TEST_F(ProcessHookToolsTest, ActionTools) {
    auto state = cluster_state(false);
    state.start_action("show-current-config", {{"verbose", true}});
    start(state);
    EXPECT_EQ(tools_->action_get(), (nlohmann::json{{"verbose", true}}));
    expect_call("action-get", {"--format=json"});
    tools_->action_set({{"slurm.conf", "ClusterName=osd\nSlurmctldHost=a"}, {"count", "2"}});
    expect_call("action-set", {"count=2", "slurm.conf=ClusterName=osd\nSlurmctldHost=a"});
    tools_->action_log("-working");
    expect_call("action-log", {"--", "-working"});
    tools_->action_fail("no controller");
    expect_call("action-fail", {"--", "no controller"});
    const auto action = *world_->read_state().action;
    EXPECT_EQ(action.results.at("slurm.conf"), "ClusterName=osd\nSlurmctldHost=a");
    EXPECT_EQ(action.logs, (Args{"-working"}));
    EXPECT_EQ(action.failure, "no controller");
}

TEST_F(ProcessHookToolsTest, ActionToolsOutsideAnAction) {
    start(cluster_state(false));
    const auto error = tool_error([&] { tools_->action_get(); });
    EXPECT_EQ(error.exit_code(), 1);
    EXPECT_EQ(error.stderr_text(), "ERROR not running an action\n");
}

// ---- secrets -----------------------------------------------------------------------------------

TEST_F(ProcessHookToolsTest, SecretAddPassesContentInPrivateFilesOnly) {
    start(cluster_state(true));
    const std::string key = "c2VjcmV0IGtleSBtYXRlcmlhbA==";
    const auto uri = tools_->secret_add({{"key", key}, {"keyid", "0b0f5a4e"}},
                                        SecretAddOptions::app_owned("slurm-auth-key"));
    EXPECT_TRUE(uri.starts_with("secret://")) << uri;
    const auto call = last_call();
    EXPECT_EQ(call.tool, "secret-add");
    ASSERT_EQ(call.args.size(), 6U);
    EXPECT_EQ((Args{call.args.begin(), call.args.begin() + 4}),
              (Args{"--label", "slurm-auth-key", "--owner", "application"}));
    EXPECT_TRUE(call.args[4].starts_with("key#file=" + secrets_dir_.path().string() + "/"));
    EXPECT_TRUE(call.args[5].starts_with("keyid#file=" + secrets_dir_.path().string() + "/"));
    EXPECT_FALSE(call.stdin_text);
    // The content is in the world, never in any recorded argv, and the files are gone.
    const auto state = world_->read_state();
    ASSERT_EQ(state.secrets.size(), 1U);
    EXPECT_EQ(state.secrets[0].revisions.at(1).at("key"), key);
    EXPECT_EQ(state.secrets[0].revisions.at(1).at("keyid"), "0b0f5a4e");
    EXPECT_TRUE(uri.ends_with(state.secrets[0].id));
    EXPECT_EQ(testing_support::read_text(world_->dir() / "calls.jsonl").find(key),
              std::string::npos);
    EXPECT_TRUE(std::filesystem::is_empty(secrets_dir_.path()));
}

TEST_F(ProcessHookToolsTest, SecretFilesAreRemovedWhenTheToolFails) {
    start(cluster_state(false));  // not the leader: an app secret is refused
    const auto error = tool_error([&] { tools_->secret_add({{"key", "k"}}, {}); });
    EXPECT_EQ(error.exit_code(), 1);
    EXPECT_EQ(error.stderr_text(), "ERROR this unit is not the leader\n");
    EXPECT_TRUE(std::filesystem::is_empty(secrets_dir_.path()));
    // A key that is not Juju-valid never reaches the file system or the tool.
    world_->clear_calls();
    EXPECT_THROW(tools_->secret_add({{"../etc/passwd", "x"}}, {}), std::invalid_argument);
    EXPECT_TRUE(world_->calls().empty());
    EXPECT_TRUE(std::filesystem::is_empty(secrets_dir_.path()));
}

TEST_F(ProcessHookToolsTest, SecretGetTracksAndMapsNotFound) {
    auto state = cluster_state(false);
    state.add_remote_secret("cccccccccccccccccccc", {{1, {{"key", "v1"}}}, {2, {{"key", "v2"}}}})
        .tracked_revisions["slurmctld/0"] = 1;
    start(state);
    const auto ref = SecretRef::by_id("secret:cccccccccccccccccccc");
    EXPECT_EQ(tools_->secret_get(ref, {}), (slurmctld::juju::SecretContent{{"key", "v1"}}));
    expect_call("secret-get", {"--format=json", "secret:cccccccccccccccccccc"});
    EXPECT_EQ(tools_->secret_get(ref, SecretGetOptions::peeking())->at("key"), "v2");
    expect_call("secret-get", {"--format=json", "secret:cccccccccccccccccccc", "--peek"});
    EXPECT_EQ(
        tools_->secret_get(SecretRef{ref.id, "slurm-auth-key"}, SecretGetOptions::refreshing())
            ->at("key"),
        "v2");
    expect_call("secret-get", {"--format=json", "secret:cccccccccccccccccccc", "--label",
                               "slurm-auth-key", "--refresh"});
    EXPECT_EQ(tools_->secret_get(SecretRef::by_label("slurm-auth-key"), {})->at("key"), "v2");
    expect_call("secret-get", {"--format=json", "--label", "slurm-auth-key"});
    EXPECT_EQ(world_->read_state().secrets[0].tracked_revisions.at("slurmctld/0"), 2);

    EXPECT_EQ(tools_->secret_get(SecretRef::by_label("nope"), {}), std::nullopt);
    // Other failures throw.
    const auto usage = tool_error([&] { tools_->secret_get(SecretRef{}, {}); });
    EXPECT_EQ(usage.exit_code(), 2);
    EXPECT_EQ(usage.stderr_text(), "ERROR require either a secret URI or label\n");
}

TEST_F(ProcessHookToolsTest, SecretSetGrantRevokeRemove) {
    auto state = cluster_state(true);
    const auto id = state.add_owned_secret("application", "slurm-auth-key", {{"key", "old"}}).id;
    start(state);
    tools_->secret_set("secret:" + id, {{"key", "new-key-material"}});
    auto call = last_call();
    EXPECT_EQ(call.tool, "secret-set");
    ASSERT_EQ(call.args.size(), 4U);
    EXPECT_EQ((Args{call.args.begin(), call.args.begin() + 3}),
              (Args{"--owner", "application", "secret:" + id}));
    EXPECT_TRUE(call.args[3].starts_with("key#file="));
    EXPECT_EQ(world_->read_state().find_secret(id)->revisions.at(2).at("key"), "new-key-material");
    EXPECT_TRUE(std::filesystem::is_empty(secrets_dir_.path()));

    tools_->secret_grant(id, slurmd_relation, std::nullopt);
    expect_call("secret-grant", {"--relation", "3", id});
    tools_->secret_grant(id, slurmd_relation, std::string("slurmd/1"));
    expect_call("secret-grant", {"--relation", "3", "--unit", "slurmd/1", id});
    EXPECT_EQ(world_->read_state().find_secret(id)->grants.at(3),
              (std::set<std::string>{"slurmd", "slurmd/1"}));
    tools_->secret_revoke(id, slurmd_relation, std::string("slurmd/1"));
    expect_call("secret-revoke", {"--relation", "3", "--unit", "slurmd/1", id});
    tools_->secret_revoke(id, slurmd_relation, std::nullopt);
    expect_call("secret-revoke", {"--relation", "3", id});
    EXPECT_TRUE(world_->read_state().find_secret(id)->grants.empty());

    tools_->secret_remove(id, 1);
    expect_call("secret-remove", {id, "--revision", "1"});
    tools_->secret_remove(id, std::nullopt);
    expect_call("secret-remove", {id});
    EXPECT_EQ(world_->read_state().removed_secrets, (Args{id}));
}

TEST_F(ProcessHookToolsTest, SecretInfoGetAndIds) {
    auto state = cluster_state(true);
    auto& secret = state.add_owned_secret("application", "slurm-jwt-key", {{"key", "a"}});
    secret.id = "aaaaaaaaaaaaaaaaaaa1";
    secret.description = "JWT";
    secret.revisions[4] = {{"key", "b"}};
    start(state);
    const auto info = tools_->secret_info_get(SecretRef::by_label("slurm-jwt-key"));
    expect_call("secret-info-get", {"--format=json", "--label", "slurm-jwt-key"});
    ASSERT_TRUE(info);
    EXPECT_EQ(info->id, "aaaaaaaaaaaaaaaaaaa1");
    EXPECT_EQ(info->revision, 4);
    EXPECT_EQ(info->label, "slurm-jwt-key");
    EXPECT_EQ(info->owner, "application");
    EXPECT_EQ(info->description, "JWT");
    // With an id, the label is not sent (Juju refuses both).
    EXPECT_TRUE(tools_->secret_info_get(SecretRef{"secret:aaaaaaaaaaaaaaaaaaa1", "ignored"}));
    expect_call("secret-info-get", {"--format=json", "secret:aaaaaaaaaaaaaaaaaaa1"});
    EXPECT_EQ(tools_->secret_info_get(SecretRef::by_label("slurm-auth-key")), std::nullopt);

    EXPECT_EQ(tools_->secret_ids(), (Args{"aaaaaaaaaaaaaaaaaaa1"}));
    expect_call("secret-ids", {"--format=json"});
    state.secrets.clear();
    world_->write_state(state);
    EXPECT_TRUE(tools_->secret_ids().empty());  // Juju prints null for none
}

// ---- unit state --------------------------------------------------------------------------------

TEST_F(ProcessHookToolsTest, UnitState) {
    start(cluster_state(false));
    EXPECT_TRUE(tools_->state_get().empty());  // the fake prints null for no state, as Juju 4
    expect_call("state-get", {"--format=json"});
    tools_->state_set({{"last_restart_signal", "abc"}, {"note", "a \"quoted\" value"}});
    const auto call = last_call();
    EXPECT_EQ(call.args, (Args{"--file", "-"}));
    EXPECT_EQ(call.stdin_text, R"({"last_restart_signal": "abc", "note": "a \"quoted\" value"})");
    EXPECT_EQ(tools_->state_get(),
              (std::map<std::string, std::string>{{"last_restart_signal", "abc"},
                                                  {"note", "a \"quoted\" value"}}));
    tools_->state_delete("note");
    expect_call("state-delete", {"note"});
    EXPECT_EQ(world_->read_state().unit_state,
              (std::map<std::string, std::string>{{"last_restart_signal", "abc"}}));
}

// ---- model, network ----------------------------------------------------------------------------

TEST_F(ProcessHookToolsTest, GoalState) {
    auto state = cluster_state(true);
    state.planned_units = {{"slurmctld/0", "active"}, {"slurmctld/1", "dying"}};
    start(state);
    const auto goal = tools_->goal_state();
    expect_call("goal-state", {"--format=json"});
    EXPECT_EQ(goal.planned_units(), 1);
    EXPECT_EQ(goal.units.at("slurmctld/1").status, "dying");
    EXPECT_EQ(goal.units.at("slurmctld/0").since, "2025-01-01 00:00:00Z");
    EXPECT_EQ(goal.relations.at("slurmd").at("slurmd").status, "joined");
    EXPECT_EQ(goal.relations.at("slurmd").at("slurmd/1").status, "active");
}

TEST_F(ProcessHookToolsTest, PortsAndAddresses) {
    auto state = cluster_state(false);
    state.private_address = "10.1.2.3";
    state.public_address = "203.0.113.7";
    start(state);
    tools_->open_port(6817, "tcp");
    expect_call("open-port", {"6817/tcp"});
    tools_->open_port(9092, "tcp");
    tools_->close_port(9092, "tcp");
    expect_call("close-port", {"9092/tcp"});
    EXPECT_EQ(tools_->opened_ports(), (Args{"6817/tcp"}));
    expect_call("opened-ports", {"--format=json"});
    EXPECT_EQ(tools_->unit_get("private-address"), "10.1.2.3");
    expect_call("unit-get", {"--format=json", "private-address"});
    EXPECT_EQ(tools_->unit_get("public-address"), "203.0.113.7");
    const auto network = tools_->network_get("slurmctld-peer");
    expect_call("network-get", {"--format=json", "slurmctld-peer"});
    EXPECT_EQ(network.ingress_addresses, (Args{"10.1.2.3"}));
    EXPECT_EQ(network.egress_subnets, (Args{"10.1.2.3/32"}));
    EXPECT_EQ(network.bind_addresses, (Args{"10.1.2.3"}));
}

// ---- failures
// ------------------------------------------------------------------------------------

TEST_F(ProcessHookToolsTest, InjectedRuntimeFailure) {
    auto state = cluster_state(false);
    state.failures["config-get"] = {1, "ERROR connection is shut down\n"};
    start(state);
    const auto error = tool_error([&] { tools_->config_get(); });
    EXPECT_EQ(error.tool(), "config-get");
    EXPECT_EQ(error.exit_code(), 1);
    EXPECT_EQ(error.stderr_text(), "ERROR connection is shut down\n");
    EXPECT_STREQ(error.what(), "config-get failed (exit 1): ERROR connection is shut down");
}

TEST_F(ProcessHookToolsTest, SecretGetFailuresOtherThanNotFoundThrow) {
    auto state = cluster_state(false);
    state.failures["secret-get"] = {1, "ERROR permission denied\n"};
    state.failures["secret-info-get"] = {1, "ERROR secret \"x\" not found\n"};
    start(state);
    EXPECT_EQ(
        tool_error([&] { tools_->secret_get(SecretRef::by_id("secret:x"), {}); }).stderr_text(),
        "ERROR permission denied\n");
    EXPECT_EQ(tools_->secret_info_get(SecretRef::by_id("secret:x")), std::nullopt);
}

TEST_F(ProcessHookToolsTest, AToolThatCannotBeRunIsAHookToolError) {
    TempDir empty("no-tools");
    ProcessHookToolsOptions options;
    options.tool_dir = empty.path();
    ProcessHookTools tools(options);
    try {
        tools.is_leader();
        FAIL() << "expected a HookToolError";
    } catch (const HookToolError& e) {
        EXPECT_EQ(e.tool(), "is-leader");
        EXPECT_EQ(e.failure(), HookToolError::Failure::NotRun);
    }
}

TEST_F(ProcessHookToolsTest, UnreadableAnswerIsAHookToolError) {
    TempDir dir("bad-tools");
    testing_support::write_text(dir / "is-leader", "#!/bin/sh\necho maybe\n");
    std::filesystem::permissions(dir / "is-leader", std::filesystem::perms::owner_all);
    ProcessHookToolsOptions options;
    options.tool_dir = dir.path();
    ProcessHookTools tools(options);
    const auto error = tool_error([&] { tools.is_leader(); });
    EXPECT_EQ(error.tool(), "is-leader");
    EXPECT_EQ(error.failure(), HookToolError::Failure::BadOutput);
}

TEST_F(ProcessHookToolsTest, EveryToolHasATimeoutByDefault) {
    EXPECT_EQ(ProcessHookToolsOptions{}.timeout, std::chrono::seconds(60));
}

TEST_F(ProcessHookToolsTest, AToolThatDoesNotAnswerIsKilledAndTheHookRetried) {
    TempDir dir("slow-tools");
    // exec: the shell becomes the sleeper, so the kill reaches the process holding the pipes.
    testing_support::write_text(dir / "is-leader", "#!/bin/sh\nexec sleep 30\n");
    std::filesystem::permissions(dir / "is-leader", std::filesystem::perms::owner_all);
    ProcessHookToolsOptions options;
    options.tool_dir = dir.path();
    options.timeout = std::chrono::milliseconds(200);
    ProcessHookTools tools(options);
    const auto error = tool_error([&] { tools.is_leader(); });
    EXPECT_EQ(error.tool(), "is-leader");
    EXPECT_NE(error.exit_code(), 2);
    EXPECT_TRUE(slurmctld::juju::should_retry(error));
    EXPECT_EQ(error.stderr_text(),
              "ERROR no answer within 200 ms, killed (the unit agent may be stuck; the hook will "
              "be retried)\n");
}
