#include <csignal>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include <slurmctld/util/proc.hpp>
#include <slurmctld/util/process.hpp>

#include "support/temp_dir.hpp"

using slurmctld::util::ProcessOptions;
using slurmctld::util::run_in_child;
using slurmctld::util::run_process;
using Clock = std::chrono::steady_clock;

TEST(RunProcess, CapturesStdoutStderrAndExitCode) {
    ProcessOptions options;
    options.stdin_data = "hello\n";
    const auto result = run_process({"sh", "-c", "cat; echo oops >&2; exit 3"}, options);
    EXPECT_EQ(result.exit_code, 3);
    EXPECT_EQ(result.stdout_text, "hello\n");
    EXPECT_EQ(result.stderr_text, "oops\n");
    EXPECT_FALSE(result.timed_out);
}

TEST(RunProcess, StdinIsClosedWhenNoDataIsGiven) {
    const auto result = run_process({"sh", "-c", "cat; echo done"});
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.stdout_text, "done\n");
}

TEST(RunProcess, DrainsLargeOutputOnBothPipes) {
    const auto result =
        run_process({"sh", "-c", "head -c 300000 /dev/zero; head -c 200000 /dev/zero >&2"});
    EXPECT_EQ(result.stdout_text.size(), 300000U);
    EXPECT_EQ(result.stderr_text.size(), 200000U);
}

TEST(RunProcess, KillsAChildThatOutlivesItsTimeoutAndSaysSo) {
    ProcessOptions options;
    options.timeout = std::chrono::milliseconds(200);
    const auto started = Clock::now();
    const auto result = run_process({"sleep", "30"}, options);
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.exit_code, 124);
    EXPECT_EQ(result.stderr_text,
              "sleep: no answer within 200 ms; killed with its process group\n");
}

TEST(RunProcess, ATimeoutKillsWhatTheChildStartedToo) {
    // The shell's background child keeps the output pipes open: killing the shell alone would
    // leave it running and the caller waiting.
    ProcessOptions options;
    options.timeout = std::chrono::milliseconds(300);
    const auto started = Clock::now();
    const auto result = run_process({"sh", "-c", "sleep 30 & echo $!; wait"}, options);
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
    ASSERT_TRUE(result.timed_out);
    const pid_t grandchild = std::stoi(result.stdout_text);
    bool gone = false;
    for (int i = 0; i < 200 && !gone; ++i) {
        const auto stat = slurmctld::util::read_proc_stat(grandchild);
        gone = !stat || stat->state == 'Z' || stat->comm != "sleep";
        if (!gone) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
    }
    EXPECT_TRUE(gone) << "the background sleep " << grandchild << " survived the timeout";
}

TEST(RunProcess, AChildThatClosesItsOutputAndHangsStillTimesOut) {
    ProcessOptions options;
    options.timeout = std::chrono::milliseconds(300);
    const auto result = run_process({"sh", "-c", "exec >&- 2>&-; sleep 30"}, options);
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.exit_code, 124);
}

TEST(RunProcess, ThereIsAlwaysATimeout) {
    EXPECT_EQ(ProcessOptions{}.timeout, slurmctld::util::kDefaultProcessTimeout);
    EXPECT_EQ(slurmctld::util::kDefaultProcessTimeout, std::chrono::seconds(60));
}

TEST(RunProcess, RunsInTheGivenDirectoryWithOnlyTheGivenEnvironment) {
    testing_support::TempDir dir;
    ProcessOptions options;
    options.working_directory = dir.path();
    options.inherit_environment = false;
    options.env["ONLY"] = "this";
    const auto result = run_process({"/usr/bin/env"}, options);
    EXPECT_EQ(result.stdout_text, "ONLY=this\n");
    const auto pwd = run_process({"/bin/pwd"}, options);
    EXPECT_EQ(pwd.stdout_text, dir.path().string() + "\n");
}

TEST(RunProcess, PassesExtraEnvironment) {
    ProcessOptions options;
    options.env["SLURMCTLD_TEST_VALUE"] = "42";
    const auto result = run_process({"sh", "-c", "printf %s \"$SLURMCTLD_TEST_VALUE\""}, options);
    EXPECT_EQ(result.stdout_text, "42");
}

