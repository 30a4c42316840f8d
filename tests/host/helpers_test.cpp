// The typed helpers (services, packages, container check) on a FakeHost: the commands they run
// and the errors they raise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <slurmctld/host/packages.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/host/virtualization.hpp>

#include "support/fake_host.hpp"

namespace {

using namespace slurmctld::host;
using testing_support::FakeHost;
using Argv = std::vector<std::string>;

// ---- services ------------------------------------------------------------------------------

TEST(HostServices, RunOneSystemctlCommandEach) {
    FakeHost host;
    host.service("slurmctld").installed = true;
    enable_service(host, "slurmctld");
    start_service(host, "slurmctld");
    restart_service(host, "slurmctld");
    reload_service(host, "slurmctld");
    stop_service(host, "slurmctld");
    disable_service(host, "slurmctld");
    daemon_reload(host);
    EXPECT_EQ(host.commands_of("systemctl"), (std::vector<Argv>{{"enable", "slurmctld"},
                                                                {"start", "slurmctld"},
                                                                {"restart", "slurmctld"},
                                                                {"reload", "slurmctld"},
                                                                {"stop", "slurmctld"},
                                                                {"disable", "slurmctld"},
                                                                {"daemon-reload"}}));
    EXPECT_EQ(host.service("slurmctld").restarts, 1);
}

TEST(HostServices, AFailureCarriesUpstreamsMessage) {
    FakeHost host;
    try {
        restart_service(host, "slurmctld");
        FAIL() << "expected ServiceError";
    } catch (const ServiceError& error) {
        EXPECT_EQ(std::string(error.what()),
                  "systemctl command 'systemctl restart slurmctld' failed with exit code 5. "
                  "reason: Failed to restart slurmctld.service: Unit slurmctld.service not found.");
        EXPECT_EQ(error.exit_code(), 5);
    }
    EXPECT_THROW(run_systemctl(host, {"disable", "--now", "munge"}), HostError);
}

TEST(HostServices, IsActiveAsksSystemctlQuietly) {
    FakeHost host;
    EXPECT_FALSE(service_is_active(host, "slurmctld"));  // unknown unit: just "not active"
    host.service("slurmctld").installed = true;
    host.service("slurmctld").active = true;
    EXPECT_TRUE(service_is_active(host, "slurmctld"));
    EXPECT_EQ(host.commands.back(), (Argv{"systemctl", "is-active", "--quiet", "slurmctld"}));
}

// ---- packages ------------------------------------------------------------------------------

TEST(HostPackages, InstalledVersionReadsDpkg) {
    FakeHost host;
    host.add_slurm_packages_to_archive("23.11.4-1.2ubuntu5");
    EXPECT_EQ(installed_version(host, "slurmctld"), std::nullopt);
    host.install_package("slurmctld", "23.11.4-1.2ubuntu5");
    EXPECT_EQ(installed_version(host, "slurmctld"), "23.11.4-1.2ubuntu5");
    EXPECT_EQ(host.commands.back(),
              (Argv{"dpkg-query", "-W", "-f=${db:Status-Status}\\t${Version}", "slurmctld"}));
}

TEST(HostPackages, ARemovedButNotPurgedPackageIsNotInstalled) {
    FakeHost host;
    host.add_slurm_packages_to_archive();
    host.install_package("slurm-mail", "4.34-1");
    remove_packages(host, {"slurm-mail"});
    EXPECT_EQ(host.packages.at("slurm-mail").status, "config-files");
    EXPECT_EQ(installed_version(host, "slurm-mail"), std::nullopt);
}

TEST(HostPackages, AnUnexpectedDpkgFailureIsAnError) {
    FakeHost host;
    host.inject_failure({"dpkg-query"}, {2, "", "dpkg-query: error: database is locked\n"});
    try {
        installed_version(host, "slurmctld");
        FAIL() << "expected PackageError";
    } catch (const PackageError& error) {
        EXPECT_EQ(std::string(error.what()),
                  "unable to retrieve slurmctld version. reason: dpkg-query: error: database is "
                  "locked");
    }
}

TEST(HostPackages, InstallUpdatesFirstWhenAskedAndInstallsNonInteractively) {
    FakeHost host;
    host.add_slurm_packages_to_archive("24.11.5-1");
    install_packages(host, {"slurmctld", "libpmix-dev"}, AptUpdate::First);
    EXPECT_EQ(host.commands_of("apt-get"),
              (std::vector<Argv>{
                  {"update", "-o", "DPkg::Lock::Timeout=300", "-o", "Acquire::Retries=3"},
                  {"install", "-o", "DPkg::Lock::Timeout=300", "-o", "Acquire::Retries=3", "-y",
                   "--option=Dpkg::Options::=--force-confold", "slurmctld", "libpmix-dev"}}));
    EXPECT_EQ(installed_version(host, "slurmctld"), "24.11.5-1");
    EXPECT_EQ(installed_version(host, "libpmix-dev"), "5.0.1-4");
    install_packages(host, {});
    EXPECT_EQ(host.commands_of("apt-get").size(), 2U);
}

TEST(HostPackages, AnUnknownPackageFailsWithAptsReason) {
    FakeHost host;
    host.add_slurm_packages_to_archive();
    try {
        install_packages(host, {"slurmctld", "no-such-package"});
        FAIL() << "expected PackageError";
    } catch (const PackageError& error) {
        EXPECT_EQ(std::string(error.what()),
                  "failed to install slurmctld no-such-package. reason: E: Unable to locate "
                  "package no-such-package");
    }
    EXPECT_EQ(installed_version(host, "slurmctld"), std::nullopt);
}

TEST(HostPackages, ALockStillHeldAfterItsTimeoutIsRetriedWithAFreshIndex) {
    FakeHost host;
    host.add_slurm_packages_to_archive();
    host.inject_failure({"apt-get", "install"},
                        {100, "",
                         "E: Could not get lock /var/lib/dpkg/lock-frontend. It is held by "
                         "process 812 (unattended-upgr)\n"});
    install_packages(host, {"slurmctld", "rsync"}, AptUpdate::First);
    const auto runs = host.commands_of("apt-get");
    ASSERT_EQ(runs.size(), 4U);  // update, install (lock), update, install
    EXPECT_EQ(runs[0].front(), "update");
    EXPECT_EQ(runs[2].front(), "update");
    EXPECT_EQ(runs[1], runs[3]);
    EXPECT_EQ(installed_version(host, "rsync"), "3.2.7-1");
}

TEST(HostPackages, AnInstallThatKeepsFailingGivesUpAfterThreeAttemptsWithAptsReason) {
    FakeHost host;
    host.add_slurm_packages_to_archive();
    host.archive_reachable = false;
    try {
        install_packages(host, {"slurmctld"}, AptUpdate::First);
        FAIL() << "expected PackageError";
    } catch (const PackageError& error) {
        EXPECT_THAT(std::string(error.what()), testing::StartsWith("failed to install slurmctld"));
    }
    EXPECT_EQ(host.commands_of("apt-get").size(), 2U * kAptAttempts);
    EXPECT_EQ(host.apt_updates, kAptAttempts);
}

TEST(HostPackages, MissingPackagesKeepsTheGivenOrder) {
    FakeHost host;
    host.add_slurm_packages_to_archive();
    host.install_package("munge", "0.5.15-4");
    EXPECT_EQ(missing_packages(host, {"slurmctld", "munge", "libpmix-dev"}),
              (Argv{"slurmctld", "libpmix-dev"}));
}

// ---- container -----------------------------------------------------------------------------

TEST(HostVirtualization, AContainerIsWhatSystemdDetectVirtSays) {
    FakeHost host;
    EXPECT_FALSE(is_container(host));
    host.virtualization = "kvm";
    EXPECT_FALSE(is_container(host));
    host.container = "lxc";
    EXPECT_TRUE(is_container(host));
    EXPECT_EQ(host.commands.back(), (Argv{"systemd-detect-virt", "--container"}));
}

TEST(HostVirtualization, AMissingProgramMeansNoContainerAndOtherFailuresAreErrors) {
    FakeHost host;
    host.container = "lxc";
    host.inject_failure({"systemd-detect-virt"},
                        {127, "", "cannot run 'systemd-detect-virt': not found on PATH\n"});
    EXPECT_FALSE(is_container(host));
    host.inject_failure({"systemd-detect-virt"}, {2, "", "Failed to check for container\n"});
    EXPECT_THROW(is_container(host), HostError);
}

}  // namespace
