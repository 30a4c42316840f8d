#include <cerrno>
#include <cstdlib>
#include <regex>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <slurmctld/juju/hook_tool_table.hpp>
#include <slurmctld/juju/process_hook_tools.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/util/log.hpp>
#include <slurmctld/util/process.hpp>

namespace slurmctld::juju {

namespace {

using nlohmann::json;

/// Secret content in files: a fresh 0700 directory (mkdtemp) holding one 0600 file per key.
/// Everything is removed when the object goes, whether or not the tool succeeded.
class SecretFiles {
  public:
    SecretFiles(const std::filesystem::path& base, const SecretContent& content) {
        for (const auto& [key, value] : content) {
            if (!is_valid_secret_key(key)) {
                throw std::invalid_argument(fmt::format(
                    "secret key \"{}\" is not valid (lowercase letters, digits and '-', at least "
                    "3 characters, starting with a letter)",
                    key));
            }
        }
        std::string pattern = (base / "slurmctld-secret-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr) {
            throw std::system_error(errno, std::generic_category(),
                                    "cannot create a directory for secret content");
        }
        dir_ = pattern;
        for (const auto& [key, value] : content) {
            const auto path = dir_ / key;
            write_private_file(path, value);
            args_.push_back(key + "#file=" + path.string());
        }
    }
    ~SecretFiles() {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
    }
    SecretFiles(const SecretFiles&) = delete;
    SecretFiles& operator=(const SecretFiles&) = delete;

    const std::vector<std::string>& args() const { return args_; }

  private:
    static void write_private_file(const std::filesystem::path& path, const std::string& value) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            throw std::system_error(errno, std::generic_category(),
                                    "cannot create secret content file " + path.string());
        }
        std::size_t written = 0;
        while (written < value.size()) {
            const auto n = ::write(fd, value.data() + written, value.size() - written);
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0) {
                const int saved = errno;
                ::close(fd);
                throw std::system_error(saved, std::generic_category(),
                                        "cannot write secret content file " + path.string());
            }
            written += static_cast<std::size_t>(n);
        }
        if (::close(fd) != 0) {
            throw std::system_error(errno, std::generic_category(),
                                    "cannot write secret content file " + path.string());
        }
    }

    std::filesystem::path dir_;
    std::vector<std::string> args_;
};

std::filesystem::path default_temp_dir() {
    const char* tmpdir = std::getenv("TMPDIR");  // NOLINT(concurrency-mt-unsafe): read once
    return tmpdir != nullptr && *tmpdir != '\0' ? tmpdir : "/tmp";
}

/// A JSON map of strings; Go prints a nil map as null.
std::map<std::string, std::string> string_map(const json& value, const std::string& tool) {
    std::map<std::string, std::string> result;
    if (value.is_null()) {
        return result;
    }
    if (!value.is_object()) {
        throw HookToolError::bad_output(tool, "expected a JSON object, got " + value.dump());
    }
    for (const auto& [key, item] : value.items()) {
        if (!item.is_string()) {
            throw HookToolError::bad_output(tool,
                                            fmt::format("value of \"{}\" is not a string", key));
        }
        result.emplace(key, item.get<std::string>());
    }
    return result;
}

/// A JSON list of strings; Go prints a nil slice as null.
std::vector<std::string> string_list(const json& value, const std::string& tool) {
    std::vector<std::string> result;
    if (value.is_null()) {
        return result;
    }
    if (!value.is_array()) {
        throw HookToolError::bad_output(tool, "expected a JSON list, got " + value.dump());
    }
    for (const auto& item : value) {
        if (!item.is_string()) {
            throw HookToolError::bad_output(tool, "list item is not a string: " + item.dump());
        }
        result.push_back(item.get<std::string>());
    }
    return result;
}

std::string string_value(const json& value, const std::string& tool) {
    if (!value.is_string()) {
        throw HookToolError::bad_output(tool, "expected a JSON string, got " + value.dump());
    }
    return value.get<std::string>();
}

bool mentions_not_found(const std::string& stderr_text) {
    return stderr_text.find("not found") != std::string::npos;
}

/// key=value arguments (action-set, leader-set).
std::vector<std::string> key_value_args(const std::map<std::string, std::string>& values) {
    std::vector<std::string> args;
    args.reserve(values.size());
    for (const auto& [key, value] : values) {
        args.emplace_back(key).append("=").append(value);
    }
    return args;
}

