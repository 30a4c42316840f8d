// State-transition tests of the charm: build units (Juju view + machine), run events, assert on
// statuses, files, relation data, secrets and the commands run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/failover_resync.hpp>
#include <slurmctld/host/state_copy.hpp>
#include <slurmctld/juju/relation_codec.hpp>

#include "charm/charm_harness.hpp"

namespace charm_tests {
namespace {

using slurmctld::juju::Status;
using testing::ElementsAre;
using testing::HasSubstr;
using testing::StartsWith;

std::vector<std::string> controllers_of(TestUnit& unit) {
    return unit.host->configured_controllers().value_or(std::vector<std::string>{});
}

// ---- install and a single controller -------------------------------------------------------

TEST(CharmInstall, InstallsSlurmAndPreparesTheMachine) {
    TestCluster cluster(1);
    auto& unit = cluster.unit(0);
    EXPECT_EQ(cluster.run(0, "install"), 0);
    EXPECT_TRUE(unit.host->packages.count("slurmctld"));
    EXPECT_THAT(file_text(unit, "/etc/security/limits.d/20-charmed-hpc-openfile.conf"),
                HasSubstr("* soft nofile  1048576"));
    EXPECT_THAT(file_text(unit, "/etc/systemd/system/slurmctld.service.d/10-charmed-hpc.conf"),
                HasSubstr("Restart=on-failure"));
    EXPECT_FALSE(unit.host->service("slurmctld").enabled);
    EXPECT_FALSE(unit.host->service("slurmctld").active);
    EXPECT_EQ(unit.state.opened_ports, (std::set<std::string>{"6817/tcp", "9092/tcp"}));
    EXPECT_EQ(unit.state.workload_version, kSlurmVersion);
    EXPECT_EQ(unit.state.unit_status,
              (Status{"waiting", "Waiting for the cluster name to be set"}));
}

TEST(CharmInstall, AFailedInstallBlocksWithUpstreamsMessage) {
    TestCluster cluster(1);
    cluster.unit(0).host->archive_reachable = false;
    EXPECT_EQ(cluster.run(0, "install"), 0);
    EXPECT_EQ(
        cluster.unit(0).state.unit_status,
        (Status{"blocked", "Failed to install `slurmctld`. See `juju debug-log` for details."}));
}

// ---- where Slurm comes from, by release (upstream.md §6, §10)
// ------------------------------------

constexpr const char* kPpaSources = "/etc/apt/sources.list.d/ubuntu-hpc-slurm-wlm-25.11.sources";
const std::vector<std::vector<std::string>> kAptFromIndex = {
    {"update", "-o", "DPkg::Lock::Timeout=300", "-o", "Acquire::Retries=3"},
    {"install", "-o", "DPkg::Lock::Timeout=300", "-o", "Acquire::Retries=3", "-y",
     "--option=Dpkg::Options::=--force-confold", "slurmctld", "rsync"}};

/// The apt-get commands that bring Slurm (and rsync): the companion packages (libpmix-dev, the
/// JWT plugin; CharmIntegrations tests them) are left out.
std::vector<std::vector<std::string>> slurm_apt_commands(const testing_support::FakeHost& host) {
    std::vector<std::vector<std::string>> commands;
    for (const auto& command : host.commands_of("apt-get")) {
        if (command.back() != "libpmix-dev" && command.back() != "slurm-wlm-jwt-plugin" &&
            command.back() != "slurm-wlm-influxdb-plugin") {
            commands.push_back(command);
        }
    }
    return commands;
}

std::string os_release(const std::string& version_id, const std::string& codename) {
    return "PRETTY_NAME=\"Ubuntu " + version_id + " LTS\"\nNAME=\"Ubuntu\"\nVERSION_ID=\"" +
           version_id + "\"\nVERSION_CODENAME=" + codename + "\nID=ubuntu\nID_LIKE=debian\n";
}

TEST(CharmInstall, InstallsThePluginsThePlatformPackagesApartFromSlurmctld) {
    TestCluster cluster(1);
    auto& unit = cluster.unit(0);
    unit.host->add_to_archive("slurm-wlm-jwt-plugin", {"24.11.5-1", {}, {}, {}, {}, {}});
    unit.host->add_to_archive("slurm-wlm-influxdb-plugin", {"24.11.5-1", {}, {}, {}, {}, {}});
    // This platform's slurmctld carries the JWT plugin (as the Ubuntu HPC PPA's does).
    unit.host->add_file("/usr/lib/x86_64-linux-gnu/slurm-wlm/auth_jwt.so", "ELF");
    EXPECT_EQ(cluster.run(0, "install"), 0);
    EXPECT_TRUE(unit.host->packages.count("libpmix-dev"));
    EXPECT_TRUE(unit.host->packages.count("slurm-wlm-influxdb-plugin"));
    EXPECT_FALSE(unit.host->packages.count("slurm-wlm-jwt-plugin"));
}

TEST(CharmInstallSource, Ubuntu2404InstallsFromTheHpcPpaSignedByItsKey) {
    TestCluster cluster(1);
    auto& unit = cluster.unit(0);
    unit.host->add_file("/etc/os-release", os_release("24.04", "noble"));
    EXPECT_EQ(cluster.run(0, "install"), 0);
    const auto* sources = unit.host->file(kPpaSources);
    ASSERT_NE(sources, nullptr);
    EXPECT_EQ(sources->mode, 0644U);
    EXPECT_EQ(sources->owner, "root");
    EXPECT_THAT(
        sources->content,
        StartsWith("Types: deb\n"
                   "URIs: https://ppa.launchpadcontent.net/ubuntu-hpc/slurm-wlm-25.11/ubuntu\n"
                   "Suites: noble\n"
                   "Components: main\n"
                   "Signed-By:\n"
                   " -----BEGIN PGP PUBLIC KEY BLOCK-----\n"
                   " .\n"
                   " xsFNBGTuZb8BEACtJ1CnZe6/hv84DceHv+a54y3Pqq0gqED0xhTKnbj/E2ByJpmT\n"));
    EXPECT_THAT(sources->content,
                testing::EndsWith(" =cs1s\n -----END PGP PUBLIC KEY BLOCK-----\n"));
    // The source is in place before the index is read, and the index is read before install.
    EXPECT_EQ(slurm_apt_commands(*unit.host), kAptFromIndex);
    EXPECT_TRUE(unit.host->packages.count("slurmctld"));
    EXPECT_TRUE(unit.host->packages.count("rsync"));
}

TEST(CharmInstallSource, Ubuntu2604InstallsFromTheUbuntuArchiveAndDropsAnOldPpaSource) {
    TestCluster cluster(1);
    auto& unit = cluster.unit(0);
    unit.host->add_file("/etc/os-release", os_release("26.04", "resolute"));
    unit.host->add_file(kPpaSources, "Types: deb\nSuites: noble\n");  // before a series upgrade
    EXPECT_EQ(cluster.run(0, "install"), 0);
    EXPECT_FALSE(unit.host->exists(kPpaSources));
    EXPECT_EQ(slurm_apt_commands(*unit.host), kAptFromIndex);
    EXPECT_TRUE(unit.host->packages.count("slurmctld"));
}

TEST(CharmInstallSource, DebianInstallsFromItsOwnArchive) {
    TestCluster cluster(1);
    auto& unit = cluster.unit(0);
    unit.host->add_file("/etc/os-release",
                        "PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nVERSION_ID=\"13\"\n"
                        "VERSION_CODENAME=trixie\nID=debian\n");
    EXPECT_EQ(cluster.run(0, "install"), 0);
    EXPECT_FALSE(unit.host->exists(kPpaSources));
    EXPECT_EQ(slurm_apt_commands(*unit.host), kAptFromIndex);
}

TEST(CharmInstallSource, APreinstalledSlurmWithoutRsyncGetsRsyncAtInstall) {
    TestCluster cluster(1);
    auto& unit = cluster.unit(0);
    unit.host->install_package("slurmctld", kSlurmVersion);
    EXPECT_EQ(cluster.run(0, "install"), 0);
    EXPECT_EQ(slurm_apt_commands(*unit.host).back(),
              (std::vector<std::string>{"install", "-o", "DPkg::Lock::Timeout=300", "-o",
                                        "Acquire::Retries=3", "-y",
                                        "--option=Dpkg::Options::=--force-confold", "rsync"}));
    EXPECT_TRUE(unit.host->packages.count("rsync"));
    const auto apt_runs = unit.host->commands_of("apt-get").size();
    EXPECT_EQ(cluster.run(0, "config-changed"), 0);  // not asked again outside install
    EXPECT_EQ(unit.host->commands_of("apt-get").size(), apt_runs);
}

TEST(CharmSingleController, DeployWritesUpstreamsFilesAndStartsTheController) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
    EXPECT_THAT(unit.state.app_status.message, HasSubstr("slurmctld/0 (primary) in control"));
    const auto conf = file_text(unit, "/etc/slurm/slurm.conf");
    EXPECT_THAT(conf, StartsWith("clustername=charmed-hpc-"));
    EXPECT_THAT(conf, HasSubstr("\nslurmctldhost=juju-5f2a1c-0(10.0.0.10)\n"));
    EXPECT_THAT(conf, HasSubstr("\nproctracktype=proctrack/linuxproc\n"));  // a container
    EXPECT_THAT(conf, HasSubstr("\nstatesavelocation=/var/lib/slurm/checkpoint\n"));
    EXPECT_THAT(conf, HasSubstr("include slurm.conf.overrides\n"));
    EXPECT_EQ(file_text(unit, "/etc/slurm/slurm.conf.overrides"), "\n");
    EXPECT_EQ(file_text(unit, "/etc/slurm/gres.conf"), "autodetect=nvidia\n");
    EXPECT_EQ(file_text(unit, "/etc/slurm/cgroup.conf"), "cgroupplugin=disabled\n");
    const auto* jwks = unit.host->file("/etc/slurm/slurm.jwks");
    ASSERT_NE(jwks, nullptr);
    EXPECT_EQ(jwks->mode, 0600U);
    EXPECT_EQ(jwks->owner, "slurm");
    EXPECT_THAT(jwks->content, StartsWith("{\"keys\": [{\"alg\": \"HS256\""));
    EXPECT_THAT(file_text(unit, "/etc/slurm/jwt_hs256.key"),
                StartsWith("-----BEGIN RSA PRIVATE KEY-----"));
    ASSERT_NE(unit.state.find_secret_by_label("slurm-auth-key"), nullptr);
    ASSERT_NE(unit.state.find_secret_by_label("slurm-jwt-key"), nullptr);
    EXPECT_EQ(unit.state.find_secret_by_label("slurm-auth-key")->owner, "application");
    EXPECT_TRUE(unit.host->service("slurmctld").enabled);
    EXPECT_TRUE(unit.host->service("slurmctld").active);
    // The peer data upstream writes: JSON-quoted values.
    const auto& peer = unit.state.relation(kPeerRelationId);
    EXPECT_EQ(peer.local_unit_data.at("hostname"), "\"juju-5f2a1c-0\"");
    EXPECT_THAT(peer.local_app_data.at("cluster_name"), StartsWith("\"charmed-hpc-"));
    EXPECT_EQ(peer.local_app_data.at("cluster_name").size(),
              std::string("\"charmed-hpc-abcd\"").size());
}

TEST(CharmSingleController, UsesTheConfiguredClusterName) {
    TestCluster cluster(1);
    cluster.unit(0).state.config["cluster-name"] = "polaris";
    cluster.deploy();
    EXPECT_EQ(cluster.unit(0).state.relation(kPeerRelationId).local_app_data.at("cluster_name"),
              "\"polaris\"");
    EXPECT_THAT(file_text(cluster.unit(0), "/etc/slurm/slurm.conf"),
                StartsWith("clustername=polaris\n"));
}

TEST(CharmSingleController, AHookThatChangesNothingRestartsNothing) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    const auto starts = unit.host->service("slurmctld").starts;
    const auto restarts = unit.host->service("slurmctld").restarts;
    const auto reconfigures = unit.host->slurm.reconfigures;
    cluster.run(0, "config-changed");
    cluster.run(0, "update-status");
    EXPECT_EQ(unit.host->service("slurmctld").starts, starts);
    EXPECT_EQ(unit.host->service("slurmctld").restarts, restarts);
    EXPECT_EQ(unit.host->slurm.reconfigures, reconfigures);
}

