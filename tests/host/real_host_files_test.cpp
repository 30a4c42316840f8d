// RealHost's file operations in temp directories.
#include <atomic>
#include <thread>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurmctld/host/real_host.hpp>

#include "host/require_root.hpp"
#include "host/tree_snapshot.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace slurmctld::host;
using host_tests::group_name;
using host_tests::user_name;
using testing_support::read_text;
using testing_support::TempDir;
using testing_support::write_text;

struct stat stat_of(const fs::path& path, bool follow = true) {
    struct stat info {};
    const int result = follow ? ::stat(path.c_str(), &info) : ::lstat(path.c_str(), &info);
    if (result != 0) {
        throw std::runtime_error("stat " + path.string());
    }
    return info;
}

/// The calling user and group: attributes any test may apply without root.
FileAttributes own_attributes(mode_t mode) {
    return {user_name(::geteuid()), group_name(::getegid()), mode};
}

std::vector<std::string> entries_of(const fs::path& directory) {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(directory)) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

void set_mtime(const fs::path& path, std::time_t seconds) {
    const timespec times[2] = {{seconds, 0}, {seconds, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

// ---- write_file --------------------------------------------------------------------------

TEST(RealHostWriteFile, WritesContentWithTheRequestedModeAndLeavesNoTempFile) {
    TempDir dir;
    RealHost host;
    host.write_file(dir / "slurm.conf", "clustername=test\n", own_attributes(0640));
    EXPECT_EQ(read_text(dir / "slurm.conf"), "clustername=test\n");
    EXPECT_EQ(stat_of(dir / "slurm.conf").st_mode & 07777, 0640U);
    host.write_file(dir / "slurm.conf", "", own_attributes(0600));
    EXPECT_EQ(read_text(dir / "slurm.conf"), "");
    EXPECT_EQ(stat_of(dir / "slurm.conf").st_mode & 07777, 0600U);
    EXPECT_EQ(entries_of(dir.path()), std::vector<std::string>{"slurm.conf"});
}

TEST(RealHostWriteFile, SetsOwnerAndGroupByName) {
    REQUIRE_ROOT();
    TempDir dir;
    RealHost host;
    host.write_file(dir / "key", "secret", {"nobody", "nogroup", 0600});
    const auto info = stat_of(dir / "key");
    EXPECT_EQ(user_name(info.st_uid), "nobody");
    EXPECT_EQ(group_name(info.st_gid), "nogroup");
    EXPECT_EQ(info.st_mode & 07777, 0600U);
}

TEST(RealHostWriteFile, TheTempFileIsPrivateUntilItsAttributesAreSetAndTheTargetIsUntouched) {
    TempDir dir;
    // As root the owner changes too (to nobody); otherwise only the mode can.
    const FileAttributes wanted =
        ::geteuid() == 0 ? FileAttributes{"nobody", "nogroup", 0640} : own_attributes(0640);
    write_text(dir / "slurm.jwks", "old");
    std::vector<WriteStep> steps;
    RealHostOptions options;
    options.on_write_step = [&](WriteStep step, const fs::path& temp) {
        steps.push_back(step);
        if (step >= WriteStep::Renamed) {
            EXPECT_FALSE(fs::exists(temp));
            EXPECT_EQ(read_text(dir / "slurm.jwks"), "new key");
            return;
        }
        EXPECT_EQ(temp.parent_path(), dir.path());
        EXPECT_TRUE(temp.filename().string().starts_with(".slurm.jwks.tmp-")) << temp;
        EXPECT_EQ(read_text(dir / "slurm.jwks"), "old");
        const auto info = stat_of(temp);
        if (step < WriteStep::AttributesSet) {
            EXPECT_EQ(info.st_mode & 07777, 0600U) << "never readable by others";
        } else {
            EXPECT_EQ(info.st_mode & 07777, 0640U) << "mode applied before the rename";
            EXPECT_EQ(user_name(info.st_uid), wanted.owner) << "owner applied before the rename";
            EXPECT_EQ(group_name(info.st_gid), wanted.group);
        }
    };
    RealHost host(options);
    host.write_file(dir / "slurm.jwks", "new key", wanted);
    EXPECT_EQ(steps, (std::vector<WriteStep>{WriteStep::TempCreated, WriteStep::PartlyWritten,
                                             WriteStep::Written, WriteStep::AttributesSet,
                                             WriteStep::Synced, WriteStep::Renamed,
                                             WriteStep::DirectorySynced}));
}

TEST(RealHostWriteFile, AFailureRemovesTheTempFileAndKeepsTheTarget) {
    TempDir dir;
    write_text(dir / "slurm.conf", "old");
    for (const WriteStep failing_step :
         {WriteStep::TempCreated, WriteStep::PartlyWritten, WriteStep::Written,
          WriteStep::AttributesSet, WriteStep::Synced}) {
        RealHostOptions options;
        options.on_write_step = [failing_step](WriteStep step, const fs::path&) {
            if (step == failing_step) {
                throw HostError("injected");
            }
        };
        RealHost host(options);
        EXPECT_THROW(host.write_file(dir / "slurm.conf", "new", own_attributes(0644)), HostError);
        EXPECT_EQ(read_text(dir / "slurm.conf"), "old");
        EXPECT_EQ(entries_of(dir.path()), std::vector<std::string>{"slurm.conf"});
    }
}

TEST(RealHostWriteFile, WritesThroughATrustedSymlinkedDirectory) {
    TempDir dir;
    fs::create_directories(dir / "srv/slurmctld-statefs/etc/slurm");
    fs::create_directories(dir / "etc");
    fs::create_directory_symlink(dir / "srv/slurmctld-statefs/etc/slurm", dir / "etc/slurm");
    RealHostOptions options;
    options.trusted_links[dir / "etc/slurm"] = dir / "srv/slurmctld-statefs/etc/slurm";
    RealHost host(options);
    host.write_file(dir / "etc/slurm/slurm.conf", "shared\n", own_attributes(0644));
    EXPECT_EQ(read_text(dir / "srv/slurmctld-statefs/etc/slurm/slurm.conf"), "shared\n");
    EXPECT_TRUE(fs::is_symlink(dir / "etc/slurm"));
    EXPECT_EQ(entries_of(dir / "srv/slurmctld-statefs/etc/slurm"),
              std::vector<std::string>{"slurm.conf"});
}

TEST(RealHostWriteFile, FailsIntoAMissingDirectory) {
    TempDir dir;
    RealHost host;
    try {
        host.write_file(dir / "missing/slurm.conf", "x", own_attributes(0644));
        FAIL() << "expected HostError";
    } catch (const HostError& error) {
        EXPECT_NE(std::string(error.what()).find("missing/slurm.conf"), std::string::npos);
        EXPECT_NE(std::string(error.what()).find("No such file or directory"), std::string::npos);
    }
}

TEST(RealHostWriteFile, AnUnknownOwnerIsAClearErrorAndWritesNothing) {
    TempDir dir;
    RealHost host;
    try {
        host.write_file(dir / "f", "x", {"no-such-user-slurmctld", "root", 0644});
        FAIL() << "expected HostError";
    } catch (const HostError& error) {
        EXPECT_EQ(std::string(error.what()), "cannot write " + (dir / "f").string() +
                                                 ": no such user: 'no-such-user-slurmctld'");
    }
    EXPECT_THROW(host.write_file(dir / "f", "x", {"root", "no-such-group-slurmctld", 0644}),
                 HostError);
    EXPECT_TRUE(entries_of(dir.path()).empty());
}

TEST(RealHostWriteFile, ReplacesASymlinkAtTheTargetPathLikeRename) {
    TempDir dir;
    write_text(dir / "real", "untouched");
    fs::create_symlink(dir / "real", dir / "link");
    RealHost host;
    host.write_file(dir / "link", "file now", own_attributes(0644));
    EXPECT_FALSE(fs::is_symlink(dir / "link"));
    EXPECT_EQ(read_text(dir / "real"), "untouched");
}

// ---- directories, status, reads ------------------------------------------------------------

TEST(RealHostMakeDirectories, CreatesParentsAs0755WhateverTheUmaskAndAppliesAttributesToTheLast) {
    TempDir dir;
    RealHost host;
    const mode_t old_umask = ::umask(077);
    host.make_directories(dir / "var/lib/slurm/checkpoint", own_attributes(0750));
    ::umask(old_umask);
    EXPECT_EQ(stat_of(dir / "var").st_mode & 07777, 0755U);
    EXPECT_EQ(stat_of(dir / "var/lib/slurm").st_mode & 07777, 0755U);
    EXPECT_EQ(stat_of(dir / "var/lib/slurm/checkpoint").st_mode & 07777, 0750U);
    // Existing: attributes applied again.
    host.make_directories(dir / "var/lib/slurm/checkpoint/", own_attributes(0700));
    EXPECT_EQ(stat_of(dir / "var/lib/slurm/checkpoint").st_mode & 07777, 0700U);
}

TEST(RealHostMakeDirectories, SetsTheOwnerOfTheLastComponent) {
    REQUIRE_ROOT();
    TempDir dir;
    RealHost host;
    host.make_directories(dir / "state/checkpoint", {"nobody", "nogroup", 0755});
    EXPECT_EQ(user_name(stat_of(dir / "state/checkpoint").st_uid), "nobody");
    EXPECT_EQ(user_name(stat_of(dir / "state").st_uid), "root");
}

TEST(RealHostMakeDirectories, FailsWhenAComponentIsAFile) {
    TempDir dir;
    write_text(dir / "file", "");
    RealHost host;
    EXPECT_THROW(host.make_directories(dir / "file/sub", own_attributes(0755)), HostError);
    EXPECT_THROW(host.make_directories(dir / "file", own_attributes(0755)), HostError);
}

TEST(RealHostStatus, DescribesEntriesWithoutFollowingTheLastSymlink) {
    TempDir dir;
    write_text(dir / "file", "12345");
    ::chmod((dir / "file").c_str(), 0640);
    set_mtime(dir / "file", 1700000000);
    fs::create_directory(dir / "dir");
    fs::create_symlink("dir", dir / "link");
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
    RealHost host;

    const FileStatus file = host.status(dir / "file");
    EXPECT_EQ(file.type, FileType::Regular);
    EXPECT_EQ(file.mode, 0640U);
    EXPECT_EQ(file.size, 5U);
    EXPECT_EQ(file.uid, ::geteuid());
    EXPECT_EQ(file.mtime, std::chrono::system_clock::from_time_t(1700000000));
    EXPECT_EQ(host.status(dir / "dir").type, FileType::Directory);
    EXPECT_EQ(host.status(dir / "link").type, FileType::Symlink);
    // A trailing slash does not make it follow the link.
    EXPECT_EQ(host.status(dir / "link/").type, FileType::Symlink);
    EXPECT_EQ(host.status(dir / "fifo").type, FileType::Other);
    EXPECT_EQ(host.status(dir / "missing").type, FileType::Missing);
    EXPECT_EQ(host.status(dir / "file/below").type, FileType::Missing);
}

TEST(RealHostReadFile, ReadsThroughTrustedLinksOnlyAndReturnsNulloptWhenMissing) {
    TempDir dir;
    write_text(dir / "a/slurm.conf", std::string(200000, 'x'));
    fs::create_directory_symlink(dir / "a", dir / "b");
    fs::create_directory_symlink(dir / "a", dir / "c");
    RealHostOptions options;
    options.trusted_links[dir / "b"] = dir / "a";
    RealHost host(options);
    EXPECT_EQ(host.read_file(dir / "b/slurm.conf"), std::string(200000, 'x'));
    EXPECT_THROW(host.read_file(dir / "c/slurm.conf"), HostError);
    EXPECT_EQ(host.read_file(dir / "missing"), std::nullopt);
    EXPECT_EQ(host.read_file(dir / "a/slurm.conf/below"), std::nullopt);
    EXPECT_THROW(host.read_file(dir / "a"), HostError);
}

TEST(RealHostRemoveFile, RemovesFilesAndLinksIsQuietWhenMissingAndRefusesDirectories) {
    TempDir dir;
    write_text(dir / "target", "kept");
    fs::create_symlink(dir / "target", dir / "link");
    fs::create_directory(dir / "dir");
    RealHost host;
    host.remove_file(dir / "link");
    EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "link")));
    EXPECT_EQ(read_text(dir / "target"), "kept");
    host.remove_file(dir / "target");
    host.remove_file(dir / "target");
    EXPECT_FALSE(fs::exists(dir / "target"));
    EXPECT_THROW(host.remove_file(dir / "dir"), HostError);
}

