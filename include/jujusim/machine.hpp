// A jujusim machine: what the agent (units, hooks, tools) needs from the machine layer.
// NamespaceMachine (machine_namespaces.hpp) is the real one: its own PID, mount, UTS, IPC and
// network namespaces, an overlay root over the prepared Debian image, an init that reaps and
// supervises services. Tests of agent semantics that need no isolation may use
// HostDirectoryMachine (runs programs on the host, in a directory standing in for the root).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <sys/types.h>

namespace jujusim {

namespace fs = std::filesystem;

/// A program to run inside a machine, as root. Nothing of the caller's environment leaks in:
/// `env` is the whole environment.
struct ExecRequest {
    std::vector<std::string> argv;
    std::map<std::string, std::string> env;
    fs::path cwd = "/";
    std::optional<std::string> stdin_data;  ///< nullopt: /dev/null
    std::optional<std::chrono::milliseconds> timeout;
    /// Called with each complete line the program writes (stderr=true for stderr), as it
    /// writes it. When unset, output is collected into ExecResult.
    std::function<void(const std::string& line, bool is_stderr)> on_output;
};

struct ExecResult {
    int exit_code = -1;  ///< 128+signal when killed by a signal
    bool timed_out = false;
    std::string stdout_text;  ///< empty when on_output was set
    std::string stderr_text;
};

class Machine {
  public:
    virtual ~Machine() = default;

    /// Machine number as Juju numbers them ("0", "1", ...).
    virtual const std::string& id() const = 0;
    virtual const std::string& hostname() const = 0;
    /// Address on the model's private bridge.
    virtual const std::string& address() const = 0;

    /// Starts the machine (fresh boot: init, mounts, network, enabled services). No-op if up.
    virtual void boot() = 0;
    /// Kills every process of the machine at once (power cut). No-op if down.
    virtual void poweroff() = 0;
    virtual bool is_running() const = 0;

    /// Runs a program inside the machine and waits for it.
    virtual ExecResult exec(const ExecRequest& request) = 0;

    /// Where the machine's `/var/lib/juju` lives on the host (a host directory bind-mounted
    /// into the machine): the agent writes charm directories, tool links and sockets here.
    virtual fs::path juju_dir_on_host() const = 0;

    /// Bind-mounts a host directory at `machine_path` inside the machine (creating the mount
    /// point). Used by the built-in filesystem-client. Like an fstab entry it is remembered:
    /// every later boot mounts it before services start (slurmctld's StateSaveLocation must be
    /// there when an enabled slurmctld starts after a power cut). Calling it again is a no-op;
    /// on a machine that is off it is only recorded.
    virtual void bind_mount(const fs::path& host_dir, const fs::path& machine_path) = 0;

    /// Replaces the machine's /etc/hosts with these "address hostname" entries (plus localhost).
    virtual void set_hosts(const std::vector<std::pair<std::string, std::string>>& entries) = 0;
};

}  // namespace jujusim
