// The hook tools, served for the running hook (juju-hooks.md §2): gnuflag parsing, Juju's
// messages and exit codes (2 for usage, 1 for run errors), Go-formatted output, snapshots
// and buffered writes in the HookContext, immediate effects where Juju has them.
#include <algorithm>
#include <random>
#include <regex>

#include <jujusim/controller.hpp>
#include <jujusim/flags.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/yaml_json.hpp>

namespace jujusim {

namespace {

/// A run error (exit 1) or a usage error (exit 2), with Juju's message.
struct ToolFailure {
    int code;
    std::string message;
};

[[noreturn]] void usage_error(const std::string& message) {
    throw ToolFailure{2, message};
}
[[noreturn]] void run_error(const std::string& message) {
    throw ToolFailure{1, message};
}

FlagSet& with_format(FlagSet& flags, const std::string& default_format = "smart") {
    flags.value({"format"}, default_format).value({"o", "output"});
    return flags;
}

std::string checked_format(const FlagSet& flags) {
    const std::string format = flags.get("format");
    if (format != "smart" && format != "json" && format != "yaml") {
        usage_error("invalid value \"" + format + "\" for option --format: unknown format \"" +
                    format + "\"");
    }
    return format;
}

std::string bare_secret_id(const std::string& text) {
    std::string id = text;
    const auto slash = id.find_last_of('/');
    if (slash != std::string::npos)
        id = id.substr(slash + 1);
    const auto colon = id.find_last_of(':');
    if (colon != std::string::npos)
        id = id.substr(colon + 1);
    return id;
}

std::string new_secret_id() {
    static thread_local std::mt19937_64 rng(std::random_device{}());
    const char* alphabet = "0123456789abcdefghijklmnopqrstuv";
    std::string id;
    for (int i = 0; i < 20; ++i)
        id += alphabet[rng() % 32];
    return id;
}

std::string decode_base64(const std::string& text) {
    static const std::string alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    int value = 0;
    int bits = -8;
    for (char c : text) {
        if (c == '=' || c == '\n' || c == '\r' || c == ' ')
            continue;
        const auto pos = alphabet.find(c);
        if (pos == std::string::npos)
            throw ToolFailure{1, "illegal base64 data"};
        value = (value << 6) + static_cast<int>(pos);
        bits += 6;
        if (bits >= 0) {
            out += static_cast<char>((value >> bits) & 0xff);
            bits -= 8;
        }
    }
    return out;
}

std::string trim(const std::string& text) {
    const auto begin = text.find_first_not_of(" \t\r\n");
    if (begin == std::string::npos)
        return "";
    const auto end = text.find_last_not_of(" \t\r\n");
    return text.substr(begin, end - begin + 1);
}

/// juju/utils keyvalues.Parse: "k=v" pairs, whitespace trimmed, no duplicates.
std::map<std::string, std::string> parse_key_values(const std::vector<std::string>& args,
                                                    bool allow_empty_value = true) {
    std::map<std::string, std::string> out;
    for (const auto& arg : args) {
        const auto eq = arg.find('=');
        if (eq == std::string::npos || eq == 0)
            usage_error("expected \"key=value\", got \"" + arg + "\"");
        const std::string key = trim(arg.substr(0, eq));
        const std::string value = trim(arg.substr(eq + 1));
        if (!allow_empty_value && value.empty())
            usage_error("expected \"key=value\", got \"" + arg + "\"");
        if (out.count(key) != 0)
            usage_error("key \"" + key + "\" specified more than once");
        out[key] = value;
    }
    return out;
}

Databag yaml_mapping_as_strings(const std::string& text) {
    json parsed;
    try {
        parsed = parse_yaml(text);
    } catch (const std::exception& error) {
        run_error(error.what());
    }
    Databag out;
    if (parsed.is_null())
        return out;
    if (!parsed.is_object())
        run_error("expected YAML map");
    for (const auto& [key, value] : parsed.items()) {
        if (value.is_string())
            out[key] = value.get<std::string>();
        else if (value.is_null())
            out[key] = "";
        else if (value.is_boolean())
            out[key] = value.get<bool>() ? "true" : "false";
        else
            out[key] = go_json(value);
    }
    return out;
}

std::string fmt_two_digits(const std::string& number) {
    const int value = std::stoi(number) % 256;
    const char* hex = "0123456789abcdef";
    return std::string{hex[value / 16], hex[value % 16]};
}

std::string go_time_string(double epoch) {
    return goal_state_since(from_epoch(epoch)).substr(0, 19) + " +0000 UTC";
}

}  // namespace

bool Controller::is_leader_now(const Unit& unit) const {
    const App& app = model_.apps.at(unit.app);
    return app.leader == unit.name && model_.machines.at(unit.machine).powered;
}

json Controller::effective_config(const App& app, bool all) const {
    json out = json::object();
    for (const auto& [name, option] : meta(app.name).config) {
        if (app.config.contains(name))
            out[name] = app.config[name];
        else if (!option.default_value.is_null() || all)
            out[name] = option.default_value;
    }
    return out;
}

Databag Controller::read_databag(HookContext& ctx, int relation_id, const std::string& owner,
                                 bool app) {
    const Relation& relation = model_.relations.at(relation_id);
    const Unit& unit = model_.units.at(ctx.unit);
    const bool own = app ? owner == unit.app : owner == unit.name;
    if (own) {
        // The local, uncommitted view: committed data plus this hook's writes.
        Databag bag;
        if (app) {
            const auto it = relation.app_data.find(owner);
            if (it != relation.app_data.end())
                bag = it->second;
        } else {
            const auto it = relation.unit_data.find(owner);
            if (it != relation.unit_data.end())
                bag = it->second;
        }
        const auto writes = ctx.relation_writes.find(relation_id);
        if (writes != ctx.relation_writes.end()) {
            for (const auto& [key, value] : app ? writes->second.app : writes->second.unit) {
                if (value.empty())
                    bag.erase(key);
                else
                    bag[key] = value;
            }
        }
        return bag;
    }
    const std::string cache_key = std::to_string(relation_id) + "/" + owner;
    const auto cached = ctx.relation_cache.find(cache_key);
    if (cached != ctx.relation_cache.end())
        return cached->second;
    Databag bag;
    if (app) {
        const auto it = relation.app_data.find(owner);
        if (it != relation.app_data.end())
            bag = it->second;
    } else {
        const auto it = relation.unit_data.find(owner);
        if (it != relation.unit_data.end())
            bag = it->second;
    }
    ctx.relation_cache[cache_key] = bag;
    return bag;
}

json Controller::goal_state(const Unit& unit) const {
    json units = json::object();
    for (const auto& [name, other] : model_.units) {
        if (other.app != unit.app)
            continue;
        units[name] =
            json{{"status", other.life == "dying" ? "dying" : displayed_workload(other).current},
                 {"since", goal_state_since(from_epoch(other.workload.since))}};
    }
    json relations = json::object();
    for (const auto& [id, relation] : model_.relations) {
        if (relation.is_peer() || relation.life != "alive")
            continue;
        const RelationEnd* mine = relation.end_of(unit.app);
        if (mine == nullptr)
            continue;
        const RelationEnd* other = relation.other_end(unit.app);
        json& entry = relations[mine->endpoint];
        if (entry.is_null())
            entry = json::object();
        entry[other->app] = json{{"status", "joined"},
                                 {"since", goal_state_since(from_epoch(relation.created_at))}};
        for (const auto& [name, remote] : model_.units) {
            if (remote.app != other->app)
                continue;
            if (relation.container_scope() && remote.principal != unit.name &&
                unit.principal != name)
                continue;
            entry[name] = json{
                {"status", remote.life == "dying" ? "dying" : displayed_workload(remote).current},
                {"since", goal_state_since(from_epoch(remote.workload.since))}};
        }
    }
    return json{{"units", units}, {"relations", relations}};
}

CommandResult Controller::handle_tool(const json& request, bool* needs_stdin) {
    const std::string context_id = request.value("context_id", "");
    const std::string tool = request.value("tool", "");
    const auto args = request.value("args", std::vector<std::string>{});
    std::optional<std::string> stdin_data;
    if (request.contains("stdin") && request["stdin"].is_string())
        stdin_data = request["stdin"].get<std::string>();
    std::unique_lock lock(mutex_);
    const auto it = contexts_.find(context_id);
    if (it == contexts_.end()) {
        return CommandResult{1, "",
                             "ERROR bad request: no hook context with id \"" + context_id + "\"\n"};
    }
    HookContext& ctx = *it->second;
    ctx.files = request.value("files", std::map<std::string, std::string>{});
    CommandResult result = run_tool(ctx, tool, args, stdin_data, needs_stdin);
    if (!(needs_stdin != nullptr && *needs_stdin)) {
        json call = json::array({tool});
        for (const auto& arg : args)
            call.push_back(arg);
        ctx.tool_calls.push_back(json{{"argv", call}, {"exit-code", result.exit_code}});
    }
    return result;
}

CommandResult Controller::run_tool(HookContext& ctx, const std::string& tool,
                                   const std::vector<std::string>& args,
                                   const std::optional<std::string>& stdin_data,
                                   bool* needs_stdin) {
    Unit& unit = model_.units.at(ctx.unit);
    App& app = model_.apps.at(unit.app);
    const Op& op = ctx.op;
    try {
        FlagSet flags;
        const auto relation_flag = [&](FlagSet& set) { set.value({"r", "relation"}); };
        // Resolves -r (or the hook's relation); usage errors as gnuflag reports them.
        const auto resolve_relation = [&](const FlagSet& set, bool required) -> int {
            if (!set.is_set("r")) {
                if (op.relation_id >= 0)
                    return op.relation_id;
                if (required)
                    usage_error("no relation id specified");
                return -1;
            }
            const std::string text = set.get("r");
            const auto colon = text.find_last_of(':');
            const std::string digits = colon == std::string::npos ? text : text.substr(colon + 1);
            int id = -1;
            try {
                std::size_t used = 0;
                id = std::stoi(digits, &used);
                if (used != digits.size())
                    throw std::invalid_argument(digits);
            } catch (const std::exception&) {
                usage_error("invalid value \"" + text + "\" for option -r: invalid relation id");
            }
            const auto relation_it = model_.relations.find(id);
            const auto seen = unit.relations.find(id);
            const bool known =
                relation_it != model_.relations.end() &&
                relation_it->second.end_of(unit.app) != nullptr &&
                (id == op.relation_id ||
                 (seen != unit.relations.end() && seen->second.created && !seen->second.broken) ||
                 participates(relation_it->second, unit));
            if (!known)
                usage_error("invalid value \"" + text + "\" for option -r: relation not found");
            return id;
        };
        const auto output = [&](const json& value, const FlagSet& set) {
            return CommandResult{0, format_output(value, checked_format(set)), ""};
        };
        const auto read_file_arg = [&](const std::string& path) -> std::string {
            if (path == "-") {
                if (!stdin_data) {
                    if (needs_stdin != nullptr)
                        *needs_stdin = true;
                    throw ToolFailure{1, "hook tool requires stdin, none supplied"};
                }
                return *stdin_data;
            }
            // jujuc reads named files inside the machine (the agent lives outside it) and sends
            // their content along; see jujuc_main.cpp.
            const auto found = ctx.files.find(path);
            if (found == ctx.files.end())
                run_error("open " + path + ": no such file or directory");
            return found->second;
        };

        if (tool == "relation-ids") {
            with_format(flags);
            flags.parse(args);
            std::string endpoint;
            if (flags.positional.size() > 1)
                usage_error("unrecognized args: [\"" + flags.positional[1] + "\"]");
            if (!flags.positional.empty())
                endpoint = flags.positional[0];
            else if (op.relation_id >= 0)
                endpoint = op.endpoint;
            else
                usage_error("no endpoint name specified");
            std::vector<std::string> ids;
            for (const auto& [id, relation] : model_.relations) {
                const RelationEnd* mine = relation.end_of(unit.app);
                if (mine == nullptr || mine->endpoint != endpoint)
                    continue;
                const auto seen = unit.relations.find(id);
                if (seen != unit.relations.end() && seen->second.broken)
                    continue;
                if (op.relation_id == id && op.hook.ends_with("-relation-broken"))
                    continue;
                if (!participates(relation, unit) && seen == unit.relations.end())
                    continue;
                ids.push_back(endpoint + ":" + std::to_string(id));
            }
            std::sort(ids.begin(), ids.end());
            return output(ids, flags);
        }
        if (tool == "relation-list") {
            with_format(flags);
            relation_flag(flags);
            flags.boolean({"app"});
            flags.parse(args);
            if (!flags.positional.empty())
                usage_error("unrecognized args: [\"" + flags.positional[0] + "\"]");
            const int id = resolve_relation(flags, true);
            const Relation& relation = model_.relations.at(id);
            if (flags.on("app"))
                return output(relation.other_end(unit.app)->app, flags);
            std::vector<std::string> members;
            const auto seen = unit.relations.find(id);
            if (!(op.relation_id == id && op.hook.ends_with("-relation-broken")) &&
                seen != unit.relations.end()) {
                for (const auto& name : seen->second.joined)
                    members.push_back(name);
                // During -joined the joining unit is already a member (Juju updates members first).
                if (op.relation_id == id && op.hook.ends_with("-relation-joined") &&
                    std::find(members.begin(), members.end(), op.remote_unit) == members.end()) {
                    members.push_back(op.remote_unit);
                }
                // A unit already departed is not listed during its own departed hook.
                if (op.relation_id == id && op.hook.ends_with("-relation-departed")) {
                    members.erase(std::remove(members.begin(), members.end(), op.remote_unit),
                                  members.end());
                }
            }
            std::sort(members.begin(), members.end(), natural_less);
            return output(members, flags);
        }
        if (tool == "relation-get") {
            with_format(flags);
            relation_flag(flags);
            flags.boolean({"app"});
            flags.parse(args);
            const int id = resolve_relation(flags, true);
            if (flags.positional.size() > 2)
                usage_error("unrecognized args: [\"" + flags.positional[2] + "\"]");
            std::string key = flags.positional.empty() ? "" : flags.positional[0];
            if (key == "-")
                key.clear();
            bool app_bag = flags.on("app");
            std::string target;
            if (flags.positional.size() > 1) {
                target = flags.positional[1];
            } else if (!op.remote_unit.empty() && op.relation_id == id) {
                target = op.remote_unit;
            } else if (!op.remote_app.empty() && op.relation_id == id) {
                target = op.remote_app;
                app_bag = true;
            } else {
                usage_error("no unit or application specified");
            }
            const bool is_unit_name = target.find('/') != std::string::npos;
            if (is_unit_name) {
                static const std::regex unit_pattern(
                    R"([a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*/[0-9]+)");
                if (!std::regex_match(target, unit_pattern))
                    usage_error("invalid unit name \"" + target + "\"");
                if (app_bag)
                    target = app_of(target);
            } else if (!app_bag) {
                usage_error("expected unit name, got application name \"" + target + "\"");
            }
            const Relation& relation = model_.relations.at(id);
            const std::string owner_app = app_bag ? target : app_of(target);
            if (relation.end_of(owner_app) == nullptr)
                run_error("permission denied");
            if (app_bag && owner_app == unit.app && !relation.is_peer() && !is_leader_now(unit))
                run_error("permission denied");
            if (!app_bag && relation.unit_data.count(target) == 0 && target != unit.name)
                run_error("permission denied");
            const Databag bag = read_databag(ctx, id, target, app_bag);
            if (key.empty())
                return output(json(bag), flags);
            const auto value = bag.find(key);
            return output(value == bag.end() ? json(nullptr) : json(value->second), flags);
        }
        if (tool == "relation-set") {
            relation_flag(flags);
            flags.boolean({"app"}).value({"file"}).value({"format"});
            flags.parse(args);
            const int id = resolve_relation(flags, true);
            Databag values;
            if (flags.is_set("file"))
                values = yaml_mapping_as_strings(read_file_arg(flags.get("file")));
            for (const auto& [key, value] : parse_key_values(flags.positional))
                values[key] = value;
            std::string warning;
            if (flags.is_set("format"))
                warning = "--format flag deprecated for command \"relation-set\"";
            if (flags.on("app")) {
                if (!is_leader_now(unit))
                    run_error("cannot write relation settings");
                auto& writes = ctx.relation_writes[id];
                writes.app_written = true;
                for (const auto& [key, value] : values)
                    writes.app[key] = value;
            } else {
                auto& writes = ctx.relation_writes[id];
                for (const auto& [key, value] : values)
                    writes.unit[key] = value;
            }
            return CommandResult{0, "", warning};
        }
        if (tool == "relation-model-get") {
            with_format(flags);
            relation_flag(flags);
            flags.parse(args);
            resolve_relation(flags, true);
            return output(json{{"uuid", model_.uuid}}, flags);
        }
        if (tool == "config-get") {
            with_format(flags);
            flags.boolean({"a", "all"});
            flags.parse(args);
            if (flags.positional.size() > 1)
                usage_error("unrecognized args: [\"" + flags.positional[1] + "\"]");
            if (!ctx.config_snapshot)
                ctx.config_snapshot = json{{"set", effective_config(app, false)},
                                           {"all", effective_config(app, true)}};
            const json& config = (*ctx.config_snapshot)[flags.on("a") ? "all" : "set"];
            if (!flags.positional.empty()) {
                if (flags.on("a"))
                    usage_error("cannot use argument --all together with key \"" +
                                flags.positional[0] + "\"");
                const auto value = config.find(flags.positional[0]);
                return output(value == config.end() ? json(nullptr) : *value, flags);
            }
            return output(config, flags);
        }
        if (tool == "is-leader") {
            with_format(flags);
            flags.parse(args);
            if (!flags.positional.empty())
                usage_error("unrecognized args: [\"" + flags.positional[0] + "\"]");
            if (!ctx.leader_cached || *ctx.leader_cached)
                ctx.leader_cached = is_leader_now(unit);
            return output(*ctx.leader_cached, flags);
        }
        if (tool == "leader-get") {
            with_format(flags);
            flags.parse(args);
            if (flags.positional.size() > 1)
                usage_error("unrecognized args: [\"" + flags.positional[1] + "\"]");
            const json settings = app.leader_settings;
            if (flags.positional.empty() || flags.positional[0] == "-")
                return output(settings, flags);
            const auto value = settings.find(flags.positional[0]);
            return output(value == settings.end() ? json(nullptr) : *value, flags);
        }
        if (tool == "leader-set") {
            flags.value({"file"});
            flags.parse(args);
            const auto values = parse_key_values(flags.positional);
            if (!is_leader_now(unit))
                run_error(
                    "cannot write leadership settings: cannot write settings: not the leader");
            const auto before = app.leader_settings;
            for (const auto& [key, value] : values) {
                if (value.empty())
                    app.leader_settings.erase(key);
                else
                    app.leader_settings[key] = value;
            }
            if (before != app.leader_settings) {
                unit.leader_settings_seen = ++app.leader_settings_version;
                touch();
            }
            return {};
        }
        if (tool == "status-set") {
            flags.boolean({"application"});
            flags.parse(args);
            if (flags.positional.empty())
                usage_error("invalid args, require <status> [message]");
            if (flags.positional.size() > 2)
                usage_error("unrecognized args: [\"" + flags.positional[2] + "\"]");
            const std::string status = flags.positional[0];
            if (status != "maintenance" && status != "blocked" && status != "waiting" &&
                status != "active") {
                usage_error("invalid status \"" + status +
                            "\", expected one of [maintenance blocked waiting active]");
            }
            const std::string message = flags.positional.size() > 1 ? flags.positional[1] : "";
            if (flags.on("application")) {
                if (!is_leader_now(unit))
                    run_error("this unit is not the leader");
                app.status_set = true;
                app.status = StatusValue{status, message, now(), json::object()};
            } else {
                set_unit_status(unit, status, message, false);
            }
            touch();
            return {};
        }
        if (tool == "status-get") {
            with_format(flags);
            flags.boolean({"include-data"}).boolean({"application"});
            flags.parse(args);
            if (!flags.positional.empty())
                usage_error("unrecognized args: [\"" + flags.positional[0] + "\"]");
            const bool include = flags.on("include-data");
            const auto render = [&](const StatusValue& value) {
                if (!include)
                    return json{{"status", value.current}};
                return json{{"message", value.message},
                            {"status", value.current},
                            {"status-data", value.data}};
            };
            if (flags.on("application")) {
                if (!is_leader_now(unit))
                    run_error("this unit is not the leader");
                json units = json::object();
                for (const auto& [name, other] : model_.units) {
                    if (other.app == unit.app)
                        units[name] = render(other.workload);
                }
                json details = render(app_status(app));
                details["units"] = units;
                if (!include && checked_format(flags) == "smart")
                    return output(app_status(app).current, flags);
                return output(json{{"application-status", details}}, flags);
            }
            if (!include && checked_format(flags) == "smart")
                return output(unit.workload.current, flags);
            return output(render(unit.workload), flags);
        }
        if (tool == "application-version-set") {
            flags.parse(args);
            if (flags.positional.empty())
                usage_error("no version specified");
            if (flags.positional.size() > 1)
                usage_error("unrecognized args: [\"" + flags.positional[1] + "\"]");
            unit.workload_version = flags.positional[0];
            touch();
            return {};
        }
        if (tool == "juju-log") {
            flags.value({"l", "log-level"}, "INFO").boolean({"debug"}).value({"format"});
            flags.parse(args);
            if (flags.positional.empty())
                usage_error("no message specified");
            std::string level = flags.get("l");
            for (auto& c : level)
                c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
            if (flags.on("debug"))
                level = "DEBUG";
            static const std::set<std::string> levels{"TRACE",   "DEBUG", "INFO",
                                                      "WARNING", "ERROR", "CRITICAL"};
            if (levels.count(level) == 0) {
                debug_log(unit.name, "WARNING", "unit." + unit.name + ".juju-log",
                          "Specified log level (" + flags.get("l") + ") is not valid");
                level = "INFO";
            }
            std::string message;
            for (const auto& word : flags.positional)
                message += (message.empty() ? "" : " ") + word;
            if (op.relation_id >= 0)
                message = op.endpoint + ":" + std::to_string(op.relation_id) + ": " + message;
            debug_log(unit.name, level, "unit." + unit.name + ".juju-log", message);
            return {};
        }
        if (tool.starts_with("action-")) {
            if (!ctx.is_action || ctx.is_exec)
                run_error("not running an action");
            Action& action = model_.actions.at(op.action_id);
            if (tool == "action-get") {
                with_format(flags);
                flags.parse(args);
                if (flags.positional.size() > 1)
                    usage_error("unrecognized args: [\"" + flags.positional[1] + "\"]");
                json value = action.params;
                if (!flags.positional.empty()) {
                    std::string path = flags.positional[0];
                    std::size_t start = 0;
                    while (start <= path.size()) {
                        const auto dot = path.find('.', start);
                        const std::string part = path.substr(
                            start, dot == std::string::npos ? std::string::npos : dot - start);
                        if (!value.is_object() || !value.contains(part)) {
                            value = nullptr;
                            break;
                        }
                        value = value[part];
                        if (dot == std::string::npos)
                            break;
                        start = dot + 1;
                    }
                }
                return output(value, flags);
            }
            if (tool == "action-set") {
                flags.parse(args);
                if (flags.positional.empty())
                    usage_error("no action results specified");
                static const std::regex key_pattern(R"([a-z0-9](?:[a-z0-9-]*[a-z0-9])?)");
                for (const auto& arg : flags.positional) {
                    const auto eq = arg.find('=');
                    if (eq == std::string::npos)
                        usage_error("argument \"" + arg + "\" must be of the form key...=value");
                    const std::string key = arg.substr(0, eq);
                    std::vector<std::string> parts;
                    std::size_t start = 0;
                    while (true) {
                        const auto dot = key.find('.', start);
                        parts.push_back(key.substr(
                            start, dot == std::string::npos ? std::string::npos : dot - start));
                        if (dot == std::string::npos)
                            break;
                        start = dot + 1;
                    }
                    for (const auto& part : parts) {
                        if (!std::regex_match(part, key_pattern)) {
                            usage_error("key \"" + part +
                                        "\" must start and end with lowercase alphanumeric, and "
                                        "contain only lowercase alphanumeric, hyphens and periods");
                        }
                    }
                    static const std::set<std::string> reserved{"stdout", "stdout-encoding",
                                                                "stderr", "stderr-encoding"};
                    if (parts.size() == 1 && reserved.count(parts[0]) != 0)
                        usage_error("cannot set reserved action key \"" + parts[0] + "\"");
                    json* target = &ctx.action_results;
                    for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
                        if (!(*target)[parts[i]].is_object())
                            (*target)[parts[i]] = json::object();
                        target = &(*target)[parts[i]];
                    }
                    (*target)[parts.back()] = arg.substr(eq + 1);
                }
                return {};
            }
            if (tool == "action-fail") {
                flags.parse(args);
                if (flags.positional.size() > 1)
                    usage_error("unrecognized args: [\"" + flags.positional[1] + "\"]");
                ctx.action_failed = true;
                ctx.action_fail_message =
                    flags.positional.empty()
                        ? "action failed without reason given, check action for errors"
                        : flags.positional[0];
                return {};
            }
            if (tool == "action-log") {
                flags.parse(args);
                if (flags.positional.empty())
                    usage_error("no message specified");
                std::string message;
                for (const auto& word : flags.positional)
                    message += (message.empty() ? "" : " ") + word;
                action.log.push_back(go_time_string(now()) + " " + message);
                touch();
                return {};
            }
        }
        if (tool == "state-get") {
            with_format(flags);
            flags.boolean({"strict"});
            flags.parse(args);
            std::map<std::string, std::string> state = unit.state;
            for (const auto& [key, value] : ctx.state_writes) {
                if (value)
                    state[key] = *value;
                else
                    state.erase(key);
            }
            if (flags.positional.empty() || flags.positional[0] == "-")
                return output(json(state), flags);
            const auto value = state.find(flags.positional[0]);
            if (value == state.end()) {
                if (flags.on("strict"))
                    run_error("\"" + flags.positional[0] + "\" not found");
                return output("", flags);
            }
            return output(value->second, flags);
        }
        if (tool == "state-set") {
            flags.value({"file"});
            flags.parse(args);
            Databag values;
            if (flags.is_set("file"))
                values = yaml_mapping_as_strings(read_file_arg(flags.get("file")));
            for (const auto& [key, value] : parse_key_values(flags.positional))
                values[key] = value;
            for (const auto& [key, value] : values) {
                if (key.size() > 256)
                    run_error("key too long");
                if (value.size() > 65536)
                    run_error("value too long");
                ctx.state_writes[key] = value.empty() ? std::optional<std::string>() : value;
            }
            return {};
        }
        if (tool == "state-delete") {
            flags.parse(args);
            if (flags.positional.empty())
                usage_error("no key specified");
            ctx.state_writes[flags.positional[0]] = std::nullopt;
            return {};
        }
        if (tool == "goal-state") {
            with_format(flags, "yaml");
            flags.parse(args);
            return output(goal_state(unit), flags);
        }
        if (tool == "unit-get") {
            with_format(flags);
            flags.parse(args);
            if (flags.positional.empty())
                usage_error("no setting specified");
            const std::string setting = flags.positional[0];
            if (setting != "private-address" && setting != "public-address")
                run_error("unknown setting \"" + setting + "\"");
            return output(model_.machines.at(unit.machine).address, flags);
        }
        if (tool == "network-get") {
            with_format(flags);
            relation_flag(flags);
            flags.boolean({"bind-address"})
                .boolean({"ingress-address"})
                .boolean({"egress-subnets"})
                .boolean({"primary-address"});
            flags.parse(args);
            if (flags.positional.empty())
                usage_error("no arguments specified");
            const std::string binding = flags.positional[0];
            const auto& endpoints = meta(unit.app).endpoints;
            if (endpoints.count(binding) == 0)
                run_error("no network config found for binding \"" + binding + "\"");
            if (flags.is_set("r"))
                resolve_relation(flags, true);
            const std::string address = model_.machines.at(unit.machine).address;
            const std::string cidr = address.substr(0, address.find_last_of('.')) + ".0/24";
            json full{
                {"bind-addresses",
                 json::array({json{
                     {"mac-address", "00:16:3e:00:00:" + fmt_two_digits(unit.machine)},
                     {"interface-name", "eth0"},
                     {"addresses",
                      json::array({json{{"hostname", ""}, {"value", address}, {"cidr", cidr}}})},
                     {"macaddress", "00:16:3e:00:00:" + fmt_two_digits(unit.machine)},
                     {"interfacename", "eth0"}}})},
                {"egress-subnets", json::array({address + "/32"})},
                {"ingress-addresses", json::array({address})}};
            json picked = json::object();
            if (flags.on("bind-address"))
                picked["bind-address"] = address;
            if (flags.on("ingress-address"))
                picked["ingress-address"] = address;
            if (flags.on("egress-subnets"))
                picked["egress-subnets"] = json::array({address + "/32"});
            if (flags.on("primary-address"))
                picked["primary-address"] = address;
            if (picked.size() == 1)
                return output(picked.begin().value(), flags);
            if (picked.size() > 1)
                return output(picked, flags);
            return output(full, flags);
        }
        if (tool == "open-port" || tool == "close-port") {
            flags.value({"endpoints"}).value({"format"});
            flags.parse(args);
            if (flags.positional.empty())
                usage_error("no port or range specified");
            if (flags.positional.size() > 1)
                usage_error("unrecognized args: [\"" + flags.positional[1] + "\"]");
            std::string spec = flags.positional[0];
            static const std::regex port_pattern(R"((\d+)(-(\d+))?(/(tcp|udp))?|icmp)");
            std::smatch match;
            if (!std::regex_match(spec, match, port_pattern)) {
                usage_error(
                    "expected <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp; got \"" +
                    spec + "\"");
            }
            if (spec != "icmp" && !match[4].matched)
                spec += "/tcp";
            ctx.port_changes.emplace_back(tool == "open-port", spec);
            return {};
        }
        if (tool == "opened-ports") {
            with_format(flags);
            flags.boolean({"endpoints"});
            flags.parse(args);
            std::vector<std::string> ports(unit.ports.begin(), unit.ports.end());
            if (flags.on("endpoints")) {
                for (auto& port : ports)
                    port += " (*)";
            }
            return output(ports, flags);
        }
        if (tool == "juju-reboot") {
            flags.boolean({"now"});
            flags.parse(args);
            if (ctx.is_action)
                run_error("juju-reboot is not supported when running an action.");
            run_error(
                "juju-reboot is not supported by jujusim: use `jujusim poweroff` and `jujusim "
                "poweron`");
        }
        if (tool == "credential-get") {
            with_format(flags);
            flags.parse(args);
            run_error("cannot access cloud credentials: application \"" + unit.app +
                      "\" is not trusted");
        }
        if (tool == "secret-add" || tool == "secret-set") {
            flags.value({"label"})
                .value({"description"})
                .value({"expire"})
                .value({"rotate"})
                .value({"owner"}, "application")
                .value({"file"});
            flags.parse(args);
            const bool adding = tool == "secret-add";
            std::vector<std::string> values = flags.positional;
            std::string id;
            if (!adding) {
                if (values.empty())
                    usage_error("missing secret URI");
                id = bare_secret_id(values.front());
                values.erase(values.begin());
            }
            const std::string owner_kind = flags.get("owner");
            if (owner_kind != "application" && owner_kind != "unit")
                usage_error("secret owner \"" + owner_kind + "\" not valid");
            static const std::regex key_pattern(R"([a-z](?:-?[a-z0-9]){2,})");
            json content = json::object();
            if (flags.is_set("file")) {
                for (const auto& [key, value] :
                     yaml_mapping_as_strings(read_file_arg(flags.get("file"))))
                    content[key] = value;
            }
            for (const auto& arg : values) {
                const auto eq = arg.find('=');
                if (eq == std::string::npos)
                    usage_error("expected \"key=value\", got \"" + arg + "\"");
                std::string key = arg.substr(0, eq);
                std::string value = arg.substr(eq + 1);
                if (key.ends_with("#base64")) {
                    key = key.substr(0, key.size() - 7);
                    value = decode_base64(value);
                } else if (key.ends_with("#file")) {
                    key = key.substr(0, key.size() - 5);
                    value = read_file_arg(value);
                }
                if (!std::regex_match(key, key_pattern))
                    usage_error("key \"" + key + "\" not valid");
                content[key] = value;
            }
            const std::string rotate = flags.get("rotate");
            if (!rotate.empty()) {
                static const std::set<std::string> policies{
                    "never", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly"};
                if (policies.count(rotate) == 0)
                    usage_error("invalid secret rotation policy \"" + rotate + "\"");
            }
            if (adding) {
                if (content.empty())
                    usage_error("missing secret value or filename");
                const bool unit_owned = owner_kind == "unit";
                if (!unit_owned && !is_leader_now(unit))
                    run_error("this unit is not the leader");
                const std::string label = flags.get("label");
                if (!label.empty()) {
                    for (const auto& pending : ctx.secret_ops) {
                        if (pending.value("op", "") == "add" &&
                            pending.value("label", "") == label) {
                            run_error("secret with label \"" + label + "\" already exists");
                        }
                    }
                    for (const auto& [existing_id, secret] : model_.secrets) {
                        const bool mine = secret.unit_owned ? secret.owner == unit.name
                                                            : secret.owner == unit.app;
                        if (mine && secret.label == label)
                            run_error("secret with label \"" + label + "\" already exists");
                    }
                }
                const std::string new_id = new_secret_id();
                ctx.secret_ops.push_back(json{{"op", "add"},
                                              {"id", new_id},
                                              {"owner", unit_owned ? unit.name : unit.app},
                                              {"unit_owned", unit_owned},
                                              {"label", label},
                                              {"description", flags.get("description")},
                                              {"rotate", rotate},
                                              {"expire", flags.get("expire")},
                                              {"content", content}});
                return CommandResult{0, "secret://" + model_.uuid + "/" + new_id + "\n", ""};
            }
            const auto secret_it = model_.secrets.find(id);
            if (secret_it == model_.secrets.end())
                run_error("secret \"" + id + "\" not found");
            const Secret& secret = secret_it->second;
            if (secret.unit_owned ? secret.owner != unit.name : secret.owner != unit.app)
                run_error("permission denied");
            if (!secret.unit_owned && !is_leader_now(unit))
                run_error("this unit is not the leader");
            json change{{"op", "set"}, {"id", id}};
            if (!content.empty())
                change["content"] = content;
            for (const char* key : {"label", "description", "rotate", "expire"}) {
                if (flags.is_set(key))
                    change[key] = flags.get(key);
            }
            ctx.secret_ops.push_back(change);
            return {};
        }
        if (tool == "secret-get") {
            with_format(flags, "yaml");
            flags.value({"label"}).boolean({"peek"}).boolean({"refresh"});
            flags.parse(args);
            if (flags.on("peek") && flags.on("refresh"))
                usage_error("specify one of --peek or --refresh but not both");
            const std::string label = flags.get("label");
            if (flags.positional.empty() && label.empty())
                usage_error("require either a secret URI or label");
            std::string id = flags.positional.empty() ? "" : bare_secret_id(flags.positional[0]);
            const std::string key = flags.positional.size() > 1 ? flags.positional[1] : "";
            if (id.empty()) {
                for (const auto& [candidate, secret] : model_.secrets) {
                    const bool mine =
                        secret.unit_owned ? secret.owner == unit.name : secret.owner == unit.app;
                    const auto consumer = secret.consumers.find(unit.name);
                    if ((mine && secret.label == label) ||
                        (consumer != secret.consumers.end() && consumer->second.label == label)) {
                        id = candidate;
                    }
                }
                for (const auto& pending : ctx.secret_ops) {
                    if (pending.value("op", "") == "add" && pending.value("label", "") == label)
                        id = pending["id"];
                }
                if (id.empty())
                    run_error("secret \"" + label + "\" not found");
            }
            json content;
            for (const auto& pending : ctx.secret_ops) {
                if (pending.value("op", "") == "add" && pending["id"] == id)
                    content = pending["content"];
            }
            if (content.is_null()) {
                const auto secret_it = model_.secrets.find(id);
                if (secret_it == model_.secrets.end())
                    run_error("secret \"" + id + "\" not found");
                Secret& secret = secret_it->second;
                const bool mine =
                    secret.unit_owned ? secret.owner == unit.name : secret.owner == unit.app;
                if (mine) {
                    content = secret.revisions.at(std::to_string(secret.latest));
                } else {
                    const bool granted = std::any_of(
                        secret.grants.begin(), secret.grants.end(), [&](const SecretGrant& grant) {
                            return (grant.target == unit.app || grant.target == unit.name) &&
                                   model_.relations.count(grant.relation_id) != 0;
                        });
                    if (!granted)
                        run_error("permission denied");
                    auto consumer = secret.consumers.find(unit.name);
                    long revision = secret.latest;
                    if (flags.on("peek")) {
                        revision = secret.latest;
                    } else if (flags.on("refresh") || consumer == secret.consumers.end()) {
                        // Reading tracks the revision at once (the controller records consumers).
                        auto& record = secret.consumers[unit.name];
                        record.tracked = secret.latest;
                        record.notified = std::max(record.notified, secret.latest);
                        revision = secret.latest;
                    } else {
                        revision = consumer->second.tracked;
                    }
                    if (!label.empty() && !flags.positional.empty())
                        secret.consumers[unit.name].label = label;
                    const auto found = secret.revisions.find(std::to_string(revision));
                    if (found == secret.revisions.end())
                        run_error("secret \"" + id + "\" revision " + std::to_string(revision) +
                                  " not found");
                    content = found->second;
                    touch();
                }
            }
            if (!key.empty()) {
                std::string wanted = key;
                const bool as_base64 = wanted.ends_with("#base64");
                if (as_base64)
                    wanted = wanted.substr(0, wanted.size() - 7);
                if (!content.contains(wanted))
                    run_error("secret key \"" + wanted + "\" not found");
                return output(content[wanted], flags);
            }
            return output(content, flags);
        }
        if (tool == "secret-ids") {
            with_format(flags);
            flags.parse(args);
            std::vector<std::string> ids;
            for (const auto& [id, secret] : model_.secrets) {
                if (secret.unit_owned ? secret.owner == unit.name : secret.owner == unit.app)
                    ids.push_back(id);
            }
            if (ids.empty())
                return output(nullptr, flags);
            return output(ids, flags);
        }
        if (tool == "secret-info-get") {
            with_format(flags);
            flags.value({"label"});
            flags.parse(args);
            if (!flags.positional.empty() && flags.is_set("label"))
                usage_error("specify either a secret URI or label but not both");
            if (flags.positional.empty() && !flags.is_set("label"))
                usage_error("require either a secret URI or label");
            std::string wanted =
                flags.positional.empty() ? flags.get("label") : flags.positional[0];
            const Secret* found = nullptr;
            for (const auto& [id, secret] : model_.secrets) {
                const bool mine =
                    secret.unit_owned ? secret.owner == unit.name : secret.owner == unit.app;
                if (!mine)
                    continue;
                if ((flags.positional.empty() && secret.label == wanted) ||
                    (!flags.positional.empty() && id == bare_secret_id(wanted))) {
                    found = &secret;
                }
            }
            if (found == nullptr)
                run_error("secret \"" + wanted + "\" not found");
            ordered_json info;
            info["revision"] = found->latest;
            info["label"] = found->label;
            info["owner"] = found->unit_owned ? "unit" : "application";
            if (!found->description.empty())
                info["description"] = found->description;
            if (!found->rotate.empty())
                info["rotation"] = found->rotate;
            if (!found->expire.empty())
                info["expiry"] = found->expire;
            json access = json::array();
            for (const auto& grant : found->grants) {
                access.push_back(
                    json{{"target",
                          (grant.target.find('/') != std::string::npos ? "unit-" : "application-") +
                              grant.target},
                         {"scope", "relation-" + std::to_string(grant.relation_id)},
                         {"role", "view"}});
            }
            if (!access.empty())
                info["access"] = access;
            ordered_json result;
            result[found->id] = info;
            const std::string format = checked_format(flags);
            if (format == "json")
                return CommandResult{0, go_json(result) + "\n", ""};
            return CommandResult{0, go_yaml(result), ""};
        }
        if (tool == "secret-grant" || tool == "secret-revoke" || tool == "secret-remove") {
            relation_flag(flags);
            flags.value({"unit"}).value({"app", "application"}).value({"revision"});
            flags.parse(args);
            if (flags.positional.empty())
                usage_error("missing secret URI");
            const std::string id = bare_secret_id(flags.positional[0]);
            const auto secret_it = model_.secrets.find(id);
            const bool pending_add =
                std::any_of(ctx.secret_ops.begin(), ctx.secret_ops.end(), [&](const json& item) {
                    return item.value("op", "") == "add" && item["id"] == id;
                });
            if (secret_it == model_.secrets.end() && !pending_add)
                run_error("secret \"" + id + "\" not found");
            if (secret_it != model_.secrets.end()) {
                const Secret& secret = secret_it->second;
                if (secret.unit_owned ? secret.owner != unit.name : secret.owner != unit.app)
                    run_error("permission denied");
                if (!secret.unit_owned && !is_leader_now(unit))
                    run_error("this unit is not the leader");
            }
            if (tool == "secret-remove") {
                json change{{"op", "remove"}, {"id", id}};
                if (flags.is_set("revision"))
                    change["revision"] = std::stol(flags.get("revision"));
                ctx.secret_ops.push_back(change);
                return {};
            }
            if (tool == "secret-grant") {
                if (!flags.is_set("r"))
                    usage_error("no relation id specified");
                const int relation_id = resolve_relation(flags, true);
                const Relation& relation = model_.relations.at(relation_id);
                std::string target = relation.other_end(unit.app)->app;
                if (flags.is_set("unit")) {
                    const std::string target_unit = flags.get("unit");
                    if (app_of(target_unit) != target) {
                        run_error("cannot specify unit \"" + target_unit +
                                  "\" in relation to application \"" + target + "\"");
                    }
                    target = target_unit;
                }
                ctx.secret_ops.push_back(json{
                    {"op", "grant"}, {"id", id}, {"relation_id", relation_id}, {"target", target}});
                return {};
            }
            if (!flags.is_set("r") && !flags.is_set("app") && !flags.is_set("unit"))
                usage_error("missing relation or application or unit");
            if (flags.is_set("app") && flags.is_set("unit"))
                usage_error("specify only one of application or unit");
            json change{{"op", "revoke"}, {"id", id}, {"relation_id", -1}, {"target", ""}};
            if (flags.is_set("r"))
                change["relation_id"] = resolve_relation(flags, true);
            if (flags.is_set("app"))
                change["target"] = flags.get("app");
            if (flags.is_set("unit"))
                change["target"] = flags.get("unit");
            ctx.secret_ops.push_back(change);
            return {};
        }
        if (tool == "storage-get" || tool == "storage-list" || tool == "storage-add") {
            run_error("charm has no storage");
        }
        if (tool == "resource-get") {
            run_error("resources are not supported by jujusim");
        }
        return CommandResult{1, "", "ERROR bad request: unknown command \"" + tool + "\"\n"};
    } catch (const FlagError& error) {
        return CommandResult{2, "", std::string("ERROR ") + error.what() + "\n"};
    } catch (const ToolFailure& failure) {
        return CommandResult{failure.code, "", "ERROR " + failure.message + "\n"};
    }
}

}  // namespace jujusim
