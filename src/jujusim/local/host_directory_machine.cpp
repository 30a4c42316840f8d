#include <jujusim/host_directory_machine.hpp>
#include <slurmctld/util/files.hpp>

#include "../machine/spawn.hpp"

namespace jujusim {

ExecResult run_local(const ExecRequest& request) {
    return sys::spawn_and_wait(sys::spawn_options(request, sys::SpawnPlace::Host));
}

HostDirectoryMachine::HostDirectoryMachine(std::string id, std::string hostname,
                                           std::string address, fs::path root)
    : id_(std::move(id)),
      hostname_(std::move(hostname)),
      address_(std::move(address)),
      root_(std::move(root)) {
    fs::create_directories(root_ / "var/lib/juju");
    fs::create_directories(root_ / "etc");
}

void HostDirectoryMachine::boot() {
    std::lock_guard lock(mutex_);
    running_ = true;
}

void HostDirectoryMachine::poweroff() {
    std::lock_guard lock(mutex_);
    running_ = false;
}

bool HostDirectoryMachine::is_running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

ExecResult HostDirectoryMachine::exec(const ExecRequest& request) {
    return run_local(request);
}

void HostDirectoryMachine::bind_mount(const fs::path& host_dir, const fs::path& machine_path) {
    const fs::path link = root_ / machine_path.relative_path();
    fs::create_directories(link.parent_path());
    std::error_code ignored;
    if (fs::is_symlink(link, ignored) || fs::is_empty(link, ignored)) {
        fs::remove(link, ignored);
    }
    if (!fs::exists(link)) {
        fs::create_directory_symlink(host_dir, link);
    }
}

void HostDirectoryMachine::set_hosts(
    const std::vector<std::pair<std::string, std::string>>& entries) {
    std::string content = "127.0.0.1 localhost\n";
    for (const auto& [address, name] : entries) {
        content += address + ' ' + name + '\n';
    }
    slurmctld::util::AtomicWriteOptions options;
    options.durable = false;  // rewritten at every start and refresh (NamespaceMachine::set_hosts)
    slurmctld::util::write_file_atomic(root_ / "etc/hosts", content, options);
}

fs::path juju_dir_in_machine(const Machine& machine) {
    if (dynamic_cast<const HostDirectoryMachine*>(&machine) != nullptr) {
        return machine.juju_dir_on_host();
    }
    return "/var/lib/juju";
}

}  // namespace jujusim
