#include <gtest/gtest.h>

#include <slurmctld/juju/caching_hook_tools.hpp>

#include "support/fake_hook_tools.hpp"

using slurmctld::juju::CachingHookTools;
using slurmctld::juju::HookToolError;
using slurmctld::juju::RelationId;
using slurmctld::juju::SecretAddOptions;
using slurmctld::juju::SecretRef;
using testing_support::FakeHookTools;
using testing_support::State;

namespace {

const RelationId peer_relation{"slurmctld-peer", 1};
const RelationId slurmd_relation{"slurmd", 3};

State cluster_state(bool leader) {
    State state;
    state.leader = leader;
    state.config = {{"cluster-name", "osd"}};
    auto& peer = state.add_peer_relation("slurmctld-peer", 1);
    peer.local_app_data = {{"cluster_name", R"("osd")"}};
    peer.remote_units_data["slurmctld/1"] = {{"hostname", R"("juju-abc-1")"}};
    auto& slurmd = state.add_relation("slurmd", 3, "slurmd");
    slurmd.remote_app_data = {{"partition", "{}"}, {"other", "1"}};
    slurmd.remote_units_data["slurmd/0"] = {};
    return state;
}

}  // namespace

TEST(CachingHookTools, SecondReadsMakeNoToolCall) {
    FakeHookTools fake(cluster_state(true));
    CachingHookTools tools(fake, "slurmctld/0");
    for (int i = 0; i < 3; ++i) {
        tools.relation_ids("slurmd");
        tools.relation_ids("slurmctld-peer");
        tools.relation_list(slurmd_relation);
        tools.relation_list_app(slurmd_relation);
        tools.relation_get(peer_relation, "slurmctld/1");
        tools.relation_get_app(slurmd_relation, "slurmd");
        tools.config_get();
        tools.goal_state();
        tools.state_get();
        tools.is_leader();
        tools.leader_get();
        tools.secret_ids();
        tools.opened_ports();
        tools.network_get("slurmctld-peer");
        tools.unit_get("private-address");
    }
    EXPECT_EQ(fake.calls("relation-ids"), 2);   // once per endpoint
    EXPECT_EQ(fake.calls("relation-list"), 2);  // units and app
    EXPECT_EQ(fake.calls("relation-get"), 2);   // one unit databag, one app databag
    for (const auto* tool : {"config-get", "goal-state", "state-get", "is-leader", "leader-get",
                             "secret-ids", "opened-ports", "network-get", "unit-get"}) {
        EXPECT_EQ(fake.calls(tool), 1) << tool;
    }
}

TEST(CachingHookTools, SingleKeyReadsAreServedFromTheWholeDatabag) {
    FakeHookTools fake(cluster_state(false));
    CachingHookTools tools(fake, "slurmctld/0");
    EXPECT_EQ(tools.relation_get_key(slurmd_relation, "partition", "slurmd", true), "{}");
    EXPECT_EQ(tools.relation_get_key(slurmd_relation, "other", "slurmd/0", true),
              "1");  // unit -> app
    EXPECT_EQ(tools.relation_get_key(slurmd_relation, "missing", "slurmd", true), std::nullopt);
    EXPECT_EQ(tools.relation_get_app(slurmd_relation, "slurmd").size(), 2U);
    EXPECT_EQ(tools.relation_get_key(peer_relation, "hostname", "slurmctld/1", false),
              R"("juju-abc-1")");
    EXPECT_EQ(fake.calls("relation-get"), 2);
}

TEST(CachingHookTools, OwnRelationWritesAreVisibleToLaterReads) {
    FakeHookTools fake(cluster_state(true));
    CachingHookTools tools(fake, "slurmctld/0");
    EXPECT_EQ(tools.relation_get_app(peer_relation, "slurmctld").at("cluster_name"), R"("osd")");
    EXPECT_TRUE(tools.relation_get(peer_relation, "slurmctld/0").empty());
    tools.relation_set(peer_relation, {{"restart_signal", R"("n1")"}, {"cluster_name", ""}}, true);
    tools.relation_set(peer_relation, {{"hostname", R"("juju-abc-0")"}}, false);
    const auto app = tools.relation_get_app(peer_relation, "slurmctld");
    EXPECT_EQ(app, (testing_support::Databag{{"restart_signal", R"("n1")"}}));
    EXPECT_EQ(tools.relation_get_key(peer_relation, "hostname", "slurmctld/0", false),
              R"("juju-abc-0")");
    EXPECT_EQ(fake.calls("relation-get"), 2);
    EXPECT_EQ(fake.calls("relation-set"), 0);  // held back until the hook ends
    tools.commit();
    EXPECT_EQ(fake.calls("relation-set"), 2);
    EXPECT_EQ(fake.state().relation(1).local_app_data, app);
}

