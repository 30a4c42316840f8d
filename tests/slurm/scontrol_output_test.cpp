#include <gtest/gtest.h>

#include <slurmctld/slurm/scontrol_output.hpp>
#include <slurmctld/slurm/version.hpp>

#include "slurm/slurm_test_data.hpp"

using slurmctld::slurm::AuthSetup;
using slurmctld::slurm::controller_status;
using slurmctld::slurm::ControllerPing;
using slurmctld::slurm::nodes_with_reason;
using slurmctld::slurm::nodes_without_state_flags;
using slurmctld::slurm::parse_ping_json;
using slurmctld::slurm::parse_ping_text;
using slurmctld::slurm::SlurmVersion;

// ---- scontrol ping ------------------------------------------------------------------------------

TEST(PingJson, ReadsSlurm2411Output) {
    const auto pings = parse_ping_json(slurm_test::data_file("ping-2411-two-up.json"));
    ASSERT_TRUE(pings) << pings.error().message;
    EXPECT_EQ(pings.value(),
              (std::vector<ControllerPing>{{"ctl-0", "primary", true}, {"ctl-1", "backup", true}}));
    EXPECT_EQ(controller_status(pings.value(), "ctl-1"), "backup - UP");
}

TEST(PingJson, ReadsUpstreamsExample) {
    const auto pings = parse_ping_json(slurm_test::data_file("ping-upstream-example.json"));
    ASSERT_TRUE(pings);
    EXPECT_EQ(controller_status(pings.value(), "juju-829e74-84"), "primary - DOWN");
    EXPECT_EQ(controller_status(pings.value(), "juju-829e74-85"), "backup - UP");
    EXPECT_EQ(controller_status(pings.value(), "juju-829e74-86"), "");
}

TEST(PingJson, FallsBackToRespondingAndRefusesOtherShapes) {
    const auto pings = parse_ping_json(
        R"({"pings": [{"hostname": "a", "mode": "primary", "responding": false}]})");
    ASSERT_TRUE(pings);
    EXPECT_EQ(controller_status(pings.value(), "a"), "primary - DOWN");
    EXPECT_FALSE(parse_ping_json("scontrol: unrecognized option '--json'"));
    EXPECT_FALSE(parse_ping_json(R"({"errors": []})"));
    EXPECT_FALSE(parse_ping_json(R"({"pings": [{"hostname": "a"}]})"));
    EXPECT_FALSE(parse_ping_json(R"({"pings": [{"hostname": "a", "mode": "primary"}]})"));
}

TEST(PingText, TwoControllersWithRootsBanner) {
    const auto pings = parse_ping_text(slurm_test::data_file("ping-two-primary-down-root.txt"));
    ASSERT_TRUE(pings) << pings.error().message;
    EXPECT_EQ(pings.value(), (std::vector<ControllerPing>{{"ctl-0", "primary", false},
                                                          {"ctl-1", "backup", true}}));
    EXPECT_EQ(controller_status(pings.value(), "ctl-0"), "primary - DOWN");
}

TEST(PingText, ThreeControllersAreBackup1AndBackup2) {
    const auto pings = parse_ping_text(slurm_test::data_file("ping-three.txt"));
    ASSERT_TRUE(pings);
    ASSERT_EQ(pings.value().size(), 3U);
    EXPECT_EQ(controller_status(pings.value(), "ctl-0"), "primary - UP");
    EXPECT_EQ(controller_status(pings.value(), "ctl-1"), "backup1 - UP");
    EXPECT_EQ(controller_status(pings.value(), "ctl-2"), "backup2 - DOWN");
}

TEST(PingText, RefusesUnknownLines) {
    const auto pings = parse_ping_text("Slurmctld(primary) at a is UP\nsomething else\n");
    ASSERT_FALSE(pings);
    EXPECT_EQ(pings.error().message, "unexpected line from scontrol ping: \"something else\"");
    EXPECT_FALSE(parse_ping_text("Slurmctld(primary) at a is MAYBE\n"));
    EXPECT_TRUE(parse_ping_text("").value().empty());
}

TEST(ControllerStatus, MatchesShortHostnames) {
    const std::vector<ControllerPing> pings{{"ctl-0.lab.example", "primary", true},
                                            {"ctl-1", "backup", false}};
    EXPECT_EQ(controller_status(pings, "ctl-0"), "primary - UP");
    EXPECT_EQ(controller_status(pings, "ctl-1.lab.example"), "backup - DOWN");
    EXPECT_EQ(controller_status(pings, ""), "");
}

// ---- versions -----------------------------------------------------------------------------------

TEST(SlurmVersion, ParsesScontrolAndDebianVersions) {
    struct Case {
        std::string text;
        SlurmVersion version;
    };
    for (const Case& c : std::vector<Case>{
             {"slurm 24.11.5", {24, 11, 5}},
             {"slurm 22.05.8\n", {22, 5, 8}},
             {"24.11.5-4+deb13u1", {24, 11, 5}},
             {"23.11.7-2ubuntu1", {23, 11, 7}},
             {"25.11.0-1", {25, 11, 0}},
             {"1:25.11.2-1~ppa1", {25, 11, 2}},
             {"25.11.0-0rc1", {25, 11, 0}},
             {"25.11", {25, 11, 0}},
         }) {
        const auto parsed = SlurmVersion::parse(c.text);
        ASSERT_TRUE(parsed) << c.text;
        EXPECT_EQ(parsed.value(), c.version) << c.text;
    }
    for (const char* bad : {"", "slurm", "slurm x.y", "24", "-1.2.3"}) {
        EXPECT_FALSE(SlurmVersion::parse(bad)) << bad;
    }
    EXPECT_EQ(SlurmVersion::parse("24.11.5-4+deb13u1").value().to_string(), "24.11.5");
}

