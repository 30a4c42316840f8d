// RealHost on a directory others can write (the shared file system, the slurm user's state):
// each test plants what an attacker would (a symlink, a FIFO, a huge file, a second unit
// probing at the same time, a hung file system) and checks that nothing is followed, blocked
// on, truncated or chowned. Each of these attacks worked on the RealHost before the hardening.
#include <chrono>
#include <csignal>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurmctld/host/real_host.hpp>
#include <slurmctld/host/state_copy.hpp>
#include <slurmctld/util/process.hpp>

#include "host/require_root.hpp"
#include "host/tree_snapshot.hpp"
#include "support/error_of.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace slurmctld::host;
using namespace std::chrono_literals;
using testing_support::read_text;
using testing_support::TempDir;
using testing_support::write_text;

FileAttributes own_attributes(mode_t mode) {
    return {host_tests::user_name(::geteuid()), host_tests::group_name(::getegid()), mode};
}

std::string error_of(const std::function<void()>& action) {
    return testing_support::error_of<HostError>(action);
}

/// Runs `action` in a child and waits at most 10 s, so a call that would block forever fails
/// the test instead of hanging it. Returns the HostError message, "no error", or "blocked".
std::string error_within_deadline(const std::function<void()>& action) {
    const auto result = slurmctld::util::run_in_child(
        [&](int out) {
            const std::string text = error_of(action);
            return ::write(out, text.data(), text.size()) < 0 ? 1 : 0;
        },
        10s);
    return result.timed_out ? std::string("blocked") : result.output;
}

struct stat lstat_of(const fs::path& path) {
    struct stat info {};
    EXPECT_EQ(::lstat(path.c_str(), &info), 0) << path;
    return info;
}

const std::string kNotFollowed = ": the path goes through a symbolic link, which is not followed";

// ---- reading -----------------------------------------------------------------------------

TEST(RealHostHardening, AFifoAtTheHeartbeatPathIsRefusedInsteadOfBlockingTheHook) {
    TempDir dir;
    ASSERT_EQ(::mkfifo((dir / "heartbeat").c_str(), 0644), 0);
    RealHost host;
    EXPECT_EQ(error_within_deadline([&] { host.read_file(dir / "heartbeat"); }),
              "cannot read " + (dir / "heartbeat").string() + ": it is a FIFO, not a regular file");
}

TEST(RealHostHardening, AHugePlantedFileIsRefusedNotReadIntoMemory) {
    TempDir dir;
    {
        // Sparse: 17 MiB that cost no disk.
        const int fd = ::open((dir / "slurm.conf").c_str(), O_WRONLY | O_CREAT, 0644);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(::ftruncate(fd, 17 * 1024 * 1024), 0);
        ::close(fd);
    }
    RealHost host;
    EXPECT_EQ(error_of([&] { host.read_file(dir / "slurm.conf"); }),
              "cannot read " + (dir / "slurm.conf").string() + ": larger than 16777216 bytes");
    RealHostOptions small;
    small.max_read_size = 10;
    write_text(dir / "small", "0123456789");
    EXPECT_EQ(RealHost(small).read_file(dir / "small"), "0123456789");
}

TEST(RealHostHardening, ReadingNeverFollowsAPlantedSymlink) {
    TempDir dir;
    write_text(dir / "secret", "root only");
    fs::create_directories(dir / "statefs/checkpoint");
    fs::create_symlink(dir / "secret", dir / "statefs/checkpoint/heartbeat");
    fs::create_directory_symlink(dir / "statefs/checkpoint", dir / "statefs/linked");
    RealHost host;
    EXPECT_EQ(error_of([&] { host.read_file(dir / "statefs/checkpoint/heartbeat"); }),
              "cannot read " + (dir / "statefs/checkpoint/heartbeat").string() +
                  ": it is a symbolic link, which is not followed");
    EXPECT_EQ(error_of([&] { host.read_file(dir / "statefs/linked/x"); }),
              "cannot read " + (dir / "statefs/linked/x").string() + kNotFollowed);
    EXPECT_EQ(error_of([&] { host.list_directory(dir / "statefs/linked"); }),
              "cannot list " + (dir / "statefs/linked").string() + kNotFollowed);
    // The operations about links themselves still see it.
    EXPECT_EQ(host.status(dir / "statefs/linked").type, FileType::Symlink);
    EXPECT_EQ(host.read_symlink(dir / "statefs/linked"), dir / "statefs/checkpoint");
}

