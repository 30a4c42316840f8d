// Running one operation of a unit: Juju's status bookkeeping, the hook environment
// (juju-hooks.md §1.2), the unit's hook-tool socket for the life of the hook, commit on exit 0,
// error state and retry backoff otherwise.
#include <chrono>
#include <random>

#include <fcntl.h>
#include <unistd.h>

#include <jujusim/controller.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/host_directory_machine.hpp>
#include <jujusim/unix_socket.hpp>

namespace jujusim {

namespace {

std::int64_t random_int63() {
    static thread_local std::mt19937_64 rng(std::random_device{}());
    return static_cast<std::int64_t>(rng() >> 1);
}

/// Serves the unit's agent socket while the hook runs: one JSON line in, one out.
class AgentSocket {
  public:
    AgentSocket(const fs::path& socket_path,
                std::function<CommandResult(const json&, bool*)> handler)
        : handler_(std::move(handler)), path_(socket_path) {
        listener_ = listen_unix(socket_path);
        int pipe_fds[2];
        if (::pipe2(pipe_fds, O_CLOEXEC) != 0) {
            throw std::runtime_error("pipe");
        }
        stop_read_ = Fd(pipe_fds[0]);
        stop_write_ = Fd(pipe_fds[1]);
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
                const json request = json::parse(*line);
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

void Controller::run_op(const std::string& unit_name, const Op& op,
                        std::unique_lock<std::mutex>& lock) {
    Unit& unit = model_.units.at(unit_name);
    const App& app = model_.apps.at(unit.app);
    const bool action = op.is_action();
    Action* action_record = action ? &model_.actions.at(op.action_id) : nullptr;
    const bool is_exec = action_record != nullptr && action_record->exec;

    HookContext ctx;
    ctx.unit = unit_name;
    ctx.op = op;
    ctx.is_action = action;
    ctx.is_exec = is_exec;
    ctx.context_id = unit_name + "-" + (is_exec ? std::string("run-commands") : op.hook) + "-" +
                     std::to_string(random_int63());
    contexts_[ctx.context_id] = &ctx;

    // Juju's own status bookkeeping around the charm's hooks.
    const bool charm_never_set =
        unit.workload.current == "waiting" || unit.workload.message == "installing charm software";
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
        action_record->status = "running";
        action_record->started = now();
    }
    touch();

    Machine& m = machine(unit.machine);
    const auto env = hook_env(unit, op, ctx, m);
    const fs::path agent_dir = m.juju_dir_on_host() / "agents" / unit_tag(unit_name);
    const fs::path charm_dir = agent_dir / "charm";
    const fs::path charm_dir_inside =
        juju_dir_in_machine(m) / "agents" / unit_tag(unit_name) / "charm";
    const std::string builtin = app.builtin;
    const std::string hook_logger = "unit." + unit_name + "." + op.hook;
    const std::string command = action_record != nullptr ? action_record->command : "";
    const auto started_at = Clock::now();
    const Unit unit_copy = unit;

    lock.unlock();
    int exit_code = 0;
    std::string out_text;
    std::string err_text;
    bool missing = false;
    try {
        AgentSocket server(agent_dir / "agent.socket",
                           [this](const json& request, bool* needs_stdin) {
                               return handle_tool(request, needs_stdin);
                           });
        if (!builtin.empty()) {
            lock.lock();
            exit_code = run_builtin(ctx, unit_copy, lock);
            lock.unlock();
        } else {
            ExecRequest request;
            request.env = env;
            request.cwd = charm_dir_inside;
            if (is_exec) {
                request.argv = {"/bin/bash", "-c", command};
            } else if (fs::exists(charm_dir / "dispatch")) {
                request.argv = {(charm_dir_inside / "dispatch").string()};
            } else {
                const std::string kind = action ? "actions/" : "hooks/";
                if (fs::exists(charm_dir / kind / op.hook)) {
                    request.argv = {(charm_dir_inside / kind / op.hook).string()};
                } else {
                    missing = true;
                }
            }
            if (missing) {
                if (action) {
                    exit_code = 1;
                    err_text = "action not implemented on unit \"" + unit_name + "\"";
                } else {
                    debug_log(unit_name, "INFO", "juju.worker.uniter.operation",
                              "skipped \"" + op.hook + "\" hook (missing)");
                }
            } else {
                request.on_output = [&](const std::string& line, bool is_stderr) {
                    debug_log(unit_name, is_stderr ? "WARNING" : "DEBUG", hook_logger, line);
                    if (action) {
                        (is_stderr ? err_text : out_text) += line + "\n";
                    }
                };
                const ExecResult result = m.exec(request);
                exit_code = result.exit_code;
            }
        }
    } catch (const std::exception& error) {
        exit_code = 1;
        err_text += error.what();
        debug_log(unit_name, "ERROR", "juju.worker.uniter",
                  std::string("cannot run hook: ") + error.what());
    }
    const double duration = std::chrono::duration<double>(Clock::now() - started_at).count();
    lock.lock();
    contexts_.erase(ctx.context_id);

    record_hook(json{{"unit", unit_name},
                     {"hook", is_exec ? "juju-exec" : (action ? "action " + op.hook : op.hook)},
                     {"remote-unit", op.remote_unit},
                     {"relation-id", op.relation_id},
                     {"start", rfc3339(started_at)},
                     {"start-epoch", to_epoch(started_at)},
                     {"duration", duration},
                     {"exit-code", exit_code},
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
            action_record->status = "pending";
        }
        return;
    }
    set_unit_status(current, "idle", "", true);

    if (action) {
        Action& record = model_.actions.at(op.action_id);
        json results = ctx.action_results;
        results["return-code"] = exit_code;
        if (!out_text.empty()) {
            results["stdout"] = out_text;
        }
        if (!err_text.empty()) {
            results["stderr"] = err_text;
        }
        record.results = results;
        record.completed = now();
        if (missing) {
            record.status = "failed";
            record.message = err_text;
        } else if (exit_code != 0 && !is_exec) {
            record.status = "failed";
            record.message = "exit status " + std::to_string(exit_code);
        } else if (ctx.action_failed) {
            record.status = "failed";
            record.message = ctx.action_fail_message;
            commit(ctx);
        } else {
            record.status = "completed";
            if (exit_code == 0) {
                commit(ctx);
            }
        }
        apply_done(current, op);
        return;
    }

    if (exit_code != 0) {
        current.in_error = true;
        current.failed_op = op;
        current.resolve_now = false;
        current.retries += 1;
        const bool retry = model_.config.value("automatically-retry-hooks", true);
        const double backoff =
            std::min(300.0, 5.0 * static_cast<double>(1L << std::min(current.retries - 1, 10)));
        current.retry_at = retry ? now() + backoff : 1e18;
        std::string label = op.hook;
        set_unit_status(current, "error", "hook failed: \"" + label + "\"", true);
        current.agent.data = json{{"hook", label}};
        if (op.relation_id >= 0) {
            current.agent.data["relation-id"] = op.relation_id;
            current.agent.data["remote-unit"] = op.remote_unit;
        }
        debug_log(unit_name, "ERROR", "juju.worker.uniter.operation",
                  "hook \"" + label + "\" (via " +
                      (missing ? "hook" : "explicit, bespoke hook script") +
                      ") failed: exit status " + std::to_string(exit_code));
        return;
    }
    commit(ctx);
    current.in_error = false;
    current.retries = 0;
    current.resolve_now = false;
    apply_done(current, op);
    if (op.kind == HookKind::Start && charm_never_set &&
        (current.workload.current == "waiting" ||
         current.workload.message == "installing charm software")) {
        set_unit_status(current, "unknown", "", false);
    } else if (op.kind == HookKind::Stop) {
        set_unit_status(current, "maintenance", "", false);
    } else if (op.kind == HookKind::Remove) {
        set_unit_status(current, "terminated", "", false);
        remove_unit_record(unit_name);
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
    for (const auto& op : ctx.secret_ops) {
        const std::string kind = op.value("op", "");
        if (kind == "add") {
            Secret secret;
            secret.id = op["id"];
            secret.owner = op["owner"];
            secret.unit_owned = op["unit_owned"];
            secret.label = op.value("label", "");
            secret.description = op.value("description", "");
            secret.rotate = op.value("rotate", "");
            secret.expire = op.value("expire", "");
            secret.revisions["1"] = op["content"];
            secret.latest = 1;
            secret.created_at = secret.updated_at = now();
            model_.secrets[secret.id] = secret;
            continue;
        }
        const auto secret_it = model_.secrets.find(op.value("id", ""));
        if (secret_it == model_.secrets.end()) {
            continue;
        }
        Secret& secret = secret_it->second;
        if (kind == "set") {
            if (op.contains("content")) {
                const auto latest = secret.revisions.find(std::to_string(secret.latest));
                if (latest == secret.revisions.end() || latest->second != op["content"]) {
                    secret.latest += 1;
                    secret.revisions[std::to_string(secret.latest)] = op["content"];
                }
            }
            if (op.contains("label")) {
                secret.label = op["label"];
            }
            if (op.contains("description")) {
                secret.description = op["description"];
            }
            if (op.contains("rotate")) {
                secret.rotate = op["rotate"];
            }
            if (op.contains("expire")) {
                secret.expire = op["expire"];
            }
            secret.updated_at = now();
        } else if (kind == "grant") {
            secret.grants.push_back(SecretGrant{op["relation_id"], op["target"]});
        } else if (kind == "revoke") {
            const std::string target = op.value("target", "");
            const int relation_id = op.value("relation_id", -1);
            secret.grants.erase(
                std::remove_if(secret.grants.begin(), secret.grants.end(),
                               [&](const SecretGrant& grant) {
                                   return (!target.empty() && grant.target == target) ||
                                          (target.empty() && grant.relation_id == relation_id);
                               }),
                secret.grants.end());
        } else if (kind == "remove") {
            const long revision = op.value("revision", 0L);
            if (revision > 0) {
                secret.revisions.erase(std::to_string(revision));
                if (secret.revisions.empty()) {
                    model_.secrets.erase(secret_it);
                }
            } else {
                model_.secrets.erase(secret_it);
            }
        } else if (kind == "track") {
            auto& consumer = secret.consumers[unit.name];
            consumer.tracked = op["revision"];
            if (consumer.notified < consumer.tracked) {
                consumer.notified = consumer.tracked;
            }
            if (op.contains("label")) {
                consumer.label = op["label"];
            }
        }
    }
}

}  // namespace jujusim
