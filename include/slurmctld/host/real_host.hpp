// The Host of a real machine: POSIX file operations done the crash-safe way, and programs run
// through util::run_process (argv, no shell). Nothing here logs: command lines never carry
// secrets (keys travel in files), and file contents never appear in error messages.
#pragma once

#include <chrono>
#include <functional>

#include <slurmctld/host/host.hpp>
#include <slurmctld/util/process.hpp>

namespace slurmctld::host {

/// The steps of RealHost::write_file, in order. Tests stop the write at each step to show that
/// a crash leaves the old file or the new one, never a mix.
enum class WriteStep {
    TempCreated,      ///< empty temp file, 0600, next to the target
    PartlyWritten,    ///< first chunk of the content written
    Written,          ///< all content written
    AttributesSet,    ///< owner, group and mode applied to the temp file
    Synced,           ///< temp file fsynced and closed
    Renamed,          ///< temp file renamed over the target
    DirectorySynced,  ///< directory fsynced: the write is durable
};

struct RealHostOptions {
    /// Directory holding systemctl, apt-get, ...; empty: looked up on PATH. Tests point it at
    /// stand-in scripts.
    fs::path program_directory;
    /// A controller that accepts the connection but never answers would hang `scontrol` (and
    /// the hook) forever. 60 s is well above a healthy answer (under a second) and the worst
    /// the client does on its own (about 10 s of connect retries per controller with the
    /// default MessageTimeout), and well below the 5-minute update-status period.
    std::chrono::milliseconds scontrol_timeout{std::chrono::seconds(60)};
    /// The mount table read by mounts().
    fs::path mountinfo_path = "/proc/self/mountinfo";
    /// Test hook: called after each step of write_file with the temp file's path.
    std::function<void(WriteStep step, const fs::path& temp_path)> on_write_step;
};

class RealHost final : public Host {
  public:
    explicit RealHost(RealHostOptions options = {});

    FileStatus status(const fs::path& path) override;
    std::optional<std::string> read_file(const fs::path& path) override;
    void write_file(const fs::path& path, std::string_view content,
                    const FileAttributes& attributes) override;
    void make_directories(const fs::path& path, const FileAttributes& attributes) override;
    void remove_file(const fs::path& path) override;
    void rename(const fs::path& from, const fs::path& to) override;
    std::vector<std::string> list_directory(const fs::path& path) override;
    std::optional<fs::path> read_symlink(const fs::path& path) override;
    void replace_with_symlink(const fs::path& link, const fs::path& target) override;
    void copy_tree(const fs::path& from, const fs::path& to) override;
    void swap_directory_for_symlink(const fs::path& directory, const fs::path& target,
                                    const fs::path& backup) override;
    std::vector<std::chrono::microseconds> measure_write_latency(const fs::path& directory,
                                                                 int samples) override;
    std::vector<MountInfo> mounts() override;
    std::string short_hostname() override;
    std::chrono::system_clock::time_point now() override;
    std::chrono::steady_clock::time_point steady_now() override;
    void sleep_for(std::chrono::milliseconds duration) override;
    bool can_connect(const std::string& host_name, int port,
                     std::chrono::milliseconds timeout) override;

    CommandResult systemctl(const std::vector<std::string>& args) override;
    /// Runs with DEBIAN_FRONTEND=noninteractive: a hook has no terminal to answer prompts.
    CommandResult apt_get(const std::vector<std::string>& args) override;
    CommandResult dpkg_query(const std::vector<std::string>& args) override;
    /// Killed after RealHostOptions::scontrol_timeout (exit code 137, reason on stderr).
    CommandResult scontrol(const std::vector<std::string>& args) override;
    CommandResult scontrol_with_config(const fs::path& slurm_conf,
                                       const std::vector<std::string>& args) override;
    CommandResult rsync(const std::vector<std::string>& args) override;
    CommandResult systemd_detect_virt(const std::vector<std::string>& args) override;

  private:
    CommandResult run(const std::string& program, const std::vector<std::string>& args,
                      const util::ProcessOptions& process_options = {});
    void notify(WriteStep step, const fs::path& temp_path) const;

    RealHostOptions options_;
};

}  // namespace slurmctld::host