TEST(CharmSingleController, AControllerStoppedByAnAdminStaysStoppedUntilARealEvent) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    ASSERT_TRUE(unit.host->systemctl({"stop", "slurmctld"}).ok());
    cluster.run(0, "update-status");
    EXPECT_FALSE(unit.host->service("slurmctld").active);
    EXPECT_EQ(unit.state.unit_status, (Status{"waiting", "Waiting for `slurmctld` to start"}));
    cluster.run(0, "start");  // e.g. after a reboot
    EXPECT_TRUE(unit.host->service("slurmctld").active);
}

TEST(CharmSingleController, AControllerStartedAtBootStaysStoppedAfterAnAdminStopsIt) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    // A reboot: /run is empty again, and the machine's init started the enabled slurmctld.
    for (const auto& name : unit.host->list_directory("/run/slurmctld-charm")) {
        unit.host->remove_file("/run/slurmctld-charm/" + name);
    }
    ASSERT_TRUE(unit.host->service("slurmctld").active);
    cluster.run(0, "start");
    const auto starts = unit.host->service("slurmctld").starts;
    // Stopped afterwards (by an admin, or by a takeover handing control to a backup): as if the
    // charm had started it, update-status leaves it stopped.
    ASSERT_TRUE(unit.host->systemctl({"stop", "slurmctld"}).ok());
    cluster.run(0, "update-status");
    EXPECT_FALSE(unit.host->service("slurmctld").active);
    EXPECT_EQ(unit.host->service("slurmctld").starts, starts);
}

