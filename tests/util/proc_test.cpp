#include <algorithm>

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurmctld/util/proc.hpp>

#include "support/temp_dir.hpp"

namespace {

using namespace slurmctld::util;
using testing_support::TempDir;
using testing_support::write_text;

std::string stat_line(pid_t pid, const std::string& comm, char state, std::uint64_t start) {
    return std::to_string(pid) + " (" + comm + ") " + state +
           " 1 100 100 0 -1 4194560 0 0 0 0 7 5 0 0 20 0 1 0 " + std::to_string(start) +
           " 1000 10 18446744073709551615\n";
}

TEST(ProcStat, ParsesACommWithSpacesAndParentheses) {
    const auto stat = parse_proc_stat(stat_line(42, "a) (b c", 'S', 123456));
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->pid, 42);
    EXPECT_EQ(stat->comm, "a) (b c");
    EXPECT_EQ(stat->state, 'S');
    EXPECT_EQ(stat->ppid, 1);
    EXPECT_EQ(stat->pgrp, 100);
    EXPECT_EQ(stat->session, 100);
    EXPECT_EQ(stat->user_time, 7U);
    EXPECT_EQ(stat->system_time, 5U);
    EXPECT_EQ(stat->start_time, 123456U);
    EXPECT_FALSE(parse_proc_stat("42 (x) S 1 2"));
    EXPECT_FALSE(parse_proc_stat("garbage"));
}

TEST(ProcStat, ReadsThisProcess) {
    const auto stat = read_proc_stat(::getpid());
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->pid, ::getpid());
    EXPECT_EQ(stat->ppid, ::getppid());
    EXPECT_GT(stat->start_time, 0U);
}

TEST(ProcStat, ListsThePidsOfAProcDirectory) {
    TempDir proc;
    write_text(proc / "12/stat", "");
    write_text(proc / "345/stat", "");
    write_text(proc / "self/stat", "");
    auto pids = list_pids(proc.path());
    std::sort(pids.begin(), pids.end());
    EXPECT_EQ(pids, (std::vector<pid_t>{12, 345}));
    const auto live = list_pids();
    EXPECT_NE(std::find(live.begin(), live.end(), ::getpid()), live.end());
}

TEST(ProcessRecord, RoundTripsThroughItsTextForm) {
    const ProcessRecord record{1234, 987654321};
    EXPECT_EQ(format_process_record(record), "1234 987654321\n");
    EXPECT_EQ(parse_process_record(" 1234 987654321\n"), record);
    for (const char* bad : {"", "1234", "x 1", "1234 1 2", "-5 1", "0 1", "12 3x"}) {
        EXPECT_FALSE(parse_process_record(bad)) << bad;
    }
}

TEST(ProcessRecord, ARecordStopsMatchingWhenItsProcessExits) {
    const pid_t child = ::fork();
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    const auto record = record_process(child);
    ASSERT_TRUE(record);
    EXPECT_TRUE(is_running(*record));
    ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    EXPECT_FALSE(is_running(*record));
}

TEST(ProcessRecord, AReusedPidIsNotTheRecordedProcess) {
    // A /proc where PID 4242 now belongs to a process that started later.
    TempDir proc;
    write_text(proc / "4242/stat", stat_line(4242, "impostor", 'S', 2000));
    EXPECT_TRUE(is_running({4242, 2000}, proc.path()));
    EXPECT_FALSE(is_running({4242, 1000}, proc.path()));
    write_text(proc / "4242/stat", stat_line(4242, "zombie", 'Z', 2000));
    EXPECT_FALSE(is_running({4242, 2000}, proc.path()));
    EXPECT_FALSE(is_running({4343, 2000}, proc.path()));
}

}  // namespace
