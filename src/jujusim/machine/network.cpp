#include <cctype>
#include <sstream>
#include <stdexcept>

#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <jujusim/network.hpp>
#include <slurmctld/util/proc.hpp>

#include "spawn.hpp"
#include "sys.hpp"

namespace jujusim {

namespace {

const std::vector<std::string> kToolEnvironment = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"};

/// Runs `ip -batch -` with these commands in the network namespace of `pid`.
void run_ip(pid_t pid, const std::string& commands, const std::string& what) {
    sys::SpawnOptions options;
    options.argv = {"ip", "-batch", "-"};
    options.env = kToolEnvironment;
    options.stdin_data = commands;
    options.place = sys::SpawnPlace::NetworkNamespace;
    options.target_pid = pid;
    options.timeout = std::chrono::seconds(20);
    const auto result = sys::spawn_and_wait(options);
    if (result.exit_code != 0) {
        throw std::runtime_error(what + ": ip failed (" + std::to_string(result.exit_code) +
                                 "): " + result.stderr_text);
    }
}

/// Host-side interface name for a machine: at most 15 characters.
std::string veth_name(const std::string& machine_id) {
    std::string name = "vm";
    for (const char c : machine_id) {
        if (std::isalnum(static_cast<unsigned char>(c)) != 0) {
            name += c;
        }
    }
    return name.substr(0, 15);
}

}  // namespace

Network::Network(Config config) : config_(std::move(config)) {
    if (const auto holder = sys::find_recorded_process(pid_file())) {
        holder_ = holder->process;
        holder_is_child_ = holder->is_child;
    }
}

fs::path Network::pid_file() const {
    return config_.state_dir / "holder.pid";
}

bool Network::is_up() const {
    std::lock_guard lock(mutex_);
    return util::is_running(holder_);
}

pid_t Network::holder_pid() const {
    std::lock_guard lock(mutex_);
    return holder_.pid;
}

std::string Network::address_for(unsigned machine_number) const {
    return config_.prefix + "." + std::to_string(machine_number / 200) + "." +
           std::to_string(machine_number % 200 + 10);
}

void Network::up() {
    std::lock_guard lock(mutex_);
    if (util::is_running(holder_)) {
        return;
    }
    fs::create_directories(config_.state_dir);
    auto [ready_read, ready_write] = util::make_pipe();
    sys::DaemonOptions daemon;
    daemon.argv = {config_.machine_binary.string(), "hold-network", "--ready-fd", "3"};
    daemon.env = kToolEnvironment;
    daemon.clone_flags = CLONE_NEWNET;
    daemon.log_path = config_.state_dir / "holder.log";
    daemon.pass_fds = {ready_write.get()};
    const pid_t pid = sys::start_daemon(daemon);
    ready_write.reset();
    pollfd p{ready_read.get(), POLLIN, 0};
    char buffer[16] = {};
    if (::poll(&p, 1, 10000) <= 0 || ::read(ready_read.get(), buffer, sizeof buffer) <= 0) {
        ::kill(pid, SIGKILL);
        sys::wait_child(pid, std::chrono::seconds(5));
        throw std::runtime_error("the network holder did not start (see " +
                                 daemon.log_path.string() + ")");
    }
    try {
        run_ip(pid,
               "link set lo up\n"
               "link add br0 type bridge stp_state 0 forward_delay 0\n"
               "link set br0 up\n",
               "creating the model bridge");
    } catch (...) {
        ::kill(pid, SIGKILL);
        sys::wait_child(pid, std::chrono::seconds(5));
        throw;
    }
    const auto holder = sys::record_process(pid_file(), pid);
    holder_ = holder.process;
    holder_is_child_ = holder.is_child;
}

void Network::down() {
    std::lock_guard lock(mutex_);
    if (util::is_running(holder_)) {
        ::kill(holder_.pid, SIGKILL);
        if (holder_is_child_) {
            sys::wait_child(holder_.pid, std::chrono::seconds(10));
        } else {
            for (int i = 0; i < 500 && util::is_running(holder_); ++i) {
                ::usleep(10000);
            }
        }
    }
    holder_ = {};
    std::error_code ec;
    fs::remove(pid_file(), ec);
}

void Network::attach(pid_t machine_pid, const std::string& machine_id, const std::string& address) {
    pid_t holder = 0;
    {
        std::lock_guard lock(mutex_);
        holder = holder_.pid;
    }
    if (holder <= 0) {
        throw std::runtime_error("the model network is down");
    }
    const std::string veth = veth_name(machine_id);
    const std::string create = "link add " + veth + " type veth peer name eth0 netns " +
                               std::to_string(machine_pid) + "\n" + "link set " + veth +
                               " master br0\n" + "link set " + veth + " up\n";
    try {
        run_ip(holder, create, "cabling machine " + machine_id);
    } catch (const std::runtime_error&) {
        // A veth of an earlier boot whose namespace is still being torn down: replace it.
        try {
            run_ip(holder, "link del " + veth + "\n", "removing a stale veth");
        } catch (const std::runtime_error&) {
        }
        run_ip(holder, create, "cabling machine " + machine_id);
    }
    run_ip(machine_pid,
           "addr add " + address + "/" + std::to_string(prefix_length()) +
               " dev eth0\n"
               "link set eth0 up\n"
               "link set lo up\n",
           "configuring eth0 of machine " + machine_id);
}

}  // namespace jujusim