TEST(CachingHookTools, ANonLeadersAppWriteFailsAtOnceAndLeavesTheCacheAlone) {
    FakeHookTools fake(cluster_state(false));
    CachingHookTools tools(fake, "slurmctld/0");
    const auto before = tools.relation_get_app(peer_relation, "slurmctld");
    EXPECT_THROW(tools.relation_set(peer_relation, {{"cluster_name", R"("x")"}}, true),
                 HookToolError);
    EXPECT_EQ(tools.relation_get_app(peer_relation, "slurmctld"), before);
}

TEST(CachingHookTools, IsLeaderFalseSticksForTheHook) {
    FakeHookTools fake(cluster_state(false));
    CachingHookTools tools(fake, "slurmctld/0", std::chrono::milliseconds(0));
    EXPECT_FALSE(tools.is_leader());
    fake.state().leader = true;  // even if Juju would now say otherwise
    EXPECT_FALSE(tools.is_leader());
    EXPECT_EQ(fake.calls("is-leader"), 1);
}

TEST(CachingHookTools, IsLeaderTrueIsCachedForTheLease) {
    FakeHookTools fake(cluster_state(true));
    CachingHookTools cached(fake, "slurmctld/0");
    EXPECT_TRUE(cached.is_leader());
    EXPECT_TRUE(cached.is_leader());
    EXPECT_EQ(fake.calls("is-leader"), 1);

    // After the lease Juju is asked again, and a `false` then sticks.
    FakeHookTools expiring(cluster_state(true));
    std::chrono::steady_clock::time_point now{};
    CachingHookTools tools(expiring, "slurmctld/0", std::chrono::seconds(30),
                           [&now] { return now; });
    EXPECT_TRUE(tools.is_leader());
    now += std::chrono::seconds(29);
    EXPECT_TRUE(tools.is_leader());
    EXPECT_EQ(expiring.calls("is-leader"), 1);
    now += std::chrono::seconds(1);
    expiring.state().leader = false;
    EXPECT_FALSE(tools.is_leader());
    expiring.state().leader = true;
    now += std::chrono::seconds(60);
    EXPECT_FALSE(tools.is_leader());
    EXPECT_EQ(expiring.calls("is-leader"), 2);
}

TEST(CachingHookTools, StateAndLeaderWritesUpdateTheCache) {
    auto state = cluster_state(true);
    state.unit_state = {{"a", "1"}, {"b", "2"}};
    FakeHookTools fake(state);
    CachingHookTools tools(fake, "slurmctld/0");
    tools.state_get();
    tools.state_set({{"a", "10"}, {"c", "3"}});
    tools.state_delete("b");
    EXPECT_EQ(tools.state_get(), (std::map<std::string, std::string>{{"a", "10"}, {"c", "3"}}));
    tools.leader_get();
    tools.leader_set({{"k", "v"}});
    EXPECT_EQ(tools.leader_get(), (testing_support::Databag{{"k", "v"}}));
    EXPECT_EQ(fake.calls("state-get"), 1);
    EXPECT_EQ(fake.calls("leader-get"), 1);
    EXPECT_EQ(fake.calls("state-set"), 0) << "held back until the hook ends";
    tools.commit();
    EXPECT_EQ(fake.calls("state-set"), 1);
    EXPECT_EQ(fake.calls("state-delete"), 1);
    EXPECT_EQ(fake.state().unit_state,
              (std::map<std::string, std::string>{{"a", "10"}, {"c", "3"}}));
}

