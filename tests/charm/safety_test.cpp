// The charm under hostile input, faults and leader churn (issue: "Safe under hostile input,
// faults and leader churn"). Every bad input tried is listed here with the status it gives.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <slurmctld/charm/settled.hpp>
#include <slurmctld/juju/context.hpp>
#include <slurmctld/juju/relation_codec.hpp>

#include "charm/charm_harness.hpp"

namespace charm_tests {
namespace {

using slurmctld::juju::Status;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::StartsWith;

/// A slurmd application `app` on relation `id` that sent `partition` (the raw databag value).
void relate_slurmd(TestCluster& cluster, int id, const std::string& app,
                   const std::string& partition) {
    auto& unit = cluster.unit(0);
    auto& relation = unit.state.add_relation("slurmd", id, app);
    relation.remote_app_data["partition"] = partition;
    relation.remote_units_data[app + "/0"] = {};
    cluster.run(0, "slurmd-relation-changed", {id, "slurmd", app, "", ""});  // app data
}

// ---- hostile partitions from a slurmd application -----------------------------------------

struct HostilePartition {
    std::string label;
    std::string payload;   ///< the `partition` databag value
    std::string reason;    ///< expected in the status after "rejected: "
    std::string bad_path;  ///< a path that must not exist afterwards ("" when none)
};

void PrintTo(const HostilePartition& p, std::ostream* out) {
    *out << p.label;
}

class CharmHostilePartition : public testing::TestWithParam<HostilePartition> {};

TEST_P(CharmHostilePartition, IsRejectedWithAStatusWhileTheRestGoesOn) {
    const auto& bad = GetParam();
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    // A good slurmd application is served in the same hook as the hostile one.
    auto& good = unit.state.add_relation("slurmd", 7, "compute");
    good.remote_app_data["partition"] = R"({"partitionname": "compute", "nodes": ["compute"]})";
    good.remote_units_data["compute/0"] = {};
    relate_slurmd(cluster, 6, "hostile", bad.payload);

    EXPECT_EQ(unit.last_exit_code, 0) << "a bad remote value never fails the hook";
    EXPECT_EQ(unit.state.unit_status.state, "blocked");
    EXPECT_THAT(unit.state.unit_status.message,
                StartsWith("primary - UP; partition from `hostile` rejected: "));
    EXPECT_THAT(unit.state.unit_status.message, HasSubstr(bad.reason));
    EXPECT_TRUE(unit.host->service("slurmctld").active);
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf.compute"),
                HasSubstr("partitionname=compute"));
    if (!bad.bad_path.empty()) {
        EXPECT_FALSE(unit.host->exists(bad.bad_path)) << bad.bad_path;
    }
    // Nothing but the good partition's include was added to /etc/slurm.
    for (const auto& name : unit.host->list_directory("/etc/slurm")) {
        EXPECT_TRUE(name == "slurm.conf.compute" || name.rfind("slurm.conf.", 0) != 0 ||
                    name == "slurm.conf.accounting" || name == "slurm.conf.profiling" ||
                    name == "slurm.conf.overrides")
            << name;
    }
    const auto journal = unit.state.juju_log;
    EXPECT_TRUE(std::any_of(journal.begin(), journal.end(), [](const auto& line) {
        return line.level == "ERROR" &&
               line.message.find("partition from `hostile` rejected") != std::string::npos;
    }));
    // The hostile application is not answered until it sends a usable partition.
    EXPECT_EQ(unit.state.relation(6).local_app_data.count("controllers"), 1U)
        << "upstream answers a slurmd app once it sent a partition (even a bad one)";
}

INSTANTIATE_TEST_SUITE_P(
    BadInputs, CharmHostilePartition,
    testing::Values(
        HostilePartition{"traversal_to_profile_d",
                         R"({"partitionname": "x/../../../../../../etc/profile.d/zz.sh"})", "'/'",
                         "/etc/profile.d/zz.sh"},
        HostilePartition{"traversal_to_root", R"({"partitionname": "../../../../root/zz"})",
                         "rejected", "/root/zz"},
        HostilePartition{"space_in_name", R"({"partitionname": "a b"})", "rejected", ""},
        HostilePartition{"name_over_255_bytes",
                         R"({"partitionname": ")" + std::string(300, 'p') + R"("})", "longer", ""},
        HostilePartition{"reserved_include_name", R"({"partitionname": "overrides"})", "reserved",
                         ""},
        HostilePartition{"default_record", R"({"partitionname": "DEFAULT"})", "rejected", ""},
        HostilePartition{"unknown_key", R"({"partitionname": "p", "nodename": "evil"})", "rejected",
                         ""},
        HostilePartition{"line_injection",
                         R"({"partitionname": "p", "maxtime": "1\nNodeName=evil"})", "rejected",
                         ""},
        HostilePartition{"not_json", "partitionname=p", "rejected", ""},
        HostilePartition{"not_an_object", R"(["p"])", "rejected", ""},
        HostilePartition{"no_name", R"({"nodes": ["p"]})", "rejected", ""}),
    [](const testing::TestParamInfo<HostilePartition>& case_info) {
        return case_info.param.label;
    });

TEST(CharmHostileInput, AReservedPartitionNameNeverMakesIdleHooksReconfigure) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    relate_slurmd(cluster, 6, "overrides", R"({"partitionname": "overrides"})");
    const auto reconfigures = unit.host->slurm.reconfigures;
    const auto restarts = unit.host->service("slurmctld").restarts;
    for (int i = 0; i < 3; ++i) {
        cluster.run(0, "update-status");
    }
    EXPECT_EQ(unit.host->slurm.reconfigures, reconfigures);
    EXPECT_EQ(unit.host->service("slurmctld").restarts, restarts);
    EXPECT_EQ(file_text(unit, "/etc/slurm/slurm.conf.overrides"), "\n");
}

