// The controller daemon: model persistence, machines and their workers (the machine lock),
// timers (leases, update-status, retries), the CLI socket.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <jujusim/controller.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/host_directory_machine.hpp>
#include <jujusim/image.hpp>
#include <jujusim/machine_namespaces.hpp>
#include <jujusim/model_rules.hpp>
#include <jujusim/network.hpp>
#include <jujusim/unix_socket.hpp>
#include <slurmctld/juju/hook_tool_table.hpp>
#include <slurmctld/util/files.hpp>
#include <slurmctld/util/random.hpp>

namespace jujusim {

namespace {}  // namespace

/// What the tool server changes at once goes through the controller: persisted, logged.
class Controller::ToolEffectsOfController final : public ToolEffects {
  public:
    explicit ToolEffectsOfController(Controller& controller) : controller_(controller) {}
    void changed() override { controller_.touch(); }
    void log(const std::string& unit, const std::string& level, const std::string& logger,
             const std::string& message) override {
        controller_.debug_log(unit, level, logger, message);
    }
    double now() const override { return controller_.now(); }

  private:
    Controller& controller_;
};

Controller::Controller(fs::path model_dir, fs::path tools_binary)
    : dir_(std::move(model_dir)),
      tools_binary_(std::move(tools_binary)),
      tool_effects_(std::make_unique<ToolEffectsOfController>(*this)),
      tool_server_(std::make_unique<ToolServer>(model_, metas_, *tool_effects_)) {
    load();
}

std::optional<HookKill> parse_hook_kill(const std::string& text) {
    // <unit>:<hook>:<n> or <unit>:<hook>:after=<text>: unit and hook names hold no ':'.
    const auto first = text.find(':');
    const auto second = first == std::string::npos ? first : text.find(':', first + 1);
    if (second == std::string::npos) {
        return std::nullopt;
    }
    HookKill kill{text.substr(0, first), text.substr(first + 1, second - first - 1), 0, ""};
    const std::string when = text.substr(second + 1);
    if (when.rfind("after=", 0) == 0) {
        kill.after_text = when.substr(6);
        if (kill.after_text.empty()) {
            return std::nullopt;
        }
    } else {
        try {
            std::size_t used = 0;
            kill.call = std::stoi(when, &used);
            if (used != when.size() || kill.call < 1) {
                return std::nullopt;
            }
        } catch (const std::exception&) {
            return std::nullopt;
        }
    }
    if (kill.unit.find('/') == std::string::npos || kill.hook.empty()) {
        return std::nullopt;
    }
    return kill;
}

namespace {

bool kill_matches(const HookKill& kill, const HookContext& ctx, const std::string& tool,
                  const std::vector<std::string>& args) {
    if (kill.unit != ctx.unit || (kill.hook != "*" && kill.hook != ctx.op.hook)) {
        return false;
    }
    if (kill.after_text.empty()) {
        return kill.call == static_cast<long>(ctx.tool_calls.size()) + 1;
    }
    if (ctx.kill_after_seen->load()) {
        return true;
    }
    return tool == "juju-log" && std::any_of(args.begin(), args.end(), [&](const auto& arg) {
               return arg.find(kill.after_text) != std::string::npos;
           });
}

}  // namespace

bool Controller::inject_hook_kill(HookContext& ctx, const std::string& tool,
                                  const std::vector<std::string>& args, pid_t caller) {
    const auto setting = model_.config.find(kTestKillHook);
    if (setting == model_.config.end() || !setting->is_string() || ctx.is_action || caller <= 0) {
        return false;
    }
    const auto kill = parse_hook_kill(setting->get<std::string>());
    if (!kill || !kill_matches(*kill, ctx, tool, args)) {
        return false;
    }
    const long call = static_cast<long>(ctx.tool_calls.size()) + 1;
    // The hook runs in its own session (the machines' exec); never signal our own group.
    const pid_t group = ::getpgid(caller);
    if (group <= 1 || group == ::getpgrp()) {
        return false;
    }
    model_.config.erase(kTestKillHook);  // once: the retry is left to pass
    debug_log(ctx.unit, "WARNING", "jujusim.test-kill-hook",
              "killing the \"" + ctx.op.hook + "\" hook at its hook-tool call " +
                  std::to_string(call) + " (" + tool + ")");
    ::kill(-group, SIGKILL);
    touch();
    return true;
}

CommandResult Controller::handle_tool(const json& request, bool* needs_stdin) {
    const std::string context_id = request.value("context_id", "");
    const std::string tool = request.value("tool", "");
    const auto args = request.value("args", std::vector<std::string>{});
    std::optional<std::string> stdin_data;
    if (request.contains("stdin") && request["stdin"].is_string()) {
        stdin_data = request["stdin"].get<std::string>();
    }
    std::unique_lock lock(mutex_);
    const auto it = contexts_.find(context_id);
    if (it == contexts_.end()) {
        return CommandResult{1, "",
                             "ERROR bad request: no hook context with id \"" + context_id + "\"\n"};
    }
    HookContext& ctx = *it->second;
    if (inject_hook_kill(ctx, tool, args, request.value("caller_pid", 0))) {
        return CommandResult{1, "", "ERROR killed by test-kill-hook\n"};
    }
    ctx.files = request.value("files", std::map<std::string, std::string>{});
    CommandResult result = run_tool(ctx, tool, args, stdin_data, needs_stdin);
    if (!(needs_stdin != nullptr && *needs_stdin)) {
        json call = json::array({tool});
        for (const auto& arg : args) {
            call.push_back(arg);
        }
        ctx.tool_calls.push_back(json{{"argv", call}, {"exit-code", result.exit_code}});
    }
    return result;
}

CommandResult Controller::run_tool(HookContext& ctx, const std::string& tool,
                                   const std::vector<std::string>& args,
                                   const std::optional<std::string>& stdin_data,
                                   bool* needs_stdin) {
    return tool_server_->run(ctx, tool, args, stdin_data, needs_stdin);
}

Controller::~Controller() {
    stop();
}

void Controller::load() {
    if (const auto text =
            slurmctld::util::read_regular_file(dir_ / "model.json", kMaxModelFileSize)) {
        json data = json::parse(*text);
        data.get_to(model_);
    }
    if (model_.name.empty()) {
        model_.name = dir_.filename().string();
    }
    if (model_.uuid.empty()) {
        model_.uuid = slurmctld::util::random_uuid_v4();
    }
    if (model_.machine_type == MachineType::ModelDefault) {
        model_.machine_type = MachineType::Host;
    }
    if (model_.created_at == 0) {
        model_.created_at = now();
    }
    for (const auto& [name, app] : model_.apps) {
        metas_[name] = app.builtin == "filesystem-client" ? filesystem_client_meta()
                                                          : CharmMeta::load(app.charm_dir);
    }
    persist();
}

void Controller::persist() {
    json data = model_;
    slurmctld::util::AtomicWriteOptions options;
    options.mode = 0600;  // it holds the model's secrets
    slurmctld::util::write_file_atomic(
        dir_ / "model.json", data.dump(1, ' ', false, json::error_handler_t::replace), options);
}

void Controller::persist_if_due(bool now_anyway) {
    // At most every kPersistInterval, and never more than a tenth of the time: a big model's
    // write (megabytes of JSON at 1000 units) must not take a core of its own.
    const auto since = std::chrono::steady_clock::now() - persisted_at_;
    if (!dirty_ || destroyed_ ||
        (!now_anyway && (since < kPersistInterval || since < 10 * persist_took_))) {
        return;
    }
    try {
        const auto start = std::chrono::steady_clock::now();
        persist();
        dirty_ = false;
        persisted_at_ = std::chrono::steady_clock::now();
        persist_took_ = persisted_at_ - start;
    } catch (const std::exception& error) {
        // The model directory went (destroy-model, or removed under us): nothing to keep.
        debug_log("controller", "WARNING", "jujusim.controller",
                  std::string("cannot save the model: ") + error.what());
    }
}

void Controller::touch() {
    ++revision_;
    dirty_ = true;
    changed_.notify_all();
}

const std::vector<std::string>& Controller::units_on_machine(const std::string& machine_id) {
    if (unit_index_stale_) {
        units_by_machine_.clear();
        for (const auto& [name, unit] : model_.units) {
            units_by_machine_[unit.machine].push_back(name);
        }
        for (auto& [id, names] : units_by_machine_) {
            std::sort(names.begin(), names.end(), natural_less);
        }
        unit_index_stale_ = false;
    }
    static const std::vector<std::string> none;
    const auto found = units_by_machine_.find(machine_id);
    return found == units_by_machine_.end() ? none : found->second;
}

void Controller::debug_log(const std::string& unit, const std::string& level,
                           const std::string& logger, const std::string& message) {
    std::lock_guard lock(log_mutex_);
    std::ofstream out(dir_ / "debug.log", std::ios::app);
    out << unit_tag(unit) << ": " << time_of_day(Clock::now()) << ' ' << level << ' ' << logger
        << ' ' << message << '\n';
}

void Controller::record_hook(const json& entry) {
    std::lock_guard lock(log_mutex_);
    std::ofstream out(dir_ / "hooks.jsonl", std::ios::app);
    out << entry.dump(-1, ' ', false, json::error_handler_t::replace) << '\n';
}

// ---- the model's rules (model_rules.hpp), over this controller's model ----

void Controller::set_unit_status(Unit& unit, const std::string& current, const std::string& message,
                                 bool agent) {
    jujusim::set_unit_status(unit, current, message, agent, now());
}

bool Controller::participates(const Relation& relation, const Unit& unit) const {
    return jujusim::participates(model_, metas_, relation, unit);
}

std::vector<std::string> Controller::relation_members(const Relation& relation,
                                                      const Unit& unit) const {
    return jujusim::relation_members(model_, relation, unit);
}

StatusValue Controller::displayed_workload(const Unit& unit) const {
    return jujusim::displayed_workload(model_, unit);
}

StatusValue Controller::displayed_agent(const Unit& unit) const {
    return jujusim::displayed_agent(model_, unit);
}

StatusValue Controller::app_status(const App& app) const {
    return jujusim::app_status(model_, app, now());
}

json Controller::effective_config(const App& app, bool all) const {
    return jujusim::effective_config(meta(app.name), app, all);
}

const CharmMeta& Controller::meta(const std::string& app) const {
    return metas_.at(app);
}

void Controller::prepare_namespace_machines() {
    if (network_) {
        return;
    }
    const fs::path binary = find_machine_binary();
    const auto spec =
        ImageSpec::named(model_.config.value(kMachineImage, std::string(kDefaultImage)));
    if (!spec) {
        throw UserError("unknown machine-image in the model's configuration");
    }
    image_ = ensure_image(*spec, [this](const std::string& line) {
        debug_log("machine/image", "INFO", "jujusim.image", line);
    });
    auto network = std::make_shared<Network>(Network::Config{dir_ / "network", binary, "10.77"});
    network->up();
    network_ = network;
}

Machine& Controller::machine(const std::string& id) {
    auto it = machines_.find(id);
    if (it != machines_.end()) {
        return *it->second;
    }
    const MachineRecord& record = model_.machines.at(id);
    std::unique_ptr<Machine> created;
    if (machine_type_of(record) == MachineType::Namespace) {
        prepare_namespace_machines();
        MachineConfig config;
        config.id = record.id;
        config.hostname = record.hostname;
        config.address = record.address;
        config.machine_dir = dir_ / "machines" / record.id;
        config.image = image_;
        config.machine_binary = find_machine_binary();
        config.network = network_;
        created = std::make_unique<NamespaceMachine>(config);
    } else {
        created = std::make_unique<HostDirectoryMachine>(record.id, record.hostname, record.address,
                                                         dir_ / "machines" / record.id / "root");
    }
    Machine& result = *created;
    machines_[id] = std::move(created);
    return result;
}

MachineType Controller::machine_type_of(const MachineRecord& record) const {
    return record.type == MachineType::ModelDefault ? model_.machine_type : record.type;
}

std::string Controller::add_machine(MachineType type) {
    MachineRecord record;
    record.id = std::to_string(model_.next_machine++);
    record.type = type;
    record.hostname = "juju-" + model_.uuid.substr(0, 6) + "-" + record.id;
    if (type == MachineType::Namespace) {
        prepare_namespace_machines();
        record.address = network_->address_for(static_cast<unsigned>(std::stoi(record.id)));
    } else {
        record.address = "127.0.1." + std::to_string(10 + std::stoi(record.id) % 240);
    }
    record.created_at = now();
    model_.machines[record.id] = record;
    machine(record.id);
    start_worker(record.id);  // boots the machine without holding the model lock
    return record.id;
}

void Controller::refresh_hosts(const std::string& only) {
    // Shared (the default): every machine's name in every /etc/hosts. Not shared: a machine
    // knows only its own name, as on clouds whose DNS does not resolve instance names; peers
    // then reach each other only through addresses Juju hands out.
    const auto shared = model_.config.find(kSharedEtcHosts);
    const bool all = shared == model_.config.end() || !shared->is_boolean() || shared->get<bool>();
    std::vector<std::pair<std::string, std::string>> entries;
    for (const auto& [id, record] : model_.machines) {
        entries.emplace_back(record.address, record.hostname);
    }
    for (const auto& [id, record] : model_.machines) {
        if (record.powered && (only.empty() || id == only)) {
            machine(id).set_hosts(all ? entries
                                      : std::vector<std::pair<std::string, std::string>>{
                                            {record.address, record.hostname}});
        }
    }
}

void Controller::start_worker(const std::string& machine_id) {
    if (worker_wakes_.count(machine_id) == 0) {
        worker_wakes_[machine_id] = std::make_unique<std::condition_variable>();
    }
    if (workers_.count(machine_id) != 0) {
        if (workers_[machine_id].joinable()) {
            return;
        }
    }
    workers_[machine_id] = std::thread([this, machine_id] { worker_loop(machine_id); });
}

fs::path Controller::unit_dir_on_host(const Unit& unit) {
    return machine(unit.machine).juju_dir_on_host() / "agents" / unit_tag(unit.name);
}

void Controller::setup_unit_files(const Unit& unit) {
    const App& app = model_.apps.at(unit.app);
    Machine& m = machine(unit.machine);
    const fs::path juju_dir = m.juju_dir_on_host();
    const fs::path agent_dir = juju_dir / "agents" / unit_tag(unit.name);
    fs::create_directories(agent_dir);
    if (app.builtin.empty()) {
        install_charm_files(app.charm_dir, agent_dir / "charm");
    } else {
        fs::create_directories(agent_dir / "charm");
    }
    const fs::path tools_dir = juju_dir / "tools";
    fs::create_directories(tools_dir);
    const fs::path jujuc = tools_dir / "jujuc";
    if (!fs::exists(jujuc)) {
        const fs::path temp = tools_dir / ".jujuc.tmp";
        fs::copy_file(tools_binary_, temp, fs::copy_options::overwrite_existing);
        fs::permissions(temp, fs::perms(0755));
        fs::rename(temp, jujuc);
    }
    const fs::path unit_tools = tools_dir / unit_tag(unit.name);
    fs::create_directories(unit_tools);
    for (const auto& tool : slurmctld::juju::hook_tool_names()) {
        const fs::path link = unit_tools / tool;
        std::error_code ignored;
        if (!fs::is_symlink(link, ignored)) {
            fs::create_symlink("../jujuc", link);
        }
    }
}

namespace {

/// The new charm's files written over the unit's charm directory, each replaced whole: a file
/// through a temporary sibling and a rename (the old dispatch may be running), a symlink
/// recreated (fs::copy cannot overwrite one), whatever stood in the way of a directory removed.
void write_charm_over(const fs::path& from, const fs::path& to) {
    fs::create_directories(to);
    for (auto it = fs::recursive_directory_iterator(from); it != fs::recursive_directory_iterator();
         ++it) {
        const fs::path destination = to / it->path().lexically_relative(from);
        const auto source = it->symlink_status();
        std::error_code ignored;
        const auto existing = fs::symlink_status(destination, ignored);
        if (fs::is_directory(source)) {
            if (fs::exists(existing) && !fs::is_directory(existing)) {
                fs::remove(destination);
            }
            fs::create_directories(destination);
            continue;
        }
        if (fs::is_directory(existing)) {
            fs::remove_all(destination);
        }
        if (fs::is_symlink(source)) {
            fs::remove(destination, ignored);
            fs::create_symlink(fs::read_symlink(it->path()), destination);
        } else if (fs::is_regular_file(source)) {
            const fs::path staged =
                destination.parent_path() / ("." + destination.filename().string() + ".new");
            fs::copy_file(it->path(), staged, fs::copy_options::overwrite_existing);
            fs::rename(staged, destination);
        }
    }
}

}  // namespace

void Controller::deploy_new_charm(Unit& unit) {
    const App& app = model_.apps.at(unit.app);
    if (unit.charm_dir == app.charm_dir) {
        return;  // deployed already (the hook is being retried)
    }
    // Juju's manifest deployer: what the old charm had and the new one lacks goes, the new
    // charm's files are written, files the unit made itself stay.
    const fs::path target = unit_dir_on_host(unit) / "charm";
    // Lexical paths: a charm's hooks are symlinks, which fs::relative would resolve.
    const auto manifest = [](const fs::path& root) {
        std::set<fs::path> files;
        std::error_code error;
        for (const auto& entry : fs::recursive_directory_iterator(root, error)) {
            files.insert(entry.path().lexically_relative(root));
        }
        return files;
    };
    const auto now_files = manifest(app.charm_dir);
    if (!unit.charm_dir.empty()) {
        for (const auto& old_file : manifest(unit.charm_dir)) {
            if (now_files.count(old_file) == 0) {
                std::error_code ignored;
                fs::remove_all(target / old_file, ignored);
            }
        }
    }
    write_charm_over(app.charm_dir, target);
    unit.charm_dir = app.charm_dir;
}

void Controller::worker_loop(std::string machine_id) {
    std::unique_lock lock(mutex_);
    const auto boot_record = model_.machines.find(machine_id);
    if (boot_record != model_.machines.end() && boot_record->second.powered && !stopping_) {
        Machine& m = machine(machine_id);
        lock.unlock();
        try {
            m.boot();
        } catch (const std::exception& error) {
            debug_log("machine-" + machine_id, "ERROR", "juju.worker.provisioner",
                      std::string("cannot boot machine: ") + error.what());
        }
        lock.lock();
        if (model_.machines.count(machine_id) != 0) {
            refresh_hosts(machine_id);  // the others learnt its name when it was added
            remount_builtin(machine_id);
            touch();
        }
    }
    std::string last_unit;
    while (!stopping_) {
        const auto record = model_.machines.find(machine_id);
        if (record == model_.machines.end()) {
            break;
        }
        // Woken by dispatch_loop when there is work; the timeout covers what no change
        // announces (a retry falling due, power coming back).
        auto& wake = *worker_wakes_.at(machine_id);
        if (!record->second.powered) {
            wake.wait_for(lock, std::chrono::milliseconds(500));
            continue;
        }
        const auto next = next_on_machine(machine_id, last_unit);
        if (!next) {
            wake.wait_for(lock, std::chrono::milliseconds(500));
            continue;
        }
        const std::string chosen = next->first;
        const std::optional<Op> op = next->second;
        last_unit = chosen;
        if (op->kind == HookKind::UpgradeCharm) {
            deploy_new_charm(model_.units.at(chosen));
        }
        busy_machines_.insert(machine_id);
        try {
            run_op(chosen, *op, lock);
        } catch (const std::exception& error) {
            debug_log(chosen, "ERROR", "juju.worker.uniter",
                      std::string("operation failed: ") + error.what());
            auto unit_it = model_.units.find(chosen);
            if (unit_it != model_.units.end()) {
                unit_it->second.in_error = true;
                unit_it->second.failed_op = *op;
                unit_it->second.retry_at = now() + 5;
            }
        }
        busy_machines_.erase(machine_id);
        touch();
    }
}

std::optional<std::pair<std::string, Op>> Controller::next_on_machine(
    const std::string& machine_id, const std::string& last_unit) {
    // Units on this machine in name order, starting after the last one served (fairness
    // between a principal and its subordinates under the machine lock).
    std::vector<std::string> names = units_on_machine(machine_id);
    std::rotate(names.begin(),
                std::upper_bound(names.begin(), names.end(), last_unit, natural_less), names.end());
    for (const auto& name : names) {
        const Unit& unit = model_.units.at(name);
        if (unit.life != Life::Dying || !unit.principal.empty() || unit.in_error) {
            continue;
        }
        // A dying principal's agent destroys its subordinates as it starts its teardown (Juju's
        // relation resolver): its first teardown hook runs before theirs.
        if (auto op = next_op(unit); op && !op->is_action()) {
            if (destroy_subordinates(name)) {
                return std::make_pair(name, *op);
            }
        }
    }
    for (const auto& name : names) {
        if (auto op = next_op(model_.units.at(name))) {
            return std::make_pair(name, *op);
        }
    }
    return std::nullopt;
}

bool Controller::machine_has_work(const std::string& machine_id) {
    for (const auto& name : units_on_machine(machine_id)) {
        const auto unit = model_.units.find(name);
        if (unit != model_.units.end() && next_op(unit->second)) {
            return true;
        }
    }
    return false;
}

void Controller::wake_all_workers() {
    for (auto& [id, wake] : worker_wakes_) {
        wake->notify_all();
    }
}

void Controller::dispatch_loop() {
    std::unique_lock lock(mutex_);
    long seen = -1;
    while (!stopping_) {
        changed_.wait_for(lock, std::chrono::milliseconds(100),
                          [&] { return stopping_ || revision_ != seen; });
        if (stopping_) {
            break;
        }
        seen = revision_;
        for (auto& [id, wake] : worker_wakes_) {
            if (busy_machines_.count(id) == 0 && machine_has_work(id)) {
                wake->notify_all();
            }
        }
        // A pass looks at every machine: at most about 100 passes a second, however many
        // changes come in between (a hook waits at most that long to be picked up).
        lock.unlock();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        lock.lock();
    }
    wake_all_workers();
}

void Controller::timer_loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        changed_.wait_for(lock, std::chrono::milliseconds(250));
        if (stopping_) {
            break;
        }
        if (!fs::exists(dir_ / "model.json")) {
            // The model directory was removed under us: power everything off and go.
            stopping_ = true;
            destroyed_ = true;
            std::vector<Machine*> all;
            for (auto& [id, m] : machines_) {
                all.push_back(m.get());
            }
            changed_.notify_all();
            lock.unlock();
            for (Machine* m : all) {
                m->poweroff();
            }
            lock.lock();
            break;
        }
        elect_leaders();
        double interval = 300;
        const auto it = model_.config.find("update-status-hook-interval");
        if (it != model_.config.end() && it->is_string()) {
            interval = parse_go_duration(it->get<std::string>(), true).value_or(interval);
        }
        bool due_changed = false;
        for (auto& [name, unit] : model_.units) {
            if (!unit.started || unit.life != Life::Alive || unit.update_status_due) {
                continue;
            }
            if (unit.last_update_status == 0) {
                unit.last_update_status = now();
            }
            if (now() - unit.last_update_status >= interval) {
                unit.update_status_due = true;
                due_changed = true;
            }
        }
        std::vector<std::string> released;
        for (const auto& [id, record] : model_.machines) {
            if (record.released_at > 0 && now() - record.released_at >= kMachineReleaseDelay) {
                released.push_back(id);
            }
        }
        if (!released.empty()) {
            // All that came due at once: one rewrite of the others' /etc/hosts.
            release_machines(released);
            due_changed = true;
        }
        bool retry_due = false;
        for (const auto& [name, unit] : model_.units) {
            if (unit.in_error && now() >= unit.retry_at) {
                retry_due = true;
            }
        }
        if (due_changed) {
            touch();
        }
        if (retry_due) {
            changed_.notify_all();
        }
        persist_if_due(false);
    }
}

