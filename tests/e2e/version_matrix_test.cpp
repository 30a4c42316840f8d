// The demo's HA scenario (scripts/demo) on each Slurm release jujusim has an image for: Debian
// 13's Slurm 24.11 and Debian 12's Slurm 22.05. Two controllers on a filesystem-client mount
// come up as primary - UP and backup - UP, a job runs, the primary's machine is powered off, the
// backup takes over, the job stays visible and finishes, a new job runs. On each release the
// test also checks what the charm chose by version (design.md §2): the authentication (auth/slurm
// with slurm.jwks from 24.05, auth/munge with munge.key and munged before 23.11). The charm's
// statuses come from the text `scontrol ping` on every release; the test's own reading of the
// controllers (slurm_model.hpp) uses upstream's --json where it exists (22.05 refuses it, which
// is checked too). Slurm 22.05 has no sackd
// (23.11), so that cluster has no login node: clients run on the compute node, whose slurmd
// serves them its configless copy of the configuration.
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "e2e/slurm_model.hpp"

namespace e2e {
namespace {

using testing::HasSubstr;
using testing::StartsWith;

/// A release and what the charm must choose for it, written out (not derived from the charm's
/// own version rules, which this checks).
struct SlurmRelease {
    std::string image;           ///< jujusim's machine-image
    std::string version_prefix;  ///< of the application version the charm reports
    std::string auth_type;       ///< AuthType in slurm.conf
    std::string cred_type;       ///< CredType in slurm.conf
    std::string key_file;        ///< the auth key file on each controller
    std::string key_stat;        ///< `stat -c '%U %G %a'` of it
    std::string gres_conf;       ///< gres.conf (AutoDetect=nvidia exists from 24.11)
    bool munge = false;          ///< munged runs on controllers and compute nodes
    bool ping_json = false;      ///< `scontrol ping --json` exists
    bool sackd = false;          ///< a login node (sackd) can be deployed
};

std::string release_name(const testing::TestParamInfo<SlurmRelease>& info) {
    std::string name = info.param.image;
    std::replace(name.begin(), name.end(), '-', '_');
    return name;
}

class VersionMatrix : public ::testing::TestWithParam<SlurmRelease> {
  protected:
    /// The line `key=value` of slurm.conf on a unit, as "value" ("" when absent).
    static std::string slurm_conf_value(SlurmModel& m, const std::string& unit,
                                        const std::string& key) {
        auto line = m.exec_ok(unit, "grep -i '^" + key + "=' /etc/slurm/slurm.conf | tail -n 1");
        line = line.substr(0, line.find('\n'));
        return line.substr(line.find('=') + 1);
    }
    static std::string key_digest(SlurmModel& m, const std::string& unit, const std::string& file) {
        return m.exec_ok(unit, "sha256sum " + file + " | cut -d' ' -f1");
    }