TEST(RealHostRename, MovesAndReportsAMissingSource) {
    TempDir dir;
    write_text(dir / "etc/slurm/slurm.conf", "x");
    RealHost host;
    host.rename(dir / "etc/slurm", dir / "etc/slurm_20250620_161437");
    EXPECT_EQ(read_text(dir / "etc/slurm_20250620_161437/slurm.conf"), "x");
    EXPECT_THROW(host.rename(dir / "etc/slurm", dir / "etc/again"), HostError);
}

TEST(RealHostListDirectory, ListsSortedNamesIncludingHiddenOnesAndIsEmptyWhenMissing) {
    TempDir dir;
    write_text(dir / "b", "");
    write_text(dir / ".hidden", "");
    fs::create_directory(dir / "a");
    fs::create_directory_symlink(dir.path(), dir / "a/up");
    RealHost host;
    EXPECT_EQ(host.list_directory(dir.path()), (std::vector<std::string>{".hidden", "a", "b"}));
    EXPECT_THROW(host.list_directory(dir / "a/up"), HostError);  // a symlink is not followed
    EXPECT_TRUE(host.list_directory(dir / "missing").empty());
    EXPECT_THROW(host.list_directory(dir / "b"), HostError);
}

TEST(RealHostReadSymlink, ReturnsTheTargetOnlyForSymlinks) {
    TempDir dir;
    write_text(dir / "file", "");
    fs::create_symlink("relative/target", dir / "link");
    RealHost host;
    EXPECT_EQ(host.read_symlink(dir / "link"), fs::path("relative/target"));
    EXPECT_EQ(host.read_symlink(dir / "file"), std::nullopt);
    EXPECT_EQ(host.read_symlink(dir / "missing"), std::nullopt);
}