// ---- trusted links -----------------------------------------------------------------------

class RealHostTrustedLinks : public ::testing::Test {
  protected:
    void SetUp() override {
        fs::create_directories(dir_ / "srv/statefs/etc/slurm");
        fs::create_directories(dir_ / "etc");
        write_text(dir_ / "srv/statefs/etc/slurm/slurm.conf", "shared");
        options_.trusted_links[dir_ / "etc/slurm"] = dir_ / "srv/statefs/etc/slurm";
    }

    TempDir dir_;
    RealHostOptions options_;
};

TEST_F(RealHostTrustedLinks, ALinkToItsTargetIsFollowedAbsoluteOrRelative) {
    RealHost host(options_);
    fs::create_directory_symlink(dir_ / "srv/statefs/etc/slurm", dir_ / "etc/slurm");
    EXPECT_EQ(host.read_file(dir_ / "etc/slurm/slurm.conf"), "shared");
    fs::remove(dir_ / "etc/slurm");
    fs::create_directory_symlink("../srv/statefs/etc/slurm", dir_ / "etc/slurm");
    EXPECT_EQ(host.read_file(dir_ / "etc/slurm/slurm.conf"), "shared");
    host.write_file(dir_ / "etc/slurm/new.conf", "x", own_attributes(0644));
    EXPECT_EQ(read_text(dir_ / "srv/statefs/etc/slurm/new.conf"), "x");
    EXPECT_EQ(host.list_directory(dir_ / "etc/slurm"),
              (std::vector<std::string>{"new.conf", "slurm.conf"}));
    // The link itself is still a link to the operations on links.
    EXPECT_EQ(host.status(dir_ / "etc/slurm").type, FileType::Symlink);
    EXPECT_EQ(host.read_symlink(dir_ / "etc/slurm"), fs::path("../srv/statefs/etc/slurm"));
}

TEST_F(RealHostTrustedLinks, ARealDirectoryAtTheLinksPathIsUsedAsItIs) {
    write_text(dir_ / "etc/slurm/slurm.conf", "local");
    RealHost host(options_);
    EXPECT_EQ(host.read_file(dir_ / "etc/slurm/slurm.conf"), "local");
}

TEST_F(RealHostTrustedLinks, ALinkPointingElsewhereIsRefused) {
    fs::create_directories(dir_ / "attacker");
    write_text(dir_ / "attacker/slurm.conf", "evil");
    fs::create_directory_symlink(dir_ / "attacker", dir_ / "etc/slurm");
    RealHost host(options_);
    const std::string message = error_of([&] { host.read_file(dir_ / "etc/slurm/slurm.conf"); });
    EXPECT_EQ(message, "cannot use " + (dir_ / "etc/slurm/slurm.conf").string() + ": " +
                           (dir_ / "etc/slurm").string() + " points at " +
                           (dir_ / "attacker").string() + ", not at its trusted target " +
                           (dir_ / "srv/statefs/etc/slurm").string());
    EXPECT_THROW(host.write_file(dir_ / "etc/slurm/slurm.conf", "x", own_attributes(0644)),
                 HostError);
    EXPECT_EQ(read_text(dir_ / "attacker/slurm.conf"), "evil");
}