TEST(RunProcess, FeedsStdinLargerThanAPipeWhileDrainingOutput) {
    ProcessOptions options;
    options.stdin_data = std::string(1 << 20, 'x');
    const auto result = run_process({"sh", "-c", "cat; cat /dev/null >&2"}, options);
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.stdout_text.size(), std::size_t{1} << 20);
}

TEST(RunProcess, AChildThatIgnoresItsStdinEndsWithoutASignalToTheCaller) {
    ProcessOptions options;
    options.stdin_data = std::string(1 << 20, 'x');
    const auto result = run_process({"sh", "-c", "exec 0<&-; echo gone"}, options);
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.stdout_text, "gone\n");
}

TEST(RunProcess, TheChildStartsWithDefaultSignalsWhateverTheCallerIgnores) {
    const auto previous = std::signal(SIGTERM, SIG_IGN);
    const auto result = run_process({"sh", "-c", "kill -TERM $$; echo survived"});
    std::signal(SIGTERM, previous);
    EXPECT_EQ(result.exit_code, 128 + SIGTERM);
    EXPECT_EQ(result.stdout_text, "");
}

TEST(RunProcess, TheProgramRunsWithThePathItWasFoundAtAsItsName) {
    // apt-get records its argv[0] in /var/log/apt/history.log; ps shows it.
    const auto result = run_process({"sh", "-c", "head -c 100 /proc/$$/cmdline | tr '\\0' ' '"});
    EXPECT_EQ(result.stdout_text.rfind('/', 0), 0U) << result.stdout_text;
    EXPECT_NE(result.stdout_text.find("/sh -c "), std::string::npos) << result.stdout_text;
}

TEST(RunProcess, ThrowsWhenTheProgramDoesNotExist) {
    EXPECT_THROW(run_process({"no-such-program-slurmctld-test"}), std::system_error);
}

TEST(RunInChild, ReturnsWhatTheChildWroteAndItsExitCode) {
    const auto result = run_in_child(
        [](int out) {
            const char text[] = "answer";
            return ::write(out, text, sizeof text - 1) == sizeof text - 1 ? 7 : 1;
        },
        std::chrono::seconds(10));
    EXPECT_FALSE(result.timed_out);
    EXPECT_EQ(result.exit_code, 7);
    EXPECT_EQ(result.output, "answer");
}

TEST(RunInChild, KillsAChildThatHangs) {
    const auto started = Clock::now();
    const auto result = run_in_child(
        [](int) {
            ::pause();
            return 0;
        },
        std::chrono::milliseconds(200));
    EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
    EXPECT_TRUE(result.timed_out);
    EXPECT_TRUE(result.reaped);
    EXPECT_EQ(result.exit_code, 124);
}

TEST(RunInChild, AChildThatClosesItsOutputAndHangsStillTimesOut) {
    const auto result = run_in_child(
        [](int out) {
            ::close(out);
            ::pause();
            return 0;
        },
        std::chrono::milliseconds(200));
    EXPECT_TRUE(result.timed_out);
}

TEST(RunInChild, ASignalEndsAs128PlusItsNumber) {
    const auto result = run_in_child(
        [](int) {
            ::raise(SIGTERM);
            return 0;
        },
        std::chrono::seconds(10));
    EXPECT_EQ(result.exit_code, 128 + SIGTERM);
}

TEST(FindOnPath, LooksAsExecvpDoes) {
    using slurmctld::util::find_on_path;
    using slurmctld::util::path_candidates;
    using Paths = std::vector<std::string>;
    EXPECT_EQ(path_candidates("ls", "/usr/bin::/bin"), (Paths{"/usr/bin/ls", "./ls", "/bin/ls"}));
    EXPECT_EQ(path_candidates("./x", "/usr/bin"), Paths{"./x"});
    testing_support::TempDir dir("path");
    const auto first = dir / "first";
    const auto second = dir / "second";
    std::filesystem::create_directories(first / "tool");  // a directory is not a program
    std::filesystem::create_directories(second);
    testing_support::write_text(second / "tool", "#!/bin/sh\n");
    std::filesystem::permissions(second / "tool", std::filesystem::perms::owner_all);
    const std::string search = first.string() + ":" + second.string();
    EXPECT_EQ(find_on_path("tool", search), (second / "tool").string());
    EXPECT_EQ(find_on_path("missing", search), std::nullopt);
}
