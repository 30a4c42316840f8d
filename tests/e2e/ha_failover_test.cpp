// The failover suite of upstream's tests/integration/test_ha.py (upstream.md
// §7.1), in its order, against real Slurm 24.11 in jujusim machines, plus: a job submitted
// before each failure runs to completion after it (checked by its output), and `juju status`
// shows the roles. SlurmctldTimeout=5 through slurm-conf-parameters keeps failovers short.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "e2e/slurm_model.hpp"

namespace e2e {
namespace {

using testing::HasSubstr;

class HaFailover : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        model_ = new SlurmModel("ha");
        model_->deploy_ha_cluster();
    }
    static void TearDownTestSuite() {
        delete model_;
        model_ = nullptr;
    }
    SlurmModel& m() { return *model_; }

    /// The two roles upstream asserts most: mode -> UP/DOWN.
    bool pinged(const std::string& mode, const std::string& state) {
        const auto controllers = m().controllers();
        const auto found = controllers.find(mode);
        return found != controllers.end() && found->second.pinged == state;
    }

    /// sinfo answers on the login node (upstream: exec wait=30, rc 0).
    bool sinfo_works() {
        return m().exec("login/0", "timeout 30 sinfo >/dev/null 2>&1").exit_code == 0;
    }

    /// Clients are served again, and the returning primary has taken control back from the
    /// backup (Slurm 24.11 takes about 29 s to hand it over, slurm-ha.md §3).
    void expect_primary_back_in_control(const std::map<std::string, Controller>& controllers) {
        EXPECT_TRUE(m().wait_until(
            "sinfo answers", [&] { return sinfo_works(); }, std::chrono::seconds(90)));
        EXPECT_TRUE(m().wait_until(
            "primary back in control",
            [&] {
                return m().service_log_says(controllers.at("primary").unit,
                                            "Running as primary controller") &&
                       m().service_log_says(controllers.at("backup").unit,
                                            "slurmctld running in background mode");
            },
            std::chrono::seconds(120)));
    }

    static SlurmModel* model_;
    static std::string primary_unit_;
};

SlurmModel* HaFailover::model_ = nullptr;
std::string HaFailover::primary_unit_;

TEST_F(HaFailover, Deploy) {
    ASSERT_TRUE(m().wait_until("primary UP", [&] { return pinged("primary", "UP"); }));
    const auto controllers = m().controllers();
    primary_unit_ = controllers.at("primary").unit;
    EXPECT_EQ(primary_unit_, "slurmctld/0");
    EXPECT_EQ(controllers.at("backup").unit, "slurmctld/1");
    EXPECT_EQ(m().workload("slurmctld/0"),
              std::make_pair(std::string("active"), std::string("primary - UP")));
    EXPECT_EQ(m().workload("slurmctld/1"),
              std::make_pair(std::string("active"), std::string("backup - UP")));
    // The shared layout on every controller.
    for (const auto* unit : {"slurmctld/0", "slurmctld/1"}) {
        EXPECT_EQ(m().exec_ok(unit, "readlink /etc/slurm"), "/srv/slurmctld-statefs/etc/slurm\n");
        EXPECT_THAT(m().exec_ok(unit, "grep -i statesavelocation /etc/slurm/slurm.conf"),
                    HasSubstr("/srv/slurmctld-statefs/checkpoint"));
    }
    // A job runs end to end.
    const auto job = m().submit_job(1, "deploy-job");
    EXPECT_TRUE(m().wait_until(
        "deploy-job output", [&] { return m().job_output("deploy-job") == "start\nfinished\n"; },
        std::chrono::seconds(60)));
}

TEST_F(HaFailover, ScaleUp) {
    m().ok({"add-unit", "slurmctld"});
    ASSERT_TRUE(m().wait_until("three controllers UP", [&] {
        const auto c = m().controllers();
        return c.size() == 3 && c.count("backup2") && c.at("primary").pinged == "UP" &&
               c.at("backup1").pinged == "UP" && c.at("backup2").pinged == "UP" &&
               m().all_active({"slurmctld"});
    }));
    const auto controllers = m().controllers();
    EXPECT_EQ(controllers.at("primary").unit, primary_unit_);  // scaling never moves the primary
    EXPECT_EQ(controllers.at("backup1").unit, "slurmctld/1");
    EXPECT_EQ(m().workload("slurmctld/2").second, "backup2 - UP");
}