TEST(SlurmVersion, ComparesAndPicksTheAuthSetup) {
    const SlurmVersion trixie = SlurmVersion::parse("24.11.5-4+deb13u1").value();
    const SlurmVersion noble = SlurmVersion::parse("23.11.7-2ubuntu1").value();
    const SlurmVersion ppa = SlurmVersion::parse("25.11.0-1").value();
    EXPECT_LT(noble, trixie);
    EXPECT_LT(trixie, ppa);
    EXPECT_LT((SlurmVersion{24, 11, 5}), (SlurmVersion{24, 11, 10}));
    EXPECT_EQ(auth_setup_for(ppa), AuthSetup::SlurmJwks);
    EXPECT_EQ(auth_setup_for(trixie), AuthSetup::SlurmJwks);
    EXPECT_EQ(auth_setup_for(SlurmVersion{24, 5, 0}), AuthSetup::SlurmJwks);
    EXPECT_EQ(auth_setup_for(noble), AuthSetup::SlurmKey);
    EXPECT_EQ(auth_setup_for(SlurmVersion{22, 5, 8}), AuthSetup::Munge);
    EXPECT_FALSE(supports_metrics_type(trixie));
    EXPECT_TRUE(supports_metrics_type(ppa));
    EXPECT_TRUE(supports_autodetect_nvidia(trixie));
    EXPECT_FALSE(supports_autodetect_nvidia(SlurmVersion{24, 5, 8}));
    EXPECT_FALSE(supports_autodetect_nvidia(noble));
}

// ---- scontrol -o show node ----------------------------------------------------------------------

TEST(NodesWithReason, FindsTheNodesDrainedForAReasonInOneLinerOutput) {
    // Slurm 24.11.5's `scontrol -o show node` after a failover (jujusim), shortened in the middle.
    const std::string text =
        "NodeName=compute-0 Arch=x86_64 CoresPerSocket=2 CPUAlloc=0 CPUEfctv=2 CPUTot=2 "
        "NodeAddr=10.77.0.13 NodeHostName=juju-86ba80-3 Version=24.11.5 OS=Linux 6.18.44 #1 SMP "
        "PREEMPT_DYNAMIC @0 RealMemory=24105 AllocMem=0 State=IDLE+DRAIN+DYNAMIC_NORM "
        "Partitions=compute CfgTRES=cpu=2,mem=24105M,billing=2 AllocTRES= CurrentWatts=0 "
        "AveWatts=0 Reason=Duplicate jobid [slurm@2026-12-04T02:15:01]\n"
        "NodeName=compute-1 Arch=x86_64 State=IDLE+DRAIN Reason=maintenance [root@2026-12-04]\n"
        "NodeName=compute-2 Arch=x86_64 State=IDLE Partitions=compute\n"
        "NodeName=../x State=IDLE+DRAIN Reason=Duplicate jobid [slurm@2026-12-04T02:15:01]\n"
        "NodeName=compute-3 State=MIXED+DRAIN Reason=Duplicate jobid [slurm@2026-12-04T02:16:00]";
    EXPECT_EQ(nodes_with_reason(text, "Duplicate jobid"),
              (std::vector<std::string>{"compute-0", "compute-3"}));
    EXPECT_EQ(nodes_with_reason(text, "maintenance"), std::vector<std::string>{"compute-1"});
    EXPECT_TRUE(nodes_with_reason("", "Duplicate jobid").empty());
    EXPECT_TRUE(nodes_with_reason("No nodes in the system\n", "Duplicate jobid").empty());
}

TEST(ShowNodeOneLine, NodesWithoutStateFlagsSkipsFlaggedAndBadNames) {
    const std::string text =
        "NodeName=compute-0 Arch=x86_64 CoresPerSocket=2 State=IDLE+DRAIN+DYNAMIC_NORM "
        "ThreadsPerCore=1 Reason=Duplicate jobid [slurm@2026-12-04T02:15:01]\n"
        "NodeName=compute-1 Arch=x86_64 State=MIXED+DYNAMIC_NORM ThreadsPerCore=1\n"
        "NodeName=compute-2 Arch=x86_64 State=IDLE ThreadsPerCore=1\n"
        "NodeName=compute-3 Arch=x86_64 State=DOWN+NOT_RESPONDING ThreadsPerCore=1\n"
        "NodeName=compute-4 Arch=x86_64 State=IDLE+INVALID_REG ThreadsPerCore=1\n"
        "NodeName=../x Arch=x86_64 State=IDLE ThreadsPerCore=1\n"
        "NodeName=compute-5 Arch=x86_64 State=IDLE+DRAINED_NOT_A_FLAG\n"
        "NodeName=compute-6 Arch=x86_64\n";
    EXPECT_EQ(nodes_without_state_flags(text, {"DRAIN", "INVALID_REG"}),
              (std::vector<std::string>{"compute-1", "compute-2", "compute-3", "compute-5"}));
    EXPECT_TRUE(nodes_without_state_flags("No nodes in the system\n", {"DRAIN"}).empty());
}