TEST(CharmHostileInput, ABadDatabaseHostIsLeftOut) {
    for (const std::string hostname :
         {"\"db\\nAccountingStorageHost=evil\"", "\"db\\\"x\"", "\"db host\"", "not-json"}) {
        TestCluster cluster(1);
        cluster.deploy();
        auto& unit = cluster.unit(0);
        auto& relation = unit.state.add_relation("slurmdbd", 8, "database");
        relation.remote_app_data["hostname"] = hostname;
        relation.remote_units_data["database/0"] = {};
        cluster.run(0, "slurmdbd-relation-changed", {8, "slurmdbd", "database", "", ""});
        EXPECT_EQ(unit.last_exit_code, 0) << hostname;
        EXPECT_EQ(unit.state.unit_status.state, "blocked") << hostname;
        EXPECT_THAT(unit.state.unit_status.message,
                    HasSubstr("database host from `database` rejected"))
            << hostname;
        EXPECT_EQ(file_text(unit, "/etc/slurm/slurm.conf.accounting"), "\n") << hostname;
    }
}

TEST(CharmHostileInput, APeerHostnameWithANewlineIsNeverListed) {
    TestCluster cluster(1, /*shared_fs=*/true);
    cluster.deploy();
    cluster.integrate_mount();
    const int added = cluster.add_unit();
    cluster.join_peers(added);
    // The new unit's databag as a hostile or broken unit would leave it.
    cluster.unit(0).state.relation(kPeerRelationId).remote_units_data["slurmctld/1"]["hostname"] =
        "\"juju-5f2a1c-1\\nSlurmctldHost=evil\"";
    cluster.run(0, "slurmctld-peer-relation-changed",
                {kPeerRelationId, "slurmctld-peer", "slurmctld", "slurmctld/1", ""});
    auto& leader = cluster.unit(0);
    EXPECT_EQ(leader.last_exit_code, 0);
    EXPECT_THAT(leader.host->configured_controllers().value(), ElementsAre("juju-5f2a1c-0"));
    EXPECT_EQ(leader.state.unit_status, (Status{"waiting", "Waiting for all planned units"}));
    EXPECT_TRUE(std::any_of(
        leader.state.juju_log.begin(), leader.state.juju_log.end(), [](const auto& line) {
            return line.message.find("hostname of slurmctld/1 rejected") != std::string::npos;
        }));
}

// ---- config options ---------------------------------------------------------------------------

