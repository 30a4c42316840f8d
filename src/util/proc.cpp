#include <charconv>

#include <slurmctld/util/files.hpp>
#include <slurmctld/util/proc.hpp>
#include <slurmctld/util/strings.hpp>

namespace slurmctld::util {

namespace {

template <class Number>
bool parse_number(std::string_view text, Number& value) {
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    return error == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(std::string_view text) {
    // comm may contain spaces and parentheses: it runs from the first '(' to the last ')'.
    const auto open = text.find('(');
    const auto close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
        return std::nullopt;
    }
    ProcStat stat;
    if (!parse_number(trim(text.substr(0, open)), stat.pid)) {
        return std::nullopt;
    }
    stat.comm = std::string(text.substr(open + 1, close - open - 1));
    const auto fields = split_fields(text.substr(close + 1));
    // fields[0] is field 3 (state); utime, stime and starttime are fields 14, 15 and 22.
    constexpr std::size_t kUserTime = 14 - 3;
    constexpr std::size_t kSystemTime = 15 - 3;
    constexpr std::size_t kStartTime = 22 - 3;
    if (fields.size() <= kStartTime || fields[0].size() != 1) {
        return std::nullopt;
    }
    stat.state = fields[0][0];
    if (!parse_number(fields[1], stat.ppid) || !parse_number(fields[2], stat.pgrp) ||
        !parse_number(fields[3], stat.session) ||
        !parse_number(fields[kUserTime], stat.user_time) ||
        !parse_number(fields[kSystemTime], stat.system_time) ||
        !parse_number(fields[kStartTime], stat.start_time)) {
        return std::nullopt;
    }
    return stat;
}

std::optional<ProcStat> read_proc_stat(pid_t pid, const std::filesystem::path& proc) {
    if (pid <= 0) {
        return std::nullopt;
    }
    std::optional<std::string> text;
    try {
        text = read_regular_file(proc / std::to_string(pid) / "stat");
    } catch (const FileError&) {
        return std::nullopt;  // e.g. ESRCH while the process is being reaped
    }
    return text ? parse_proc_stat(*text) : std::nullopt;
}

std::vector<pid_t> list_pids(const std::filesystem::path& proc) {
    std::vector<pid_t> pids;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(proc, error)) {
        pid_t pid = 0;
        if (parse_number(entry.path().filename().string(), pid) && pid > 0) {
            pids.push_back(pid);
        }
    }
    return pids;
}

std::optional<ProcessRecord> record_process(pid_t pid, const std::filesystem::path& proc) {
    const auto stat = read_proc_stat(pid, proc);
    if (!stat) {
        return std::nullopt;
    }
    return ProcessRecord{stat->pid, stat->start_time};
}

bool is_running(const ProcessRecord& record, const std::filesystem::path& proc) {
    const auto stat = read_proc_stat(record.pid, proc);
    return stat && stat->start_time == record.start_time && stat->state != 'Z' &&
           stat->state != 'X';
}

std::string format_process_record(const ProcessRecord& record) {
    return std::to_string(record.pid) + " " + std::to_string(record.start_time) + "\n";
}

std::optional<ProcessRecord> parse_process_record(std::string_view text) {
    const auto fields = split_fields(text);
    ProcessRecord record;
    if (fields.size() != 2 || !parse_number(fields[0], record.pid) || record.pid <= 0 ||
        !parse_number(fields[1], record.start_time)) {
        return std::nullopt;
    }
    return record;
}

}  // namespace slurmctld::util
