// Actions and commands on units: run, exec, ssh, show-task, actions.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <jujusim/controller.hpp>
#include <jujusim/flags.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/network.hpp>
#include <jujusim/yaml_json.hpp>

#include "verb_helpers.hpp"

namespace jujusim {

using namespace verbs;

long Controller::enqueue_action(const std::string& unit, const std::string& name,
                                const json& params, bool exec, const std::string& command) {
    Action action;
    action.operation = model_.next_task++;
    action.id = model_.next_task++;
    action.unit = unit;
    action.name = name;
    action.params = params;
    action.exec = exec;
    action.command = command;
    action.enqueued = now();
    model_.actions[action.id] = action;
    model_.units.at(unit).pending_actions.push_back(action.id);
    touch();
    return action.id;
}

json Controller::task_json(const Action& action) const {
    ordered_json out;
    out["id"] = std::to_string(action.id);
    if (!action.log.empty()) {
        out["log"] = action.log;
    }
    if (!action.message.empty()) {
        out["message"] = action.message;
    }
    out["results"] = action.results;
    out["status"] = action.status;
    ordered_json timing;
    if (action.completed > 0) {
        timing["completed"] = go_time_string(action.completed);
    }
    timing["enqueued"] = go_time_string(action.enqueued);
    if (action.started > 0) {
        timing["started"] = go_time_string(action.started);
    }
    out["timing"] = timing;
    out["unit"] = action.unit;
    return json::parse(go_json(out));
}

CommandResult Controller::cmd_run(const std::vector<std::string>& args, const fs::path& cwd,
                                  std::unique_lock<std::mutex>& lock) {
    FlagSet flags = output_flags("plain");
    flags.value({"wait"})
        .value({"params"})
        .boolean({"background"})
        .boolean({"string-args"})
        .boolean({"utc"})
        .boolean({"color"})
        .boolean({"no-color"});
    flags.parse(args);
    if (flags.positional.size() < 2) {
        throw UserError("no action specified");
    }
    const std::string unit_name = resolve_unit(flags.positional[0]);
    const std::string action_name = flags.positional[1];
    const Unit& unit = model_.units.at(unit_name);
    const CharmMeta& charm = meta(unit.app);
    if (charm.actions.count(action_name) == 0) {
        throw UserError("invalid action: action \"" + action_name + "\" not defined on unit \"" +
                        unit_name + "\" (not found)");
    }
    json params = json::object();
    if (flags.is_set("params")) {
        const fs::path file = fs::path(flags.get("params")).is_absolute()
                                  ? fs::path(flags.get("params"))
                                  : cwd / flags.get("params");
        const json parsed = parse_yaml(read_text_file(file));
        if (parsed.is_object()) {
            params = parsed;
        }
    }
    for (std::size_t i = 2; i < flags.positional.size(); ++i) {
        const std::string& item = flags.positional[i];
        const auto eq = item.find('=');
        if (eq == std::string::npos) {
            throw UserError("argument \"" + item + "\" must be of the form key...=value");
        }
        const std::string key = item.substr(0, eq);
        const json value =
            flags.on("string-args") ? json(item.substr(eq + 1)) : yaml_scalar(item.substr(eq + 1));
        json* target = &params;
        std::size_t start = 0;
        while (true) {
            const auto dot = key.find('.', start);
            const std::string part =
                key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
            if (dot == std::string::npos) {
                (*target)[part] = value;
                break;
            }
            if (!(*target)[part].is_object()) {
                (*target)[part] = json::object();
            }
            target = &(*target)[part];
            start = dot + 1;
        }
    }
    params = charm.validate_action_params(action_name, params);
    const long id = enqueue_action(unit_name, action_name, params, false, "");
    const Action& queued = model_.actions.at(id);
    std::string err = "Running operation " + std::to_string(queued.operation) +
                      " with 1 task\n  - task " + std::to_string(id) + " on " +
                      unit_tag(unit_name) + "\n\n";
    if (flags.on("background")) {
        return CommandResult{
            0, "", err + "Check the task status with: juju show-task " + std::to_string(id) + "\n"};
    }
    err += "Waiting for task " + std::to_string(id) + "...\n";
    const double wait = flags.is_set("wait") ? parse_duration(flags.get("wait")) : -1;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<long>(wait * 1000));
    const auto done = [&] {
        const auto& action = model_.actions.at(id);
        return action.status == ActionStatus::Completed || action.status == ActionStatus::Failed;
    };
    while (!done()) {
        if (wait >= 0 && std::chrono::steady_clock::now() >= deadline) {
            return CommandResult{
                1, "", err + "ERROR timed out waiting for results from: unit " + unit_name + "\n"};
        }
        changed_.wait_for(lock, std::chrono::milliseconds(200));
    }
    const Action& action = model_.actions.at(id);
    const std::string format = flags.get("format");
    std::string out;
    if (format == "json" || format == "yaml") {
        ordered_json result;
        result[unit_name] = ordered_json(task_json(action));
        out = format == "json" ? go_json(result) + "\n" : go_yaml(result);
    } else {
        for (const auto& line : action.log) {
            out += line + "\n";
        }
        json results = action.results;
        const std::string stdout_text = results.value("stdout", "");
        results.erase("return-code");
        results.erase("stdout");
        results.erase("stderr");
        if (!results.empty()) {
            out += go_yaml(results);
        }
        out += stdout_text;
    }
    if (action.status != ActionStatus::Completed) {
        const int code = action.results.value("return-code", 0);
        err += "ERROR the following task failed:\n id \"" + std::to_string(id) +
               "\" with return code " + std::to_string(code) +
               "\n\nuse 'juju show-task' to inspect the failure\n";
        if (format != "json" && format != "yaml" && !action.message.empty()) {
            err = action.message + "\n" + err;
        }
        return CommandResult{1, out, err};
    }
    return CommandResult{0, out, err};
}