TEST_F(RealHostTrustedLinks, ASymlinkBelowTheTrustedTargetIsStillRefused) {
    fs::create_directory_symlink(dir_ / "srv/statefs/etc/slurm", dir_ / "etc/slurm");
    write_text(dir_ / "secret", "root only");
    fs::create_symlink(dir_ / "secret", dir_ / "srv/statefs/etc/slurm/slurm.key");
    RealHost host(options_);
    EXPECT_THROW(host.read_file(dir_ / "etc/slurm/slurm.key"), HostError);
}

// ---- writing -----------------------------------------------------------------------------

TEST(RealHostHardening, WritesNeverGoThroughAPlantedDirectorySymlink) {
    TempDir dir;
    fs::create_directories(dir / "victim");
    write_text(dir / "victim/heartbeat", "untouched");
    fs::create_directories(dir / "statefs");
    fs::create_directory_symlink(dir / "victim", dir / "statefs/checkpoint");
    RealHost host;
    EXPECT_EQ(error_of([&] {
                  host.write_file(dir / "statefs/checkpoint/heartbeat", "x", own_attributes(0644));
              }),
              "cannot write " + (dir / "statefs/checkpoint/heartbeat").string() + kNotFollowed);
    EXPECT_THROW(host.remove_file(dir / "statefs/checkpoint/heartbeat"), HostError);
    EXPECT_THROW(host.rename(dir / "statefs/checkpoint/heartbeat", dir / "statefs/moved"),
                 HostError);
    EXPECT_THROW(host.make_directories(dir / "statefs/checkpoint/sub", own_attributes(0755)),
                 HostError);
    EXPECT_THROW(host.replace_with_symlink(dir / "statefs/checkpoint/link", "/etc"), HostError);
    EXPECT_EQ(host_tests::snapshot_real(dir / "victim").size(), 2U) << "nothing added";
    EXPECT_EQ(read_text(dir / "victim/heartbeat"), "untouched");
}

TEST(RealHostHardening, MakeDirectoriesNeverChownsOrChmodsThroughASymlink) {
    REQUIRE_ROOT();
    TempDir dir;
    fs::create_directories(dir / "victim");
    ASSERT_EQ(::chmod((dir / "victim").c_str(), 0700), 0);
    fs::create_directories(dir / "statefs");
    fs::create_directory_symlink(dir / "victim", dir / "statefs/checkpoint");
    RealHost host;
    EXPECT_EQ(error_of([&] {
                  host.make_directories(dir / "statefs/checkpoint", {"nobody", "nogroup", 0777});
              }),
              "cannot create directory " + (dir / "statefs/checkpoint").string() + kNotFollowed);
    const auto victim = lstat_of(dir / "victim");
    EXPECT_EQ(victim.st_uid, 0U);
    EXPECT_EQ(victim.st_mode & 07777, 0700U);
}

TEST(RealHostHardening, MakeDirectoriesSetsOwnerAndModeOnTheDirectoryItMade) {
    REQUIRE_ROOT();
    TempDir dir;
    RealHost host;
    host.make_directories(dir / "a/b/checkpoint", {"nobody", "nogroup", 0750});
    const auto made = lstat_of(dir / "a/b/checkpoint");
    EXPECT_EQ(host_tests::user_name(made.st_uid), "nobody");
    EXPECT_EQ(made.st_mode & 07777, 0750U);
    EXPECT_EQ(lstat_of(dir / "a").st_mode & 07777, 0755U);
}

TEST(RealHostHardening, CreateDirectoryIsExclusive) {
    TempDir dir;
    fs::create_directories(dir / "planted");
    fs::create_directory_symlink(dir / "planted", dir / "link");
    RealHost host;
    host.create_directory(dir / "staging", own_attributes(0700));
    EXPECT_EQ(lstat_of(dir / "staging").st_mode & 07777, 0700U);
    EXPECT_EQ(error_of([&] { host.create_directory(dir / "planted", own_attributes(0700)); }),
              "cannot create directory " + (dir / "planted").string() + ": File exists");
    EXPECT_THROW(host.create_directory(dir / "link", own_attributes(0700)), HostError);
}

