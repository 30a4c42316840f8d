// The service manager's processes: environment, spawning, waiting, killing, directories.
#include <algorithm>
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
#include <slurmctld/util/process.hpp>
#include <slurmctld/util/strings.hpp>

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
    env["PATH"] = std::string(slurmctld::util::kDefaultSearchPath);
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
        const auto text = util::read_regular_file_following(path);
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

namespace {

/// An executable name as systemd finds it: absolute, or in its fixed search path.
std::string resolve_executable(const std::string& name) {
    if (!name.empty() && name[0] == '/') {
        return name;
    }
    return slurmctld::util::find_on_path(name, slurmctld::util::kDefaultSearchPath).value_or(name);
}

/// The stdout and stderr descriptors of a service's process: the unit's log (a pipe read
/// by the init), a file StandardOutput=/StandardError= names, or /dev/null.
struct ServiceOutput {
    util::UniqueFd null_fd{::open("/dev/null", O_RDWR | O_CLOEXEC)};
    util::UniqueFd out_read;  ///< the log pipe's read end, when there is one
    util::UniqueFd out_write;
    util::UniqueFd out_file;
    util::UniqueFd err_file;
    int stdout_fd = -1;
    int stderr_fd = -1;
};

util::UniqueFd open_output_target(const std::string& spec) {
    for (const auto& [prefix, flags] : {std::pair{"file:", O_WRONLY | O_CREAT},
                                        std::pair{"append:", O_WRONLY | O_CREAT | O_APPEND},
                                        std::pair{"truncate:", O_WRONLY | O_CREAT | O_TRUNC}}) {
        if (spec.rfind(prefix, 0) == 0) {
            return util::UniqueFd(
                ::open(spec.substr(std::strlen(prefix)).c_str(), flags | O_CLOEXEC, 0644));
        }
    }
    return {};
}

void open_service_output(const units::ServiceDefinition& def, ServiceOutput& output) {
    output.out_file = open_output_target(def.standard_output);
    output.err_file = open_output_target(def.standard_error);
    const bool out_null = def.standard_output == "null";
    const bool err_null = def.standard_error == "null";
    if (!out_null && !output.out_file) {
        std::tie(output.out_read, output.out_write) = util::make_pipe();
    }
    output.stdout_fd = out_null          ? output.null_fd.get()
                       : output.out_file ? output.out_file.get()
                                         : output.out_write.get();
    // StandardError=journal (the default) and inherit both go where stdout goes.
    output.stderr_fd = err_null          ? output.null_fd.get()
                       : output.err_file ? output.err_file.get()
                                         : output.stdout_fd;
}

/// Everything a service's process needs, resolved before fork: NSS lookups and allocation are
/// not async-signal-safe, and the init has other threads.
struct SpawnPlan {
    std::string path;
    bool change_user = false;
    uid_t uid = 0;
    gid_t gid = 0;
    std::vector<gid_t> groups;
    std::string home = "/root";
    int early_failure = 0;  ///< a step that already failed (unknown User= or Group=)
    std::string cwd;
    bool cwd_optional = false;
    std::vector<std::pair<int, rlimit>> limits;
    std::vector<std::string> env_strings;
    std::vector<std::string> argv_strings;
    std::vector<char*> envp;
    std::vector<char*> argv;
    ServiceOutput output;
};

/// User=, Group= and the supplementary groups (not for a '+' command, which runs as root).
void resolve_credentials(const units::Command& command, const units::ServiceDefinition& def,
                         SpawnPlan& plan) {
    plan.change_user = !command.privileged && !def.user.empty();
    if (plan.change_user) {
        if (const passwd* pw = ::getpwnam(def.user.c_str())) {
            plan.uid = pw->pw_uid;
            plan.gid = pw->pw_gid;
            plan.home = pw->pw_dir;
            int count = 64;
            plan.groups.resize(static_cast<size_t>(count));
            if (::getgrouplist(pw->pw_name, plan.gid, plan.groups.data(), &count) < 0) {
                plan.groups.resize(static_cast<size_t>(count));
                ::getgrouplist(pw->pw_name, plan.gid, plan.groups.data(), &count);
            }
            plan.groups.resize(static_cast<size_t>(count));
        } else {
            plan.early_failure = kStepUser;
        }
    }
    if (!command.privileged && !def.group.empty()) {
        if (const group* gr = ::getgrnam(def.group.c_str())) {
            plan.gid = gr->gr_gid;
            if (!plan.change_user) {
                plan.groups = {plan.gid};
            }
            plan.change_user = true;
        } else {
            plan.early_failure = kStepGroup;
        }
    }
}

/// LimitNOFILE= and friends; `note` hears of a limit lowered to what the machine allows.
void resolve_limits(const units::ServiceDefinition& def, SpawnPlan& plan,
                    const std::function<void(const std::string&)>& note) {
    const bool can_raise = has_sys_resource_capability();
    for (const auto& [resource, limit] : def.limits) {
        rlimit wanted{limit.soft, limit.hard};
        rlimit current{};
        ::getrlimit(static_cast<__rlimit_resource>(resource), &current);
        // Without CAP_SYS_RESOURCE (sandboxed hosts drop it) a hard limit cannot go up:
        // clamp to what the machine has instead of failing like systemd would.
        if (!can_raise &&
            (wanted.rlim_max > current.rlim_max || wanted.rlim_cur > current.rlim_max)) {
            note(limit_setting_name(resource) + " lowered to the machine's hard limit " +
                 std::to_string(current.rlim_max) + " (no CAP_SYS_RESOURCE here)");
            wanted.rlim_max = std::min(wanted.rlim_max, current.rlim_max);
            wanted.rlim_cur = std::min(wanted.rlim_cur, wanted.rlim_max);
        }
        plan.limits.push_back({resource, wanted});
    }
}

/// The forked child: limits, credentials, directory, descriptors, exec. Async-signal-safe
/// calls only; a failed step is written to `error_fd` as {step, errno} and is the exit code.
[[noreturn]] void exec_service(const SpawnPlan& plan, int error_fd) {
    sys::reset_signals_in_child();
    ::setsid();
    auto fail = [&](int step) {
        const int message[2] = {step, errno};
        [[maybe_unused]] const auto ignored = ::write(error_fd, message, sizeof message);
        ::_exit(step);
    };
    if (plan.early_failure != 0) {
        errno = ESRCH;
        fail(plan.early_failure);
    }
    for (const auto& [resource, limit] : plan.limits) {
        if (::setrlimit(static_cast<__rlimit_resource>(resource), &limit) != 0) {
            fail(kStepLimits);
        }
    }
    if (plan.change_user) {
        if (::setgroups(plan.groups.size(), plan.groups.data()) != 0 || ::setgid(plan.gid) != 0) {
            fail(kStepGroup);
        }
        if (plan.uid != 0 && ::setuid(plan.uid) != 0) {
            fail(kStepUser);
        }
    }
    if (::chdir(plan.cwd.c_str()) != 0 && !plan.cwd_optional) {
        fail(kStepChdir);
    }
    const int in = sys::move_fd_high(plan.output.null_fd.get());
    const int out = sys::move_fd_high(plan.output.stdout_fd);
    const int err = sys::move_fd_high(plan.output.stderr_fd);
    ::dup2(in, 0);
    ::dup2(out, 1);
    ::dup2(err, 2);
    sys::close_fds_from(3, CLOSE_RANGE_CLOEXEC);
    ::execve(plan.path.c_str(), plan.argv.data(), plan.envp.data());
    fail(kStepExec);
    ::_exit(kStepExec);  // not reached: fail() exits
}

}  // namespace