/// `exec --machine`: the command straight on the machine, as Juju runs it there (no unit).
CommandResult Controller::exec_on_machine(const std::string& id, const std::string& command,
                                          const std::string& format,
                                          std::unique_lock<std::mutex>& lock) {
    if (model_.machines.count(id) == 0) {
        throw UserError("machine " + id + " not found");
    }
    Machine& m = machine(id);
    lock.unlock();
    ExecRequest request;
    request.argv = {"/bin/bash", "-c", command};
    request.env = {{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
                   {"LANG", "C.UTF-8"}};
    const ExecResult result = m.exec(request);
    lock.lock();
    if (format == "json") {
        ordered_json results{{"return-code", result.exit_code}};
        if (!result.stdout_text.empty()) {
            results["stdout"] = result.stdout_text;
        }
        if (!result.stderr_text.empty()) {
            results["stderr"] = result.stderr_text;
        }
        ordered_json out;
        out["machine-" + id] = ordered_json{{"id", std::to_string(model_.next_task++)},
                                            {"machine", id},
                                            {"results", results},
                                            {"status", "completed"}};
        return CommandResult{result.exit_code == 0 ? 0 : 1, go_json(out) + "\n",
                             result.exit_code == 0
                                 ? ""
                                 : "ERROR the following task failed:\n id \"0\" with return code " +
                                       std::to_string(result.exit_code) + "\n"};
    }
    return CommandResult{result.exit_code, result.stdout_text, result.stderr_text};
}

CommandResult Controller::cmd_exec(const std::vector<std::string>& args,
                                   std::unique_lock<std::mutex>& lock) {
    FlagSet flags = output_flags("plain");
    flags.value({"wait"}, "5m")
        .value({"unit", "u"})
        .value({"machine"})
        .value({"application", "app", "a"})
        .boolean({"all"})
        .boolean({"background"})
        .boolean({"execution-group"})
        .boolean({"parallel"});
    flags.parse(args);
    if (flags.positional.empty()) {
        throw UserError("no commands specified");
    }
    std::string command;
    for (const auto& word : flags.positional) {
        command += (command.empty() ? "" : " ") + word;
    }
    std::vector<std::string> targets;
    const std::string units = flags.get("unit");
    for (const auto unit : slurmctld::util::split_fields(units, ",")) {
        targets.push_back(resolve_unit(std::string(unit)));
    }
    const std::string applications = flags.get("application");
    for (const auto app_view : slurmctld::util::split_fields(applications, ",")) {
        const std::string app_name(app_view);
        if (model_.apps.count(app_name) == 0) {
            throw UserError("application \"" + app_name + "\" not found");
        }
        for (const auto& [name, unit] : model_.units) {
            if (unit.app == app_name) {
                targets.push_back(name);
            }
        }
    }
    if (flags.is_set("machine")) {
        return exec_on_machine(flags.get("machine"), command, flags.get("format"), lock);
    }
    if (targets.empty()) {
        throw UserError(
            "you must specify a target, either through --all, --machine, --application or --unit");
    }
    std::vector<long> ids;
    for (const auto& target : targets) {
        ids.push_back(
            enqueue_action(target, "juju-exec", json{{"command", command}}, true, command));
    }
    const double wait = parse_duration(flags.get("wait"));
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<long>(wait * 1000));
    const auto all_done = [&] {
        return std::all_of(ids.begin(), ids.end(), [&](long id) {
            const auto& action = model_.actions.at(id);
            return action.status == ActionStatus::Completed ||
                   action.status == ActionStatus::Failed;
        });
    };
    while (!all_done()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            std::string names;
            for (const auto& target : targets) {
                names += (names.empty() ? "" : ", ") + std::string("unit ") + target;
            }
            return CommandResult{1, "",
                                 "ERROR timed out waiting for results from: " + names + "\n"};
        }
        changed_.wait_for(lock, std::chrono::milliseconds(200));
    }
    std::string out;
    std::string err;
    bool failed = false;
    ordered_json results;
    for (long id : ids) {
        const Action& action = model_.actions.at(id);
        results[action.unit] = ordered_json(task_json(action));
        const int code = action.results.value("return-code", 0);
        if (action.status != ActionStatus::Completed || code != 0) {
            failed = true;
            err += " id \"" + std::to_string(id) + "\" with return code " + std::to_string(code) +
                   "\n";
        }
    }
    const std::string format = flags.get("format");
    if (format == "json") {
        out = go_json(results) + "\n";
    } else if (format != "yaml" && ids.size() == 1) {
        // One task in plain format: its own stdout and stderr, as juju run prints them.
        const Action& action = model_.actions.at(ids.front());
        out = action.results.value("stdout", "");
        const std::string stderr_text = action.results.value("stderr", "");
        if (failed) {
            return CommandResult{1, out,
                                 stderr_text + "ERROR the following task failed:\n id \"" +
                                     std::to_string(ids.front()) + "\" with return code " +
                                     std::to_string(action.results.value("return-code", 0)) +
                                     "\n\nuse 'juju show-task' to inspect the failure\n"};
        }
        return CommandResult{0, out, stderr_text};
    } else {
        out = go_yaml(results);
    }
    if (failed) {
        return CommandResult{1, out,
                             "ERROR the following task failed:\n" + err +
                                 "\nuse 'juju show-task' to inspect the failure\n"};
    }
    return CommandResult{0, out, ""};
}

