// The file toolkit on a directory an attacker can write: planted symlinks, FIFOs, huge files.
#include <algorithm>
#include <chrono>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <slurmctld/util/files.hpp>
#include <slurmctld/util/process.hpp>

#include "support/error_of.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace slurmctld::util;
using testing_support::read_text;
using testing_support::TempDir;
using testing_support::write_text;

UniqueFd open_dir(const fs::path& path) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        throw std::runtime_error("open " + path.string());
    }
    return fd;
}

std::string message_of(const std::function<void()>& action) {
    return testing_support::error_of<FileError>(action);
}

TEST(ReadRegularFile, ReadsAFileAndReportsAMissingOneAsNullopt) {
    TempDir dir;
    write_text(dir / "heartbeat", "1700000000\n");
    EXPECT_EQ(read_regular_file(dir / "heartbeat"), "1700000000\n");
    EXPECT_EQ(read_regular_file(dir / "missing"), std::nullopt);
    EXPECT_EQ(read_regular_file(dir / "missing/below"), std::nullopt);
}

TEST(ReadRegularFile, AFifoIsRefusedAtOnceInsteadOfBlocking) {
    TempDir dir;
    ASSERT_EQ(::mkfifo((dir / "heartbeat").c_str(), 0644), 0);
    // A FIFO without a writer blocks open(2) forever; run it aside so the test can fail.
    const auto read = run_in_child(
        [&](int out) {
            const auto text = message_of([&] { read_regular_file(dir / "heartbeat"); });
            return ::write(out, text.data(), text.size()) < 0 ? 1 : 0;
        },
        std::chrono::seconds(10));
    ASSERT_FALSE(read.timed_out) << "read_regular_file blocked on a FIFO";
    EXPECT_EQ(read.output,
              "cannot read " + (dir / "heartbeat").string() + ": it is a FIFO, not a regular file");
}

TEST(ReadRegularFile, ASymlinkIsNotFollowed) {
    TempDir dir;
    write_text(dir / "secret", "root only");
    fs::create_symlink(dir / "secret", dir / "heartbeat");
    EXPECT_EQ(message_of([&] { read_regular_file(dir / "heartbeat"); }),
              "cannot read " + (dir / "heartbeat").string() +
                  ": it is a symbolic link, which is not followed");
}

TEST(ReadRegularFileFollowing, FollowsALinkButStillRefusesAFifoBehindIt) {
    TempDir dir;
    write_text(dir / "slurmctld.service", "[Service]\n");
    fs::create_symlink(dir / "slurmctld.service", dir / "alias.service");
    EXPECT_EQ(read_regular_file_following(dir / "alias.service"), "[Service]\n");
    EXPECT_EQ(read_regular_file_following(dir / "missing.service"), std::nullopt);
    ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0644), 0);
    fs::create_symlink(dir / "fifo", dir / "fifo.service");
    EXPECT_EQ(
        message_of([&] { read_regular_file_following(dir / "fifo.service"); }),
        "cannot read " + (dir / "fifo.service").string() + ": it is a FIFO, not a regular file");
}

TEST(ReadRegularFile, ADirectoryAndAnOversizedFileAreRefused) {
    TempDir dir;
    fs::create_directory(dir / "sub");
    EXPECT_NE(message_of([&] { read_regular_file(dir / "sub"); }).find("it is a directory"),
              std::string::npos);
    write_text(dir / "big", std::string(1000, 'x'));
    EXPECT_EQ(read_regular_file(dir / "big", 1000)->size(), 1000U);
    EXPECT_EQ(message_of([&] { read_regular_file(dir / "big", 999); }),
              "cannot read " + (dir / "big").string() + ": larger than 999 bytes");
}

TEST(ReadRegularFile, ProcFilesWithoutASizeAreReadToTheirEnd) {
    const auto text = read_regular_file("/proc/self/stat");
    ASSERT_TRUE(text);
    EXPECT_NE(text->find(std::to_string(::getpid())), std::string::npos);
}

