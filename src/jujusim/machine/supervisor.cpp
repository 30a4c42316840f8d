#include "supervisor.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "supervisor_util.hpp"
#include "sys.hpp"

namespace jujusim::init {

using namespace detail;

namespace {

constexpr const char* kNotifyDir = "/run/jujusim/notify";
constexpr const char* kDefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
const std::vector<std::string> kWantsTargets = {"multi-user.target", "default.target",
                                                "graphical.target"};

/// systemd's exit codes for a child that failed before exec.
enum ExitStep : int {
    kStepChdir = 200,
    kStepExec = 203,
    kStepGroup = 216,
    kStepUser = 217,
    kStepLimits = 205
};

const char* step_name(int step) {
    switch (step) {
        case kStepChdir:
            return "CHDIR";
        case kStepGroup:
            return "GROUP";
        case kStepUser:
            return "USER";
        case kStepLimits:
            return "LIMITS";
        default:
            return "EXEC";
    }
}

std::string random_hex(size_t length) {
    static std::mt19937_64 generator(std::random_device{}());
    static const char* digits = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < length; ++i) {
        out += digits[generator() % 16];
    }
    return out;
}

bool is_clean_exit(int status, const units::ServiceDefinition& def) {
    if (WIFEXITED(status)) {
        const int code = WEXITSTATUS(status);
        return code == 0 ||
               std::find(def.success_exit_status.begin(), def.success_exit_status.end(), code) !=
                   def.success_exit_status.end();
    }
    const int signal = WTERMSIG(status);
    if (std::find(def.success_exit_status.begin(), def.success_exit_status.end(), 128 + signal) !=
        def.success_exit_status.end()) {
        return true;
    }
    // systemd's clean signals for services that are not oneshot.
    return def.type != units::ServiceType::Oneshot &&
           (signal == SIGHUP || signal == SIGINT || signal == SIGTERM || signal == SIGPIPE);
}

std::string result_of(int status) {
    if (WIFEXITED(status)) {
        return "exit-code";
    }
    return WCOREDUMP(status) ? "core-dump" : "signal";
}

bool should_restart(units::RestartPolicy policy, const std::string& result) {
    using units::RestartPolicy;
    const bool clean = result == "success";
    const bool unclean_signal = result == "signal" || result == "core-dump";
    switch (policy) {
        case RestartPolicy::No:
            return false;
        case RestartPolicy::Always:
            return true;
        case RestartPolicy::OnSuccess:
            return clean;
        case RestartPolicy::OnFailure:
            return !clean;
        case RestartPolicy::OnAbnormal:
            return unclean_signal || result == "timeout" || result == "watchdog";
        case RestartPolicy::OnWatchdog:
            return result == "watchdog";
        case RestartPolicy::OnAbort:
            return unclean_signal;
    }
    return false;
}

std::string limit_setting_name(int resource) {
    switch (resource) {
        case RLIMIT_NOFILE:
            return "LimitNOFILE";
        case RLIMIT_MEMLOCK:
            return "LimitMEMLOCK";
        case RLIMIT_STACK:
            return "LimitSTACK";
        case RLIMIT_NPROC:
            return "LimitNPROC";
        case RLIMIT_CORE:
            return "LimitCORE";
        default:
            return "Limit(" + std::to_string(resource) + ")";
    }
}

bool has_sys_resource_capability() {
    // CapEff in /proc/self/status; CAP_SYS_RESOURCE is bit 24.
    const auto status = sys::read_file("/proc/self/status").value_or("");
    const auto at = status.find("CapEff:");
    if (at == std::string::npos) {
        return true;
    }
    const unsigned long long caps = std::stoull(status.substr(at + 7), nullptr, 16);
    return (caps >> 24) & 1ULL;
}

}  // namespace

const char* to_string(ActiveState state) {
    switch (state) {
        case ActiveState::Inactive:
            return "inactive";
        case ActiveState::Activating:
            return "activating";
        case ActiveState::Active:
            return "active";
        case ActiveState::Reloading:
            return "reloading";
        case ActiveState::Deactivating:
            return "deactivating";
        case ActiveState::Failed:
            return "failed";
    }
    return "inactive";
}

Supervisor::Supervisor(std::string hostname, fs::path log_dir)
    : hostname_(std::move(hostname)), logs_(std::move(log_dir), hostname_) {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = wake_fd_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
    std::error_code ec;
    fs::create_directories(kNotifyDir, ec);
}

Supervisor::~Supervisor() {
    stopping_ = true;
    for (auto& thread : threads_) {
        if (thread.joinable()) {
            thread.detach();
        }
    }
}

void Supervisor::start_threads() {
    // A loop that fails is entered again: these threads are what keeps the machine alive.
    threads_.emplace_back([this] {
        while (!stopping_) {
            guarded("reaper", [&] { reaper_loop(); });
        }
    });
    threads_.emplace_back([this] {
        while (!stopping_) {
            guarded("output and notify", [&] { io_loop(); });
        }
    });
    threads_.emplace_back([this] {
        while (!stopping_) {
            guarded("monitor", [&] { monitor_loop(); });
        }
    });
}

std::vector<fs::path> Supervisor::unit_dirs() const {
    return units::default_unit_dirs("/");
}

// ---- loading --------------------------------------------------------------------------------

Service& Supervisor::service(const std::string& name) {
    const std::string unit = units::normalize_unit_name(name);
    auto& slot = services_[unit];
    if (!slot) {
        slot = std::make_unique<Service>();
        slot->name = unit;
        slot->state_change_time = WallClock::now();
    }
    return *slot;
}

std::string Supervisor::signature_of(const units::UnitFile& file) const {
    std::string signature;
    auto add = [&](const fs::path& path) {
        struct stat st {};
        if (::stat(path.c_str(), &st) == 0) {
            signature += path.string() + ":" + std::to_string(st.st_mtim.tv_sec) + "." +
                         std::to_string(st.st_mtim.tv_nsec) + ";";
        }
    };
    add(file.fragment_path);
    for (const auto& dropin : file.dropin_paths) {
        add(dropin);
    }
    return signature;
}

bool Supervisor::changed_on_disk(const Service& s) const {
    if (!s.loaded || s.not_found) {
        return false;
    }
    const auto fresh = units::load_unit(s.name, unit_dirs());
    return !fresh || signature_of(*fresh) != s.file_signature;
}

void Supervisor::load(Service& s) {
    if (s.loaded && !s.not_found) {
        return;
    }
    auto file = units::load_unit(s.name, unit_dirs());
    s.loaded = true;
    if (!file) {
        s.not_found = true;
        s.masked = false;
        return;
    }
    s.not_found = false;
    s.masked = file->masked;
    s.file = *file;
    s.file_signature = signature_of(*file);
    units::SpecifierContext context;
    context.unit_name = s.name;
    context.hostname = hostname_;
    s.def = units::to_service_definition(*file, context);
    for (const auto& warning : s.def.warnings) {
        log_unit(s.name, warning);
    }
}

