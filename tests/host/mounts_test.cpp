// parse_mountinfo, resolve_path and is_mount_point (on fixtures, the real /proc and the fake).
#include <gtest/gtest.h>

#include <slurmctld/host/mounts.hpp>
#include <slurmctld/host/paths.hpp>
#include <slurmctld/host/real_host.hpp>

#include "support/fake_host.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace slurmctld::host;
using testing_support::FakeHost;
using testing_support::read_text;
using testing_support::TempDir;

TEST(ParseMountinfo, ReadsEveryFieldAndDecodesOctalEscapes) {
    const auto mounts =
        parse_mountinfo(read_text(fs::path(TEST_SOURCE_DIR) / "host/fixtures/mountinfo"));
    ASSERT_EQ(mounts.size(), 9U);
    EXPECT_EQ(mounts[0].mount_point, "/");
    EXPECT_EQ(mounts[0].fs_type, "ext4");
    EXPECT_EQ(mounts[0].source, "/dev/nvme0n1p2");
    EXPECT_EQ(mounts[0].options, "rw,relatime");

    EXPECT_EQ(mounts[4].mount_point, "/srv/slurmctld-statefs");
    EXPECT_EQ(mounts[4].fs_type, "autofs");
    EXPECT_EQ(mounts[5].mount_point, "/srv/slurmctld-statefs");
    EXPECT_EQ(mounts[5].root, "/volumes/_nogroup/statefs");
    EXPECT_EQ(mounts[5].fs_type, "ceph");
    EXPECT_EQ(mounts[5].source, "admin@a1b2c3.cephfs=/volumes/_nogroup/statefs");

    EXPECT_EQ(mounts[6].root, "/exports/home dir");
    EXPECT_EQ(mounts[6].mount_point, "/mnt/home dir\ttab");
    EXPECT_EQ(mounts[6].source, "fileserver:/exports/home dir");
    EXPECT_EQ(mounts[6].fs_type, "nfs4");
    EXPECT_EQ(mounts[7].mount_point, "/mnt/back\\slash");
    EXPECT_EQ(mounts[7].fs_type, "tmpfs");  // after two optional fields
    EXPECT_EQ(mounts[8].mount_point, "/mnt/no-optional-fields");
    EXPECT_EQ(mounts[8].source, "tmpfs");
}

TEST(ParseMountinfo, ToleratesEmptyLinesAndAMissingFinalNewline) {
    const auto mounts = parse_mountinfo("\n22 1 8:1 / / rw - ext4 /dev/sda1 rw");
    ASSERT_EQ(mounts.size(), 1U);
    EXPECT_EQ(mounts[0].source, "/dev/sda1");
    EXPECT_TRUE(parse_mountinfo("").empty());
}

TEST(ParseMountinfo, RejectsAMalformedLineNamingIt) {
    try {
        parse_mountinfo("22 1 8:1 / / rw - ext4 /dev/sda1 rw\n23 22 0:5 / /dev rw devtmpfs\n");
        FAIL() << "expected HostError";
    } catch (const HostError& error) {
        EXPECT_NE(std::string(error.what()).find("line 2"), std::string::npos) << error.what();
    }
}

// ---- resolve_symlinks ----------------------------------------------------------------------

/// A symlink table standing in for a file system.
SymlinkReader links(std::map<std::string, std::string> table) {
    return [table = std::move(table)](const fs::path& path) -> std::optional<fs::path> {
        const auto found = table.find(path.string());
        if (found == table.end()) {
            return std::nullopt;
        }
        return fs::path(found->second);
    };
}

TEST(ResolveSymlinks, FollowsAbsoluteAndRelativeLinksInOrder) {
    const auto reader = links({{"/etc/slurm", "/srv/slurmctld-statefs/etc/slurm"},
                               {"/srv", "data/srv"},
                               {"/data/srv/slurmctld-statefs/etc/slurm/current", "../slurm"}});
    EXPECT_EQ(resolve_symlinks("/etc/slurm/slurm.conf", reader),
              "/data/srv/slurmctld-statefs/etc/slurm/slurm.conf");
    EXPECT_EQ(resolve_symlinks("/etc/slurm/current/x", reader),
              "/data/srv/slurmctld-statefs/etc/slurm/x");
    EXPECT_EQ(resolve_symlinks("/", reader), "/");
    EXPECT_EQ(resolve_symlinks("/a/./b/../c/", reader), "/a/c");
}

