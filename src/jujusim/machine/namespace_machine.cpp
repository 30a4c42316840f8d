#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jujusim/machine_namespaces.hpp>
#include <slurmctld/util/files.hpp>
#include <slurmctld/util/proc.hpp>
#include <slurmctld/util/process.hpp>

#include "spawn.hpp"
#include "sys.hpp"

namespace jujusim {

namespace {

using Clock = std::chrono::steady_clock;

/// Reads one line from `fd` until `deadline`; nullopt on timeout or EOF.
std::optional<std::string> read_status_line(int fd, Clock::time_point deadline) {
    std::string line;
    while (true) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
        if (left <= 0) {
            return std::nullopt;
        }
        pollfd p{fd, POLLIN, 0};
        const int ready = ::poll(&p, 1, static_cast<int>(left));
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            return std::nullopt;
        }
        char c = 0;
        const ssize_t n = ::read(fd, &c, 1);
        if (n <= 0) {
            return line.empty() ? std::nullopt : std::optional<std::string>(line);
        }
        if (c == '\n') {
            return line;
        }
        line += c;
    }
}

/// The last `max_bytes` of a log file (a machine's console), for an error message.
std::string tail_of(const fs::path& path, off_t max_bytes = 4000) {
    const util::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
    struct stat info {};
    if (!fd || ::fstat(fd.get(), &info) != 0 || !S_ISREG(info.st_mode)) {
        return {};
    }
    if (info.st_size > max_bytes) {
        ::lseek(fd.get(), info.st_size - max_bytes, SEEK_SET);
    }
    try {
        return util::read_to_end(fd.get(), path.string(), static_cast<std::size_t>(max_bytes));
    } catch (const util::FileError&) {
        return {};  // it grew meanwhile: the message goes without it
    }
}

}  // namespace

NamespaceMachine::NamespaceMachine(MachineConfig config) : config_(std::move(config)) {
    if (!config_.network) {
        throw std::invalid_argument("machine " + config_.id + ": no network");
    }
    if (const auto init = sys::find_recorded_process(pid_file())) {
        init_ = init->process;
        init_is_child_ = init->is_child;
    }
}

NamespaceMachine::~NamespaceMachine() {
    if (config_.poweroff_on_destroy) {
        try {
            poweroff();
        } catch (...) {
        }
    }
}

bool NamespaceMachine::is_running() const {
    std::lock_guard lock(mutex_);
    return util::is_running(init_);
}

pid_t NamespaceMachine::init_pid() const {
    std::lock_guard lock(mutex_);
    return util::is_running(init_) ? init_.pid : 0;
}

void NamespaceMachine::wait_gone(const util::ProcessRecord& init, bool is_child) {
    if (is_child) {
        if (!sys::wait_child(init.pid, std::chrono::seconds(30))) {
            throw MachineError("machine " + config_.id + ": init " + std::to_string(init.pid) +
                               " did not die");
        }
        return;
    }
    // Not our child (attached after a controller restart): gone or a zombie is enough; the
    // kernel reaped the rest of the PID namespace before the init became a zombie.
    for (int i = 0; i < 3000 && util::is_running(init); ++i) {
        ::usleep(10000);
    }
}

