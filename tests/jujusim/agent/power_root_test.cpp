// Real machines (NamespaceMachine): power cuts, leadership moving after the lease, the hooks
// Juju runs after a reboot, the built-in filesystem-client mounting inside the machine, and
// destroy-model leaving nothing behind. Needs root and namespaces.
#include <algorithm>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <slurmctld/util/proc.hpp>

#include "sim_fixture.hpp"

namespace jujusim_test {
namespace {

class PowerRootTest : public ::testing::Test {
  protected:
    void SetUp() override {
        if (::geteuid() != 0) {
            if (std::getenv("SLURMCTLD_ALLOW_SKIP_ROOT") != nullptr) {
                GTEST_SKIP() << "needs root";
            }
            FAIL() << "needs root and Linux namespaces (set SLURMCTLD_ALLOW_SKIP_ROOT=1 to skip)";
        }
    }
};

TEST_F(PowerRootTest, PoweroffMovesLeadershipAfterTheLeaseAndPoweronRestarts) {
    SimModel model("namespace");
    model.ok({"model-config", "leadership-lease-seconds=2"});
    model.ok({"deploy", recorder_charm(), "rec", "-n", "3"});
    model.wait("300s");
    json status = model.status();
    const std::string leader = leader_of(status, "rec");
    ASSERT_FALSE(leader.empty());
    std::set<std::string> hostnames;
    for (const auto& [id, machine] : status["machines"].items()) {
        hostnames.insert(machine["hostname"].get<std::string>());
    }
    EXPECT_EQ(hostnames.size(), 3u);
    // Hooks run inside the machine: its hostname is the machine's.
    const std::string unit_machine = status["applications"]["rec"]["units"]["rec/1"]["machine"];
    EXPECT_EQ(model.ok({"ssh", "rec/1", "hostname"}),
              status["machines"][unit_machine]["hostname"].get<std::string>() + "\n");

    const std::string machine = status["applications"]["rec"]["units"][leader]["machine"];
    model.ok({"poweroff", leader});
    status = model.wait_for(
        [&](const json& s) {
            const std::string now_leader = leader_of(s, "rec");
            return !now_leader.empty() && now_leader != leader;
        },
        std::chrono::seconds(60));
    EXPECT_EQ(status["machines"][machine]["juju-status"]["current"], "down");
    EXPECT_EQ(status["applications"]["rec"]["units"][leader]["juju-status"]["current"], "lost");
    EXPECT_EQ(status["applications"]["rec"]["units"][leader]["workload-status"]["current"],
              "unknown");
    const std::string new_leader = leader_of(status, "rec");
    model.wait("120s");
    const auto hooks = model.hooks(new_leader);
    EXPECT_EQ(std::count(hooks.begin(), hooks.end(), "leader-elected"), 1);

    const auto before = model.hooks(leader).size();
    model.ok({"poweron", machine});
    model.wait("120s");
    const auto after = model.hooks(leader);
    ASSERT_GT(after.size(), before);
    EXPECT_EQ(after[before], "start");  // Juju runs start after a reboot...
    // ...and then what changed while it was down: it is no longer the leader.
    EXPECT_NE(std::find(after.begin() + static_cast<long>(before), after.end(),
                        "leader-settings-changed"),
              after.end());
    EXPECT_EQ(model.status()["machines"][machine]["juju-status"]["current"], "started");
}

TEST_F(PowerRootTest, TestKillHookKillsAHookInsideAMachine) {
    // The hook runs in the machine's PID namespace: the tool server finds its process group
    // through the calling jujuc's credentials, kills it once, and the retry passes.
    SimModel model("namespace");
    model.ok({"deploy", recorder_charm(), "rec"});
    model.wait("300s");
    model.ok({"model-config", "test-kill-hook=rec/0:config-changed:3"});
    model.ok({"config", "rec", "message=survived"});
    model.wait_for(
        [](const json& s) {
            return s["applications"]["rec"]["units"]["rec/0"]["workload-status"].value(
                       "message", "") == "survived";
        },
        std::chrono::seconds(60));
    std::vector<int> exits;
    for (const auto& entry : json::parse(model.ok({"hooks", "--format", "json"}))) {
        if (entry["hook"] == "config-changed") {
            exits.push_back(entry["exit-code"].get<int>());
        }
    }
    EXPECT_EQ(exits, (std::vector<int>{0, 128 + 9, 0}));
    // The machine and its other processes lived on.
    EXPECT_EQ(model.status()["machines"]["0"]["juju-status"]["current"], "started");
}

TEST_F(PowerRootTest, WithoutSharedEtcHostsMachinesKnowOnlyTheirOwnName) {
    SimModel model("namespace");
    model.ok({"model-config", "shared-etc-hosts=false"});
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.wait("300s");
    const json status = model.status();
    const std::string own = status["machines"]["0"]["hostname"];
    const std::string other = status["machines"]["1"]["hostname"];
    const std::string other_address = status["machines"]["1"]["dns-name"];
    EXPECT_THAT(model.ok({"exec", "--unit", "rec/0", "--", "getent hosts " + own}),
                ::testing::HasSubstr(own));
    const auto unknown = model.run({"exec", "--unit", "rec/0", "--", "getent hosts " + other});
    EXPECT_NE(unknown.exit_code, 0);
    EXPECT_THAT(unknown.stdout_text, ::testing::Not(::testing::HasSubstr(other)));
    // Addresses still reach the other machine.
    EXPECT_EQ(
        model.run({"exec", "--unit", "rec/0", "--", "ping -c1 -W2 " + other_address}).exit_code, 0);
    // Shared again: every name everywhere.
    model.ok({"model-config", "shared-etc-hosts=true"});
    EXPECT_THAT(model.ok({"exec", "--unit", "rec/0", "--", "getent hosts " + other}),
                ::testing::HasSubstr(other));
}

TEST_F(PowerRootTest, AnApplicationMayRunOnHostDirectoriesInANamespaceModel) {
    SimModel model("namespace");
    model.ok({"deploy", recorder_charm(), "light", "-n", "2", "--machine-type", "host"});
    model.ok({"deploy", recorder_charm(), "real"});
    model.ok({"add-unit", "light"});  // the application's machine type, not the model's
    model.wait("300s");
    const json status = model.status();
    char host_name[256] = {};
    ::gethostname(host_name, sizeof host_name - 1);
    for (const std::string unit : {"light/0", "light/2"}) {
        // A host directory: the hook runs on this host, not in a machine of its own.
        EXPECT_EQ(model.ok({"ssh", unit, "hostname"}), std::string(host_name) + "\n") << unit;
    }
    const std::string machine = status["applications"]["real"]["units"]["real/0"]["machine"];
    EXPECT_EQ(model.ok({"ssh", "real/0", "hostname"}),
              status["machines"][machine]["hostname"].get<std::string>() + "\n");
}

TEST_F(PowerRootTest, DestroyModelLeavesNoProcessMountOrNamespace) {
    std::string pid_text;
    fs::path dir;
    std::vector<std::string> init_pids;
    {
        SimModel model("namespace");
        model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
        model.wait("300s");
        dir = model.dir();
        pid_text = testing_support::read_text(dir / "controller.pid");
        for (const auto& entry : fs::directory_iterator(dir / "machines")) {
            if (fs::exists(entry.path() / "init.pid")) {
                init_pids.push_back(testing_support::read_text(entry.path() / "init.pid"));
            }
        }
        EXPECT_EQ(init_pids.size(), 2u);
    }
    EXPECT_FALSE(fs::exists(dir));
    const auto alive = [](const std::string& pid_file_text) {
        const auto record = slurmctld::util::parse_process_record(pid_file_text);
        return record && slurmctld::util::is_running(*record);
    };
    EXPECT_FALSE(alive(pid_text));
    for (const auto& pid : init_pids) {
        EXPECT_FALSE(alive(pid)) << pid;
    }
    const std::string mounts = testing_support::read_text("/proc/self/mountinfo");
    EXPECT_EQ(mounts.find(dir.string()), std::string::npos);
}

TEST_F(PowerRootTest, FilesystemClientMountsTheSharedDirectoryInsideTheMachine) {
    SimModel model("namespace");
    model.ok({"deploy", recorder_charm(), "rec"});
    model.ok({"deploy", "filesystem-client", "fs"});
    model.ok({"integrate", "fs:mount", "rec:mount"});
    model.wait("300s");
    json status = model.status();
    ASSERT_TRUE(status["applications"]["rec"]["units"]["rec/0"].contains("subordinates"));
    EXPECT_EQ(status["applications"]["rec"]["units"]["rec/0"]["subordinates"]["fs/0"]
                    ["workload-status"]["message"],
              "Mounted filesystem at `/srv/recorder-shared`");
    // Written inside the machine, found in the model's shared directory on the host.
    model.ok({"ssh", "rec/0", "echo shared > /srv/recorder-shared/probe"});
    EXPECT_EQ(testing_support::read_text(model.dir() / "shared" / "fs" / "probe"), "shared\n");
    // A power cut drops the mount with the machine; it is there again after boot.
    const std::string machine = status["applications"]["rec"]["units"]["rec/0"]["machine"];
    model.ok({"poweroff", machine});
    model.ok({"poweron", machine});
    model.wait("300s");
    EXPECT_EQ(model.ok({"ssh", "rec/0", "cat /srv/recorder-shared/probe"}), "shared\n");
}

}  // namespace
}  // namespace jujusim_test
