// FakeHost models RealHost's rules for a file system others can write: planted symlinks and
// FIFOs are refused, trusted links followed only while they point at their target, a hung
// mount ends in time limits, and waits run on a virtual clock.
#include <gtest/gtest.h>

#include <slurmctld/host/state_copy.hpp>

#include "support/error_of.hpp"
#include "support/fake_host.hpp"

namespace {

using namespace slurmctld::host;
using namespace std::chrono_literals;
using testing_support::FakeHost;

std::string error_of(const std::function<void()>& action) {
    return testing_support::error_of<HostError>(action);
}

const std::string kNotFollowed = ": the path goes through a symbolic link, which is not followed";

TEST(FakeHostHardening, AFifoIsRefusedWhereAFileIsRead) {
    FakeHost host;
    host.add_fifo("/srv/slurmctld-statefs/checkpoint/heartbeat");
    EXPECT_EQ(error_of([&] { host.read_file("/srv/slurmctld-statefs/checkpoint/heartbeat"); }),
              "cannot read /srv/slurmctld-statefs/checkpoint/heartbeat: it is a FIFO, not a "
              "regular file");
    EXPECT_EQ(host.status("/srv/slurmctld-statefs/checkpoint/heartbeat").type, FileType::Other);
    EXPECT_EQ(host.list_directory("/srv/slurmctld-statefs/checkpoint"),
              std::vector<std::string>{"heartbeat"});
    // Written over, it becomes a file (rename replaces it).
    host.write_file("/srv/slurmctld-statefs/checkpoint/heartbeat", "1", {});
    EXPECT_EQ(host.read_file("/srv/slurmctld-statefs/checkpoint/heartbeat"), "1");
}

TEST(FakeHostHardening, AFileOverTheReadLimitIsRefused) {
    FakeHost host;
    host.max_read_size = 4;
    host.add_file("/etc/big", "12345");
    host.add_file("/etc/small", "1234");
    EXPECT_EQ(error_of([&] { host.read_file("/etc/big"); }),
              "cannot read /etc/big: larger than 4 bytes");
    EXPECT_EQ(host.read_file("/etc/small"), "1234");
}

TEST(FakeHostHardening, PlantedSymlinksAreNeverFollowed) {
    FakeHost host;
    host.add_file("/root/secret", "root only", {"root", "root", 0600});
    host.add_directory("/srv/slurmctld-statefs");
    host.add_symlink("/srv/slurmctld-statefs/checkpoint", "/root");
    host.add_symlink("/srv/slurmctld-statefs/heartbeat", "/root/secret");
    EXPECT_EQ(error_of([&] { host.read_file("/srv/slurmctld-statefs/checkpoint/secret"); }),
              "cannot read /srv/slurmctld-statefs/checkpoint/secret" + kNotFollowed);
    EXPECT_EQ(error_of([&] { host.read_file("/srv/slurmctld-statefs/heartbeat"); }),
              "cannot read /srv/slurmctld-statefs/heartbeat: it is a symbolic link, which is not "
              "followed");
    EXPECT_THROW(host.write_file("/srv/slurmctld-statefs/checkpoint/x", "x", {}), HostError);
    EXPECT_THROW(
        host.make_directories("/srv/slurmctld-statefs/checkpoint", {"slurm", "slurm", 0777}),
        HostError);
    EXPECT_THROW(host.remove_file("/srv/slurmctld-statefs/checkpoint/secret"), HostError);
    EXPECT_THROW(host.list_directory("/srv/slurmctld-statefs/checkpoint"), HostError);
    EXPECT_EQ(host.directory("/root")->owner, "root");
    EXPECT_EQ(host.file("/root/secret")->content, "root only");
    // Links themselves are still visible to the operations on links.
    EXPECT_EQ(host.status("/srv/slurmctld-statefs/checkpoint").type, FileType::Symlink);
    EXPECT_EQ(host.read_symlink("/srv/slurmctld-statefs/checkpoint"), fs::path("/root"));
}

TEST(FakeHostHardening, TheCharmsTrustedLinkIsFollowedOnlyWhileItPointsAtItsTarget) {
    FakeHost host;
    ASSERT_EQ(host.trusted_links.at("/etc/slurm"), fs::path("/srv/slurmctld-statefs/etc/slurm"));
    host.mount("/srv/slurmctld-statefs");
    host.add_file("/srv/slurmctld-statefs/etc/slurm/slurm.conf", "shared");
    host.add_symlink("/etc/slurm", "/srv/slurmctld-statefs/etc/slurm");
    EXPECT_EQ(host.read_file("/etc/slurm/slurm.conf"), "shared");
    host.add_file("/tmp/evil/slurm.conf", "evil");
    host.replace_with_symlink("/etc/slurm", "/tmp/evil");
    EXPECT_EQ(error_of([&] { host.read_file("/etc/slurm/slurm.conf"); }),
              "cannot use /etc/slurm/slurm.conf: /etc/slurm points at /tmp/evil, not at its "
              "trusted target /srv/slurmctld-statefs/etc/slurm");
}

TEST(FakeHostHardening, RemoveTreeRemovesALinkNotItsTargetAndStopsAtAMount) {
    FakeHost host;
    host.add_file("/victim/precious", "keep");
    host.add_file("/srv/staging/a/file", "x");
    host.add_symlink("/srv/staging/a/link", "/victim");
    host.add_symlink("/srv/planted", "/victim");
    host.remove_tree("/srv/staging");
    host.remove_tree("/srv/planted");
    host.remove_tree("/srv/missing");
    EXPECT_FALSE(host.exists("/srv/staging"));
    EXPECT_FALSE(host.exists("/srv/planted"));
    EXPECT_EQ(host.file("/victim/precious")->content, "keep");
    host.mount("/srv/tree/mounted");
    EXPECT_THROW(host.remove_tree("/srv/tree"), HostError);
}

TEST(FakeHostHardening, CreateDirectoryIsExclusive) {
    FakeHost host;
    host.create_directory("/srv/staging", {"root", "root", 0700});
    EXPECT_EQ(host.directory("/srv/staging")->mode, 0700U);
    EXPECT_EQ(error_of([&] { host.create_directory("/srv/staging", {}); }),
              "cannot create directory /srv/staging: File exists");
    host.add_symlink("/srv/link", "/tmp");
    EXPECT_THROW(host.create_directory("/srv/link", {}), HostError);
}

TEST(FakeHostHardening, SleepsRunOnAVirtualClock) {
    FakeHost host;
    const auto wall = host.now();
    const auto steady = host.steady_now();
    host.sleep_for(30s);
    host.sleep_for(500ms);
    EXPECT_EQ(host.now() - wall, 30500ms);
    EXPECT_EQ(host.steady_now() - steady, 30500ms);
    EXPECT_EQ(host.sleeps, (std::vector<std::chrono::milliseconds>{30s, 500ms}));
}

TEST(FakeHostHardening, AHungMountTimesOutWhereRealHostWouldAndBlocksNothingElse) {
    FakeHost host;
    host.mount("/srv/slurmctld-statefs");
    host.add_directory("/srv/slurmctld-statefs/checkpoint");
    host.hung_paths.insert("/srv/slurmctld-statefs");
    const auto before = host.steady_now();
    const auto answer = host.check_responsive("/srv/slurmctld-statefs", 5s);
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.error().message,
              "/srv/slurmctld-statefs did not answer within 5000 ms (is the file system hung?)");
    EXPECT_EQ(host.steady_now() - before, 5s);
    const auto probe = host.measure_write_latency("/srv/slurmctld-statefs", 5);
    ASSERT_FALSE(probe);
    EXPECT_EQ(probe.error().message,
              "cannot measure write latency in /srv/slurmctld-statefs: no answer within 10000 ms "
              "(is the file system hung?)");
    const auto copied = host.rsync({"--archive", "/var/lib/slurm/", "/srv/slurmctld-statefs/x/"});
    EXPECT_EQ(copied.exit_code, kCommandTimedOut);
    EXPECT_EQ(copied.stderr_text,
              "rsync: no answer within 300000 ms; killed with its process group\n");
    // A file operation there would block a real host: the fake says so instead.
    EXPECT_NE(error_of([&] {
                  host.read_file("/srv/slurmctld-statefs/checkpoint/heartbeat");
              }).find("does not answer (a real host would block here)"),
              std::string::npos);
    EXPECT_TRUE(host.check_responsive("/etc", 5s));
}

