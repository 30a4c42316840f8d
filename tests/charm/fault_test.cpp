// Fault injection (label `fault`): for every hook of scripted scenarios (deploy, HA deploy, live
// migration, scale up, scale down, key rotation, failover, idle update-status), the hook is crashed
// at each of its steps in turn — every hook-tool call and every change to the machine — Juju's
// discard is applied (relation data, unit state, secrets and ports of a failed hook), the hook is
// run again as Juju retries it, and the cluster settles. Then, against a crash-free run of the same
// hook:
//   - the files on every machine are the same (key material and random names aside),
//   - the key files equal the secrets,
//   - every unit that reads a slurm.conf sees one controller list, and the clients are told it,
//   - every running controller runs the configuration on disk (no restart lost),
//   - nothing that was in the shared StateSaveLocation before the hook was overwritten or lost.
#include <functional>
#include <regex>
#include <set>

#include <gtest/gtest.h>

#include <slurmctld/charm/controllers.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/auth_keys.hpp>

#include "charm/charm_harness.hpp"

namespace charm_tests {
namespace {

using testing_support::CrashPlan;
namespace host = slurmctld::host;

constexpr int kSackdRelationId = 5;
constexpr int kSlurmdRelationId = 6;

/// One hook of a scenario, and what changes in the world just before it (once: a retry of the
/// hook does not change the world again).
struct Step {
    std::string name;
    std::function<void(TestCluster&)> world;
    std::function<int(TestCluster&)> unit;  ///< which unit runs the hook
    std::string hook;
    EventSource source;
};

struct Scenario {
    std::string name;
    std::function<TestCluster()> start;
    std::vector<Step> steps;
};

std::function<int(TestCluster&)> unit_index(int index) {
    return [index](TestCluster&) { return index; };
}

Step hook_step(std::string name, int unit, std::string hook, EventSource source = {},
               std::function<void(TestCluster&)> world = nullptr) {
    return Step{std::move(name), std::move(world), unit_index(unit), std::move(hook),
                std::move(source)};
}

EventSource peer_source(const std::string& remote_unit = "", const std::string& departing = "") {
    return {kPeerRelationId, "slurmctld-peer", "slurmctld", remote_unit, departing};
}

/// The first hooks of unit `index`, as Juju runs them on a new unit.
std::vector<Step> deploy_steps(int index, bool leader) {
    const std::string tag = "unit" + std::to_string(index) + "_";
    return {
        hook_step(tag + "install", index, "install"),
        hook_step(tag + "peer_created", index, "slurmctld-peer-relation-created", peer_source(),
                  [index](TestCluster& cluster) { cluster.join_peers(index); }),
        hook_step(tag + (leader ? "leader_elected" : "leader_settings_changed"), index,
                  leader ? "leader-elected" : "leader-settings-changed"),
        hook_step(tag + "config_changed", index, "config-changed"),
        hook_step(tag + "start", index, "start"),
    };
}

/// The mount integration's hooks on unit `index` (created, then the subordinate's mounted=true).
std::vector<Step> mount_steps(int index) {
    const std::string tag = "unit" + std::to_string(index) + "_";
    const std::string sub = "checkpoint/" + std::to_string(index);
    return {
        hook_step(tag + "mount_created", index, "mount-relation-created",
                  {kMountRelationId, "mount", "checkpoint", "", ""},
                  [index, sub](TestCluster& cluster) {
                      auto& state = cluster.unit(index).state;
                      if (state.find_relation(kMountRelationId) == nullptr) {
                          testing_support::FakeRelation relation;
                          relation.endpoint = "mount";
                          relation.id = kMountRelationId;
                          relation.remote_app = "checkpoint";
                          relation.remote_units_data[sub] = {};
                          state.add_relation(relation);
                      }
                  }),
        hook_step(tag + "mount_changed", index, "mount-relation-changed",
                  {kMountRelationId, "mount", "checkpoint", sub, ""},
                  [index, sub](TestCluster& cluster) {
                      auto& unit = cluster.unit(index);
                      unit.host->mount("/srv/slurmctld-statefs", cluster.statefs());
                      unit.state.relation(kMountRelationId).remote_units_data[sub] = {
                          {"mounted", "true"}};
                  }),
    };
}

TestCluster new_cluster(int units, bool shared_fs) {
    TestCluster cluster(units, shared_fs);
    for (std::size_t i = 0; i < cluster.size(); ++i) {
        cluster.unit(static_cast<int>(i)).state.config["cluster-name"] = "hpc";
    }
    return cluster;
}

TestCluster ha_cluster(int units) {
    auto cluster = new_cluster(units, /*shared_fs=*/true);
    cluster.deploy();
    cluster.integrate_mount();
    cluster.settle(3);
    return cluster;
}

void relate_clients(TestCluster& cluster) {
    auto& leader = cluster.unit(0);
    auto& sackd = leader.state.add_relation("sackd", kSackdRelationId, "login");
    sackd.remote_units_data["login/0"] = {};
    auto& slurmd = leader.state.add_relation("slurmd", kSlurmdRelationId, "compute");
    slurmd.remote_app_data["partition"] = R"({"partitionname": "compute", "nodes": ["compute"]})";
    slurmd.remote_units_data["compute/0"] = {};
}

// ---- the integrations of issue 9: each created/changed and broken -----------------------------

constexpr int kOciRelationId = 20;
constexpr int kSmtpRelationId = 21;
constexpr int kInfluxRelationId = 22;
constexpr int kCosRelationId = 23;
constexpr int kSlurmdbdRelationId = 25;

void remove_relation(TestCluster& cluster, int id) {
    auto& relations = cluster.unit(0).state.relations;
    relations.erase(std::remove_if(relations.begin(), relations.end(),
                                   [id](const auto& relation) { return relation.id == id; }),
                    relations.end());
}

TestCluster integrations_start() {
    auto cluster = new_cluster(1, false);
    auto& unit = cluster.unit(0);
    unit.host->add_file("/etc/os-release",
                        "ID=ubuntu\nVERSION_ID=\"24.04\"\nVERSION_CODENAME=noble\n");
    auto influx = std::make_shared<test_charms::InfluxdbModel>("admin", "adminpass");
    serve_influxdb(*unit.host, "10.1.2.3:8086", influx);
    cluster.deploy();
    relate_clients(cluster);
    unit.host->slurm.nodes = {"compute-0", "compute-1"};
    auto& slurmdbd = unit.state.add_relation("slurmdbd", kSlurmdbdRelationId, "slurmdbd");
    slurmdbd.remote_app_data["hostname"] = "\"juju-db-0\"";
    slurmdbd.remote_units_data["slurmdbd/0"] = {};
    cluster.run(0, "slurmdbd-relation-changed",
                {kSlurmdbdRelationId, "slurmdbd", "slurmdbd", "slurmdbd/0", ""});
    cluster.settle(2);
    return cluster;
}

Scenario integrations_scenario() {
    Scenario scenario{"integrations", integrations_start, {}};
    auto& steps = scenario.steps;
    steps.push_back(hook_step(
        "oci_changed", 0, "oci-runtime-relation-changed",
        {kOciRelationId, "oci-runtime", "apptainer", "", ""}, [](TestCluster& cluster) {
            auto& relation =
                cluster.unit(0).state.add_relation("oci-runtime", kOciRelationId, "apptainer");
            relation.remote_units_data["apptainer/0"] = {};
            relation.remote_app_data = {{"type", "\"apptainer\""},
                                        {"executable_path", "\"/usr/bin/apptainer\""}};
        }));
    steps.push_back(
        hook_step("oci_broken", 0, "oci-runtime-relation-broken",
                  {kOciRelationId, "oci-runtime", "apptainer", "", ""},
                  [](TestCluster& cluster) { remove_relation(cluster, kOciRelationId); }));
    steps.push_back(hook_step(
        "smtp_changed", 0, "smtp-relation-changed",
        {kSmtpRelationId, "smtp", "smtp-integrator", "", ""}, [](TestCluster& cluster) {
            auto& state = cluster.unit(0).state;
            auto& relation = state.add_relation("smtp", kSmtpRelationId, "smtp-integrator");
            relation.remote_units_data["smtp-integrator/0"] = {};
            relation.remote_app_data = {{"host", "mail.example.com"},
                                        {"port", "587"},
                                        {"user", "slurm"},
                                        {"password_id", "secret:cr00000000000000smtp"},
                                        {"auth_type", "plain"},
                                        {"transport_security", "tls"}};
            state.add_remote_secret("cr00000000000000smtp", {{1, {{"password", "pw"}}}});
        }));
    steps.push_back(
        hook_step("smtp_broken", 0, "smtp-relation-broken",
                  {kSmtpRelationId, "smtp", "smtp-integrator", "", ""},
                  [](TestCluster& cluster) { remove_relation(cluster, kSmtpRelationId); }));
    steps.push_back(hook_step(
        "influxdb_changed", 0, "influxdb-relation-changed",
        {kInfluxRelationId, "influxdb", "influxdb", "influxdb/0", ""}, [](TestCluster& cluster) {
            auto& relation =
                cluster.unit(0).state.add_relation("influxdb", kInfluxRelationId, "influxdb");
            relation.remote_units_data["influxdb/0"] = {{"ingress-address", "10.1.2.3"},
                                                        {"port", "8086"},
                                                        {"user", "admin"},
                                                        {"password", "adminpass"}};
        }));
    steps.push_back(
        hook_step("influxdb_broken", 0, "influxdb-relation-broken",
                  {kInfluxRelationId, "influxdb", "influxdb", "", ""},
                  [](TestCluster& cluster) { remove_relation(cluster, kInfluxRelationId); }));
    steps.push_back(hook_step("cos_joined", 0, "cos-agent-relation-joined",
                              {kCosRelationId, "cos-agent", "grafana-agent", "grafana-agent/0", ""},
                              [](TestCluster& cluster) {
                                  auto& relation = cluster.unit(0).state.add_relation(
                                      "cos-agent", kCosRelationId, "grafana-agent");
                                  relation.remote_units_data["grafana-agent/0"] = {};
                              }));
    steps.push_back(
        hook_step("cos_broken", 0, "cos-agent-relation-broken",
                  {kCosRelationId, "cos-agent", "grafana-agent", "", ""},
                  [](TestCluster& cluster) { remove_relation(cluster, kCosRelationId); }));
    steps.push_back(hook_step(
        "slurmd_unit_departed", 0, "slurmd-relation-departed",
        {kSlurmdRelationId, "slurmd", "compute", "compute/1", "compute/1"},
        [](TestCluster& cluster) {
            cluster.unit(0).state.relation(kSlurmdRelationId).remote_units_data.erase("compute/1");
        }));
    return scenario;
}

std::vector<Scenario> scenarios() {
    std::vector<Scenario> all;

    Scenario single{"single", [] { return new_cluster(1, false); }, deploy_steps(0, true)};
    single.steps.push_back(hook_step("sackd_created", 0, "sackd-relation-created",
                                     {kSackdRelationId, "sackd", "login", "", ""},
                                     [](TestCluster& cluster) { relate_clients(cluster); }));
    single.steps.push_back(hook_step("slurmd_changed", 0, "slurmd-relation-changed",
                                     {kSlurmdRelationId, "slurmd", "compute", "compute/0", ""}));
    single.steps.push_back(
        hook_step("new_overrides", 0, "config-changed", {}, [](TestCluster& cluster) {
            cluster.unit(0).state.config["slurm-conf-parameters"] = "SlurmctldTimeout=10";
        }));
    all.push_back(std::move(single));

    Scenario ha{"ha_deploy", [] { return new_cluster(2, true); }, {}};
    for (const auto& step : deploy_steps(0, true)) {
        ha.steps.push_back(step);
    }
    for (const auto& step : deploy_steps(1, false)) {
        ha.steps.push_back(step);
    }
    for (int unit : {0, 1}) {
        for (const auto& step : mount_steps(unit)) {
            ha.steps.push_back(step);
        }
    }
    ha.steps.push_back(hook_step("leader_sees_backup", 0, "slurmctld-peer-relation-changed",
                                 peer_source("slurmctld/1")));
    ha.steps.push_back(hook_step("backup_sees_signal", 1, "slurmctld-peer-relation-changed",
                                 peer_source("slurmctld/0")));
    all.push_back(std::move(ha));

    Scenario migration{"migration",
                       [] {
                           auto cluster = new_cluster(1, true);
                           cluster.deploy();
                           cluster.unit(0).host->add_file("/var/lib/slurm/checkpoint/job_state",
                                                          "jobs", {"slurm", "slurm", 0600});
                           return cluster;
                       },
                       mount_steps(0)};
    all.push_back(std::move(migration));

    Scenario scale_up{"scale_up", [] { return ha_cluster(2); }, {}};
    scale_up.steps.push_back(hook_step("unit2_install", 2, "install", {}, [](TestCluster& c) {
        const int added = c.add_unit();
        c.unit(added).state.config["cluster-name"] = "hpc";
    }));
    for (std::size_t i = 1; i < 5; ++i) {
        scale_up.steps.push_back(deploy_steps(2, false)[i]);
    }
    for (const auto& step : mount_steps(2)) {
        scale_up.steps.push_back(step);
    }
    scale_up.steps.push_back(hook_step("leader_sees_unit2", 0, "slurmctld-peer-relation-changed",
                                       peer_source("slurmctld/2")));
    scale_up.steps.push_back(hook_step("backup_sees_signal", 1, "slurmctld-peer-relation-changed",
                                       peer_source("slurmctld/0")));
    all.push_back(std::move(scale_up));

    Scenario scale_down{"scale_down", [] { return ha_cluster(3); }, {}};
    scale_down.steps.push_back(hook_step("dying_departed", 2, "slurmctld-peer-relation-departed",
                                         peer_source("slurmctld/0", "slurmctld/2")));
    scale_down.steps.push_back(hook_step("dying_stop", 2, "stop"));
    scale_down.steps.push_back(
        hook_step("leader_departed", 0, "slurmctld-peer-relation-departed",
                  peer_source("slurmctld/2", "slurmctld/2"), [](TestCluster& cluster) {
                      for (int i : {0, 1}) {
                          cluster.unit(i)
                              .state.relation(kPeerRelationId)
                              .remote_units_data.erase("slurmctld/2");
                          cluster.unit(i).state.planned_units.erase("slurmctld/2");
                      }
                  }));
    all.push_back(std::move(scale_down));

    Scenario rotation{"key_rotation", [] { return ha_cluster(2); }, {}};
    rotation.steps.push_back(hook_step("rotate_auth_key", 0, "actions/rotate-auth-key"));
    rotation.steps.push_back(Step{"backup_secret_changed",
                                  [](TestCluster& cluster) { cluster.propagate(0); }, unit_index(1),
                                  "secret-changed", EventSource::secret("", "slurm-auth-key")});
    rotation.steps.push_back(Step{"secret_remove", nullptr, unit_index(0), "secret-remove",
                                  EventSource::secret("", "slurm-auth-key", 1)});
    all.push_back(std::move(rotation));

    all.push_back(integrations_scenario());

    Scenario failover{"failover", [] { return ha_cluster(2); }, {}};
    failover.steps.push_back(
        hook_step("new_leader_elected", 1, "leader-elected", {}, [](TestCluster& cluster) {
            cluster.unit(0).host->service("slurmctld").active = false;
            cluster.unit(0).state.leader = false;
            cluster.unit(1).state.leader = true;
        }));
    failover.steps.push_back(hook_step("new_leader_update_status", 1, "update-status"));
    all.push_back(std::move(failover));

    // The primary's machine is lost and the backup takes control; a job the primary started
    // after its last save was relaunched and Slurm drained its node ("Duplicate jobid"). The
    // backup records when it first saw itself in control and, after Slurm's missing-job grace,
    // has every node register again (resume, undrain); once per time in control.
    Scenario resync{"failover_resync", [] { return ha_cluster(2); }, {}};
    resync.steps.push_back(hook_step(
        "backup_sees_itself_in_control", 1, "update-status", {}, [](TestCluster& cluster) {
            cluster.unit(0).host->systemctl({"stop", "slurmctld"});
            auto& slurm = cluster.unit(1).host->slurm;
            slurm.nodes = {"compute-0", "compute-1", "compute-2"};
            slurm.drained = {{"compute-0", "Duplicate jobid"}, {"compute-1", "maintenance"}};
            write_heartbeat(*cluster.unit(1).host, 1);
        }));
    for (const auto& [name, later] :
         {std::pair{"backup_after_the_grace", 31}, std::pair{"backup_later_again", 60}}) {
        resync.steps.push_back(
            hook_step(name, 1, "update-status", {}, [later = later](TestCluster& cluster) {
                cluster.unit(1).host->clock += std::chrono::seconds(later);
                write_heartbeat(*cluster.unit(1).host, 1);
            }));
    }
    all.push_back(std::move(resync));

    Scenario idle{"idle", [] { return ha_cluster(2); }, {}};
    idle.steps.push_back(hook_step("leader_update_status", 0, "update-status"));
    idle.steps.push_back(hook_step("backup_update_status", 1, "update-status"));
    idle.steps.push_back(
        hook_step("backup_stopped_update_status", 0, "update-status", {}, [](TestCluster& cluster) {
            cluster.unit(1).host->systemctl({"stop", "slurmctld"});
        }));
    all.push_back(std::move(idle));
    return all;
}

/// Secret hooks name the secret by ID: fill it in from the unit's view when the step left it
/// empty.
EventSource resolved_source(TestCluster& cluster, int unit, EventSource source) {
    if (!source.secret_label.empty() && source.secret_id.empty()) {
        if (const auto* secret =
                cluster.unit(unit).state.find_secret_by_label(source.secret_label)) {
            source.secret_id = "secret:" + secret->id;
        }
    }
    return source;
}

int run_step(TestCluster& cluster, const Step& step, bool change_world) {
    if (change_world && step.world) {
        step.world(cluster);
    }
    const int unit = step.unit(cluster);
    return cluster.run(unit, step.hook, resolved_source(cluster, unit, step.source));
}

// ---- what is compared ---------------------------------------------------------------------------

const std::set<std::string> kKeyFiles = {"slurm.jwks", "jwt_hs256.key", "slurm.key", "munge.key"};

/// Every file, directory and link under `root` on the machine, with owner, mode and (for files)
/// content; key material, the identity token and timestamps in names are left out.
void walk(host::Host& machine, const std::string& path, std::map<std::string, std::string>& out) {
    static const std::regex kBackup(R"(/etc/slurm_\d{8}_\d{6}(\.\d+)?)");
    const std::string name = std::regex_replace(path, kBackup, "/etc/slurm_<time>");
    const auto status = machine.status(path);
    const std::string attributes = std::to_string(status.uid) + ":" + std::to_string(status.gid) +
                                   " " + std::to_string(status.mode) + " ";
    const std::string base = path.substr(path.rfind('/') + 1);
    switch (status.type) {
        case host::FileType::Regular:
            // acct_gather.conf holds the InfluxDB password the charm makes up.
            if (kKeyFiles.count(base) != 0 || base == ".slurmctld-statefs-id" ||
                base == "acct_gather.conf") {
                out[name] = attributes + "<secret or random>";
            } else {
                out[name] = attributes + machine.read_file(path).value_or("");
            }
            return;
        case host::FileType::Symlink:
            out[name] = "link " + machine.read_symlink(path).value_or("").string();
            return;
        case host::FileType::Directory:
            out[name] = attributes + "directory";
            for (const auto& child : machine.list_directory(path)) {
                walk(machine, path + "/" + child, out);
            }
            return;
        default:
            out[name] = "other";
            return;
    }
}

std::map<std::string, std::string> machine_files(TestUnit& unit) {
    std::map<std::string, std::string> files;
    for (const std::string root : {"/etc", "/var/lib/slurm", "/srv"}) {
        walk(*unit.host, root, files);
    }
    return files;
}

/// The shared StateSaveLocation's files (path -> content).
std::map<std::string, std::string> shared_state(TestCluster& cluster) {
    std::map<std::string, std::string> files;
    if (!cluster.statefs()) {
        return files;
    }
    for (const auto& [path, node] : cluster.statefs()->nodes) {
        if (path.rfind("/checkpoint/", 0) == 0) {
            if (const auto* file = std::get_if<testing_support::FakeFile>(&node)) {
                files[path] = file->content;
            }
        }
    }
    return files;
}

void expect_invariants(TestCluster& cluster, const std::string& where) {
    // The key files equal the secrets (each unit sees the application's secrets).
    std::optional<std::vector<std::string>> controllers;
    for (std::size_t i = 0; i < cluster.size(); ++i) {
        auto& unit = cluster.unit(static_cast<int>(i));
        const auto* auth = unit.state.find_secret_by_label("slurm-auth-key");
        const auto* jwt = unit.state.find_secret_by_label("slurm-jwt-key");
        if (const auto jwks = unit.host->read_file("/etc/slurm/slurm.jwks")) {
            ASSERT_NE(auth, nullptr) << where << ": a key file with no secret";
            const auto& latest = auth->revisions.rbegin()->second;
            auto parsed = slurmctld::slurm::Jwks::parse(*jwks);
            ASSERT_TRUE(parsed.has_value()) << where;
            const auto& last = parsed.value().keys().back();
            EXPECT_EQ(last.keyid, latest.at("keyid")) << where << " " << unit.name;
            EXPECT_EQ(std::string(last.key.data(), last.key.size()), latest.at("key"))
                << where << " " << unit.name;
        }
        if (const auto key = unit.host->read_file("/etc/slurm/jwt_hs256.key")) {
            ASSERT_NE(jwt, nullptr) << where;
            EXPECT_EQ(*key, jwt->revisions.rbegin()->second.at("key")) << where << " " << unit.name;
        }
        // One controller list wherever a slurm.conf is read.
        if (const auto listed = unit.host->configured_controllers()) {
            if (controllers) {
                EXPECT_EQ(*listed, *controllers) << where << " " << unit.name;
            } else {
                controllers = listed;
            }
        }
        // No restart lost: a running controller runs the files on disk.
        auto& service = unit.host->service("slurmctld");
        if (service.active) {
            EXPECT_EQ(service.loaded_config, unit.host->slurm_config_snapshot())
                << where << ": " << unit.name << "'s controller runs an older configuration";
        }
    }
    // The clients are told the same list.
    auto& leader = cluster.unit(0);
    if (auto* sackd = leader.state.find_relation(kSackdRelationId);
        sackd != nullptr && controllers && sackd->local_app_data.count("controllers") != 0) {
        const auto endpoints = slurmctld::charm::controller_endpoints(
            slurmctld::charm::configured_controller_entries(*leader.host));
        EXPECT_EQ(sackd->local_app_data.at("controllers"),
                  slurmctld::juju::codec::encode(nlohmann::ordered_json(endpoints)))
            << where;
    }
}

// ---- the test -----------------------------------------------------------------------------------

struct FaultCase {
    std::string scenario;
    std::size_t step = 0;
    std::string step_name;
};

std::vector<FaultCase> fault_cases() {
    std::vector<FaultCase> cases;
    for (const auto& scenario : scenarios()) {
        for (std::size_t i = 0; i < scenario.steps.size(); ++i) {
            cases.push_back({scenario.name, i, scenario.steps[i].name});
        }
    }
    return cases;
}

class CharmFault : public testing::TestWithParam<FaultCase> {};

TEST_P(CharmFault, AHookKilledAtAnyStepConvergesToTheCrashFreeState) {
    const auto& fault = GetParam();
    Scenario scenario;
    for (auto& each : scenarios()) {
        if (each.name == fault.scenario) {
            scenario = std::move(each);
        }
    }
    const Step& step = scenario.steps[fault.step];
    TestCluster base = scenario.start();
    for (std::size_t i = 0; i < fault.step; ++i) {
        run_step(base, scenario.steps[i], true);
    }

    // The crash-free run, counting the hook's steps.
    TestCluster clean = base.clone();
    CrashPlan counter;
    clean.crash_plan = &counter;
    ASSERT_EQ(run_step(clean, step, true), 0) << "the crash-free hook must pass";
    clean.crash_plan = nullptr;
    clean.settle(2);
    std::vector<std::map<std::string, std::string>> expected;
    for (std::size_t i = 0; i < clean.size(); ++i) {
        expected.push_back(machine_files(clean.unit(static_cast<int>(i))));
    }
    expect_invariants(clean, "crash-free run");
    ASSERT_GT(counter.steps(), 0);

    for (int crash_at = 0; crash_at < counter.steps(); ++crash_at) {
        TestCluster crashed = base.clone();
        if (step.world) {
            step.world(crashed);  // before the snapshot: what the world writes is not the hook's
        }
        const auto state_before = shared_state(crashed);
        CrashPlan plan(crash_at);
        crashed.crash_plan = &plan;
        const int code = run_step(crashed, step, false);
        crashed.crash_plan = nullptr;
        const std::string where = fault.scenario + "/" + step.name + " crashed at step " +
                                  std::to_string(crash_at) + " (" + plan.crash_step() + ")";
        if (!plan.crashed()) {
            ADD_FAILURE() << where << ": the hook took another path than the crash-free run:\n"
                          << testing::PrintToString(counter.seen()) << "\n"
                          << testing::PrintToString(plan.seen());
            continue;
        }
        EXPECT_NE(code, 0) << where;
        // Juju runs the failed hook again.
        EXPECT_EQ(run_step(crashed, step, false), 0) << where << ": the retry failed";
        crashed.settle(2);
        ASSERT_EQ(crashed.size(), clean.size()) << where;
        for (std::size_t i = 0; i < crashed.size(); ++i) {
            auto& unit = crashed.unit(static_cast<int>(i));
            const auto files = machine_files(unit);
            for (const auto& [path, content] : expected[i]) {
                const auto found = files.find(path);
                if (found == files.end()) {
                    ADD_FAILURE() << where << ": " << unit.name << " lacks " << path;
                } else {
                    EXPECT_EQ(found->second, content) << where << ": " << unit.name << " " << path;
                }
            }
            for (const auto& [path, content] : files) {
                EXPECT_EQ(expected[i].count(path), 1U)
                    << where << ": " << unit.name << " has an extra " << path;
            }
            EXPECT_EQ(unit.state.unit_status, clean.unit(static_cast<int>(i)).state.unit_status)
                << where << ": " << unit.name;
            // What Slurm was asked: the same nodes drained, the same nodes asked to register (a
            // retry may ask a node twice, which is harmless).
            const auto& slurm = clean.unit(static_cast<int>(i)).host->slurm;
            EXPECT_EQ(unit.host->slurm.drained, slurm.drained) << where << ": " << unit.name;
            const auto registered = [](const auto& requests) {
                return std::set<std::string>(requests.begin(), requests.end());
            };
            EXPECT_EQ(registered(unit.host->slurm.registration_requests),
                      registered(slurm.registration_requests))
                << where << ": " << unit.name;
        }
        // State already on the shared file system is never overwritten or lost.
        const auto state_after = shared_state(crashed);
        for (const auto& [path, content] : state_before) {
            const auto found = state_after.find(path);
            EXPECT_TRUE(found != state_after.end() && found->second == content)
                << where << ": " << path << " was overwritten or lost";
        }
        expect_invariants(crashed, where);
        if (HasFailure()) {
            return;  // one crash point's report is enough to act on
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Scenarios, CharmFault, testing::ValuesIn(fault_cases()),
                         [](const testing::TestParamInfo<FaultCase>& case_info) {
                             return case_info.param.scenario + "_" +
                                    std::to_string(case_info.param.step) + "_" +
                                    case_info.param.step_name;
                         });

}  // namespace
}  // namespace charm_tests