void NamespaceMachine::boot() {
    std::lock_guard lock(mutex_);
    if (util::is_running(init_)) {
        return;
    }
    const fs::path& dir = config_.machine_dir;
    for (const char* sub : {"upper", "work", "juju", "root"}) {
        fs::create_directories(dir / sub);
    }
    if (!fs::exists(config_.image / "etc/os-release")) {
        throw MachineError("machine " + config_.id + ": no image at " + config_.image.string());
    }
    config_.network->up();
    // First boot: the machine resolves its own name before the agent publishes the model's
    // hosts (Slurm daemons look their own hostname up).
    if (!fs::exists(dir / "upper/etc/hosts")) {
        fs::create_directories(dir / "upper/etc");
        util::write_file_atomic(
            dir / "upper/etc/hosts",
            "127.0.0.1\tlocalhost\n" + config_.address + "\t" + config_.hostname + "\n");
    }

    auto [status_read, status_write] = util::make_pipe();
    auto [go_read, go_write] = util::make_pipe();
    sys::DaemonOptions daemon;
    daemon.argv = {config_.machine_binary.string(),
                   "init",
                   "--lower",
                   config_.image.string(),
                   "--upper",
                   (dir / "upper").string(),
                   "--work",
                   (dir / "work").string(),
                   "--root",
                   (dir / "root").string(),
                   "--juju",
                   (dir / "juju").string(),
                   "--hostname",
                   config_.hostname,
                   "--status-fd",
                   "3",
                   "--go-fd",
                   "4"};
    for (const auto& [host, inside] : recorded_mounts()) {
        if (fs::is_directory(host)) {
            daemon.argv.insert(daemon.argv.end(), {"--bind", host.string(), inside.string()});
        }
    }
    daemon.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    daemon.clone_flags = CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWNET;
    daemon.log_path = dir / "console.log";
    daemon.pass_fds = {status_write.get(), go_read.get()};
    {
        std::ofstream console(daemon.log_path, std::ios::app);
        console << "-- boot of machine " << config_.id << " (" << config_.hostname << ")\n";
    }
    const pid_t pid = sys::start_daemon(daemon);
    status_write.reset();
    go_read.reset();

    auto abort_boot = [&](const std::string& why) {
        ::kill(pid, SIGKILL);
        sys::wait_child(pid, std::chrono::seconds(30));
        throw MachineError("machine " + config_.id + " did not boot: " + why + "\n" +
                           tail_of(daemon.log_path));
    };
    const auto deadline = Clock::now() + config_.boot_timeout;
    const auto mounted = read_status_line(status_read.get(), deadline);
    if (!mounted || *mounted != "mounted") {
        abort_boot(mounted ? *mounted : "no answer from its init");
    }
    try {
        config_.network->attach(pid, config_.id, config_.address);
    } catch (const std::exception& error) {
        abort_boot(error.what());
    }
    [[maybe_unused]] const auto written = ::write(go_write.get(), "go\n", 3);
    go_write.reset();
    const auto ready = read_status_line(status_read.get(), deadline);
    if (!ready || *ready != "ready") {
        abort_boot(ready ? *ready : "no answer from its init");
    }
    const auto init = sys::record_process(pid_file(), pid);
    init_ = init.process;
    init_is_child_ = init.is_child;
}

void NamespaceMachine::poweroff() {
    std::lock_guard lock(mutex_);
    if (util::is_running(init_)) {
        ::kill(init_.pid, SIGKILL);
        wait_gone(init_, init_is_child_);
    } else if (init_.pid > 0 && init_is_child_) {
        sys::wait_child(init_.pid, std::chrono::seconds(1));  // reap a init that died on its own
    }
    init_ = {};
    init_is_child_ = false;
    std::error_code ec;
    fs::remove(pid_file(), ec);
}

ExecResult NamespaceMachine::exec(const ExecRequest& request) {
    const pid_t pid = init_pid();
    if (pid == 0) {
        throw MachineError("machine " + config_.id + " is not running");
    }
    try {
        return sys::spawn_and_wait(
            sys::spawn_options(request, sys::SpawnPlace::MachineNamespaces, pid));
    } catch (const std::system_error& error) {
        if (!is_running()) {
            throw MachineError("machine " + config_.id + " went down: " + error.what());
        }
        throw MachineError("machine " + config_.id + ": " + error.what());
    }
}

std::vector<std::pair<fs::path, fs::path>> NamespaceMachine::recorded_mounts() const {
    std::vector<std::pair<fs::path, fs::path>> mounts;
    try {
        const auto text = util::read_regular_file(fstab_file());
        if (!text) {
            return mounts;
        }
        const auto fstab = nlohmann::json::parse(*text);
        for (const auto& entry : fstab.at("mounts")) {
            mounts.emplace_back(entry.at("host").get<std::string>(),
                                entry.at("machine").get<std::string>());
        }
    } catch (const nlohmann::json::exception&) {
        throw MachineError("machine " + config_.id + ": unreadable " + fstab_file().string());
    } catch (const util::FileError& error) {
        throw MachineError("machine " + config_.id + ": " + error.what());
    }
    return mounts;
}