// ---- replace_with_symlink ------------------------------------------------------------------

TEST(RealHostReplaceWithSymlink, CreatesOrReplacesALinkOrFileAndLeavesNoTemp) {
    TempDir dir;
    RealHost host;
    host.replace_with_symlink(dir / "slurm", "/srv/slurmctld-statefs/etc/slurm");
    EXPECT_EQ(fs::read_symlink(dir / "slurm"), "/srv/slurmctld-statefs/etc/slurm");
    host.replace_with_symlink(dir / "slurm", "/elsewhere");
    EXPECT_EQ(fs::read_symlink(dir / "slurm"), "/elsewhere");
    write_text(dir / "file", "");
    host.replace_with_symlink(dir / "file", "/elsewhere");
    EXPECT_TRUE(fs::is_symlink(dir / "file"));
    EXPECT_EQ(entries_of(dir.path()), (std::vector<std::string>{"file", "slurm"}));
}

TEST(RealHostReplaceWithSymlink, RefusesARealDirectory) {
    TempDir dir;
    write_text(dir / "etc/slurm/slurm.conf", "kept");
    RealHost host;
    EXPECT_THROW(host.replace_with_symlink(dir / "etc/slurm", "/srv/x"), HostError);
    EXPECT_EQ(read_text(dir / "etc/slurm/slurm.conf"), "kept");
    EXPECT_EQ(entries_of(dir / "etc"), std::vector<std::string>{"slurm"});
}

