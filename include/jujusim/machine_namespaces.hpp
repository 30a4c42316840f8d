// NamespaceMachine: a jujusim machine made of Linux namespaces. Its init (`jujusim-machine
// init`) is PID 1 of new PID, mount, UTS, IPC and network namespaces; its root is an overlay
// (lower: the prepared image, upper/work: `<machine_dir>/upper,work`, the machine's disk) that
// exists only in its own mount namespace; /proc, /sys (read-only), a minimal /dev, /run and
// /tmp are its own; `<machine_dir>/juju` is its /var/lib/juju; eth0 is cabled to the model's
// Network. Power off = SIGKILL of the init: the kernel kills every process of the machine and
// its mounts and interfaces vanish with its namespaces. Processes are found by PID only.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include <sys/types.h>

#include <jujusim/machine.hpp>
#include <jujusim/network.hpp>
#include <slurmctld/util/proc.hpp>

namespace jujusim {

/// The machine could not boot, or is not running when it had to be.
class MachineError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct MachineConfig {
    std::string id;        ///< "0", "1", ...
    std::string hostname;  ///< Juju style, e.g. "juju-5f2a1c-0"
    std::string address;   ///< on the model network (Network::address_for)
    /// `<model>/machines/<id>`: upper/, work/ (the disk), juju/ (/var/lib/juju), root/ (the
    /// overlay's mount point, only inside the machine), init.pid, console.log.
    fs::path machine_dir;
    fs::path image;           ///< the prepared root file system (ensure_image)
    fs::path machine_binary;  ///< jujusim-machine on the host (find_machine_binary)
    std::shared_ptr<Network> network;
    std::chrono::milliseconds boot_timeout{60'000};
    /// Power the machine off when this object is destroyed (tests); by default a machine
    /// outlives the object (the controller may restart and attach again).
    bool poweroff_on_destroy = false;
};

class NamespaceMachine final : public Machine {
  public:
    /// Attaches to the machine when `<machine_dir>/init.pid` names its live init.
    explicit NamespaceMachine(MachineConfig config);
    ~NamespaceMachine() override;
    NamespaceMachine(const NamespaceMachine&) = delete;
    NamespaceMachine& operator=(const NamespaceMachine&) = delete;

    const std::string& id() const override { return config_.id; }
    const std::string& hostname() const override { return config_.hostname; }
    const std::string& address() const override { return config_.address; }

    /// Mounts, cables and starts the init; returns once the init serves systemctl (enabled
    /// services are being started: `systemctl is-system-running --wait` waits for them).
    /// Throws MachineError with the init's message and console output on failure.
    void boot() override;
    /// SIGKILL of the init, then waits until every process of the machine is gone.
    void poweroff() override;
    bool is_running() const override;

    /// Runs argv inside the machine: all its namespaces and its root, as root, with exactly
    /// `env` and `cwd`. argv[0] without '/' is looked up in env's PATH (or the default PATH).
    /// A program that cannot be executed gives exit code 127 (126: not executable) and a
    /// message on stderr. Throws MachineError when the machine is not running.
    ExecResult exec(const ExecRequest& request) override;

    fs::path juju_dir_on_host() const override { return config_.machine_dir / "juju"; }

    /// Mounts `host_dir` at `machine_path` (created) and records it in the machine's fstab
    /// (`<machine_dir>/mounts.json`): every later boot mounts it again before services start.
    /// Running: open_tree(OPEN_TREE_CLONE) of the host directory moved into the machine's
    /// mount namespace; a no-op when that mount is already there. Off: only recorded.
    /// Throws MachineError.
    void bind_mount(const fs::path& host_dir, const fs::path& machine_path) override;
    /// Writes /etc/hosts: "127.0.0.1 localhost" and these entries. Works while the machine is
    /// off too (written to its disk).
    void set_hosts(const std::vector<std::pair<std::string, std::string>>& entries) override;

    // ---- beyond the Machine interface ----
    /// Detaches what is mounted at `machine_path` and drops it from the fstab (the
    /// filesystem-client going away).
    void unmount(const fs::path& machine_path);
    /// The fstab: host directory -> machine path, mounted at every boot.
    std::vector<std::pair<fs::path, fs::path>> recorded_mounts() const;
    /// PID (host namespace) of the init; 0 when off.
    pid_t init_pid() const;
    /// The machine's disk (overlay upper dir): e.g. upper/var/log/jujusim/<unit>.log holds the
    /// service logs `systemctl status` shows, readable while the machine is off.
    fs::path disk_dir() const { return config_.machine_dir / "upper"; }
    const MachineConfig& config() const { return config_; }

  private:
    fs::path pid_file() const { return config_.machine_dir / "init.pid"; }
    fs::path fstab_file() const { return config_.machine_dir / "mounts.json"; }
    void write_fstab(const std::vector<std::pair<fs::path, fs::path>>& mounts) const;
    bool mounted_inside(pid_t pid, const fs::path& machine_path) const;
    void wait_gone(const slurmctld::util::ProcessRecord& init, bool is_child);

    MachineConfig config_;
    mutable std::mutex mutex_;
    std::mutex fstab_mutex_;
    slurmctld::util::ProcessRecord init_;  ///< pid 0: not booted
    bool init_is_child_ = false;
};

/// jujusim-machine on this host: $JUJUSIM_MACHINE_BINARY, else next to the running program,
/// else on PATH. Throws MachineError when none is found.
fs::path find_machine_binary();

}  // namespace jujusim
