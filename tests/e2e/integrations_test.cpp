// Every integration of issue 9 end to end, against real Slurm 24.11 (Debian 13) in jujusim, each
// with a test charm on the other side (tests/charms): the files the charm writes are accepted
// by Slurm (the controller re-reads them and stays UP, the clients get them), and what the
// charm refuses or cannot do on this platform shows in the status. One model, tests in order.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "e2e/slurm_model.hpp"

namespace e2e {
namespace {

using testing::HasSubstr;
using testing::Not;

class Integrations : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        model_ = new SlurmModel("integrations");
        auto& m = *model_;
        m.ok({"deploy", slurmctld_charm(), "slurmctld", "--config",
              "slurm-conf-parameters=SlurmctldTimeout=5\nDefCpuPerGPU=2\nDefMemPerGPU=1024\n",
              "--config", "default-partition=compute", "--config", "cluster-name=polaris"});
        m.ok({"deploy", test_charm("sackd"), "login"});
        m.ok({"deploy", test_charm("slurmd"), "compute", "-n", "2", "--config",
              "default-node-state=idle"});
        m.ok({"integrate", "slurmctld", "login"});
        m.ok({"integrate", "slurmctld", "compute"});
        m.wait_until("all applications active", [&] {
            return m.all_active({"slurmctld", "login", "compute"});
        });
    }
    static void TearDownTestSuite() {
        delete model_;
        model_ = nullptr;
    }
    SlurmModel& m() { return *model_; }

    std::string controller_file(const std::string& path) {
        return m().exec("slurmctld/0", "cat " + path + " 2>/dev/null").stdout_text;
    }
    /// The controller is UP and its status is exactly `message` (active).
    bool controller_says(const std::string& message) {
        return m().workload("slurmctld/0") == std::make_pair(std::string("active"), message);
    }
    /// `scontrol show config` on the login node: what the running controller loaded.
    std::string running_config() {
        return m().exec("login/0", "scontrol show config 2>&1").stdout_text;
    }

    static SlurmModel* model_;
};

SlurmModel* Integrations::model_ = nullptr;

TEST_F(Integrations, SlurmAcceptsTheDefaultsGpuKeysAndJwtAndClientsPrintNothingOfEmptyFiles) {
    EXPECT_EQ(m().workload("slurmctld/0").second, "primary - UP");
    const auto config = running_config();
    EXPECT_THAT(config, HasSubstr("DefCpuPerGPU"));
    EXPECT_THAT(config, HasSubstr("DefMemPerGPU"));
    // Debian packs auth/jwt apart: the charm installed it, so AuthAltTypes stays.
    EXPECT_THAT(config, HasSubstr("auth/jwt"));
    EXPECT_THAT(controller_file("/etc/slurm/slurm.conf"), HasSubstr("authalttypes=auth/jwt\n"));
    // No "s_p_parse_file: file ... is empty" from any client.
    const auto sinfo = m().exec("login/0", "sinfo 2>&1");
    EXPECT_EQ(sinfo.exit_code, 0);
    EXPECT_THAT(sinfo.stdout_text, Not(HasSubstr("is empty")));
    EXPECT_THAT(m().exec("slurmctld/0", "scontrol ping 2>&1").stdout_text,
                Not(HasSubstr("is empty")));
}

