// Refresh from upstream (issue 9 item 8) with real Slurm: a unit left by the upstream Python
// charm (tests/charms/upstream-slurmctld replays its recorded state: files, keys, secrets, peer
// data, the data sackd and slurmd read), serving a login and a compute node, is refreshed to
// this project's charm. It must converge without restarting slurmctld, without a new key or
// secret revision, and without changing the data the clients read; jobs keep running.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/slurm_model.hpp"

namespace e2e {
namespace {

using nlohmann::json;

/// The application data of `remote_app` as `unit` sees it, per endpoint of `unit`'s side.
std::map<std::string, json> data_read_by(SlurmModel& m, const std::string& unit) {
    const auto shown = json::parse(m.ok({"show-unit", unit, "--format", "json"}));
    std::map<std::string, json> result;
    for (const auto& relation : shown.at(unit).value("relation-info", json::array())) {
        result[relation.at("endpoint").get<std::string>()] = relation.at("application-data");
    }
    return result;
}

/// Each secret's label and latest revision.
std::map<std::string, int> secret_revisions(SlurmModel& m) {
    std::map<std::string, int> result;
    const auto secrets = json::parse(m.ok({"secrets", "--format", "json"}));
    for (const auto& [id, secret] : secrets.items()) {
        result[secret.value("label", id)] = secret.at("revision").get<int>();
    }
    return result;
}

TEST(RefreshFromUpstream, ConvergesWithoutRestartOrNewKeyAndNamesTheControllerByAddress) {
    SlurmModel m("refresh-upstream");
    m.ok({"deploy", test_charm("upstream-slurmctld"), "slurmctld", "--config",
          "default-partition=compute"});
    m.ok({"deploy", test_charm("sackd"), "login"});
    m.ok({"deploy", test_charm("slurmd"), "compute", "--config", "default-node-state=idle"});
    m.ok({"integrate", "slurmctld", "login"});
    m.ok({"integrate", "slurmctld", "compute"});
    ASSERT_TRUE(m.wait_until("the upstream unit serves", [&] {
        return m.all_active({"slurmctld", "login", "compute"}) &&
               m.exec("login/0", "sinfo -h -N -o '%N %t' 2>/dev/null")
                       .stdout_text.find("compute-0 idle") != std::string::npos;
    }));
    // A job running across the refresh: the controller keeps its state (no restart: `scontrol
    // reconfigure` re-executes slurmctld in place, under a new PID, keeping jobs and clients).
    auto job_id = m.exec_ok("login/0", "sbatch --parsable --wrap 'sleep 600'");
    job_id.erase(job_id.find_last_not_of('\n') + 1);
    ASSERT_TRUE(m.wait_until("the job runs", [&] {
        return m.exec("login/0", "squeue -h -o %T -j " + job_id).stdout_text == "RUNNING\n";
    }));
    const auto keys =
        m.exec_ok("slurmctld/0", "sha256sum /etc/slurm/slurm.jwks /etc/slurm/jwt_hs256.key");
    const auto slurm_conf = m.exec_ok("slurmctld/0", "cat /etc/slurm/slurm.conf");
    const auto login_reads = data_read_by(m, "login/0");
    const auto compute_reads = data_read_by(m, "compute/0");
    const auto secrets = secret_revisions(m);
    ASSERT_EQ(secrets.count("slurm-auth-key"), 1U);
    ASSERT_EQ(secrets.count("slurm-jwt-key"), 1U);
    const auto peer = json::parse(m.ok({"show-unit", "slurmctld/0", "--format", "json"}));

    const auto charm_of_unit = [&] {
        return json::parse(m.ok({"show-unit", "slurmctld/0", "--format", "json"}))["slurmctld/0"]
            .value("charm", "");
    };
    const auto upstream_charm = charm_of_unit();
    m.ok({"refresh", "slurmctld", "--path", slurmctld_charm()});
    ASSERT_TRUE(m.wait_until("the refreshed unit settles", [&] {
        return charm_of_unit() != upstream_charm &&
               m.workload("slurmctld/0") ==
                   std::make_pair(std::string("active"), std::string("primary - UP")) &&
               m.all_active({"slurmctld", "login", "compute"});
    }));
    m.ok({"tick"});  // an update-status on every unit after the refresh
    m.ok({"wait", "--timeout", "2m"});

    EXPECT_EQ(m.exec("login/0", "squeue -h -o %T -j " + job_id).stdout_text, "RUNNING\n");
    const auto log = m.ok({"debug-log", "--replay", "--no-tail", "--include", "slurmctld/0"});
    // Upstream's empty profiling include now holds a newline (no client prints that it is
    // empty): the controller re-reads its configuration in place, it is not restarted.
    EXPECT_THAT(log,
                testing::HasSubstr("slurmctld re-read its configuration (scontrol reconfigure)"));
    EXPECT_THAT(log, testing::Not(testing::HasSubstr("restarted slurmctld")));
    EXPECT_THAT(log, testing::Not(testing::HasSubstr("started slurmctld")));
    EXPECT_EQ(m.exec_ok("slurmctld/0", "sha256sum /etc/slurm/slurm.jwks /etc/slurm/jwt_hs256.key"),
              keys);
    EXPECT_EQ(secret_revisions(m), secrets);
    // Every key the clients read is kept, `controllers` included: the controllers keep the
    // names upstream listed them by (peer data `controller_form`), so no client is sent a new
    // list and none restarts.
    for (const auto& [unit, before] :
         {std::pair{std::string("login/0"), login_reads}, {"compute/0", compute_reads}}) {
        EXPECT_EQ(data_read_by(m, unit), before) << unit;
    }
    EXPECT_EQ(m.exec_ok("slurmctld/0", "cat /etc/slurm/slurm.conf"), slurm_conf);
    // The peer data upstream wrote is kept (this charm adds its own keys next to it).
    const auto after = json::parse(m.ok({"show-unit", "slurmctld/0", "--format", "json"}));
    for (const auto& relation : peer["slurmctld/0"]["relation-info"]) {
        if (relation["endpoint"] != "slurmctld-peer") {
            continue;
        }
        for (const auto& now : after["slurmctld/0"]["relation-info"]) {
            if (now["endpoint"] == "slurmctld-peer") {
                for (const auto& [key, value] : relation["local-unit"]["data"].items()) {
                    EXPECT_EQ(now["local-unit"]["data"].value(key, json()), value) << key;
                }
            }
        }
    }
    // The cluster still works: a new job runs on the compute node through the refreshed
    // controller (once the old one has given the node back).
    m.exec_ok("login/0", "scancel " + job_id);
    ASSERT_TRUE(m.wait_until("the node is free",
                             [&] { return m.exec("login/0", "squeue -h").stdout_text.empty(); }));
    const auto job = m.exec("login/0", "timeout 60 srun -N1 printenv SLURMD_NODENAME 2>&1");
    EXPECT_EQ(job.exit_code, 0) << job.stdout_text;
    EXPECT_THAT(job.stdout_text, testing::HasSubstr("compute-0"));
}

}  // namespace
}  // namespace e2e
