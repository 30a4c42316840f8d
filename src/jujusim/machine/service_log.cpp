#include "service_log.hpp"

#include <cstdio>
#include <ctime>
#include <deque>
#include <fstream>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

namespace jujusim::init {

namespace {
constexpr off_t kRotateBytes = 32 << 20;  // keep one older file of this size
}

std::string now_iso_timestamp() {
    timeval now{};
    ::gettimeofday(&now, nullptr);
    std::tm utc{};
    ::gmtime_r(&now.tv_sec, &utc);
    char text[64];
    std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld+00:00",
                  utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                  utc.tm_sec, static_cast<long>(now.tv_usec));
    return text;
}

std::string LogEntry::short_format() const {
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::string when = timestamp;
    if (timestamp.size() >= 19) {
        const int month = std::stoi(timestamp.substr(5, 2));
        when = std::string(months[(month + 11) % 12]) + " " + timestamp.substr(8, 2) + " " +
               timestamp.substr(11, 8);
    }
    return when + " " + host + " " + identifier + ": " + message;
}

fs::path unit_log_path(const fs::path& directory, const std::string& unit) {
    return directory / (unit + ".log");
}

LogEntry parse_log_line(const std::string& line) {
    LogEntry entry;
    const auto first = line.find(' ');
    const auto second = first == std::string::npos ? first : line.find(' ', first + 1);
    const auto colon = second == std::string::npos ? second : line.find(": ", second + 1);
    if (colon == std::string::npos) {
        entry.message = line;
        return entry;
    }
    entry.timestamp = line.substr(0, first);
    entry.host = line.substr(first + 1, second - first - 1);
    entry.identifier = line.substr(second + 1, colon - second - 1);
    entry.message = line.substr(colon + 2);
    return entry;
}

std::vector<LogEntry> read_unit_log(const fs::path& directory, const std::string& unit, int count) {
    std::deque<std::string> lines;
    for (const auto& path : {fs::path(unit_log_path(directory, unit).string() + ".1"),
                             unit_log_path(directory, unit)}) {
        std::ifstream in(path);
        std::string line;
        while (std::getline(in, line)) {
            lines.push_back(line);
            if (count >= 0 && lines.size() > static_cast<size_t>(count)) {
                lines.pop_front();
            }
        }
    }
    std::vector<LogEntry> entries;
    for (const auto& line : lines) {
        entries.push_back(parse_log_line(line));
    }
    return entries;
}

LogStore::LogStore(fs::path directory, std::string hostname)
    : directory_(std::move(directory)), hostname_(std::move(hostname)) {
    std::error_code ec;
    fs::create_directories(directory_, ec);
}

void LogStore::append(const std::string& unit, const std::string& identifier, pid_t pid,
                      const std::string& message) {
    std::string line = now_iso_timestamp() + " " + hostname_ + " " + identifier;
    if (pid > 0) {
        line += "[" + std::to_string(pid) + "]";
    }
    line += ": " + message + "\n";
    std::lock_guard lock(mutex_);
    int& fd = fds_[unit];
    const fs::path path = unit_log_path(directory_, unit);
    if (fd > 0) {
        struct stat st {};
        if (::fstat(fd, &st) == 0 && st.st_size > kRotateBytes) {
            ::close(fd);
            fd = 0;
            std::error_code ec;
            fs::rename(path, path.string() + ".1", ec);
        }
    }
    if (fd <= 0) {
        fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (fd < 0) {
            fd = 0;
            return;
        }
    }
    [[maybe_unused]] const auto written = ::write(fd, line.data(), line.size());
}

}  // namespace jujusim::init