/// The --file - payload: json.dumps(data) as ops writes it. Python's ", " and ": " separators
/// matter: Juju parses the payload as YAML, where '"a":"b"' is not safe for every parser.
std::string json_payload(const std::map<std::string, std::string>& changes) {
    codec::Value object = codec::Value::object();
    for (const auto& [key, value] : changes) {
        object[key] = value;
    }
    return codec::encode(object);
}

std::string port_spec(int port, std::string_view protocol) {
    return fmt::format("{}/{}", port, protocol);
}

/// The command line must be one Juju's table accepts: a mistake here would be a hook that fails
/// on a real controller only. Reported as a usage error (exit 2: retrying cannot help).
void check_against_table(const std::string& tool, const std::vector<std::string>& args) {
    const auto* spec = find_hook_tool(tool);
    if (spec == nullptr) {
        throw HookToolError(tool, kToolUsageError, "ERROR not a Juju hook tool\n");
    }
    parse_tool_args(*spec, args);
}

GoalState::Entry goal_entry(const json& value) {
    GoalState::Entry entry;
    entry.status = value.value("status", "");
    entry.since = value.value("since", "");
    return entry;
}

}  // namespace

ProcessHookTools::ProcessHookTools(ProcessHookToolsOptions options) : options_(std::move(options)) {
    if (options_.temp_dir.empty()) {
        options_.temp_dir = default_temp_dir();
    }
}

ProcessHookTools::Answer ProcessHookTools::run(const std::string& tool,
                                               const std::vector<std::string>& args,
                                               const std::optional<std::string>& stdin_data) {
    check_against_table(tool, args);
    std::vector<std::string> argv;
    argv.reserve(args.size() + 1);
    argv.push_back(options_.tool_dir.empty() ? tool : (options_.tool_dir / tool).string());
    argv.insert(argv.end(), args.begin(), args.end());
    // juju-log and action messages would only repeat themselves; other argv holds no secrets.
    if (tool != "juju-log" && !tool.starts_with("action-")) {
        util::log::debug("hook tool: {}", util::describe_command(argv));
    }

    util::ProcessOptions process_options;
    process_options.stdin_data = stdin_data;
    process_options.env = options_.env;
    process_options.timeout = options_.timeout;
    util::ProcessResult result;
    try {
        result = util::run_process(argv, process_options);
    } catch (const std::system_error& e) {
        throw HookToolError::not_run(tool, e.what());
    }
    if (result.timed_out) {
        // Exit 128+SIGKILL: retryable (dispatch exits 1 and Juju runs the hook again).
        throw HookToolError(
            tool, result.exit_code,
            fmt::format("ERROR no answer within {} ms, killed (the unit agent may "
                        "be stuck; the hook will be retried)\n",
                        options_.timeout.value_or(util::kDefaultProcessTimeout).count()));
    }
    return Answer{result.exit_code, std::move(result.stdout_text), std::move(result.stderr_text)};
}

std::string ProcessHookTools::call(const std::string& tool, const std::vector<std::string>& args,
                                   const std::optional<std::string>& stdin_data) {
    auto answer = run(tool, args, stdin_data);
    if (answer.exit_code != 0) {
        throw HookToolError(tool, answer.exit_code, std::move(answer.stderr_text));
    }
    return std::move(answer.stdout_text);
}

nlohmann::json ProcessHookTools::call_json(const std::string& tool,
                                           const std::vector<std::string>& args) {
    const auto text = call(tool, args);
    try {
        return json::parse(text);
    } catch (const json::parse_error& e) {
        throw HookToolError::bad_output(tool,
                                        fmt::format("cannot parse its JSON output: {}", e.what()));
    }
}

// ---- relations ---------------------------------------------------------------------------------

std::vector<RelationId> ProcessHookTools::relation_ids(std::string_view endpoint) {
    const auto ids = string_list(
        call_json("relation-ids", {std::string(endpoint), "--format=json"}), "relation-ids");
    std::vector<RelationId> relations;
    relations.reserve(ids.size());
    for (const auto& id : ids) {
        try {
            relations.push_back(RelationId::parse(id));
        } catch (const std::invalid_argument& e) {
            throw HookToolError::bad_output("relation-ids", e.what());
        }
    }
    return relations;
}