TEST_F(HaFailover, ScaleDown) {
    const auto before = m().controllers();
    const std::string backup1 = before.at("backup1").unit;
    const std::string backup2 = before.at("backup2").unit;
    m().ok({"remove-unit", backup1, "--no-prompt"});
    ASSERT_TRUE(m().wait_until("two controllers", [&] {
        const auto c = m().controllers();
        return c.size() == 2 && c.count("backup") && c.at("primary").pinged == "UP" &&
               c.at("backup").pinged == "UP" && m().units("slurmctld").size() == 2 &&
               m().all_active({"slurmctld"});
    }));
    const auto after = m().controllers();
    EXPECT_EQ(after.at("primary").unit, before.at("primary").unit);
    EXPECT_EQ(after.at("backup").unit, backup2);
}

TEST_F(HaFailover, ServiceFailover) {
    ASSERT_TRUE(pinged("primary", "UP") && pinged("backup", "UP"));
    const auto job = m().submit_job(40, "service-failover-job");
    ASSERT_TRUE(m().wait_until(
        "job running", [&] { return m().job_output("service-failover-job") == "start\n"; },
        std::chrono::seconds(60)));
    std::this_thread::sleep_for(std::chrono::seconds(7));  // slurmctld saves state every 5 s
    const auto controllers = m().controllers();
    m().exec_ok(controllers.at("primary").unit, "systemctl stop slurmctld");
    EXPECT_TRUE(sinfo_works());
    EXPECT_TRUE(m().wait_until(
        "backup running as primary",
        [&] {
            return m().service_log_says(controllers.at("backup").unit,
                                        "Running as primary controller");
        },
        std::chrono::seconds(60)));
    EXPECT_TRUE(m().wait_until(
        "job finished after the failover",
        [&] { return m().job_output("service-failover-job") == "start\nfinished\n"; },
        std::chrono::seconds(90)));
    // The charm shows the stopped controller and leaves it stopped (someone stopped it).
    EXPECT_TRUE(m().wait_until(
        "statuses follow",
        [&] {
            return m().workload(controllers.at("primary").unit).second ==
                   "Waiting for `slurmctld` to start";
        },
        std::chrono::seconds(60)));
}

TEST_F(HaFailover, ServiceRecover) {
    ASSERT_TRUE(pinged("primary", "DOWN"));
    ASSERT_TRUE(pinged("backup", "UP"));
    const auto controllers = m().controllers();
    m().exec_ok(controllers.at("primary").unit, "systemctl restart slurmctld");
    // Slurm 24.11 serves no client for about 29 s while control passes back (slurm-ha.md §6 G8).
    expect_primary_back_in_control(controllers);
    EXPECT_TRUE(m().wait_until(
        "both UP in status",
        [&] {
            return m().workload(controllers.at("primary").unit).second == "primary - UP" &&
                   m().workload(controllers.at("backup").unit).second == "backup - UP";
        },
        std::chrono::seconds(60)));
}