TEST(CachingHookTools, WritesAreHeldBackAndMergedIntoOneCallPerDatabag) {
    auto state = cluster_state(true);
    state.unit_state = {{"gone", "x"}};
    FakeHookTools fake(state);
    CachingHookTools tools(fake, "slurmctld/0");
    const auto peer = tools.relation_ids("slurmctld-peer").front();
    tools.relation_set(peer, {{"restart_signal", "\"a\""}, {"extra", "1"}}, true);
    tools.relation_set(peer, {{"restart_signal", "\"b\""}, {"extra", ""}}, true);
    tools.relation_set(peer, {{"hostname", "\"juju-abc-0\""}}, false);
    tools.state_set({{"k1", "1"}});
    tools.state_set({{"k2", "2"}});
    tools.state_delete("gone");
    EXPECT_TRUE(tools.has_pending_writes());
    EXPECT_EQ(fake.calls("relation-set"), 0);
    // The hook sees its own writes, even in databags it had not read before.
    EXPECT_EQ(tools.relation_get_key(peer, "restart_signal", "slurmctld", true), "\"b\"");
    EXPECT_EQ(tools.relation_get_key(peer, "extra", "slurmctld", true), std::nullopt);
    EXPECT_EQ(tools.relation_get_key(peer, "hostname", "slurmctld/0", false), "\"juju-abc-0\"");
    EXPECT_EQ(tools.state_get(), (std::map<std::string, std::string>{{"k1", "1"}, {"k2", "2"}}));

    tools.commit();
    EXPECT_FALSE(tools.has_pending_writes());
    EXPECT_EQ(fake.calls("relation-set"), 2) << "one per databag";
    EXPECT_EQ(fake.calls("state-set"), 1);
    EXPECT_EQ(fake.calls("state-delete"), 1);
    tools.commit();  // nothing left to send
    EXPECT_EQ(fake.calls("relation-set"), 2);
    EXPECT_EQ(fake.state().unit_state,
              (std::map<std::string, std::string>{{"k1", "1"}, {"k2", "2"}}));
}

TEST(CachingHookTools, SecretIdsFollowThisHooksAddsAndRemoves) {
    FakeHookTools fake(cluster_state(true));
    CachingHookTools tools(fake, "slurmctld/0");
    EXPECT_TRUE(tools.secret_ids().empty());
    const auto uri =
        tools.secret_add({{"key", "k"}}, SecretAddOptions::app_owned("slurm-auth-key"));
    const auto ids = tools.secret_ids();
    ASSERT_EQ(ids.size(), 1U);
    EXPECT_TRUE(uri.ends_with("/" + ids[0]));
    tools.secret_remove(uri, std::nullopt);
    EXPECT_TRUE(tools.secret_ids().empty());
    EXPECT_EQ(fake.calls("secret-ids"), 1);
}

TEST(CachingHookTools, SecretContentAndStatusAreNeverCached) {
    auto state = cluster_state(true);
    state.add_remote_secret("cccccccccccccccccccc", {{1, {{"key", "v"}}}});
    FakeHookTools fake(state);
    CachingHookTools tools(fake, "slurmctld/0");
    tools.secret_get(SecretRef::by_id("cccccccccccccccccccc"), {});
    tools.secret_get(SecretRef::by_id("cccccccccccccccccccc"), {});
    tools.status_get(false);
    tools.status_get(false);
    EXPECT_EQ(fake.calls("secret-get"), 2);
    EXPECT_EQ(fake.calls("status-get"), 2);
}

TEST(CachingHookTools, InvalidateForgetsEverything) {
    FakeHookTools fake(cluster_state(true));
    CachingHookTools tools(fake, "slurmctld/0");
    tools.config_get();
    tools.relation_get_app(slurmd_relation, "slurmd");
    tools.invalidate();
    tools.config_get();
    tools.relation_get_app(slurmd_relation, "slurmd");
    EXPECT_EQ(fake.calls("config-get"), 2);
    EXPECT_EQ(fake.calls("relation-get"), 2);
}

TEST(CachingHookTools, ErrorsAreNotCached) {
    FakeHookTools fake(cluster_state(false));
    CachingHookTools tools(fake, "slurmctld/0");
    EXPECT_THROW(tools.relation_get(RelationId{"slurmd", 9}, "slurmd/0"), HookToolError);
    EXPECT_THROW(tools.relation_get(RelationId{"slurmd", 9}, "slurmd/0"), HookToolError);
    EXPECT_EQ(fake.calls("relation-get"), 2);
}

TEST(CachingHookTools, ACommitTriesEveryWriteAndReportsTheFirstRefusal) {
    auto state = cluster_state(true);
    state.failures["relation-set"] = {2, "ERROR relation not found\n"};
    FakeHookTools fake(state);
    CachingHookTools tools(fake, "slurmctld/0");
    tools.relation_set(peer_relation, {{"restart_signal", R"("n1")"}}, true);
    tools.state_set({{"k", "v"}});
    EXPECT_THROW(tools.commit(), HookToolError);
    EXPECT_EQ(fake.state().unit_state.at("k"), "v") << "the refused relation-set cost nothing else";
    EXPECT_FALSE(tools.has_pending_writes());
}