// ---- state and logging ----------------------------------------------------------------------

void Supervisor::log_unit(const std::string& unit, const std::string& message) {
    logs_.append(unit, "systemd", 1, unit + ": " + message);
}

void Supervisor::set_state(Service& s, ActiveState state, const std::string& sub) {
    if (s.active != state) {
        s.state_change_time = WallClock::now();
    }
    s.active = state;
    s.sub = sub;
    changed_.notify_all();
}

void Supervisor::finish_job(Service& s) {
    s.job_active = false;
    if (s.main_exited && (s.active == ActiveState::Active || s.active == ActiveState::Reloading)) {
        schedule_handler(s);
    }
    changed_.notify_all();
}

void Supervisor::schedule_handler(Service& s) {
    if (s.handler_pending) {
        return;
    }
    s.handler_pending = true;
    const std::string name = s.name;
    std::thread([this, name] {
        guarded("main process handler", [&] {
            Service* sp = nullptr;
            {
                std::lock_guard lock(mutex_);
                sp = &service(name);
            }
            std::unique_lock job(*sp->job_mutex);
            {
                std::lock_guard lock(mutex_);
                sp->handler_pending = false;
                drain_notify(*sp);
                if (!sp->main_exited ||
                    (sp->active != ActiveState::Active && sp->active != ActiveState::Reloading)) {
                    return;
                }
                sp->job_active = true;
            }
            died_job(*sp);
            std::lock_guard lock(mutex_);
            finish_job(*sp);
        });
    }).detach();
}

// ---- threads --------------------------------------------------------------------------------

void Supervisor::reaper_loop() {
    sigset_t set;
    ::sigemptyset(&set);
    ::sigaddset(&set, SIGCHLD);
    while (!stopping_) {
        siginfo_t info{};
        timespec timeout{1, 0};  // also sweeps zombies whose SIGCHLD coalesced with another
        ::sigtimedwait(&set, &info, &timeout);
        while (true) {
            int status = 0;
            const pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid <= 0) {
                break;
            }
            std::lock_guard lock(mutex_);
            if (tracked_.erase(pid) != 0) {
                exits_[pid] = status;
            }
            for (auto& [name, s] : services_) {
                if (s->main_pid == pid && !s->main_exited) {
                    s->main_exited = true;
                    s->main_wait_status = status;
                    const auto [code, text] = describe_wait_status(status);
                    s->last_main.code = code;
                    s->last_main.status =
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status);
                    s->last_main.status_text = text;
                    if (!s->job_active &&
                        (s->active == ActiveState::Active || s->active == ActiveState::Reloading)) {
                        schedule_handler(*s);
                    }
                }
            }
            changed_.notify_all();
        }
    }
}

void Supervisor::watch_output(int fd, const std::string& unit, const std::string& identifier,
                              pid_t pid) {
    {
        std::lock_guard lock(outputs_mutex_);
        outputs_[fd] = OutputStream{unit, identifier, pid, {}};
    }
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
}

void Supervisor::io_loop() {
    std::vector<epoll_event> events(64);
    char buffer[65536];
    while (!stopping_) {
        const int count =
            ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), 1000);
        for (int i = 0; i < count; ++i) {
            const int fd = events[static_cast<size_t>(i)].data.fd;
            if (fd == wake_fd_) {
                uint64_t value = 0;
                [[maybe_unused]] const auto ignored = ::read(wake_fd_, &value, sizeof value);
                continue;
            }
            bool is_output = false;
            {
                std::lock_guard lock(outputs_mutex_);
                auto it = outputs_.find(fd);
                if (it != outputs_.end()) {
                    is_output = true;
                    const ssize_t n = ::read(fd, buffer, sizeof buffer);
                    auto& stream = it->second;
                    if (n > 0) {
                        stream.partial.append(buffer, static_cast<size_t>(n));
                        size_t start = 0;
                        for (auto newline = stream.partial.find('\n'); newline != std::string::npos;
                             newline = stream.partial.find('\n', start)) {
                            logs_.append(stream.unit, stream.identifier, stream.pid,
                                         stream.partial.substr(start, newline - start));
                            start = newline + 1;
                        }
                        stream.partial.erase(0, start);
                        if (stream.partial.size() > 16384) {
                            logs_.append(stream.unit, stream.identifier, stream.pid,
                                         stream.partial);
                            stream.partial.clear();
                        }
                    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
                        if (!stream.partial.empty()) {
                            logs_.append(stream.unit, stream.identifier, stream.pid,
                                         stream.partial);
                        }
                        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
                        ::close(fd);
                        outputs_.erase(it);
                    }
                }
            }
            if (is_output) {
                continue;
            }
            std::lock_guard lock(mutex_);
            const auto it = notify_fds_.find(fd);
            if (it != notify_fds_.end()) {
                drain_notify(service(it->second));
            }
        }
    }
}

void Supervisor::monitor_loop() {
    // Main processes that are not our children (a PID file or MAINPID naming a process whose
    // parent is alive) give no SIGCHLD: notice that they are gone by looking.
    while (!stopping_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        std::lock_guard lock(mutex_);
        for (auto& [name, s] : services_) {
            if (s->main_pid <= 0 || s->main_exited || s->active == ActiveState::Inactive ||
                s->active == ActiveState::Failed) {
                continue;
            }
            const auto stat = sys::read_proc_stat(s->main_pid);
            if (stat && stat->ppid == 1) {
                continue;  // our child: the reaper reports its end with the real status
            }
            if (!stat || stat->state == 'Z' || stat->state == 'X') {
                s->main_exited = true;
                s->main_wait_status = 0;
                s->last_main.code = "exited";
                s->last_main.status = 0;
                s->last_main.status_text = "0/SUCCESS";
                if (!s->job_active &&
                    (s->active == ActiveState::Active || s->active == ActiveState::Reloading)) {
                    schedule_handler(*s);
                }
                changed_.notify_all();
            }
        }
    }
}

// ---- notify sockets -------------------------------------------------------------------------

void Supervisor::open_notify_socket(Service& s) {
    close_notify_socket(s);
    const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return;
    }
    const std::string path =
        std::string(kNotifyDir) + "/" + s.name + "." + std::to_string(s.generation);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
    ::unlink(path.c_str());
    if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return;
    }
    ::chmod(path.c_str(), 0666);  // services drop to their User= before notifying
    const int on = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    s.notify_fd = fd;
    s.notify_path = path;
    notify_fds_[fd] = s.name;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event);
}