TEST(CharmHostileInput, AClusterNameWithANewlineBlocksUntilFixed) {
    TestCluster cluster(1);
    cluster.unit(0).state.config["cluster-name"] = "hpc\nClusterName=other";
    cluster.deploy();
    auto& unit = cluster.unit(0);
    EXPECT_EQ(unit.last_exit_code, 0);
    EXPECT_EQ(unit.state.unit_status,
              (Status{"blocked",
                      "Configuration option(s) 'cluster-name' failed validation. See "
                      "`juju debug-log` for details"}));
    EXPECT_EQ(unit.state.relation(kPeerRelationId).local_app_data.count("cluster_name"), 0U);
    EXPECT_FALSE(unit.host->exists("/etc/slurm/slurm.conf"));
    unit.state.config["cluster-name"] = "hpc";
    cluster.run(0, "config-changed");
    EXPECT_EQ(unit.state.relation(kPeerRelationId).local_app_data.at("cluster_name"), "\"hpc\"");
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

TEST(CharmHostileInput, AnInvalidClusterNameInPeerDataIsReplacedBeforeAnythingStarts) {
    TestCluster cluster(1);
    auto& unit = cluster.unit(0);
    cluster.run(0, "install");
    cluster.join_peers(0);
    unit.state.relation(kPeerRelationId).local_app_data["cluster_name"] = "\"bad\\nname\"";
    unit.state.config["cluster-name"] = "polaris";
    cluster.run(0, "slurmctld-peer-relation-created",
                {kPeerRelationId, "slurmctld-peer", "slurmctld", "", ""});
    cluster.run(0, "start");
    EXPECT_EQ(unit.state.relation(kPeerRelationId).local_app_data.at("cluster_name"),
              "\"polaris\"");
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf"), StartsWith("clustername=polaris\n"));
}

TEST(CharmHostileInput, ACharmOwnedKeyIsRefusedByNameAndTheControllerKeepsRunning) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    unit.state.config["slurm-conf-parameters"] = "SlurmctldTimeout=10";
    cluster.run(0, "config-changed");
    const auto overrides = file_text(unit, "/etc/slurm/slurm.conf.overrides");
    for (const std::string key : {"StateSaveLocation=/tmp/x", "SlurmctldHost=evil",
                                  "AuthType=auth/none", "ClusterName=other"}) {
        unit.state.config["slurm-conf-parameters"] = "SlurmctldTimeout=10\n" + key;
        cluster.run(0, "config-changed");
        const std::string name = key.substr(0, key.find('='));
        EXPECT_EQ(unit.state.unit_status,
                  (Status{"blocked", "Configuration option 'slurm-conf-parameters' sets `" + name +
                                         "`, which the charm manages"}))
            << key;
        EXPECT_EQ(file_text(unit, "/etc/slurm/slurm.conf.overrides"), overrides) << key;
        EXPECT_TRUE(unit.host->service("slurmctld").active);
    }
}

TEST(CharmHostileInput, QuotesAndEscapesSurviveTheOverridesFile) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    unit.state.config["slurm-conf-parameters"] = "MailProg=\"/usr/bin/mail -x\"";
    cluster.run(0, "config-changed");
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf.overrides"),
                HasSubstr("\"/usr/bin/mail -x\""));
}

// ---- leader churn without the shared file system ---------------------------------------------

TEST(CharmLeaderChurn, WithoutTheMountTheControllerStaysWhereItsStateIs) {
    TestCluster cluster(2);
    cluster.deploy();
    auto& holder = cluster.unit(0);
    auto& other = cluster.unit(1);
    ASSERT_EQ(holder.state.relation(kPeerRelationId).local_app_data.at("controller_unit"),
              "\"slurmctld/0\"");
    auto& sackd = other.state.add_relation("sackd", 5, "login");
    sackd.remote_units_data["login/0"] = {};
    holder.state.add_relation(sackd);
    cluster.run(0, "sackd-relation-created", {5, "sackd", "login", "", ""});
    // The leader's machine goes down; Juju elects slurmctld/1.
    holder.host->service("slurmctld").active = false;
    holder.state.leader = false;
    other.state.leader = true;
    other.state.relation(5).local_app_data = holder.state.relation(5).local_app_data;
    cluster.run(1, "leader-elected");
    EXPECT_EQ(other.last_exit_code, 0);
    EXPECT_FALSE(other.host->service("slurmctld").active) << "no second, empty controller";
    EXPECT_FALSE(other.host->exists("/etc/slurm/slurm.conf"));
    EXPECT_EQ(other.state.relation(5).local_app_data.at("controllers"), "[\"10.0.0.10:6817\"]");
    EXPECT_EQ(other.state.unit_status,
              (Status{"blocked",
                      "controller on slurmctld/0 is down; enable HA with a shared file "
                      "system to fail over"}));
    // The machine comes back: its controller runs again, and still the only one.
    holder.host->service("slurmctld").active = true;
    cluster.run(1, "update-status");
    EXPECT_EQ(other.state.unit_status.message,
              "controller on slurmctld/0 is up; enable HA with a shared file system to fail over");
    cluster.run(0, "leader-settings-changed");
    EXPECT_EQ(holder.state.unit_status, (Status{"active", "primary - UP"}));
}