void NamespaceMachine::write_fstab(const std::vector<std::pair<fs::path, fs::path>>& mounts) const {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& [host, inside] : mounts) {
        list.push_back({{"host", host.string()}, {"machine", inside.string()}});
    }
    fs::create_directories(config_.machine_dir);
    util::write_file_atomic(fstab_file(), nlohmann::json{{"mounts", list}}.dump(2) + "\n");
}

bool NamespaceMachine::mounted_inside(pid_t pid, const fs::path& machine_path) const {
    std::ifstream in("/proc/" + std::to_string(pid) + "/mountinfo");
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, point;
        fields >> id >> parent >> devno >> root >> point;
        if (point == machine_path.lexically_normal().string()) {
            return true;
        }
    }
    return false;
}

void NamespaceMachine::bind_mount(const fs::path& host_dir, const fs::path& machine_path) {
    if (!machine_path.is_absolute() || !fs::is_directory(host_dir)) {
        throw MachineError("machine " + config_.id + ": cannot mount " + host_dir.string() +
                           " at " + machine_path.string());
    }
    std::lock_guard lock(fstab_mutex_);
    auto mounts = recorded_mounts();
    const auto same = std::find(mounts.begin(), mounts.end(), std::pair{host_dir, machine_path});
    const pid_t pid = init_pid();
    if (pid != 0 && !(same != mounts.end() && mounted_inside(pid, machine_path))) {
        try {
            sys::bind_into_namespace(pid, host_dir, machine_path);
        } catch (const std::system_error& error) {
            throw MachineError("machine " + config_.id + ": " + error.what());
        }
    }
    if (same == mounts.end()) {
        mounts.erase(std::remove_if(mounts.begin(), mounts.end(),
                                    [&](const auto& m) { return m.second == machine_path; }),
                     mounts.end());
        mounts.emplace_back(host_dir, machine_path);
        write_fstab(mounts);
    }
}

void NamespaceMachine::unmount(const fs::path& machine_path) {
    std::lock_guard lock(fstab_mutex_);
    auto mounts = recorded_mounts();
    mounts.erase(std::remove_if(mounts.begin(), mounts.end(),
                                [&](const auto& m) { return m.second == machine_path; }),
                 mounts.end());
    write_fstab(mounts);
    const pid_t pid = init_pid();
    if (pid != 0 && mounted_inside(pid, machine_path)) {
        try {
            sys::unmount_in_namespace(pid, machine_path);
        } catch (const std::system_error& error) {
            throw MachineError("machine " + config_.id + ": " + error.what());
        }
    }
}

void NamespaceMachine::set_hosts(const std::vector<std::pair<std::string, std::string>>& entries) {
    std::string content = "127.0.0.1\tlocalhost\n";
    for (const auto& [address, name] : entries) {
        content += address + "\t" + name + "\n";
    }
    const pid_t pid = init_pid();
    // Running: through the init's root (the overlay as the machine sees it). Off: onto the disk.
    const fs::path etc = pid != 0 ? fs::path("/proc/" + std::to_string(pid) + "/root/etc")
                                  : config_.machine_dir / "upper/etc";
    fs::create_directories(etc);
    // Atomic for the machine's readers; not fsynced: a crash loses nothing, as every boot
    // writes it again, and a refresh rewrites it on every machine (hundreds at scale).
    util::AtomicWriteOptions options;
    options.durable = false;
    util::write_file_atomic(etc / "hosts", content, options);  // 0644
}

fs::path find_machine_binary() {
    if (const char* explicit_path = std::getenv("JUJUSIM_MACHINE_BINARY");
        explicit_path != nullptr && *explicit_path) {
        return explicit_path;
    }
    std::error_code ec;
    const auto self = fs::read_symlink("/proc/self/exe", ec);
    if (!ec && fs::exists(self.parent_path() / "jujusim-machine")) {
        return self.parent_path() / "jujusim-machine";
    }
    const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): read at start
    if (auto found = slurmctld::util::find_on_path(
            "jujusim-machine", path != nullptr ? path : slurmctld::util::kDefaultSearchPath)) {
        return *found;
    }
    throw MachineError("jujusim-machine not found (set JUJUSIM_MACHINE_BINARY)");
}

}  // namespace jujusim