TEST(RealHostReplaceWithSymlink, ReadersNeverSeeTheLinkMissingWhileItIsSwapped) {
    TempDir dir;
    fs::create_directory(dir / "a");
    fs::create_directory(dir / "b");
    RealHost host;
    host.replace_with_symlink(dir / "link", dir / "a");
    std::atomic<bool> done{false};
    std::atomic<int> missing{0};
    std::atomic<int> looks{0};
    std::thread reader([&] {
        while (!done) {
            struct stat info {};
            if (::lstat((dir / "link").c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) {
                ++missing;
            }
            ++looks;
        }
    });
    for (int i = 0; i < 2000; ++i) {
        host.replace_with_symlink(dir / "link", dir / (i % 2 == 0 ? "b" : "a"));
    }
    done = true;
    reader.join();
    EXPECT_EQ(missing, 0) << "out of " << looks << " looks";
    EXPECT_EQ(entries_of(dir.path()), (std::vector<std::string>{"a", "b", "link"}));
}

// ---- copy_tree -----------------------------------------------------------------------------

/// A tree with every kind of entry, owners other than root, odd modes and old mtimes.
void build_sample_tree(const fs::path& root) {
    write_text(root / "slurm.conf", "clustername=test\n");
    write_text(root / "keys/slurm.jwks", "{\"keys\":[]}");
    write_text(root / "keys/empty", "");
    fs::create_directories(root / "plugstack.conf.d");
    fs::create_symlink("keys/slurm.jwks", root / "relative-link");
    fs::create_symlink("/nonexistent/target", root / "dangling-link");
    ASSERT_EQ(::mkfifo((root / "fifo").c_str(), 0640), 0);
    ASSERT_EQ(::chown((root / "keys").c_str(), 65534, 65534), 0);
    ASSERT_EQ(::chown((root / "keys/slurm.jwks").c_str(), 65534, 65534), 0);
    ASSERT_EQ(::lchown((root / "relative-link").c_str(), 65534, 65534), 0);
    ::chmod((root / "keys").c_str(), 0750);
    ::chmod((root / "keys/slurm.jwks").c_str(), 0600);
    ::chmod((root / "plugstack.conf.d").c_str(), 02755);
    std::time_t time = 1600000000;
    for (const char* name : {"slurm.conf", "keys/slurm.jwks", "keys/empty", "fifo", "relative-link",
                             "keys", "plugstack.conf.d", "."}) {
        set_mtime(root / name, time += 1000);
    }
}

TEST(RealHostCopyTree, KeepsOwnersModesTimesAndSymlinks) {
    REQUIRE_ROOT();
    TempDir dir;
    build_sample_tree(dir / "etc/slurm");
    fs::create_directory(dir / "srv");
    RealHost host;
    host.copy_tree(dir / "etc/slurm", dir / "srv/etc-slurm-copy");
    EXPECT_EQ(host_tests::snapshot_real(dir / "srv/etc-slurm-copy"),
              host_tests::snapshot_real(dir / "etc/slurm"));
    EXPECT_EQ(entries_of(dir / "srv"), std::vector<std::string>{"etc-slurm-copy"});
}

TEST(RealHostCopyTree, FollowsOnlyATrustedSymlinkedSourceAndRefusesAnExistingDestination) {
    TempDir dir;
    write_text(dir / "real/slurm.conf", "x");
    fs::create_directory_symlink(dir / "real", dir / "link");
    fs::create_directory_symlink(dir / "real", dir / "untrusted");
    fs::create_directory(dir / "existing");
    RealHostOptions options;
    options.trusted_links[dir / "link"] = dir / "real";
    RealHost host(options);
    EXPECT_THROW(host.copy_tree(dir / "untrusted", dir / "copy"), HostError);
    host.copy_tree(dir / "link", dir / "copy");
    EXPECT_TRUE(fs::is_directory(fs::symlink_status(dir / "copy")));
    EXPECT_EQ(read_text(dir / "copy/slurm.conf"), "x");
    EXPECT_THROW(host.copy_tree(dir / "real", dir / "existing"), HostError);
    EXPECT_THROW(host.copy_tree(dir / "missing", dir / "copy2"), HostError);
    EXPECT_FALSE(fs::exists(dir / "copy2"));
}

TEST(RealHostCopyTree, AFailureMidwayLeavesNoDestinationAndNoTemp) {
    TempDir dir;
    write_text(dir / "src/a-first", "readable");
    write_text(dir / "src/b-unreadable", "secret");
    write_text(dir / "src/c-last", "never reached");
    ::chmod((dir / "src/b-unreadable").c_str(), 0);
    fs::create_directory(dir / "dst");
    // Root reads everything, so the copy runs as nobody in a child process.
    ::chmod(dir.path().c_str(), 0777);
    ::chmod((dir / "dst").c_str(), 0777);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        if (::geteuid() == 0 && (::setgid(65534) != 0 || ::setuid(65534) != 0)) {
            ::_exit(10);
        }
        try {
            RealHost().copy_tree(dir / "src", dir / "dst/copy");
        } catch (const HostError&) {
            ::_exit(0);
        } catch (...) {
            ::_exit(12);
        }
        ::_exit(11);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0)
        << "10: setuid failed, 11: the copy did not fail, 12: not a HostError";
    EXPECT_TRUE(entries_of(dir / "dst").empty());
}