TEST(CharmLeaderChurn, ANewLeaderTakesOverOnlyWhenTheControllerUnitIsGone) {
    TestCluster cluster(2);
    cluster.deploy();
    cluster.unit(1).state.leader = true;
    cluster.unit(0).state.leader = false;
    cluster.remove_unit(0);
    cluster.run(0, "leader-elected");
    auto& survivor = cluster.unit(0);
    EXPECT_EQ(survivor.state.relation(kPeerRelationId).local_app_data.at("controller_unit"),
              "\"slurmctld/1\"");
    EXPECT_TRUE(survivor.host->service("slurmctld").active);
    EXPECT_EQ(survivor.state.unit_status, (Status{"active", "primary - UP"}));
}

// ---- faults: a failed hook loses nothing ------------------------------------------------------

TEST(CharmFaults, AFailedHookThatWroteNewFilesLosesNoRestart) {
    TestCluster cluster = settled_ha_cluster(2, 3);
    auto& leader = cluster.unit(0);
    auto& backup = cluster.unit(1);
    const auto restarts = backup.host->service("slurmctld").restarts;
    // The leader writes new files, then the hook fails as it commits: Juju discards the
    // restart signal with the rest of its writes.
    leader.state.config["slurm-conf-parameters"] = "SlurmctldTimeout=10";
    leader.state.failures["relation-set"] = {1, "ERROR connection is shut down\n"};
    EXPECT_EQ(cluster.run(0, "config-changed"), 1);
    leader.state.failures.clear();
    // Even a hook of the backup that sees no new signal applies the new files.
    cluster.run(1, "update-status");
    EXPECT_EQ(backup.host->service("slurmctld").restarts, restarts + 1);
    // Juju retries the failed hook: it announces the change again.
    EXPECT_EQ(cluster.run(0, "config-changed"), 0);
    cluster.settle(2);
    EXPECT_EQ(backup.host->service("slurmctld").restarts, restarts + 1) << "once per change";
    EXPECT_THAT(file_text(backup, "/etc/slurm/slurm.conf.overrides"),
                HasSubstr("slurmctldtimeout=10"));
}

TEST(CharmFaults, KeyFilesFollowTheSecretEvenAfterAHookThatDiedAfterSecretAdd) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    const auto jwks = file_text(unit, "/etc/slurm/slurm.jwks");
    // Juju discarded the secret of a failed hook (its files stayed on disk); the failed hook
    // had started a full reconcile, which forgets the unit's settled record.
    unit.host->remove_file("/run/slurmctld-charm/settled");
    auto& secrets = unit.state.secrets;
    secrets.erase(std::remove_if(secrets.begin(), secrets.end(),
                                 [](const auto& s) { return s.label == "slurm-auth-key"; }),
                  secrets.end());
    cluster.run(0, "update-status");
    const auto* secret = unit.state.find_secret_by_label("slurm-auth-key");
    ASSERT_NE(secret, nullptr);
    const auto key = secret->revisions.rbegin()->second.at("key");
    EXPECT_NE(file_text(unit, "/etc/slurm/slurm.jwks"), jwks);
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.jwks"), HasSubstr(key));
    // A key file changed by hand is put back too.
    unit.host->add_file("/etc/slurm/jwt_hs256.key", "tampered", {"slurm", "slurm", 0600});
    cluster.run(0, "update-status");
    const auto* jwt = unit.state.find_secret_by_label("slurm-jwt-key");
    EXPECT_EQ(file_text(unit, "/etc/slurm/jwt_hs256.key"),
              jwt->revisions.rbegin()->second.at("key"));
}

