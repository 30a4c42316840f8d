// The per-model controller daemon (`jujusim controller`): holds the model, runs one worker per
// machine (the machine lock: one hook at a time on a machine, machines in parallel), resolves
// each unit's next hook the way Juju's uniter does, serves the hook tools while a hook runs,
// commits a hook's buffered changes only when it exits 0, and answers the CLI.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <jujusim/charm.hpp>
#include <jujusim/hook_context.hpp>
#include <jujusim/machine.hpp>
#include <jujusim/model.hpp>
#include <jujusim/model_rules.hpp>
#include <jujusim/tool_server.hpp>

namespace jujusim {

/// Seconds between a machine's last unit going and the machine going (Juju releases instances
/// asynchronously, after the unit is dead).
inline constexpr double kMachineReleaseDelay = 15;
/// How often at most the controller writes model.json while the model changes.
inline constexpr std::chrono::milliseconds kPersistInterval{500};

/// The most of model.json that is read: far above any model (actions and secret revisions
/// accumulate), unlike the util toolkit's 16 MiB default for config files.
inline constexpr std::size_t kMaxModelFileSize = std::size_t{1} << 30;

namespace fs = std::filesystem;

/// Test-only fault injection, not Juju: model-config `test-kill-hook=<unit>:<hook>:<n>` has
/// the tool server SIGKILL that unit's <hook> process group at its n-th hook-tool call, once
/// (the key is then removed). Juju then sees a failed hook and retries it. `<hook>` may be `*`
/// (any hook) and `<n>` may be `after=<text>`: the first hook-tool call once the hook has
/// logged <text> (its output or a juju-log message), for a kill at a named step of a hook
/// whose call count is not known in advance.
inline constexpr const char* kTestKillHook = "test-kill-hook";
/// Model option, not Juju's: `shared-etc-hosts=false` leaves each machine's /etc/hosts with its
/// own name only (default true: every machine's name everywhere).
inline constexpr const char* kSharedEtcHosts = "shared-etc-hosts";
/// Model option, not Juju's: the image of the model's namespace machines: `debian-13-slurm`
/// (default, kDefaultImage: Slurm 24.11 preinstalled), `debian-12-slurm` (Slurm 22.05, munge)
/// or `debian-13-apt` (no Slurm; apt installs it from the image's local repository). Fixed once
/// the model has a machine (a series, in Juju's terms).
inline constexpr const char* kMachineImage = "machine-image";
struct HookKill {
    std::string unit;
    std::string hook;        ///< a hook name, or "*"
    int call = 0;            ///< the n-th hook-tool call, or 0 with after_text
    std::string after_text;  ///< kill at the first call once the hook has logged this
};
std::optional<HookKill> parse_hook_kill(const std::string& text);

class Controller {
  public:
    /// Loads (or starts) the model kept in `model_dir` (model.json, logs, machines).
    explicit Controller(fs::path model_dir, fs::path tools_binary);
    ~Controller();
    Controller(const Controller&) = delete;
    Controller& operator=(const Controller&) = delete;

    /// Serves the CLI socket until `destroy` (or stop()). Starts workers and timers.
    void serve();
    void stop();

    /// One CLI request: argv after the model selection, the caller's cwd.
    CommandResult handle_cli(const std::vector<std::string>& args, const fs::path& cwd);
    /// One hook-tool call: {context_id, tool, args, stdin?, files?} as jujuc sends it.
    CommandResult handle_tool(const json& request, bool* needs_stdin);

    bool destroyed() const { return destroyed_; }

  private:
    // ---- state ----
    fs::path dir_;
    fs::path tools_binary_;
    mutable std::mutex mutex_;
    std::mutex log_mutex_;  ///< debug.log and hooks.jsonl; never held with mutex_ waited for
    std::condition_variable changed_;
    int open_connections_ = 0;
    Model model_;
    std::map<std::string, CharmMeta> metas_;  ///< by application
    std::map<std::string, std::unique_ptr<Machine>> machines_;
    std::shared_ptr<class Network> network_;  ///< namespace machines: the model's bridge
    fs::path image_;                          ///< namespace machines: the prepared root
    std::map<std::string, std::thread> workers_;
    std::set<std::string> busy_machines_;
    std::map<std::string, HookContext*> contexts_;        ///< running hooks by context id
    std::map<std::string, std::string> running_unit_op_;  ///< unit -> hook being run
    std::thread timer_;
    /// Wakes the machine workers that have something to run after a change (dispatch_loop),
    /// so that a change does not wake every worker: at 1000 machines, 1000 threads woken for
    /// each hook-tool call starved the tool server of the model lock.
    std::thread dispatcher_;
    std::map<std::string, std::unique_ptr<std::condition_variable>> worker_wakes_;
    bool stopping_ = false;
    bool destroyed_ = false;
    long revision_ = 0;  ///< bumps on every change (wait, run)
    /// Changed since model.json was last written (the timer writes it at most every
    /// kPersistInterval and at most a tenth of the time, stop() at the end): a write is
    /// O(model), a change is not.
    bool dirty_ = false;
    std::chrono::steady_clock::time_point persisted_at_{};
    std::chrono::steady_clock::duration persist_took_{};  ///< how long the last write took
    /// Units by machine in natural name order (the machine lock's scan), rebuilt when a unit
    /// is added or removed (unit_index_stale_).
    std::map<std::string, std::vector<std::string>> units_by_machine_;
    bool unit_index_stale_ = true;
    const std::vector<std::string>& units_on_machine(const std::string& machine_id);

