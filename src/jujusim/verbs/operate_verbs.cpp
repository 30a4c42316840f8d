// Operating and looking at the model: wait, tick, poweroff/poweron, resolved, hooks,
// debug-log, destroy, secrets, show-secret, show-model.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <jujusim/controller.hpp>
#include <jujusim/debug_log.hpp>
#include <jujusim/flags.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/network.hpp>
#include <jujusim/yaml_json.hpp>

#include "verb_helpers.hpp"

namespace jujusim {

using namespace verbs;

CommandResult Controller::cmd_wait(const std::vector<std::string>& args,
                                   std::unique_lock<std::mutex>& lock) {
    FlagSet flags;
    flags.value({"timeout"}, "10m");
    flags.parse(args);
    const double timeout = parse_duration(flags.get("timeout"));
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<long>(timeout * 1000));
    // Units in error whose machine is up, as juju status words them ("hook failed: ...").
    const auto units_in_error = [this] {
        std::string failed;
        for (const auto& [name, unit] : model_.units) {
            if (unit.in_error && unit_can_run(unit)) {
                failed += "\n  " + name + ": hook failed: \"" + unit.failed_op.hook + "\"";
            }
        }
        return failed;
    };
    int quiet = 0;
    while (true) {
        quiet = model_busy() ? 0 : quiet + 1;
        if (quiet >= 3) {
            // Settled, but not healthy: a unit waits in error for a retry or `resolved`
            // (as jubilant's wait with error=any_error fails on it).
            const std::string failed = units_in_error();
            if (!failed.empty()) {
                return CommandResult{1, "", "ERROR units in error:" + failed + "\n"};
            }
            return {};
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            std::string pending;
            for (const auto& [name, unit] : model_.units) {
                if (!unit_can_run(unit)) {
                    continue;
                }
                const auto op = next_op(unit);
                if (op) {
                    pending += "\n  " + name + ": " + op->hook;
                }
            }
            const std::string failed = units_in_error();
            return CommandResult{1, "",
                                 "ERROR timed out after " + flags.get("timeout") +
                                     " waiting for the model to settle" + pending +
                                     (failed.empty() ? "" : "\nunits in error:" + failed) + "\n"};
        }
        changed_.wait_for(lock, std::chrono::milliseconds(50));
    }
}

CommandResult Controller::cmd_tick(const std::vector<std::string>& args) {
    // jujusim's own (not juju): timers fire now. update-status on every unit; with --secrets,
    // every scheduled secret rotation too (rotations are at least hourly: tests cannot wait).
    FlagSet flags;
    flags.boolean({"secrets"});
    flags.parse(args);
    if (flags.on("secrets")) {
        for (auto& [id, secret] : model_.secrets) {
            if (secret.next_rotate > 0) {
                secret.next_rotate = std::min(secret.next_rotate, now());
            }
        }
        touch();
        return {};
    }
    // `tick UNIT...`: those units only (a hook timed alone, not sharing the host's cores with
    // every other unit's update-status).
    for (const auto& name : flags.positional) {
        if (!model_.units.contains(name)) {
            throw UserError("unit \"" + name + "\" not found");
        }
    }
    for (auto& [name, unit] : model_.units) {
        const bool chosen = flags.positional.empty() ||
                            std::find(flags.positional.begin(), flags.positional.end(), name) !=
                                flags.positional.end();
        if (chosen && unit.started && unit.life == Life::Alive && unit_can_run(unit)) {
            unit.update_status_due = true;
        }
    }
    touch();
    return {};
}

CommandResult Controller::cmd_power(const std::vector<std::string>& args, bool on,
                                    std::unique_lock<std::mutex>& lock) {
    FlagSet flags;
    flags.parse(args);
    if (flags.positional.size() != 1) {
        throw UserError("expected one machine or unit");
    }
    std::string id = flags.positional[0];
    if (id.find('/') != std::string::npos) {
        id = model_.units.at(resolve_unit(id)).machine;
    }
    if (model_.machines.count(id) == 0) {
        throw UserError("machine " + id + " not found");
    }
    Machine& m = machine(id);
    if (!on) {
        if (!model_.machines.at(id).powered) {
            return {};
        }
        model_.machines.at(id).powered = false;
        model_.machines.at(id).down_since = now();
        touch();
        lock.unlock();
        m.poweroff();
        lock.lock();
        touch();
        return {};
    }
    if (model_.machines.at(id).powered) {
        return {};
    }
    lock.unlock();
    m.boot();
    lock.lock();
    auto& record = model_.machines.at(id);
    record.powered = true;
    record.down_since = 0;
    for (auto& [name, unit] : model_.units) {
        if (unit.machine == id && unit.started) {
            unit.boot_start_pending = true;
        }
    }
    refresh_hosts();
    remount_builtin(id);
    elect_leaders();
    touch();
    return {};
}