TEST(CharmFaults, WaitsAreBoundedAndResumedByALaterHook) {
    TestCluster cluster = settled_ha_cluster(3, 3);
    auto& leader = cluster.unit(0);
    // slurmctld/2 leaves but its controller still answers (its hand-over is slow).
    leader.state.relation(kPeerRelationId).remote_units_data.erase("slurmctld/2");
    leader.state.planned_units.erase("slurmctld/2");
    const auto slept = leader.host->steady_now();
    cluster.run(0, "slurmctld-peer-relation-departed",
                {kPeerRelationId, "slurmctld-peer", "slurmctld", "slurmctld/2", "slurmctld/2"});
    EXPECT_LE(leader.host->steady_now() - slept, std::chrono::seconds(25));
    EXPECT_EQ(leader.state.unit_status,
              (Status{"waiting", "Waiting for juju-5f2a1c-2 to stop before it leaves the list"}));
    EXPECT_THAT(leader.host->configured_controllers().value(),
                ElementsAre("juju-5f2a1c-0", "juju-5f2a1c-1", "juju-5f2a1c-2"));
    // It stops; the next hook (an update-status tick) finishes the job.
    cluster.unit(2).host->service("slurmctld").active = false;
    cluster.run(0, "update-status");
    EXPECT_THAT(leader.host->configured_controllers().value(),
                ElementsAre("juju-5f2a1c-0", "juju-5f2a1c-1"));
}

// ---- a shared file system others can write, or that hangs ------------------------------------

TEST(CharmSharedFs, AHungMountIsAStatusNotAHungHookAndTheControllerKeepsRunning) {
    TestCluster cluster = settled_ha_cluster(2, 2);
    auto& unit = cluster.unit(1);
    unit.host->hung_paths.insert("/srv/slurmctld-statefs");
    const auto started = unit.host->steady_now();
    EXPECT_EQ(cluster.run(1, "update-status"), 0);
    EXPECT_LE(unit.host->steady_now() - started, std::chrono::seconds(15));
    EXPECT_EQ(unit.state.unit_status,
              (Status{"blocked",
                      "The shared file system at /srv/slurmctld-statefs does not "
                      "respond; retrying on the next event"}));
    EXPECT_TRUE(unit.host->service("slurmctld").active) << "never stopped by the charm";
    unit.host->hung_paths.clear();
    cluster.run(1, "update-status");
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "backup - UP"}));
}