TEST(WriteFileAtomic, RunsItsStepsInOrderWithTheModeSetBeforeTheRename) {
    TempDir dir;
    write_text(dir / "slurm.conf", "old");
    std::vector<AtomicWriteStep> steps;
    AtomicWriteOptions options;
    options.mode = 0640;
    options.on_step = [&](AtomicWriteStep step, const std::string& temp) {
        steps.push_back(step);
        if (step == AtomicWriteStep::AttributesSet) {
            struct stat info {};
            ASSERT_EQ(::stat((dir / temp).c_str(), &info), 0);
            EXPECT_EQ(info.st_mode & 07777, 0640U);
            EXPECT_EQ(read_text(dir / "slurm.conf"), "old");
        }
    };
    write_file_atomic(dir / "slurm.conf", "new", options);
    EXPECT_EQ(read_text(dir / "slurm.conf"), "new");
    EXPECT_EQ(steps.size(), 7U);
    EXPECT_EQ(steps.back(), AtomicWriteStep::DirectorySynced);
    EXPECT_EQ(fs::status(dir / "slurm.conf").permissions(), static_cast<fs::perms>(0640));
}

TEST(WriteFileAtomic, NotDurableStillReplacesAtomicallyButSyncsNothing) {
    TempDir dir;
    write_text(dir / "hosts", "old");
    std::vector<AtomicWriteStep> steps;
    AtomicWriteOptions options;
    options.durable = false;
    options.on_step = [&](AtomicWriteStep step, const std::string&) { steps.push_back(step); };
    write_file_atomic(dir / "hosts", "new", options);
    EXPECT_EQ(read_text(dir / "hosts"), "new");
    // Synced names the close of the temp file here; the directory is never synced.
    EXPECT_EQ(steps.back(), AtomicWriteStep::Renamed);
    EXPECT_EQ(std::count(steps.begin(), steps.end(), AtomicWriteStep::DirectorySynced), 0);
}

TEST(WriteFileAtomic, ReplacesAPlantedSymlinkInsteadOfWritingThroughIt) {
    TempDir dir;
    write_text(dir / "victim", "untouched");
    fs::create_symlink(dir / "victim", dir / "slurm.conf");
    const UniqueFd fd = open_dir(dir.path());
    write_file_atomic_at(fd.get(), "slurm.conf", "new", {}, "slurm.conf");
    EXPECT_EQ(read_text(dir / "victim"), "untouched");
    EXPECT_FALSE(fs::is_symlink(dir / "slurm.conf"));
    EXPECT_EQ(read_text(dir / "slurm.conf"), "new");
}

TEST(WriteFileAtomic, RefusesNamesThatAreNotOneComponent) {
    TempDir dir;
    const UniqueFd fd = open_dir(dir.path());
    for (const char* bad : {"", ".", "..", "a/b", "../x"}) {
        EXPECT_THROW(write_file_atomic_at(fd.get(), bad, "x", {}, bad), FileError) << bad;
    }
}

class OpenBeneath : public ::testing::TestWithParam<Resolver> {
  protected:
    void SetUp() override {
        fs::create_directories(dir_ / "a/b");
        write_text(dir_ / "a/b/file", "content");
        write_text(dir_ / "outside", "outside");
        fs::create_directory_symlink(dir_ / "a", dir_ / "link-to-a");
        fs::create_symlink(dir_ / "outside", dir_ / "a/b/link-to-file");
        root_ = open_dir(dir_.path());
    }
    int open(const fs::path& relative, int flags) {
        errno = 0;
        UniqueFd fd = open_beneath(root_.get(), relative, flags, 0, GetParam());
        return fd ? 0 : errno;
    }

    TempDir dir_;
    UniqueFd root_;
};

