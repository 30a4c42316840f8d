// Per-unit logs of a machine: what services write to stdout/stderr and what the init says about
// them ("Started ...", "Main process exited ..."), one line per entry with a timestamp, kept in
// /var/log/jujusim/<unit>.log on the machine's disk (so they survive a power cut, like a
// persistent journal, and can be read on the host in the machine's upper directory).
#pragma once

#include <filesystem>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <sys/types.h>

namespace jujusim::init {

namespace fs = std::filesystem;

/// One parsed log line.
struct LogEntry {
    std::string timestamp;  ///< ISO 8601 with microseconds, UTC: 2026-11-28T19:00:49.123456+00:00
    std::string host;
    std::string identifier;  ///< "slurmctld[123]" or "systemd[1]"
    std::string message;
    /// As `systemctl status` and `journalctl` print it: "Nov 28 19:00:49 host ident[pid]: msg".
    std::string short_format() const;
};

class LogStore {
  public:
    explicit LogStore(fs::path directory, std::string hostname);
    /// Appends one entry to the unit's log.
    void append(const std::string& unit, const std::string& identifier, pid_t pid,
                const std::string& message);
    const fs::path& directory() const { return directory_; }

  private:
    fs::path directory_;
    std::string hostname_;
    std::mutex mutex_;
    std::map<std::string, int> fds_;
};

fs::path unit_log_path(const fs::path& directory, const std::string& unit);
/// The last `count` entries of a unit's log (all when count < 0).
std::vector<LogEntry> read_unit_log(const fs::path& directory, const std::string& unit, int count);
LogEntry parse_log_line(const std::string& line);
std::string now_iso_timestamp();

}  // namespace jujusim::init
