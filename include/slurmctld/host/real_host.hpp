// The Host of a real machine: POSIX file operations done the crash-safe way and relative to
// directory descriptors opened without following symlinks, and programs run through
// util::run_process (argv, no shell) with a time limit each. Nothing here logs: command lines
// never carry secrets (keys travel in files), and file contents never appear in error messages.
#pragma once

#include <chrono>
#include <functional>
#include <map>

#include <slurmctld/host/host.hpp>
#include <slurmctld/util/files.hpp>
#include <slurmctld/util/process.hpp>

namespace slurmctld::host {

/// The steps of RealHost::write_file, in order (util::write_file_atomic_at's).
using WriteStep = util::AtomicWriteStep;

struct RealHostOptions {
    /// Directory holding systemctl, apt-get, ...; empty: looked up on PATH. Tests point it at
    /// stand-in scripts.
    fs::path program_directory;
    /// The only symlinks file operations go through: link path -> the one target it may point
    /// at (absolute; a relative link is taken from the link's directory). A path below a
    /// trusted link is resolved to that target when, and only when, the link points exactly
    /// there. Any other symlink in a path makes the operation fail.
    std::map<fs::path, fs::path> trusted_links;
    /// read_file refuses larger files (a planted huge file must not exhaust memory).
    std::size_t max_read_size = util::kMaxReadSize;

    // Time limits. A program still running at its limit is killed with what it started.
    /// As long as systemd's own default start timeout (DefaultTimeoutStartSec=90s).
    std::chrono::milliseconds systemctl_timeout{std::chrono::seconds(90)};
    /// apt-get downloads and unpacks packages: long, but bounded.
    std::chrono::milliseconds apt_get_timeout{std::chrono::minutes(10)};
    std::chrono::milliseconds dpkg_query_timeout{std::chrono::seconds(30)};
    /// A controller that accepts the connection but never answers would hang `scontrol` (and
    /// the hook). A healthy answer takes under a second; an unreachable controller costs the
    /// client about 10 s (MessageTimeout). A hook must not block longer on it.
    std::chrono::milliseconds scontrol_timeout{std::chrono::seconds(15)};
    /// rsync of StateSaveLocation: large clusters hold gigabytes of job scripts.
    std::chrono::milliseconds rsync_timeout{std::chrono::minutes(5)};
    std::chrono::milliseconds systemd_detect_virt_timeout{std::chrono::seconds(10)};
    /// measure_write_latency as a whole (a handful of fsyncs on a healthy file system take
    /// well under a second).
    std::chrono::milliseconds latency_probe_timeout{std::chrono::seconds(10)};

    /// The mount table read by mounts().
    fs::path mountinfo_path = "/proc/self/mountinfo";
    /// Test hook: runs in the forked child of measure_write_latency and check_responsive
    /// before it touches the file system (a test makes it hang like a dead NFS server).
    std::function<void()> in_probe_child;
    /// Test hook: called after each step of write_file with the temp file's path.
    std::function<void(WriteStep step, const fs::path& temp_path)> on_write_step;
};

class RealHost final : public Host {
  public:
    explicit RealHost(RealHostOptions options = {});

    /// apt-get runs with DEBIAN_FRONTEND=noninteractive: a hook has no terminal to answer prompts.
    SLURMCTLD_HOST_METHODS(SLURMCTLD_HOST_OVERRIDE)
    void run_concurrently(const std::vector<std::function<void()>>& tasks) override;

  private:
    /// An open directory and a name in it: where a path's last component lives.
    struct Location {
        util::UniqueFd directory;
        std::string name;
    };

    /// `path` with a trusted link among its directories (or, with `follow_last`, at its end)
    /// replaced by the link's target when the link points exactly there.
    fs::path through_trusted_links(const fs::path& path, bool follow_last);
    /// Opens `path` (already through trusted links) from "/" (or the working directory when
    /// relative) without following any symlink; invalid fd and errno on failure.
    util::UniqueFd open_path(const fs::path& path, int flags);
    /// The directory holding `path`'s last component, opened without following symlinks
    /// (trusted links in the directories are resolved). nullopt when that directory does not
    /// exist; HostError for a refused symlink or another failure.
    std::optional<Location> locate(const fs::path& path, const std::string& what, bool follow_last);
    /// locate(), but a missing directory is an error too.
    Location locate_existing(const fs::path& path, const std::string& what, bool follow_last);
    /// A path a forked probe opens: resolved and split before the fork.
    struct ProbeTarget {
        fs::path resolved;
        util::PreparedPath prepared;
    };
    Expected<ProbeTarget> probe_target(const fs::path& path, const std::string& what);
    void copy_entry(int from_directory, const std::string& from_name, int to_directory,
                    const std::string& to_name, const std::string& what);
    void remove_stale_probes(const fs::path& directory);

    CommandResult run(const std::string& program, const std::vector<std::string>& args,
                      std::chrono::milliseconds timeout, util::ProcessOptions process_options = {});

    RealHostOptions options_;
};

}  // namespace slurmctld::host
