// Low-level Linux helpers of the machine layer: pid files, long-lived daemons in new namespaces,
// mounts inside a machine, and the steps every fork/exec here takes in the child. Forking may
// happen in a multi-threaded process (the controller), so everything a child needs is prepared
// before fork() and the child makes only async-signal-safe system calls.
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

/// A new 128-bit id as systemd writes one (/etc/machine-id, a service's InvocationID): 32
/// lower-case hexadecimal digits.
std::string random_id128();

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

/// A long-lived process in a session of its own (a machine's init, a network holder, a model's
/// controller), stdin from /dev/null, stdout and stderr appended to a log.
struct DaemonOptions {
    std::vector<std::string> argv;  ///< argv[0] must be an absolute path
    std::vector<std::string> env;
    int clone_flags = 0;     ///< CLONE_NEW* flags
    fs::path log_path;       ///< stdout and stderr, appended
    mode_t log_mode = 0640;  ///< when the log is created
    /// Descriptors passed to the child at these numbers (>= 3), in order.
    std::vector<int> pass_fds;
    fs::path working_directory;  ///< empty: the caller's
    /// Forked twice, so that it is not the caller's child (init adopts it): for a caller that
    /// exits soon and never reaps it (the CLI starting a controller).
    bool detached = false;
};
/// Returns the daemon's PID: a direct child of the caller, who must reap it, unless detached.
pid_t start_daemon(const DaemonOptions& options);

/// Mounts `host_dir` (a detached clone of it: open_tree) at `machine_path` inside the mount
/// namespace of `pid`, creating the mount point. Throws std::system_error.
void bind_into_namespace(pid_t pid, const fs::path& host_dir, const fs::path& machine_path);
/// Detaches whatever is mounted at `machine_path` in the mount namespace of `pid`.
void unmount_in_namespace(pid_t pid, const fs::path& machine_path);

/// IPv6 off in the caller's network namespace (/proc/sys/net shows the namespace of the process
/// that opens it): model networks are IPv4 only. A kernel without IPv6 has nothing to turn off.
void disable_ipv6() noexcept;

/// Waits for a direct child to exit (reaping it); returns false on timeout.
bool wait_child(pid_t pid, std::chrono::milliseconds timeout);

/// argv/envp for execve: pointers into `strings`, which must outlive them, then nullptr.
std::vector<char*> c_strings(const std::vector<std::string>& strings);

// ---- between fork and exec: async-signal-safe only ----------------------------------------

/// Every signal back to its default action and none blocked, as a new program expects.
void reset_signals_in_child() noexcept;
/// Moves `fd` to 10 or above (close-on-exec), so dup2 onto 0-2 never hits it.
int move_fd_high(int fd) noexcept;
/// close_range(2) from `first` to the last descriptor (flags: 0 or CLOSE_RANGE_CLOEXEC).
void close_fds_from(unsigned int first, unsigned int flags) noexcept;

}  // namespace jujusim::sys
