// fake-hook-tool: one binary standing in for every Juju hook tool. Symlink it under the tools'
// names into a directory on PATH; argv[0]'s basename picks the tool. It
//   - parses the command line the way Juju's gnuflag does (interspersed flags, --x=y, -r N, --),
//   - appends {"tool", "args", "stdin"} to $FAKE_TOOLS_DIR/calls.jsonl (stdin is read only for
//     `--file -`, as Juju's protocol does),
//   - answers from the world in $FAKE_TOOLS_DIR/world.json (a testing_support::State as JSON)
//     through FakeHookTools, so the rules and messages are the fake's, printing Juju's formats
//     (Go JSON: compact, sorted map keys, HTML-escaped), exit codes and `ERROR ...` lines,
//   - writes the world back (relation-set, state-set, secret tracking, ... change it).
// Calls are serialized with flock on $FAKE_TOOLS_DIR/lock.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <sstream>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

// The target links only the charm library, so the fake's model is compiled in here.
#include <fmt/format.h>

#include <slurmctld/juju/go_format.hpp>

#include "support/fake_hook_tools.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using nlohmann::ordered_json;
using slurmctld::juju::go_json;
using slurmctld::juju::HookToolError;
using slurmctld::juju::RelationId;
using testing_support::FakeHookTools;
using testing_support::SecretContent;

[[noreturn]] void usage_error(const std::string& tool, const std::string& message) {
    throw HookToolError(tool, 2, "ERROR " + message + "\n");
}

[[noreturn]] void runtime_error(const std::string& tool, const std::string& message) {
    throw HookToolError(tool, 1, "ERROR " + message + "\n");
}

std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): single thread
    return value == nullptr ? std::string() : std::string(value);
}

/// What a tool prints for `value` in `format` (json, yaml, smart): as Juju prints it.
std::string render(const ordered_json& value, const std::string& format) {
    return slurmctld::juju::format_output(value, format);
}

ordered_json sorted(const json& value) {
    return ordered_json::parse(value.dump());
}

// ---- command line (juju/gnuflag) -----------------------------------------------------------

struct FlagSpec {
    std::set<std::string> values;  ///< flags that take a value
    std::set<std::string> bools;   ///< boolean flags
    std::string default_format = "smart";
};

struct CommandLine {
    std::map<std::string, std::string> flags;
    std::vector<std::string> args;

    bool has(const std::string& name) const { return flags.contains(name); }
    std::string get(const std::string& name, const std::string& fallback = "") const {
        const auto found = flags.find(name);
        return found == flags.end() ? fallback : found->second;
    }
    bool flag(const std::string& name) const {
        const auto value = get(name, "false");
        return value == "1" || value == "t" || value == "T" || value == "TRUE" || value == "true" ||
               value == "True";
    }
};

const std::map<std::string, FlagSpec>& flag_specs() {
    static const std::map<std::string, FlagSpec> specs = {
        {"relation-ids", {{"format", "o", "output"}, {}, "smart"}},
        {"relation-list", {{"format", "o", "output", "r", "relation"}, {"app"}, "smart"}},
        {"relation-get", {{"format", "o", "output", "r", "relation"}, {"app"}, "smart"}},
        {"relation-set", {{"r", "relation", "file", "format"}, {"app"}, "smart"}},
        {"is-leader", {{"format", "o", "output"}, {}, "smart"}},
        {"leader-get", {{"format", "o", "output"}, {}, "smart"}},
        {"leader-set", {{}, {}, "smart"}},
        {"config-get", {{"format", "o", "output"}, {"a", "all"}, "smart"}},
        {"status-set", {{}, {"application"}, "smart"}},
        {"status-get", {{"format", "o", "output"}, {"application", "include-data"}, "smart"}},
        {"application-version-set", {{}, {}, "smart"}},
        {"juju-log", {{"l", "log-level"}, {"debug"}, "smart"}},
        {"action-get", {{"format", "o", "output"}, {}, "smart"}},
        {"action-set", {{}, {}, "smart"}},
        {"action-fail", {{}, {}, "smart"}},
        {"action-log", {{}, {}, "smart"}},
        {"secret-add",
         {{"label", "description", "owner", "expire", "rotate", "file"}, {}, "smart"}},
        {"secret-get", {{"format", "o", "output", "label"}, {"peek", "refresh"}, "yaml"}},
        {"secret-set",
         {{"label", "description", "owner", "expire", "rotate", "file"}, {}, "smart"}},
        {"secret-grant", {{"r", "relation", "unit"}, {}, "smart"}},
        {"secret-revoke", {{"r", "relation", "unit", "app"}, {}, "smart"}},
        {"secret-remove", {{"revision"}, {}, "smart"}},
        {"secret-info-get", {{"format", "o", "output", "label"}, {}, "yaml"}},
        {"secret-ids", {{"format", "o", "output"}, {}, "smart"}},
        {"state-get", {{"format", "o", "output"}, {"strict"}, "smart"}},
        {"state-set", {{"file"}, {}, "smart"}},
        {"state-delete", {{}, {}, "smart"}},
        {"goal-state", {{"format", "o", "output"}, {}, "yaml"}},
        {"open-port", {{"endpoints"}, {}, "smart"}},
        {"close-port", {{"endpoints"}, {}, "smart"}},
        {"opened-ports", {{"format", "o", "output"}, {"endpoints"}, "smart"}},
        {"unit-get", {{"format", "o", "output"}, {}, "smart"}},
        {"network-get",
         {{"format", "o", "output", "r", "relation"},
          {"ingress-address", "bind-address", "egress-subnets", "primary-address"},
          "smart"}},
    };
    return specs;
}