// ---- removing a tree ---------------------------------------------------------------------

TEST(RealHostHardening, RemoveTreeRemovesLinksNotWhatTheyPointAt) {
    TempDir dir;
    write_text(dir / "victim/precious", "keep");
    write_text(dir / "staging/a/file", "x");
    fs::create_directory_symlink(dir / "victim", dir / "staging/a/link");
    ASSERT_EQ(::mkfifo((dir / "staging/fifo").c_str(), 0600), 0);
    fs::create_directory_symlink(dir / "victim", dir / "planted-staging");
    RealHost host;
    host.remove_tree(dir / "staging");
    host.remove_tree(dir / "planted-staging");
    host.remove_tree(dir / "missing");
    EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "staging")));
    EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "planted-staging")));
    EXPECT_EQ(read_text(dir / "victim/precious"), "keep");
}

// ---- copying -----------------------------------------------------------------------------

TEST(RealHostHardening, CopyTreeCopiesLinksAndFifosWithoutFollowingOrOpeningThem) {
    TempDir dir;
    write_text(dir / "secret", "root only");
    write_text(dir / "etc/slurm/slurm.conf", "conf");
    fs::create_symlink(dir / "secret", dir / "etc/slurm/slurm.key");
    ASSERT_EQ(::mkfifo((dir / "etc/slurm/fifo").c_str(), 0600), 0);
    RealHost host;
    EXPECT_EQ(error_within_deadline([&] { host.copy_tree(dir / "etc/slurm", dir / "copy"); }),
              "no error");
    EXPECT_TRUE(fs::is_symlink(dir / "copy/slurm.key"));
    EXPECT_EQ(fs::read_symlink(dir / "copy/slurm.key"), dir / "secret");
    EXPECT_TRUE(fs::is_fifo(fs::symlink_status(dir / "copy/fifo")));
    EXPECT_EQ(read_text(dir / "copy/slurm.conf"), "conf");
}

// ---- the latency probe -------------------------------------------------------------------

TEST(RealHostLatencyProbe, NeverWritesThroughASymlinkPlantedAtItsFileNames) {
    TempDir dir;
    write_text(dir / "victim", "precious");
    fs::create_directories(dir / "statefs");
    // The names the probe used before: a planted link made it truncate the target.
    fs::create_symlink(dir / "victim", dir / "statefs/.slurmctld-latency-probe.new");
    fs::create_symlink(dir / "victim", dir / "statefs/.slurmctld-latency-probe");
    RealHost host;
    const auto samples = host.measure_write_latency(dir / "statefs", 3);
    ASSERT_TRUE(samples) << samples.error().message;
    EXPECT_EQ(samples.value().size(), 3U);
    EXPECT_EQ(read_text(dir / "victim"), "precious");
}

TEST(RealHostLatencyProbe, UnitsProbingTheSameFileSystemAtOnceNeverCollide) {
    // Scale-up: every new unit probes /srv/slurmctld-statefs in its first hook, at once.
    TempDir dir;
    fs::create_directories(dir / "statefs");
    constexpr int kUnits = 8;
    int go[2];
    ASSERT_EQ(::pipe(go), 0);
    std::vector<pid_t> units;
    for (int i = 0; i < kUnits; ++i) {
        const pid_t pid = ::fork();
        if (pid == 0) {
            ::close(go[1]);
            char start = 0;
            [[maybe_unused]] const auto ignored = ::read(go[0], &start, 1);  // all start together
            RealHost host;
            bool ok = true;
            for (int round = 0; round < 5 && ok; ++round) {
                try {
                    ok = static_cast<bool>(host.measure_write_latency(dir / "statefs", 20));
                } catch (...) {
                    ok = false;
                }
            }
            ::_exit(ok ? 0 : 1);
        }
        units.push_back(pid);
    }
    ::close(go[0]);
    ::close(go[1]);  // EOF: every unit starts
    int failed = 0;
    for (const pid_t pid : units) {
        int status = 0;
        ::waitpid(pid, &status, 0);
        failed += (WIFEXITED(status) && WEXITSTATUS(status) == 0) ? 0 : 1;
    }
    EXPECT_EQ(failed, 0) << failed << " of " << kUnits << " units failed to probe";
    EXPECT_TRUE(fs::is_empty(dir / "statefs")) << "the probes leave nothing behind";
}

