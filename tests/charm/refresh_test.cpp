// Refresh from upstream (issue 9 item 8): a unit as the Python charm leaves it — its files,
// keys, secrets, peer data and the data it gave sackd, slurmd, slurmdbd and slurmrestd,
// recorded from upstream's code paths (upstream.md §1.6, §4.2, §5) — refreshed to this charm
// converges without restarting slurmctld, without a new key, and without changing a byte of
// any databag a related application reads.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/auth_keys.hpp>
#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/upstream_form.hpp>

#include "charm/charm_harness.hpp"
#include "charms/common/upstream_recording.hpp"

namespace charm_tests {
namespace {

using slurmctld::juju::Databag;
using slurmctld::juju::Status;

constexpr const char* kUpstreamVersion = "25.11.0-1ubuntu1";

/// slurm.conf as upstream leaves it with Slurm 25.11 (MetricsType included).
const std::string kUpstreamSlurmConf = test_charms::upstream_slurm_conf("juju-5f2a1c-0", true);

struct UpstreamUnit {
    TestCluster cluster{1};
    std::map<int, Databag> client_data;  ///< what each related app reads, before the refresh
    std::string jwks;
    std::string jwt_key;
};

/// The recorded upstream unit: single controller, related to login (sackd), compute (slurmd),
/// database (slurmdbd) and rest-api (slurmrestd), default partition `compute`.
void record_upstream_state(UpstreamUnit& recorded) {
    auto& unit = recorded.cluster.unit(0);
    auto& host = *unit.host;
    auto& state = unit.state;
    state.config["default-partition"] = "compute";
    host.install_package("slurmctld", kUpstreamVersion);
    host.install_package("libpmix-dev", "5.0.1-4");
    host.slurm.version = "25.11.0";
    // Upstream's build has auth/jwt; an LXD container has a cgroup file system of its own, so
    // upstream writes no cgroup.conf there.
    host.add_file("/usr/lib/x86_64-linux-gnu/slurm-wlm/auth_jwt.so", "ELF");
    host.mount("/sys/fs/cgroup", nullptr, "cgroup2", "cgroup2");

    const slurmctld::host::FileAttributes slurm_file{"slurm", "slurm", 0644};
    host.add_directory("/etc/slurm", {"root", "root", 0755});
    host.add_file("/etc/slurm/slurm.conf", kUpstreamSlurmConf, slurm_file);
    host.add_file("/etc/slurm/slurm.conf.compute",
                  test_charms::upstream_partition_include("compute", /*is_default=*/true),
                  slurm_file);
    host.add_file("/etc/slurm/slurm.conf.accounting",
                  "accountingstoragehost=juju-db-0\naccountingstorageport=6819\n"
                  "accountingstoragetype=accounting_storage/slurmdbd\n",
                  slurm_file);
    host.add_file("/etc/slurm/slurm.conf.profiling", "", slurm_file);  // created empty at start
    host.add_file("/etc/slurm/slurm.conf.overrides", "\n", slurm_file);
    host.add_file("/etc/slurm/gres.conf", "autodetect=nvidia\n", slurm_file);
    host.add_directory("/var/lib/slurm/checkpoint", {"slurm", "slurm", 0755});
    host.add_file("/var/lib/slurm/checkpoint/job_state", "jobs", {"slurm", "slurm", 0600});

    // Keys and their secrets (upstream.md §3).
    auto key = slurmctld::slurm::generate_auth_key();
    const slurmctld::juju::SecretContent auth{{"key", std::string(key.key)}, {"keyid", key.keyid}};
    slurmctld::slurm::Jwks jwks;
    ASSERT_TRUE(jwks.set(std::move(key)).has_value());
    const auto jwks_text = jwks.render();
    recorded.jwks = std::string(jwks_text.data(), jwks_text.size());
    const auto pem = slurmctld::slurm::generate_jwt_key_pem();
    recorded.jwt_key = std::string(pem.data(), pem.size());
    host.add_file("/etc/slurm/slurm.jwks", recorded.jwks, {"slurm", "slurm", 0600});
    host.add_file("/etc/slurm/jwt_hs256.key", recorded.jwt_key, {"slurm", "slurm", 0600});
    const std::string auth_id = "secret://" + state.model_uuid + "/" +
                                state.add_owned_secret("application", "slurm-auth-key", auth).id;
    const std::string jwt_id =
        "secret://" + state.model_uuid + "/" +
        state.add_owned_secret("application", "slurm-jwt-key", {{"key", recorded.jwt_key}}).id;

    // Peer data (upstream.md §2.1).
    auto& peer = state.add_peer_relation("slurmctld-peer", kPeerRelationId);
    // Juju's addresses, and upstream's hostname.
    peer.local_unit_data = {{"egress-subnets", "10.0.0.10/32"},
                            {"hostname", "\"juju-5f2a1c-0\""},
                            {"ingress-address", "10.0.0.10"},
                            {"private-address", "10.0.0.10"}};
    peer.local_app_data = {
        {"cluster_name", slurmctld::juju::codec::encode(test_charms::kUpstreamClusterName)},
        {"restart_signal", slurmctld::juju::codec::encode(test_charms::kUpstreamRestartSignal)}};

    // What upstream gave the clients (upstream.md §4.2): all seven keys, ops' encoding.
    const auto controller_data = [&](const std::string& controllers, const std::string& jwt,
                                     const std::string& slurmconfig) {
        return Databag{{"auth_key", "\"\""},
                       {"auth_key_id", "\"\""},
                       {"auth_secret_id", "\"" + auth_id + "\""},
                       {"controllers", controllers},
                       {"jwt_key", "\"\""},
                       {"jwt_secret_id", jwt},
                       {"slurmconfig", slurmconfig}};
    };
    auto& sackd = state.add_relation("sackd", 5, "login");
    sackd.remote_units_data["login/0"] = {};
    sackd.local_app_data = controller_data("[\"juju-5f2a1c-0:6817\"]", "\"\"", "{}");
    auto& slurmd = state.add_relation("slurmd", 6, "compute");
    slurmd.remote_units_data["compute/0"] = {};
    slurmd.remote_app_data["partition"] = R"({"partitionname": "compute", "nodes": ["compute"]})";
    slurmd.local_app_data = controller_data("[\"juju-5f2a1c-0:6817\"]", "\"\"", "{}");
    auto& slurmdbd = state.add_relation("slurmdbd", 8, "database");
    slurmdbd.remote_units_data["database/0"] = {};
    slurmdbd.remote_app_data["hostname"] = "\"juju-db-0\"";
    slurmdbd.local_app_data = controller_data("[]", "\"" + jwt_id + "\"", "{}");
    // slurmrestd: slurm.conf and every include as slurmutils' dicts (glob order).
    std::vector<std::pair<std::string, slurmctld::slurm::ConfigDocument>> documents;
    for (const std::string name : {"slurm.conf", "slurm.conf.accounting", "slurm.conf.compute",
                                   "slurm.conf.overrides", "slurm.conf.profiling"}) {
        documents.emplace_back(
            name,
            slurmctld::slurm::ConfigDocument::parse(*host.read_file("/etc/slurm/" + name)).value());
    }
    std::vector<std::pair<std::string, const slurmctld::slurm::ConfigDocument*>> files;
    for (const auto& [name, document] : documents) {
        files.emplace_back(name, &document);
    }
    auto& rest = state.add_relation("slurmrestd", 9, "rest-api");
    rest.remote_units_data["rest-api/0"] = {};
    rest.local_app_data = controller_data(
        "[]", "\"\"", slurmctld::juju::codec::encode(slurmctld::slurm::slurmconfig_json(files)));
    for (const auto& relation : state.relations) {
        if (!relation.peer) {
            recorded.client_data[relation.id] = relation.local_app_data;
        }
    }

    // The running controller, started by upstream's charm (no record of this charm's).
    auto& service = host.service("slurmctld");
    service.enabled = true;
    service.active = true;
    service.loaded_config = host.slurm_config_snapshot();
    state.opened_ports = {"6817/tcp", "9092/tcp"};
}

TEST(CharmRefresh, AUnitLeftByTheUpstreamCharmConvergesWithoutRestartOrNewKey) {
    UpstreamUnit recorded;
    record_upstream_state(recorded);
    auto& unit = recorded.cluster.unit(0);
    const auto slurm_conf = *unit.host->read_file("/etc/slurm/slurm.conf");

    for (const std::string hook : {"upgrade-charm", "config-changed", "start", "update-status"}) {
        EXPECT_EQ(recorded.cluster.run(0, hook), 0) << hook;
    }
    // Every databag a client reads is as upstream left it: the controllers keep their names
    // (peer data `controller_form` = names), so nothing changes form and nothing restarts.
    const auto& expected = recorded.client_data;
    for (const auto& [id, databag] : expected) {
        EXPECT_EQ(unit.state.relation(id).local_app_data, databag)
            << "relation " << id << " (" << unit.state.relation(id).endpoint << ")";
    }
    // Settled: the relation hooks that follow a refresh change nothing more.
    recorded.cluster.run(0, "slurmd-relation-changed", {6, "slurmd", "compute", "compute/0", ""});
    recorded.cluster.run(0, "slurmrestd-relation-changed",
                         {9, "slurmrestd", "rest-api", "rest-api/0", ""});
    for (const auto& [id, databag] : expected) {
        EXPECT_EQ(unit.state.relation(id).local_app_data, databag) << "relation " << id;
    }
    const auto& service = unit.host->service("slurmctld");
    EXPECT_TRUE(service.active);
    EXPECT_EQ(service.starts, 0);
    EXPECT_EQ(service.restarts, 0);
    EXPECT_EQ(service.stops, 0);
    // The profiling include now holds a newline: re-read in place, once (scontrol reconfigure,
    // not a restart).
    EXPECT_EQ(unit.host->slurm.reconfigures, 1);
    EXPECT_EQ(service.loaded_config, unit.host->slurm_config_snapshot());
    EXPECT_EQ(unit.host->read_file("/etc/slurm/slurm.jwks"), recorded.jwks);
    EXPECT_EQ(unit.host->read_file("/etc/slurm/jwt_hs256.key"), recorded.jwt_key);
    EXPECT_EQ(unit.state.find_secret_by_label("slurm-auth-key")->latest_revision(), 1);
    EXPECT_EQ(unit.state.find_secret_by_label("slurm-jwt-key")->latest_revision(), 1);
    const auto& peer = unit.state.relation(kPeerRelationId);
    EXPECT_EQ(peer.local_unit_data.at("hostname"), "\"juju-5f2a1c-0\"");
    EXPECT_EQ(peer.local_app_data.at("cluster_name"), "\"charmed-hpc-Ab3d\"");
    EXPECT_EQ(peer.local_app_data.at("controller_form"), "\"names\"");
    // The configuration is upstream's, SlurmctldHost included; the empty profiling include now
    // holds a newline (clients no longer print that it is empty; it parses the same).
    EXPECT_EQ(unit.host->read_file("/etc/slurm/slurm.conf"), slurm_conf);
    EXPECT_EQ(unit.host->read_file("/etc/slurm/slurm.conf.profiling"), "\n");
    EXPECT_FALSE(unit.host->exists("/etc/slurm/cgroup.conf"));
    EXPECT_EQ(unit.host->read_file("/var/lib/slurm/checkpoint/job_state"), "jobs");
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

}  // namespace
}  // namespace charm_tests