TEST(CharmSingleController, OverridesAreWrittenAndTheServingControllerReconfigures) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    const auto restarts = unit.host->service("slurmctld").restarts;
    unit.state.config["slurm-conf-parameters"] = "SlurmctldTimeout=10\n";
    cluster.run(0, "config-changed");
    EXPECT_EQ(file_text(unit, "/etc/slurm/slurm.conf.overrides"), "slurmctldtimeout=10\n");
    // The controller in control re-reads in place: no restart, no outage.
    EXPECT_EQ(unit.host->slurm.reconfigures, 1);
    EXPECT_EQ(unit.host->service("slurmctld").restarts, restarts);
}

TEST(CharmConfigOptions, AnInvalidOptionBlocksAndChangesNothing) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    const auto before = file_text(unit, "/etc/slurm/slurm.conf.overrides");
    unit.state.config["slurm-conf-parameters"] = "NoSuchKey=1\n";
    unit.state.config["cgroup-parameters"] = "AlsoNot=yes\n";
    EXPECT_EQ(cluster.run(0, "config-changed"), 0);
    EXPECT_EQ(unit.state.unit_status,
              (Status{"blocked",
                      "Configuration option(s) 'slurm-conf-parameters', "
                      "'cgroup-parameters' failed validation. See `juju debug-log` "
                      "for details"}));
    EXPECT_EQ(file_text(unit, "/etc/slurm/slurm.conf.overrides"), before);
    ASSERT_FALSE(unit.state.juju_log.empty());
    EXPECT_THAT(unit.state.juju_log.back().message,
                HasSubstr("Invalid cgroup configuration: AlsoNot=yes"));
}

// ---- high availability -----------------------------------------------------------------------

TEST(CharmHighAvailability, ABackupWithoutASharedFileSystemIsBlocked) {
    TestCluster cluster(2);
    cluster.deploy();
    EXPECT_EQ(cluster.unit(1).state.unit_status,
              (Status{"blocked",
                      "A shared file system must be provided to enable `slurmctld` "
                      "high availability"}));
    // Without shared state a second controller would be a liability: only the leader is listed.
    EXPECT_THAT(controllers_of(cluster.unit(0)), ElementsAre("juju-5f2a1c-0"));
}

TEST(CharmHighAvailability, TwoUnitsOnASharedFileSystemArePrimaryAndBackup) {
    TestCluster cluster = settled_ha_cluster(2, 3);
    auto& primary = cluster.unit(0);
    auto& backup = cluster.unit(1);
    EXPECT_EQ(primary.state.unit_status, (Status{"active", "primary - UP"}));
    EXPECT_EQ(backup.state.unit_status, (Status{"active", "backup - UP"}));
    EXPECT_THAT(controllers_of(primary), ElementsAre("juju-5f2a1c-0", "juju-5f2a1c-1"));
    // /etc/slurm is a symlink to the shared copy on every unit, the old one kept aside.
    for (int i : {0, 1}) {
        auto& unit = cluster.unit(i);
        ASSERT_NE(unit.host->symlink("/etc/slurm"), nullptr) << unit.name;
        EXPECT_EQ(unit.host->symlink("/etc/slurm")->target, "/srv/slurmctld-statefs/etc/slurm");
        bool backup_kept = false;
        for (const auto& name : unit.host->list_directory("/etc")) {
            backup_kept |= name.rfind("slurm_", 0) == 0;
        }
        EXPECT_TRUE(backup_kept) << unit.name;
    }
    EXPECT_THAT(file_text(primary, "/srv/slurmctld-statefs/etc/slurm/slurm.conf"),
                HasSubstr("\nstatesavelocation=/srv/slurmctld-statefs/checkpoint\n"));
    // The leader asked the filesystem-client for the mount exactly as ops writes MountInfo.
    const auto& mount = primary.state.relation(kMountRelationId).local_app_data;
    EXPECT_EQ(mount.at("mountpoint"), "\"/srv/slurmctld-statefs\"");
    EXPECT_EQ(mount.at("noexec"), "false");
    EXPECT_EQ(mount.at("nosuid"), "false");
    EXPECT_EQ(mount.at("nodev"), "false");
    EXPECT_EQ(mount.at("read_only"), "false");
    // Both see the same identity token on the shared file system.
    EXPECT_FALSE(primary.state.relation(kPeerRelationId).local_app_data.at("statefs_id").empty());
}

TEST(CharmHighAvailability, ALiveSingleControllerIsMigratedWithItsState) {
    TestCluster cluster(1, /*shared_fs=*/true);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    unit.host->add_file("/var/lib/slurm/checkpoint/job_state", "jobs", {"slurm", "slurm", 0600});
    ASSERT_TRUE(unit.host->service("slurmctld").active);
    cluster.integrate_mount();
    cluster.settle();
    EXPECT_EQ(file_text(unit, "/srv/slurmctld-statefs/checkpoint/job_state"), "jobs");
    EXPECT_EQ(unit.host->file("/srv/slurmctld-statefs/checkpoint/job_state")->owner, "slurm");
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf"),
                HasSubstr("\nstatesavelocation=/srv/slurmctld-statefs/checkpoint\n"));
    EXPECT_EQ(file_text(unit, "/etc/slurm/slurm.jwks").substr(0, 9), "{\"keys\": ");
    // Copied while running, stopped, the rest copied, started on the shared state.
    const auto rsyncs = unit.host->commands_of("rsync");
    ASSERT_EQ(rsyncs.size(), 2U);
    EXPECT_EQ(rsyncs[0],
              slurmctld::host::staging_rsync_arguments(
                  "/var/lib/slurm/checkpoint", "/srv/slurmctld-statefs/checkpoint.migrating"));
    EXPECT_EQ(rsyncs[1], rsyncs[0]);
    EXPECT_TRUE(unit.host->service("slurmctld").active);
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