TEST_P(OpenBeneath, OpensPathsWithoutSymlinks) {
    UniqueFd fd = open_beneath(root_.get(), "a/b/file", O_RDONLY, 0, GetParam());
    ASSERT_TRUE(fd);
    EXPECT_EQ(read_to_end(fd.get(), "file"), "content");
    EXPECT_EQ(open("a/./b/", O_RDONLY | O_DIRECTORY), 0);
    EXPECT_EQ(open("", O_RDONLY | O_DIRECTORY), 0);
    EXPECT_EQ(open("a/missing", O_RDONLY), ENOENT);
}

TEST_P(OpenBeneath, RefusesASymlinkAnywhereInThePath) {
    EXPECT_EQ(open("link-to-a/b/file", O_RDONLY), ELOOP);
    EXPECT_EQ(open("link-to-a", O_RDONLY | O_DIRECTORY), ELOOP);
    EXPECT_EQ(open("a/b/link-to-file", O_RDONLY), ELOOP);
    EXPECT_EQ(open("a/b/link-to-file", O_PATH), ELOOP);
    // Asked for explicitly, a final symlink is opened itself (to lstat or readlink it).
    EXPECT_EQ(open("a/b/link-to-file", O_PATH | O_NOFOLLOW), 0);
}

TEST_P(OpenBeneath, NeverLeavesTheDirectory) {
    EXPECT_EQ(open("a/../../outside", O_RDONLY), EXDEV);
    EXPECT_EQ(open("a/..", O_RDONLY), EXDEV);
    EXPECT_EQ(open(dir_ / "outside", O_RDONLY), EXDEV);
}

TEST_P(OpenBeneath, CreatesAFileExclusively) {
    EXPECT_EQ(open("a/new", O_WRONLY | O_CREAT | O_EXCL), 0);
    EXPECT_TRUE(fs::exists(dir_ / "a/new"));
    EXPECT_EQ(open("a/new", O_WRONLY | O_CREAT | O_EXCL), EEXIST);
    EXPECT_EQ(open("a/b/link-to-file", O_WRONLY | O_CREAT | O_EXCL), EEXIST);
    EXPECT_EQ(read_text(dir_ / "outside"), "outside");
}

INSTANTIATE_TEST_SUITE_P(Resolvers, OpenBeneath,
                         ::testing::Values(Resolver::Auto, Resolver::Openat2, Resolver::Walk));

TEST(ListDirectoryFd, ListsNamesSorted) {
    TempDir dir;
    write_text(dir / "b", "");
    write_text(dir / "a", "");
    fs::create_directory(dir / "c");
    const UniqueFd fd = open_dir(dir.path());
    EXPECT_EQ(list_directory_fd(fd.get(), "dir"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(list_directory_fd(fd.get(), "dir").size(), 3U) << "listing twice rewinds";
}

TEST(RemoveTreeAt, RemovesATreeButNeverWhatItsSymlinksPointAt) {
    TempDir dir;
    write_text(dir / "victim/precious", "keep");
    write_text(dir / "staging/a/b/file", "x");
    fs::create_directory_symlink(dir / "victim", dir / "staging/a/link-to-dir");
    fs::create_symlink(dir / "victim/precious", dir / "staging/link-to-file");
    ASSERT_EQ(::mkfifo((dir / "staging/a/fifo").c_str(), 0600), 0);
    const UniqueFd fd = open_dir(dir.path());
    remove_tree_at(fd.get(), "staging", "staging");
    EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "staging")));
    EXPECT_EQ(read_text(dir / "victim/precious"), "keep");
}

TEST(RemoveTreeAt, RemovesAPlantedSymlinkItselfAndIgnoresAMissingName) {
    TempDir dir;
    write_text(dir / "victim/precious", "keep");
    fs::create_directory_symlink(dir / "victim", dir / "staging");
    const UniqueFd fd = open_dir(dir.path());
    remove_tree_at(fd.get(), "staging", "staging");
    EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "staging")));
    EXPECT_EQ(read_text(dir / "victim/precious"), "keep");
    EXPECT_NO_THROW(remove_tree_at(fd.get(), "staging", "staging"));
    EXPECT_THROW(remove_tree_at(fd.get(), "..", ".."), FileError);
}

}  // namespace