Supervisor::SpawnResult Supervisor::spawn(Service& s, const units::Command& command,
                                          const units::ServiceDefinition& def,
                                          const units::Environment& env,
                                          const std::string& setting) {
    SpawnResult result;
    const bool is_main = setting == "ExecStart" && def.type != units::ServiceType::Oneshot &&
                         def.type != units::ServiceType::Forking;
    SpawnPlan plan;
    plan.path = resolve_executable(command.path);
    resolve_credentials(command, def, plan);
    plan.cwd = def.working_directory.empty() ? "/" : def.working_directory;
    if (plan.cwd == "~") {
        plan.cwd = plan.home;
    }
    plan.cwd_optional = def.working_directory_optional;
    resolve_limits(def, plan, [&](const std::string& note) { log_unit(s.name, note); });
    for (const auto& [name, value] : env) {
        plan.env_strings.push_back(name + "=" + value);
    }
    plan.argv_strings = command.argv;
    plan.envp = sys::c_strings(plan.env_strings);
    plan.argv = sys::c_strings(plan.argv_strings);
    open_service_output(def, plan.output);
    auto [error_read, error_write] = util::make_pipe();

    pid_t pid = 0;
    {
        std::lock_guard lock(mutex_);
        pid = ::fork();
        if (pid == 0) {
            exec_service(plan, error_write.get());
        }
        if (pid > 0) {
            s.sessions.insert(pid);
            if (is_main) {
                s.main_pid = pid;
                s.main_exited = false;
                s.last_main =
                    ExecRecord{pid, setting, util::describe_command(command.argv), "", 0, ""};
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
    plan.output.out_write.reset();
    if (plan.output.out_read) {
        std::string identifier = def.syslog_identifier;
        if (identifier.empty()) {
            identifier = fs::path(command.argv.empty() ? plan.path : command.argv.front())
                             .filename()
                             .string();
        }
        watch_output(plan.output.out_read.release(), s.name, identifier, pid);
    }
    report_spawn_failure(s, plan.path, error_read.get(), result);
    return result;
}

void Supervisor::report_spawn_failure(Service& s, const std::string& path, int error_fd,
                                      SpawnResult& result) {
    int message[2] = {0, 0};
    ssize_t n = 0;
    while ((n = ::read(error_fd, message, sizeof message)) < 0 && errno == EINTR) {
    }
    if (n != static_cast<ssize_t>(sizeof message)) {
        return;  // the exec succeeded: the pipe closed with it
    }
    result.exec_errno = message[1];
    result.failed_step = step_name(message[0]);
    if (message[0] == kStepExec) {
        log_unit(s.name,
                 "Unable to locate executable '" + path + "': " + std::strerror(message[1]));
    }
    log_unit(s.name, "Failed at step " + result.failed_step + " spawning " + path + ": " +
                         std::strerror(message[1]));
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
                             std::optional<Clock::time_point> deadline, ServiceResult& result) {
    for (const auto& line : lines) {
        for (const auto& command : units::parse_commands(line, env)) {
            const auto spawned = spawn(s, command, def, env, setting);
            if (spawned.pid <= 0) {
                if (!command.ignore_failure) {
                    result = ServiceResult::Resources;
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
                result = ServiceResult::Timeout;
                return false;
            }
            const auto [code, text] = describe_wait_status(*status);
            {
                std::lock_guard lock(mutex_);
                s.control_pid = 0;
                s.control_records.push_back(ExecRecord{
                    spawned.pid, setting, util::describe_command(command.argv), code,
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
    std::map<pid_t, util::ProcStat> all;
    for (const pid_t pid : util::list_pids()) {
        if (pid == 1) {
            continue;
        }
        if (auto stat = util::read_proc_stat(pid);
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
        s.result = ServiceResult::Timeout;
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
    try {
        const auto text = util::read_regular_file_following(path);
        if (!text) {
            return std::nullopt;
        }
        const pid_t pid = std::stoi(std::string(util::trim(*text)));
        return pid > 1 ? std::optional<pid_t>(pid) : std::nullopt;
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace jujusim::init
