#include "supervisor.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <ctime>
#include <fstream>
#include <iostream>
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

#include <slurmctld/util/files.hpp>

#include "supervisor_internal.hpp"
#include "supervisor_util.hpp"
#include "sys.hpp"

namespace jujusim::init {

using namespace detail;

namespace detail {

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

ServiceResult result_of(int status) {
    if (WIFEXITED(status)) {
        return ServiceResult::ExitCode;
    }
    return WCOREDUMP(status) ? ServiceResult::CoreDump : ServiceResult::Signal;
}

bool should_restart(units::RestartPolicy policy, ServiceResult result) {
    using units::RestartPolicy;
    const bool clean = result == ServiceResult::Success;
    const bool unclean_signal =
        result == ServiceResult::Signal || result == ServiceResult::CoreDump;
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
            return unclean_signal || result == ServiceResult::Timeout ||
                   result == ServiceResult::Watchdog;
        case RestartPolicy::OnWatchdog:
            return result == ServiceResult::Watchdog;
        case RestartPolicy::OnAbort:
            return unclean_signal;
    }
    return false;
}

std::string job_failure_message(const std::string& unit, std::optional<ServiceResult> result) {
    // systemctl's table; its "start-limit" entry names no result (the result is
    // "start-limit-hit"), so that failure gets no explanation.
    static constexpr units::NamedValue<ServiceResult> kExplanations[] = {
        {"of unavailable resources or another system error", ServiceResult::Resources},
        {"the service did not take the steps required by its unit configuration",
         ServiceResult::Protocol},
        {"a timeout was exceeded", ServiceResult::Timeout},
        {"the control process exited with error code", ServiceResult::ExitCode},
        {"a fatal signal was delivered to the control process", ServiceResult::Signal},
        {"a fatal signal was delivered causing the control process to dump core",
         ServiceResult::CoreDump},
        {"the service failed to send watchdog ping", ServiceResult::Watchdog}};
    std::string text = "Job for " + unit + " failed";
    for (const auto& [explanation, value] : kExplanations) {
        if (result == value) {
            text += " because " + std::string(explanation);
        }
    }
    return text + ".\nSee \"systemctl status " + unit + "\" and \"journalctl -xeu " + unit +
           "\" for details.";
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
    const auto status = util::read_regular_file("/proc/self/status").value_or("");
    const auto at = status.find("CapEff:");
    if (at == std::string::npos) {
        return true;
    }
    const unsigned long long caps = std::stoull(status.substr(at + 7), nullptr, 16);
    return (caps >> 24) & 1ULL;
}

}  // namespace detail

namespace {

/// systemd's word for `value`: `names` lists them in the enum's order (checked below).
template <typename Enum, std::size_t N>
const char* systemd_word(const std::array<const char*, N>& names, Enum value) {
    return names.at(static_cast<std::size_t>(value));
}

constexpr std::array<const char*, 6> kActiveStates{"inactive",  "activating",   "active",
                                                   "reloading", "deactivating", "failed"};
static_assert(static_cast<std::size_t>(ActiveState::Failed) + 1 == kActiveStates.size());
constexpr std::array<const char*, 12> kSubStates{
    "dead",   "start-pre", "start",        "start-post",    "running", "exited",
    "reload", "stop",      "stop-sigterm", "final-sigterm", "failed",  "auto-restart"};
static_assert(static_cast<std::size_t>(SubState::AutoRestart) + 1 == kSubStates.size());
constexpr std::array<const char*, 4> kSystemStates{"initializing", "starting", "running",
                                                   "degraded"};
static_assert(static_cast<std::size_t>(SystemState::Degraded) + 1 == kSystemStates.size());
constexpr std::array<const char*, 9> kServiceResults{"success",   "resources", "protocol",
                                                     "timeout",   "exit-code", "signal",
                                                     "core-dump", "watchdog",  "start-limit-hit"};
static_assert(static_cast<std::size_t>(ServiceResult::StartLimitHit) + 1 == kServiceResults.size());

}  // namespace

const char* to_string(ActiveState state) {
    return systemd_word(kActiveStates, state);
}

const char* to_string(SubState state) {
    return systemd_word(kSubStates, state);
}

const char* to_string(SystemState state) {
    return systemd_word(kSystemStates, state);
}

const char* to_string(ServiceResult result) {
    return systemd_word(kServiceResults, result);
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

void Supervisor::set_state(Service& s, ActiveState state, SubState sub) {
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
            const auto stat = util::read_proc_stat(s->main_pid);
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
                    set_state(s, ActiveState::Active, SubState::Running);
                }
            } else if (key == "MAINPID") {
                try {
                    const pid_t pid = std::stoi(value);
                    if (pid > 1 && pid != s.main_pid) {
                        s.main_pid = pid;
                        s.main_exited = false;
                        s.last_main = ExecRecord{pid, "ExecStart", comm_of(pid), "", 0, ""};
                        if (const auto stat = util::read_proc_stat(pid)) {
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

}  // namespace jujusim::init
