// Low-level Linux helpers of the machine layer: owned fds, /proc readers, and process spawning
// with a pre-exec step (enter a machine's namespaces, or a private mount namespace + chroot).
// Spawning may happen from a multi-threaded process (the controller), so everything the child
// needs is prepared before fork() and the child makes only async-signal-safe system calls.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <sys/types.h>

#include <jujusim/machine.hpp>

namespace jujusim::sys {

namespace fs = std::filesystem;

/// An owned file descriptor (closed on destruction).
class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) {
            reset(other.release());
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }
    void reset(int fd = -1);
    explicit operator bool() const { return fd_ >= 0; }

  private:
    int fd_ = -1;
};

/// std::system_error from errno, with `what` naming the operation and the object.
[[noreturn]] void throw_errno(const std::string& what);
std::system_error errno_error(const std::string& what);

/// pipe2(O_CLOEXEC): {read end, write end}.
std::pair<UniqueFd, UniqueFd> make_pipe();

/// Fields of /proc/<pid>/stat we use. `start_time` (clock ticks since boot) tells a process
/// from a later one that reused its PID.
struct ProcStat {
    pid_t pid = 0;
    std::string comm;
    char state = '?';
    pid_t ppid = 0;
    pid_t pgrp = 0;
    pid_t session = 0;
    unsigned long long start_time = 0;
};
std::optional<ProcStat> read_proc_stat(pid_t pid, const fs::path& proc = "/proc");
/// PIDs listed in a /proc directory.
std::vector<pid_t> list_pids(const fs::path& proc = "/proc");

/// True while `pid` exists, is not a zombie and (when given) has this start time.
bool process_alive(pid_t pid, std::optional<unsigned long long> start_time = std::nullopt);

/// A long-lived process of ours (a machine's init, a network's holder) recorded in a pid file as
/// "<pid> <start time>", so that a later jujusim process finds it again and never mistakes a
/// process that reused the PID for it.
struct RecordedProcess {
    pid_t pid = 0;
    unsigned long long start_time = 0;
    bool is_child = false;  ///< ours to reap (we forked it in this process)
};
/// Records `pid`, a child of this process, in `file` (atomically) and returns the record.
RecordedProcess record_process(const fs::path& file, pid_t pid);
/// The process `file` records, while it is still alive.
std::optional<RecordedProcess> find_recorded_process(const fs::path& file);

/// Reads the whole file; nullopt when it cannot be opened.
std::optional<std::string> read_file(const fs::path& path);
/// Writes via a temp file in the same directory, fsync, rename (readers see old or new).
void write_file_atomic(const fs::path& path, const std::string& content, mode_t mode = 0644);

/// Where a spawned program runs.
enum class SpawnPlace {
    Host,               ///< as the caller
    MachineNamespaces,  ///< PID, mount, UTS, IPC and network namespace and root of `target_pid`
    NetworkNamespace,   ///< only the network namespace of `target_pid` (host programs)
    PrivateMounts,      ///< new private mount namespace (mounts it leaves vanish with it)
    PrivateChroot,      ///< new private mount namespace, /proc and /dev mounted in `root`, chroot
};

struct SpawnOptions {
    std::vector<std::string> argv;
    std::vector<std::string> env;  ///< the whole environment, "NAME=value"
    fs::path cwd = "/";
    std::optional<std::string> stdin_data;  ///< nullopt: /dev/null
    std::optional<std::chrono::milliseconds> timeout;
    /// Each complete line (without '\n'); unset: output is collected.
    std::function<void(const std::string& line, bool is_stderr)> on_output;
    SpawnPlace place = SpawnPlace::Host;
    pid_t target_pid = 0;
    fs::path root;  ///< PrivateChroot
    /// PATH used to find argv[0] when it has no '/' (the environment's PATH when unset).
    std::optional<std::string> search_path;
};

/// Runs a program and waits for it (and for its output pipes, at most a short grace period
/// after it exited, so a daemon it left behind holding stdout cannot block the caller).
ExecResult spawn_and_wait(const SpawnOptions& options);

/// A long-lived process started in new namespaces (a machine's init, a network holder).
struct DaemonOptions {
    std::vector<std::string> argv;  ///< argv[0] must be an absolute path
    std::vector<std::string> env;
    int clone_flags = 0;  ///< CLONE_NEW* flags
    fs::path log_path;    ///< stdout and stderr, appended
    /// Descriptors passed to the child at these numbers (>= 3), in order.
    std::vector<int> pass_fds;
};
/// Returns the child's PID (a direct child of the caller, who must reap it).
pid_t start_daemon(const DaemonOptions& options);

/// Mounts `host_dir` (a detached clone of it: open_tree) at `machine_path` inside the mount
/// namespace of `pid`, creating the mount point. Throws std::system_error.
void bind_into_namespace(pid_t pid, const fs::path& host_dir, const fs::path& machine_path);
/// Detaches whatever is mounted at `machine_path` in the mount namespace of `pid`.
void unmount_in_namespace(pid_t pid, const fs::path& machine_path);

/// Waits for a direct child to exit (reaping it); returns false on timeout.
bool wait_child(pid_t pid, std::chrono::milliseconds timeout);

}  // namespace jujusim::sys
