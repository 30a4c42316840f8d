// End-to-end: the controller under hostile input and leader churn, with real Slurm.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "e2e/slurm_model.hpp"

namespace e2e {
namespace {

using testing::HasSubstr;
using testing::StartsWith;

// A slurmd application that sends what upstream's never would: each payload leaves the
// controller UP, says why in the status, and writes nothing outside /etc/slurm.
TEST(Safety, AHostilePartitionProviderCannotWriteOutsideEtcSlurmOrStopTheController) {
    SlurmModel m("hostile");
    m.ok({"deploy", slurmctld_charm(), "slurmctld"});
    m.ok({"deploy", test_charm("slurmd"), "hostile", "--config",
          R"(raw-partition={"partitionname": "x/../../../../../../etc/profile.d/zz.sh"})"});
    m.ok({"integrate", "slurmctld", "hostile"});
    struct Payload {
        std::string raw;
        std::string reason;
    };
    const std::vector<Payload> payloads{
        {R"({"partitionname": "x/../../../../../../etc/profile.d/zz.sh"})", "'/'"},
        {R"({"partitionname": "../../../../root/zz"})", "rejected"},
        {R"({"partitionname": "a b"})", "rejected"},
        {R"({"partitionname": ")" + std::string(300, 'p') + R"("})", "longer"},
        {R"({"partitionname": "p", "nodename": "evil"})", "rejected"},
        {"partitionname=p", "not JSON"},
        {R"({"partitionname": "overrides"})", "reserved"},
    };
    for (const auto& payload : payloads) {
        m.ok({"config", "hostile", "raw-partition=" + payload.raw});
        EXPECT_TRUE(m.wait_until(
            "the controller reports " + payload.raw.substr(0, 40),
            [&] {
                const auto [state, message] = m.workload("slurmctld/0");
                return state == "blocked" &&
                       message.rfind("primary - UP; partition from `hostile` rejected: ", 0) ==
                           0 &&
                       message.find(payload.reason) != std::string::npos;
            },
            std::chrono::seconds(120)))
            << payload.raw;
        EXPECT_EQ(m.exec_ok("slurmctld/0",
                            "ls /etc/profile.d/zz.sh /root/zz 2>/dev/null; ls /etc/slurm"),
                  m.exec_ok("slurmctld/0", "ls /etc/slurm"))
            << "nothing written outside /etc/slurm";
        EXPECT_THAT(m.exec_ok("slurmctld/0", "ls /etc/slurm"), testing::Not(HasSubstr("zz")));
        EXPECT_THAT(m.exec_ok("slurmctld/0", "scontrol ping 2>/dev/null"), HasSubstr("is UP"));
    }
    // The application fixes its data: the partition is served.
    m.ok({"config", "hostile", "raw-partition="});
    EXPECT_TRUE(m.wait_until("served", [&] {
        return m.workload("slurmctld/0") == std::pair<std::string, std::string>{"active",
                                                                                 "primary - UP"};
    }));
    EXPECT_THAT(m.exec_ok("slurmctld/0", "scontrol show partition hostile 2>/dev/null"),
                HasSubstr("PartitionName=hostile"));
}

// Without the shared file system there is one controller; when its unit loses leadership (its
// machine goes down) the new leader keeps the clients pointed at it rather than starting an
// empty one, and the queued job is still there when the machine comes back.
TEST(Safety, WithoutTheMountALeadershipChangeNeitherSplitsNorLosesTheQueue) {
    SlurmModel m("churn");
    m.ok({"deploy", slurmctld_charm(), "slurmctld", "-n", "2"});
    m.ok({"deploy", test_charm("sackd"), "login"});
    m.ok({"deploy", test_charm("slurmd"), "compute", "--config", "default-node-state=idle"});
    m.ok({"integrate", "slurmctld", "login"});
    m.ok({"integrate", "slurmctld", "compute"});
    ASSERT_TRUE(m.wait_until("the controller on slurmctld/0", [&] {
        return m.workload("slurmctld/0").second == "primary - UP" &&
               m.all_active({"login", "compute"});
    }));
    const std::string job = m.exec_ok(
        "login/0",
        "sbatch --parsable --hold --chdir=/tmp -o /tmp/held.out --wrap 'echo ran' 2>/dev/null");
    const std::string job_id = job.substr(0, job.find_first_of(";\n"));
    ASSERT_FALSE(job_id.empty());
    std::this_thread::sleep_for(std::chrono::seconds(7));  // saved to StateSaveLocation

    m.ok({"poweroff", m.machine_of("slurmctld/0")});
    ASSERT_TRUE(m.wait_until(
        "slurmctld/1 leads and says where the controller is",
        [&] {
            return m.workload("slurmctld/1").second ==
                   "controller on slurmctld/0 is down; enable HA with a shared file system to "
                   "fail over";
        },
        std::chrono::seconds(240)));
    EXPECT_NE(m.exec("slurmctld/1", "systemctl is-active slurmctld").stdout_text, "active\n")
        << "no second, empty controller";
    m.ok({"poweron", m.machine_of("slurmctld/0")});
    ASSERT_TRUE(m.wait_until(
        "the controller is back",
        [&] {
            return m.exec("login/0", "squeue -h -o '%i %T' 2>/dev/null").stdout_text ==
                   job_id + " PENDING\n";
        },
        std::chrono::seconds(240)));
    for (const std::string unit : {"login/0", "compute/0"}) {
        EXPECT_THAT(m.exec_ok(unit, "squeue -h -o '%i %T' 2>/dev/null"),
                    HasSubstr(job_id + " PENDING"))
            << unit;
    }
    EXPECT_TRUE(m.wait_until("statuses follow", [&] {
        return m.workload("slurmctld/0").second == "primary - UP" &&
               m.workload("slurmctld/1").second ==
                   "controller on slurmctld/0 is up; enable HA with a shared file system to "
                   "fail over";
    }));
}

}  // namespace
}  // namespace e2e
