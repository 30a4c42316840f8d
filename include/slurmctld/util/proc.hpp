// Processes as /proc shows them, and records that name one process for good: a PID alone can
// be reused by an unrelated process after the first exits, so a record also keeps the start
// time (field 22 of /proc/<pid>/stat), which no later process with that PID can share.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

namespace slurmctld::util {

/// The fields of /proc/<pid>/stat (proc(5)) that callers use.
struct ProcStat {
    pid_t pid = 0;
    std::string comm;  ///< field 2 without its parentheses (may hold spaces and ')')
    char state = '?';  ///< R, S, D, Z, T, ...
    pid_t ppid = 0;
    pid_t pgrp = 0;
    pid_t session = 0;
    std::uint64_t user_time = 0;    ///< CPU time in user mode, clock ticks (field 14, utime)
    std::uint64_t system_time = 0;  ///< CPU time in kernel mode, clock ticks (field 15, stime)
    std::uint64_t start_time = 0;   ///< clock ticks after boot (field 22)
};

/// Parses the text of a /proc/<pid>/stat file; nullopt when it is malformed.
std::optional<ProcStat> parse_proc_stat(std::string_view text);
/// /proc/<pid>/stat of a live (or zombie) process; nullopt when there is none.
std::optional<ProcStat> read_proc_stat(pid_t pid, const std::filesystem::path& proc = "/proc");

/// The PIDs listed in a /proc directory, in no particular order.
std::vector<pid_t> list_pids(const std::filesystem::path& proc = "/proc");

/// One process, for good: its PID and when it started.
struct ProcessRecord {
    pid_t pid = 0;
    std::uint64_t start_time = 0;

    bool operator==(const ProcessRecord&) const = default;
};

/// The record of a running process; nullopt when `pid` does not exist.
std::optional<ProcessRecord> record_process(pid_t pid, const std::filesystem::path& proc = "/proc");
/// True while the recorded process runs: same PID, same start time, not a zombie.
bool is_running(const ProcessRecord& record, const std::filesystem::path& proc = "/proc");

/// "<pid> <start time>\n", the form pid files hold.
std::string format_process_record(const ProcessRecord& record);
/// The inverse of format_process_record (surrounding whitespace allowed); nullopt otherwise.
std::optional<ProcessRecord> parse_process_record(std::string_view text);

}  // namespace slurmctld::util