TEST_F(Integrations, OciRuntimeWritesOciConfThatSlurmServesAndRefusesAnUnknownType) {
    m().ok({"deploy", test_charm("apptainer"), "apptainer"});
    m().ok({"integrate", "slurmctld:oci-runtime", "apptainer"});
    ASSERT_TRUE(m().wait_until("oci.conf written", [&] {
        return controller_file("/etc/slurm/oci.conf").find("runtimerun=") != std::string::npos &&
               controller_says("primary - UP");
    }));
    EXPECT_EQ(controller_file("/etc/slurm/oci.conf"),
              "ignorefileconfigjson=true\n"
              "envexclude=\"^(SLURM_CONF|SLURM_CONF_SERVER)=\"\n"
              "runtimeenvexclude=\"^(SLURM_CONF|SLURM_CONF_SERVER)=\"\n"
              "runtimerun=\"/usr/bin/apptainer exec --userns --bind /var/lib/slurm --bind "
              "/var/run/slurm %r %@\"\n"
              "runtimekill=\"kill -s SIGTERM %p\"\n"
              "runtimedelete=\"kill -s SIGKILL %p\"\n");
    // Configless: the controller serves oci.conf to slurmd, which caches it.
    m().exec("compute/0", "systemctl restart slurmd");
    EXPECT_TRUE(m().wait_until(
        "slurmd got oci.conf",
        [&] {
            return m().exec("compute/0",
                            "cat /var/lib/slurm/slurmd/conf-cache/oci.conf 2>/dev/null")
                       .stdout_text.find("runtimerun=") != std::string::npos;
        },
        std::chrono::seconds(120)));

    m().ok({"config", "apptainer", "runtime-type=docker"});
    ASSERT_TRUE(m().wait_until("unknown type refused", [&] {
        const auto [state, message] = m().workload("slurmctld/0");
        return state == "blocked" &&
               message.find(
                   "oci runtime from `apptainer` rejected: runtime type `docker` is not "
                   "supported (only apptainer)") != std::string::npos;
    }));
    EXPECT_THAT(m().workload("slurmctld/0").second, HasSubstr("primary - UP"));
    m().ok({"config", "apptainer", "runtime-type=apptainer"});
    m().ok({"remove-relation", "slurmctld:oci-runtime", "apptainer"});
    ASSERT_TRUE(m().wait_until("oci.conf removed", [&] {
        return m().exec("slurmctld/0", "test -e /etc/slurm/oci.conf").exit_code != 0 &&
               controller_says("primary - UP");
    }));
}

TEST_F(Integrations, SmtpConfiguresSlurmMailAndSaysJobMailIsOffWithoutThePackage) {
    m().ok({"deploy", test_charm("smtp-integrator"), "smtp"});
    m().ok({"integrate", "slurmctld:smtp", "smtp"});
    const std::string off =
        "primary - UP; job e-mail off: slurm-mail is not packaged for Debian 13";
    ASSERT_TRUE(m().wait_until("smtp configured", [&] { return controller_says(off); }));
    // The password is in the config file only: not in the log, the status or relation data.
    // (Checked before this test reads the file: jujusim logs what `exec` prints.)
    EXPECT_THAT(m().ok({"debug-log", "--replay", "--no-tail"}), Not(HasSubstr("relay-password")));
    EXPECT_THAT(m().ok({"status", "--format", "json"}), Not(HasSubstr("relay-password")));
    const auto conf = controller_file("/etc/slurm-mail/slurm-mail.conf");
    EXPECT_THAT(conf,
                HasSubstr("smtpServer = mail.example.com\nsmtpPort = 587\nsmtpUseTls = yes\n"));
    EXPECT_THAT(conf,
                HasSubstr("smtpUserName = slurm-notifications\nsmtpPassword = relay-password-1\n"));
    EXPECT_EQ(m().exec_ok("slurmctld/0", "stat -c '%U:%G %a' /etc/slurm-mail/slurm-mail.conf"),
              "root:slurm 640\n");
    // An admin installs slurm-mail by hand: job e-mail goes on, Slurm takes MailProg.
    m().exec_ok("slurmctld/0",
                "printf '#!/bin/sh\\nexit 0\\n' > /usr/bin/slurm-spool-mail && chmod 755 "
                "/usr/bin/slurm-spool-mail");
    m().ok({"config", "slurmctld", "email-from-name=HPC team"});
    ASSERT_TRUE(m().wait_until("MailProg set", [&] {
        return controller_says("primary - UP") &&
               running_config().find("/usr/bin/slurm-spool-mail") != std::string::npos;
    }));
    EXPECT_THAT(controller_file("/etc/slurm-mail/slurm-mail.conf"),
                HasSubstr("emailFromName = HPC team\n"));
    m().ok({"remove-relation", "slurmctld:smtp", "smtp"});
    ASSERT_TRUE(m().wait_until("mail cleaned up", [&] {
        return m().exec("slurmctld/0", "test -e /etc/slurm-mail/slurm-mail.conf").exit_code != 0 &&
               controller_says("primary - UP") &&
               running_config().find("slurm-spool-mail") == std::string::npos;
    }));
}