    /// What the charm chose for this release, on both controllers (and the compute node).
    static void expect_version_choices(SlurmModel& m, const SlurmRelease& release) {
        const auto s = m.status();
        EXPECT_THAT(s["applications"]["slurmctld"].value("version", ""),
                    StartsWith(release.version_prefix));
        for (const auto* unit : {"slurmctld/0", "slurmctld/1"}) {
            SCOPED_TRACE(unit);
            EXPECT_EQ(slurm_conf_value(m, unit, "AuthType"), release.auth_type);
            EXPECT_EQ(slurm_conf_value(m, unit, "CredType"), release.cred_type);
            EXPECT_EQ(m.exec_ok(unit, "cat /etc/slurm/gres.conf"), release.gres_conf);
            EXPECT_EQ(m.exec_ok(unit, "stat -c '%U %G %a' " + release.key_file),
                      release.key_stat + "\n");
            if (release.munge) {  // munge keys are at most 1 KiB: the first KiB of the secret's
                EXPECT_EQ(m.exec_ok(unit, "stat -c %s " + release.key_file), "1024\n");
            }
            const auto munge = m.exec(unit, "systemctl is-active munge").stdout_text;
            EXPECT_EQ(munge, release.munge ? "active\n" : "inactive\n");
            // The ping forms: 22.05 refuses --json; the text form answers on every release.
            const auto json_ping = m.exec(unit, "scontrol ping --json");
            if (release.ping_json) {
                EXPECT_EQ(json_ping.exit_code, 0) << json_ping.stderr_text;
                EXPECT_THAT(json_ping.stdout_text, HasSubstr("\"pings\""));
            } else {
                EXPECT_NE(json_ping.exit_code, 0);
                EXPECT_THAT(json_ping.stderr_text, HasSubstr("unrecognized option"));
            }
            EXPECT_THAT(m.exec_ok(unit, "scontrol ping"), HasSubstr("Slurmctld(primary) at "));
        }
        // Every machine holds the same key (the controllers from the secret, the compute node
        // from the secret it was granted); munge on the compute node runs with it.
        // slurmd took every file it was served (a value its release does not know is an error).
        EXPECT_EQ(
            m.exec("compute/0", "grep -c 'error: unknown' /var/log/slurm/slurmd.log").stdout_text,
            "0\n");
        const auto key = key_digest(m, "slurmctld/0", release.key_file);
        EXPECT_EQ(key_digest(m, "slurmctld/1", release.key_file), key);
        if (release.munge) {
            EXPECT_EQ(key_digest(m, "compute/0", release.key_file), key);
            EXPECT_EQ(m.exec("compute/0", "systemctl is-active munge").stdout_text, "active\n");
        }
    }
};

TEST_P(VersionMatrix, HaScenarioOfTheDemo) {
    const SlurmRelease& release = GetParam();
    SlurmModel m("versions");
    m.ok({"model-config", "machine-image=" + release.image});
    m.set_ping_json(release.ping_json);
    m.set_client_unit(release.sackd ? "login/0" : "compute/0");
    m.deploy_ha_cluster(release.sackd);

    // primary - UP, backup - UP, as the charm reads `scontrol ping`, and as the client sees it.
    ASSERT_TRUE(m.wait_until(
        "primary - UP, backup - UP",
        [&] {
            return m.workload("slurmctld/0") ==
                       std::make_pair(std::string("active"), std::string("primary - UP")) &&
                   m.workload("slurmctld/1") ==
                       std::make_pair(std::string("active"), std::string("backup - UP"));
        },
        std::chrono::seconds(120)));
    const auto controllers = m.controllers();
    ASSERT_EQ(controllers.size(), 2U);
    EXPECT_EQ(controllers.at("primary").unit, "slurmctld/0");
    EXPECT_EQ(controllers.at("primary").pinged, "UP");
    EXPECT_EQ(controllers.at("backup").unit, "slurmctld/1");
    EXPECT_EQ(controllers.at("backup").pinged, "UP");
    for (const auto* unit : {"slurmctld/0", "slurmctld/1"}) {
        EXPECT_EQ(m.exec_ok(unit, "readlink /etc/slurm"), "/srv/slurmctld-statefs/etc/slurm\n");
    }
    EXPECT_THAT(m.exec_ok(m.client_unit(), "scontrol --version"),
                HasSubstr(" " + release.version_prefix));  // "slurm-wlm 22.05.8"
    expect_version_choices(m, release);

    // A job runs; the primary's machine is powered off while it does.
    m.submit_job(40, "demo-job");
    ASSERT_TRUE(m.wait_until(
        "the job to start", [&] { return m.job_output("demo-job") == "start\n"; },
        std::chrono::seconds(60)));
    std::this_thread::sleep_for(std::chrono::seconds(7));  // slurmctld saves state every 5 s
    m.ok({"poweroff", controllers.at("primary").machine});
    ASSERT_TRUE(m.wait_until(
        "machine down",
        [&] {
            return m.status()["machines"][controllers.at("primary").machine]["juju-status"].value(
                       "current", "") == "down";
        },
        std::chrono::seconds(60)));
    EXPECT_TRUE(m.wait_until(
        "backup running as primary",
        [&] { return m.service_log_says("slurmctld/1", "Running as primary controller"); },
        std::chrono::seconds(60)));
    // The job is still there under the backup, and finishes.
    EXPECT_TRUE(m.wait_until(
        "the job visible under the backup",
        [&] {
            return m.exec(m.client_unit(), "timeout 20 squeue -h -n demo-job -o %j").stdout_text ==
                   "demo-job\n";
        },
        std::chrono::seconds(90)));
    EXPECT_TRUE(m.wait_until(
        "the job to finish", [&] { return m.job_output("demo-job") == "start\nfinished\n"; },
        std::chrono::seconds(90)));
    // A new job runs.
    const auto compute_host = m.exec_ok("compute/0", "hostname -s");
    EXPECT_EQ(m.exec_ok(m.client_unit(),
                        "timeout 60 srun --partition compute --chdir=/tmp hostname -s 2>/dev/null"),
              compute_host);
    m.submit_job(1, "after-failover-job");
    EXPECT_TRUE(m.wait_until(
        "the new job to finish",
        [&] { return m.job_output("after-failover-job") == "start\nfinished\n"; },
        std::chrono::seconds(60)));
    // The charm shows the lost primary and the backup serving.
    const auto pinged = m.controllers();
    ASSERT_EQ(pinged.size(), 2U);
    EXPECT_EQ(pinged.at("primary").pinged, "DOWN");
    EXPECT_EQ(pinged.at("backup").pinged, "UP");
    EXPECT_TRUE(m.wait_until(
        "status shows the backup in control",
        [&] {
            return m.status()["applications"]["slurmctld"]["application-status"]
                       .value("message", "")
                       .find("slurmctld/1 (backup) in control") != std::string::npos;
        },
        std::chrono::seconds(90)));
}

INSTANTIATE_TEST_SUITE_P(
    Releases, VersionMatrix,
    testing::Values(SlurmRelease{"debian-13-slurm", "24.11.", "auth/slurm", "cred/slurm",
                                 "/etc/slurm/slurm.jwks", "slurm slurm 600", "autodetect=nvidia\n",
                                 false, true, true},
                    SlurmRelease{"debian-12-slurm", "22.05.", "auth/munge", "cred/munge",
                                 "/etc/munge/munge.key", "munge munge 400", "autodetect=off\n",
                                 true, false, false}),
    release_name);

}  // namespace
}  // namespace e2e