TEST(CharmHighAvailability, StateAlreadyOnTheSharedFileSystemIsNeverOverwritten) {
    TestCluster cluster(1, /*shared_fs=*/true);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    unit.host->add_file("/var/lib/slurm/checkpoint/job_state", "local", {"slurm", "slurm", 0600});
    cluster.statefs()->nodes["/checkpoint"] =
        testing_support::FakeDirectory{"slurm", "slurm", 0755};
    cluster.statefs()->nodes["/checkpoint/job_state"] =
        testing_support::FakeFile{"shared", "slurm", "slurm", 0600};
    cluster.integrate_mount();
    EXPECT_EQ(file_text(unit, "/srv/slurmctld-statefs/checkpoint/job_state"), "shared");
    EXPECT_TRUE(unit.host->commands_of("rsync").empty());
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf"),
                HasSubstr("\nstatesavelocation=/srv/slurmctld-statefs/checkpoint\n"));
}

TEST(CharmHighAvailability, AUnitOnADifferentFileSystemRefusesToStart) {
    TestCluster cluster = settled_ha_cluster(2, 2);
    // An admin error: unit 1 mounts another export at the same path.
    auto& stray = cluster.unit(1);
    stray.host->unmount("/srv/slurmctld-statefs");
    stray.host->mount("/srv/slurmctld-statefs");
    cluster.run(1, "update-status");
    EXPECT_EQ(stray.state.unit_status.state, "blocked");
    EXPECT_THAT(stray.state.unit_status.message,
                HasSubstr("not the one the other controllers use"));
    EXPECT_FALSE(stray.host->service("slurmctld").active);
}

TEST(CharmHighAvailability, ScalingUpAppendsTheNewControllerAndRestartsEachOnce) {
    TestCluster cluster = settled_ha_cluster(2, 2);
    const int added = cluster.add_unit();
    auto& fresh = cluster.unit(added);
    cluster.run(added, "install");
    cluster.join_peers(added);
    cluster.run(added, "slurmctld-peer-relation-created",
                {kPeerRelationId, "slurmctld-peer", "slurmctld", "", ""});
    cluster.run(added, "leader-settings-changed");
    cluster.run(added, "config-changed");
    cluster.run(added, "start");
    fresh.host->mount("/srv/slurmctld-statefs", cluster.statefs());
    fresh.state.relation(kMountRelationId).remote_units_data["checkpoint/2"] = {
        {"mounted", "true"}};
    cluster.run(added, "mount-relation-changed",
                {kMountRelationId, "mount", "checkpoint", "checkpoint/2", ""});
    const int backup_restarts = cluster.unit(1).host->service("slurmctld").restarts;
    cluster.settle(3);
    EXPECT_THAT(controllers_of(cluster.unit(0)),
                ElementsAre("juju-5f2a1c-0", "juju-5f2a1c-1", "juju-5f2a1c-2"));
    EXPECT_EQ(cluster.unit(0).state.unit_status, (Status{"active", "primary - UP"}));
    EXPECT_EQ(cluster.unit(1).state.unit_status, (Status{"active", "backup1 - UP"}));
    EXPECT_EQ(cluster.unit(2).state.unit_status, (Status{"active", "backup2 - UP"}));
    // One new nonce for the new list: the existing backup restarted exactly once.
    EXPECT_EQ(cluster.unit(1).host->service("slurmctld").restarts, backup_restarts + 1);
}

TEST(CharmHighAvailability, RemovingTheServingControllerHandsOverFirst) {
    TestCluster cluster = settled_ha_cluster(3, 3);
    ASSERT_THAT(controllers_of(cluster.unit(1)),
                ElementsAre("juju-5f2a1c-0", "juju-5f2a1c-1", "juju-5f2a1c-2"));
    auto& leaving = cluster.unit(0);
    leaving.state.leader = false;  // Juju moves leadership away from a dying leader
    cluster.unit(1).state.leader = true;
    // The serving primary departs: it asks backup1 to take over, then stops.
    cluster.run(0, "slurmctld-peer-relation-departed",
                {kPeerRelationId, "slurmctld-peer", "slurmctld", "slurmctld/1", "slurmctld/0"});
    EXPECT_EQ(leaving.host->slurm.takeovers, std::vector<int>{1});
    EXPECT_FALSE(leaving.host->service("slurmctld").active);
    EXPECT_FALSE(leaving.host->service("slurmctld").enabled);
    cluster.remove_unit(0);
    cluster.run(0, "leader-elected");
    cluster.settle(3);
    EXPECT_THAT(controllers_of(cluster.unit(0)), ElementsAre("juju-5f2a1c-1", "juju-5f2a1c-2"));
    EXPECT_EQ(cluster.unit(0).state.unit_status, (Status{"active", "primary - UP"}));
    EXPECT_EQ(cluster.unit(1).state.unit_status, (Status{"active", "backup - UP"}));
}

/// Two controllers on a shared file system, settled, then `takeover` on the backup: the
/// primary's slurmctld exits (Slurm's REQUEST_SHUTDOWN) and the backup, in control, writes its
/// heartbeat.
void switch_over_to_backup(TestCluster& cluster) {
    cluster.deploy();
    cluster.integrate_mount();
    cluster.settle(3);
    auto& primary = cluster.unit(0);
    auto& backup = cluster.unit(1);
    ASSERT_EQ(primary.state.unit_status, (Status{"active", "primary - UP"}));
    cluster.run(1, "actions/takeover");
    ASSERT_FALSE(backup.state.action->failure.has_value()) << *backup.state.action->failure;
    ASSERT_TRUE(primary.host->systemctl({"stop", "slurmctld"}).ok());
    write_heartbeat(*backup.host, 1);
}

