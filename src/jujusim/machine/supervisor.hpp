// The service manager of a machine's init: a small systemd. It loads units from the machine's
// unit directories, starts, stops, reloads and restarts services with systemd's semantics for
// the settings in unit_file.hpp, reaps every process of the machine (it is PID 1), and answers
// systemctl's commands (systemctl_commands.cpp). Threads: the caller's (control connections,
// one thread each), a reaper (SIGCHLD), an I/O thread (service output -> logs, notify sockets)
// and a monitor. One mutex guards all service state; a per-unit job mutex serialises jobs on a
// unit.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <sys/types.h>

#include <jujusim/unit_file.hpp>

#include "service_log.hpp"

namespace jujusim::init {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

/// What a systemctl command printed and its exit code.
struct Reply {
    int exit_code = 0;
    std::string out;
    std::string err;
};

enum class ActiveState { Inactive, Activating, Active, Reloading, Deactivating, Failed };
const char* to_string(ActiveState state);

/// The sub-states (systemd's SubState=) a service goes through here.
enum class SubState {
    Dead,
    StartPre,
    Start,
    StartPost,
    Running,
    Exited,
    Reload,
    Stop,
    StopSigterm,
    FinalSigterm,
    Failed,
    AutoRestart,
};
const char* to_string(SubState state);

/// The machine's state (`systemctl is-system-running`).
enum class SystemState { Initializing, Starting, Running, Degraded };
const char* to_string(SystemState state);

/// How a service's last run ended (systemd's Result=).
enum class ServiceResult {
    Success,
    Resources,
    Protocol,
    Timeout,
    ExitCode,
    Signal,
    CoreDump,
    Watchdog,
    StartLimitHit,
};
const char* to_string(ServiceResult result);

/// A process the manager started for a service and how it ended (systemd's ExecStatus, for
/// `systemctl status`); not util::ProcessRecord, which names a running process for good.
struct ExecRecord {
    pid_t pid = 0;
    std::string setting;  ///< "ExecStartPre", "ExecStart", ...
    std::string command;
    std::string code;  ///< "exited", "killed", "dumped"
    int status = 0;
    std::string status_text;  ///< "1/FAILURE", "15/TERM"
};

/// Runtime state of one unit; guarded by Supervisor::mutex_.
struct Service {
    std::string name;
    bool loaded = false;
    bool not_found = false;
    bool masked = false;
    units::UnitFile file;
    units::ServiceDefinition def;
    std::string file_signature;  ///< paths and mtimes at load: tells a changed file on disk

    ActiveState active = ActiveState::Inactive;
    SubState sub = SubState::Dead;
    ServiceResult result = ServiceResult::Success;
    std::optional<std::string> condition_failed;  ///< the unmet condition, when skipped
    pid_t main_pid = 0;
    pid_t control_pid = 0;
    std::set<pid_t> sessions;  ///< sessions of processes we started: how we find its processes
    bool main_exited = false;  ///< main process gone, not handled yet
    int main_wait_status = 0;
    ExecRecord last_main;  ///< ExecMainPID/Code/Status
    std::vector<ExecRecord> control_records;
    bool ready = false;
    std::string status_text;
    unsigned restarts = 0;
    std::deque<Clock::time_point> recent_starts;
    WallClock::time_point state_change_time{};
    uint64_t generation = 0;  ///< bumped by every start/stop: stale restarts notice it
    bool job_active = false;
    bool handler_pending = false;
    int notify_fd = -1;
    std::string notify_path;
    std::string invocation_id;
    std::unique_ptr<std::mutex> job_mutex = std::make_unique<std::mutex>();
};

class Supervisor {
  public:
    Supervisor(std::string hostname, fs::path log_dir);
    ~Supervisor();
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    /// Starts the reaper, I/O and monitor threads. SIGCHLD must be blocked in every thread
    /// (the caller blocks it before creating any thread).
    void start_threads();
    /// Starts the enabled services (multi-user.target.wants) in After= order, in the background.
    void boot();
    /// Runs one systemctl command line (arguments after "systemctl"); `caller_uid` from the
    /// socket's peer credentials (only root may change anything).
    Reply handle(const std::vector<std::string>& args, uid_t caller_uid);

  private:
    struct Options;
    enum class JobResult { Done, Skipped, Failed };

    // loading
    Service& service(const std::string& name);  // mutex_ held
    void load(Service& s);                      // mutex_ held
    std::string signature_of(const units::UnitFile& file) const;
    bool changed_on_disk(const Service& s) const;
    std::vector<fs::path> unit_dirs() const;

