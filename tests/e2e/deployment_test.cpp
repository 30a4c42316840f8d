// End-to-end scenarios of the real deployment path: controllers whose machines cannot resolve
// each other's names (shared-etc-hosts=false, as on clouds whose DNS does not know instance
// names) with Juju's own leadership lease, and an install hook that really runs apt-get on a
// machine without Slurm (machine-image=debian-13-apt: a local repository built from Debian's
// archive when the image was built).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "e2e/slurm_model.hpp"

namespace e2e {
namespace {

using testing::AllOf;
using testing::HasSubstr;
using testing::Not;

bool pinged(SlurmModel& m, const std::string& mode, const std::string& state) {
    const auto controllers = m.controllers();
    const auto found = controllers.find(mode);
    return found != controllers.end() && found->second.pinged == state;
}

TEST(NoSharedEtcHosts, HaWithTheMountFailsOverWithoutNameResolutionUnderJujusLease) {
    SlurmModel m("nodns", Lease::Juju);
    m.ok({"model-config", "shared-etc-hosts=false"});
    m.ok({"deploy", slurmctld_charm(), "slurmctld", "-n", "2", "--config",
          "slurm-conf-parameters=SlurmctldTimeout=5\n", "--config", "default-partition=compute"});
    m.integrate_mount();
    m.deploy_clients();
    ASSERT_TRUE(m.wait_until("all applications active", [&] {
        return m.all_active({"slurmctld", "checkpoint", "login", "compute"});
    }));
    ASSERT_TRUE(m.wait_until("primary and backup UP", [&] {
        return pinged(m, "primary", "UP") && pinged(m, "backup", "UP");
    }));
    EXPECT_EQ(m.sim().ok({"model-config", "leadership-lease-seconds"}), "60\n");

    // No machine can resolve another's name: the controllers and clients work by address.
    const auto controllers = m.controllers();
    const auto primary = controllers.at("primary").unit;
    const auto backup = controllers.at("backup").unit;
    const auto backup_host = m.exec_ok(backup, "hostname -s");
    ASSERT_FALSE(backup_host.empty());
    const std::string backup_name = backup_host.substr(0, backup_host.size() - 1);
    for (const auto* unit : {"login/0", "compute/0"}) {
        EXPECT_NE(m.exec(unit, "getent hosts " + backup_name).exit_code, 0) << unit;
    }
    EXPECT_NE(m.exec(primary, "getent hosts " + backup_name).exit_code, 0);
    EXPECT_THAT(m.exec_ok(primary, "grep -i '^slurmctldhost=' /etc/slurm/slurm.conf"),
                HasSubstr(backup_name + "("));

    const auto job = m.submit_job(40, "nodns-job");
    ASSERT_TRUE(m.wait_until(
        "job running", [&] { return m.job_output("nodns-job") == "start\n"; },
        std::chrono::seconds(60)));
    std::this_thread::sleep_for(std::chrono::seconds(7));  // slurmctld saves state every 5 s

    // The primary's machine goes: the backup takes over, reached by address only.
    m.ok({"poweroff", controllers.at("primary").machine});
    EXPECT_TRUE(m.wait_until(
        "backup running as primary",
        [&] { return m.service_log_says(backup, "Running as primary controller"); },
        std::chrono::seconds(90)));
    EXPECT_TRUE(m.wait_until(
        "sinfo answers through the backup",
        [&] { return m.exec("login/0", "timeout 30 sinfo >/dev/null 2>&1").exit_code == 0; },
        std::chrono::seconds(90)));
    EXPECT_TRUE(m.wait_until(
        "job finished after the failover",
        [&] { return m.job_output("nodns-job") == "start\nfinished\n"; },
        std::chrono::seconds(120)));

    // Back on: the primary serves again, still without names.
    m.ok({"poweron", controllers.at("primary").machine});
    EXPECT_TRUE(m.wait_until(
        "controllers active and primary UP",
        [&] { return m.all_active({"slurmctld"}) && pinged(m, "primary", "UP"); },
        std::chrono::seconds(240)));
}

TEST(InstallFromApt, TheInstallHookInstallsSlurmAndRsyncWithAptGet) {
    SlurmModel m("aptinstall");
    m.ok({"model-config", "machine-image=debian-13-apt"});
    m.ok({"deploy", slurmctld_charm(), "slurmctld"});
    ASSERT_TRUE(m.wait_until(
        "controller active",
        [&] {
            return m.workload("slurmctld/0") ==
                   std::make_pair(std::string("active"), std::string("primary - UP"));
        },
        std::chrono::seconds(420)));
    // The image had no Slurm: apt installed it in the install hook, from the index the charm
    // fetched (apt-get update), with the lock timeout and download retries.
    EXPECT_EQ(m.exec_ok("slurmctld/0", "cat /etc/apt/sources.list"),
              "deb [trusted=yes] file:/srv/jujusim-apt ./\n");
    const auto history = m.exec_ok("slurmctld/0", "cat /var/log/apt/history.log");
    EXPECT_THAT(history,
                HasSubstr("Commandline: /usr/bin/apt-get install -o DPkg::Lock::Timeout=300 -o "
                          "Acquire::Retries=3 -y --option=Dpkg::Options::=--force-confold "
                          "slurmctld rsync\n"));
    EXPECT_THAT(m.exec_ok("slurmctld/0", "ls /var/lib/apt/lists"), HasSubstr("Packages"));
    // With what the charm installs next to it: upstream's libpmix-dev, and the plugins Debian
    // packs apart (auth/jwt, the InfluxDB job profile).
    for (const auto* package : {"slurmctld", "rsync", "munge", "slurm-client", "libpmix-dev",
                                "slurm-wlm-jwt-plugin", "slurm-wlm-influxdb-plugin"}) {
        EXPECT_EQ(m.exec_ok("slurmctld/0",
                            std::string("dpkg-query -W -f='${db:Status-Status}' ") + package),
                  "installed\n")
            << package;
    }
    EXPECT_EQ(m.exec_ok("slurmctld/0", "systemctl is-active slurmctld"), "active\n");
    EXPECT_THAT(m.exec_ok("slurmctld/0", "scontrol ping"), HasSubstr("UP"));
    // The application version is the package's.
    EXPECT_THAT(m.status()["applications"]["slurmctld"].value("version", ""),
                testing::StartsWith("24.11"));
    EXPECT_THAT(m.sim().ok({"debug-log", "--replay", "--no-tail", "--include", "slurmctld/0"}),
                AllOf(Not(HasSubstr("failed to install")), Not(HasSubstr("could not install"))));
}

/// apt's lock (an fcntl lock on lock-frontend, as apt and unattended-upgrades take it) held
/// for `seconds` by a process of its own on the unit's machine; returns when it is held, with
/// the machine's clock (epoch seconds) at that moment.
long hold_dpkg_lock(SlurmModel& m, const std::string& unit, int seconds) {
    const std::string perl =
        "use Fcntl; open(my $f, \">>\", \"/var/lib/dpkg/lock-frontend\") or die; "
        "my $l = pack(\"ssx4qqix4\", F_WRLCK, 0, 0, 0, 0); fcntl($f, F_SETLKW, $l) or die; "
        "open(my $r, \">\", \"/tmp/lock-held\"); close($r); sleep " +
        std::to_string(seconds);
    m.exec_ok(unit, "rm -f /tmp/lock-held; setsid perl -e '" + perl +
                        "' </dev/null >/dev/null 2>&1 & "
                        "for i in $(seq 50); do [ -e /tmp/lock-held ] && break; sleep 0.1; done");
    return std::stol(m.exec_ok(unit, "test -e /tmp/lock-held && date +%s"));
}

TEST(InstallFromApt, AHeldDpkgLockIsWaitedForNotFailed) {
    SlurmModel m("aptlock");
    m.ok({"model-config", "machine-image=debian-13-apt"});
    m.ok({"deploy", slurmctld_charm(), "slurmctld"});
    ASSERT_TRUE(m.wait_until(
        "controller active", [&] { return m.workload("slurmctld/0").first == "active"; },
        std::chrono::seconds(420)));
    // rsync gone, the lock held for 20 s (unattended-upgrades on a fresh machine), then an
    // upgrade: the upgrade-charm hook installs rsync again once apt gets the lock.
    m.exec_ok("slurmctld/0", "apt-get remove -y -q rsync >/dev/null 2>&1");
    const long held_at = hold_dpkg_lock(m, "slurmctld/0", 20);
    m.ok({"refresh", "slurmctld", "--path", slurmctld_charm()});
    ASSERT_TRUE(m.wait_until(
        "rsync installed again",
        [&] {
            return m.exec("slurmctld/0", "dpkg-query -W -f='${db:Status-Status}' rsync")
                       .stdout_text == "installed\n";
        },
        std::chrono::seconds(180)));
    const long installed_at = std::stol(m.exec_ok(
        "slurmctld/0",
        "date -d \"$(sed -n 's/^End-Date: //p' /var/log/apt/history.log | tail -n 1)\" +%s"));
    EXPECT_GE(installed_at - held_at, 19) << "apt installed while the lock was held?";
    EXPECT_THAT(m.sim().ok({"debug-log", "--replay", "--no-tail", "--include", "slurmctld/0"}),
                Not(HasSubstr("failed to install")));
    EXPECT_EQ(m.workload("slurmctld/0").first, "active");
}

}  // namespace
}  // namespace e2e
