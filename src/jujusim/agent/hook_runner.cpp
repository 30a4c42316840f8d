// Running one operation of a unit: Juju's status bookkeeping, the hook environment
// (juju.md §1.2), the unit's hook-tool socket for the life of the hook, commit on exit 0,
// error state and retry backoff otherwise.
#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <tuple>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <jujusim/controller.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/host_directory_machine.hpp>
#include <jujusim/unix_socket.hpp>
#include <slurmctld/util/random.hpp>

namespace jujusim {

namespace {

/// A counting semaphore that wakes one waiter per release. libstdc++ 12's
/// std::counting_semaphore wakes every waiter on each release, and each spins and yields
/// before it waits again: with hundreds of hooks queued at cluster scale, every hook's end
/// cost jujusim CPU in proportion to the queue.
class Slots {
  public:
    explicit Slots(std::ptrdiff_t count) : free_(count) {}
    void acquire() {
        std::unique_lock lock(mutex_);
        available_.wait(lock, [this] { return free_ > 0; });
        --free_;
    }
    void release() {
        {
            const std::lock_guard lock(mutex_);
            ++free_;
        }
        available_.notify_one();
    }

  private:
    std::mutex mutex_;
    std::condition_variable available_;
    std::ptrdiff_t free_;
};

/// Programs of host-directory machines running at once: twice the host's cores.
Slots& host_cpu_slots() {
    static Slots slots(
        static_cast<std::ptrdiff_t>(std::max(2U, std::thread::hardware_concurrency()) * 2));
    return slots;
}

/// Serves the unit's agent socket while the hook runs: one JSON line in, one out.
class AgentSocket {
  public:
    AgentSocket(const fs::path& socket_path,
                std::function<CommandResult(const json&, bool*)> handler)
        : handler_(std::move(handler)), path_(socket_path) {
        listener_ = listen_unix(socket_path);
        std::tie(stop_read_, stop_write_) = slurmctld::util::make_pipe();
        thread_ = std::thread([this] { loop(); });
    }
    ~AgentSocket() {
        const char byte = 'x';
        (void)!::write(stop_write_.get(), &byte, 1);
        thread_.join();
        ::unlink(path_.c_str());
    }
    AgentSocket(const AgentSocket&) = delete;
    AgentSocket& operator=(const AgentSocket&) = delete;