std::string go_quoted_list(const std::vector<std::string>& items) {
    std::string text = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        text += (i == 0 ? "" : " ") + go_json(json(items[i]));
    }
    return text + "]";
}

CommandLine parse_command_line(const std::string& tool, const std::vector<std::string>& argv) {
    const auto& spec = flag_specs().at(tool);
    CommandLine line;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const auto& arg = argv[i];
        if (arg == "--") {
            line.args.insert(line.args.end(), argv.begin() + static_cast<long>(i) + 1, argv.end());
            break;
        }
        if (arg.size() < 2 || arg[0] != '-') {
            line.args.push_back(arg);  // interspersed positional ("-" included)
            continue;
        }
        const bool long_form = arg.starts_with("--");
        auto body = arg.substr(long_form ? 2 : 1);
        std::optional<std::string> value;
        if (const auto equals = body.find('='); long_form && equals != std::string::npos) {
            value = body.substr(equals + 1);
            body = body.substr(0, equals);
        } else if (!long_form && body.size() > 1) {
            value = body.substr(1);  // -r3, and -r=3 gives "=3" as gnuflag does
            body = body.substr(0, 1);
        }
        if (spec.bools.contains(body)) {
            line.flags[body] = value.value_or("true");
            continue;
        }
        if (!spec.values.contains(body)) {
            usage_error(tool, "flag provided but not defined: " + arg.substr(0, arg.find('=')));
        }
        if (!value) {
            if (i + 1 >= argv.size()) {
                usage_error(tool, "flag needs an argument: " + arg);
            }
            value = argv[++i];
        }
        line.flags[body] = *value;
    }
    // Long and short spellings of the same flag.
    for (const auto& [short_name, long_name] : std::map<std::string, std::string>{
             {"r", "relation"}, {"o", "output"}, {"l", "log-level"}, {"a", "all"}}) {
        if (line.has(short_name) && !line.has(long_name)) {
            line.flags[long_name] = line.flags[short_name];
        }
    }
    return line;
}

void check_empty(const std::string& tool, const std::vector<std::string>& rest) {
    if (!rest.empty()) {
        usage_error(tool, "unrecognized args: " + go_quoted_list(rest));
    }
}

/// keyvalues.Parse(args, true): "k=v" pairs, whitespace trimmed, duplicates refused.
std::map<std::string, std::string> parse_key_values(const std::string& tool,
                                                    const std::vector<std::string>& args) {
    const auto trim = [](std::string text) {
        const auto first = text.find_first_not_of(" \t\r\n");
        const auto last = text.find_last_not_of(" \t\r\n");
        return first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
    };
    std::map<std::string, std::string> values;
    for (const auto& arg : args) {
        const auto equals = arg.find('=');
        if (equals == std::string::npos) {
            usage_error(tool, "expected \"key=value\", got " + go_json(json(arg)));
        }
        auto key = trim(arg.substr(0, equals));
        auto value = trim(arg.substr(equals + 1));
        if (key.empty()) {
            usage_error(tool, fmt::format("expected \"key=value\", got \"{}={}\"", key, value));
        }
        if (values.contains(key)) {
            usage_error(tool, fmt::format("key {} specified more than once", go_json(json(key))));
        }
        values[key] = value;
    }
    return values;
}

