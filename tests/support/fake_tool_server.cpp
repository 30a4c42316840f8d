#include "support/fake_tool_server.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>
#include <sys/stat.h>

#include <slurmctld/juju/go_format.hpp>
#include <slurmctld/juju/hook_tool_table.hpp>

namespace testing_support {

namespace {

namespace fs = std::filesystem;
namespace juju = slurmctld::juju;
namespace message = slurmctld::juju::tool_message;
using juju::HookToolError;
using juju::RelationId;
using juju::throw_run_error;
using juju::throw_usage_error;
using nlohmann::json;
using nlohmann::ordered_json;

/// One call in progress.
struct Call {
    FakeHookTools& tools;
    const std::string& tool;
    const juju::ToolArgs& parsed;
    const HookEnv& env;
    const std::function<std::string()>& read_stdin;
    std::optional<std::string> stdin_text;
    std::string out;
    std::string err;

    const std::vector<std::string>& args() const { return parsed.args(); }
    const juju::FlagSet& flags() const { return parsed.flags; }
    State& state() { return tools.state(); }
    std::string env_value(const std::string& name) const {
        const auto found = env.find(name);
        return found == env.end() ? std::string() : found->second;
    }
    void print(const ordered_json& value) { out = parsed.output(value); }
    /// The content of a --file argument ("-": stdin, read once).
    std::string file(const std::string& path) {
        if (path == "-") {
            if (!stdin_text) {
                stdin_text = read_stdin();
            }
            return *stdin_text;
        }
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            throw_run_error(tool, "open " + path + ": no such file or directory");
        }
        return std::string(std::istreambuf_iterator<char>(in), {});
    }
};

using Handler = void (*)(Call&);

ordered_json sorted(const json& value) {
    return ordered_json::parse(value.dump());
}

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

std::string joined_words(const std::vector<std::string>& words) {
    std::string text;
    for (const auto& word : words) {
        text += (text.empty() ? "" : " ") + word;
    }
    return text;
}

/// -r, or the hook's relation; `required`: none is a usage error.
RelationId relation_flag(Call& call, bool required = true) {
    auto text = call.flags().get("relation");
    if (text.empty()) {
        text = call.env_value("JUJU_RELATION_ID");
    }
    if (text.empty()) {
        if (!required) {
            return {};
        }
        throw_usage_error(call.tool, message::kNoRelationId);
    }
    return juju::parse_relation_flag(call.tool, text);
}

/// --file settings overridden by key=value arguments (relation-set, state-set).
std::map<std::string, std::string> settings_arguments(Call& call) {
    auto overrides = juju::parse_key_values(call.tool, call.args());
    std::map<std::string, std::string> settings;
    if (call.flags().is_set("file")) {
        settings = juju::parse_settings_yaml(call.tool, call.file(call.flags().get("file")));
    }
    for (auto& [key, value] : overrides) {
        settings[key] = std::move(value);
    }
    return settings;
}

// ---- relations -------------------------------------------------------------------------------

void relation_ids(Call& call) {
    const auto endpoint = call.args().empty() ? call.env_value("JUJU_RELATION") : call.args()[0];
    if (endpoint.empty()) {
        throw_usage_error(call.tool, message::kNoEndpoint);
    }
    std::vector<std::string> ids;
    for (const auto& id : call.tools.relation_ids(endpoint)) {
        ids.push_back(id.str());
    }
    call.print(string_list_json(ids));
}

void relation_list(Call& call) {
    const auto relation = relation_flag(call);
    if (call.flags().on("app")) {
        call.print(call.tools.relation_list_app(relation));
    } else {
        call.print(string_list_json(call.tools.relation_list(relation)));
    }
}

void relation_get(Call& call) {
    const auto relation = relation_flag(call);
    const auto& args = call.args();
    const auto key = args.empty() ? std::string("-") : args[0];
    bool app = call.flags().on("app");
    std::string target = args.size() > 1 ? args[1] : call.env_value("JUJU_REMOTE_UNIT");
    if (target.empty()) {
        target = call.env_value("JUJU_REMOTE_APP");
        app = true;
    }
    if (target.empty()) {
        throw_usage_error(call.tool, message::kNoUnitOrApp);
    }
    if (key == "-" || key.empty()) {
        call.print(string_map_json(app ? call.tools.relation_get_app(relation, target)
                                       : call.tools.relation_get(relation, target)));
        return;
    }
    const auto value = call.tools.relation_get_key(relation, key, target, app);
    call.print(value ? ordered_json(*value) : ordered_json(nullptr));
}

void relation_set(Call& call) {
    const auto relation = relation_flag(call);
    call.tools.relation_set(relation, settings_arguments(call), call.flags().on("app"));
    if (call.flags().is_set("format")) {
        call.err = "--format flag deprecated for command \"relation-set\"";
    }
}

// ---- leadership, config, status, logging -----------------------------------------------------

void is_leader(Call& call) {
    call.print(call.tools.is_leader());
}

void leader_get(Call& call) {
    const auto settings = call.tools.leader_get();
    if (!call.args().empty() && call.args()[0] != "-") {
        const auto found = settings.find(call.args()[0]);
        call.print(found == settings.end() ? ordered_json(nullptr) : ordered_json(found->second));
    } else {
        call.print(string_map_json(settings));
    }
}

void leader_set(Call& call) {
    call.tools.leader_set(juju::parse_key_values(call.tool, call.args()));
}

void config_get(Call& call) {
    const auto config = sorted(call.tools.config_get());
    if (call.args().empty()) {
        call.print(config);
        return;
    }
    const auto& key = call.args()[0];
    if (call.flags().on("all")) {
        throw_usage_error(call.tool,
                          fmt::format("cannot use argument --all together with key \"{}\"", key));
    }
    call.print(config.contains(key) ? config[key] : ordered_json(nullptr));
}

void status_set(Call& call) {
    const auto& args = call.args();
    const auto status = juju::parse_workload_state(args[0]);
    if (!status) {
        throw_usage_error(call.tool, message::invalid_status(args[0]));
    }
    call.tools.status_set(*status, args.size() > 1 ? args[1] : "", call.flags().on("application"));
}

ordered_json status_json(const juju::Status& status, bool include_data) {
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

void status_get(Call& call) {
    const bool application = call.flags().on("application");
    const bool include_data = call.flags().on("include-data");
    const auto status = call.tools.status_get(application);
    if (!include_data && call.parsed.format() == "smart") {
        call.print(status.state);
    } else if (application) {
        auto app = status_json(status, include_data);
        app["units"] = ordered_json::object();
        app["units"][call.state().unit_name] = status_json(call.state().unit_status, include_data);
        ordered_json out;
        out["application-status"] = app;
        call.print(out);
    } else {
        call.print(status_json(status, include_data));
    }
}

void application_version_set(Call& call) {
    call.tools.application_version_set(call.args()[0]);
}

void juju_log(Call& call) {
    const auto level_name =
        call.flags().on("debug") ? std::string("DEBUG") : call.flags().get("log-level");
    auto level = juju::LogLevel::Info;
    if (level_name == "TRACE" || level_name == "DEBUG") {
        level = juju::LogLevel::Debug;
    } else if (level_name == "WARNING") {
        level = juju::LogLevel::Warning;
    } else if (level_name == "ERROR" || level_name == "CRITICAL") {
        level = juju::LogLevel::Error;
    }
    call.tools.juju_log(level, joined_words(call.args()));
}

// ---- actions ---------------------------------------------------------------------------------

void action_get(Call& call) {
    auto params = sorted(call.tools.action_get());
    if (!call.args().empty()) {
        std::string_view path = call.args()[0];
        while (!path.empty() && !params.is_null()) {
            const auto dot = path.find('.');
            const auto part = std::string(path.substr(0, dot));
            params =
                params.is_object() && params.contains(part) ? params[part] : ordered_json(nullptr);
            path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
        }
    }
    call.print(params);
}

void action_set(Call& call) {
    std::map<std::string, std::string> results;
    for (const auto& arg : call.args()) {
        const auto equals = arg.find('=');
        if (equals == std::string::npos || equals == 0) {
            throw_usage_error(call.tool,
                              fmt::format("argument \"{}\" must be of the form key...=value", arg));
        }
        results[arg.substr(0, equals)] = arg.substr(equals + 1);
    }
    call.tools.action_set(results);
}

void action_fail(Call& call) {
    call.tools.action_fail(call.args().empty() ? std::string(message::kActionFailDefault)
                                               : call.args()[0]);
}

void action_log(Call& call) {
    call.tools.action_log(joined_words(call.args()));
}

// ---- secrets ---------------------------------------------------------------------------------

/// Secret content from the arguments (juju::parse_secret_content). A key#file content file must
/// be private (0600 in a 0700 directory): what ProcessHookTools promises.
SecretContent secret_content(const std::string& tool, const std::vector<std::string>& args) {
    return juju::parse_secret_content(tool, args, [&tool](const std::string& path) {
        struct stat file_status {};
        struct stat dir_status {};
        const auto dir = fs::path(path).parent_path();
        if (::stat(path.c_str(), &file_status) != 0 || ::stat(dir.c_str(), &dir_status) != 0) {
            throw_run_error(tool, "open " + path + ": no such file or directory");
        }
        if ((file_status.st_mode & 077) != 0 || (dir_status.st_mode & 077) != 0) {
            throw_run_error(tool, "secret content file " + path + " is readable by others");
        }
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    });
}

void secret_add(Call& call) {
    if (call.args().empty() && !call.flags().is_set("file")) {
        throw_usage_error(call.tool, "missing secret value or filename");
    }
    juju::SecretAddOptions options;
    options.label = call.flags().get("label");
    options.description = call.flags().get("description");
    options.owner = call.flags().get("owner");
    call.out = call.tools.secret_add(secret_content(call.tool, call.args()), options) + "\n";
}

void secret_get(Call& call) {
    const auto& args = call.args();
    juju::SecretRef ref;
    ref.label = call.flags().get("label");
    if (!args.empty()) {
        ref.id = args[0];
    }
    juju::SecretGetOptions options;
    options.peek = call.flags().on("peek");
    options.refresh = call.flags().on("refresh");
    const auto content = call.tools.secret_get(ref, options);
    if (!content) {
        throw_run_error(call.tool, message::secret_not_found(
                                       ref.id.empty() ? ref.label : juju::bare_secret_id(ref.id)));
    }
    if (args.size() < 2) {
        call.print(string_map_json(*content));
        return;
    }
    const auto found = content->find(args[1]);
    if (found == content->end()) {
        throw_run_error(call.tool, fmt::format("secret key \"{}\" not found", args[1]));
    }
    call.print(found->second);
}

void secret_set(Call& call) {
    const auto& args = call.args();
    call.tools.secret_set(args[0],
                          secret_content(call.tool, std::vector(args.begin() + 1, args.end())));
}

void secret_grant_or_revoke(Call& call) {
    const auto relation = relation_flag(call);
    const auto unit =
        call.flags().is_set("unit") ? std::optional(call.flags().get("unit")) : std::nullopt;
    if (call.tool == "secret-grant") {
        call.tools.secret_grant(call.args()[0], relation, unit);
    } else {
        call.tools.secret_revoke(call.args()[0], relation, unit);
    }
}

void secret_remove(Call& call) {
    std::optional<int> revision;
    if (call.flags().is_set("revision")) {
        revision = std::stoi(call.flags().get("revision"));
    }
    call.tools.secret_remove(call.args()[0], revision);
}

void secret_info_get(Call& call) {
    juju::SecretRef ref;
    ref.label = call.flags().get("label");
    if (!call.args().empty()) {
        ref.id = call.args()[0];
    }
    if (!ref.id.empty() && !ref.label.empty()) {
        throw_usage_error(call.tool, "specify either a secret URI or label but not both");
    }
    const auto info = call.tools.secret_info_get(ref);
    if (!info) {
        throw_run_error(call.tool, message::secret_not_found(
                                       ref.id.empty() ? ref.label : juju::bare_secret_id(ref.id)));
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
    call.print(out);
}

void secret_ids(Call& call) {
    const auto ids = call.tools.secret_ids();
    call.print(ids.empty() ? ordered_json(nullptr) : string_list_json(ids));  // Go: nil slice
}

// ---- unit state ------------------------------------------------------------------------------

void state_get(Call& call) {
    const auto values = call.tools.state_get();
    if (call.args().empty() || call.args()[0] == "-") {
        // Juju 4 prints null for a unit without state; parsers must accept it.
        call.print(values.empty() ? ordered_json(nullptr) : string_map_json(values));
        return;
    }
    const auto& key = call.args()[0];
    const auto found = values.find(key);
    if (found == values.end() && call.flags().on("strict")) {
        throw_run_error(call.tool, fmt::format("\"{}\" not found", key));
    }
    call.print(found == values.end() ? std::string() : found->second);
}

void state_set(Call& call) {
    call.tools.state_set(settings_arguments(call));
}

void state_delete(Call& call) {
    call.tools.state_delete(call.args()[0]);
}

// ---- goal state, ports, network --------------------------------------------------------------

ordered_json goal_entry(const juju::GoalState::Entry& entry) {
    ordered_json out;
    out["status"] = entry.status;
    out["since"] = entry.since;
    return out;
}

void goal_state(Call& call) {
    const auto goal = call.tools.goal_state();
    ordered_json out;
    out["units"] = ordered_json::object();
    for (const auto& [unit, entry] : goal.units) {
        out["units"][unit] = goal_entry(entry);
    }
    out["relations"] = ordered_json::object();
    for (const auto& [endpoint, members] : goal.relations) {
        out["relations"][endpoint] = ordered_json::object();
        for (const auto& [member, entry] : members) {
            out["relations"][endpoint][member] = goal_entry(entry);
        }
    }
    call.print(out);
}

void open_or_close_port(Call& call) {
    const auto spec = juju::parse_port_range(call.tool, call.args()[0]);
    const auto slash = spec.find('/');
    const auto dash = spec.find('-');
    if (slash == std::string::npos || dash != std::string::npos) {
        // HookTools opens single ports; ranges and icmp are not part of the fake's model.
        throw_usage_error(call.tool, "fake-hook-tool models single tcp/udp ports only");
    }
    const int port = std::stoi(spec.substr(0, slash));
    if (call.tool == "open-port") {
        call.tools.open_port(port, spec.substr(slash + 1));
    } else {
        call.tools.close_port(port, spec.substr(slash + 1));
    }
}

void opened_ports(Call& call) {
    call.print(string_list_json(call.tools.opened_ports()));
}

void unit_get(Call& call) {
    call.print(call.tools.unit_get(call.args()[0]));
}

ordered_json network_json(const juju::NetworkInfo& info) {
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
    return out;
}

void network_get(Call& call) {
    const auto& flags = call.flags();
    if (flags.on("primary-address") &&
        (flags.on("ingress-address") || flags.on("egress-subnets") || flags.on("bind-address"))) {
        throw_run_error(call.tool, "--primary-address must be the only flag specified");
    }
    const auto info = call.tools.network_get(call.args()[0]);
    const auto first = [](const std::vector<std::string>& values) {
        return values.empty() ? std::string() : values[0];
    };
    if (flags.on("primary-address")) {
        call.print(first(info.bind_addresses));
        return;
    }
    // One flag prints its value, several a map of them (sorted, a Go map), none everything.
    std::map<std::string, ordered_json> picked;
    if (flags.on("bind-address")) {
        picked["bind-address"] = first(info.bind_addresses);
    }
    if (flags.on("ingress-address")) {
        picked["ingress-address"] = first(info.ingress_addresses);
    }
    if (flags.on("egress-subnets")) {
        picked["egress-subnets"] = string_list_json(info.egress_subnets);
    }
    if (picked.empty()) {
        call.print(network_json(info));
    } else if (picked.size() == 1) {
        call.print(picked.begin()->second);
    } else {
        call.print(ordered_json(picked));
    }
}

/// The handlers, by tool name (every FakeHookTools method has one).
const std::map<std::string, Handler>& handlers() {
    static const std::map<std::string, Handler> table = {
        {"relation-ids", relation_ids},
        {"relation-list", relation_list},
        {"relation-get", relation_get},
        {"relation-set", relation_set},
        {"is-leader", is_leader},
        {"leader-get", leader_get},
        {"leader-set", leader_set},
        {"config-get", config_get},
        {"status-set", status_set},
        {"status-get", status_get},
        {"application-version-set", application_version_set},
        {"juju-log", juju_log},
        {"action-get", action_get},
        {"action-set", action_set},
        {"action-fail", action_fail},
        {"action-log", action_log},
        {"secret-add", secret_add},
        {"secret-get", secret_get},
        {"secret-set", secret_set},
        {"secret-grant", secret_grant_or_revoke},
        {"secret-revoke", secret_grant_or_revoke},
        {"secret-remove", secret_remove},
        {"secret-info-get", secret_info_get},
        {"secret-ids", secret_ids},
        {"state-get", state_get},
        {"state-set", state_set},
        {"state-delete", state_delete},
        {"goal-state", goal_state},
        {"open-port", open_or_close_port},
        {"close-port", open_or_close_port},
        {"opened-ports", opened_ports},
        {"unit-get", unit_get},
        {"network-get", network_get},
    };
    return table;
}

}  // namespace

std::vector<std::string> fake_tool_names() {
    std::vector<std::string> names;
    for (const auto& [name, handler] : handlers()) {
        names.push_back(name);
    }
    return names;
}

ToolAnswer run_fake_tool(FakeHookTools& tools, const std::string& tool,
                         const std::vector<std::string>& args, const HookEnv& env,
                         const std::function<std::string()>& read_stdin) {
    ToolAnswer answer;
    const auto* spec = juju::find_hook_tool(tool);
    const auto handler = handlers().find(tool);
    if (spec == nullptr || handler == handlers().end()) {
        // Unknown to the fake: like an unknown command on Juju's server.
        answer.exit_code = juju::kToolRunError;
        answer.stderr_text = "ERROR bad request: unknown command \"" + tool + "\"\n";
        return answer;
    }
    std::optional<juju::ToolArgs> parsed;
    try {
        parsed = juju::parse_tool_args(*spec, args);
        Call call{tools, tool, *parsed, env, read_stdin, std::nullopt, "", ""};
        try {
            handler->second(call);
        } catch (const HookToolError&) {
            answer.stdin_text = call.stdin_text;
            throw;
        }
        answer.stdout_text = std::move(call.out);
        answer.stderr_text = std::move(call.err);
        answer.stdin_text = std::move(call.stdin_text);
    } catch (const HookToolError& e) {
        answer.exit_code = e.exit_code();
        answer.stderr_text = e.stderr_text();
    }
    return answer;
}

}  // namespace testing_support