    // ---- persistence and logs (mutex held) ----
    void load();
    void persist();
    void persist_if_due(bool now_anyway);
    void touch();  ///< marks the model changed (persisted soon) + notify
    /// Appends a debug-log line (any thread; takes only log_mutex_).
    void debug_log(const std::string& unit, const std::string& level, const std::string& logger,
                   const std::string& message);
    void record_hook(const json& entry);
    void set_unit_status(Unit& unit, const std::string& current, const std::string& message,
                         bool agent);

    // ---- machines ----
    Machine& machine(const std::string& id);
    /// Namespace models: the network is up and the image exists (built when missing).
    void prepare_namespace_machines();
    /// A new machine of `type` (Host or Namespace), booted by its worker. Other machines'
    /// /etc/hosts learn its name at the next refresh_hosts() (the caller's, once per batch).
    std::string add_machine(MachineType type);
    /// Host or Namespace: the machine type of a machine record (older records: the model's).
    MachineType machine_type_of(const MachineRecord& record) const;
    void start_worker(const std::string& machine_id);
    /// Every machine's /etc/hosts (or only that of machine `only`) from the model's machines.
    void refresh_hosts(const std::string& only = "");
    void worker_loop(std::string machine_id);
    void timer_loop();
    void dispatch_loop();
    /// A unit on the machine has an operation to run (what its worker would pick).
    bool machine_has_work(const std::string& machine_id);
    void wake_all_workers();
    void setup_unit_files(const Unit& unit);
    /// juju refresh: the unit's charm directory gets the application's new charm.
    void deploy_new_charm(Unit& unit);

    // ---- resolver (resolver.cpp; mutex held) ----
    std::optional<Op> next_op(const Unit& unit) const;
    // next_op's phases, in Juju's resolver order (juju.md §3.1):
    std::optional<Op> setup_op(const Unit& unit, const App& app) const;  ///< created, leader
    std::optional<Op> secret_op(const Unit& unit, const App& app) const;
    std::optional<Op> teardown_op(const Unit& unit) const;  ///< a dying unit's last hooks
    std::optional<Op> relation_hook_op(const Unit& unit) const;
    bool unit_can_run(const Unit& unit) const;
    void apply_done(Unit& unit, const Op& op);
    std::vector<std::string> relation_members(const Relation& relation, const Unit& unit) const;
    bool participates(const Relation& relation, const Unit& unit) const;
    bool model_busy() const;
    void elect_leaders();
    void enter_scope(Relation& relation, Unit& unit);
    void destroy_unit(Unit& unit);
    bool has_subordinates(const std::string& principal) const;
    /// Juju's DestroyAllSubordinates, which a dying principal's agent calls when it starts
    /// tearing down. Returns whether any was alive.
    bool destroy_subordinates(const std::string& principal);
    /// The unit a machine's worker serves next, and its operation: a dying principal whose
    /// subordinates are still alive goes first, then units in turn after `last_unit`.
    std::optional<std::pair<std::string, Op>> next_on_machine(const std::string& machine_id,
                                                              const std::string& last_unit);
    void remove_unit_record(const std::string& name);
    /// Powers off and forgets machines that host nothing any more; the others' /etc/hosts are
    /// rewritten once for all of them (each rewrite touches every machine: per machine, a
    /// scale-down by 500 units rewrote ~500 x 1000 files under the model lock).
    void release_machines(const std::vector<std::string>& machine_ids);
    void cleanup_relations();
    double now() const;

    // ---- hook execution (hook_runner.cpp) ----
    void run_op(const std::string& unit_name, const Op& op, std::unique_lock<std::mutex>& lock);
    // run_op's steps: Juju's "executing" status, the program run with the mutex released, and
    // what the result does to the action or the unit.
    struct OpOutcome;
    void set_running_status(Unit& unit, const Op& op, Action* action_record);
    OpOutcome execute_op(HookContext& ctx, const Unit& unit, const Action* action_record,
                         std::unique_lock<std::mutex>& lock);
    void finish_action(Unit& unit, const Op& op, HookContext& ctx, const OpOutcome& outcome);
    void fail_hook(Unit& unit, const Op& op, const OpOutcome& outcome);
    void finish_hook(Unit& unit, const Op& op, HookContext& ctx, bool charm_never_set);
    std::map<std::string, std::string> hook_env(const Unit& unit, const Op& op,
                                                const HookContext& ctx, const Machine& m) const;
    void commit(HookContext& ctx);
    /// The hook's secret-add/set/grant/revoke/remove, in order (secret_commit.cpp).
    void commit_secrets(const HookContext& ctx);

