#include <algorithm>
#include <regex>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <slurmctld/juju/go_format.hpp>
#include <slurmctld/juju/hook_tool_table.hpp>
#include <slurmctld/util/base64.hpp>
#include <slurmctld/util/strings.hpp>

namespace slurmctld::juju {

namespace {

using nlohmann::json;

ToolFlag value_flag(std::vector<std::string> names, std::string default_value = "") {
    return ToolFlag{std::move(names), false, std::move(default_value)};
}

ToolFlag bool_flag(std::vector<std::string> names) {
    return ToolFlag{std::move(names), true, "false"};
}

/// One row; tools that print get --format (with their default) and -o/--output.
HookToolSpec row(std::string name, ToolFamily family, std::vector<ToolFlag> flags,
                 std::string default_format, int min_args, int max_args,
                 std::string missing_args = "", bool transactional = false) {
    if (!default_format.empty()) {
        flags.push_back(value_flag({"format"}, default_format));
        flags.push_back(value_flag({"o", "output"}));
    }
    return HookToolSpec{std::move(name),           family,       std::move(flags),
                        std::move(default_format), min_args,     max_args,
                        std::move(missing_args),   transactional};
}

constexpr int kAny = -1;

std::vector<HookToolSpec> relation_rows() {
    const auto relation = value_flag({"r", "relation"});
    return {
        row("relation-ids", ToolFamily::Relation, {}, "smart", 0, 1),
        row("relation-list", ToolFamily::Relation, {relation, bool_flag({"app"})}, "smart", 0, 0),
        row("relation-get", ToolFamily::Relation, {relation, bool_flag({"app"})}, "smart", 0, 2),
        // --format is accepted and ignored (deprecated); relation-set prints nothing.
        row("relation-set", ToolFamily::Relation,
            {relation, bool_flag({"app"}), value_flag({"file"}), value_flag({"format"})}, "", 0,
            kAny, "", true),
        row("relation-model-get", ToolFamily::Relation, {relation}, "smart", 0, 0),
    };
}

std::vector<HookToolSpec> unit_rows() {
    return {
        row("is-leader", ToolFamily::Leadership, {}, "smart", 0, 0),
        row("leader-get", ToolFamily::Leadership, {}, "smart", 0, 1),
        row("leader-set", ToolFamily::Leadership, {}, "", 0, kAny),
        row("config-get", ToolFamily::Config, {bool_flag({"a", "all"})}, "smart", 0, 1),
        row("status-set", ToolFamily::Status, {bool_flag({"application"})}, "", 1, 2,
            "invalid args, require <status> [message]"),
        row("status-get", ToolFamily::Status,
            {bool_flag({"application"}), bool_flag({"include-data"})}, "smart", 0, 0),
        row("application-version-set", ToolFamily::Status, {}, "", 1, 1, "no version specified"),
        row("juju-log", ToolFamily::Logging,
            {value_flag({"l", "log-level"}, "INFO"), bool_flag({"debug"}), value_flag({"format"})},
            "", 1, kAny, "no message specified"),
        row("action-get", ToolFamily::Action, {}, "smart", 0, 1),
        row("action-set", ToolFamily::Action, {}, "", 0, kAny),
        row("action-fail", ToolFamily::Action, {}, "", 0, 1),
        row("action-log", ToolFamily::Action, {}, "", 1, kAny, "no message specified"),
        row("state-get", ToolFamily::State, {bool_flag({"strict"})}, "smart", 0, 1),
        row("state-set", ToolFamily::State, {value_flag({"file"})}, "", 0, kAny, "", true),
        row("state-delete", ToolFamily::State, {}, "", 1, 1, "no key specified", true),
        row("goal-state", ToolFamily::GoalState, {}, "yaml", 0, 0),
    };
}

std::vector<HookToolSpec> secret_rows() {
    const std::vector<ToolFlag> metadata{
        value_flag({"label"}),  value_flag({"description"}),          value_flag({"expire"}),
        value_flag({"rotate"}), value_flag({"owner"}, "application"), value_flag({"file"})};
    const auto relation = value_flag({"r", "relation"});
    return {
        row("secret-add", ToolFamily::Secret, metadata, "", 0, kAny, "", true),
        row("secret-set", ToolFamily::Secret, metadata, "", 1, kAny, "missing secret URI", true),
        row("secret-get", ToolFamily::Secret,
            {value_flag({"label"}), bool_flag({"peek"}), bool_flag({"refresh"})}, "yaml", 0, 2),
        row("secret-info-get", ToolFamily::Secret, {value_flag({"label"})}, "yaml", 0, 1),
        row("secret-ids", ToolFamily::Secret, {}, "smart", 0, 0),
        row("secret-grant", ToolFamily::Secret, {relation, value_flag({"unit"})}, "", 1, 1,
            "missing secret URI", true),
        row("secret-revoke", ToolFamily::Secret,
            {relation, value_flag({"app", "application"}), value_flag({"unit"})}, "", 1, 1,
            "missing secret URI", true),
        row("secret-remove", ToolFamily::Secret, {value_flag({"revision"})}, "", 1, 1,
            "missing secret URI", true),
    };
}

std::vector<HookToolSpec> network_and_machine_rows() {
    return {
        row("open-port", ToolFamily::Network, {value_flag({"endpoints"}), value_flag({"format"})},
            "", 1, 1, "no port or range specified", true),
        row("close-port", ToolFamily::Network, {value_flag({"endpoints"}), value_flag({"format"})},
            "", 1, 1, "no port or range specified", true),
        row("opened-ports", ToolFamily::Network, {bool_flag({"endpoints"})}, "smart", 0, 0),
        row("unit-get", ToolFamily::Network, {}, "smart", 1, 1, "no setting specified"),
        row("network-get", ToolFamily::Network,
            {value_flag({"r", "relation"}), bool_flag({"bind-address"}),
             bool_flag({"ingress-address"}), bool_flag({"egress-subnets"}),
             bool_flag({"primary-address"})},
            "smart", 1, 1, "no arguments specified"),
        row("juju-reboot", ToolFamily::Machine, {bool_flag({"now"})}, "", 0, 0),
        row("credential-get", ToolFamily::Machine, {}, "smart", 0, 0),
        row("storage-get", ToolFamily::Machine, {value_flag({"s"})}, "smart", 0, 1),
        row("storage-list", ToolFamily::Machine, {}, "smart", 0, 1),
        row("storage-add", ToolFamily::Machine, {}, "", 0, kAny),
        row("resource-get", ToolFamily::Machine, {}, "", 1, 1, "missing required resource name"),
    };
}

std::vector<HookToolSpec> build_table() {
    std::vector<HookToolSpec> table;
    for (auto part : {relation_rows(), unit_rows(), secret_rows(), network_and_machine_rows()}) {
        table.insert(table.end(), std::make_move_iterator(part.begin()),
                     std::make_move_iterator(part.end()));
    }
    std::sort(table.begin(), table.end(),
              [](const auto& a, const auto& b) { return a.name < b.name; });
    return table;
}

std::string go_quoted(std::string_view text) {
    return go_json(json(std::string(text)));
}

}  // namespace

const ToolFlag* HookToolSpec::flag(std::string_view flag_name) const {
    for (const auto& candidate : flags) {
        if (std::find(candidate.names.begin(), candidate.names.end(), flag_name) !=
            candidate.names.end()) {
            return &candidate;
        }
    }
    return nullptr;
}

const std::vector<HookToolSpec>& hook_tool_table() {
    static const std::vector<HookToolSpec> kTable = build_table();
    return kTable;
}

const HookToolSpec* find_hook_tool(std::string_view name) {
    for (const auto& spec : hook_tool_table()) {
        if (spec.name == name) {
            return &spec;
        }
    }
    return nullptr;
}

const HookToolSpec& hook_tool(std::string_view name) {
    const auto* spec = find_hook_tool(name);
    if (spec == nullptr) {
        throw std::out_of_range(fmt::format("\"{}\" is not a Juju hook tool", name));
    }
    return *spec;
}

std::vector<std::string> hook_tool_names() {
    std::vector<std::string> names;
    for (const auto& spec : hook_tool_table()) {
        names.push_back(spec.name);
    }
    return names;
}

// ---- parsing and output ----------------------------------------------------------------------

std::string ToolArgs::format() const {
    return flags.get("format");
}

std::string ToolArgs::output(const nlohmann::ordered_json& value) const {
    return format_output(value, format());
}

ToolArgs parse_tool_args(const HookToolSpec& spec, const std::vector<std::string>& args) {
    ToolArgs parsed;
    parsed.spec = &spec;
    for (const auto& flag : spec.flags) {
        if (flag.is_bool) {
            parsed.flags.boolean(flag.names);
        } else {
            parsed.flags.value(flag.names, flag.default_value);
        }
    }
    try {
        parsed.flags.parse(args);
    } catch (const FlagError& error) {
        throw_usage_error(spec.name, error.what());
    }
    if (spec.prints()) {
        const auto format = parsed.format();
        if (format != "smart" && format != "json" && format != "yaml") {
            throw_usage_error(spec.name, fmt::format("invalid value {} for option --format: "
                                                     "unknown format {}",
                                                     go_quoted(format), go_quoted(format)));
        }
    }
    const auto count = static_cast<int>(parsed.args().size());
    if (count < spec.min_args && !spec.missing_args.empty()) {
        throw_usage_error(spec.name, spec.missing_args);
    }
    if (spec.max_args >= 0 && count > spec.max_args) {
        check_empty(spec.name, parsed.args(), static_cast<std::size_t>(spec.max_args));
    }
    return parsed;
}

// ---- errors --------------------------------------------------------------------------------

void throw_usage_error(std::string_view tool, std::string_view message) {
    throw HookToolError(std::string(tool), kToolUsageError, fmt::format("ERROR {}\n", message));
}

void throw_run_error(std::string_view tool, std::string_view message) {
    throw HookToolError(std::string(tool), kToolRunError, fmt::format("ERROR {}\n", message));
}

namespace tool_message {

std::string unrecognized_args(const std::vector<std::string>& rest) {
    std::string list;
    for (const auto& arg : rest) {
        list += (list.empty() ? "" : " ") + go_quoted(arg);
    }
    return "unrecognized args: [" + list + "]";
}

std::string invalid_relation_id(std::string_view text) {
    return fmt::format("invalid value {} for option -r: invalid relation id", go_quoted(text));
}

std::string relation_not_found(std::string_view text) {
    return fmt::format("invalid value {} for option -r: relation not found", go_quoted(text));
}

std::string secret_not_found(std::string_view id_or_label) {
    return fmt::format("secret {} not found", go_quoted(id_or_label));
}

std::string invalid_status(std::string_view status) {
    return fmt::format("invalid status {}, expected one of [maintenance blocked waiting active]",
                       go_quoted(status));
}

}  // namespace tool_message

void check_empty(std::string_view tool, const std::vector<std::string>& args, std::size_t from) {
    if (args.size() > from) {
        throw_usage_error(tool, tool_message::unrecognized_args(std::vector<std::string>(
                                    args.begin() + static_cast<long>(from), args.end())));
    }
}

// ---- argument rules --------------------------------------------------------------------------

RelationId parse_relation_flag(std::string_view tool, const std::string& text) {
    try {
        return RelationId::parse(text);
    } catch (const std::invalid_argument&) {
        throw_usage_error(tool, tool_message::invalid_relation_id(text));
    }
}

std::map<std::string, std::string> parse_key_values(std::string_view tool,
                                                    const std::vector<std::string>& args) {
    std::map<std::string, std::string> values;
    for (const auto& arg : args) {
        const auto equals = arg.find('=');
        if (equals == std::string::npos || equals == 0) {
            throw_usage_error(tool, fmt::format("expected \"key=value\", got {}", go_quoted(arg)));
        }
        auto key = std::string(util::trim(std::string_view(arg).substr(0, equals)));
        auto value = std::string(util::trim(std::string_view(arg).substr(equals + 1)));
        if (values.contains(key)) {
            throw_usage_error(tool, fmt::format("key {} specified more than once", go_quoted(key)));
        }
        values[key] = value;
    }
    return values;
}

std::map<std::string, std::string> parse_settings_yaml(std::string_view tool,
                                                       const std::string& text) {
    std::map<std::string, std::string> values;
    YAML::Node node;
    try {
        node = YAML::Load(text);
    } catch (const YAML::Exception& e) {
        throw_run_error(tool, std::string("yaml: ") + e.what());
    }
    if (node.IsNull()) {
        return values;
    }
    if (!node.IsMap()) {
        throw_run_error(tool, "yaml: unmarshal errors: cannot unmarshal into map[string]string");
    }
    for (const auto& entry : node) {
        const auto key = entry.first.as<std::string>();
        if (entry.second.IsNull()) {
            values[key] = "";
        } else if (entry.second.IsScalar()) {
            values[key] = entry.second.as<std::string>();
        } else {
            throw_run_error(tool, fmt::format("yaml: unmarshal errors: cannot unmarshal value of "
                                              "{} into string",
                                              go_quoted(key)));
        }
    }
    return values;
}

nlohmann::json parse_action_results(std::string_view tool, const std::vector<std::string>& args) {
    // Juju's action name rule, applied to each dotted part of a key.
    static const std::regex kKeyRule("^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$");
    static const std::vector<std::string> kReserved{"stdout", "stdout-encoding", "stderr",
                                                    "stderr-encoding"};
    json results = json::object();
    for (const auto& arg : args) {
        const auto equals = arg.find('=');
        if (equals == std::string::npos) {
            throw_usage_error(
                tool, fmt::format("argument {} must be of the form key...=value", go_quoted(arg)));
        }
        std::vector<std::string> parts;
        std::string key = arg.substr(0, equals);
        for (std::size_t start = 0;;) {
            const auto dot = key.find('.', start);
            parts.push_back(key.substr(start, dot == std::string::npos ? dot : dot - start));
            if (dot == std::string::npos) {
                break;
            }
            start = dot + 1;
        }
        for (const auto& part : parts) {
            if (!std::regex_match(part, kKeyRule)) {
                throw_usage_error(tool, fmt::format("key {} must start and end with lowercase "
                                                    "alphanumeric, and contain only lowercase "
                                                    "alphanumeric, hyphens and periods",
                                                    go_quoted(part)));
            }
            if (std::find(kReserved.begin(), kReserved.end(), part) != kReserved.end()) {
                throw_usage_error(
                    tool, fmt::format("cannot set reserved action key {}", go_quoted(part)));
            }
        }
        json* target = &results;
        for (std::size_t i = 0; i + 1 < parts.size(); ++i) {
            if (!(*target)[parts[i]].is_object()) {
                (*target)[parts[i]] = json::object();
            }
            target = &(*target)[parts[i]];
        }
        (*target)[parts.back()] = arg.substr(equals + 1);
    }
    return results;
}

std::string parse_port_range(std::string_view tool, const std::string& text) {
    std::string spec = text;
    std::transform(spec.begin(), spec.end(), spec.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    static const std::regex kPortRange(R"((\d+)(-(\d+))?(/(tcp|udp))?|icmp)");
    std::smatch match;
    if (!std::regex_match(spec, match, kPortRange)) {
        throw_usage_error(tool,
                          fmt::format("expected <port>[/<protocol>] or <from>-<to>[/<protocol>] "
                                      "or icmp; got {}",
                                      go_quoted(text)));
    }
    if (spec != "icmp" && !match[4].matched) {
        spec += "/tcp";
    }
    return spec;
}

bool is_valid_secret_key(std::string_view key) {
    static const std::regex kKeyPattern("[a-z](?:-?[a-z0-9]){2,}");
    return std::regex_match(key.begin(), key.end(), kKeyPattern);
}

SecretContent parse_secret_content(
    std::string_view tool, const std::vector<std::string>& args,
    const std::function<std::string(const std::string&)>& read_file) {
    static constexpr std::string_view kBase64Suffix = "#base64";
    static constexpr std::string_view kFileSuffix = "#file";
    SecretContent content;
    for (const auto& arg : args) {
        // Juju looks for the '=' with base64 padding trimmed off the end: "k=" and "k==" have
        // no value, and a key needs a character.
        const auto equals = util::trim_right(arg, "=").find('=');
        if (equals == std::string_view::npos || equals == 0) {
            throw_usage_error(tool, fmt::format("key value {} not valid", go_quoted(arg)));
        }
        std::string key = arg.substr(0, equals);
        std::string value = arg.substr(equals + 1);
        if (key.ends_with(kFileSuffix)) {
            key.resize(key.size() - kFileSuffix.size());
            value = read_file(value);
        } else if (key.ends_with(kBase64Suffix)) {
            key.resize(key.size() - kBase64Suffix.size());
            util::Base64Options options;
            options.ignore_newlines = true;  // Go's base64.StdEncoding
            auto decoded = util::decode_base64(value, options);
            if (!decoded) {
                throw_run_error(tool, "illegal base64 data");
            }
            value = std::move(decoded).value();
        }
        if (!is_valid_secret_key(key)) {
            throw_usage_error(tool, fmt::format("key {} not valid", go_quoted(key)));
        }
        content[key] = std::move(value);
    }
    return content;
}

std::vector<std::string> paths_read_by(std::string_view tool,
                                       const std::vector<std::string>& args) {
    std::vector<std::string> paths;
    const auto* spec = find_hook_tool(tool);
    if (spec == nullptr) {
        return paths;
    }
    try {
        const auto parsed = parse_tool_args(*spec, args);
        if (parsed.flags.is_set("file")) {
            paths.push_back(parsed.flags.get("file"));
        }
        if (spec->family == ToolFamily::Secret) {
            for (const auto& arg : parsed.args()) {
                const auto equals = arg.find('=');
                if (equals != std::string::npos &&
                    std::string_view(arg).substr(0, equals).ends_with("#file")) {
                    paths.push_back(arg.substr(equals + 1));
                }
            }
        }
    } catch (const HookToolError&) {
        paths.clear();
    }
    return paths;
}

std::string bare_secret_id(std::string_view id_or_uri) {
    const auto cut = id_or_uri.find_last_of(":/");
    return std::string(cut == std::string_view::npos ? id_or_uri : id_or_uri.substr(cut + 1));
}

}  // namespace slurmctld::juju
