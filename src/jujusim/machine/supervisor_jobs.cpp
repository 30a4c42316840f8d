// The service manager's jobs (start, stop, reload, a service that died) and boot.
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

#include <slurmctld/util/proc.hpp>

#include "supervisor.hpp"
#include "supervisor_internal.hpp"
#include "supervisor_util.hpp"
#include "sys.hpp"

namespace jujusim::init {

using namespace detail;

// ---- jobs -----------------------------------------------------------------------------------

void Supervisor::fail_start(Service& s, ServiceResult result) {
    units::ServiceDefinition def;
    {
        std::lock_guard lock(mutex_);
        s.result = result;
        def = s.def;
        set_state(s, ActiveState::Deactivating, SubState::FinalSigterm);
    }
    kill_processes(s, def, Clock::now() + def.timeout_stop.value_or(std::chrono::seconds(90)));
    ServiceResult ignored = ServiceResult::Success;
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
    set_state(s, ActiveState::Failed, SubState::Failed);
    log_unit(s.name, std::string("Failed with result '") + to_string(result) + "'.");
    logs_.append(s.name, "systemd", 1, "Failed to start " + display_name(s.name, def) + ".");
    if (should_restart(def.restart, result)) {
        schedule_restart(s);
    }
}

void Supervisor::schedule_restart(Service& s) {
    // Called with mutex_ held: the restart waits in its own thread, so the job that failed (and
    // a systemctl waiting for it) returns at once, as with systemd.
    set_state(s, ActiveState::Activating, SubState::AutoRestart);
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
                if (sp->generation != generation || sp->sub != SubState::AutoRestart) {
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
    if (const auto over = check_can_start(s, def, error)) {
        return *over;
    }
    if (!conditions_met(s, def)) {
        std::lock_guard lock(mutex_);
        logs_.append(s.name, "systemd", 1,
                     display_name(s.name, def) +
                         " was skipped because of an unmet condition check (" +
                         *s.condition_failed + ").");
        ++s.generation;
        set_state(s, ActiveState::Inactive, SubState::Dead);
        return JobResult::Skipped;
    }
    if (const auto over = enter_activating(s, def, error)) {
        return *over;
    }
    const auto deadline = start_deadline(s, def);
    units::Environment env;
    try {
        prepare_directories(def);
        std::lock_guard lock(mutex_);
        env = environment_for(s, def);
    } catch (const std::exception& failure) {
        log_unit(s.name, failure.what());
        return fail_job(s, ServiceResult::Resources, error);
    }
    ServiceResult result = ServiceResult::Success;
    if (!run_control(s, "ExecStartPre", def.exec_start_pre, def, env, deadline, result)) {
        return fail_job(s, result, error);
    }
    {
        std::lock_guard lock(mutex_);
        set_state(s, ActiveState::Activating, SubState::Start);
    }
    if (def.type == units::ServiceType::Oneshot) {
        if (!run_control(s, "ExecStart", def.exec_start, def, env, deadline, result)) {
            return fail_job(s, result, error);
        }
    } else if (const auto over = start_main_process(s, def, env, deadline, error)) {
        return *over;
    }
    if (!def.exec_start_post.empty()) {
        {
            std::lock_guard lock(mutex_);
            set_state(s, ActiveState::Activating, SubState::StartPost);
        }
        if (!run_control(s, "ExecStartPost", def.exec_start_post, def, env, deadline, result)) {
            return fail_job(s, result, error);
        }
    }
    complete_start(s, def);
    return JobResult::Done;
}

Supervisor::JobResult Supervisor::fail_job(Service& s, ServiceResult result, std::string& error) {
    fail_start(s, result);
    error = job_failure_message(s.name, result);
    return JobResult::Failed;
}

std::optional<Supervisor::JobResult> Supervisor::check_can_start(Service& s,
                                                                 units::ServiceDefinition& def,
                                                                 std::string& error) {
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
        (s.active == ActiveState::Activating && s.sub != SubState::AutoRestart)) {
        return JobResult::Done;
    }
    def = s.def;
    if (def.exec_start.empty() && def.type != units::ServiceType::Oneshot) {
        log_unit(s.name, "Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.");
        error = "Unit " + s.name + " has a bad unit file setting.";
        return JobResult::Failed;
    }
    return std::nullopt;
}

std::optional<Supervisor::JobResult> Supervisor::enter_activating(
    Service& s, const units::ServiceDefinition& def, std::string& error) {
    const auto now = Clock::now();
    std::lock_guard lock(mutex_);
    s.condition_failed.reset();
    while (!s.recent_starts.empty() && now - s.recent_starts.front() > def.start_limit_interval) {
        s.recent_starts.pop_front();
    }
    if (def.start_limit_burst > 0 && def.start_limit_interval.count() > 0 &&
        s.recent_starts.size() >= def.start_limit_burst) {
        log_unit(s.name, "Start request repeated too quickly.");
        s.result = ServiceResult::StartLimitHit;
        ++s.generation;
        set_state(s, ActiveState::Failed, SubState::Failed);
        log_unit(s.name, "Failed with result 'start-limit-hit'.");
        logs_.append(s.name, "systemd", 1, "Failed to start " + display_name(s.name, def) + ".");
        error = job_failure_message(s.name, ServiceResult::StartLimitHit);
        return JobResult::Failed;
    }
    s.recent_starts.push_back(now);
    ++s.generation;
    s.result = ServiceResult::Success;
    s.ready = false;
    s.status_text.clear();
    s.control_records.clear();
    s.sessions.clear();
    s.main_pid = 0;
    s.main_exited = false;
    s.last_main = {};
    s.invocation_id = sys::random_id128();
    set_state(s, ActiveState::Activating,
              def.exec_start_pre.empty() ? SubState::Start : SubState::StartPre);
    logs_.append(s.name, "systemd", 1, "Starting " + display_name(s.name, def) + "...");
    if (def.type == units::ServiceType::Notify) {
        open_notify_socket(s);
    }
    return std::nullopt;
}

std::optional<Clock::time_point> Supervisor::start_deadline(const Service& s,
                                                            const units::ServiceDefinition& def) {
    if (!def.timeout_start) {
        return std::nullopt;
    }
    // A oneshot has no start timeout unless TimeoutStartSec= sets one (systemd's default).
    if (def.type == units::ServiceType::Oneshot && !s.file.value("Service", "TimeoutStartSec")) {
        return std::nullopt;
    }
    return Clock::now() + *def.timeout_start;
}

std::optional<Supervisor::JobResult> Supervisor::start_main_process(
    Service& s, const units::ServiceDefinition& def, const units::Environment& env,
    std::optional<Clock::time_point> deadline, std::string& error) {
    using units::ServiceType;
    const auto commands = units::parse_commands(def.exec_start.front(), env);
    if (commands.empty()) {
        return fail_job(s, ServiceResult::Resources, error);
    }
    const auto spawned = spawn(s, commands.front(), def, env, "ExecStart");
    if (spawned.pid <= 0 || spawned.exec_errno != 0) {
        if (spawned.pid > 0 && def.type == ServiceType::Simple) {
            // systemd reports a simple service started once forked; it fails right after.
            std::unique_lock lock(mutex_);
            changed_.wait_for(lock, std::chrono::seconds(2),
                              [&] { return s.main_exited || s.main_pid != spawned.pid; });
            set_state(s, ActiveState::Active, SubState::Running);
            return JobResult::Done;  // the reaper's handler records the failure
        }
        if (spawned.pid > 0 && def.type == ServiceType::Forking) {
            wait_exit(spawned.pid, Clock::now() + std::chrono::seconds(5));
        }
        return fail_job(s, ServiceResult::ExitCode, error);
    }
    if (def.type == ServiceType::Forking) {
        return finish_forking_start(s, def, spawned.pid, deadline, error);
    }
    if (def.type == ServiceType::Notify) {
        return wait_until_ready(s, def, deadline, error);
    }
    return std::nullopt;
}

std::optional<Supervisor::JobResult> Supervisor::finish_forking_start(
    Service& s, const units::ServiceDefinition& def, pid_t parent,
    std::optional<Clock::time_point> deadline, std::string& error) {
    const auto status = wait_exit(parent, deadline);
    if (!status) {
        log_unit(s.name, "start operation timed out. Terminating.");
        return fail_job(s, ServiceResult::Timeout, error);
    }
    {
        std::lock_guard lock(mutex_);
        s.control_pid = 0;
    }
    if (!WIFEXITED(*status) || WEXITSTATUS(*status) != 0) {
        const auto [code, text] = describe_wait_status(*status);
        log_unit(s.name, "Control process exited, code=" + code + ", status=" + text);
        return fail_job(s, result_of(*status), error);
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
        s.last_main = ExecRecord{*main, "ExecStart", comm_of(*main), "", 0, ""};
        if (const auto stat = util::read_proc_stat(*main)) {
            s.sessions.insert(stat->session);
        }
        if (s.main_exited) {
            s.main_wait_status = 0;
        }
    }
    return std::nullopt;
}

std::optional<Supervisor::JobResult> Supervisor::wait_until_ready(
    Service& s, const units::ServiceDefinition& def, std::optional<Clock::time_point> deadline,
    std::string& error) {
    std::unique_lock lock(mutex_);
    auto done = [&] {
        drain_notify(s);
        return s.ready || s.main_exited;
    };
    const bool finished =
        deadline ? changed_.wait_until(lock, *deadline, done) : (changed_.wait(lock, done), true);
    if (s.ready) {
        return std::nullopt;
    }
    if (!finished) {
        log_unit(s.name, "start operation timed out. Terminating.");
        lock.unlock();
        return fail_job(s, ServiceResult::Timeout, error);
    }
    const int status = s.main_wait_status;
    const auto [code, text] = describe_wait_status(status);
    log_unit(s.name, "Main process exited, code=" + code + ", status=" + text);
    const ServiceResult failed =
        is_clean_exit(status, def) ? ServiceResult::Protocol : result_of(status);
    lock.unlock();
    return fail_job(s, failed, error);
}

void Supervisor::complete_start(Service& s, const units::ServiceDefinition& def) {
    std::lock_guard lock(mutex_);
    if (def.type == units::ServiceType::Oneshot) {
        if (def.remain_after_exit) {
            set_state(s, ActiveState::Active, SubState::Exited);
        } else {
            set_state(s, ActiveState::Inactive, SubState::Dead);
            remove_runtime_directories(def);
        }
        logs_.append(s.name, "systemd", 1, "Finished " + display_name(s.name, def) + ".");
    } else {
        set_state(s, ActiveState::Active, SubState::Running);
        logs_.append(s.name, "systemd", 1, "Started " + display_name(s.name, def) + ".");
    }
}

Supervisor::JobResult Supervisor::stop_job(Service& s, bool restarting) {
    units::ServiceDefinition def;
    {
        std::lock_guard lock(mutex_);
        ++s.generation;  // cancels a pending automatic restart
        if (s.active == ActiveState::Activating && s.sub == SubState::AutoRestart) {
            set_state(s, restarting ? ActiveState::Inactive : ActiveState::Failed,
                      restarting ? SubState::Dead : SubState::Failed);
            if (!restarting) {
                set_state(s, ActiveState::Inactive, SubState::Dead);
            }
            return JobResult::Done;
        }
        if (s.active == ActiveState::Inactive || s.active == ActiveState::Failed) {
            if (service_processes(s).empty()) {
                return JobResult::Done;
            }
        }
        def = s.def;
        set_state(s, ActiveState::Deactivating, SubState::Stop);
        logs_.append(s.name, "systemd", 1, "Stopping " + display_name(s.name, def) + "...");
        s.result = ServiceResult::Success;
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
    ServiceResult result = ServiceResult::Success;
    if (!def.exec_stop.empty()) {
        run_control(s, "ExecStop", def.exec_stop, def, env, deadline, result);
    }
    {
        std::lock_guard lock(mutex_);
        set_state(s, ActiveState::Deactivating, SubState::StopSigterm);
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
    if (main_failed && s.result == ServiceResult::Success) {
        s.result = result_of(s.main_wait_status);
    }
    s.main_pid = 0;
    s.main_exited = false;
    s.control_pid = 0;
    s.sessions.clear();
    close_notify_socket(s);
    if (s.result != ServiceResult::Success) {
        set_state(s, ActiveState::Failed, SubState::Failed);
        log_unit(s.name, std::string("Failed with result '") + to_string(s.result) + "'.");
    } else {
        set_state(s, ActiveState::Inactive, SubState::Dead);
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
        set_state(s, ActiveState::Reloading, SubState::Reload);
        logs_.append(s.name, "systemd", 1, "Reloading " + display_name(s.name, def) + "...");
    }
    ServiceResult result = ServiceResult::Success;
    const bool ok = run_control(
        s, "ExecReload", def.exec_reload, def, env,
        def.timeout_start ? std::optional<Clock::time_point>(Clock::now() + *def.timeout_start)
                          : std::nullopt,
        result);
    std::lock_guard lock(mutex_);
    if (s.active == ActiveState::Reloading) {
        set_state(s, ActiveState::Active, SubState::Running);
    }
    if (!ok) {
        log_unit(s.name, std::string("Reload failed with result '") + to_string(result) + "'.");
        error = job_failure_message(s.name, std::nullopt);
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
        s.result = clean ? ServiceResult::Success : result_of(status);
        s.main_pid = 0;
        s.main_exited = false;
        set_state(s, ActiveState::Deactivating, SubState::StopSigterm);
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
    ServiceResult ignored = ServiceResult::Success;
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
    if (s.result == ServiceResult::Success) {
        set_state(s, ActiveState::Inactive, SubState::Dead);
        log_unit(s.name, "Deactivated successfully.");
    } else {
        set_state(s, ActiveState::Failed, SubState::Failed);
        log_unit(s.name, std::string("Failed with result '") + to_string(s.result) + "'.");
    }
    if (should_restart(def.restart, s.result)) {
        schedule_restart(s);
    }
}

// ---- boot -----------------------------------------------------------------------------------

void Supervisor::boot() {
    {
        std::lock_guard lock(mutex_);
        system_state_ = SystemState::Starting;
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
            system_state_ = degraded ? SystemState::Degraded : SystemState::Running;
            changed_.notify_all();
        });
    }).detach();
}

// ---- commands -------------------------------------------------------------------------------

}  // namespace jujusim::init