// Upstream's profiling include adds AccountingStorageTRES=ic/sysfs, a TRES slurmctld must create
// in the accounting database: the slurmdbd test charm runs a real slurmdbd on MariaDB. The
// controller ran without accounting before, so this also covers the cluster ID it minted then
// (the charm lets slurmctld take the database's when accounting turns on).
TEST_F(Integrations, InfluxdbProfilesJobsWhileAccountingIsThereAndIsRemovedOnBroken) {
    m().ok({"deploy", test_charm("influxdb"), "influxdb"});
    m().ok({"deploy", test_charm("slurmdbd"), "database"});
    m().ok({"integrate", "slurmctld", "database"});
    m().ok({"integrate", "slurmctld:influxdb", "influxdb"});
    ASSERT_TRUE(m().wait_until("profiling on", [&] {
        return controller_file("/etc/slurm/acct_gather.conf").find("profileinfluxdbhost=") !=
                   std::string::npos &&
               controller_says("primary - UP") &&
               running_config().find("acct_gather_profile/influxdb") != std::string::npos;
    }));
    EXPECT_EQ(m().exec_ok("slurmctld/0", "stat -c '%U:%G %a' /etc/slurm/acct_gather.conf"),
              "slurm:slurm 600\n");
    // Accounting is real: the controller registered the cluster and its ic/sysfs TRES with
    // slurmdbd (clients ask slurmdbd directly).
    EXPECT_THAT(running_config(), HasSubstr("ic/sysfs"));
    EXPECT_EQ(m().exec("login/0", "sacctmgr -n -P show cluster format=cluster 2>&1").stdout_text,
              "polaris\n");
    EXPECT_THAT(m().exec("login/0", "sacctmgr -n -P show tres 2>&1").stdout_text,
                HasSubstr("ic|sysfs|"));
    EXPECT_THAT(controller_file("/etc/slurm/slurm.conf.profiling"),
                HasSubstr("acctgatherprofiletype=acct_gather_profile/influxdb\n"));
    const auto state =
        nlohmann::json::parse(m().exec_ok("influxdb/0", "cat /var/lib/fake-influxdb/state.json"));
    EXPECT_TRUE(state["users"].contains("slurm"));
    EXPECT_TRUE(state["policies"].contains("polaris"));
    // A profiled job: slurmstepd on the compute node sends its samples to the InfluxDB.
    const auto job =
        m().exec("login/0", "timeout 120 srun -p compute -N1 --profile=task sleep 12 2>&1");
    EXPECT_EQ(job.exit_code, 0) << job.stdout_text;
    EXPECT_TRUE(m().wait_until(
        "profile samples written",
        [&] {
            const auto now = nlohmann::json::parse(
                m().exec_ok("influxdb/0", "cat /var/lib/fake-influxdb/state.json"));
            return now["points"].value("polaris", 0) > 0;
        },
        std::chrono::seconds(60)));
    // slurmdbd recorded the job, and the controller never refused the database's cluster ID.
    EXPECT_TRUE(m().wait_until("the job in accounting", [&] {
        return m().exec("login/0", "sacct -n -X -P -o JobName,State 2>&1")
                   .stdout_text.find("sleep|COMPLETED") != std::string::npos;
    }));
    EXPECT_THAT(controller_file("/var/log/slurm/slurmctld.log"),
                Not(HasSubstr("CLUSTER ID MISMATCH")));
    m().ok({"remove-relation", "slurmctld:influxdb", "influxdb"});
    // The files go at relation-departed (no InfluxDB unit left to read); the leader drops the
    // user and the database at relation-broken, a hook later.
    const auto influxdb_state = [&] {
        return nlohmann::json::parse(
            m().exec_ok("influxdb/0", "cat /var/lib/fake-influxdb/state.json"));
    };
    ASSERT_TRUE(m().wait_until("profiling off and the InfluxDB cleaned up", [&] {
        const auto after = influxdb_state();
        return m().exec("slurmctld/0", "test -e /etc/slurm/acct_gather.conf").exit_code != 0 &&
               controller_says("primary - UP") && !after["users"].contains("slurm") &&
               !after["policies"].contains("polaris");
    }));
    EXPECT_EQ(controller_file("/etc/slurm/slurm.conf.profiling"), "\n");
}

