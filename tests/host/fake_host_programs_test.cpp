// FakeHost's programs answer from its model the way the real programs answer.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fake_host.hpp"

namespace {

using namespace slurmctld::host;
using testing_support::FakeHost;
using testing_support::FakeService;
using Argv = std::vector<std::string>;

// ---- systemctl -------------------------------------------------------------------------------

TEST(FakeSystemctl, UnknownUnitsFailAsSystemdSaysIt) {
    FakeHost host;
    EXPECT_EQ(host.systemctl({"start", "slurmctld"}).stderr_text,
              "Failed to start slurmctld.service: Unit slurmctld.service not found.\n");
    EXPECT_EQ(host.systemctl({"restart", "slurmctld.service"}).exit_code, 5);
    EXPECT_EQ(host.systemctl({"stop", "slurmctld"}).stderr_text,
              "Failed to stop slurmctld.service: Unit slurmctld.service not loaded.\n");
    const CommandResult enable = host.systemctl({"enable", "slurmctld"});
    EXPECT_EQ(enable.exit_code, 1);
    EXPECT_EQ(enable.stderr_text,
              "Failed to enable unit: Unit file slurmctld.service does not exist.\n");
    EXPECT_EQ(host.systemctl({"is-active", "slurmctld"}).stdout_text, "inactive\n");
    EXPECT_EQ(host.systemctl({"is-active", "--quiet", "slurmctld"}).exit_code, 3);
    EXPECT_EQ(host.systemctl({"frobnicate", "slurmctld"}).exit_code, 1);
}

TEST(FakeSystemctl, VerbsChangeStateAndCount) {
    FakeHost host;
    FakeService& munge = host.service("munge");
    munge.installed = true;
    EXPECT_TRUE(host.systemctl({"enable", "munge"}).ok());
    EXPECT_TRUE(munge.enabled);
    EXPECT_FALSE(munge.active);
    EXPECT_TRUE(host.systemctl({"start", "munge"}).ok());
    EXPECT_TRUE(host.systemctl({"start", "munge"}).ok());
    EXPECT_TRUE(host.systemctl({"is-active", "--quiet", "munge"}).ok());
    EXPECT_EQ(host.systemctl({"is-active", "munge"}).stdout_text, "active\n");
    EXPECT_EQ(host.systemctl({"is-active", "--quiet", "munge"}).stdout_text, "");
    EXPECT_TRUE(host.systemctl({"restart", "munge"}).ok());
    EXPECT_TRUE(host.systemctl({"reload", "munge"}).ok());
    EXPECT_EQ(host.systemctl({"is-enabled", "munge"}).stdout_text, "enabled\n");
    EXPECT_TRUE(host.systemctl({"disable", "--now", "munge"}).ok());
    EXPECT_FALSE(munge.enabled);
    EXPECT_FALSE(munge.active);
    EXPECT_EQ(munge.starts, 2);
    EXPECT_EQ(munge.restarts, 1);
    EXPECT_EQ(munge.reloads, 1);
    EXPECT_EQ(munge.stops, 1);
    EXPECT_EQ(host.systemctl({"reload", "munge"}).exit_code, 1);  // inactive
    EXPECT_TRUE(host.systemctl({"enable", "--now", "munge"}).ok());
    EXPECT_TRUE(munge.active);
    EXPECT_TRUE(host.systemctl({"daemon-reload"}).ok());
}

TEST(FakeSystemctl, SlurmctldDoesNotStartWithoutSlurmConfButSystemctlSucceeds) {
    FakeHost host("juju-abc-0");
    host.add_slurm_packages_to_archive();
    host.install_package("slurmctld", "24.11.5-1");
    const CommandResult start = host.systemctl({"start", "slurmctld"});
    EXPECT_TRUE(start.ok());
    EXPECT_FALSE(host.service("slurmctld").active);  // ConditionPathExists=/etc/slurm/slurm.conf
    host.add_file("/etc/slurm/slurm.conf", "SlurmctldHost=juju-abc-0\n");
    EXPECT_TRUE(host.systemctl({"restart", "slurmctld"}).ok());
    EXPECT_TRUE(host.service("slurmctld").active);
}

TEST(FakeSystemctl, SlurmctldFailsOnAHostThatIsNotAController) {
    FakeHost host("juju-abc-1");
    host.add_slurm_packages_to_archive();
    host.install_package("slurmctld", "24.11.5-1");
    host.add_file("/etc/slurm/slurm.conf", "slurmctldhost=juju-abc-0\n");
    const CommandResult start = host.systemctl({"start", "slurmctld"});
    EXPECT_EQ(start.exit_code, 1);
    EXPECT_TRUE(start.stderr_text.starts_with(
        "Job for slurmctld.service failed because the control process exited with error code."));
    EXPECT_FALSE(host.service("slurmctld").active);
}

TEST(FakeSystemctl, AUnitCanBeMadeToFail) {
    FakeHost host;
    host.service("munge").installed = true;
    host.service("munge").fails_to_start = true;
    EXPECT_EQ(host.systemctl({"restart", "munge"}).exit_code, 1);
    EXPECT_FALSE(host.service("munge").active);
}

// ---- apt-get and dpkg-query ------------------------------------------------------------------

TEST(FakeApt, InstallsFromTheArchiveWithDependenciesAndRunsPostinst) {
    FakeHost host;
    host.add_slurm_packages_to_archive("24.11.5-1");
    const CommandResult result = host.apt_get({"install", "-y", "slurmctld"});
    ASSERT_TRUE(result.ok()) << result.stderr_text;
    EXPECT_EQ(host.packages.at("slurmctld").version, "24.11.5-1");
    EXPECT_EQ(host.packages.at("munge").version, "0.5.15-4");
    EXPECT_TRUE(host.packages.contains("slurm-client"));
    EXPECT_NE(host.directory("/etc/slurm"), nullptr);
    // Debian's postinst enables and starts services; slurmctld's condition keeps it down.
    EXPECT_TRUE(host.service("munge").active);
    EXPECT_TRUE(host.service("slurmctld").enabled);
    EXPECT_FALSE(host.service("slurmctld").active);
    EXPECT_NE(host.apt_get({"install", "-y", "slurmctld"}).stdout_text.find("already the newest"),
              std::string::npos);
}

TEST(FakeApt, AnUnknownPackageFailsTheWholeInstall) {
    FakeHost host;
    host.add_slurm_packages_to_archive();
    const CommandResult result = host.apt_get({"install", "-y", "slurmctld", "nope"});
    EXPECT_EQ(result.exit_code, 100);
    EXPECT_EQ(result.stderr_text, "E: Unable to locate package nope\n");
    EXPECT_TRUE(host.packages.empty());
}

TEST(FakeApt, AnUnreachableArchiveOnlyWarnsOnUpdateButFailsInstalls) {
    FakeHost host;
    host.add_slurm_packages_to_archive();
    host.archive_reachable = false;
    const CommandResult update = host.apt_get({"update"});
    EXPECT_EQ(update.exit_code, 0);
    EXPECT_NE(update.stderr_text.find("W: Failed to fetch"), std::string::npos);
    EXPECT_EQ(host.apt_updates, 1);
    const CommandResult install = host.apt_get({"install", "-y", "rsync"});
    EXPECT_EQ(install.exit_code, 100);
    EXPECT_NE(install.stderr_text.find("E: Unable to fetch some archives"), std::string::npos);
    EXPECT_FALSE(host.packages.contains("rsync"));
}

TEST(FakeApt, RemoveLeavesConfigFilesAndPurgeForgets) {
    FakeHost host;
    host.add_slurm_packages_to_archive();
    ASSERT_TRUE(host.apt_get({"install", "-y", "munge"}).ok());
    ASSERT_TRUE(host.apt_get({"remove", "-y", "munge"}).ok());
    EXPECT_EQ(host.packages.at("munge").status, "config-files");
    EXPECT_FALSE(host.service("munge").installed);
    EXPECT_EQ(
        host.dpkg_query({"-W", "-f=${db:Status-Abbrev}|${Status}|${Version}", "munge"}).stdout_text,
        "rc |deinstall ok config-files|0.5.15-4");
    ASSERT_TRUE(host.apt_get({"purge", "-y", "munge"}).ok());
    EXPECT_FALSE(host.packages.contains("munge"));
}

TEST(FakeDpkgQuery, AnswersInTheRequestedFormatOrSaysNothingMatches) {
    FakeHost host;
    host.packages["slurmctld"] = {"23.11.4-1.2ubuntu5", "installed"};
    EXPECT_EQ(host.dpkg_query({"-W", "-f=${Version}", "slurmctld"}).stdout_text,
              "23.11.4-1.2ubuntu5");
    EXPECT_EQ(host.dpkg_query({"--show", "--showformat=${Package} ${Version}\\n", "slurmctld"})
                  .stdout_text,
              "slurmctld 23.11.4-1.2ubuntu5\n");
    EXPECT_EQ(host.dpkg_query({"-W", "slurmctld"}).stdout_text, "slurmctld\t23.11.4-1.2ubuntu5\n");
    const CommandResult missing = host.dpkg_query({"-W", "-f=${Version}", "slurmd"});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_EQ(missing.stdout_text, "");
    EXPECT_EQ(missing.stderr_text, "dpkg-query: no packages found matching slurmd\n");
}

// ---- scontrol --------------------------------------------------------------------------------

class FakeScontrol : public ::testing::Test {
  protected:
    void SetUp() override {
        host_.add_slurm_packages_to_archive();
        host_.install_package("slurmctld", "24.11.5-1");
        host_.add_file("/etc/slurm/slurm.conf",
                       "clustername=polaris\nslurmctldhost=juju-abc-0\n"
                       "SlurmctldHost=juju-abc-1(10.0.0.11)\n");
    }
    FakeHost host_{"juju-abc-0"};
};

TEST_F(FakeScontrol, PingTextFollowsSlurmctldHostOrderAndTheUpMap) {
    ASSERT_TRUE(host_.systemctl({"start", "slurmctld"}).ok());
    host_.slurm.remote_up["juju-abc-1"] = true;
    CommandResult ping = host_.scontrol({"ping"});
    EXPECT_EQ(ping.exit_code, 0);
    EXPECT_EQ(ping.stdout_text,
              "Slurmctld(primary) at juju-abc-0 is UP\nSlurmctld(backup) at juju-abc-1 is UP\n");

    host_.systemctl({"stop", "slurmctld"});
    ping = host_.scontrol({"ping"});
    EXPECT_EQ(ping.exit_code, 0);
    EXPECT_EQ(ping.stdout_text,
              "Slurmctld(primary) at juju-abc-0 is DOWN\n"
              "Slurmctld(backup) at juju-abc-1 is UP\n"
              "*****************************************\n"
              "** RESTORE SLURMCTLD DAEMON TO SERVICE **\n"
              "*****************************************\n");

    host_.slurm.remote_up["juju-abc-1"] = false;
    EXPECT_EQ(host_.scontrol({"ping"}).exit_code, 1);
}

TEST_F(FakeScontrol, ThreeControllersAreNamedPrimaryBackup1Backup2) {
    host_.write_file(
        "/etc/slurm/slurm.conf",
        "slurmctldhost=juju-abc-0\nslurmctldhost=juju-abc-1\nslurmctldhost=juju-abc-2\n", {});
    host_.slurm.remote_up = {{"juju-abc-1", true}, {"juju-abc-2", true}};
    EXPECT_EQ(host_.scontrol({"ping"}).stdout_text,
              "Slurmctld(primary) at juju-abc-0 is DOWN\n"
              "Slurmctld(backup1) at juju-abc-1 is UP\n"
              "Slurmctld(backup2) at juju-abc-2 is UP\n"
              "*****************************************\n"
              "** RESTORE SLURMCTLD DAEMON TO SERVICE **\n"
              "*****************************************\n");
}

TEST_F(FakeScontrol, PingJsonOn24_11) {
    ASSERT_TRUE(host_.systemctl({"start", "slurmctld"}).ok());
    const CommandResult ping = host_.scontrol({"ping", "--json"});
    ASSERT_EQ(ping.exit_code, 0);
    const auto document = nlohmann::json::parse(ping.stdout_text);
    ASSERT_EQ(document["pings"].size(), 2U);
    EXPECT_EQ(document["pings"][0]["hostname"], "juju-abc-0");
    EXPECT_EQ(document["pings"][0]["pinged"], "UP");
    EXPECT_EQ(document["pings"][0]["mode"], "primary");
    EXPECT_EQ(document["pings"][0]["primary"], true);
    EXPECT_EQ(document["pings"][1]["hostname"], "juju-abc-1");
    EXPECT_EQ(document["pings"][1]["pinged"], "DOWN");
    EXPECT_EQ(document["pings"][1]["responding"], false);
    EXPECT_EQ(document["pings"][1]["mode"], "backup");
    EXPECT_EQ(document["meta"]["slurm"]["release"], "24.11.5");
    EXPECT_EQ(document["meta"]["slurm"]["cluster"], "polaris");
    EXPECT_EQ(host_.scontrol({"--json", "ping"}).stdout_text, ping.stdout_text);
    // All down: still exit 0 with --json (only the text form fails).
    host_.systemctl({"stop", "slurmctld"});
    EXPECT_EQ(host_.scontrol({"ping", "--json"}).exit_code, 0);
}

TEST_F(FakeScontrol, Slurm22_05RejectsJson) {
    host_.slurm.version = "22.05.8";
    const CommandResult ping = host_.scontrol({"ping", "--json"});
    EXPECT_EQ(ping.exit_code, 1);
    EXPECT_TRUE(ping.stderr_text.starts_with("scontrol: unrecognized option '--json'\n"));
    host_.slurm.version = "23.02.0";
    EXPECT_EQ(host_.scontrol({"ping", "--json"}).exit_code, 0);
}

TEST_F(FakeScontrol, WithoutSlurmConfTheClientCannotFindAController) {
    host_.remove_file("/etc/slurm/slurm.conf");
    const CommandResult ping = host_.scontrol({"ping"});
    EXPECT_EQ(ping.exit_code, 1);
    EXPECT_NE(ping.stderr_text.find("Could not establish a configuration source"),
              std::string::npos);
}

TEST_F(FakeScontrol, ReconfigureAndUpdateNeedAControllerAndAreRecorded) {
    EXPECT_EQ(host_.scontrol({"reconfigure"}).stderr_text,
              "slurm_reconfigure error:Unable to contact slurm controller (connect failure)\n");
    EXPECT_EQ(host_.slurm.reconfigures, 0);
    host_.slurm.remote_up["juju-abc-1"] = true;  // the backup is in control
    EXPECT_TRUE(host_.scontrol({"reconfigure"}).ok());
    EXPECT_TRUE(
        host_.scontrol({"update", "nodename=node-[0-3]", "state=drain", "reason='n/a'"}).ok());
    EXPECT_EQ(host_.slurm.reconfigures, 1);
    EXPECT_EQ(host_.slurm.updates,
              (std::vector<Argv>{{"nodename=node-[0-3]", "state=drain", "reason='n/a'"}}));
    EXPECT_EQ(host_.count_commands({"scontrol", "reconfigure"}), 2);
}

TEST_F(FakeScontrol, TakeoverStopsThePrimaryDaemon) {
    ASSERT_TRUE(host_.systemctl({"start", "slurmctld"}).ok());
    EXPECT_EQ(host_.scontrol({"takeover"}).stderr_text,
              "slurm_takeover error: Unable to contact slurm controller (connect failure)\n");
    host_.slurm.remote_up["juju-abc-1"] = true;
    EXPECT_TRUE(host_.scontrol({"takeover"}).ok());
    EXPECT_FALSE(host_.service("slurmctld").active);  // the primary's slurmctld exits
    EXPECT_EQ(host_.slurm.takeovers, std::vector<int>{1});
    EXPECT_EQ(host_.scontrol({"takeover", "2"}).stderr_text,
              "takeover: invalid backup controller index (2)\n");
}

TEST_F(FakeScontrol, AProbeConfigAsksOnlyItsControllerWhetherItIsInControl) {
    host_.add_file("/run/probe.conf", "clustername=polaris\nslurmctldhost=juju-abc-1\n");
    host_.slurm.remote_up["juju-abc-1"] = true;
    ASSERT_TRUE(host_.systemctl({"start", "slurmctld"}).ok());
    // juju-abc-0 (this host) is first and up: it is in control, juju-abc-1 stands by.
    EXPECT_EQ(host_.scontrol_with_config("/run/probe.conf", {"show", "partition"}).stderr_text,
              "slurm_load_partitions error: Slurm backup controller in standby mode\n");
    host_.add_file("/run/self.conf", "clustername=polaris\nslurmctldhost=juju-abc-0\n");
    EXPECT_TRUE(host_.scontrol_with_config("/run/self.conf", {"show", "partition"}).ok());
    // The primary stops: the backup is in control.
    ASSERT_TRUE(host_.systemctl({"stop", "slurmctld"}).ok());
    EXPECT_TRUE(host_.scontrol_with_config("/run/probe.conf", {"show", "partition"}).ok());
    EXPECT_NE(host_.scontrol_with_config("/run/self.conf", {"show", "partition"})
                  .stderr_text.find("connect failure"),
              std::string::npos);
    EXPECT_EQ(host_.commands.back().front(), "scontrol");
    EXPECT_EQ(host_.commands.back()[1], "SLURM_CONF=/run/self.conf");
}

TEST(FakeHostFiles, SwapDirectoryForSymlinkKeepsTheOldTreeAsBackup) {
    FakeHost host;
    host.add_file("/etc/slurm/slurm.conf", "a");
    host.add_file("/srv/slurmctld-statefs/etc/slurm/slurm.conf", "b");
    host.swap_directory_for_symlink("/etc/slurm", "/srv/slurmctld-statefs/etc/slurm",
                                    "/etc/slurm_1");
    ASSERT_NE(host.symlink("/etc/slurm"), nullptr);
    EXPECT_EQ(host.read_file("/etc/slurm/slurm.conf"), "b");
    EXPECT_EQ(host.read_file("/etc/slurm_1/slurm.conf"), "a");
    EXPECT_THROW(host.swap_directory_for_symlink("/etc/slurm", "/x", "/etc/slurm_2"),
                 slurmctld::host::HostError);
}

TEST(FakeHostFiles, WriteLatencyComesFromTheLongestMatchingPrefix) {
    FakeHost host;
    host.add_directory("/srv/statefs/checkpoint");
    host.write_latency["/srv/statefs"] = std::chrono::microseconds(80000);
    EXPECT_EQ(host.measure_write_latency("/srv/statefs/checkpoint", 3).value(),
              std::vector<std::chrono::microseconds>(3, std::chrono::microseconds(80000)));
    EXPECT_EQ(host.measure_write_latency("/etc", 1).value().front(),
              std::chrono::microseconds(500));
}

// ---- rsync -----------------------------------------------------------------------------------

TEST(FakeRsync, MigratesStateSaveLocationLikeUpstreamsCommand) {
    FakeHost host;
    host.mount("/srv/slurmctld-statefs");
    host.add_directory("/var/lib/slurm/checkpoint", {"slurm", "slurm", 0755});
    host.add_file("/var/lib/slurm/checkpoint/job_state", "jobs", {"slurm", "slurm", 0600});
    host.add_file("/var/lib/slurm/checkpoint/hash.0/job.1/script", "#!/bin/sh",
                  {"slurm", "slurm", 0600});
    const CommandResult result = host.rsync(
        {"--archive", "--delete", "/var/lib/slurm/checkpoint", "/srv/slurmctld-statefs"});
    ASSERT_TRUE(result.ok()) << result.stderr_text;
    EXPECT_EQ(host.read_file("/srv/slurmctld-statefs/checkpoint/job_state"), "jobs");
    EXPECT_EQ(host.file("/srv/slurmctld-statefs/checkpoint/job_state")->mode, 0600U);
    EXPECT_EQ(host.directory("/srv/slurmctld-statefs/checkpoint")->owner, "slurm");
    EXPECT_EQ(host.read_file("/srv/slurmctld-statefs/checkpoint/hash.0/job.1/script"), "#!/bin/sh");
    // The delta pass removes what vanished and copies what changed.
    host.remove_file("/var/lib/slurm/checkpoint/hash.0/job.1/script");
    host.write_file("/var/lib/slurm/checkpoint/job_state", "jobs v2", {"slurm", "slurm", 0600});
    ASSERT_TRUE(
        host.rsync({"--archive", "--delete", "/var/lib/slurm/checkpoint", "/srv/slurmctld-statefs"})
            .ok());
    EXPECT_EQ(host.read_file("/srv/slurmctld-statefs/checkpoint/job_state"), "jobs v2");
    EXPECT_FALSE(host.exists("/srv/slurmctld-statefs/checkpoint/hash.0/job.1/script"));
    EXPECT_EQ(host.count_commands({"rsync", "--archive", "--delete", "/var/lib/slurm/checkpoint",
                                   "/srv/slurmctld-statefs"}),
              2);
}

TEST(FakeRsync, ATrailingSlashCopiesContentsAndAMissingSourceFails) {
    FakeHost host;
    host.add_file("/src/a", "a");
    ASSERT_TRUE(host.rsync({"-a", "/src/", "/dst"}).ok());
    EXPECT_EQ(host.read_file("/dst/a"), "a");
    const CommandResult missing = host.rsync({"-a", "/nowhere", "/dst"});
    EXPECT_EQ(missing.exit_code, 23);
    EXPECT_NE(missing.stderr_text.find("link_stat \"/nowhere\" failed: No such file or directory"),
              std::string::npos);
    EXPECT_EQ(host.rsync({"-a", "/src", "/no/such/parent"}).exit_code, 11);
}

// ---- systemd-detect-virt, the command log, injected failures ---------------------------------

TEST(FakeDetectVirt, AnswersLikeSystemdDetectVirt) {
    FakeHost host;
    CommandResult result = host.systemd_detect_virt({"--container"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.stdout_text, "none\n");
    host.virtualization = "kvm";
    EXPECT_EQ(host.systemd_detect_virt({}).stdout_text, "kvm\n");
    EXPECT_EQ(host.systemd_detect_virt({"--container"}).exit_code, 1);
    host.container = "lxc";
    result = host.systemd_detect_virt({"--container"});
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.stdout_text, "lxc\n");
}

TEST(FakeCommandLog, RecordsEveryProgramAndInjectedFailuresAreUsedUp) {
    FakeHost host;
    host.service("slurmctld").installed = true;
    host.inject_failure({"systemctl", "restart"}, {1, "", "boom\n"});
    EXPECT_EQ(host.systemctl({"restart", "slurmctld"}).stderr_text, "boom\n");
    EXPECT_EQ(host.service("slurmctld").restarts, 0);  // the model did not run
    EXPECT_TRUE(host.systemctl({"restart", "slurmctld"}).ok());
    host.scontrol({"ping"});
    EXPECT_EQ(host.commands, (std::vector<Argv>{{"systemctl", "restart", "slurmctld"},
                                                {"systemctl", "restart", "slurmctld"},
                                                {"scontrol", "ping"}}));
    EXPECT_EQ(host.count_commands({"systemctl", "restart", "slurmctld"}), 2);
    EXPECT_EQ(host.service("slurmctld").restarts, 1);
}

}  // namespace