/// A YAML map of strings (Juju: yaml.v2 into map[string]string).
std::map<std::string, std::string> parse_settings_yaml(const std::string& tool,
                                                       const std::string& text) {
    std::map<std::string, std::string> values;
    YAML::Node node;
    try {
        node = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        runtime_error(tool, std::string("yaml: ") + e.what());
    }
    if (node.IsNull()) {
        return values;
    }
    if (!node.IsMap()) {
        runtime_error(tool, "yaml: unmarshal errors: cannot unmarshal into map[string]string");
    }
    for (const auto& entry : node) {
        const auto key = entry.first.as<std::string>();
        if (entry.second.IsNull()) {
            values[key] = "";
        } else if (entry.second.IsScalar()) {
            values[key] = entry.second.as<std::string>();
        } else {
            runtime_error(tool, fmt::format("yaml: unmarshal errors: cannot unmarshal value of "
                                            "\"{}\" into string",
                                            key));
        }
    }
    return values;
}

std::string read_file_or_stdin(const std::string& tool, const std::string& path,
                               std::optional<std::string>& stdin_text) {
    if (path == "-") {
        if (!stdin_text) {
            stdin_text = std::string(std::istreambuf_iterator<char>(std::cin), {});
        }
        return *stdin_text;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        runtime_error(tool, "open " + path + ": no such file or directory");
    }
    return std::string(std::istreambuf_iterator<char>(in), {});
}

RelationId relation_flag(const std::string& tool, const CommandLine& line, bool required = true) {
    auto text = line.get("relation");
    if (text.empty()) {
        text = env_or_empty("JUJU_RELATION_ID");
    }
    if (text.empty()) {
        if (!required) {
            return {};
        }
        usage_error(tool, "no relation id specified");
    }
    try {
        return RelationId::parse(text);
    } catch (const std::invalid_argument&) {
        usage_error(tool,
                    fmt::format("invalid value \"{}\" for option -r: invalid relation id", text));
    }
}

/// Secret content from key=value, key#base64=..., key#file=<path> arguments. A content file
/// must be private (0600 in a 0700 directory): what ProcessHookTools promises.
SecretContent secret_content(const std::string& tool, const std::vector<std::string>& args) {
    SecretContent content;
    for (const auto& arg : args) {
        const auto equals = arg.find('=');
        if (equals == std::string::npos) {
            usage_error(tool, fmt::format("key value {} not valid", go_json(json(arg))));
        }
        auto key = arg.substr(0, equals);
        auto value = arg.substr(equals + 1);
        if (key.ends_with("#file")) {
            key.resize(key.size() - 5);
            struct stat file_status {};
            struct stat dir_status {};
            const auto dir = fs::path(value).parent_path();
            if (::stat(value.c_str(), &file_status) != 0 || ::stat(dir.c_str(), &dir_status) != 0) {
                runtime_error(tool, "open " + value + ": no such file or directory");
            }
            if ((file_status.st_mode & 077) != 0 || (dir_status.st_mode & 077) != 0) {
                runtime_error(tool, "secret content file " + value + " is readable by others");
            }
            std::ifstream in(value, std::ios::binary);
            value.assign(std::istreambuf_iterator<char>(in), {});
        } else if (key.ends_with("#base64")) {
            usage_error(tool, "#base64 content is not supported by fake-hook-tool");
        }
        content[key] = value;
    }
    return content;
}

ordered_json status_json(const slurmctld::juju::Status& status, bool include_data) {
    ordered_json out;
    if (include_data) {
        out["message"] = status.message;
    }
    out["status"] = status.state;
    if (include_data) {
        out["status-data"] = ordered_json::object();
    }
    return out;
}