TEST_F(Integrations, CosAgentGetsRulesDashboardsAndScrapesTheCharmsExporter) {
    m().ok({"deploy", test_charm("cos-collector"), "collector"});
    m().ok({"integrate", "slurmctld:cos-agent", "collector"});
    ASSERT_TRUE(m().wait_until("collector scraped", [&] {
        const auto units = m().status()["applications"]["slurmctld"]["units"]["slurmctld/0"];
        if (!units.contains("subordinates")) {
            return false;
        }
        for (const auto& [name, unit] : units["subordinates"].items()) {
            if (unit["workload-status"].value("message", "") ==
                "1 jobs, 1 scraped, 3 dashboards, 5 rule groups") {
                return true;
            }
        }
        return false;
    }));
    const auto page = m().exec_ok("slurmctld/0", "cat /var/lib/cos-collector/scrape/0.txt");
    EXPECT_THAT(page, HasSubstr("/metrics\n200\n"));
    EXPECT_THAT(page, HasSubstr("slurmctld_charm_controller_up{hostname="));
    EXPECT_THAT(page, HasSubstr("slurmctld_charm_controller_index_in_control 0\n"));
    EXPECT_EQ(m().workload("slurmctld/0").second,
              "primary - UP; no Slurm metrics: MetricsType needs Slurm 25.11, this is 24.11.5");
}

TEST_F(Integrations, ARemovedComputeUnitsNodeLeavesSlurmAndTheOtherStays) {
    const auto nodes = [&] {
        return m().exec("login/0", "sinfo -N -h -o %N 2>/dev/null").stdout_text;
    };
    ASSERT_TRUE(m().wait_until("both nodes known", [&] {
        const auto listed = nodes();
        return listed.find("compute-0") != std::string::npos &&
               listed.find("compute-1") != std::string::npos;
    }));
    m().ok({"remove-unit", "compute/1", "--no-prompt"});
    ASSERT_TRUE(m().wait_until("compute-1 deleted", [&] {
        const auto listed = nodes();
        return listed.find("compute-1") == std::string::npos &&
               listed.find("compute-0") != std::string::npos;
    }));
    EXPECT_THAT(m().workload("slurmctld/0").second, HasSubstr("primary - UP"));
}

/// The names of the Slurm configuration files in /etc/slurm on `unit` (slurm.conf and its
/// includes), sorted.
std::string slurm_conf_files(SlurmModel& m, const std::string& unit) {
    return m
        .exec(unit, "cd /etc/slurm && ls slurm.conf slurm.conf.* 2>/dev/null | grep -v snapshot")
        .stdout_text;
}