TEST_F(HaFailover, UnitFailover) {
    ASSERT_TRUE(pinged("primary", "UP") && pinged("backup", "UP"));
    const auto controllers = m().controllers();
    const auto job = m().submit_job(40, "unit-failover-job");
    ASSERT_TRUE(m().wait_until(
        "job running", [&] { return m().job_output("unit-failover-job") == "start\n"; },
        std::chrono::seconds(60)));
    std::this_thread::sleep_for(std::chrono::seconds(7));
    m().ok({"poweroff", controllers.at("primary").machine});
    ASSERT_TRUE(m().wait_until(
        "machine down",
        [&] {
            return m().status()["machines"][controllers.at("primary").machine]["juju-status"].value(
                       "current", "") == "down";
        },
        std::chrono::seconds(60)));
    EXPECT_TRUE(sinfo_works());
    EXPECT_TRUE(m().wait_until(
        "backup running as primary",
        [&] {
            return m().service_log_says(controllers.at("backup").unit,
                                        "Running as primary controller");
        },
        std::chrono::seconds(60)));
    const auto compute_host = m().exec_ok("compute/0", "hostname -s");
    EXPECT_EQ(
        m().exec_ok("login/0",
                    "timeout 60 srun --partition compute --chdir=/tmp hostname -s 2>/dev/null"),
        compute_host);
    EXPECT_TRUE(m().wait_until(
        "job finished after the power cut",
        [&] { return m().job_output("unit-failover-job") == "start\nfinished\n"; },
        std::chrono::seconds(90)));
    // juju status: the lost unit and the backup now serving (application status).
    EXPECT_TRUE(m().wait_until(
        "status shows who serves",
        [&] {
            const auto s = m().status();
            const auto message =
                s["applications"]["slurmctld"]["application-status"].value("message", "");
            return message.find(controllers.at("backup").unit + " (backup) in control") !=
                   std::string::npos;
        },
        std::chrono::seconds(90)));
}

TEST_F(HaFailover, UnitRecover) {
    const auto controllers = m().controllers();
    ASSERT_EQ(controllers.at("primary").pinged, "DOWN");
    ASSERT_EQ(controllers.at("backup").pinged, "UP");
    m().ok({"poweron", controllers.at("primary").machine});
    EXPECT_TRUE(m().wait_until(
        "controller units active",
        [&] { return m().all_active({"slurmctld"}) && pinged("primary", "UP"); },
        std::chrono::seconds(180)));
    expect_primary_back_in_control(controllers);
}

TEST_F(HaFailover, ScaleUpDegraded) {
    ASSERT_TRUE(pinged("primary", "UP"));
    const auto before = m().controllers();
    m().ok({"poweroff", before.at("primary").machine});
    ASSERT_TRUE(m().wait_until(
        "primary DOWN, backup UP",
        [&] { return pinged("primary", "DOWN") && pinged("backup", "UP"); },
        std::chrono::seconds(60)));
    m().ok({"add-unit", "slurmctld"});
    ASSERT_TRUE(m().wait_until(
        "three controllers, two UP",
        [&] {
            const auto c = m().controllers();
            if (c.size() != 3 || !c.count("backup2")) {
                return false;
            }
            int active = 0;
            const json units = m().units("slurmctld");
            for (const auto& [name, unit] : units.items()) {
                active += unit["workload-status"].value("current", "") == "active" ? 1 : 0;
            }
            return active == 2 && c.at("backup1").pinged == "UP" && c.at("backup2").pinged == "UP";
        },
        std::chrono::seconds(240)));
    const auto after = m().controllers();
    EXPECT_EQ(after.at("primary").unit, before.at("primary").unit);
    EXPECT_EQ(after.at("primary").pinged, "DOWN");
    EXPECT_EQ(after.at("backup1").unit, before.at("backup").unit);
}

TEST_F(HaFailover, RemoveFailedController) {
    const auto s = m().status();
    std::string down_unit;
    int others = 0;
    const json units = s["applications"]["slurmctld"]["units"];
    for (const auto& [name, unit] : units.items()) {
        const auto machine = unit.value("machine", "");
        if (s["machines"][machine]["juju-status"].value("current", "") == "down") {
            down_unit = name;
        } else {
            ++others;
        }
    }
    ASSERT_FALSE(down_unit.empty());
    ASSERT_EQ(others, 2);
    m().ok({"remove-unit", down_unit, "--force", "--no-prompt"});
    EXPECT_TRUE(m().wait_until(
        "primary and backup UP",
        [&] {
            const auto c = m().controllers();
            return c.size() == 2 && c.count("backup") && c.at("primary").pinged == "UP" &&
                   c.at("backup").pinged == "UP" && m().all_active({"slurmctld"});
        },
        std::chrono::seconds(240)));
}

}  // namespace
}  // namespace e2e