std::vector<std::string> ProcessHookTools::relation_list(const RelationId& relation) {
    return string_list(call_json("relation-list", {"--format=json", "-r", relation.str()}),
                       "relation-list");
}

std::string ProcessHookTools::relation_list_app(const RelationId& relation) {
    return string_value(
        call_json("relation-list", {"--format=json", "-r", relation.str(), "--app"}),
        "relation-list");
}

Databag ProcessHookTools::relation_get(const RelationId& relation, std::string_view unit) {
    return string_map(
        call_json("relation-get", {"--format=json", "-r", relation.str(), "-", std::string(unit)}),
        "relation-get");
}

Databag ProcessHookTools::relation_get_app(const RelationId& relation, std::string_view app) {
    return string_map(call_json("relation-get", {"--format=json", "-r", relation.str(), "--app",
                                                 "-", std::string(app)}),
                      "relation-get");
}

std::optional<std::string> ProcessHookTools::relation_get_key(const RelationId& relation,
                                                              std::string_view key,
                                                              std::string_view unit_or_app,
                                                              bool app) {
    std::vector<std::string> args{"--format=json", "-r", relation.str()};
    if (app) {
        args.emplace_back("--app");
    }
    args.emplace_back(key);
    args.emplace_back(unit_or_app);
    const auto value = call_json("relation-get", args);
    if (value.is_null()) {
        return std::nullopt;
    }
    return string_value(value, "relation-get");
}

void ProcessHookTools::relation_set(const RelationId& relation, const Databag& changes, bool app) {
    if (changes.empty()) {
        return;  // nothing to write: no process, no round trip
    }
    std::vector<std::string> args{"-r", relation.str()};
    if (app) {
        args.emplace_back("--app");
    }
    args.emplace_back("--file");
    args.emplace_back("-");
    // Byte for byte what ops sends (json.dumps(data)); Juju reads it as a YAML map.
    call("relation-set", args, json_payload(changes));
}

// ---- leadership, config ------------------------------------------------------------------------

bool ProcessHookTools::is_leader() {
    const auto value = call_json("is-leader", {"--format=json"});
    if (!value.is_boolean()) {
        throw HookToolError::bad_output("is-leader", "expected true or false, got " + value.dump());
    }
    return value.get<bool>();
}

Databag ProcessHookTools::leader_get() {
    return string_map(call_json("leader-get", {"--format=json"}), "leader-get");
}

void ProcessHookTools::leader_set(const Databag& changes) {
    if (changes.empty()) {
        return;  // leader-set with no arguments is a usage error
    }
    call("leader-set", key_value_args(changes));
}

nlohmann::json ProcessHookTools::config_get() {
    auto value = call_json("config-get", {"--format=json"});
    return value.is_null() ? json::object() : value;
}

// ---- status, logs ------------------------------------------------------------------------------

void ProcessHookTools::status_set(WorkloadState state, std::string_view message, bool application) {
    call("status-set", {application ? "--application=True" : "--application=False",
                        std::string(to_string(state)), "--", std::string(message)});
}

Status ProcessHookTools::status_get(bool application) {
    auto value =
        call_json("status-get", {"--include-data", "--format=json",
                                 application ? "--application=true" : "--application=false"});
    if (application) {
        // {"application-status":{"message":..,"status":..,"status-data":{},"units":{..}}}
        value = value.value("application-status", json::object());
    }
    if (!value.is_object()) {
        throw HookToolError::bad_output("status-get",
                                        "expected a JSON object, got " + value.dump());
    }
    return Status{value.value("status", ""), value.value("message", "")};
}

void ProcessHookTools::application_version_set(std::string_view version) {
    call("application-version-set", {"--", std::string(version)});
}

void ProcessHookTools::juju_log(LogLevel level, std::string_view message) {
    call("juju-log", {"--log-level", std::string(to_string(level)), "--", std::string(message)});
}

// ---- actions -----------------------------------------------------------------------------------

nlohmann::json ProcessHookTools::action_get() {
    auto value = call_json("action-get", {"--format=json"});
    return value.is_null() ? json::object() : value;
}

