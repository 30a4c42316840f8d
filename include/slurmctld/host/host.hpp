// The charm's only door to the machine it runs on. Files are typed operations (every write is
// atomic); programs are one method per command, 1:1 with its command line, returning what the
// command printed. RealHost (real_host.hpp) does it for real; tests use FakeHost
// (tests/support/fake_host.hpp), which keeps a model of files, services, packages and Slurm.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include <slurmctld/util/http.hpp>
#include <slurmctld/util/result.hpp>

namespace slurmctld::host {

namespace fs = std::filesystem;

/// Owner, group and mode a file or directory must have. Names are resolved when applied.
struct FileAttributes {
    std::string owner = "root";
    std::string group = "root";
    mode_t mode = 0644;
};

enum class FileType { Missing, Regular, Directory, Symlink, Other };

struct FileStatus {
    FileType type = FileType::Missing;
    mode_t mode = 0;  ///< permission bits only
    uid_t uid = 0;
    gid_t gid = 0;
    std::uintmax_t size = 0;
    std::chrono::system_clock::time_point mtime{};
};

/// One line of /proc/self/mountinfo.
struct MountInfo {
    std::string mount_point;
    std::string root;  ///< path inside the mounted file system (bind mounts)
    std::string fs_type;
    std::string source;
    std::string options;
};

/// The exit code of a command killed at its time limit (as timeout(1) reports it); its stderr
/// then ends with a line naming the program and the limit.
inline constexpr int kCommandTimedOut = 124;

/// What a command printed and how it ended. A program that cannot be started at all ends
/// with exit code 127 (as in a shell) and says why on stderr; one that outlives its time limit
/// is killed and ends with kCommandTimedOut.
struct CommandResult {
    int exit_code = 0;
    std::string stdout_text;
    std::string stderr_text;
    bool ok() const { return exit_code == 0; }
};

/// A host operation failed; the message names the path (or command) and the reason.
class HostError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Every Host method: X(return type, name, (parameters)), under what it does. Host below and each
/// implementation (RealHost, the tests' FakeHost) declare their methods from this one list with
/// SLURMCTLD_HOST_OVERRIDE, so a method is added or changed in one place. Types are named as in
/// namespace slurmctld::host.
#define SLURMCTLD_HOST_METHODS(X)                                                                  \
    /* ---- files */                                                                               \
    /* Status of the final component itself (lstat); type Missing when it does not exist. */       \
    X(FileStatus, status, (const fs::path& path))                                                  \
    /* Contents of a regular file; nullopt when it does not exist. Opened without blocking */      \
    /* (a FIFO is refused, not waited on) and read up to a size limit. */                          \
    X(std::optional<std::string>, read_file, (const fs::path& path))                               \
    /* Temp file in the same directory, write + fsync, owner and mode set, rename over */          \
    /* `path`, fsync the directory. Readers see the old file or the new one, never a mix. */       \
    X(void, write_file,                                                                            \
      (const fs::path& path, std::string_view content, const FileAttributes& attributes))          \
    /* mkdir -p; the last component gets `attributes` (parents: root 0755), also when it */        \
    /* exists. Owner and mode are set on the opened directory, never through a path. */            \
    X(void, make_directories, (const fs::path& path, const FileAttributes& attributes))            \
    /* mkdir(2) of one new directory with `attributes`; fails when anything exists at `path` */    \
    /* (so a directory planted there is never taken for the caller's own). */                      \
    X(void, create_directory, (const fs::path& path, const FileAttributes& attributes))            \
    /* unlink(2) of a file or symlink; nothing to do when it does not exist. */                    \
    /* Refuses directories. */                                                                     \
    X(void, remove_file, (const fs::path& path))                                                   \
    /* rm -r without following any symlink (a link is removed, not what it points at) and */       \
    /* without entering another file system; nothing to do when `path` does not exist. */          \
    X(void, remove_tree, (const fs::path& path))                                                   \
    /* rename(2); both paths on one file system. */                                                \
    X(void, rename, (const fs::path& from, const fs::path& to))                                    \
    /* Entry names in a directory, sorted; empty when it does not exist. */                        \
    X(std::vector<std::string>, list_directory, (const fs::path& path))                            \
    /* Target of a symlink; nullopt when `path` is not a symlink. */                               \
    X(std::optional<fs::path>, read_symlink, (const fs::path& path))                               \
    /* Points `link` at `target` atomically (symlink to a temp name, rename over `link`). */       \
    /* `link` must not be a real directory (move that away first). */                              \
    X(void, replace_with_symlink, (const fs::path& link, const fs::path& target))                  \
    /* Copies a tree keeping owners, modes, times and symlinks (cp -a semantics; symlinks */       \
    /* inside are copied as symlinks, `from` itself only through a trusted link). The */           \
    /* destination must not exist; it is built under a temp name and renamed into place. */        \
    X(void, copy_tree, (const fs::path& from, const fs::path& to))                                 \
    /* Turns the real directory `directory` into a symlink to `target` in one step (renameat2 */   \
    /* RENAME_EXCHANGE with a temp symlink), then moves the old directory to `backup`. Readers */  \
    /* see the directory or the symlink, never nothing (/etc/slurm during the HA migration). */    \
    X(void, swap_directory_for_symlink,                                                            \
      (const fs::path& directory, const fs::path& target, const fs::path& backup))                 \
    /* Writes `samples` small files in a private directory of its own under `directory`, each */   \
    /* made durable like Slurm saves state (write, fsync, rename, fsync the directory), and */     \
    /* returns how long each took; everything is removed afterwards. Probes by several */          \
    /* machines at once never collide. Runs aside with a time limit: a hung file system ends in */ \
    /* a Failure, never in a blocked caller. */                                                    \
    X(Expected<std::vector<std::chrono::microseconds>>, measure_write_latency,                     \
      (const fs::path& directory, int samples))                                                    \
    /* Whether `path` answers within `timeout`: it is looked up and, for a directory, listed, */   \
    /* for a regular file, read from, aside, so that a hung mount ends in a Failure instead of */  \
    /* a blocked hook. Missing or refused (a symlink) is a Failure too. */                         \
    X(Expected<void>, check_responsive, (const fs::path& path, std::chrono::milliseconds timeout)) \
    /* Mount table of this machine (/proc/self/mountinfo). */                                      \
    X(std::vector<MountInfo>, mounts, ())                                                          \
    /* Short host name (up to the first dot), as Slurm compares it with SlurmctldHost. */          \
    X(std::string, short_hostname, ())                                                             \
    /* ---- time */                                                                                \
    /* Local wall-clock time (backup suffixes, timestamps). */                                     \
    X(std::chrono::system_clock::time_point, now, ())                                              \
    /* A monotonic clock for deadlines and waits. */                                               \
    X(std::chrono::steady_clock::time_point, steady_now, ())                                       \
    /* Waits. Every wait of the charm goes through here, so tests run a 30 s wait at once. */      \
    X(void, sleep_for, (std::chrono::milliseconds duration))                                       \
    /* ---- network */                                                                             \
    /* Whether a TCP connection to `host_name`:`port` is accepted within `timeout` (the name */    \
    /* resolved as the machine resolves it). */                                                    \
    X(bool, can_connect,                                                                           \
      (const std::string& host_name, int port, std::chrono::milliseconds timeout))                 \
    /* One HTTP request to `host_name`:`port` (util::http::send), answered within `timeout`: */    \
    /* the influxdb integration's calls to the InfluxDB API. A failure names the endpoint, */      \
    /* never the request (it carries credentials). */                                              \
    X(Expected<util::http::Response>, http_request,                                                \
      (const std::string& host_name, int port, const util::http::Request& request,                 \
       std::chrono::milliseconds timeout))                                                         \
    /* ---- programs (1:1 with their command lines, arguments after the program name) */           \
    /* Each has a time limit (RealHostOptions); past it the program and what it started are */     \
    /* killed and the result is kCommandTimedOut. */                                               \
    X(CommandResult, systemctl, (const std::vector<std::string>& args))                            \
    X(CommandResult, apt_get, (const std::vector<std::string>& args))                              \
    X(CommandResult, dpkg_query, (const std::vector<std::string>& args))                           \
    X(CommandResult, scontrol, (const std::vector<std::string>& args))                             \
    /* `SLURM_CONF=<slurm_conf> scontrol <args>`: asks the controllers that file names (the */     \
    /* charm uses a copy of slurm.conf naming only this unit's controller to learn whether it */   \
    /* is the one in control). */                                                                  \
    X(CommandResult, scontrol_with_config,                                                         \
      (const fs::path& slurm_conf, const std::vector<std::string>& args))                          \
    X(CommandResult, rsync, (const std::vector<std::string>& args))                                \
    X(CommandResult, systemd_detect_virt, (const std::vector<std::string>& args))

#define SLURMCTLD_HOST_PURE_VIRTUAL(type, name, params) virtual type name params = 0;
#define SLURMCTLD_HOST_OVERRIDE(type, name, params) type name params override;

/// Files: no file operation follows a symlink, in the directories of a path or at its end,
/// except a trusted link (RealHostOptions::trusted_links) that points exactly where it may.
/// The operations that deal with links on purpose (status, read_symlink, replace_with_symlink,
/// swap_directory_for_symlink, rename, remove_file, remove_tree) act on a final symlink itself.
/// A refused symlink, a FIFO where a file is read, a file larger than the read limit: HostError.
class Host {
  public:
    virtual ~Host() = default;

    SLURMCTLD_HOST_METHODS(SLURMCTLD_HOST_PURE_VIRTUAL)

    // ---- checks at the same time -------------------------------------------------------
    /// Runs independent checks (each a program or a read, with its own time limit) and returns
    /// when all have: RealHost runs them at the same time, so a hook waits for the slowest
    /// instead of their sum. Here, one after the other, in order: what a fake needs (its
    /// model is not shared between threads). An exception of a task is rethrown after all
    /// have ended (the first, in task order).
    virtual void run_concurrently(const std::vector<std::function<void()>>& tasks);
};

}  // namespace slurmctld::host