CommandResult Controller::cmd_resolved(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.boolean({"no-retry"}).boolean({"all"});
    flags.parse(args);
    std::vector<std::string> names;
    if (flags.on("all")) {
        for (const auto& [name, unit] : model_.units) {
            if (unit.in_error) {
                names.push_back(name);
            }
        }
    }
    for (const auto& name : flags.positional) {
        names.push_back(resolve_unit(name));
    }
    if (names.empty()) {
        throw UserError("no unit specified");
    }
    for (const auto& name : names) {
        if (!model_.units.at(name).in_error) {
            throw UserError("unit \"" + name + "\" is not in an error state");
        }
    }
    for (const auto& name : names) {
        Unit& unit = model_.units.at(name);
        if (flags.on("no-retry")) {
            const Op op = unit.failed_op;
            unit.in_error = false;
            unit.retries = 0;
            set_unit_status(unit, "idle", "", true);
            apply_done(unit, op);
        } else {
            unit.resolve_now = true;
        }
    }
    touch();
    return {};
}

CommandResult Controller::cmd_hooks(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.value({"format"}, "tabular").value({"unit"}).value({"limit"});
    flags.parse(args);
    std::vector<json> entries;
    {
        std::lock_guard log_lock(log_mutex_);
        std::ifstream in(dir_ / "hooks.jsonl");
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty()) {
                continue;
            }
            json entry = json::parse(line, nullptr, false);
            if (entry.is_discarded()) {
                continue;
            }
            if (flags.is_set("unit") && entry.value("unit", "") != flags.get("unit")) {
                continue;
            }
            entries.push_back(entry);
        }
    }
    if (flags.is_set("limit")) {
        const std::size_t limit = std::stoul(flags.get("limit"));
        if (entries.size() > limit) {
            entries.erase(entries.begin(), entries.end() - static_cast<long>(limit));
        }
    }
    if (flags.get("format") == "json") {
        return CommandResult{0, go_json(json(entries)) + "\n", ""};
    }
    std::vector<std::vector<std::string>> rows{
        {"Unit", "Hook", "Remote", "Start", "Duration", "Exit", "Tools"}};
    for (const auto& entry : entries) {
        std::string tools;
        for (const auto& call : entry["tools"]) {
            tools += (tools.empty() ? "" : ", ") + call["argv"][0].get<std::string>();
            if (call.value("exit-code", 0) != 0) {
                tools += "(" + std::to_string(call.value("exit-code", 0)) + ")";
            }
        }
        char duration[32];
        std::snprintf(duration, sizeof duration, "%.3fs", entry.value("duration", 0.0));
        rows.push_back({entry.value("unit", ""), entry.value("hook", ""),
                        entry.value("remote-unit", ""), entry.value("start", ""), duration,
                        std::to_string(entry.value("exit-code", 0)), tools});
    }
    std::vector<std::size_t> widths(rows[0].size(), 0);
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], row[i].size());
        }
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            std::string cell = row[i];
            if (i + 1 < row.size()) {
                cell.resize(widths[i] + 2, ' ');
            }
            line += cell;
        }
        out += line + "\n";
    }
    return CommandResult{0, out, ""};
}

CommandResult Controller::cmd_debug_log(const std::vector<std::string>& args) {
    FlagSet flags;
    declare_debug_log_flags(flags);
    flags.parse(args);
    if (flags.on("tail") && !flags.on("no-tail")) {
        // Following is the client's (it reads the file as it grows); see cli.cpp.
        throw UserError("debug-log --tail follows on the client: run it through jujusim");
    }
    const DebugLogFilter filter = DebugLogFilter::from_flags(flags);
    std::vector<std::string> lines;
    {
        std::lock_guard log_lock(log_mutex_);
        std::uintmax_t offset = 0;
        lines = read_debug_log(dir_ / "debug.log", filter, offset);
    }
    const std::size_t shown =
        std::min(lines.size(), debug_log_backlog(flags, lines.size(), lines.size()));
    std::string out;
    for (std::size_t i = lines.size() - shown; i < lines.size(); ++i) {
        out += lines[i] + "\n";
    }
    return CommandResult{0, out, ""};
}

CommandResult Controller::cmd_destroy(std::unique_lock<std::mutex>& lock) {
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
    if (network_) {
        network_->down();
    }
    lock.lock();
    return {};
}