ordered_json goal_state_json(const slurmctld::juju::GoalState& goal) {
    const auto entry = [](const slurmctld::juju::GoalState::Entry& e) {
        ordered_json out;
        out["status"] = e.status;
        out["since"] = e.since;
        return out;
    };
    ordered_json out;
    out["units"] = ordered_json::object();
    for (const auto& [unit, e] : goal.units) {
        out["units"][unit] = entry(e);
    }
    out["relations"] = ordered_json::object();
    for (const auto& [endpoint, members] : goal.relations) {
        out["relations"][endpoint] = ordered_json::object();
        for (const auto& [member, e] : members) {
            out["relations"][endpoint][member] = entry(e);
        }
    }
    return out;
}

// ---- the tools ---------------------------------------------------------------------------------

struct Invocation {
    std::string tool;
    CommandLine line;
    std::optional<std::string> stdin_text;
    std::string output;
};

ordered_json string_map_json(const std::map<std::string, std::string>& values) {
    ordered_json out = ordered_json::object();
    for (const auto& [key, value] : values) {
        out[key] = value;
    }
    return out;
}

ordered_json string_list_json(const std::vector<std::string>& values) {
    ordered_json out = ordered_json::array();
    for (const auto& value : values) {
        out.push_back(value);
    }
    return out;
}