    // ---- hook tools (the tool server; mutex held) ----
    /// test-kill-hook: kills the calling hook's process group when this call is the one named.
    bool inject_hook_kill(HookContext& ctx, const std::string& tool,
                          const std::vector<std::string>& args, pid_t caller);
    CommandResult run_tool(HookContext& ctx, const std::string& tool,
                           const std::vector<std::string>& args,
                           const std::optional<std::string>& stdin_data, bool* needs_stdin);
    /// What the tool server changes at once: persisted, logged to debug.log.
    class ToolEffectsOfController;
    std::unique_ptr<ToolEffectsOfController> tool_effects_;
    std::unique_ptr<ToolServer> tool_server_;

    // ---- built-in charms (builtin_charms.cpp) ----
    int run_builtin(HookContext& ctx, const Unit& unit, std::unique_lock<std::mutex>& lock);
    void remount_builtin(const std::string& machine_id);

    // ---- CLI verbs (commands.cpp; mutex held unless noted) ----
    CommandResult cmd_deploy(const std::vector<std::string>& args, const fs::path& cwd);
    CommandResult cmd_add_unit(const std::vector<std::string>& args);
    CommandResult cmd_refresh(const std::vector<std::string>& args, const fs::path& cwd);
    /// A relation for each peer endpoint of the application's charm that has none yet.
    void add_peer_relations(const std::string& app_name);
    CommandResult cmd_integrate(const std::vector<std::string>& args);
    /// The endpoints' metadata `limit`s, as Juju's AddRelation checks them (throws UserError).
    void check_relation_limits(const std::vector<RelationEnd>& ends) const;
    CommandResult cmd_remove_relation(const std::vector<std::string>& args);
    CommandResult cmd_remove_unit(const std::vector<std::string>& args);
    CommandResult cmd_remove_application(const std::vector<std::string>& args);
    CommandResult cmd_config(const std::vector<std::string>& args, const fs::path& cwd);
    CommandResult cmd_model_config(const std::vector<std::string>& args);
    CommandResult cmd_run(const std::vector<std::string>& args, const fs::path& cwd,
                          std::unique_lock<std::mutex>& lock);
    CommandResult cmd_exec(const std::vector<std::string>& args,
                           std::unique_lock<std::mutex>& lock);
    CommandResult exec_on_machine(const std::string& id, const std::string& command,
                                  const std::string& format, std::unique_lock<std::mutex>& lock);
    CommandResult cmd_ssh(const std::vector<std::string>& args, std::unique_lock<std::mutex>& lock);
    CommandResult cmd_wait(const std::vector<std::string>& args,
                           std::unique_lock<std::mutex>& lock);
    CommandResult cmd_power(const std::vector<std::string>& args, bool on,
                            std::unique_lock<std::mutex>& lock);
    CommandResult cmd_resolved(const std::vector<std::string>& args);
    CommandResult cmd_tick(const std::vector<std::string>& args);
    CommandResult cmd_hooks(const std::vector<std::string>& args);
    CommandResult cmd_debug_log(const std::vector<std::string>& args);
    CommandResult cmd_destroy(std::unique_lock<std::mutex>& lock);
    CommandResult cmd_secrets(const std::vector<std::string>& args);
    CommandResult cmd_show_secret(const std::vector<std::string>& args);
    CommandResult cmd_show_model(const std::vector<std::string>& args);
    CommandResult cmd_actions(const std::vector<std::string>& args);
    CommandResult cmd_show_task(const std::vector<std::string>& args);
    std::string resolve_unit(
        const std::string& name) const;  ///< app/leader -> app/N; throws UserError
    long enqueue_action(const std::string& unit, const std::string& name, const json& params,
                        bool exec, const std::string& command);
    json task_json(const Action& action) const;

    // ---- output (status_output.cpp; mutex held) ----
    CommandResult cmd_status(const std::vector<std::string>& args);
    CommandResult cmd_show_unit(const std::vector<std::string>& args);
    json status_json() const;
    std::string status_tabular(const json& status) const;
    json unit_status_json(const Unit& unit) const;
    StatusValue displayed_workload(const Unit& unit) const;
    StatusValue displayed_agent(const Unit& unit) const;
    StatusValue app_status(const App& app) const;

    json effective_config(const App& app, bool all) const;
    const CharmMeta& meta(const std::string& app) const;
    fs::path unit_dir_on_host(const Unit& unit);
};

/// The built-in filesystem-client charm's metadata.
CharmMeta filesystem_client_meta();

}  // namespace jujusim