TEST(CharmHighAvailability, TheLeaderTakesWhoIsInControlFromSlurmsHeartbeatWhenThatOneAnswers) {
    TestCluster cluster = settled_ha_cluster(2, 2);
    auto& leader = cluster.unit(0);
    auto& host = *leader.host;
    const auto probes = [&host] {
        std::size_t count = 0;
        for (const auto& command : host.commands_of("scontrol")) {
            count += std::find(command.begin(), command.end(), "partition") != command.end();
        }
        return count;
    };
    const auto tick = [&] {
        host.clock += std::chrono::seconds(1);
        cluster.run(0, "update-status");
    };
    // Slurm's heartbeat names the primary, which answers the ping: no request to any controller.
    write_heartbeat(host, 0);
    auto before = probes();
    tick();
    EXPECT_EQ(leader.state.app_status.message,
              "slurmctld/0 (primary) in control; 2 of 2 controllers UP");
    EXPECT_EQ(probes(), before);
    // The heartbeat is what is believed: one naming the backup (it took over) says so.
    write_heartbeat(host, 1);
    tick();
    EXPECT_EQ(leader.state.app_status.message,
              "slurmctld/1 (backup) in control; 2 of 2 controllers UP");
    EXPECT_EQ(probes(), before);
    // Older than a controller in control ever leaves it (written at least every 30 s): the
    // controllers are asked, the primary first; the fake's primary is in control.
    host.clock += slurmctld::charm::kHeldBackHeartbeatAge;
    tick();
    EXPECT_EQ(leader.state.app_status.message,
              "slurmctld/0 (primary) in control; 2 of 2 controllers UP");
    EXPECT_GT(probes(), before);
    // A position slurm.conf does not have is no answer either.
    write_heartbeat(host, 7);
    before = probes();
    tick();
    EXPECT_EQ(leader.state.app_status.message,
              "slurmctld/0 (primary) in control; 2 of 2 controllers UP");
    EXPECT_GT(probes(), before);
    // A recent heartbeat of a controller that does not answer the ping (stopped since) neither.
    write_heartbeat(host, 1);
    ASSERT_TRUE(cluster.unit(1).host->systemctl({"stop", "slurmctld"}).ok());
    before = probes();
    tick();
    EXPECT_EQ(leader.state.app_status.message,
              "slurmctld/0 (primary) in control; 1 of 2 controllers UP");
    EXPECT_GT(probes(), before);
}

TEST(CharmHighAvailability, TheResyncGraceFallsBackToSlurmsDefaultsForTimeoutsItCannotRead) {
    // slurm.conf lives on the shared file system, which the charm does not trust: a value that
    // is not a whole number of seconds in Slurm's range counts as Slurm's default, never throws.
    testing_support::FakeHost host;
    host.make_directories("/etc/slurm", {"root", "root", 0755});
    const auto grace_with = [&host](const std::string& settings) {
        host.write_file("/etc/slurm/slurm.conf", "clustername=c\n" + settings,
                        {"root", "root", 0644});
        return slurmctld::charm::failover_resync_grace(host).count();
    };
    EXPECT_EQ(grace_with(""), 10 + 10 + 10);
    EXPECT_EQ(grace_with("batchstarttimeout=40\nmessagetimeout=5\n"), 40 + 5 + 10);
    EXPECT_EQ(grace_with("batchstarttimeout=forever\nmessagetimeout=5\n"), 10 + 5 + 10);
    EXPECT_EQ(grace_with("batchstarttimeout=-3\nmessagetimeout=99999999999999999999\n"),
              10 + 10 + 10);
    EXPECT_EQ(grace_with("batchstarttimeout=65536\nmessagetimeout=\n"), 10 + 10 + 10);
    host.remove_file("/etc/slurm/slurm.conf");
    EXPECT_EQ(slurmctld::charm::failover_resync_grace(host).count(), 10 + 10 + 10);
}

TEST(CharmHighAvailability, AfterAFailoverEveryNodeRegistersAgainOnceSlurmsMissingJobRuleApplies) {
    TestCluster cluster = settled_ha_cluster(2, 2);
    auto& primary = cluster.unit(0);
    auto& backup = cluster.unit(1);
    auto& slurm = backup.host->slurm;
    const int reconfigures = slurm.reconfigures;
    const auto tick = [&](std::chrono::seconds later, int in_control) {
        backup.host->clock += later;
        write_heartbeat(*backup.host, in_control);  // rewritten by the controller in control
        cluster.run(1, "update-status");
    };
    using Nodes = std::vector<std::string>;
    // The primary's machine is lost; the backup takes control. It relaunched a job whose first
    // run the lost primary had started on compute-0 and compute-2, and Slurm drained them.
    ASSERT_TRUE(primary.host->systemctl({"stop", "slurmctld"}).ok());
    slurm.nodes = {"compute-0", "compute-1", "compute-2", "compute-3", "compute-4"};
    slurm.drained = {{"compute-0", "Duplicate jobid"},
                     {"compute-1", "maintenance"},
                     {"compute-2", "Duplicate jobid"}};
    tick(std::chrono::seconds(5), 1);
    EXPECT_TRUE(slurm.registration_requests.empty());
    // BatchStartTimeout + MessageTimeout (Slurm's defaults: 10 + 10) and a margin of 10 s
    // after it was first seen in control: a job that started on the lost controller before the
    // failure is then old enough for Slurm to requeue it when its node does not report it.
    tick(std::chrono::seconds(29), 1);
    EXPECT_TRUE(slurm.registration_requests.empty());
    EXPECT_EQ(slurm.drained.size(), 3U);
    const auto updates = slurm.updates.size();
    tick(std::chrono::seconds(2), 1);
    EXPECT_EQ(backup.state.unit_status, (Status{"active", "backup - UP"}));
    // Every node but the one an admin drained registers again: those drained for the duplicate
    // job resumed, the others undrained (no state change). One command each; no reconfigure,
    // which on 24.11 would load the state again and defeat Slurm's rule.
    EXPECT_EQ(slurm.registration_requests,
              (Nodes{"compute-0", "compute-2", "compute-3", "compute-4"}));
    EXPECT_EQ(slurm.drained, (std::map<std::string, std::string>{{"compute-1", "maintenance"}}));
    ASSERT_EQ(slurm.updates.size(), updates + 2);
    EXPECT_EQ(slurm.updates[updates], (Nodes{"nodename=compute-0,compute-2", "state=resume"}));
    EXPECT_EQ(slurm.updates[updates + 1], (Nodes{"nodename=compute-3,compute-4", "state=undrain"}));
    EXPECT_EQ(slurm.reconfigures, reconfigures);
    // Once per time in control.
    tick(std::chrono::seconds(60), 1);
    EXPECT_EQ(slurm.registration_requests.size(), 4U);
    // The primary takes control back; a later failover to the backup is a new one.
    ASSERT_TRUE(primary.host->systemctl({"start", "slurmctld"}).ok());
    tick(std::chrono::seconds(10), 0);
    EXPECT_EQ(backup.host->read_file("/run/slurmctld-charm/failover-resync"), std::nullopt);
    ASSERT_TRUE(primary.host->systemctl({"stop", "slurmctld"}).ok());
    tick(std::chrono::seconds(10), 1);
    tick(std::chrono::seconds(31), 1);
    EXPECT_EQ(slurm.registration_requests.size(), 8U);
}

TEST(CharmHighAvailability, APlannedTakeoverNeedsNoNodeToRegisterAgain) {
    TestCluster cluster(2, /*shared_fs=*/true);
    ASSERT_NO_FATAL_FAILURE(switch_over_to_backup(cluster));
    auto& backup = cluster.unit(1);
    backup.host->slurm.nodes = {"compute-0"};
    for (int i = 0; i < 3; ++i) {
        backup.host->clock += std::chrono::seconds(30);
        write_heartbeat(*backup.host, 1);
        cluster.run(1, "update-status");
    }
    EXPECT_TRUE(backup.host->slurm.registration_requests.empty());
}