CommandResult Controller::cmd_ssh(const std::vector<std::string>& args,
                                  std::unique_lock<std::mutex>& lock) {
    FlagSet flags;
    flags.value({"container"}).boolean({"no-host-key-checks"}).boolean({"pty"}).value({"proxy"});
    flags.parse(args);
    if (flags.positional.empty()) {
        throw UserError("no target name specified");
    }
    std::string target = flags.positional[0];
    const auto at = target.find('@');
    if (at != std::string::npos) {
        target = target.substr(at + 1);
    }
    std::string machine_id = target;
    if (target.find('/') != std::string::npos) {
        machine_id = model_.units.at(resolve_unit(target)).machine;
    }
    if (model_.machines.count(machine_id) == 0) {
        throw UserError("machine " + machine_id + " not found");
    }
    if (!model_.machines.at(machine_id).powered) {
        throw UserError("machine " + machine_id + " is powered off");
    }
    std::string command;
    for (std::size_t i = 1; i < flags.positional.size(); ++i) {
        command += (command.empty() ? "" : " ") + flags.positional[i];
    }
    if (command.empty()) {
        throw UserError("jujusim ssh needs a command (no interactive sessions)");
    }
    Machine& m = machine(machine_id);
    lock.unlock();
    ExecRequest request;
    request.argv = {"/bin/bash", "-c", command};
    request.env = {{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
                   {"LANG", "C.UTF-8"},
                   {"HOME", "/root"}};
    request.cwd = "/";
    const ExecResult result = m.exec(request);
    lock.lock();
    return CommandResult{result.exit_code, result.stdout_text, result.stderr_text};
}

CommandResult Controller::cmd_show_task(const std::vector<std::string>& args) {
    FlagSet flags = output_flags("plain");
    flags.value({"wait"}).boolean({"watch"}).boolean({"utc"});
    flags.parse(args);
    if (flags.positional.empty()) {
        throw UserError("no task ID specified");
    }
    const long id = std::stol(flags.positional[0]);
    const auto it = model_.actions.find(id);
    if (it == model_.actions.end()) {
        throw UserError("task " + flags.positional[0] + " not found");
    }
    const json task = task_json(it->second);
    return json_or_yaml(flags, task);
}

CommandResult Controller::cmd_actions(const std::vector<std::string>& args) {
    FlagSet flags = output_flags("default");
    flags.boolean({"schema"});
    flags.parse(args);
    if (flags.positional.empty()) {
        throw UserError("no application name specified");
    }
    const std::string app_name = flags.positional[0];
    if (model_.apps.count(app_name) == 0) {
        throw UserError("application \"" + app_name + "\" not found");
    }
    json out = json::object();
    for (const auto& [name, spec] : meta(app_name).actions) {
        out[name] = flags.on("schema") ? json{{"description", spec.description},
                                              {"properties", spec.params},
                                              {"title", name},
                                              {"type", "object"}}
                                       : json(spec.description);
    }
    if (flags.get("format") == "json") {
        return CommandResult{0, go_json(out) + "\n", ""};
    }
    if (flags.get("format") == "yaml") {
        return CommandResult{0, go_yaml(out), ""};
    }
    std::string text = "Action  Description\n";
    for (const auto& [name, description] : out.items()) {
        text +=
            name + "  " + (description.is_string() ? description.get<std::string>() : "") + "\n";
    }
    return CommandResult{0, text, ""};
}

}  // namespace jujusim