  private:
    void loop() {
        while (auto connection = accept_or_stop(listener_.get(), stop_read_.get())) {
            try {
                const auto line = read_line(connection->get());
                if (!line) {
                    continue;
                }
                json request = json::parse(*line);
                // The calling jujuc's pid (in the controller's pid namespace), for test-kill-hook.
                ucred peer{};
                socklen_t size = sizeof peer;
                if (::getsockopt(connection->get(), SOL_SOCKET, SO_PEERCRED, &peer, &size) == 0) {
                    request["caller_pid"] = peer.pid;
                }
                bool needs_stdin = false;
                const CommandResult result = handler_(request, &needs_stdin);
                json reply{
                    {"code", result.exit_code}, {"stdout", result.out}, {"stderr", result.err}};
                if (needs_stdin) {
                    reply["need_stdin"] = true;
                }
                write_all(connection->get(),
                          reply.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
            } catch (const std::exception&) {
            }
        }
    }

    std::function<CommandResult(const json&, bool*)> handler_;
    fs::path path_;
    Fd listener_;
    Fd stop_read_;
    Fd stop_write_;
    std::thread thread_;
};

}  // namespace

std::map<std::string, std::string> Controller::hook_env(const Unit& unit, const Op& op,
                                                        const HookContext& ctx,
                                                        const Machine& m) const {
    const fs::path juju_dir = juju_dir_in_machine(m);
    const fs::path charm_dir = juju_dir / "agents" / unit_tag(unit.name) / "charm";
    const bool action = op.is_action();
    std::map<std::string, std::string> env{
        {"JUJU_DISPATCH_PATH", (action ? "actions/" : "hooks/") + op.hook},
        {"JUJU_HOOK_NAME", action ? "" : op.hook},
        {"JUJU_UNIT_NAME", unit.name},
        {"JUJU_MODEL_NAME", model_.name},
        {"JUJU_MODEL_UUID", model_.uuid},
        {"JUJU_VERSION", "3.6.12"},
        {"JUJU_CHARM_DIR", charm_dir.string()},
        {"CHARM_DIR", charm_dir.string()},
        {"JUJU_CONTEXT_ID", ctx.context_id},
        {"JUJU_AGENT_SOCKET_ADDRESS",
         (juju_dir / "agents" / unit_tag(unit.name) / "agent.socket").string()},
        {"JUJU_AGENT_SOCKET_NETWORK", "unix"},
        {"JUJU_API_ADDRESSES", "127.0.0.1:17070"},
        {"JUJU_MACHINE_ID", unit.machine},
        {"JUJU_PRINCIPAL_UNIT", unit.principal},
        {"JUJU_AVAILABILITY_ZONE", ""},
        {"CLOUD_API_VERSION", ""},
        {"JUJU_CHARM_HTTP_PROXY", ""},
        {"JUJU_CHARM_HTTPS_PROXY", ""},
        {"JUJU_CHARM_FTP_PROXY", ""},
        {"JUJU_CHARM_NO_PROXY", "127.0.0.1,localhost,::1"},
        {"PATH", (juju_dir / "tools" / unit_tag(unit.name)).string() +
                     ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
        {"APT_LISTCHANGES_FRONTEND", "none"},
        {"DEBIAN_FRONTEND", "noninteractive"},
        {"LANG", "C.UTF-8"},
        {"TERM", "tmux-256color"},
    };
    if (op.relation_id >= 0) {
        env["JUJU_RELATION"] = op.endpoint;
        env["JUJU_RELATION_ID"] = op.endpoint + ":" + std::to_string(op.relation_id);
        env["JUJU_REMOTE_UNIT"] = op.remote_unit;
        env["JUJU_REMOTE_APP"] = op.remote_app;
        if (!op.departing_unit.empty()) {
            env["JUJU_DEPARTING_UNIT"] = op.departing_unit;
        }
    }
    if (action) {
        const Action& record = model_.actions.at(op.action_id);
        env["JUJU_ACTION_NAME"] = record.name;
        env["JUJU_ACTION_UUID"] = std::to_string(record.id);
        env["JUJU_ACTION_TAG"] = "action-" + std::to_string(record.id);
    }
    if (!op.secret_id.empty()) {
        env["JUJU_SECRET_ID"] = "secret://" + model_.uuid + "/" + op.secret_id;
        env["JUJU_SECRET_LABEL"] = op.secret_label;
        if (op.secret_revision > 0) {
            env["JUJU_SECRET_REVISION"] = std::to_string(op.secret_revision);
        }
    }
    return env;
}

/// What running one operation's program (or built-in charm) gave.
struct Controller::OpOutcome {
    int exit_code = 0;
    std::string out_text;  ///< actions: the program's stdout lines
    std::string err_text;  ///< actions: its stderr lines, or why it could not run
    bool missing = false;  ///< no dispatch and no hook or action script of that name
    Clock::time_point started_at;
    double duration = 0;  ///< seconds the program ran (the mutex released)
};

void Controller::run_op(const std::string& unit_name, const Op& op,
                        std::unique_lock<std::mutex>& lock) {
    Unit& unit = model_.units.at(unit_name);
    const bool action = op.is_action();
    Action* action_record = action ? &model_.actions.at(op.action_id) : nullptr;
    const bool is_exec = action_record != nullptr && action_record->exec;

    HookContext ctx;
    ctx.unit = unit_name;
    ctx.op = op;
    ctx.is_action = action;
    ctx.is_exec = is_exec;
    ctx.context_id = unit_name + "-" + (is_exec ? std::string("run-commands") : op.hook) + "-" +
                     std::to_string(slurmctld::util::random_uint64() >> 1);  // Juju's Int63
    contexts_[ctx.context_id] = &ctx;
    if (const auto kill = model_.config.find(kTestKillHook);
        kill != model_.config.end() && kill->is_string()) {
        if (const auto parsed = parse_hook_kill(kill->get<std::string>()); parsed) {
            ctx.kill_after_text = parsed->after_text;
        }
    }

    const bool charm_never_set =
        unit.workload.current == "waiting" || unit.workload.message == "installing charm software";
    set_running_status(unit, op, action_record);

    const OpOutcome outcome = execute_op(ctx, unit, action_record, lock);
    contexts_.erase(ctx.context_id);

    record_hook(json{{"unit", unit_name},
                     {"hook", is_exec ? "juju-exec" : (action ? "action " + op.hook : op.hook)},
                     {"remote-unit", op.remote_unit},
                     {"relation-id", op.relation_id},
                     {"start", rfc3339(outcome.started_at)},
                     {"start-epoch", to_epoch(outcome.started_at)},
                     {"duration", outcome.duration},
                     {"exit-code", outcome.exit_code},
                     {"tools", ctx.tool_calls}});

    const auto unit_it = model_.units.find(unit_name);
    if (unit_it == model_.units.end()) {
        return;
    }
    Unit& current = unit_it->second;
    const auto machine_it = model_.machines.find(current.machine);
    if (machine_it == model_.machines.end() || !machine_it->second.powered) {
        // Killed by a power cut: like an agent shutdown, the operation is re-run later.
        if (action_record != nullptr) {
            action_record->status = ActionStatus::Pending;
        }
        return;
    }
    set_unit_status(current, "idle", "", true);

    if (action) {
        finish_action(current, op, ctx, outcome);
    } else if (outcome.exit_code != 0) {
        fail_hook(current, op, outcome);
    } else {
        finish_hook(current, op, ctx, charm_never_set);
    }
}

void Controller::set_running_status(Unit& unit, const Op& op, Action* action_record) {
    const bool action = op.is_action();
    const bool is_exec = action_record != nullptr && action_record->exec;
    // Juju's own status bookkeeping around the charm's hooks.
    if (op.kind == HookKind::Install && !action && unit.workload.current == "waiting") {
        set_unit_status(unit, "maintenance", "installing charm software", false);
    } else if (op.kind == HookKind::Stop && !action) {
        set_unit_status(unit, "maintenance", "stopping charm software", false);
    } else if (op.kind == HookKind::Remove && !action) {
        set_unit_status(unit, "maintenance", "cleaning up prior to charm deletion", false);
    }
    std::string running = is_exec  ? "running action juju-exec"
                          : action ? "running action " + op.hook
                                   : "running " + op.hook + " hook";
    if (!op.remote_unit.empty() && !action) {
        running += " for " + op.remote_unit;
    }
    set_unit_status(unit, "executing", running, true);
    if (action_record != nullptr) {
        action_record->status = ActionStatus::Running;
        action_record->started = now();
    }
    touch();
}

Controller::OpOutcome Controller::execute_op(HookContext& ctx, const Unit& unit,
                                             const Action* action_record,
                                             std::unique_lock<std::mutex>& lock) {
    const Op& op = ctx.op;
    const bool action = ctx.is_action;
    const std::string unit_name = unit.name;  // a copy: the unit may go while unlocked
    Machine& m = machine(unit.machine);
    const auto env = hook_env(unit, op, ctx, m);
    const fs::path agent_dir = m.juju_dir_on_host() / "agents" / unit_tag(unit_name);
    const fs::path charm_dir = agent_dir / "charm";
    const fs::path charm_dir_inside =
        juju_dir_in_machine(m) / "agents" / unit_tag(unit_name) / "charm";
    const std::string builtin = model_.apps.at(unit.app).builtin;
    const std::string hook_logger = "unit." + unit_name + "." + op.hook;
    const std::string command = action_record != nullptr ? action_record->command : "";
    const Unit unit_copy = unit;

    OpOutcome outcome;
    outcome.started_at = Clock::now();
    lock.unlock();
    try {
        AgentSocket server(agent_dir / "agent.socket",
                           [this](const json& request, bool* needs_stdin) {
                               return handle_tool(request, needs_stdin);
                           });
        if (!builtin.empty() && !ctx.is_exec) {  // juju exec runs its command in any unit
            lock.lock();
            outcome.exit_code = run_builtin(ctx, unit_copy, lock);
            lock.unlock();
        } else {
            ExecRequest request;
            request.env = env;
            request.cwd = charm_dir_inside;
            if (ctx.is_exec) {
                request.argv = {"/bin/bash", "-c", command};
            } else if (fs::exists(charm_dir / "dispatch")) {
                request.argv = {(charm_dir_inside / "dispatch").string()};
            } else {
                const std::string kind = action ? "actions/" : "hooks/";
                if (fs::exists(charm_dir / kind / op.hook)) {
                    request.argv = {(charm_dir_inside / kind / op.hook).string()};
                } else {
                    outcome.missing = true;
                }
            }
            if (outcome.missing) {
                if (action) {
                    outcome.exit_code = 1;
                    outcome.err_text = "action not implemented on unit \"" + unit_name + "\"";
                } else {
                    debug_log(unit_name, "INFO", "juju.worker.uniter.operation",
                              "skipped \"" + op.hook + "\" hook (missing)");
                }
            } else {
                request.on_output = [&](const std::string& line, bool is_stderr) {
                    debug_log(unit_name, is_stderr ? "WARNING" : "DEBUG", hook_logger, line);
                    if (!ctx.kill_after_text.empty() &&
                        line.find(ctx.kill_after_text) != std::string::npos) {
                        *ctx.kill_after_seen = true;
                    }
                    if (action) {
                        (is_stderr ? outcome.err_text : outcome.out_text) += line + "\n";
                    }
                };
                // Host-directory machines are this host: their hooks share its cores. Without
                // a limit, 1000 of them started at once leave a namespace machine's hook a
                // thousandth of the CPU; queued here, they run a few at a time (the queueing
                // is not counted in the hook's time).
                const bool on_host = dynamic_cast<HostDirectoryMachine*>(&m) != nullptr;
                if (on_host) {
                    host_cpu_slots().acquire();
                    outcome.started_at = Clock::now();
                }
                ExecResult result;
                try {
                    result = m.exec(request);
                } catch (...) {
                    if (on_host) {
                        host_cpu_slots().release();
                    }
                    throw;
                }
                if (on_host) {
                    host_cpu_slots().release();
                }
                outcome.exit_code = result.exit_code;
            }
        }
    } catch (const std::exception& error) {
        outcome.exit_code = 1;
        outcome.err_text += error.what();
        debug_log(unit_name, "ERROR", "juju.worker.uniter",
                  std::string("cannot run hook: ") + error.what());
    }
    outcome.duration = std::chrono::duration<double>(Clock::now() - outcome.started_at).count();
    lock.lock();
    return outcome;
}

void Controller::finish_action(Unit& unit, const Op& op, HookContext& ctx,
                               const OpOutcome& outcome) {
    Action& record = model_.actions.at(op.action_id);
    json results = ctx.action_results;
    results["return-code"] = outcome.exit_code;
    if (!outcome.out_text.empty()) {
        results["stdout"] = outcome.out_text;
    }
    if (!outcome.err_text.empty()) {
        results["stderr"] = outcome.err_text;
    }
    record.results = results;
    record.completed = now();
    if (outcome.missing) {
        record.status = ActionStatus::Failed;
        record.message = outcome.err_text;
    } else if (outcome.exit_code != 0 && !ctx.is_exec) {
        record.status = ActionStatus::Failed;
        record.message = "exit status " + std::to_string(outcome.exit_code);
    } else if (ctx.action_failed) {
        record.status = ActionStatus::Failed;
        record.message = ctx.action_fail_message;
        commit(ctx);
    } else {
        record.status = ActionStatus::Completed;
        if (outcome.exit_code == 0) {
            commit(ctx);
        }
    }
    apply_done(unit, op);
}

void Controller::fail_hook(Unit& unit, const Op& op, const OpOutcome& outcome) {
    unit.in_error = true;
    unit.failed_op = op;
    unit.resolve_now = false;
    unit.retries += 1;
    const bool retry = model_.config.value("automatically-retry-hooks", true);
    const double backoff =
        std::min(300.0, 5.0 * static_cast<double>(1L << std::min(unit.retries - 1, 10)));
    unit.retry_at = retry ? now() + backoff : 1e18;
    std::string label = op.hook;
    set_unit_status(unit, "error", "hook failed: \"" + label + "\"", true);
    unit.agent.data = json{{"hook", label}};
    if (op.relation_id >= 0) {
        unit.agent.data["relation-id"] = op.relation_id;
        unit.agent.data["remote-unit"] = op.remote_unit;
    }
    debug_log(unit.name, "ERROR", "juju.worker.uniter.operation",
              "hook \"" + label + "\" (via " +
                  (outcome.missing ? "hook" : "explicit, bespoke hook script") +
                  ") failed: exit status " + std::to_string(outcome.exit_code));
}

void Controller::finish_hook(Unit& unit, const Op& op, HookContext& ctx, bool charm_never_set) {
    commit(ctx);
    unit.in_error = false;
    unit.retries = 0;
    unit.resolve_now = false;
    apply_done(unit, op);
    if (op.kind == HookKind::Start && charm_never_set &&
        (unit.workload.current == "waiting" ||
         unit.workload.message == "installing charm software")) {
        set_unit_status(unit, "unknown", "", false);
    } else if (op.kind == HookKind::Stop) {
        set_unit_status(unit, "maintenance", "", false);
    } else if (op.kind == HookKind::Remove) {
        set_unit_status(unit, "terminated", "", false);
        remove_unit_record(unit.name);
        return;
    }
    cleanup_relations();
}

void Controller::commit(HookContext& ctx) {
    const auto unit_it = model_.units.find(ctx.unit);
    if (unit_it == model_.units.end()) {
        return;
    }
    Unit& unit = unit_it->second;
    for (auto& [id, writes] : ctx.relation_writes) {
        const auto relation_it = model_.relations.find(id);
        if (relation_it == model_.relations.end()) {
            continue;
        }
        Relation& relation = relation_it->second;
        if (!writes.unit.empty()) {
            auto& bag = relation.unit_data[unit.name];
            const Databag before = bag;
            for (const auto& [key, value] : writes.unit) {
                if (value.empty()) {
                    bag.erase(key);
                } else {
                    bag[key] = value;
                }
            }
            if (bag != before) {
                relation.unit_versions[unit.name] += 1;
            }
        }
        if (writes.app_written) {
            auto& bag = relation.app_data[unit.app];
            const Databag before = bag;
            for (const auto& [key, value] : writes.app) {
                if (value.empty()) {
                    bag.erase(key);
                } else {
                    bag[key] = value;
                }
            }
            if (bag != before) {
                const long version = ++relation.app_versions[unit.app];
                // The writer gets no relation-changed for its own write.
                if (relation.is_peer()) {
                    unit.relations[id].app_version = version;
                }
            }
        }
    }
    for (const auto& [key, value] : ctx.state_writes) {
        if (value) {
            unit.state[key] = *value;
        } else {
            unit.state.erase(key);
        }
    }
    for (const auto& [open, port] : ctx.port_changes) {
        if (open) {
            unit.ports.insert(port);
        } else {
            unit.ports.erase(port);
        }
    }
    commit_secrets(ctx);
}

}  // namespace jujusim
