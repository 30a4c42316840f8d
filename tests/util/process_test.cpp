#include <gtest/gtest.h>

#include <slurmctld/util/process.hpp>

using slurmctld::util::ProcessOptions;
using slurmctld::util::run_process;

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

TEST(RunProcess, KillsAChildThatOutlivesItsTimeout) {
    ProcessOptions options;
    options.timeout = std::chrono::milliseconds(200);
    const auto result = run_process({"sleep", "30"}, options);
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.exit_code, 137);
}

TEST(RunProcess, PassesExtraEnvironment) {
    ProcessOptions options;
    options.env["SLURMCTLD_TEST_VALUE"] = "42";
    const auto result = run_process({"sh", "-c", "printf %s \"$SLURMCTLD_TEST_VALUE\""}, options);
    EXPECT_EQ(result.stdout_text, "42");
}

TEST(RunProcess, ThrowsWhenTheProgramDoesNotExist) {
    EXPECT_THROW(run_process({"no-such-program-slurmctld-test"}), std::system_error);
}