    // jobs (called with the unit's job mutex held, mutex_ not held)
    JobResult start_job(Service& s, std::string& error);
    // start_job's steps; a JobResult is the job's end, nullopt goes on to the next step.
    std::optional<JobResult> check_can_start(Service& s, units::ServiceDefinition& def,
                                             std::string& error);
    std::optional<JobResult> enter_activating(Service& s, const units::ServiceDefinition& def,
                                              std::string& error);
    static std::optional<Clock::time_point> start_deadline(const Service& s,
                                                           const units::ServiceDefinition& def);
    std::optional<JobResult> start_main_process(Service& s, const units::ServiceDefinition& def,
                                                const units::Environment& env,
                                                std::optional<Clock::time_point> deadline,
                                                std::string& error);
    std::optional<JobResult> finish_forking_start(Service& s, const units::ServiceDefinition& def,
                                                  pid_t parent,
                                                  std::optional<Clock::time_point> deadline,
                                                  std::string& error);
    std::optional<JobResult> wait_until_ready(Service& s, const units::ServiceDefinition& def,
                                              std::optional<Clock::time_point> deadline,
                                              std::string& error);
    void complete_start(Service& s, const units::ServiceDefinition& def);
    /// fail_start with `result`; the job's error is systemctl's message for it.
    JobResult fail_job(Service& s, ServiceResult result, std::string& error);
    JobResult stop_job(Service& s, bool restarting);
    JobResult reload_job(Service& s, std::string& error);
    void died_job(Service& s);
    void fail_start(Service& s, ServiceResult result);
    void finish_job(Service& s);        // mutex_ held
    void schedule_handler(Service& s);  // mutex_ held
    void schedule_restart(Service& s);  // mutex_ held: waits RestartSec in its own thread

    // processes
    struct SpawnResult {
        pid_t pid = 0;
        int exec_errno = 0;
        std::string failed_step;
    };
    SpawnResult spawn(Service& s, const units::Command& command,
                      const units::ServiceDefinition& def, const units::Environment& env,
                      const std::string& setting);
    /// Reads what a failed child reported before exec (nothing when the exec succeeded).
    void report_spawn_failure(Service& s, const std::string& path, int error_fd,
                              SpawnResult& result);
    std::optional<int> wait_exit(pid_t pid, std::optional<Clock::time_point> deadline);
    bool run_control(Service& s, const std::string& setting, const std::vector<std::string>& lines,
                     const units::ServiceDefinition& def, const units::Environment& env,
                     std::optional<Clock::time_point> deadline, ServiceResult& result);
    units::Environment environment_for(const Service& s, const units::ServiceDefinition& def);
    std::vector<pid_t> service_processes(const Service& s);  // mutex_ held
    void kill_processes(Service& s, const units::ServiceDefinition& def,
                        std::optional<Clock::time_point> deadline);
    void prepare_directories(const units::ServiceDefinition& def);
    void remove_runtime_directories(const units::ServiceDefinition& def);
    bool conditions_met(Service& s, const units::ServiceDefinition& def);
    std::optional<pid_t> read_pid_file(const std::string& path);

    // notify sockets and output
    void open_notify_socket(Service& s);   // mutex_ held
    void close_notify_socket(Service& s);  // mutex_ held
    void drain_notify(Service& s);         // mutex_ held
    void watch_output(int fd, const std::string& unit, const std::string& identifier, pid_t pid);
    void reaper_loop();
    void io_loop();
    void monitor_loop();
    void log_unit(const std::string& unit, const std::string& message);
    void set_state(Service& s, ActiveState state, SubState sub);  // mutex_ held

    // commands
    static Options parse_options(const std::vector<std::string>& args);
    Reply run_verb(const Options& o);  ///< after handle() checked permission and arguments
    Reply cmd_start(const Options& o, const std::vector<std::string>& units,
                    const std::string& verb);
    Reply cmd_stop(const Options& o, const std::vector<std::string>& units);
    Reply cmd_reload(const Options& o, const std::vector<std::string>& units,
                     const std::string& verb);
    Reply cmd_enable(const Options& o, const std::vector<std::string>& units);
    Reply cmd_disable(const Options& o, const std::vector<std::string>& units);
    Reply cmd_mask(const std::vector<std::string>& units, bool mask);
    Reply cmd_is(const Options& o, const std::vector<std::string>& units, const std::string& verb);
    Reply cmd_status(const Options& o, const std::vector<std::string>& units);
    Reply cmd_show(const Options& o, const std::vector<std::string>& units);
    Reply cmd_cat(const std::vector<std::string>& units);
    Reply cmd_list_units(const Options& o);
    Reply cmd_list_unit_files(const Options& o);
    Reply cmd_kill(const Options& o, const std::vector<std::string>& units);
    Reply cmd_reset_failed(const std::vector<std::string>& units);
    Reply cmd_daemon_reload();
    Reply cmd_is_system_running(const Options& o);
    std::string unit_file_state(const Service& s) const;
    std::string status_text(Service& s, int lines);  // mutex_ held

    std::string hostname_;
    LogStore logs_;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::map<std::string, std::unique_ptr<Service>> services_;
    std::set<pid_t> tracked_;     ///< children whose exit a job may wait for
    std::map<pid_t, int> exits_;  ///< tracked children that exited: wait status
    SystemState system_state_ = SystemState::Initializing;
    std::atomic<bool> stopping_{false};
    int epoll_fd_ = -1;
    int wake_fd_ = -1;
    std::map<int, std::string> notify_fds_;  ///< fd -> unit
    struct OutputStream {
        std::string unit;
        std::string identifier;
        pid_t pid = 0;
        std::string partial;
    };
    std::map<int, OutputStream> outputs_;  ///< guarded by outputs_mutex_
    std::mutex outputs_mutex_;
    std::vector<std::thread> threads_;
};

}  // namespace jujusim::init
