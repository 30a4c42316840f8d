// FakeHost's file system behaves as RealHost's: same successes, same failures.
#include <gtest/gtest.h>

#include "support/fake_host.hpp"

namespace {

using namespace slurmctld::host;
using testing_support::FakeDirectory;
using testing_support::FakeFile;
using testing_support::FakeFileSystem;
using testing_support::FakeHost;

TEST(FakeHostFiles, WriteFileStoresContentOwnerModeAndTheClockAsMtime) {
    FakeHost host;
    host.add_directory("/etc/slurm", {"slurm", "slurm", 0755});
    host.clock += std::chrono::hours(1);
    host.write_file("/etc/slurm/slurm.jwks", "{}", {"slurm", "slurm", 0600});
    const FakeFile* jwks = host.file("/etc/slurm/slurm.jwks");
    ASSERT_NE(jwks, nullptr);
    EXPECT_EQ(jwks->content, "{}");
    EXPECT_EQ(jwks->owner, "slurm");
    EXPECT_EQ(jwks->mode, 0600U);
    EXPECT_EQ(jwks->mtime, host.clock);
    const FileStatus status = host.status("/etc/slurm/slurm.jwks");
    EXPECT_EQ(status.type, FileType::Regular);
    EXPECT_EQ(status.uid, 64030U);
    EXPECT_EQ(status.size, 2U);
    EXPECT_EQ(host.read_file("/etc/slurm/slurm.jwks"), "{}");
}

TEST(FakeHostFiles, WriteFileFailsLikeTheRealOne) {
    FakeHost host;
    try {
        host.write_file("/etc/slurm/slurm.conf", "x", {});
        FAIL() << "expected HostError";
    } catch (const HostError& error) {
        EXPECT_EQ(std::string(error.what()),
                  "cannot write /etc/slurm/slurm.conf: No such file or directory");
    }
    host.add_file("/etc/file", "");
    EXPECT_THROW(host.write_file("/etc/file/x", "x", {}), HostError);  // not a directory
    EXPECT_THROW(host.write_file("/etc", "x", {}), HostError);         // is a directory
    try {
        host.write_file("/etc/x", "x", {"munge", "root", 0644});
        FAIL() << "expected HostError";
    } catch (const HostError& error) {
        EXPECT_EQ(std::string(error.what()), "cannot write /etc/x: no such user: 'munge'");
    }
    EXPECT_FALSE(host.exists("/etc/x"));
}

TEST(FakeHostFiles, SymlinkedDirectoriesAreFollowedForWritesAndReads) {
    FakeHost host;
    host.mount("/srv/slurmctld-statefs");
    host.add_directory("/srv/slurmctld-statefs/etc/slurm");
    host.add_symlink("/etc/slurm", "/srv/slurmctld-statefs/etc/slurm");
    host.write_file("/etc/slurm/slurm.conf", "shared", {"slurm", "slurm", 0644});
    EXPECT_EQ(host.read_file("/srv/slurmctld-statefs/etc/slurm/slurm.conf"), "shared");
    EXPECT_EQ(host.file("/etc/slurm/slurm.conf")->owner, "slurm");
    EXPECT_NE(host.symlink("/etc/slurm"), nullptr);
    EXPECT_EQ(host.status("/etc/slurm").type, FileType::Symlink);
    EXPECT_EQ(host.list_directory("/etc/slurm"), std::vector<std::string>{"slurm.conf"});
}

TEST(FakeHostFiles, TwoHostsShareTheFilesUnderACommonMount) {
    FakeHost primary("juju-abc-0");
    FakeHost backup("juju-abc-1");
    auto statefs = primary.mount("/srv/slurmctld-statefs");
    backup.mount("/srv/slurmctld-statefs", statefs);
    primary.make_directories("/srv/slurmctld-statefs/checkpoint", {"slurm", "slurm", 0755});
    primary.write_file("/srv/slurmctld-statefs/checkpoint/heartbeat", "1", {});
    EXPECT_EQ(backup.read_file("/srv/slurmctld-statefs/checkpoint/heartbeat"), "1");
    EXPECT_EQ(backup.directory("/srv/slurmctld-statefs/checkpoint")->owner, "slurm");
    // The rest of the file system is each host's own.
    primary.write_file("/etc/local", "primary only", {});
    EXPECT_FALSE(backup.exists("/etc/local"));
    // Unmounted, the mount point is the empty local directory again.
    backup.unmount("/srv/slurmctld-statefs");
    EXPECT_TRUE(backup.list_directory("/srv/slurmctld-statefs").empty());
    EXPECT_EQ(primary.list_directory("/srv/slurmctld-statefs"),
              std::vector<std::string>{"checkpoint"});
}

TEST(FakeHostFiles, MountsListsTheRootAndEveryMount) {
    FakeHost host;
    host.mount("/srv/slurmctld-statefs", nullptr, "ceph", "admin@fsid.cephfs=/statefs");
    const auto table = host.mounts();
    ASSERT_EQ(table.size(), 2U);
    EXPECT_EQ(table[0].mount_point, "/");
    EXPECT_EQ(table[1].mount_point, "/srv/slurmctld-statefs");
    EXPECT_EQ(table[1].fs_type, "ceph");
    EXPECT_EQ(table[1].source, "admin@fsid.cephfs=/statefs");
}

TEST(FakeHostFiles, MakeDirectoriesCreatesRootParentsAndAppliesAttributesToTheLast) {
    FakeHost host;
    host.make_directories("/var/lib/slurm/checkpoint", {"slurm", "slurm", 0750});
    EXPECT_EQ(host.directory("/var/lib/slurm")->owner, "root");
    EXPECT_EQ(host.directory("/var/lib/slurm")->mode, 0755U);
    EXPECT_EQ(host.directory("/var/lib/slurm/checkpoint")->owner, "slurm");
    EXPECT_EQ(host.directory("/var/lib/slurm/checkpoint")->mode, 0750U);
    host.make_directories("/var/lib/slurm", {"slurm", "slurm", 0755});
    EXPECT_EQ(host.directory("/var/lib/slurm")->owner, "slurm");
    host.add_file("/var/lib/file", "");
    EXPECT_THROW(host.make_directories("/var/lib/file/x", {}), HostError);
    EXPECT_THROW(host.make_directories("/var/x", {"nobody-here", "root", 0755}), HostError);
}

TEST(FakeHostFiles, RemoveFileRemovesFilesAndLinksOnly) {
    FakeHost host;
    host.add_file("/etc/slurm/target", "kept");
    host.add_symlink("/etc/link", "/etc/slurm/target");
    host.remove_file("/etc/link");
    EXPECT_FALSE(host.exists("/etc/link"));
    EXPECT_EQ(host.read_file("/etc/slurm/target"), "kept");
    host.remove_file("/etc/missing");
    EXPECT_THROW(host.remove_file("/etc/slurm"), HostError);
}

TEST(FakeHostFiles, RenameMovesWholeTreesWithinOneFileSystem) {
    FakeHost host;
    host.add_file("/etc/slurm/slurm.conf", "x", {"slurm", "slurm", 0644});
    host.add_file("/etc/slurm/plugstack.conf.d/a.conf", "y");
    host.rename("/etc/slurm", "/etc/slurm_20250620_161437");
    EXPECT_FALSE(host.exists("/etc/slurm"));
    EXPECT_EQ(host.read_file("/etc/slurm_20250620_161437/slurm.conf"), "x");
    EXPECT_EQ(host.read_file("/etc/slurm_20250620_161437/plugstack.conf.d/a.conf"), "y");
    EXPECT_EQ(host.file("/etc/slurm_20250620_161437/slurm.conf")->owner, "slurm");
    EXPECT_THROW(host.rename("/etc/slurm", "/etc/again"), HostError);
}

TEST(FakeHostFiles, RenameRefusesWhatRenameRefuses) {
    FakeHost host;
    host.mount("/srv/slurmctld-statefs");
    host.add_file("/etc/slurm/slurm.conf", "x");
    host.add_file("/etc/full/file", "");
    host.add_directory("/etc/empty");
    host.add_file("/etc/plain", "");
    const auto message = [&](const fs::path& from, const fs::path& to) {
        try {
            host.rename(from, to);
        } catch (const HostError& error) {
            return std::string(error.what());
        }
        return std::string("no error");
    };
    EXPECT_EQ(message("/etc/slurm", "/srv/slurmctld-statefs/slurm"),
              "cannot rename /etc/slurm to /srv/slurmctld-statefs/slurm: Invalid cross-device "
              "link");
    EXPECT_NE(message("/etc/slurm", "/etc/full").find("Directory not empty"), std::string::npos);
    EXPECT_NE(message("/etc/slurm", "/etc/plain").find("Not a directory"), std::string::npos);
    EXPECT_NE(message("/etc/plain", "/etc/empty").find("Is a directory"), std::string::npos);
    EXPECT_NE(message("/etc/slurm", "/etc/slurm/inside").find("Invalid argument"),
              std::string::npos);
    EXPECT_NE(message("/srv/slurmctld-statefs", "/srv/x").find("busy"), std::string::npos);
    // Over an empty directory or a file: allowed.
    EXPECT_EQ(message("/etc/slurm", "/etc/empty"), "no error");
    EXPECT_EQ(host.read_file("/etc/empty/slurm.conf"), "x");
    host.add_file("/etc/other", "other");
    EXPECT_EQ(message("/etc/other", "/etc/plain"), "no error");
    EXPECT_EQ(host.read_file("/etc/plain"), "other");
}

TEST(FakeHostFiles, ReplaceWithSymlinkSwapsLinksAndFilesButNeverADirectory) {
    FakeHost host;
    host.add_file("/etc/slurm/slurm.conf", "kept");
    EXPECT_THROW(host.replace_with_symlink("/etc/slurm", "/srv/slurmctld-statefs/etc/slurm"),
                 HostError);
    EXPECT_EQ(host.read_file("/etc/slurm/slurm.conf"), "kept");
    host.rename("/etc/slurm", "/etc/slurm_backup");
    host.replace_with_symlink("/etc/slurm", "/srv/slurmctld-statefs/etc/slurm");
    EXPECT_EQ(host.read_symlink("/etc/slurm"), fs::path("/srv/slurmctld-statefs/etc/slurm"));
    host.replace_with_symlink("/etc/slurm", "/etc/slurm_backup");
    // Pointing elsewhere than its trusted target, the link is no longer followed.
    EXPECT_THROW(host.read_file("/etc/slurm/slurm.conf"), HostError);
    EXPECT_EQ(host.file("/etc/slurm/slurm.conf")->content, "kept");
    EXPECT_EQ(host.read_symlink("/etc/slurm_backup"), std::nullopt);
    EXPECT_THROW(host.replace_with_symlink("/missing/link", "/x"), HostError);
}

TEST(FakeHostFiles, CopyTreeKeepsAttributesAndLinksAcrossFileSystems) {
    FakeHost host;
    host.mount("/srv/slurmctld-statefs");
    host.add_directory("/etc/slurm", {"slurm", "slurm", 0750});
    host.add_file("/etc/slurm/slurm.jwks", "{}", {"slurm", "slurm", 0600}).mtime =
        testing_support::Clock::from_time_t(1600000000);
    host.add_symlink("/etc/slurm/link", "slurm.jwks");
    host.add_directory("/etc/slurm/empty");
    host.directory("/etc/slurm")->mtime = testing_support::Clock::from_time_t(1600000500);
    host.copy_tree("/etc/slurm", "/srv/slurmctld-statefs/etc-slurm");
    const FakeFile* copy = host.file("/srv/slurmctld-statefs/etc-slurm/slurm.jwks");
    ASSERT_NE(copy, nullptr);
    EXPECT_EQ(copy->mode, 0600U);
    EXPECT_EQ(copy->owner, "slurm");
    EXPECT_EQ(copy->mtime, testing_support::Clock::from_time_t(1600000000));
    EXPECT_EQ(host.read_symlink("/srv/slurmctld-statefs/etc-slurm/link"), "slurm.jwks");
    EXPECT_NE(host.directory("/srv/slurmctld-statefs/etc-slurm/empty"), nullptr);
    const FakeDirectory* root = host.directory("/srv/slurmctld-statefs/etc-slurm");
    EXPECT_EQ(root->mode, 0750U);
    EXPECT_EQ(root->mtime, testing_support::Clock::from_time_t(1600000500));
    EXPECT_THROW(host.copy_tree("/etc/slurm", "/srv/slurmctld-statefs/etc-slurm"), HostError);
    EXPECT_THROW(host.copy_tree("/etc/missing", "/srv/x"), HostError);
    EXPECT_THROW(host.copy_tree("/etc/slurm", "/etc/slurm/inside"), HostError);
}

TEST(FakeHostFiles, ListDirectoryIsSortedAndEmptyWhenMissing) {
    FakeHost host;
    host.add_file("/etc/slurm/slurm.conf", "");
    host.add_file("/etc/slurm/.slurm.conf.swp", "");
    host.add_file("/etc/slurm/cgroup.conf", "");
    host.add_file("/etc/slurm-mail/x", "");
    EXPECT_EQ(host.list_directory("/etc/slurm"),
              (std::vector<std::string>{".slurm.conf.swp", "cgroup.conf", "slurm.conf"}));
    EXPECT_TRUE(host.list_directory("/nowhere").empty());
    EXPECT_THROW(host.list_directory("/etc/slurm/slurm.conf"), HostError);
}

TEST(FakeHostFiles, NamesAndClockAreSettable) {
    FakeHost host("juju-abc-7.lxd");
    EXPECT_EQ(host.short_hostname(), "juju-abc-7");
    host.clock = testing_support::Clock::from_time_t(0);
    EXPECT_EQ(host.now(), testing_support::Clock::from_time_t(0));
}

}  // namespace