void Controller::serve() {
    const fs::path socket_path = dir_ / "controller.sock";
    Fd listener = listen_unix(socket_path);
    auto [stop_read, stop_write] = slurmctld::util::make_pipe();
    {
        std::lock_guard lock(mutex_);
        for (const auto& [id, record] : model_.machines) {
            start_worker(id);
        }
        timer_ = std::thread([this] { timer_loop(); });
        dispatcher_ = std::thread([this] { dispatch_loop(); });
    }
    std::thread watcher([this, fd = stop_write.get()] {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [this] { return stopping_; });
        const char byte = 'x';
        (void)!::write(fd, &byte, 1);
    });
    while (auto connection = accept_or_stop(listener.get(), stop_read.get())) {
        {
            std::lock_guard lock(mutex_);
            ++open_connections_;
        }
        std::thread([this, fd = std::make_shared<Fd>(std::move(*connection))] {
            try {
                const auto line = read_line(fd->get());
                if (line) {
                    const json request = json::parse(*line);
                    CommandResult result;
                    if (request.value("type", "cli") == "tool") {
                        bool needs_stdin = false;
                        result = handle_tool(request, &needs_stdin);
                    } else {
                        result = handle_cli(request.value("args", std::vector<std::string>{}),
                                            request.value("cwd", "/"));
                    }
                    const json reply{
                        {"code", result.exit_code}, {"stdout", result.out}, {"stderr", result.err}};
                    write_all(fd->get(),
                              reply.dump(-1, ' ', false, json::error_handler_t::replace) + "\n");
                }
            } catch (const std::exception&) {
            }
            std::lock_guard lock(mutex_);
            --open_connections_;
            changed_.notify_all();
        }).detach();
    }
    watcher.join();
    std::unique_lock lock(mutex_);
    changed_.wait_for(lock, std::chrono::seconds(5), [this] { return open_connections_ == 0; });
}

void Controller::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && workers_.empty() && !timer_.joinable() && !dispatcher_.joinable()) {
            return;
        }
        stopping_ = true;
        changed_.notify_all();
        wake_all_workers();
    }
    if (dispatcher_.joinable()) {
        dispatcher_.join();
    }
    for (auto& [id, worker] : workers_) {
        if (worker.joinable()) {
            worker.join();
        }
    }
    workers_.clear();
    if (timer_.joinable()) {
        timer_.join();
    }
    std::lock_guard lock(mutex_);
    persist_if_due(true);
}

}  // namespace jujusim