TEST(ResolveSymlinks, DotDotAppliesAfterTheSymlinkToItsLeft) {
    // /etc/slurm -> /srv/x/etc/slurm, so /etc/slurm/.. is /srv/x/etc, not /etc.
    const auto reader = links({{"/etc/slurm", "/srv/x/etc/slurm"}});
    EXPECT_EQ(resolve_symlinks("/etc/slurm/../munge", reader), "/srv/x/etc/munge");
}

TEST(ResolveSymlinks, KeepsTheLastLinkWhenAskedAndReportsLoops) {
    const auto reader = links({{"/link", "/target"}, {"/loop", "/loop"}});
    EXPECT_EQ(resolve_symlinks("/link", reader, false), "/link");
    EXPECT_EQ(resolve_symlinks("/link/", reader, false), "/target");
    EXPECT_EQ(resolve_symlinks("/link", reader, true), "/target");
    EXPECT_THROW(resolve_symlinks("/loop/x", reader), HostError);
    EXPECT_THROW(resolve_symlinks("relative/path", reader), HostError);
}

TEST(ResolvePath, MatchesTheKernelsAnswerOnARealTree) {
    TempDir dir;
    const fs::path base = fs::canonical(dir.path());
    fs::create_directories(base / "srv/statefs/etc/slurm");
    fs::create_directories(base / "etc");
    fs::create_directory_symlink(base / "srv/statefs/etc/slurm", base / "etc/slurm");
    fs::create_directory_symlink("../srv", base / "etc/srv-relative");
    RealHost host;
    for (const char* path :
         {"etc/slurm", "etc/slurm/../slurm", "etc/srv-relative/statefs/etc", "etc/slurm/not-yet"}) {
        EXPECT_EQ(resolve_path(host, base / path), fs::weakly_canonical(base / path)) << path;
    }
}

// ---- is_mount_point ------------------------------------------------------------------------

TEST(IsMountPoint, SeesRealMountPointsOfThisProcess) {
    RealHost host;
    EXPECT_TRUE(is_mount_point(host, "/"));
    EXPECT_TRUE(is_mount_point(host, "/proc"));
    EXPECT_TRUE(is_mount_point(host, "/proc/"));
    EXPECT_FALSE(is_mount_point(host, "/proc/self/fd"));
    TempDir dir;
    EXPECT_FALSE(is_mount_point(host, dir.path()));
}

TEST(IsMountPoint, ReadsOnlyTheMountTableNeverThePath) {
    // A link is not followed (that would touch what may be a hung mount)...
    TempDir dir;
    fs::create_directory_symlink("/proc", dir / "proc-link");
    RealHost host;
    EXPECT_FALSE(is_mount_point(host, dir / "proc-link"));
    // ...and a mount that does not answer is still seen as mounted.
    FakeHost fake;
    fake.mount("/srv/slurmctld-statefs");
    fake.hung_paths.insert("/srv/slurmctld-statefs");
    EXPECT_TRUE(is_mount_point(fake, "/srv/slurmctld-statefs"));
}

TEST(IsMountPoint, UsesTheFakeHostsMountTable) {
    FakeHost host;
    EXPECT_FALSE(is_mount_point(host, "/srv/slurmctld-statefs"));
    host.mount("/srv/slurmctld-statefs");
    host.add_symlink("/statefs", "/srv/slurmctld-statefs");
    EXPECT_TRUE(is_mount_point(host, "/srv/slurmctld-statefs"));
    EXPECT_FALSE(is_mount_point(host, "/statefs"));  // links are not followed
    EXPECT_FALSE(is_mount_point(host, "/srv"));
    host.unmount("/srv/slurmctld-statefs");
    EXPECT_FALSE(is_mount_point(host, "/srv/slurmctld-statefs"));
}

}  // namespace
