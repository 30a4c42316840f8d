// What issue 9 item 9 found untested: rotate-jwt-key, the completion of an auth-key rotation
// (secret-remove), the data slurmdbd and slurmrestd get, set-node-state with and without a
// reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/auth_keys.hpp>

#include "charm/charm_harness.hpp"

namespace charm_tests {
namespace {

using slurmctld::juju::Status;
using testing::HasSubstr;
using testing::StartsWith;
using Json = nlohmann::ordered_json;

constexpr int kSlurmdbdRelationId = 30;
constexpr int kSlurmrestdRelationId = 31;
constexpr int kSlurmdRelationId = 32;

std::string secret_uri(TestUnit& unit, const std::string& label) {
    const auto* secret = unit.state.find_secret_by_label(label);
    return secret == nullptr ? "" : "secret://" + unit.state.model_uuid + "/" + secret->id;
}

TEST(CharmActions, RotateJwtKeyNeedsTheLeaderAndPublishesTheNewKeyToSlurmdbd) {
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    auto& slurmdbd = unit.state.add_relation("slurmdbd", kSlurmdbdRelationId, "database");
    slurmdbd.remote_units_data["database/0"] = {};
    cluster.run(0, "slurmdbd-relation-created",
                {kSlurmdbdRelationId, "slurmdbd", "database", "", ""});
    const auto old_key = file_text(unit, "/etc/slurm/jwt_hs256.key");
    unit.state.leader = false;
    cluster.run(0, "actions/rotate-jwt-key");
    EXPECT_EQ(unit.state.action->failure, "Only the leader unit can rotate the JWT key.");
    EXPECT_EQ(file_text(unit, "/etc/slurm/jwt_hs256.key"), old_key);

    unit.state.leader = true;
    const auto reconfigures = unit.host->slurm.reconfigures;
    cluster.run(0, "actions/rotate-jwt-key");
    EXPECT_FALSE(unit.state.action->failure.has_value()) << *unit.state.action->failure;
    const auto new_key = file_text(unit, "/etc/slurm/jwt_hs256.key");
    EXPECT_NE(new_key, old_key);
    EXPECT_THAT(new_key, StartsWith("-----BEGIN RSA PRIVATE KEY-----"));
    const auto* secret = unit.state.find_secret_by_label("slurm-jwt-key");
    ASSERT_NE(secret, nullptr);
    EXPECT_EQ(secret->latest_revision(), 2);
    EXPECT_EQ(secret->revisions.at(2).at("key"), new_key);
    EXPECT_EQ(unit.host->file("/etc/slurm/jwt_hs256.key")->mode, 0600U);
    // The controller re-reads the key; slurmdbd follows the secret (same ID, new revision).
    EXPECT_EQ(unit.host->slurm.reconfigures, reconfigures + 1);
    EXPECT_EQ(slurmdbd.local_app_data.at("jwt_secret_id"),
              slurmctld::juju::codec::encode(secret_uri(unit, "slurm-jwt-key")));
    cluster.run(0, "update-status");
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
    // Juju's secret-remove for the old revision (slurmdbd tracks the new one) keeps the new key.
    cluster.run(0, "secret-remove",
                EventSource::secret("secret:" + secret->id, "slurm-jwt-key", 1));
    EXPECT_EQ(file_text(unit, "/etc/slurm/jwt_hs256.key"), new_key);
}

TEST(CharmActions, AnAuthKeyRotationCompletesWhenTheOldRevisionIsRemoved) {
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    cluster.run(0, "actions/rotate-auth-key");
    ASSERT_FALSE(unit.state.action->failure.has_value());
    auto jwks = slurmctld::slurm::Jwks::parse(file_text(unit, "/etc/slurm/slurm.jwks"));
    ASSERT_TRUE(jwks.has_value());
    ASSERT_EQ(jwks.value().keys().size(), 2U);  // both accepted while clients move over
    const auto* secret = unit.state.find_secret_by_label("slurm-auth-key");
    ASSERT_NE(secret, nullptr);
    const std::string id = secret->id;
    const auto latest = secret->revisions.at(2);

    // Every observer now tracks revision 2: Juju tells the owner's leader to remove revision 1.
    cluster.run(0, "secret-remove", EventSource::secret("secret:" + id, "slurm-auth-key", 1));
    jwks = slurmctld::slurm::Jwks::parse(file_text(unit, "/etc/slurm/slurm.jwks"));
    ASSERT_TRUE(jwks.has_value());
    ASSERT_EQ(jwks.value().keys().size(), 1U);
    const auto& kept = jwks.value().keys().front();
    EXPECT_EQ(kept.keyid, latest.at("keyid"));
    EXPECT_EQ(std::string(kept.key.data(), kept.key.size()), latest.at("key"));
    const auto* after = unit.state.find_secret(id);
    ASSERT_NE(after, nullptr);
    EXPECT_EQ(after->revisions.count(1), 0U) << "revision 1 is removed";
    EXPECT_EQ(after->revisions.count(2), 1U);
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

TEST(CharmIntegrations, SlurmdbdGetsBothSecretsAndGivesTheAccountingHost) {
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    auto& relation = unit.state.add_relation("slurmdbd", kSlurmdbdRelationId, "database");
    relation.remote_units_data["database/0"] = {};
    cluster.run(0, "slurmdbd-relation-created",
                {kSlurmdbdRelationId, "slurmdbd", "database", "", ""});
    const auto auth = secret_uri(unit, "slurm-auth-key");
    const auto jwt = secret_uri(unit, "slurm-jwt-key");
    EXPECT_EQ(relation.local_app_data,
              (slurmctld::juju::Databag{{"auth_key", "\"\""},
                                        {"auth_key_id", "\"\""},
                                        {"auth_secret_id", "\"" + auth + "\""},
                                        {"controllers", "[]"},
                                        {"jwt_key", "\"\""},
                                        {"jwt_secret_id", "\"" + jwt + "\""},
                                        {"slurmconfig", "{}"}}));
    for (const auto* label : {"slurm-auth-key", "slurm-jwt-key"}) {
        EXPECT_EQ(unit.state.find_secret_by_label(label)->grants.count(kSlurmdbdRelationId), 1U)
            << label;
    }
    relation.remote_app_data["hostname"] = "\"juju-db-0\"";
    cluster.run(0, "slurmdbd-relation-changed",
                {kSlurmdbdRelationId, "slurmdbd", "database", "", ""});
    EXPECT_EQ(file_text(unit, "/etc/slurm/slurm.conf.accounting"),
              "\naccountingstoragehost=juju-db-0\naccountingstorageport=6819\n"
              "accountingstoragetype=accounting_storage/slurmdbd\n");
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

TEST(CharmIntegrations, AccountingTurningOnDropsTheClusterIdTheControllerMintedWithoutIt) {
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    const std::string clustername = "/var/lib/slurm/checkpoint/clustername";
    // What slurmctld leaves when it starts without accounting: its own cluster ID.
    unit.host->write_file(clustername, "polaris|3695\n", {"slurm", "slurm", 0600});
    auto& relation = unit.state.add_relation("slurmdbd", kSlurmdbdRelationId, "database");
    relation.remote_units_data["database/0"] = {};
    relation.remote_app_data["hostname"] = "\"juju-db-0\"";
    cluster.run(0, "slurmdbd-relation-changed",
                {kSlurmdbdRelationId, "slurmdbd", "database", "", ""});
    EXPECT_EQ(file_text(unit, clustername), "<missing>");
    // The controller then writes the database's ID: kept while accounting stays on.
    unit.host->write_file(clustername, "polaris|4015\n", {"slurm", "slurm", 0600});
    relation.remote_app_data["hostname"] = "\"juju-db-1\"";
    cluster.run(0, "slurmdbd-relation-changed",
                {kSlurmdbdRelationId, "slurmdbd", "database", "", ""});
    EXPECT_EQ(file_text(unit, clustername), "polaris|4015\n");
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

TEST(CharmIntegrations, SlurmrestdGetsSlurmConfAndEveryIncludeAsUpstreamsDicts) {
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    auto& slurmd = unit.state.add_relation("slurmd", kSlurmdRelationId, "compute");
    slurmd.remote_app_data["partition"] = R"({"partitionname": "compute", "nodes": ["compute"]})";
    slurmd.remote_units_data["compute/0"] = {};
    cluster.run(0, "slurmd-relation-changed",
                {kSlurmdRelationId, "slurmd", "compute", "compute/0", ""});
    auto& rest = unit.state.add_relation("slurmrestd", kSlurmrestdRelationId, "rest-api");
    rest.remote_units_data["rest-api/0"] = {};
    cluster.run(0, "slurmrestd-relation-created",
                {kSlurmrestdRelationId, "slurmrestd", "rest-api", "", ""});
    EXPECT_EQ(rest.local_app_data.at("auth_secret_id"),
              "\"" + secret_uri(unit, "slurm-auth-key") + "\"");
    EXPECT_EQ(rest.local_app_data.at("jwt_secret_id"), "\"\"");
    EXPECT_EQ(rest.local_app_data.at("controllers"), "[]");
    const auto config = Json::parse(rest.local_app_data.at("slurmconfig"));
    std::vector<std::string> files;
    for (const auto& [name, value] : config.items()) {
        files.push_back(name);
    }
    // slurm.conf first, then every include (glob order), none left out.
    EXPECT_EQ(files,
              (std::vector<std::string>{"slurm.conf", "slurm.conf.accounting", "slurm.conf.compute",
                                        "slurm.conf.overrides", "slurm.conf.profiling"}));
    EXPECT_EQ(config["slurm.conf"]["clustername"], "polaris");
    EXPECT_EQ(config["slurm.conf"]["include"],
              Json::array({"slurm.conf.compute", "slurm.conf.accounting", "slurm.conf.profiling",
                           "slurm.conf.overrides"}));
    EXPECT_EQ(config["slurm.conf.compute"]["partitions"]["compute"]["nodes"],
              Json::array({"compute"}));
    EXPECT_EQ(config["slurm.conf.accounting"], Json::object());
    // A new include (overrides) reaches slurmrestd with the next hook.
    unit.state.config["slurm-conf-parameters"] = "SlurmctldTimeout=10";
    cluster.run(0, "config-changed");
    EXPECT_EQ(Json::parse(rest.local_app_data.at("slurmconfig"))["slurm.conf.overrides"],
              Json({{"slurmctldtimeout", 10}}));
    EXPECT_EQ(
        unit.state.find_secret_by_label("slurm-auth-key")->grants.count(kSlurmrestdRelationId), 1U);
}

TEST(CharmActions, SetNodeStateWithoutAReasonSaysNaAndIdleIgnoresOne) {
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    cluster.run(0, "actions/set-node-state", {}, {{"nodes", "compute-0"}, {"state", "down"}});
    EXPECT_EQ(unit.host->slurm.updates.back(),
              (std::vector<std::string>{"nodename=compute-0", "state=down", "reason='n/a'"}));
    EXPECT_FALSE(unit.state.action->failure.has_value());
    cluster.run(0, "actions/set-node-state", {},
                {{"nodes", "compute-0"}, {"state", "idle"}, {"reason", "back from repair"}});
    EXPECT_EQ(unit.host->slurm.updates.back(),
              (std::vector<std::string>{"nodename=compute-0", "state=idle"}));
    ASSERT_EQ(unit.state.action->logs.size(), 1U);
    EXPECT_EQ(unit.state.action->logs.front(),
              "Warning: The 'idle' state does not require a reason to be set. Not updating to "
              "node(s) compute-0 'reason' field to 'back from repair'.");
    cluster.run(0, "actions/set-node-state", {},
                {{"nodes", "compute-[0-1]"}, {"state", "drain"}, {"reason", "new kernel"}});
    EXPECT_EQ(
        unit.host->slurm.updates.back(),
        (std::vector<std::string>{"nodename=compute-[0-1]", "state=drain", "reason='new kernel'"}));
}

}  // namespace
}  // namespace charm_tests
