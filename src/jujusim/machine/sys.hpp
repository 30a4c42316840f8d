// Low-level Linux helpers of the machine layer: pid files, and process spawning
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
#include <slurmctld/util/fd.hpp>
#include <slurmctld/util/files.hpp>
#include <slurmctld/util/proc.hpp>

namespace jujusim {
namespace util = slurmctld::util;
}

namespace jujusim::sys {

namespace fs = std::filesystem;

/// std::system_error from errno, with `what` naming the operation and the object.
[[noreturn]] void throw_errno(const std::string& what);
std::system_error errno_error(const std::string& what);

/// A long-lived process of ours (a machine's init, a network's holder) recorded in a pid file
/// as util's pid-and-start-time record, so that a later jujusim process finds it again and
/// never mistakes a process that reused the PID for it.
struct RecordedProcess {
    util::ProcessRecord process;
    bool is_child = false;  ///< ours to reap (we forked it in this process)
};
/// Records `pid`, a child of this process, in `file` (atomically) and returns the record.
RecordedProcess record_process(const fs::path& file, pid_t pid);
/// The process `file` records, while it is still running.
std::optional<RecordedProcess> find_recorded_process(const fs::path& file);

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

/// A machine's exec request, to be run at `place` (in the namespaces of `target_pid`).
SpawnOptions spawn_options(const ExecRequest& request, SpawnPlace place, pid_t target_pid = 0);

/// Runs a program and waits for it (and for its output pipes, at most a short grace period
/// after it exited, so a daemon it left behind holding stdout cannot block the caller).
///
/// Not util::run_process: that runs a program as the caller (Boost.Process), while this one
/// enters a machine's namespaces (or a private mount namespace and chroot) in the forked child
/// before exec, which must happen between fork and exec; in a PID namespace the program runs
/// in a grandchild whose PID is passed back for the time limit. It also streams output line
/// by line (hook output reaches debug.log as it is written) and returns shortly after the
/// program exits even when a daemon it started still holds its output open.
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