TEST(CharmHighAvailability, ATakebackByTheHeldPrimaryHasTheNodesRegisterAgainAsAfterAFailure) {
    // The takeback's REQUEST_CONTROL does not always wait for the holder's last save (24.11:
    // "Old state possible"), unlike `scontrol takeover`: the resync is not skipped for it.
    TestCluster cluster(2, /*shared_fs=*/true);
    ASSERT_NO_FATAL_FAILURE(switch_over_to_backup(cluster));
    auto& primary = cluster.unit(0);
    write_heartbeat(*primary.host, 0);
    cluster.run(0, "actions/takeover");
    ASSERT_FALSE(primary.state.action->failure.has_value()) << *primary.state.action->failure;
    primary.host->slurm.nodes = {"compute-0"};
    for (int i = 0; i < 3; ++i) {
        primary.host->clock += std::chrono::seconds(20);
        write_heartbeat(*primary.host, 0);
        cluster.run(0, "update-status");
    }
    EXPECT_EQ(primary.host->slurm.registration_requests, std::vector<std::string>{"compute-0"});
}

TEST(CharmHighAvailability, AfterATakeoverAnEarlierControllerStaysStoppedUntilItsOwnTakeover) {
    TestCluster cluster(2, /*shared_fs=*/true);
    ASSERT_NO_FATAL_FAILURE(switch_over_to_backup(cluster));
    auto& primary = cluster.unit(0);
    auto& backup = cluster.unit(1);
    EXPECT_EQ(backup.host->slurm.takeovers, std::vector<int>{1});
    const auto& record = backup.state.relation(kPeerRelationId).local_unit_data;
    ASSERT_EQ(record.count("takeover"), 1U);
    EXPECT_THAT(record.at("takeover"), testing::MatchesRegex("\"[0-9]+\""));
    // Neither a real event nor a reboot starts it (it would take control back at once).
    const EventSource changed{kPeerRelationId, "slurmctld-peer", "slurmctld", "slurmctld/1", ""};
    for (const char* hook : {"slurmctld-peer-relation-changed", "start", "update-status"}) {
        cluster.run(
            0, hook,
            std::string(hook).find("relation") != std::string::npos ? changed : EventSource{});
        EXPECT_FALSE(primary.host->service("slurmctld").active) << hook;
        EXPECT_FALSE(primary.host->service("slurmctld").enabled) << hook;
        EXPECT_EQ(primary.state.unit_status,
                  (Status{"blocked",
                          "Control was moved to slurmctld/1 by `takeover`; run the `takeover` "
                          "action on this unit to take it back"}))
            << hook;
    }
    // The backup itself is not held back by its own record.
    cluster.run(1, "update-status");
    EXPECT_TRUE(backup.host->service("slurmctld").active);
    // Its own takeover takes control back, and later events keep it running.
    cluster.run(0, "actions/takeover");
    ASSERT_FALSE(primary.state.action->failure.has_value()) << *primary.state.action->failure;
    EXPECT_EQ(primary.state.action->results.at("in-control"), "juju-5f2a1c-0");
    EXPECT_TRUE(primary.host->service("slurmctld").enabled);
    cluster.settle(2);
    EXPECT_TRUE(primary.host->service("slurmctld").active);
    EXPECT_EQ(primary.state.unit_status, (Status{"active", "primary - UP"}));
    // A stop by someone else afterwards is the old rule again: a real event starts it.
    ASSERT_TRUE(primary.host->systemctl({"stop", "slurmctld"}).ok());
    cluster.run(0, "start");
    EXPECT_TRUE(primary.host->service("slurmctld").active);
}

TEST(CharmHighAvailability, AControllerHeldBackAfterATakeoverStartsWhenTheHolderIsGone) {
    TestCluster cluster(2, /*shared_fs=*/true);
    ASSERT_NO_FATAL_FAILURE(switch_over_to_backup(cluster));
    auto& primary = cluster.unit(0);
    auto& backup = cluster.unit(1);
    cluster.run(0, "update-status");
    ASSERT_FALSE(primary.host->service("slurmctld").active);
    ASSERT_EQ(primary.state.unit_status.state, "blocked");
    // A heartbeat a minute old is still the holder's (written at most every 30 s).
    primary.host->clock += std::chrono::seconds(59);
    cluster.run(0, "update-status");
    EXPECT_FALSE(primary.host->service("slurmctld").active);
    // The holder's machine dies: no heartbeat for longer, and no other backup in control. The
    // held controller starts (and takes control with the state the holder saved).
    ASSERT_TRUE(backup.host->systemctl({"stop", "slurmctld"}).ok());
    primary.host->clock += std::chrono::seconds(2);
    cluster.run(0, "update-status");
    EXPECT_TRUE(primary.host->service("slurmctld").active);
    EXPECT_TRUE(primary.host->service("slurmctld").enabled);
    EXPECT_NE(primary.state.unit_status.state, "blocked");
    // That takeover is over: when the backup is in control again later (a failover), a
    // stopped primary is started as before (Slurm's takeback).
    ASSERT_TRUE(primary.host->systemctl({"stop", "slurmctld"}).ok());
    write_heartbeat(*backup.host, 1);
    cluster.run(0, "start");
    EXPECT_TRUE(primary.host->service("slurmctld").active);
}