/// A file system that never answers: the probe's child blocks before its first call.
void hang() {
    for (;;) {
        ::pause();
    }
}

TEST(RealHostLatencyProbe, AHungFileSystemEndsInAFailureWithinTheTimeLimit) {
    TempDir dir;
    RealHostOptions options;
    options.latency_probe_timeout = 300ms;
    options.in_probe_child = hang;
    RealHost host(options);
    const auto started = std::chrono::steady_clock::now();
    const auto samples = host.measure_write_latency(dir.path(), 10);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    ASSERT_FALSE(samples);
    EXPECT_EQ(samples.error().message, "cannot measure write latency in " + dir.path().string() +
                                           ": no answer within 300 ms (is the file system hung?)");
}

TEST(RealHostLatencyProbe, RemovesPrivateDirectoriesLeftByKilledProbesOnlyWhenOld) {
    TempDir dir;
    write_text(dir / ".slurmctld-latency-probe-old/sample", "");
    write_text(dir / ".slurmctld-latency-probe-recent/sample", "");
    const timespec old_times[2] = {{1500000000, 0}, {1500000000, 0}};
    ASSERT_EQ(::utimensat(AT_FDCWD, (dir / ".slurmctld-latency-probe-old").c_str(), old_times, 0),
              0);
    RealHost host;
    ASSERT_TRUE(host.measure_write_latency(dir.path(), 2));
    EXPECT_FALSE(fs::exists(dir / ".slurmctld-latency-probe-old"));
    EXPECT_TRUE(fs::exists(dir / ".slurmctld-latency-probe-recent/sample"))
        << "another unit's probe may be running";
}

TEST(RealHostLatencyProbe, ARefusedPathIsAFailureNotAnException) {
    TempDir dir;
    fs::create_directories(dir / "real");
    fs::create_directory_symlink(dir / "real", dir / "link");
    RealHost host;
    const auto samples = host.measure_write_latency(dir / "link", 1);
    ASSERT_FALSE(samples);
    EXPECT_EQ(samples.error().message, "cannot measure write latency in " +
                                           (dir / "link").string() + ": cannot open" +
                                           kNotFollowed);
    EXPECT_TRUE(fs::is_empty(dir / "real"));
}

// ---- check_responsive --------------------------------------------------------------------

TEST(RealHostCheckResponsive, ADirectoryOrFileThatAnswersIsFine) {
    TempDir dir;
    write_text(dir / "file", "x");
    RealHost host;
    EXPECT_TRUE(host.check_responsive(dir.path(), 5s));
    EXPECT_TRUE(host.check_responsive(dir / "file", 5s));
}

TEST(RealHostCheckResponsive, MissingOrSymlinkedIsAFailure) {
    TempDir dir;
    fs::create_directory_symlink(dir.path(), dir / "link");
    RealHost host;
    const auto missing = host.check_responsive(dir / "missing", 5s);
    ASSERT_FALSE(missing);
    EXPECT_EQ(
        missing.error().message,
        (dir / "missing").string() + " is not usable: cannot open: No such file or directory");
    const auto linked = host.check_responsive(dir / "link", 5s);
    ASSERT_FALSE(linked);
    EXPECT_EQ(linked.error().message,
              (dir / "link").string() + " is not usable: cannot open" + kNotFollowed);
}