void run_tool(FakeHookTools& tools, Invocation& call) {
    const auto& tool = call.tool;
    const auto& line = call.line;
    const auto& args = line.args;
    const auto format = line.get("format", flag_specs().at(tool).default_format);
    auto& state = tools.state();
    const auto print = [&](const ordered_json& value) { call.output = render(value, format); };

    if (tool == "relation-ids") {
        auto endpoint = args.empty() ? env_or_empty("JUJU_RELATION") : args[0];
        if (endpoint.empty()) {
            usage_error(tool, "no endpoint name specified");
        }
        check_empty(tool, args.empty() ? args : std::vector(args.begin() + 1, args.end()));
        std::vector<std::string> ids;
        for (const auto& id : tools.relation_ids(endpoint)) {
            ids.push_back(id.str());
        }
        print(string_list_json(ids));
    } else if (tool == "relation-list") {
        check_empty(tool, args);
        const auto relation = relation_flag(tool, line);
        if (line.flag("app")) {
            print(tools.relation_list_app(relation));
        } else {
            print(string_list_json(tools.relation_list(relation)));
        }
    } else if (tool == "relation-get") {
        const auto relation = relation_flag(tool, line);
        const auto key = args.empty() ? std::string("-") : args[0];
        bool app = line.flag("app");
        std::string target = args.size() > 1 ? args[1] : env_or_empty("JUJU_REMOTE_UNIT");
        if (target.empty()) {
            target = env_or_empty("JUJU_REMOTE_APP");
            app = true;
        }
        if (target.empty()) {
            usage_error(tool, "no unit or application specified");
        }
        check_empty(tool, args.size() > 2 ? std::vector(args.begin() + 2, args.end())
                                          : std::vector<std::string>{});
        if (key == "-" || key.empty()) {
            print(string_map_json(app ? tools.relation_get_app(relation, target)
                                      : tools.relation_get(relation, target)));
        } else {
            const auto value = tools.relation_get_key(relation, key, target, app);
            print(value ? ordered_json(*value) : ordered_json(nullptr));
        }
    } else if (tool == "relation-set") {
        const auto relation = relation_flag(tool, line);
        auto overrides = parse_key_values(tool, args);
        std::map<std::string, std::string> settings;
        if (line.has("file")) {
            settings = parse_settings_yaml(
                tool, read_file_or_stdin(tool, line.get("file"), call.stdin_text));
        }
        for (auto& [key, value] : overrides) {
            settings[key] = std::move(value);
        }
        tools.relation_set(relation, settings, line.flag("app"));
        if (line.has("format")) {
            std::cerr << "--format flag deprecated for command \"relation-set\"";
        }
    } else if (tool == "is-leader") {
        check_empty(tool, args);
        print(tools.is_leader());
    } else if (tool == "leader-get") {
        const auto settings = tools.leader_get();
        if (!args.empty() && args[0] != "-") {
            const auto found = settings.find(args[0]);
            print(found == settings.end() ? ordered_json(nullptr) : ordered_json(found->second));
        } else {
            print(string_map_json(settings));
        }
    } else if (tool == "leader-set") {
        tools.leader_set(parse_key_values(tool, args));
    } else if (tool == "config-get") {
        const auto config = sorted(tools.config_get());
        if (!args.empty()) {
            if (line.flag("all")) {
                usage_error(tool, fmt::format("cannot use argument --all together with key "
                                              "\"{}\"",
                                              args[0]));
            }
            print(config.contains(args[0]) ? config[args[0]] : ordered_json(nullptr));
        } else {
            print(config);
        }
    } else if (tool == "status-set") {
        if (args.empty()) {
            usage_error(tool, "invalid args, require <status> [message]");
        }
        const auto status = slurmctld::juju::parse_workload_state(args[0]);
        if (!status) {
            usage_error(tool, fmt::format("invalid status \"{}\", expected one of [maintenance "
                                          "blocked waiting active]",
                                          args[0]));
        }
        check_empty(tool, args.size() > 2 ? std::vector(args.begin() + 2, args.end())
                                          : std::vector<std::string>{});
        tools.status_set(*status, args.size() > 1 ? args[1] : "", line.flag("application"));
    } else if (tool == "status-get") {
        const bool application = line.flag("application");
        const bool include_data = line.flag("include-data");
        const auto status = tools.status_get(application);
        if (application) {
            auto app = status_json(status, true);
            app["units"] = ordered_json::object();
            app["units"][state.unit_name] = status_json(state.unit_status, true);
            ordered_json out;
            out["application-status"] = app;
            print(out);
        } else if (format == "smart" && !include_data) {
            print(status.state);
        } else {
            print(status_json(status, include_data));
        }
    } else if (tool == "application-version-set") {
        if (args.empty()) {
            usage_error(tool, "no version specified");
        }
        tools.application_version_set(args[0]);
    } else if (tool == "juju-log") {
        if (args.empty()) {
            usage_error(tool, "no message specified");
        }
        std::string message;
        for (const auto& arg : args) {
            message += (message.empty() ? "" : " ") + arg;
        }
        const auto level_name = line.flag("debug") ? "DEBUG" : line.get("log-level", "INFO");
        auto level = slurmctld::juju::LogLevel::Info;
        if (level_name == "TRACE" || level_name == "DEBUG") {
            level = slurmctld::juju::LogLevel::Debug;
        } else if (level_name == "WARNING") {
            level = slurmctld::juju::LogLevel::Warning;
        } else if (level_name == "ERROR" || level_name == "CRITICAL") {
            level = slurmctld::juju::LogLevel::Error;
        }
        tools.juju_log(level, message);
    } else if (tool == "action-get") {
        auto params = sorted(tools.action_get());
        if (!args.empty()) {
            std::string_view path = args[0];
            while (!path.empty() && !params.is_null()) {
                const auto dot = path.find('.');
                const auto part = std::string(path.substr(0, dot));
                params = params.is_object() && params.contains(part) ? params[part]
                                                                     : ordered_json(nullptr);
                path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
            }
        }
        print(params);
    } else if (tool == "action-set") {
        std::map<std::string, std::string> results;
        for (const auto& arg : args) {
            const auto equals = arg.find('=');
            if (equals == std::string::npos || equals == 0) {
                usage_error(tool,
                            fmt::format("argument \"{}\" must be of the form key...=value", arg));
            }
            results[arg.substr(0, equals)] = arg.substr(equals + 1);
        }
        tools.action_set(results);
    } else if (tool == "action-fail") {
        tools.action_fail(
            args.empty() ? "action failed without reason given, check action for errors" : args[0]);
    } else if (tool == "action-log") {
        if (args.empty()) {
            usage_error(tool, "no message specified");
        }
        std::string message;
        for (const auto& arg : args) {
            message += (message.empty() ? "" : " ") + arg;
        }
        tools.action_log(message);
    } else if (tool == "secret-add") {
        if (args.empty() && !line.has("file")) {
            usage_error(tool, "missing secret value or filename");
        }
        slurmctld::juju::SecretAddOptions options;
        options.label = line.get("label");
        options.description = line.get("description");
        options.owner = line.get("owner", "application");
        call.output = tools.secret_add(secret_content(tool, args), options) + "\n";
    } else if (tool == "secret-get") {
        slurmctld::juju::SecretRef ref;
        ref.label = line.get("label");
        if (!args.empty()) {
            ref.id = args[0];
        }
        slurmctld::juju::SecretGetOptions options;
        options.peek = line.flag("peek");
        options.refresh = line.flag("refresh");
        const auto content = tools.secret_get(ref, options);
        if (!content) {
            runtime_error(
                tool, fmt::format("secret \"{}\" not found", ref.id.empty() ? ref.label : ref.id));
        }
        if (args.size() > 1) {
            check_empty(tool, std::vector(args.begin() + 2, args.end()));
            const auto found = content->find(args[1]);
            if (found == content->end()) {
                runtime_error(tool, fmt::format("secret key \"{}\" not found", args[1]));
            }
            print(found->second);
        } else {
            print(string_map_json(*content));
        }
    } else if (tool == "secret-set") {
        if (args.empty()) {
            usage_error(tool, "missing secret URI");
        }
        tools.secret_set(args[0], secret_content(tool, std::vector(args.begin() + 1, args.end())));
    } else if (tool == "secret-grant" || tool == "secret-revoke") {
        if (args.empty()) {
            usage_error(tool, "missing secret URI");
        }
        check_empty(tool, std::vector(args.begin() + 1, args.end()));
        const auto relation = relation_flag(tool, line);
        const auto unit =
            line.has("unit") ? std::optional<std::string>(line.get("unit")) : std::nullopt;
        if (tool == "secret-grant") {
            tools.secret_grant(args[0], relation, unit);
        } else {
            tools.secret_revoke(args[0], relation, unit);
        }
    } else if (tool == "secret-remove") {
        if (args.empty()) {
            usage_error(tool, "missing secret URI");
        }
        check_empty(tool, std::vector(args.begin() + 1, args.end()));
        std::optional<int> revision;
        if (line.has("revision")) {
            revision = std::stoi(line.get("revision"));
        }
        tools.secret_remove(args[0], revision);
    } else if (tool == "secret-info-get") {
        slurmctld::juju::SecretRef ref;
        ref.label = line.get("label");
        if (!args.empty()) {
            ref.id = args[0];
            check_empty(tool, std::vector(args.begin() + 1, args.end()));
        }
        if (!ref.id.empty() && !ref.label.empty()) {
            usage_error(tool, "specify either a secret URI or label but not both");
        }
        const auto info = tools.secret_info_get(ref);
        if (!info) {
            runtime_error(
                tool, fmt::format("secret \"{}\" not found", ref.id.empty() ? ref.label : ref.id));
        }
        ordered_json entry;
        entry["revision"] = info->revision;
        entry["label"] = info->label;
        entry["owner"] = info->owner;
        if (!info->description.empty()) {
            entry["description"] = info->description;
        }
        ordered_json out;
        out[info->id] = entry;
        print(out);
    } else if (tool == "secret-ids") {
        const auto ids = tools.secret_ids();
        // Go prints a nil slice as null.
        print(ids.empty() ? ordered_json(nullptr) : string_list_json(ids));
    } else if (tool == "state-get") {
        const auto values = tools.state_get();
        if (!args.empty() && args[0] != "-") {
            const auto found = values.find(args[0]);
            if (found == values.end() && line.flag("strict")) {
                runtime_error(tool, fmt::format("\"{}\" not found", args[0]));
            }
            print(found == values.end() ? std::string() : found->second);
        } else {
            // Juju 4 prints null for a unit without state; parsers must accept it.
            print(values.empty() ? ordered_json(nullptr) : string_map_json(values));
        }
    } else if (tool == "state-set") {
        auto overrides = parse_key_values(tool, args);
        std::map<std::string, std::string> settings;
        if (line.has("file")) {
            settings = parse_settings_yaml(
                tool, read_file_or_stdin(tool, line.get("file"), call.stdin_text));
        }
        for (auto& [key, value] : overrides) {
            settings[key] = std::move(value);
        }
        tools.state_set(settings);
    } else if (tool == "state-delete") {
        if (args.empty()) {
            usage_error(tool, "no key specified");
        }
        tools.state_delete(args[0]);
    } else if (tool == "goal-state") {
        check_empty(tool, args);
        print(goal_state_json(tools.goal_state()));
    } else if (tool == "open-port" || tool == "close-port") {
        if (args.size() != 1) {
            usage_error(tool, "no port or range specified");
        }
        const auto slash = args[0].find('/');
        const auto protocol = slash == std::string::npos ? "tcp" : args[0].substr(slash + 1);
        int port = 0;
        try {
            port = std::stoi(args[0].substr(0, slash));
        } catch (const std::exception&) {
            usage_error(tool, fmt::format("invalid port or range \"{}\"", args[0]));
        }
        if (tool == "open-port") {
            tools.open_port(port, protocol);
        } else {
            tools.close_port(port, protocol);
        }
    } else if (tool == "opened-ports") {
        print(string_list_json(tools.opened_ports()));
    } else if (tool == "unit-get") {
        if (args.empty()) {
            usage_error(tool, "no setting specified");
        }
        check_empty(tool, std::vector(args.begin() + 1, args.end()));
        print(tools.unit_get(args[0]));
    } else if (tool == "network-get") {
        if (args.empty()) {
            usage_error(tool, "no arguments specified");
        }
        const auto info = tools.network_get(args[0]);
        if (line.flag("ingress-address")) {
            print(info.ingress_addresses.empty() ? "" : info.ingress_addresses[0]);
        } else if (line.flag("bind-address") || line.flag("primary-address")) {
            print(info.bind_addresses.empty() ? "" : info.bind_addresses[0]);
        } else if (line.flag("egress-subnets")) {
            print(string_list_json(info.egress_subnets));
        } else {
            ordered_json addresses = ordered_json::array();
            for (const auto& address : info.bind_addresses) {
                ordered_json entry;
                entry["hostname"] = "";
                entry["value"] = address;
                entry["cidr"] = "";
                addresses.push_back(entry);
            }
            ordered_json bind;
            bind["mac-address"] = "";
            bind["interface-name"] = "eth0";
            bind["addresses"] = addresses;
            ordered_json out;
            out["bind-addresses"] = ordered_json::array({bind});
            out["egress-subnets"] = string_list_json(info.egress_subnets);
            out["ingress-addresses"] = string_list_json(info.ingress_addresses);
            print(out);
        }
    } else {
        // Unknown to the fake: like an unknown command on Juju's server.
        runtime_error(tool, "bad request: unknown command \"" + tool + "\"");
    }
}