void Supervisor::close_notify_socket(Service& s) {
    if (s.notify_fd < 0) {
        return;
    }
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, s.notify_fd, nullptr);
    notify_fds_.erase(s.notify_fd);
    ::close(s.notify_fd);
    ::unlink(s.notify_path.c_str());
    s.notify_fd = -1;
    s.notify_path.clear();
}

void Supervisor::drain_notify(Service& s) {
    if (s.notify_fd < 0) {
        return;
    }
    char buffer[4096];
    while (true) {
        const ssize_t n = ::recv(s.notify_fd, buffer, sizeof buffer - 1, MSG_DONTWAIT);
        if (n <= 0) {
            break;
        }
        std::istringstream lines(std::string(buffer, static_cast<size_t>(n)));
        std::string line;
        while (std::getline(lines, line)) {
            const auto equals = line.find('=');
            if (equals == std::string::npos) {
                continue;
            }
            const std::string key = line.substr(0, equals);
            const std::string value = line.substr(equals + 1);
            if (key == "READY" && value == "1") {
                s.ready = true;
                if (s.active == ActiveState::Reloading) {
                    set_state(s, ActiveState::Active, "running");
                }
            } else if (key == "MAINPID") {
                try {
                    const pid_t pid = std::stoi(value);
                    if (pid > 1 && pid != s.main_pid) {
                        s.main_pid = pid;
                        s.main_exited = false;
                        s.last_main = ProcessRecord{pid, "ExecStart", comm_of(pid), "", 0, ""};
                        if (const auto stat = sys::read_proc_stat(pid)) {
                            s.sessions.insert(stat->session);
                        }
                    }
                } catch (const std::exception&) {
                }
            } else if (key == "STATUS") {
                s.status_text = value;
            }
        }
        changed_.notify_all();
    }
}

// ---- processes ------------------------------------------------------------------------------

units::Environment Supervisor::environment_for(const Service& s,
                                               const units::ServiceDefinition& def) {
    units::Environment env;
    env["PATH"] = kDefaultPath;
    env["INVOCATION_ID"] = s.invocation_id;
    if (!def.user.empty()) {
        if (const passwd* pw = ::getpwnam(def.user.c_str())) {
            env["USER"] = pw->pw_name;
            env["LOGNAME"] = pw->pw_name;
            env["HOME"] = pw->pw_dir;
            env["SHELL"] = pw->pw_shell;
        }
    }
    if (!def.runtime_directories.empty()) {
        env["RUNTIME_DIRECTORY"] = "/run/" + def.runtime_directories.front();
    }
    if (!def.state_directories.empty()) {
        env["STATE_DIRECTORY"] = "/var/lib/" + def.state_directories.front();
    }
    if (!def.logs_directories.empty()) {
        env["LOGS_DIRECTORY"] = "/var/log/" + def.logs_directories.front();
    }
    if (s.notify_fd >= 0) {
        env["NOTIFY_SOCKET"] = s.notify_path;
    }
    for (const auto& [name, value] : def.environment) {
        env[name] = value;
    }
    // EnvironmentFile= settings override Environment= ones (systemd's order).
    for (const auto& [path, optional] : def.environment_files) {
        const auto text = sys::read_file(path);
        if (!text) {
            if (optional) {
                continue;
            }
            throw std::runtime_error("Failed to load environment files: No such file or directory");
        }
        for (const auto& [name, value] : units::parse_environment_file(*text)) {
            env[name] = value;
        }
    }
    return env;
}