TEST(CharmSharedFs, AStagingDirectoryPlantedAsALinkIsNeverWrittenThrough) {
    TestCluster cluster(1, /*shared_fs=*/true);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    unit.host->add_file("/var/lib/slurm/checkpoint/job_state", "jobs", {"slurm", "slurm", 0600});
    unit.host->add_file("/root/precious", "keep", {"root", "root", 0600});
    // Someone who can write the shared file system plants the staging name as a link.
    cluster.statefs()->nodes["/checkpoint.migrating"] = testing_support::FakeSymlink{"/root"};
    cluster.integrate_mount();
    cluster.settle();
    EXPECT_EQ(file_text(unit, "/root/precious"), "keep");
    EXPECT_EQ(file_text(unit, "/srv/slurmctld-statefs/checkpoint/job_state"), "jobs");
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

TEST(CharmSharedFs, AFifoAtTheHeartbeatNeverBlocksTheHandOver) {
    TestCluster cluster = settled_ha_cluster(2, 3);
    auto& leaving = cluster.unit(0);
    leaving.host->add_fifo("/srv/slurmctld-statefs/checkpoint/heartbeat");
    EXPECT_EQ(
        cluster.run(0, "slurmctld-peer-relation-departed",
                    {kPeerRelationId, "slurmctld-peer", "slurmctld", "slurmctld/1", "slurmctld/0"}),
        0);
    EXPECT_FALSE(leaving.host->service("slurmctld").active);
}

TEST(CharmSharedFs, ASlowFileSystemIsReportedOnlyWhenTwoMeasurementsInARowAreSlow) {
    TestCluster cluster(1, /*shared_fs=*/true);
    cluster.deploy();
    cluster.integrate_mount();
    auto& unit = cluster.unit(0);
    ASSERT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
    unit.host->write_latency["/srv/slurmctld-statefs"] = std::chrono::milliseconds(100);
    unit.host->sleep_for(std::chrono::minutes(10));
    cluster.run(0, "update-status");
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"})) << "one slow probe";
    unit.host->sleep_for(std::chrono::seconds(61));
    cluster.run(0, "update-status");
    EXPECT_EQ(unit.state.unit_status,
              (Status{"active", "primary - UP; shared file system slow: p99 fsync+rename 100 ms"}));
    unit.host->write_latency["/srv/slurmctld-statefs"] = std::chrono::microseconds(500);
    unit.host->sleep_for(std::chrono::seconds(61));
    cluster.run(0, "update-status");
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

// ---- an idle update-status asks Juju almost nothing ------------------------------------------

TEST(CharmSettled, AnIdleUpdateStatusAsksOnlyIsLeaderAndRefreshesStatuses) {
    TestCluster cluster = settled_ha_cluster(2, 3);
    for (int i : {0, 1}) {
        cluster.run(i, "update-status");
        EXPECT_EQ(cluster.unit(i).tool_calls, 1) << "is-leader only";
    }
    // The backup's controller stops: the leader's application status says so, in one more call.
    cluster.unit(1).host->systemctl({"stop", "slurmctld"});
    cluster.run(0, "update-status");
    EXPECT_EQ(cluster.unit(0).tool_calls, 2);
    EXPECT_EQ(cluster.unit(0).state.app_status.message,
              "slurmctld/0 (primary) in control; 1 of 2 controllers UP");
    // The backup's own tick sees its service changed: a full reconcile (it stays stopped).
    cluster.run(1, "update-status");
    EXPECT_GT(cluster.unit(1).tool_calls, 1);
    EXPECT_EQ(cluster.unit(1).state.unit_status.message, "Waiting for `slurmctld` to start");
}

TEST(CharmSettled, AnyChangeOnTheMachineOrInLeadershipMeansAFullReconcile) {
    TestCluster cluster = settled_ha_cluster(2, 3);
    auto& leader = cluster.unit(0);
    // A file of /etc/slurm changed behind the charm's back.
    leader.host->add_file("/etc/slurm/jwt_hs256.key", "tampered", {"slurm", "slurm", 0600});
    cluster.run(0, "update-status");
    EXPECT_GT(leader.tool_calls, 1);
    EXPECT_NE(leader.host->read_file("/etc/slurm/jwt_hs256.key"), "tampered");
    cluster.run(0, "update-status");
    EXPECT_EQ(leader.tool_calls, 1);
    // Leadership moved without this unit having run a hook yet.
    leader.state.leader = false;
    cluster.run(0, "update-status");
    EXPECT_GT(leader.tool_calls, 1);
    leader.state.leader = true;
    cluster.run(0, "leader-elected");
    // Half an hour on, a full reconcile anyway.
    cluster.run(0, "update-status");
    EXPECT_EQ(leader.tool_calls, 1);
    leader.host->sleep_for(std::chrono::minutes(31));
    cluster.run(0, "update-status");
    EXPECT_GT(leader.tool_calls, 1);
}

TEST(CharmSettled, AComputeNodeComingOrGoingAsksOnlyIsLeaderButNewPartitionDataIsRead) {
    TestCluster cluster(2, /*shared_fs=*/true);
    cluster.deploy();
    cluster.integrate_mount();
    auto& leader = cluster.unit(0);
    auto& relation = leader.state.add_relation("slurmd", 6, "compute");
    relation.remote_app_data["partition"] = R"({"partitionname": "compute", "nodes": ["compute"]})";
    relation.remote_units_data["compute/0"] = {};
    cluster.run(0, "slurmd-relation-created", {6, "slurmd", "compute", "", ""});
    cluster.settle(3);
    // Unit-level events carry only the node's unit databag, which the charm never reads.
    relation.remote_units_data["compute/1"] = {};
    const auto commands_before = leader.host->commands.size();
    cluster.run(0, "slurmd-relation-joined", {6, "slurmd", "compute", "compute/1", ""});
    EXPECT_EQ(leader.tool_calls, 1) << "is-leader only";
    cluster.run(0, "slurmd-relation-changed", {6, "slurmd", "compute", "compute/1", ""});
    EXPECT_EQ(leader.tool_calls, 1);
    // Nor do they ask the controllers: only update-status refreshes the statuses from them.
    for (auto at = commands_before; at < leader.host->commands.size(); ++at) {
        EXPECT_NE(leader.host->commands[at].front(), "scontrol");
    }
    EXPECT_GT(leader.host->commands.size(), commands_before) << "the service is checked";
    // A compute node leaving is input: the leader deletes its node from Slurm (a full hook).
    relation.remote_units_data.erase("compute/1");
    cluster.run(0, "slurmd-relation-departed", {6, "slurmd", "compute", "compute/1", "compute/1"});
    EXPECT_GT(leader.tool_calls, 1);
    // For a backup it is not: only the leader deletes nodes (is-leader, as for a joining unit).
    auto& backup = cluster.unit(1);
    auto& backup_relation = backup.state.add_relation("slurmd", 6, "compute");
    backup_relation.remote_app_data = relation.remote_app_data;
    backup_relation.remote_units_data["compute/0"] = {};
    cluster.run(1, "slurmd-relation-created", {6, "slurmd", "compute", "", ""});
    cluster.settle(3);
    cluster.run(1, "slurmd-relation-departed", {6, "slurmd", "compute", "compute/1", "compute/1"});
    EXPECT_EQ(backup.tool_calls, 1) << "is-leader only";
    // New application data comes with an application-level relation-changed: a full reconcile.
    relation.remote_app_data["partition"] =
        R"({"maxtime": "1:00:00", "partitionname": "compute", "nodes": ["compute"]})";
    cluster.run(0, "slurmd-relation-changed", {6, "slurmd", "compute", "", ""});
    EXPECT_GT(leader.tool_calls, 1);
    EXPECT_THAT(file_text(leader, "/etc/slurm/slurm.conf.compute"), HasSubstr("maxtime=1:00:00"));
    // The unit itself departing is its teardown, never the shortcut.
    EXPECT_FALSE(
        slurmctld::charm::event_brings_no_input(slurmctld::juju::HookContext::from_environment(
            {{"JUJU_DISPATCH_PATH", "hooks/slurmd-relation-departed"},
             {"JUJU_UNIT_NAME", "slurmctld/0"},
             {"JUJU_RELATION", "slurmd"},
             {"JUJU_RELATION_ID", "slurmd:6"},
             {"JUJU_REMOTE_APP", "compute"},
             {"JUJU_REMOTE_UNIT", "compute/0"},
             {"JUJU_DEPARTING_UNIT", "slurmctld/0"}},
            "")));
}

// ---- goal-state: removals at once, additions wait (time-boxed) ---------------------------------

TEST(CharmGoalState, AUnitGoingAwayLeavesTheListAtOnce) {
    TestCluster cluster = settled_ha_cluster(3, 3);
    auto& leader = cluster.unit(0);
    // Juju marks slurmctld/2 dying; its controller has handed over and stopped.
    leader.state.planned_units["slurmctld/2"] = "dying";
    cluster.unit(2).host->systemctl({"stop", "slurmctld"});
    // The leader hears of it (the dying unit's last peer data), before the unit leaves scope.
    cluster.run(0, "slurmctld-peer-relation-changed",
                {kPeerRelationId, "slurmctld-peer", "slurmctld", "slurmctld/2", ""});
    EXPECT_THAT(leader.host->configured_controllers().value(),
                ElementsAre("juju-5f2a1c-0", "juju-5f2a1c-1"));
}

TEST(CharmGoalState, AdditionsWaitForEveryPlannedUnitButNotForever) {
    TestCluster cluster = settled_ha_cluster(2, 3);
    // Two more units are planned; only one has arrived.
    const int arrived = cluster.add_unit();
    auto& leader = cluster.unit(0);
    cluster.join_peers(arrived);
    cluster.unit(arrived).host->mount("/srv/slurmctld-statefs", cluster.statefs());
    leader.state.relation(kPeerRelationId).remote_units_data["slurmctld/2"]["hostname"] =
        "\"juju-5f2a1c-2\"";
    leader.state.planned_units["slurmctld/3"] = "allocating";
    cluster.run(0, "slurmctld-peer-relation-changed",
                {kPeerRelationId, "slurmctld-peer", "slurmctld", "slurmctld/2", ""});
    EXPECT_THAT(leader.host->configured_controllers().value(),
                ElementsAre("juju-5f2a1c-0", "juju-5f2a1c-1"))
        << "no partial list while a planned unit is on its way";
    EXPECT_EQ(leader.state.unit_status.message, "Waiting for all planned units");
    leader.host->sleep_for(std::chrono::minutes(11));
    cluster.run(0, "update-status");
    EXPECT_THAT(leader.host->configured_controllers().value(),
                ElementsAre("juju-5f2a1c-0", "juju-5f2a1c-1", "juju-5f2a1c-2"));
}

}  // namespace
}  // namespace charm_tests