// ---- mounts and names ----------------------------------------------------------------------

TEST(RealHostMounts, ParsesTheConfiguredMountinfo) {
    RealHostOptions options;
    options.mountinfo_path = fs::path(TEST_SOURCE_DIR) / "host/fixtures/mountinfo";
    RealHost host(options);
    const auto mounts = host.mounts();
    ASSERT_FALSE(mounts.empty());
    EXPECT_EQ(mounts.front().mount_point, "/");
}

TEST(RealHostMounts, ReadsThisProcessesMountTable) {
    RealHost host;
    const auto mounts = host.mounts();
    EXPECT_TRUE(std::any_of(mounts.begin(), mounts.end(),
                            [](const MountInfo& mount) { return mount.mount_point == "/proc"; }));
}

TEST(RealHostNames, ShortHostnameIsTheHostNameUpToTheFirstDot) {
    char name[256] = {};
    ASSERT_EQ(::gethostname(name, sizeof(name) - 1), 0);
    const std::string full(name);
    RealHost host;
    EXPECT_EQ(host.short_hostname(), full.substr(0, full.find('.')));
    EXPECT_EQ(host.short_hostname().find('.'), std::string::npos);
}

TEST(RealHostNames, NowIsTheWallClock) {
    RealHost host;
    const auto difference = host.now() - std::chrono::system_clock::now();
    EXPECT_LT(std::chrono::abs(difference), std::chrono::seconds(5));
}

}  // namespace