TEST(FakeHostHardening, AnInjectedTimeoutEndsAsRealHostReportsIt) {
    FakeHost host;
    host.service("slurmctld").installed = true;
    host.inject_timeout({"systemctl", "start"});
    const auto result = host.systemctl({"start", "slurmctld"});
    EXPECT_EQ(result.exit_code, kCommandTimedOut);
    EXPECT_EQ(result.stderr_text,
              "systemctl: no answer within 90000 ms; killed with its process group\n");
    EXPECT_EQ(host.systemctl({"start", "slurmctld"}).exit_code, 0) << "once only";
}

TEST(FakeHostHardening, StagingACopyReplacesAPlantedSymlinkAndLeavesItsTargetAlone) {
    FakeHost host;
    host.add_file("/var/lib/slurm/checkpoint/job_state", "jobs", {"slurm", "slurm", 0600});
    host.add_symlink("/var/lib/slurm/checkpoint/escape", "/etc/shadow");
    host.add_file("/victim/precious", "keep");
    host.mount("/srv/slurmctld-statefs");
    host.add_symlink("/srv/slurmctld-statefs/checkpoint.migrating", "/victim");
    // rsync itself follows a symlink given as its destination: the attack this prevents.
    ASSERT_TRUE(copy_directory_contents(host, "/var/lib/slurm/checkpoint",
                                        "/srv/slurmctld-statefs/checkpoint.migrating"));
    EXPECT_EQ(host.file("/victim/precious")->content, "keep");
    EXPECT_EQ(host.file("/srv/slurmctld-statefs/checkpoint.migrating/job_state")->content, "jobs");
    EXPECT_FALSE(host.exists("/srv/slurmctld-statefs/checkpoint.migrating/escape"));
    EXPECT_EQ(host.commands_of("rsync").back(),
              (std::vector<std::string>{"--archive", "--delete", "--safe-links",
                                        "--one-file-system", "/var/lib/slurm/checkpoint/",
                                        "/srv/slurmctld-statefs/checkpoint.migrating/"}));
    // The delta pass refuses a staging directory someone swapped for a link.
    host.remove_tree("/srv/slurmctld-statefs/checkpoint.migrating");
    host.add_symlink("/srv/slurmctld-statefs/checkpoint.migrating", "/victim");
    EXPECT_FALSE(copy_directory_contents(host, "/var/lib/slurm/checkpoint",
                                         "/srv/slurmctld-statefs/checkpoint.migrating",
                                         Staging::Continue));
    EXPECT_EQ(host.file("/victim/precious")->content, "keep");
}

TEST(FakeHostHardening, RsyncOneFileSystemCopiesAMountPointAsAnEmptyDirectory) {
    FakeHost host;
    host.add_file("/var/lib/slurm/checkpoint/job_state", "jobs");
    host.mount("/var/lib/slurm/checkpoint/mnt");
    host.add_file("/var/lib/slurm/checkpoint/mnt/other", "other file system");
    host.add_directory("/srv/copy");
    ASSERT_EQ(
        host.rsync({"--archive", "--one-file-system", "/var/lib/slurm/checkpoint/", "/srv/copy"})
            .exit_code,
        0);
    EXPECT_EQ(host.list_directory("/srv/copy"), (std::vector<std::string>{"job_state", "mnt"}));
    EXPECT_TRUE(host.list_directory("/srv/copy/mnt").empty());
}

}  // namespace