testing_support::State load_world(const fs::path& path) {
    std::ifstream in(path);
    if (!in) {
        return {};
    }
    return json::parse(in).get<testing_support::State>();
}

void save_world(const fs::path& path, const testing_support::State& state) {
    const auto temporary = fs::path(path.string() + ".tmp");
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << json(state).dump(2) << "\n";
    }
    fs::rename(temporary, path);
}

void append_call(const fs::path& path, const Invocation& call,
                 const std::vector<std::string>& argv) {
    json record;
    record["tool"] = call.tool;
    record["args"] = argv;
    if (call.stdin_text) {
        record["stdin"] = *call.stdin_text;
    }
    std::ofstream out(path, std::ios::app);
    out << record.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    const std::string tool = fs::path(argv[0]).filename().string();
    const std::vector<std::string> args(argv + 1, argv + argc);
    const auto dir_text = env_or_empty("FAKE_TOOLS_DIR");
    if (dir_text.empty()) {
        std::cerr << "ERROR FAKE_TOOLS_DIR not set\n";
        return 1;
    }
    const fs::path dir(dir_text);
    const int lock = ::open((dir / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
        std::cerr << "ERROR cannot lock " << (dir / "lock").string() << "\n";
        return 1;
    }

    Invocation call;
    call.tool = tool;
    int exit_code = 0;
    std::string stderr_text;
    try {
        FakeHookTools tools(load_world(dir / "world.json"));
        try {
            if (!flag_specs().contains(tool)) {
                runtime_error(tool, "bad request: unknown command \"" + tool + "\"");
            }
            call.line = parse_command_line(tool, args);
            run_tool(tools, call);
        } catch (const HookToolError& e) {
            exit_code = e.exit_code();
            stderr_text = e.stderr_text();
        }
        append_call(dir / "calls.jsonl", call, args);
        save_world(dir / "world.json", tools.state());
    } catch (const std::exception& e) {
        std::cerr << "ERROR fake-hook-tool: " << e.what() << "\n";
        return 3;
    }
    std::cout << call.output;
    std::cerr << stderr_text;
    std::cout.flush();
    return exit_code;
}