namespace {

using slurmctld::host::FileType;
using slurmctld::host::RealHost;

TEST(RealHostSwapDirectory, LeavesASymlinkAndTheOldDirectoryAsBackup) {
    TempDir temp;
    testing_support::write_text(temp / "etc/slurm/slurm.conf", "clustername=a\n");
    testing_support::write_text(temp / "shared/etc/slurm/slurm.conf", "clustername=b\n");
    RealHost host;
    host.swap_directory_for_symlink(temp / "etc/slurm", temp / "shared/etc/slurm",
                                    temp / "etc/slurm_20260101_000000");
    EXPECT_EQ(host.status(temp / "etc/slurm").type, FileType::Symlink);
    EXPECT_EQ(host.read_symlink(temp / "etc/slurm"), temp / "shared/etc/slurm");
    EXPECT_EQ(testing_support::read_text(temp / "etc/slurm/slurm.conf"), "clustername=b\n");
    EXPECT_EQ(testing_support::read_text(temp / "etc/slurm_20260101_000000/slurm.conf"),
              "clustername=a\n");
    // Nothing but the link and the backup is left in /etc.
    EXPECT_EQ(host.list_directory(temp / "etc"),
              (std::vector<std::string>{"slurm", "slurm_20260101_000000"}));
}

TEST(RealHostSwapDirectory, RefusesASymlinkOrAnExistingBackup) {
    TempDir temp;
    testing_support::write_text(temp / "etc/slurm/slurm.conf", "x\n");
    std::filesystem::create_directories(temp / "etc/slurm_old");
    RealHost host;
    EXPECT_THROW(host.swap_directory_for_symlink(temp / "etc/slurm", temp / "shared",
                                                 temp / "etc/slurm_old"),
                 HostError);
    EXPECT_EQ(host.status(temp / "etc/slurm").type, FileType::Directory);
    std::filesystem::create_symlink(temp / "shared", temp / "etc/link");
    EXPECT_THROW(
        host.swap_directory_for_symlink(temp / "etc/link", temp / "other", temp / "etc/link_old"),
        HostError);
}

TEST(RealHostLatency, MeasuresEverySampleAndCleansUp) {
    TempDir temp;
    RealHost host;
    const auto samples = host.measure_write_latency(temp.path(), 5);
    ASSERT_TRUE(samples) << samples.error().message;
    ASSERT_EQ(samples.value().size(), 5U);
    for (const auto sample : samples.value()) {
        EXPECT_GT(sample.count(), 0);
    }
    EXPECT_TRUE(host.list_directory(temp.path()).empty());
    const auto missing = host.measure_write_latency(temp / "missing", 1);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().message, "cannot measure write latency in " +
                                           (temp / "missing").string() +
                                           ": cannot open: No such file or directory");
}

}  // namespace