TEST(CharmHighAvailability, ADepartingLeaderDropsItselfOnceAndLaterHooksChangeNothing) {
    TestCluster cluster = settled_ha_cluster(2, 3);
    auto& leaving = cluster.unit(0);
    const auto before = leaving.state.relation(kPeerRelationId).local_app_data.at("restart_signal");
    cluster.run(0, "slurmctld-peer-relation-departed",
                {kPeerRelationId, "slurmctld-peer", "slurmctld", "slurmctld/1", "slurmctld/0"});
    // It handed over, stopped, and took itself off the list for the others to pick up now.
    EXPECT_FALSE(leaving.host->service("slurmctld").active);
    EXPECT_THAT(controllers_of(leaving), ElementsAre("juju-5f2a1c-1"));
    const auto dropped =
        leaving.state.relation(kPeerRelationId).local_app_data.at("restart_signal");
    EXPECT_NE(dropped, before);
    cluster.run(0, "mount-relation-departed",
                {kMountRelationId, "mount", "checkpoint", "checkpoint/0", "slurmctld/0"});
    // The mount relation is gone for this unit: its broken hook does not say why.
    leaving.state.relations.erase(
        std::find_if(leaving.state.relations.begin(), leaving.state.relations.end(),
                     [](const auto& relation) { return relation.id == kMountRelationId; }));
    cluster.run(0, "mount-relation-broken", {kMountRelationId, "mount", "checkpoint", "", ""});
    EXPECT_FALSE(leaving.host->service("slurmctld").active);
    EXPECT_THAT(controllers_of(leaving), ElementsAre("juju-5f2a1c-1"));
    EXPECT_EQ(leaving.state.relation(kPeerRelationId).local_app_data.at("restart_signal"), dropped);
    // Later teardown hooks check the machine and ask Juju only what they use: the dying record
    // (state-get), is-leader and the closing status-set.
    EXPECT_EQ(leaving.tool_calls, 3) << "state-get, is-leader, status-set";
    cluster.run(0, "stop");
    EXPECT_EQ(leaving.tool_calls, 3) << "state-get, is-leader, status-set";
    EXPECT_EQ(leaving.state.unit_status, (Status{"maintenance", "Stopping `slurmctld`"}));
    EXPECT_THAT(controllers_of(leaving), ElementsAre("juju-5f2a1c-1"));
    // The remaining controller re-reads once and serves alone.
    cluster.settle(2);
    EXPECT_EQ(cluster.unit(1).state.unit_status, (Status{"active", "primary - UP"}));
}

TEST(CharmHighAvailability, UseNetworkStateNeverRunsOnLocalState) {
    TestCluster cluster(1, /*shared_fs=*/true);
    cluster.unit(0).state.config["use-network-state"] = true;
    cluster.deploy();
    auto& unit = cluster.unit(0);
    EXPECT_EQ(unit.state.unit_status.state, "blocked");
    EXPECT_FALSE(unit.host->service("slurmctld").active);
    EXPECT_FALSE(unit.host->exists("/etc/slurm/slurm.conf"));
    cluster.integrate_mount();
    cluster.settle();
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
    EXPECT_THAT(file_text(unit, "/srv/slurmctld-statefs/etc/slurm/slurm.conf"),
                HasSubstr("\nstatesavelocation=/srv/slurmctld-statefs/checkpoint\n"));
    EXPECT_TRUE(unit.host->commands_of("rsync").empty());
}

// ---- integrations ----------------------------------------------------------------------------

TEST(CharmIntegrations, SackdGetsUpstreamsControllerDataAndTheAuthSecret) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    unit.state.add_relation("sackd", 5, "login");
    unit.state.relation(5).remote_units_data["login/0"] = {};
    cluster.run(0, "sackd-relation-created", {5, "sackd", "login", "", ""});
    const auto& data = unit.state.relation(5).local_app_data;
    const auto* secret = unit.state.find_secret_by_label("slurm-auth-key");
    ASSERT_NE(secret, nullptr);
    EXPECT_EQ(data.at("auth_key"), "\"\"");
    EXPECT_EQ(data.at("auth_key_id"), "\"\"");
    EXPECT_EQ(data.at("auth_secret_id"),
              "\"secret://" + unit.state.model_uuid + "/" + secret->id + "\"");
    EXPECT_EQ(data.at("controllers"), "[\"10.0.0.10:6817\"]");
    EXPECT_EQ(data.at("jwt_key"), "\"\"");
    EXPECT_EQ(data.at("jwt_secret_id"), "\"\"");
    EXPECT_EQ(data.at("slurmconfig"), "{}");
    EXPECT_EQ(secret->grants.count(5), 1U);
}

TEST(CharmIntegrations, SlurmdPartitionsBecomeIncludesAndTheDefaultPartitionIsMarked) {
    TestCluster cluster(1);
    cluster.unit(0).state.config["default-partition"] = "compute";
    cluster.deploy();
    auto& unit = cluster.unit(0);
    auto& relation = unit.state.add_relation("slurmd", 6, "compute");
    relation.remote_app_data["partition"] =
        "{\"partitionname\": \"compute\", \"nodes\": [\"compute\"]}";
    relation.remote_units_data["compute/0"] = {};
    cluster.run(0, "slurmd-relation-changed", {6, "slurmd", "compute", "", ""});  // app data
    EXPECT_EQ(
        file_text(unit, "/etc/slurm/slurm.conf.compute"),
        "nodeset=compute feature=compute\npartitionname=compute nodes=compute default=True\n");
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf"),
                HasSubstr("include slurm.conf.compute\ninclude slurm.conf.accounting\n"));
    EXPECT_EQ(unit.state.relation(6).local_app_data.at("controllers"), "[\"10.0.0.10:6817\"]");
    // The relation goes: the partition goes with it.
    unit.state.relations.erase(unit.state.relations.end() - 1);
    cluster.run(0, "slurmd-relation-broken", {6, "slurmd", "compute", "", ""});
    EXPECT_FALSE(unit.host->exists("/etc/slurm/slurm.conf.compute"));
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf"), testing::Not(HasSubstr("compute")));
}

// ---- actions -----------------------------------------------------------------------------------

TEST(CharmActions, ShowCurrentConfigReturnsTheRemarshalledSlurmConf) {
    TestCluster cluster(1);
    cluster.deploy();
    cluster.run(0, "actions/show-current-config");
    const auto& action = *cluster.unit(0).state.action;
    EXPECT_FALSE(action.failure.has_value());
    EXPECT_THAT(action.results.at("slurm.conf"), StartsWith("clustername=charmed-hpc-"));
}

TEST(CharmActions, SetNodeStatePassesTheReasonInQuotesAndReportsFailuresLikeUpstream) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    cluster.run(0, "actions/set-node-state", {},
                {{"nodes", "node-[1,2]"}, {"state", "drain"}, {"reason", "maintenance"}});
    EXPECT_EQ(
        unit.host->slurm.updates.back(),
        (std::vector<std::string>{"nodename=node-[1,2]", "state=drain", "reason='maintenance'"}));
    unit.host->inject_failure({"scontrol", "update"}, {1, "", "Invalid node name specified\n"});
    cluster.run(0, "actions/set-node-state", {},
                {{"nodes", "nope"}, {"state", "idle"}, {"reason", ""}});
    ASSERT_TRUE(unit.state.action->failure.has_value());
    EXPECT_EQ(*unit.state.action->failure,
              "Failed to set state of node(s) nope to state 'idle'. reason:\nscontrol command "
              "'['scontrol', 'update', 'nodename=nope', 'state=idle']' failed with exit code 1. "
              "reason: invalid node name specified\n");
}