TEST(RealHostCheckResponsive, AHungFileSystemIsAFailureWithinTheTimeout) {
    TempDir dir;
    RealHostOptions options;
    options.in_probe_child = hang;
    RealHost host(options);
    const auto started = std::chrono::steady_clock::now();
    const auto answer = host.check_responsive(dir.path(), 300ms);
    EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
    ASSERT_FALSE(answer);
    EXPECT_EQ(answer.error().message,
              dir.path().string() + " did not answer within 300 ms (is the file system hung?)");
}

// ---- staging a copy with rsync -------------------------------------------------------------

class RealHostStateCopy : public ::testing::Test {
  protected:
    void SetUp() override {
        if (host_.rsync({"--version"}).exit_code == 127) {
            GTEST_SKIP() << "rsync is not installed";
        }
        write_text(dir_ / "checkpoint/job_state", "jobs");
        write_text(dir_ / "victim/precious", "keep");
        fs::create_directories(dir_ / "statefs");
    }

    TempDir dir_;
    RealHost host_;
};

TEST_F(RealHostStateCopy, APlantedSymlinkAtTheStagingPathIsReplacedNotEmptied) {
    fs::create_directory_symlink(dir_ / "victim", dir_ / "statefs/checkpoint.migrating");
    const auto copied =
        copy_directory_contents(host_, dir_ / "checkpoint", dir_ / "statefs/checkpoint.migrating");
    ASSERT_TRUE(copied) << copied.error().message;
    EXPECT_EQ(read_text(dir_ / "victim/precious"), "keep");
    EXPECT_FALSE(fs::is_symlink(dir_ / "statefs/checkpoint.migrating"));
    EXPECT_EQ(read_text(dir_ / "statefs/checkpoint.migrating/job_state"), "jobs");
}

TEST_F(RealHostStateCopy, TheDeltaPassRefusesAStagingDirectoryReplacedByASymlink) {
    ASSERT_TRUE(
        copy_directory_contents(host_, dir_ / "checkpoint", dir_ / "statefs/checkpoint.migrating"));
    fs::remove_all(dir_ / "statefs/checkpoint.migrating");
    fs::create_directory_symlink(dir_ / "victim", dir_ / "statefs/checkpoint.migrating");
    const auto copied = copy_directory_contents(
        host_, dir_ / "checkpoint", dir_ / "statefs/checkpoint.migrating", Staging::Continue);
    ASSERT_FALSE(copied);
    EXPECT_EQ(read_text(dir_ / "victim/precious"), "keep");
}

TEST_F(RealHostStateCopy, LinksThatLeaveTheCopiedTreeAreLeftOut) {
    fs::create_symlink(dir_ / "victim/precious", dir_ / "checkpoint/escape");
    fs::create_symlink("job_state", dir_ / "checkpoint/job_state.old");
    ASSERT_TRUE(copy_directory_contents(host_, dir_ / "checkpoint", dir_ / "statefs/staging"));
    EXPECT_FALSE(fs::exists(fs::symlink_status(dir_ / "statefs/staging/escape")));
    EXPECT_TRUE(fs::is_symlink(dir_ / "statefs/staging/job_state.old"));
}

TEST_F(RealHostStateCopy, AMissingSourceIsAFailureNamingRsyncsReason) {
    const auto copied = copy_directory_contents(host_, dir_ / "missing", dir_ / "statefs/staging");
    ASSERT_FALSE(copied);
    EXPECT_NE(copied.error().message.find("rsync exited with 23"), std::string::npos)
        << copied.error().message;
}

// ---- time --------------------------------------------------------------------------------

TEST(RealHostTime, SleepForWaitsOnTheSteadyClock) {
    RealHost host;
    const auto before = host.steady_now();
    host.sleep_for(20ms);
    EXPECT_GE(host.steady_now() - before, 20ms);
}

}  // namespace