TEST_F(Integrations, SlurmrestdRebuildsEveryFileAndAnswersWithTheControllers) {
    m().ok({"deploy", test_charm("slurmrestd"), "rest"});
    m().ok({"integrate", "slurmctld:slurmrestd", "rest"});
    ASSERT_TRUE(m().wait_until("slurmrestd running", [&] { return m().all_active({"rest"}); }));
    // slurm.conf and every include the controller has (accounting with slurmdbd still related).
    const auto files = slurm_conf_files(m(), "slurmctld/0");
    EXPECT_THAT(files, HasSubstr("slurm.conf.accounting\n"));
    EXPECT_EQ(slurm_conf_files(m(), "rest/0"), files);
    const auto includes = [&](const std::string& unit) {
        return m().exec(unit, "grep -i '^include' /etc/slurm/slurm.conf").stdout_text;
    };
    EXPECT_EQ(includes("rest/0"), includes("slurmctld/0"));
    EXPECT_THAT(m().exec_ok("rest/0", "cat /etc/slurm/slurm.conf.accounting"),
                HasSubstr("accountingstoragehost="));
    EXPECT_EQ(
        m().exec_ok("rest/0", "stat -c '%U:%G %a' /etc/slurm/slurm.conf /etc/slurm/slurm.jwks"),
        "slurmrestd:slurmrestd 644\nslurmrestd:slurmrestd 600\n");

    // The REST API answers a user with a token (SLURM_JWT=daemon, upstream's service) with what
    // the controller says: slurmrestd read those files and reached the controller with the
    // user's token (auth/jwt, which the charm keeps in AuthAltTypes).
    const auto address =
        m().units("rest")["rest/0"].value("public-address", std::string("missing"));
    const auto ping = [&] {
        const std::string request =
            "token=$(scontrol token username=slurm lifespan=300 2>/dev/null | "
            "sed -n 's/^SLURM_JWT=//p'); printf 'GET /slurm/v0.0.41/ping HTTP/1.0\\r\\n"
            "X-SLURM-USER-NAME: slurm\\r\\nX-SLURM-USER-TOKEN: %s\\r\\n\\r\\n' \"$token\" | "
            "timeout 20 nc -N " +
            address + " 6820";
        const auto response = m().exec("login/0", request).stdout_text;
        // The JSON body, from its first brace to its last (slurmrestd 24.11 writes a
        // `Connection: Close` line after it).
        const auto open = response.find('{');
        const auto close = response.rfind('}');
        return open == std::string::npos || close == std::string::npos || close < open
                   ? nlohmann::json()
                   : nlohmann::json::parse(response.substr(open, close - open + 1), nullptr, false);
    };
    nlohmann::json answer;
    ASSERT_TRUE(m().wait_until(
        "slurmrestd answers /ping",
        [&] {
            answer = ping();
            return answer.is_object() && answer.contains("pings");
        },
        std::chrono::seconds(90)))
        << answer.dump();
    ASSERT_EQ(answer["pings"].size(), 1U) << answer.dump();
    EXPECT_EQ(answer["pings"][0].value("pinged", ""), "UP") << answer.dump();
    auto hostname = m().exec_ok("slurmctld/0", "hostname -s");
    hostname.erase(hostname.find_last_not_of('\n') + 1);
    EXPECT_EQ(answer["pings"][0].value("hostname", ""), hostname) << answer.dump();

    // A configuration change reaches slurmrestd's copy (slurm-conf-parameters: the overrides).
    m().ok({"config", "slurmctld",
            "slurm-conf-parameters=SlurmctldTimeout=5\nDefCpuPerGPU=2\nDefMemPerGPU=1024\n"
            "MaxJobCount=20000\n"});
    EXPECT_TRUE(m().wait_until("the new key in slurmrestd's slurm.conf.overrides", [&] {
        return m().exec("rest/0", "cat /etc/slurm/slurm.conf.overrides")
                   .stdout_text.find("maxjobcount=20000") != std::string::npos;
    }));
    EXPECT_TRUE(m().wait_until(
        "slurmrestd answers again",
        [&] {
            answer = ping();
            return answer.is_object() && answer.contains("pings");
        },
        std::chrono::seconds(90)));
}

}  // namespace
}  // namespace e2e
