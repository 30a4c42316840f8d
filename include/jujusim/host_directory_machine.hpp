// A machine with no isolation: programs run directly on the host, with a host directory
// standing in for the machine's root. Enough for charms that only use hook tools, and fast:
// the agent-semantics tests use it. Hook processes see host paths (the juju dir is a host
// directory), so the agent asks `juju_dir_in_machine()` where things are.
#pragma once

#include <mutex>

#include <jujusim/machine.hpp>

namespace jujusim {

/// Runs `request` as a child process of this one (argv[0] looked up on the request's PATH when
/// it has no '/'), streaming or collecting its output. Shared by HostDirectoryMachine and
/// the controller's own helpers.
ExecResult run_local(const ExecRequest& request);

class HostDirectoryMachine : public Machine {
  public:
    HostDirectoryMachine(std::string id, std::string hostname, std::string address, fs::path root);

    const std::string& id() const override { return id_; }
    const std::string& hostname() const override { return hostname_; }
    const std::string& address() const override { return address_; }

    void boot() override;
    void poweroff() override;
    bool is_running() const override;

    ExecResult exec(const ExecRequest& request) override;
    fs::path juju_dir_on_host() const override { return root_ / "var/lib/juju"; }
    /// A symlink at root/machine_path: no mount is made on the host.
    void bind_mount(const fs::path& host_dir, const fs::path& machine_path) override;
    void set_hosts(const std::vector<std::pair<std::string, std::string>>& entries) override;

    const fs::path& root() const { return root_; }

  private:
    std::string id_;
    std::string hostname_;
    std::string address_;
    fs::path root_;
    mutable std::mutex mutex_;
    bool running_ = false;
};

/// Where the machine's /var/lib/juju appears to processes inside it: "/var/lib/juju" on a real
/// machine, the host directory on a HostDirectoryMachine.
fs::path juju_dir_in_machine(const Machine& machine);

}  // namespace jujusim