Supervisor::SpawnResult Supervisor::spawn(Service& s, const units::Command& command,
                                          const units::ServiceDefinition& def,
                                          const units::Environment& env,
                                          const std::string& setting) {
    SpawnResult result;
    const bool is_main = setting == "ExecStart" && def.type != units::ServiceType::Oneshot &&
                         def.type != units::ServiceType::Forking;
    // Resolve the executable: absolute, or a name in systemd's fixed search path.
    std::string path = command.path;
    if (path.empty() || path[0] != '/') {
        std::string found;
        std::istringstream dirs(kDefaultPath);
        std::string dir;
        while (std::getline(dirs, dir, ':')) {
            if (::access((dir + "/" + path).c_str(), X_OK) == 0) {
                found = dir + "/" + path;
                break;
            }
        }
        path = found.empty() ? path : found;
    }
    // Credentials, resolved before fork (NSS is not async-signal-safe).
    bool change_user = !command.privileged && !def.user.empty();
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    std::string home = "/root";
    int early_failure = 0;
    if (change_user) {
        if (const passwd* pw = ::getpwnam(def.user.c_str())) {
            uid = pw->pw_uid;
            gid = pw->pw_gid;
            home = pw->pw_dir;
            int count = 64;
            groups.resize(static_cast<size_t>(count));
            if (::getgrouplist(pw->pw_name, gid, groups.data(), &count) < 0) {
                groups.resize(static_cast<size_t>(count));
                ::getgrouplist(pw->pw_name, gid, groups.data(), &count);
            }
            groups.resize(static_cast<size_t>(count));
        } else {
            early_failure = kStepUser;
        }
    }
    if (!command.privileged && !def.group.empty()) {
        if (const group* gr = ::getgrnam(def.group.c_str())) {
            gid = gr->gr_gid;
            if (!change_user) {
                groups = {gid};
            }
            change_user = true;
        } else {
            early_failure = kStepGroup;
        }
    }
    std::string cwd = def.working_directory.empty() ? "/" : def.working_directory;
    if (cwd == "~") {
        cwd = home;
    }
    const bool cwd_optional = def.working_directory_optional;
    std::vector<std::pair<int, rlimit>> limits;
    const bool can_raise = has_sys_resource_capability();
    for (const auto& [resource, limit] : def.limits) {
        rlimit wanted{limit.soft, limit.hard};
        rlimit current{};
        ::getrlimit(static_cast<__rlimit_resource>(resource), &current);
        // Without CAP_SYS_RESOURCE (sandboxed hosts drop it) a hard limit cannot go up:
        // clamp to what the machine has instead of failing like systemd would.
        if (!can_raise &&
            (wanted.rlim_max > current.rlim_max || wanted.rlim_cur > current.rlim_max)) {
            log_unit(s.name, limit_setting_name(resource) +
                                 " lowered to the machine's hard limit " +
                                 std::to_string(current.rlim_max) + " (no CAP_SYS_RESOURCE here)");
            wanted.rlim_max = std::min(wanted.rlim_max, current.rlim_max);
            wanted.rlim_cur = std::min(wanted.rlim_cur, wanted.rlim_max);
        }
        limits.push_back({resource, wanted});
    }
    std::vector<std::string> env_strings;
    for (const auto& [name, value] : env) {
        env_strings.push_back(name + "=" + value);
    }
    std::vector<char*> envp;
    for (auto& entry : env_strings) {
        envp.push_back(entry.data());
    }
    envp.push_back(nullptr);
    std::vector<std::string> argv_strings = command.argv;
    std::vector<char*> argv;
    for (auto& arg : argv_strings) {
        argv.push_back(arg.data());
    }
    argv.push_back(nullptr);

    // Output: the unit's log unless StandardOutput= says otherwise.
    sys::UniqueFd out_read;
    sys::UniqueFd out_write;
    sys::UniqueFd null_fd(::open("/dev/null", O_RDWR | O_CLOEXEC));
    auto open_target = [&](const std::string& spec) -> sys::UniqueFd {
        for (const auto& [prefix, flags] : {std::pair{"file:", O_WRONLY | O_CREAT},
                                            std::pair{"append:", O_WRONLY | O_CREAT | O_APPEND},
                                            std::pair{"truncate:", O_WRONLY | O_CREAT | O_TRUNC}}) {
            if (spec.rfind(prefix, 0) == 0) {
                return sys::UniqueFd(
                    ::open(spec.substr(std::strlen(prefix)).c_str(), flags | O_CLOEXEC, 0644));
            }
        }
        return {};
    };
    sys::UniqueFd out_file = open_target(def.standard_output);
    sys::UniqueFd err_file = open_target(def.standard_error);
    const bool out_null = def.standard_output == "null";
    const bool err_null = def.standard_error == "null";
    if (!out_null && !out_file) {
        std::tie(out_read, out_write) = sys::make_pipe();
    }
    const int stdout_fd = out_null ? null_fd.get() : out_file ? out_file.get() : out_write.get();
    const int stderr_fd = err_null                                          ? null_fd.get()
                          : err_file                                        ? err_file.get()
                          : (def.standard_error == "journal" && !out_write) ? stdout_fd
                                                                            : stdout_fd;
    auto [error_read, error_write] = sys::make_pipe();

    pid_t pid = 0;
    {
        std::lock_guard lock(mutex_);
        pid = ::fork();
        if (pid == 0) {
            // child: async-signal-safe calls only
            struct sigaction action {};
            action.sa_handler = SIG_DFL;
            for (int signal_number = 1; signal_number < NSIG; ++signal_number) {
                ::sigaction(signal_number, &action, nullptr);
            }
            sigset_t empty;
            ::sigemptyset(&empty);
            ::sigprocmask(SIG_SETMASK, &empty, nullptr);
            ::setsid();
            auto fail = [&](int step) {
                const int message[2] = {step, errno};
                [[maybe_unused]] const auto ignored =
                    ::write(error_write.get(), message, sizeof message);
                ::_exit(step);
            };
            if (early_failure != 0) {
                errno = ESRCH;
                fail(early_failure);
            }
            for (const auto& [resource, limit] : limits) {
                if (::setrlimit(static_cast<__rlimit_resource>(resource), &limit) != 0) {
                    fail(kStepLimits);
                }
            }
            if (change_user) {
                if (::setgroups(groups.size(), groups.data()) != 0 || ::setgid(gid) != 0) {
                    fail(kStepGroup);
                }
                if (uid != 0 && ::setuid(uid) != 0) {
                    fail(kStepUser);
                }
            }
            if (::chdir(cwd.c_str()) != 0 && !cwd_optional) {
                fail(kStepChdir);
            }
            const int in = ::fcntl(null_fd.get(), F_DUPFD_CLOEXEC, 10);
            const int out = ::fcntl(stdout_fd, F_DUPFD_CLOEXEC, 10);
            const int err = ::fcntl(stderr_fd, F_DUPFD_CLOEXEC, 10);
            ::dup2(in, 0);
            ::dup2(out, 1);
            ::dup2(err, 2);
            ::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
            ::execve(path.c_str(), argv.data(), envp.data());
            fail(kStepExec);
        }
        if (pid > 0) {
            s.sessions.insert(pid);
            if (is_main) {
                s.main_pid = pid;
                s.main_exited = false;
                s.last_main = ProcessRecord{pid, setting, join(command.argv), "", 0, ""};
            } else {
                tracked_.insert(pid);
                s.control_pid = pid;
            }
        }
    }
    if (pid < 0) {
        result.exec_errno = errno;
        result.failed_step = "FORK";
        return result;
    }
    result.pid = pid;
    error_write.reset();
    out_write.reset();
    if (out_read) {
        std::string identifier = def.syslog_identifier;
        if (identifier.empty()) {
            identifier =
                fs::path(command.argv.empty() ? path : command.argv.front()).filename().string();
        }
        watch_output(out_read.release(), s.name, identifier, pid);
    }
    int message[2] = {0, 0};
    ssize_t n = 0;
    while ((n = ::read(error_read.get(), message, sizeof message)) < 0 && errno == EINTR) {
    }
    if (n == static_cast<ssize_t>(sizeof message)) {
        result.exec_errno = message[1];
        result.failed_step = step_name(message[0]);
        if (message[0] == kStepExec) {
            log_unit(s.name,
                     "Unable to locate executable '" + path + "': " + std::strerror(message[1]));
        }
        log_unit(s.name, "Failed at step " + result.failed_step + " spawning " + path + ": " +
                             std::strerror(message[1]));
    }
    return result;
}

std::optional<int> Supervisor::wait_exit(pid_t pid, std::optional<Clock::time_point> deadline) {
    std::unique_lock lock(mutex_);
    auto done = [&] { return exits_.count(pid) != 0; };
    if (deadline) {
        if (!changed_.wait_until(lock, *deadline, done)) {
            return std::nullopt;
        }
    } else {
        changed_.wait(lock, done);
    }
    const int status = exits_[pid];
    exits_.erase(pid);
    return status;
}

bool Supervisor::run_control(Service& s, const std::string& setting,
                             const std::vector<std::string>& lines,
                             const units::ServiceDefinition& def, const units::Environment& env,
                             std::optional<Clock::time_point> deadline, std::string& result) {
    for (const auto& line : lines) {
        for (const auto& command : units::parse_commands(line, env)) {
            const auto spawned = spawn(s, command, def, env, setting);
            if (spawned.pid <= 0) {
                if (!command.ignore_failure) {
                    result = "resources";
                    return false;
                }
                continue;
            }
            const auto status = wait_exit(spawned.pid, deadline);
            if (!status) {
                log_unit(s.name, setting + " operation timed out. Terminating.");
                ::kill(-spawned.pid, SIGKILL);
                ::kill(spawned.pid, SIGKILL);
                wait_exit(spawned.pid, Clock::now() + std::chrono::seconds(5));
                std::lock_guard lock(mutex_);
                s.control_pid = 0;
                result = "timeout";
                return false;
            }
            const auto [code, text] = describe_wait_status(*status);
            {
                std::lock_guard lock(mutex_);
                s.control_pid = 0;
                s.control_records.push_back(ProcessRecord{
                    spawned.pid, setting, join(command.argv), code,
                    WIFEXITED(*status) ? WEXITSTATUS(*status) : WTERMSIG(*status), text});
            }
            const bool ok = WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
            if (!ok) {
                log_unit(s.name, "Control process exited, code=" + code + ", status=" + text);
                if (!command.ignore_failure) {
                    result = result_of(*status);
                    return false;
                }
            }
        }
    }
    return true;
}