void ProcessHookTools::action_set(const std::map<std::string, std::string>& results) {
    if (results.empty()) {
        return;
    }
    call("action-set", key_value_args(results));
}

void ProcessHookTools::action_fail(std::string_view message) {
    call("action-fail", {"--", std::string(message)});
}

void ProcessHookTools::action_log(std::string_view message) {
    call("action-log", {"--", std::string(message)});
}

// ---- secrets -----------------------------------------------------------------------------------

std::string ProcessHookTools::secret_add(const SecretContent& content,
                                         const SecretAddOptions& options) {
    std::vector<std::string> args;
    if (!options.label.empty()) {
        args.insert(args.end(), {"--label", options.label});
    }
    if (!options.description.empty()) {
        args.insert(args.end(), {"--description", options.description});
    }
    args.insert(args.end(), {"--owner", options.owner});
    const SecretFiles files(options_.temp_dir, content);
    args.insert(args.end(), files.args().begin(), files.args().end());
    auto uri = call("secret-add", args);
    while (!uri.empty() && (uri.back() == '\n' || uri.back() == '\r' || uri.back() == ' ')) {
        uri.pop_back();
    }
    if (uri.empty()) {
        throw HookToolError::bad_output("secret-add", "printed no secret URI");
    }
    return uri;
}

std::optional<SecretContent> ProcessHookTools::secret_get(const SecretRef& secret,
                                                          const SecretGetOptions& options) {
    std::vector<std::string> args{"--format=json"};
    if (!secret.id.empty()) {
        args.push_back(secret.id);
    }
    if (!secret.label.empty()) {
        args.insert(args.end(), {"--label", secret.label});
    }
    if (options.refresh) {
        args.emplace_back("--refresh");
    }
    if (options.peek) {
        args.emplace_back("--peek");
    }
    auto answer = run("secret-get", args);
    if (answer.exit_code != 0) {
        if (mentions_not_found(answer.stderr_text)) {
            return std::nullopt;
        }
        throw HookToolError("secret-get", answer.exit_code, std::move(answer.stderr_text));
    }
    json value;
    try {
        value = json::parse(answer.stdout_text);
    } catch (const json::parse_error&) {
        // Never quote the output: it is secret content.
        throw HookToolError::bad_output("secret-get", "cannot parse its JSON output");
    }
    if (!value.is_null() && !value.is_object()) {
        throw HookToolError::bad_output("secret-get", "expected a JSON object");
    }
    SecretContent content;
    if (value.is_object()) {
        for (const auto& [key, item] : value.items()) {
            if (!item.is_string()) {
                throw HookToolError::bad_output(
                    "secret-get", fmt::format("value of \"{}\" is not a string", key));
            }
            content.emplace(key, item.get<std::string>());
        }
    }
    return content;
}

void ProcessHookTools::secret_set(std::string_view id, const SecretContent& content) {
    std::vector<std::string> args{"--owner", "application", std::string(id)};
    const SecretFiles files(options_.temp_dir, content);
    args.insert(args.end(), files.args().begin(), files.args().end());
    call("secret-set", args);
}

void ProcessHookTools::secret_grant(std::string_view id, const RelationId& relation,
                                    std::optional<std::string> unit) {
    std::vector<std::string> args{"--relation", std::to_string(relation.id)};
    if (unit) {
        args.insert(args.end(), {"--unit", *unit});
    }
    args.emplace_back(id);
    call("secret-grant", args);
}

void ProcessHookTools::secret_revoke(std::string_view id, const RelationId& relation,
                                     std::optional<std::string> unit) {
    std::vector<std::string> args{"--relation", std::to_string(relation.id)};
    if (unit) {
        args.insert(args.end(), {"--unit", *unit});
    }
    args.emplace_back(id);
    call("secret-revoke", args);
}

void ProcessHookTools::secret_remove(std::string_view id, std::optional<int> revision) {
    std::vector<std::string> args{std::string(id)};
    if (revision) {
        args.insert(args.end(), {"--revision", std::to_string(*revision)});
    }
    call("secret-remove", args);
}

