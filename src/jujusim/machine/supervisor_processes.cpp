// The service manager's processes: environment, spawning, waiting, killing, directories.
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

#include "supervisor.hpp"
#include "supervisor_internal.hpp"
#include "supervisor_util.hpp"
#include "sys.hpp"

namespace jujusim::init {

using namespace detail;

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

}  // namespace jujusim::init