std::vector<pid_t> Supervisor::service_processes(const Service& s) {
    std::map<pid_t, sys::ProcStat> all;
    for (const pid_t pid : sys::list_pids()) {
        if (pid == 1) {
            continue;
        }
        if (auto stat = sys::read_proc_stat(pid);
            stat && stat->state != 'Z' && stat->state != 'X') {
            all[pid] = *stat;
        }
    }
    std::set<pid_t> members;
    for (const auto& [pid, stat] : all) {
        if (s.sessions.count(stat.session) != 0 || pid == s.main_pid || pid == s.control_pid) {
            members.insert(pid);
        }
    }
    // Descendants of members (a daemon's children that started their own session).
    bool grew = true;
    while (grew) {
        grew = false;
        for (const auto& [pid, stat] : all) {
            if (members.count(pid) == 0 && members.count(stat.ppid) != 0) {
                members.insert(pid);
                grew = true;
            }
        }
    }
    return {members.begin(), members.end()};
}

void Supervisor::kill_processes(Service& s, const units::ServiceDefinition& def,
                                std::optional<Clock::time_point> deadline) {
    using units::KillMode;
    if (def.kill_mode == KillMode::None) {
        return;
    }
    auto targets = [&](bool all) {
        std::lock_guard lock(mutex_);
        if (all) {
            return service_processes(s);
        }
        std::vector<pid_t> main;
        if (s.main_pid > 0 && !s.main_exited && process_exists(s.main_pid)) {
            main.push_back(s.main_pid);
        }
        return main;
    };
    auto send = [&](const std::vector<pid_t>& pids, int signal) {
        for (const pid_t pid : pids) {
            ::kill(pid, signal);
            if (signal != SIGKILL) {
                ::kill(pid, SIGCONT);
            }
        }
    };
    auto wait_gone = [&](bool all, Clock::time_point until) {
        while (Clock::now() < until) {
            if (targets(all).empty()) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        return targets(all).empty();
    };
    const bool term_all = def.kill_mode == KillMode::ControlGroup;
    const bool kill_all = def.kill_mode != KillMode::Process;
    const auto until = deadline.value_or(Clock::now() + std::chrono::hours(24 * 365));
    send(targets(term_all), def.kill_signal);
    if (!wait_gone(term_all, until) && def.send_sigkill) {
        log_unit(s.name, "State 'stop-sigterm' timed out. Killing.");
        std::lock_guard lock(mutex_);
        s.result = "timeout";
    }
    if (def.send_sigkill) {
        const auto left = targets(kill_all);
        if (!left.empty()) {
            for (const pid_t pid : left) {
                log_unit(s.name, "Killing process " + std::to_string(pid) + " (" + comm_of(pid) +
                                     ") with signal SIGKILL.");
            }
            send(left, SIGKILL);
            wait_gone(kill_all, Clock::now() + std::chrono::seconds(5));
        }
    }
}

void Supervisor::prepare_directories(const units::ServiceDefinition& def) {
    uid_t uid = 0;
    gid_t gid = 0;
    if (!def.user.empty()) {
        if (const passwd* pw = ::getpwnam(def.user.c_str())) {
            uid = pw->pw_uid;
            gid = pw->pw_gid;
        }
    }
    if (!def.group.empty()) {
        if (const group* gr = ::getgrnam(def.group.c_str())) {
            gid = gr->gr_gid;
        }
    }
    auto make = [&](const fs::path& base, const std::vector<std::string>& names, mode_t mode) {
        for (const auto& name : names) {
            const fs::path path = base / name;
            fs::create_directories(path);
            ::chmod(path.c_str(), mode);
            if (::chown(path.c_str(), uid, gid) != 0) {
                throw std::runtime_error("cannot chown " + path.string() + ": " +
                                         std::strerror(errno));
            }
        }
    };
    make("/run", def.runtime_directories, def.runtime_directory_mode);
    make("/var/lib", def.state_directories, 0755);
    make("/var/log", def.logs_directories, 0755);
}

void Supervisor::remove_runtime_directories(const units::ServiceDefinition& def) {
    if (def.runtime_directory_preserve) {
        return;
    }
    for (const auto& name : def.runtime_directories) {
        std::error_code ec;
        fs::remove_all(fs::path("/run") / name, ec);
    }
}

bool Supervisor::conditions_met(Service& s, const units::ServiceDefinition& def) {
    for (const auto& condition : def.conditions) {
        struct stat st {};
        const bool exists = ::stat(condition.path.c_str(), &st) == 0;
        bool holds = false;
        if (condition.setting == "ConditionPathExists") {
            holds = exists;
        } else if (condition.setting == "ConditionPathIsDirectory") {
            holds = exists && S_ISDIR(st.st_mode);
        } else if (condition.setting == "ConditionFileNotEmpty") {
            holds = exists && S_ISREG(st.st_mode) && st.st_size > 0;
        } else if (condition.setting == "ConditionFileIsExecutable") {
            holds = exists && S_ISREG(st.st_mode) && (st.st_mode & 0111) != 0;
        } else if (condition.setting == "ConditionDirectoryNotEmpty") {
            std::error_code ec;
            holds = exists && S_ISDIR(st.st_mode) && !fs::is_empty(condition.path, ec);
        } else if (condition.setting == "ConditionPathIsMountPoint") {
            struct stat parent {};
            holds = exists && ::stat(condition.path.parent_path().c_str(), &parent) == 0 &&
                    (parent.st_dev != st.st_dev || condition.path == "/");
        }
        if (holds == condition.negate) {
            std::lock_guard lock(mutex_);
            s.condition_failed =
                condition.setting + "=" + (condition.negate ? "!" : "") + condition.path.string();
            return false;
        }
    }
    return true;
}

std::optional<pid_t> Supervisor::read_pid_file(const std::string& path) {
    const auto text = sys::read_file(path);
    if (!text) {
        return std::nullopt;
    }
    try {
        const pid_t pid = std::stoi(trim(*text));
        return pid > 1 ? std::optional<pid_t>(pid) : std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

// ---- jobs -----------------------------------------------------------------------------------

void Supervisor::fail_start(Service& s, const std::string& result) {
    units::ServiceDefinition def;
    {
        std::lock_guard lock(mutex_);
        s.result = result;
        def = s.def;
        set_state(s, ActiveState::Deactivating, "final-sigterm");
    }
    kill_processes(s, def, Clock::now() + def.timeout_stop.value_or(std::chrono::seconds(90)));
    std::string ignored;
    if (!def.exec_stop_post.empty()) {
        units::Environment env;
        try {
            std::lock_guard lock(mutex_);
            env = environment_for(s, def);
        } catch (const std::exception&) {
        }
        run_control(s, "ExecStopPost", def.exec_stop_post, def, env,
                    Clock::now() + def.timeout_stop.value_or(std::chrono::seconds(90)), ignored);
    }
    remove_runtime_directories(def);
    std::lock_guard lock(mutex_);
    s.main_pid = 0;
    s.main_exited = false;
    s.sessions.clear();
    s.result = result;
    close_notify_socket(s);
    set_state(s, ActiveState::Failed, "failed");
    log_unit(s.name, "Failed with result '" + result + "'.");
    logs_.append(s.name, "systemd", 1, "Failed to start " + display_name(s.name, def) + ".");
    if (should_restart(def.restart, result)) {
        schedule_restart(s);
    }
}

void Supervisor::schedule_restart(Service& s) {
    // Called with mutex_ held: the restart waits in its own thread, so the job that failed (and
    // a systemctl waiting for it) returns at once, as with systemd.
    set_state(s, ActiveState::Activating, "auto-restart");
    const uint64_t generation = s.generation;
    const std::string name = s.name;
    const auto delay = s.def.restart_sec;
    std::thread([this, name, generation, delay] {
        guarded("automatic restart", [&] {
            Service* sp = nullptr;
            {
                std::unique_lock lock(mutex_);
                sp = &service(name);
                const auto until = Clock::now() + delay;
                changed_.wait_until(lock, until, [&] { return sp->generation != generation; });
                if (sp->generation != generation) {
                    return;
                }
            }
            std::unique_lock job(*sp->job_mutex);
            {
                std::lock_guard lock(mutex_);
                if (sp->generation != generation || sp->sub != "auto-restart") {
                    return;
                }
                sp->job_active = true;
                ++sp->restarts;
                log_unit(name, "Scheduled restart job, restart counter is at " +
                                   std::to_string(sp->restarts) + ".");
            }
            std::string error;
            start_job(*sp, error);
            std::lock_guard lock(mutex_);
            finish_job(*sp);
        });
    }).detach();
}

Supervisor::JobResult Supervisor::start_job(Service& s, std::string& error) {
    units::ServiceDefinition def;
    {
        std::lock_guard lock(mutex_);
        load(s);
        if (s.not_found) {
            error = "Unit " + s.name + " not found.";
            return JobResult::Failed;
        }
        if (s.masked) {
            error = "Unit " + s.name + " is masked.";
            return JobResult::Failed;
        }
        if (s.active == ActiveState::Active || s.active == ActiveState::Reloading ||
            (s.active == ActiveState::Activating && s.sub != "auto-restart")) {
            return JobResult::Done;
        }
        def = s.def;
        if (def.exec_start.empty() && def.type != units::ServiceType::Oneshot) {
            log_unit(s.name, "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.");
            error = "Unit " + s.name + " has a bad unit file setting.";
            return JobResult::Failed;
        }
    }
    if (!conditions_met(s, def)) {
        std::lock_guard lock(mutex_);
        logs_.append(s.name, "systemd", 1,
                     display_name(s.name, def) +
                         " was skipped because of an unmet condition check (" +
                         *s.condition_failed + ").");
        ++s.generation;
        set_state(s, ActiveState::Inactive, "dead");
        return JobResult::Skipped;
    }
    const auto now = Clock::now();
    {
        std::lock_guard lock(mutex_);
        s.condition_failed.reset();
        while (!s.recent_starts.empty() &&
               now - s.recent_starts.front() > def.start_limit_interval) {
            s.recent_starts.pop_front();
        }
        if (def.start_limit_burst > 0 && def.start_limit_interval.count() > 0 &&
            s.recent_starts.size() >= def.start_limit_burst) {
            log_unit(s.name, "Start request repeated too quickly.");
            s.result = "start-limit-hit";
            ++s.generation;
            set_state(s, ActiveState::Failed, "failed");
            log_unit(s.name, "Failed with result 'start-limit-hit'.");
            logs_.append(s.name, "systemd", 1,
                         "Failed to start " + display_name(s.name, def) + ".");
            error = "start-limit-hit";
            return JobResult::Failed;
        }
        s.recent_starts.push_back(now);
        ++s.generation;
        s.result = "success";
        s.ready = false;
        s.status_text.clear();
        s.control_records.clear();
        s.sessions.clear();
        s.main_pid = 0;
        s.main_exited = false;
        s.last_main = {};
        s.invocation_id = random_hex(32);
        set_state(s, ActiveState::Activating, def.exec_start_pre.empty() ? "start" : "start-pre");
        logs_.append(s.name, "systemd", 1, "Starting " + display_name(s.name, def) + "...");
        if (def.type == units::ServiceType::Notify) {
            open_notify_socket(s);
        }
    }
    const std::optional<Clock::time_point> deadline =
        def.timeout_start && def.type != units::ServiceType::Oneshot
            ? std::optional<Clock::time_point>(Clock::now() + *def.timeout_start)
            : (def.type == units::ServiceType::Oneshot && def.timeout_start &&
                       s.file.value("Service", "TimeoutStartSec")
                   ? std::optional<Clock::time_point>(Clock::now() + *def.timeout_start)
                   : std::nullopt);
    units::Environment env;
    try {
        prepare_directories(def);
        std::lock_guard lock(mutex_);
        env = environment_for(s, def);
    } catch (const std::exception& failure) {
        log_unit(s.name, failure.what());
        fail_start(s, "resources");
        error = "resources";
        return JobResult::Failed;
    }
    std::string result;
    if (!run_control(s, "ExecStartPre", def.exec_start_pre, def, env, deadline, result)) {
        fail_start(s, result);
        error = result;
        return JobResult::Failed;
    }
    {
        std::lock_guard lock(mutex_);
        set_state(s, ActiveState::Activating, "start");
    }

    using units::ServiceType;
    if (def.type == ServiceType::Oneshot) {
        if (!run_control(s, "ExecStart", def.exec_start, def, env, deadline, result)) {
            fail_start(s, result);
            error = result;
            return JobResult::Failed;
        }
    } else {
        const auto commands = units::parse_commands(def.exec_start.front(), env);
        if (commands.empty()) {
            fail_start(s, "resources");
            error = "resources";
            return JobResult::Failed;
        }
        const auto spawned = spawn(s, commands.front(), def, env, "ExecStart");
        if (spawned.pid <= 0 || spawned.exec_errno != 0) {
            if (spawned.pid > 0 && def.type == ServiceType::Simple) {
                // systemd reports a simple service started once forked; it fails right after.
                std::unique_lock lock(mutex_);
                changed_.wait_for(lock, std::chrono::seconds(2),
                                  [&] { return s.main_exited || s.main_pid != spawned.pid; });
                set_state(s, ActiveState::Active, "running");
                return JobResult::Done;  // the reaper's handler records the failure
            }
            if (spawned.pid > 0 && def.type == ServiceType::Forking) {
                wait_exit(spawned.pid, Clock::now() + std::chrono::seconds(5));
            }
            fail_start(s, "exit-code");
            error = "exit-code";
            return JobResult::Failed;
        }
        if (def.type == ServiceType::Forking) {
            const auto status = wait_exit(spawned.pid, deadline);
            if (!status) {
                log_unit(s.name, "start operation timed out. Terminating.");
                fail_start(s, "timeout");
                error = "timeout";
                return JobResult::Failed;
            }
            {
                std::lock_guard lock(mutex_);
                s.control_pid = 0;
            }
            if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
                const auto [code, text] = describe_wait_status(*status);
                log_unit(s.name, "Control process exited, code=" + code + ", status=" + text);
                fail_start(s, result_of(*status));
                error = result_of(*status);
                return JobResult::Failed;
            }
            std::optional<pid_t> main;
            if (!def.pid_file.empty()) {
                // The parent exited after the daemon wrote its PID file (the forking protocol);
                // allow a moment for daemons that write it right after.
                for (int attempt = 0; attempt < 50 && !main; ++attempt) {
                    main = read_pid_file(def.pid_file);
                    if (!main) {
                        std::this_thread::sleep_for(std::chrono::milliseconds(20));
                    }
                }
                if (!main) {
                    log_unit(s.name, "Can't open PID file '" + def.pid_file +
                                         "' (yet?) after start: No such file or directory");
                }
            }
            std::lock_guard lock(mutex_);
            if (!main && def.guess_main_pid) {
                const auto members = service_processes(s);
                if (members.size() == 1) {
                    main = members.front();
                }
            }
            if (main) {
                s.main_pid = *main;
                s.main_exited = !process_exists(*main);
                s.last_main = ProcessRecord{*main, "ExecStart", comm_of(*main), "", 0, ""};
                if (const auto stat = sys::read_proc_stat(*main)) {
                    s.sessions.insert(stat->session);
                }
                if (s.main_exited) {
                    s.main_wait_status = 0;
                }
            }
        } else if (def.type == ServiceType::Notify) {
            std::unique_lock lock(mutex_);
            auto done = [&] {
                drain_notify(s);
                return s.ready || s.main_exited;
            };
            bool finished = deadline ? changed_.wait_until(lock, *deadline, done)
                                     : (changed_.wait(lock, done), true);
            if (!s.ready) {
                if (!finished) {
                    log_unit(s.name, "start operation timed out. Terminating.");
                    lock.unlock();
                    fail_start(s, "timeout");
                    error = "timeout";
                    return JobResult::Failed;
                }
                const int status = s.main_wait_status;
                const auto [code, text] = describe_wait_status(status);
                log_unit(s.name, "Main process exited, code=" + code + ", status=" + text);
                const std::string failed =
                    is_clean_exit(status, def) ? "protocol" : result_of(status);
                lock.unlock();
                fail_start(s, failed);
                error = failed;
                return JobResult::Failed;
            }
        }
    }
    if (!def.exec_start_post.empty()) {
        {
            std::lock_guard lock(mutex_);
            set_state(s, ActiveState::Activating, "start-post");
        }
        if (!run_control(s, "ExecStartPost", def.exec_start_post, def, env, deadline, result)) {
            fail_start(s, result);
            error = result;
            return JobResult::Failed;
        }
    }
    std::lock_guard lock(mutex_);
    if (def.type == units::ServiceType::Oneshot) {
        if (def.remain_after_exit) {
            set_state(s, ActiveState::Active, "exited");
        } else {
            set_state(s, ActiveState::Inactive, "dead");
            remove_runtime_directories(def);
        }
        logs_.append(s.name, "systemd", 1, "Finished " + display_name(s.name, def) + ".");
    } else {
        set_state(s, ActiveState::Active, "running");
        logs_.append(s.name, "systemd", 1, "Started " + display_name(s.name, def) + ".");
    }
    return JobResult::Done;
}

Supervisor::JobResult Supervisor::stop_job(Service& s, bool restarting) {
    units::ServiceDefinition def;
    {
        std::lock_guard lock(mutex_);
        ++s.generation;  // cancels a pending automatic restart
        if (s.active == ActiveState::Activating && s.sub == "auto-restart") {
            set_state(s, restarting ? ActiveState::Inactive : ActiveState::Failed,
                      restarting ? "dead" : "failed");
            if (!restarting) {
                set_state(s, ActiveState::Inactive, "dead");
            }
            return JobResult::Done;
        }
        if (s.active == ActiveState::Inactive || s.active == ActiveState::Failed) {
            if (service_processes(s).empty()) {
                return JobResult::Done;
            }
        }
        def = s.def;
        set_state(s, ActiveState::Deactivating, "stop");
        logs_.append(s.name, "systemd", 1, "Stopping " + display_name(s.name, def) + "...");
        s.result = "success";
    }
    const auto deadline = def.timeout_stop
                              ? std::optional<Clock::time_point>(Clock::now() + *def.timeout_stop)
                              : std::nullopt;
    units::Environment env;
    {
        std::lock_guard lock(mutex_);
        try {
            env = environment_for(s, def);
        } catch (const std::exception&) {
        }
        if (s.main_pid > 0 && !s.main_exited) {
            env["MAINPID"] = std::to_string(s.main_pid);
        }
    }
    std::string result;
    if (!def.exec_stop.empty()) {
        run_control(s, "ExecStop", def.exec_stop, def, env, deadline, result);
    }
    {
        std::lock_guard lock(mutex_);
        set_state(s, ActiveState::Deactivating, "stop-sigterm");
    }
    kill_processes(s, def, deadline);
    if (!def.exec_stop_post.empty()) {
        run_control(s, "ExecStopPost", def.exec_stop_post, def, env, deadline, result);
    }
    remove_runtime_directories(def);
    std::lock_guard lock(mutex_);
    drain_notify(s);
    const bool main_failed =
        s.main_exited && !is_clean_exit(s.main_wait_status, def) &&
        !(WIFSIGNALED(s.main_wait_status) && WTERMSIG(s.main_wait_status) == def.kill_signal);
    if (main_failed && s.result == "success") {
        s.result = result_of(s.main_wait_status);
    }
    s.main_pid = 0;
    s.main_exited = false;
    s.control_pid = 0;
    s.sessions.clear();
    close_notify_socket(s);
    if (s.result != "success") {
        set_state(s, ActiveState::Failed, "failed");
        log_unit(s.name, "Failed with result '" + s.result + "'.");
    } else {
        set_state(s, ActiveState::Inactive, "dead");
    }
    logs_.append(s.name, "systemd", 1, "Stopped " + display_name(s.name, def) + ".");
    return JobResult::Done;
}

Supervisor::JobResult Supervisor::reload_job(Service& s, std::string& error) {
    units::ServiceDefinition def;
    units::Environment env;
    {
        std::lock_guard lock(mutex_);
        load(s);
        if (s.not_found) {
            error = "Unit " + s.name + " not found.";
            return JobResult::Failed;
        }
        def = s.def;
        if (def.exec_reload.empty()) {
            error = "Job type reload is not applicable for unit " + s.name + ".";
            return JobResult::Failed;
        }
        if (s.active != ActiveState::Active) {
            error = "Unit " + s.name + " cannot be reloaded because it is inactive.";
            return JobResult::Failed;
        }
        try {
            env = environment_for(s, def);
        } catch (const std::exception&) {
        }
        if (s.main_pid > 0) {
            env["MAINPID"] = std::to_string(s.main_pid);
        }
        set_state(s, ActiveState::Reloading, "reload");
        logs_.append(s.name, "systemd", 1, "Reloading " + display_name(s.name, def) + "...");
    }
    std::string result;
    const bool ok = run_control(
        s, "ExecReload", def.exec_reload, def, env,
        def.timeout_start ? std::optional<Clock::time_point>(Clock::now() + *def.timeout_start)
                          : std::nullopt,
        result);
    std::lock_guard lock(mutex_);
    if (s.active == ActiveState::Reloading) {
        set_state(s, ActiveState::Active, "running");
    }
    if (!ok) {
        log_unit(s.name, "Reload failed with result '" + result + "'.");
        error = "Job for " + s.name + " failed.\nSee \"systemctl status " + s.name +
                "\" and \"journalctl -xeu " + s.name + "\" for details.";
        return JobResult::Failed;
    }
    logs_.append(s.name, "systemd", 1, "Reloaded " + display_name(s.name, def) + ".");
    return JobResult::Done;
}

void Supervisor::died_job(Service& s) {
    units::ServiceDefinition def;
    int status = 0;
    {
        std::lock_guard lock(mutex_);
        def = s.def;
        status = s.main_wait_status;
        const auto [code, text] = describe_wait_status(status);
        const bool clean = is_clean_exit(status, def);
        if (!clean || code != "exited" || WEXITSTATUS(status) != 0) {
            log_unit(s.name, "Main process exited, code=" + code + ", status=" + text);
        }
        s.result = clean ? "success" : result_of(status);
        s.main_pid = 0;
        s.main_exited = false;
        set_state(s, ActiveState::Deactivating, "stop-sigterm");
    }
    units::Environment env;
    {
        std::lock_guard lock(mutex_);
        try {
            env = environment_for(s, def);
        } catch (const std::exception&) {
        }
    }
    const auto deadline = Clock::now() + def.timeout_stop.value_or(std::chrono::seconds(90));
    std::string ignored;
    if (!def.exec_stop.empty()) {
        run_control(s, "ExecStop", def.exec_stop, def, env, deadline, ignored);
    }
    kill_processes(s, def, deadline);
    if (!def.exec_stop_post.empty()) {
        run_control(s, "ExecStopPost", def.exec_stop_post, def, env, deadline, ignored);
    }
    remove_runtime_directories(def);
    std::lock_guard lock(mutex_);
    s.sessions.clear();
    close_notify_socket(s);
    if (s.result == "success") {
        set_state(s, ActiveState::Inactive, "dead");
        log_unit(s.name, "Deactivated successfully.");
    } else {
        set_state(s, ActiveState::Failed, "failed");
        log_unit(s.name, "Failed with result '" + s.result + "'.");
    }
    if (should_restart(def.restart, s.result)) {
        schedule_restart(s);
    }
}

// ---- boot -----------------------------------------------------------------------------------

void Supervisor::boot() {
    {
        std::lock_guard lock(mutex_);
        system_state_ = "starting";
    }
    std::thread([this] {
        guarded("boot", [&] {
            std::vector<std::string> names;
            for (const auto& target : kWantsTargets) {
                std::error_code ec;
                for (const auto& entry : fs::directory_iterator(
                         fs::path("/etc/systemd/system") / (target + ".wants"), ec)) {
                    const auto name = entry.path().filename().string();
                    if (entry.path().extension() == ".service" &&
                        std::find(names.begin(), names.end(), name) == names.end()) {
                        names.push_back(name);
                    }
                }
            }
            std::sort(names.begin(), names.end());
            std::map<std::string, std::vector<std::string>> after;
            {
                std::lock_guard lock(mutex_);
                for (const auto& name : names) {
                    auto& s = service(name);
                    load(s);
                    for (const auto& other : s.def.after) {
                        if (std::find(names.begin(), names.end(), other) != names.end()) {
                            after[name].push_back(other);
                        }
                    }
                    for (const auto& other : s.def.before) {
                        if (std::find(names.begin(), names.end(), other) != names.end()) {
                            after[other].push_back(name);
                        }
                    }
                }
            }
            std::set<std::string> done;
            bool degraded = false;
            std::vector<std::thread> jobs;
            for (const auto& name : names) {
                jobs.emplace_back([&, name] {
                    {
                        std::unique_lock lock(mutex_);
                        // Waits for the units ordered before it; an ordering cycle is broken after
                        // a while, as systemd breaks cycles (less politely).
                        changed_.wait_for(lock, std::chrono::seconds(120), [&] {
                            return std::all_of(
                                after[name].begin(), after[name].end(),
                                [&](const std::string& other) { return done.count(other) != 0; });
                        });
                    }
                    Service* sp = nullptr;
                    {
                        std::lock_guard lock(mutex_);
                        sp = &service(name);
                    }
                    JobResult result = JobResult::Failed;
                    guarded("boot job", [&] {
                        std::unique_lock job(*sp->job_mutex);
                        {
                            std::lock_guard lock(mutex_);
                            sp->job_active = true;
                        }
                        std::string error;
                        result = start_job(*sp, error);
                        std::lock_guard lock(mutex_);
                        finish_job(*sp);
                    });
                    std::lock_guard lock(mutex_);
                    done.insert(name);
                    degraded = degraded || result == JobResult::Failed;
                    changed_.notify_all();
                });
            }
            for (auto& job : jobs) {
                job.join();
            }
            std::lock_guard lock(mutex_);
            system_state_ = degraded ? "degraded" : "running";
            changed_.notify_all();
        });
    }).detach();
}

// ---- commands -------------------------------------------------------------------------------

}  // namespace jujusim::init
