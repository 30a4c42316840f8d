// Running a program in a machine (or on the host, or in a private mount namespace) and waiting
// for it: jujusim's exec, with a pre-exec step in the child (enter a machine's namespaces, or a
// private mount namespace + chroot). Everything the child needs is prepared before fork() and
// the child makes only async-signal-safe system calls (the controller has other threads).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

#include <jujusim/machine.hpp>

namespace jujusim::sys {

namespace fs = std::filesystem;

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
/// Not util::run_process: that runs a program as the caller (posix_spawn), while this one
/// enters a machine's namespaces (or a private mount namespace and chroot) in the forked child
/// before exec, which must happen between fork and exec; in a PID namespace the program runs
/// in a grandchild whose PID is passed back for the time limit. It also streams output line
/// by line (hook output reaches debug.log as it is written) and returns shortly after the
/// program exits even when a daemon it started still holds its output open.
ExecResult spawn_and_wait(const SpawnOptions& options);

}  // namespace jujusim::sys