std::optional<SecretInfo> ProcessHookTools::secret_info_get(const SecretRef& secret) {
    std::vector<std::string> args{"--format=json"};
    if (!secret.id.empty()) {
        args.push_back(secret.id);
    } else {
        args.insert(args.end(), {"--label", secret.label});
    }
    auto answer = run("secret-info-get", args);
    if (answer.exit_code != 0) {
        if (mentions_not_found(answer.stderr_text)) {
            return std::nullopt;
        }
        throw HookToolError("secret-info-get", answer.exit_code, std::move(answer.stderr_text));
    }
    json value;
    try {
        value = json::parse(answer.stdout_text);
    } catch (const json::parse_error& e) {
        throw HookToolError::bad_output("secret-info-get", e.what());
    }
    // {"<bare id>":{"revision":3,"label":"...","owner":"application",...}}
    if (!value.is_object() || value.size() != 1 || !value.begin()->is_object()) {
        throw HookToolError::bad_output("secret-info-get", "unexpected output: " + value.dump());
    }
    const auto& entry = *value.begin();
    SecretInfo info;
    info.id = value.begin().key();
    info.revision = entry.value("revision", 0);
    info.label = entry.value("label", "");
    info.owner = entry.value("owner", "");
    info.description = entry.value("description", "");
    return info;
}

std::vector<std::string> ProcessHookTools::secret_ids() {
    return string_list(call_json("secret-ids", {"--format=json"}), "secret-ids");
}

// ---- unit state --------------------------------------------------------------------------------

std::map<std::string, std::string> ProcessHookTools::state_get() {
    return string_map(call_json("state-get", {"--format=json"}), "state-get");
}

void ProcessHookTools::state_set(const std::map<std::string, std::string>& changes) {
    if (changes.empty()) {
        return;
    }
    call("state-set", {"--file", "-"}, json_payload(changes));
}

void ProcessHookTools::state_delete(std::string_view key) {
    call("state-delete", {std::string(key)});
}

// ---- model, network ----------------------------------------------------------------------------

GoalState ProcessHookTools::goal_state() {
    const auto value = call_json("goal-state", {"--format=json"});
    GoalState goal;
    if (value.is_null()) {
        return goal;
    }
    if (!value.is_object()) {
        throw HookToolError::bad_output("goal-state",
                                        "expected a JSON object, got " + value.dump());
    }
    const auto units = value.value("units", json::object());
    for (const auto& [unit, entry] : units.items()) {
        goal.units.emplace(unit, goal_entry(entry));
    }
    const auto relations = value.value("relations", json::object());
    for (const auto& [endpoint, members] : relations.items()) {
        auto& target = goal.relations[endpoint];
        for (const auto& [member, entry] : members.items()) {
            target.emplace(member, goal_entry(entry));
        }
    }
    return goal;
}

void ProcessHookTools::open_port(int port, std::string_view protocol) {
    call("open-port", {port_spec(port, protocol)});
}

void ProcessHookTools::close_port(int port, std::string_view protocol) {
    call("close-port", {port_spec(port, protocol)});
}

std::vector<std::string> ProcessHookTools::opened_ports() {
    return string_list(call_json("opened-ports", {"--format=json"}), "opened-ports");
}

std::string ProcessHookTools::unit_get(std::string_view setting) {
    return string_value(call_json("unit-get", {"--format=json", std::string(setting)}), "unit-get");
}

NetworkInfo ProcessHookTools::network_get(std::string_view binding) {
    const auto value = call_json("network-get", {"--format=json", std::string(binding)});
    NetworkInfo info;
    if (!value.is_object()) {
        throw HookToolError::bad_output("network-get",
                                        "expected a JSON object, got " + value.dump());
    }
    info.ingress_addresses = string_list(value.value("ingress-addresses", json()), "network-get");
    info.egress_subnets = string_list(value.value("egress-subnets", json()), "network-get");
    const auto binds = value.value("bind-addresses", json());
    if (binds.is_array()) {
        for (const auto& bind : binds) {
            const auto addresses = bind.value("addresses", json());
            if (!addresses.is_array()) {
                continue;
            }
            for (const auto& address : addresses) {
                // Juju >= 2.9 calls it "value"; older ones "address".
                auto text = address.value("value", "");
                if (text.empty()) {
                    text = address.value("address", "");
                }
                if (!text.empty()) {
                    info.bind_addresses.push_back(std::move(text));
                }
            }
        }
    }
    return info;
}

}  // namespace slurmctld::juju