TEST(CharmActions, RotateAuthKeyNeedsTheLeaderAndKeepsBothKeysUntilRemoval) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    unit.state.leader = false;
    cluster.run(0, "actions/rotate-auth-key");
    EXPECT_EQ(unit.state.action->failure, "Only the leader unit can rotate the auth key.");
    unit.state.leader = true;
    cluster.run(0, "actions/rotate-auth-key");
    EXPECT_FALSE(unit.state.action->failure.has_value()) << *unit.state.action->failure;
    EXPECT_EQ(unit.state.find_secret_by_label("slurm-auth-key")->latest_revision(), 2);
    cluster.run(0, "update-status");
    EXPECT_EQ(unit.state.unit_status,
              (Status{"waiting",
                      "Authentication key rotation in progress. Waiting for rotation "
                      "to complete"}));
}

// The release decides authentication and the ping (design.md §2): Debian 12's Slurm 22.05 uses
// munge (a key on each machine, munged running) and the text ping; Debian 13's 24.11 uses
// auth/slurm with slurm.jwks and `scontrol ping --json`, and leaves munge alone.
/// A slurmd application providing partition `compute` to unit `index`.
void relate_compute_partition(TestCluster& cluster, int index) {
    auto& unit = cluster.unit(index);
    auto& relation = unit.state.add_relation("slurmd", 6, "compute");
    relation.remote_app_data["partition"] =
        "{\"partitionname\": \"compute\", \"nodes\": [\"compute\"]}";
    relation.remote_units_data["compute/0"] = {};
    cluster.run(index, "slurmd-relation-changed", {6, "slurmd", "compute", "compute/0", ""});
}

TEST(CharmSlurmVersions, Slurm2205StartsOnlyWithAPartition) {
    TestCluster cluster(1, /*shared_fs=*/false, "22.05.8-4+deb12u3");
    cluster.deploy();
    auto& unit = cluster.unit(0);
    EXPECT_EQ(unit.state.unit_status,
              (Status{"waiting", std::string(slurmctld::charm::kMsgWaitingForPartition)}));
    EXPECT_FALSE(unit.host->service("slurmctld").active);
    relate_compute_partition(cluster, 0);
    EXPECT_TRUE(unit.host->service("slurmctld").active);
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
    // A container without a cgroup file system: 22.05 has no `disabled`; cgroup/v1 named
    // skips the detection that stops its slurmd.
    EXPECT_EQ(file_text(unit, "/etc/slurm/cgroup.conf"), "cgroupplugin=cgroup/v1\n");
    EXPECT_EQ(file_text(unit, "/etc/slurm/gres.conf"), "autodetect=off\n");  // no `nvidia`
}

TEST(CharmSlurmVersions, Slurm2205UsesMungeAndTheTextPing) {
    TestCluster cluster(2, /*shared_fs=*/true, "22.05.8-4+deb12u3");
    cluster.deploy();
    cluster.integrate_mount();
    relate_compute_partition(cluster, 0);  // the leader writes the shared slurm.conf
    cluster.settle(3);
    for (int i = 0; i < 2; ++i) {
        auto& unit = cluster.unit(i);
        const auto* key = unit.host->file("/etc/munge/munge.key");
        ASSERT_NE(key, nullptr) << unit.name;
        EXPECT_EQ(key->owner, "munge");
        EXPECT_EQ(key->mode, 0400U);
        EXPECT_EQ(key->content.size(), 1024U);
        EXPECT_TRUE(unit.host->service("munge").enabled) << unit.name;
        EXPECT_TRUE(unit.host->service("munge").active) << unit.name;
        EXPECT_EQ(unit.host->file("/etc/slurm/slurm.jwks"), nullptr);
        const auto conf = file_text(unit, "/etc/slurm/slurm.conf");
        EXPECT_THAT(conf, HasSubstr("\nauthtype=auth/munge\n"));
        EXPECT_THAT(conf, HasSubstr("\ncredtype=cred/munge\n"));
        EXPECT_EQ(unit.host->count_commands({"scontrol", "ping", "--json"}), 0) << unit.name;
        EXPECT_GT(unit.host->count_commands({"scontrol", "ping"}), 0) << unit.name;
    }
    EXPECT_EQ(cluster.unit(0).host->file("/etc/munge/munge.key")->content,
              cluster.unit(1).host->file("/etc/munge/munge.key")->content);
    EXPECT_EQ(cluster.unit(0).state.unit_status, (Status{"active", "primary - UP"}));
    EXPECT_EQ(cluster.unit(1).state.unit_status, (Status{"active", "backup - UP"}));
    // munged is restarted once per key, not per hook.
    const int restarts = cluster.unit(0).host->service("munge").restarts;
    cluster.settle();
    EXPECT_EQ(cluster.unit(0).host->service("munge").restarts, restarts);
}

TEST(CharmSlurmVersions, MungedIsStartedAgainAndKeyRotationIsRefused) {
    TestCluster cluster(1, /*shared_fs=*/false, "22.05.8-4+deb12u3");
    cluster.deploy();
    relate_compute_partition(cluster, 0);
    auto& unit = cluster.unit(0);
    const std::string key = unit.host->file("/etc/munge/munge.key")->content;
    // munged died: the next hook starts it again, with the same key.
    unit.host->service("munge").active = false;
    const int restarts = unit.host->service("munge").restarts;
    cluster.run(0, "update-status");
    EXPECT_TRUE(unit.host->service("munge").active);
    EXPECT_EQ(unit.host->service("munge").restarts, restarts + 1);
    // Rotation needs slurm.jwks: refused, and munge keeps its key.
    cluster.run(0, "actions/rotate-auth-key");
    EXPECT_EQ(unit.state.action->failure,
              "Key rotation needs auth/slurm with slurm.jwks (Slurm 24.05 or newer).");
    EXPECT_EQ(unit.host->file("/etc/munge/munge.key")->content, key);
    EXPECT_EQ(unit.host->service("munge").restarts, restarts + 1);
}

TEST(CharmSlurmVersions, Slurm2411UsesSlurmJwksAndTheTextPingWithoutMunge) {
    TestCluster cluster(1);
    cluster.deploy();
    auto& unit = cluster.unit(0);
    EXPECT_EQ(unit.host->file("/etc/munge/munge.key"), nullptr);
    EXPECT_FALSE(unit.host->service("munge").active);
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf"), HasSubstr("\nauthtype=auth/slurm\n"));
    EXPECT_NE(unit.host->file("/etc/slurm/slurm.jwks"), nullptr);
    // The text form on every release (controller_probe.cpp): same answer, no data_parser.
    EXPECT_GT(unit.host->count_commands({"scontrol", "ping"}), 0);
    EXPECT_EQ(unit.host->count_commands({"scontrol", "ping", "--json"}), 0);
}

}  // namespace
}  // namespace charm_tests
