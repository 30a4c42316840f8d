// RealHost::write_file killed midway (SIGKILL: no destructor, no cleanup runs) leaves the old
// file or the new one under the target name, never a mix; at worst a hidden temp file beside it.
#include <chrono>
#include <random>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurmctld/host/real_host.hpp>

#include "host/tree_snapshot.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace slurmctld::host;
using testing_support::read_text;
using testing_support::TempDir;
using testing_support::write_text;

constexpr WriteStep kAllSteps[] = {WriteStep::TempCreated,    WriteStep::PartlyWritten,
                                   WriteStep::Written,        WriteStep::AttributesSet,
                                   WriteStep::Synced,         WriteStep::Renamed,
                                   WriteStep::DirectorySynced};

FileAttributes own_attributes() {
    return {host_tests::user_name(::geteuid()), host_tests::group_name(::getegid()), 0644};
}

/// A generation's content: large enough to span several write chunks, and every byte says
/// which generation it belongs to, so a mix of two generations is visible.
std::string generation_content(int generation) {
    return std::string(300 * 1024, static_cast<char>('A' + generation % 26));
}

/// Forks a child that runs `body` and exits; it never returns into the test runner, even
/// when `body` throws (exit code 99).
template <class Body>
pid_t start_child(Body body) {
    const pid_t child = ::fork();
    if (child == 0) {
        try {
            body();
        } catch (...) {
            ::_exit(99);
        }
        ::_exit(0);
    }
    return child;
}

/// Runs `body` in a child process and waits for it; returns the wait status.
template <class Body>
int in_child(Body body) {
    const pid_t child = start_child(body);
    int status = 0;
    ::waitpid(child, &status, 0);
    return status;
}

/// Names in `directory` other than `target` must be write_file's hidden temp files, private
/// (0600) or, once its attributes were applied, with the requested mode.
void expect_only_temp_files_besides(const fs::path& directory, const std::string& target,
                                    mode_t requested_mode) {
    for (const auto& entry : fs::directory_iterator(directory)) {
        const std::string name = entry.path().filename().string();
        if (name != target) {
            EXPECT_TRUE(name.starts_with("." + target + ".tmp-")) << name;
            const auto mode = static_cast<mode_t>(fs::status(entry.path()).permissions());
            EXPECT_TRUE(mode == 0600 || mode == requested_mode) << name << std::oct << " " << mode;
        }
    }
}

TEST(RealHostCrash, KilledAtEachStepOfAWriteLeavesTheOldOrTheNewFile) {
    TempDir dir;
    const fs::path target = dir / "slurm.conf";
    int generation = 0;
    write_text(target, generation_content(generation));
    for (int round = 0; round < 10; ++round) {
        for (const WriteStep kill_at : kAllSteps) {
            const std::string old_content = generation_content(generation);
            const std::string new_content = generation_content(generation + 1);
            const int status = in_child([&] {
                RealHostOptions options;
                options.on_write_step = [kill_at](WriteStep step, const fs::path&) {
                    if (step == kill_at) {
                        ::raise(SIGKILL);
                    }
                };
                RealHost(options).write_file(target, new_content, own_attributes());
            });
            ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
                << "the child was not killed at step " << static_cast<int>(kill_at);
            const std::string content = read_text(target);
            if (kill_at >= WriteStep::Renamed) {
                ASSERT_EQ(content, new_content) << "step " << static_cast<int>(kill_at);
                ++generation;
            } else {
                ASSERT_EQ(content, old_content) << "step " << static_cast<int>(kill_at);
            }
            expect_only_temp_files_besides(dir.path(), "slurm.conf", 0644);
        }
    }
}

TEST(RealHostCrash, KilledAtRandomMomentsWhileWritingLargeFilesLeavesOneWholeGeneration) {
    TempDir dir;
    const fs::path target = dir / "state";
    const std::string first = std::string(2 * 1024 * 1024, 'a');
    const std::string second = std::string(2 * 1024 * 1024, 'b');
    write_text(target, first);
    const FileAttributes attributes = own_attributes();
    // Kill within twice the time a whole write takes here, so kills land on both sides of
    // the rename.
    const auto started = std::chrono::steady_clock::now();
    RealHost().write_file(target, first, attributes);
    const auto write_time = std::chrono::duration_cast<std::chrono::microseconds>(
        std::chrono::steady_clock::now() - started);
    std::mt19937 random(12345);
    std::uniform_int_distribution<int> delay_us(0, static_cast<int>(2 * write_time.count()) + 1000);
    int old_contents_seen = 0;
    int new_contents_seen = 0;
    for (int round = 0; round < 40; ++round) {
        const std::string before = read_text(target);
        const std::string& next = before == first ? second : first;
        const pid_t child = start_child([&] { RealHost().write_file(target, next, attributes); });
        ASSERT_GE(child, 0);
        ::usleep(static_cast<useconds_t>(delay_us(random)));
        ::kill(child, SIGKILL);
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        const std::string after = read_text(target);
        ASSERT_TRUE(after == first || after == second)
            << "round " << round << ": a mix of " << after.size() << " bytes";
        (after == before ? old_contents_seen : new_contents_seen) += 1;
        expect_only_temp_files_besides(dir.path(), "state", 0644);
    }
    EXPECT_GT(old_contents_seen, 0);
    EXPECT_GT(new_contents_seen, 0);
}

}  // namespace