namespace {

/// What `juju secrets` and `juju show-secret` print about a secret, in juju's key order.
ordered_json secret_summary(const Secret& secret) {
    ordered_json entry;
    entry["revision"] = secret.latest;
    entry["owner"] = secret.owner;
    if (!secret.label.empty()) {
        entry["label"] = secret.label;
    }
    if (!secret.description.empty()) {
        entry["description"] = secret.description;
    }
    if (!secret.rotate.empty()) {
        entry["rotation"] = secret.rotate;
    }
    entry["created"] = rfc3339(from_epoch(secret.created_at));
    entry["updated"] = rfc3339(from_epoch(secret.updated_at));
    return entry;
}

}  // namespace

CommandResult Controller::cmd_secrets(const std::vector<std::string>& args) {
    FlagSet flags = output_flags("tabular");
    flags.value({"owner"});
    flags.parse(args);
    ordered_json out = ordered_json::object();
    for (const auto& [id, secret] : model_.secrets) {
        if (flags.is_set("owner") && flags.get("owner") != secret.owner) {
            continue;
        }
        out[id] = secret_summary(secret);
    }
    if (flags.get("format") == "json") {
        return CommandResult{0, go_json(out) + "\n", ""};
    }
    if (flags.get("format") == "yaml") {
        return CommandResult{0, go_yaml(out), ""};
    }
    std::string text = "ID                    Name  Owner  Rotation  Revision  Last updated\n";
    for (const auto& [id, secret] : model_.secrets) {
        text += id + "  -  " + secret.owner + "  " +
                (secret.rotate.empty() ? "never" : secret.rotate) + "  " +
                std::to_string(secret.latest) + "  " + rfc3339(from_epoch(secret.updated_at)) +
                "\n";
    }
    return CommandResult{0, text, ""};
}

CommandResult Controller::cmd_show_secret(const std::vector<std::string>& args) {
    FlagSet flags = output_flags("yaml");
    flags.boolean({"reveal"}).boolean({"revisions"}).value({"revision"});
    flags.parse(args);
    if (flags.positional.empty()) {
        throw UserError("secret URI or name is required");
    }
    std::string id = flags.positional[0];
    const auto slash = id.find_last_of("/:");
    if (slash != std::string::npos) {
        id = id.substr(slash + 1);
    }
    const auto it = model_.secrets.find(id);
    if (it == model_.secrets.end()) {
        throw UserError("secret \"" + flags.positional[0] + "\" not found");
    }
    const Secret& secret = it->second;
    ordered_json entry = secret_summary(secret);
    if (flags.on("revisions")) {
        ordered_json revisions = ordered_json::array();
        for (const auto& [revision, content] : secret.revisions) {
            revisions.push_back(ordered_json{{"revision", std::stol(revision)},
                                             {"created", rfc3339(from_epoch(secret.created_at))}});
        }
        entry["revisions"] = revisions;
    }
    if (flags.on("reveal")) {
        const std::string revision =
            flags.is_set("revision") ? flags.get("revision") : std::to_string(secret.latest);
        const auto content = secret.revisions.find(revision);
        if (content == secret.revisions.end()) {
            throw UserError("secret revision " + revision + " not found");
        }
        entry["content"] = ordered_json{{"Data", content->second}};
    }
    ordered_json out;
    out[id] = entry;
    return json_or_yaml(flags, out);
}

CommandResult Controller::cmd_show_model(const std::vector<std::string>& args) {
    FlagSet flags = output_flags("yaml");
    flags.parse(args);
    ordered_json info;
    info["name"] = "admin/" + model_.name;
    info["short-name"] = model_.name;
    info["model-uuid"] = model_.uuid;
    info["model-type"] = "iaas";
    info["controller-uuid"] = model_.uuid;
    info["controller-name"] = "jujusim";
    info["is-controller"] = false;
    info["owner"] = "admin";
    info["cloud"] = "jujusim";
    info["region"] = "local";
    info["type"] = "jujusim";
    info["life"] = "alive";
    info["status"] =
        ordered_json{{"current", "available"}, {"since", rfc3339(from_epoch(model_.created_at))}};
    ordered_json machines = ordered_json::object();
    for (const auto& [id, record] : model_.machines) {
        machines[id] = ordered_json{{"cores", 0}};
    }
    info["machines"] = machines;
    info["agent-version"] = "3.6.12";
    ordered_json out;
    out[model_.name] = info;
    return json_or_yaml(flags, out);
}

}  // namespace jujusim
