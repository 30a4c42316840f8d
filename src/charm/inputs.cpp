#include <algorithm>
#include <cctype>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/inputs.hpp>
#include <slurmctld/juju/context.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/auth_keys.hpp>
#include <slurmctld/slurm/names.hpp>
#include <slurmctld/slurm/partitions.hpp>

namespace slurmctld::charm {

namespace {

/// Relation values larger than this are refused before they are parsed: nothing the charm
/// reads is anywhere near it (a partition with a long node list is a few KiB).
constexpr std::size_t kMaxRelationValueBytes = std::size_t{64} * 1024;
constexpr std::size_t kMaxTokenBytes = 64;
constexpr std::size_t kMaxPemBytes = std::size_t{16} * 1024;

Rejection reject(std::string source, std::string reason) {
    return {std::move(source), std::move(reason)};
}

/// A JSON string value (ops' encoding), size-checked; the reason when it is not one.
Expected<std::string> json_string(std::string_view raw, bool tolerant) {
    if (raw.size() > kMaxRelationValueBytes) {
        return Failure{"is larger than 64 KiB"};
    }
    try {
        return tolerant ? juju::codec::decode_string_tolerant("value", raw)
                        : juju::codec::decode_string("value", raw);
    } catch (const std::exception&) {
        return Failure{"is not a JSON string"};
    }
}

/// UUIDs and other tokens the charm writes itself: letters, digits and '-'.
std::optional<std::string> token_problem(std::string_view value) {
    if (value.size() > kMaxTokenBytes) {
        return "is longer than 64 bytes";
    }
    const bool ok = std::all_of(value.begin(), value.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-';
    });
    return ok ? std::nullopt
              : std::optional<std::string>(
                    "holds characters other than letters, "
                    "digits and '-'");
}

}  // namespace

std::string Rejection::describe() const {
    return source + " rejected: " + reason;
}

Checked<std::string> peer_hostname(std::string_view unit, std::string_view raw) {
    const std::string source = "hostname of " + std::string(unit);
    auto value = json_string(raw, /*tolerant=*/true);
    if (!value.has_value()) {
        return reject(source, value.error().message);
    }
    if (const auto problem = slurm::short_host_name_problem(value.value())) {
        return reject(source, "`" + slurm::printable(value.value()) + "` " + *problem);
    }
    return std::move(value).value();
}

Checked<std::string> peer_takeover(std::string_view unit, std::string_view raw) {
    const std::string source = "takeover of " + std::string(unit);
    auto value = json_string(raw, /*tolerant=*/false);
    if (!value.has_value()) {
        return reject(source, value.error().message);
    }
    const auto& token = value.value();
    if (token.empty() || token.size() > 20 ||
        !std::all_of(token.begin(), token.end(), [](unsigned char c) { return std::isdigit(c); })) {
        return reject(source, "`" + slurm::printable(token) + "` is not a decimal number");
    }
    return std::move(value).value();
}

Checked<std::string> peer_address(std::string_view unit, const juju::Databag& data) {
    for (const char* key : {"ingress-address", "private-address"}) {
        const auto found = data.find(key);
        if (found == data.end() || found->second.empty()) {
            continue;
        }
        if (const auto problem = slurm::ip_address_problem(found->second)) {
            return reject("address of " + std::string(unit),
                          "`" + slurm::printable(found->second) + "` " + *problem);
        }
        return found->second;
    }
    return std::string();
}

PeerAppData peer_app_data(const juju::Databag& data, std::string_view app_name,
                          std::vector<Rejection>& rejections) {
    PeerAppData result;
    const auto read = [&](std::string_view key,
                          const std::function<std::optional<std::string>(std::string_view)>& check)
        -> std::string {
        const auto found = data.find(std::string(key));
        if (found == data.end() || found->second.empty()) {
            return {};
        }
        const std::string source = "peer data `" + std::string(key) + "`";
        auto value = json_string(found->second, /*tolerant=*/false);
        if (!value.has_value()) {
            rejections.push_back(reject(source, value.error().message));
            return {};
        }
        if (value.value().empty()) {
            return {};
        }
        if (const auto problem = check(value.value())) {
            rejections.push_back(reject(source, *problem));
            return {};
        }
        return std::move(value).value();
    };
    result.cluster_name = read(kPeerClusterNameKey, slurm::cluster_name_problem);
    result.restart_signal = read(kPeerRestartSignalKey, token_problem);
    result.statefs_id = read(kPeerStatefsIdKey, token_problem);
    result.controller_unit =
        read(kPeerControllerUnitKey, [&](std::string_view unit) -> std::optional<std::string> {
            if (!juju::is_unit_name(unit) || unit.substr(0, unit.find('/')) != app_name) {
                return "is not a unit of " + std::string(app_name);
            }
            return std::nullopt;
        });
    result.controller_form =
        read(kPeerControllerFormKey, [](std::string_view form) -> std::optional<std::string> {
            if (form != kControllerFormNames && form != kControllerFormAddresses) {
                return "is neither `names` nor `addresses`";
            }
            return std::nullopt;
        });
    if (const auto found = data.find(std::string(kPeerDepartedNodesKey));
        found != data.end() && !found->second.empty()) {
        const std::string source = "peer data `" + std::string(kPeerDepartedNodesKey) + "`";
        const auto parsed = nlohmann::json::parse(found->second, nullptr, false);
        if (!parsed.is_array()) {
            rejections.push_back(reject(source, "is not a JSON list"));
        } else {
            // Each becomes an scontrol argument: Slurm's node name rules, one by one.
            for (const auto& entry : parsed) {
                const auto* name = entry.get_ptr<const std::string*>();
                if (name == nullptr) {
                    rejections.push_back(reject(source, "has an entry that is not a string"));
                } else if (const auto problem = slurm::node_name_problem(*name)) {
                    rejections.push_back(
                        reject(source, "node `" + slurm::printable(*name) + "` " + *problem));
                } else {
                    result.departed_nodes.push_back(*name);
                }
            }
        }
    }
    return result;
}

Checked<PartitionInput> slurmd_partition(std::string_view app, std::string_view raw,
                                         const std::optional<slurm::SlurmVersion>& slurm) {
    const std::string source = "partition from `" + slurm::printable(app) + "`";
    // The record is built (and every field checked) here, so that a partition the files step
    // receives can always be written.
    auto record = slurm::partition_record_from_text(raw, slurm);
    if (!record.has_value()) {
        return reject(source, record.error().message);
    }
    std::string name = record.value().name();
    if (const auto problem = slurm::partition_name_problem(name)) {
        return reject(source, "name `" + slurm::printable(name) + "` " + *problem);
    }
    return PartitionInput{std::move(name), nlohmann::ordered_json::parse(raw)};
}

Checked<std::string> slurmdbd_hostname(std::string_view app, std::string_view raw) {
    const std::string source = "database host from `" + slurm::printable(app) + "`";
    auto value = json_string(raw, /*tolerant=*/false);
    if (!value.has_value()) {
        return reject(source, value.error().message);
    }
    if (const auto problem = slurm::host_or_address_problem(value.value())) {
        return reject(source, "`" + slurm::printable(value.value()) + "` " + *problem);
    }
    return std::move(value).value();
}

bool mount_reported(const juju::Databag& data) {
    const auto found = data.find("mounted");
    return found != data.end() && found->second == "true";
}

namespace {

/// A plain absolute path: letters, digits and `._+-/`, no empty, `.` or `..` component.
std::optional<std::string> absolute_path_problem(std::string_view path) {
    if (path.empty() || path.front() != '/') {
        return "is not an absolute path";
    }
    if (path.size() > 1024) {
        return "is longer than 1024 bytes";
    }
    const bool plain = std::all_of(path.begin(), path.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '+' || c == '-' || c == '/';
    });
    if (!plain) {
        return "holds characters other than letters, digits and `._+-/`";
    }
    std::size_t start = 1;
    while (start <= path.size()) {
        const auto end = std::min(path.find('/', start), path.size());
        const auto component = path.substr(start, end - start);
        if (component.empty() || component == "." || component == "..") {
            return "has an empty, `.` or `..` component";
        }
        start = end + 1;
    }
    return std::nullopt;
}

/// One line of printable text (a slurm-mail.conf value): no control characters, no leading or
/// trailing blank (configparser would strip it), at most `max_bytes`.
std::optional<std::string> config_line_problem(std::string_view value, std::size_t max_bytes) {
    if (value.size() > max_bytes) {
        return "is longer than " + std::to_string(max_bytes) + " bytes";
    }
    const bool printable = std::all_of(value.begin(), value.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte >= 0x20 && byte != 0x7f;
    });
    if (!printable) {
        return "holds a line break or another control character";
    }
    if (!value.empty() && (value.front() == ' ' || value.back() == ' ')) {
        return "starts or ends with a blank";
    }
    return std::nullopt;
}

std::optional<int> port_number(std::string_view text) {
    if (text.empty() || text.size() > 5 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return std::nullopt;
    }
    const int port = std::stoi(std::string(text));
    return port >= 1 && port <= 65535 ? std::optional<int>(port) : std::nullopt;
}

/// A Juju secret URI as a relation carries it: `secret:<id>` or `secret://<model>/<id>`.
bool is_secret_uri(std::string_view uri) {
    if (uri.size() > 128) {
        return false;
    }
    std::string_view rest;
    if (uri.rfind("secret://", 0) == 0) {
        rest = uri.substr(9);
    } else if (uri.rfind("secret:", 0) == 0) {
        rest = uri.substr(7);
    } else {
        return false;
    }
    return !rest.empty() && std::all_of(rest.begin(), rest.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '/';
    });
}

const std::string* find_value(const juju::Databag& data, const char* key) {
    const auto found = data.find(key);
    return found == data.end() || found->second.empty() ? nullptr : &found->second;
}

}  // namespace

Checked<std::optional<OciRuntimeInput>> oci_runtime(std::string_view app,
                                                    const juju::Databag& data) {
    const std::string source = "oci runtime from `" + slurm::printable(app) + "`";
    const auto* raw_type = find_value(data, "type");
    const auto* raw_path = find_value(data, "executable_path");
    if (raw_type == nullptr && raw_path == nullptr) {
        return std::optional<OciRuntimeInput>();
    }
    if (raw_type == nullptr || raw_path == nullptr) {
        return reject(source, "has no `type` or no `executable_path`");
    }
    auto type = json_string(*raw_type, /*tolerant=*/false);
    if (!type.has_value()) {
        return reject(source, "`type` " + type.error().message);
    }
    if (type.value() != "apptainer") {
        return reject(source, "runtime type `" + slurm::printable(type.value()) +
                                  "` is not supported (only apptainer)");
    }
    auto path = json_string(*raw_path, /*tolerant=*/false);
    if (!path.has_value()) {
        return reject(source, "`executable_path` " + path.error().message);
    }
    if (const auto problem = absolute_path_problem(path.value())) {
        return reject(source, "`executable_path` " + *problem);
    }
    return std::optional<OciRuntimeInput>(
        OciRuntimeInput{std::move(type).value(), std::move(path).value()});
}

Checked<std::optional<SmtpInput>> smtp_settings(std::string_view app, const juju::Databag& data) {
    const std::string source = "smtp settings from `" + slurm::printable(app) + "`";
    const auto* host = find_value(data, "host");
    const auto* port = find_value(data, "port");
    const auto* auth_type = find_value(data, "auth_type");
    const auto* security = find_value(data, "transport_security");
    if (host == nullptr && port == nullptr) {
        return std::optional<SmtpInput>();
    }
    if (host == nullptr || port == nullptr || auth_type == nullptr || security == nullptr) {
        return reject(source, "lack `host`, `port`, `auth_type` or `transport_security`");
    }
    SmtpInput input;
    if (const auto problem = slurm::host_or_address_problem(*host)) {
        return reject(source, "host `" + slurm::printable(*host) + "` " + *problem);
    }
    input.host = *host;
    const auto number = port_number(*port);
    if (!number) {
        return reject(source, "port `" + slurm::printable(*port) + "` is not 1-65535");
    }
    input.port = *number;
    if (*auth_type != "none" && *auth_type != "not_provided" && *auth_type != "plain") {
        return reject(source, "auth_type `" + slurm::printable(*auth_type) + "` is unknown");
    }
    input.auth_type = *auth_type;
    if (*security != "none" && *security != "starttls" && *security != "tls") {
        return reject(source,
                      "transport_security `" + slurm::printable(*security) + "` is unknown");
    }
    input.transport_security = *security;
    if (const auto* user = find_value(data, "user")) {
        if (const auto problem = config_line_problem(*user, 256)) {
            return reject(source, "user " + *problem);
        }
        input.user = *user;
    }
    if (const auto* id = find_value(data, "password_id")) {
        if (!is_secret_uri(*id)) {
            return reject(source, "password_id is not a secret URI");
        }
        input.password_id = *id;
    }
    return std::optional<SmtpInput>(std::move(input));
}

Checked<std::string> smtp_password(const juju::SecretContent& content) {
    const auto found = content.find("password");
    if (found == content.end()) {
        return reject("smtp password secret", "has no `password`");
    }
    if (const auto problem = config_line_problem(found->second, 1024)) {
        // The value is not quoted: it is a secret.
        return reject("smtp password secret", "`password` " + *problem);
    }
    return found->second;
}

Checked<std::optional<InfluxdbAdmin>> influxdb_admin(std::string_view unit,
                                                     const juju::Databag& data) {
    const std::string source = "influxdb data of " + slurm::printable(unit);
    const auto* host = find_value(data, "ingress-address");
    const auto* port = find_value(data, "port");
    const auto* user = find_value(data, "user");
    const auto* password = find_value(data, "password");
    if (host == nullptr || port == nullptr || user == nullptr || password == nullptr) {
        return std::optional<InfluxdbAdmin>();  // upstream: "admin connection info incomplete"
    }
    if (const auto problem = slurm::host_or_address_problem(*host)) {
        return reject(source, "ingress-address `" + slurm::printable(*host) + "` " + *problem);
    }
    const auto number = port_number(*port);
    if (!number) {
        return reject(source, "port `" + slurm::printable(*port) + "` is not 1-65535");
    }
    if (user->size() > 64 || !std::all_of(user->begin(), user->end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '_' || c == '-' || c == '.';
        })) {
        return reject(source, "user `" + slurm::printable(*user) + "` is not a plain name");
    }
    if (const auto problem = config_line_problem(*password, 1024)) {
        return reject(source, "password " + *problem);
    }
    return std::optional<InfluxdbAdmin>(InfluxdbAdmin{*host, *number, *user, *password});
}

Checked<std::string> departed_node_name(std::string_view unit) {
    const std::string source = "departed unit " + slurm::printable(unit);
    if (!juju::is_unit_name(unit)) {
        return reject(source, "is not a unit name");
    }
    std::string node(unit);
    std::replace(node.begin(), node.end(), '/', '-');
    if (const auto problem = slurm::node_name_problem(node)) {
        return reject(source, "node name `" + node + "` " + *problem);
    }
    return node;
}

Checked<AuthKeyContent> auth_key_content(const juju::SecretContent& content) {
    const std::string source = "secret `" + std::string(kAuthKeyLabel) + "`";
    const auto key = content.find("key");
    const auto keyid = content.find("keyid");
    if (key == content.end() || key->second.empty()) {
        return reject(source, "has no `key`");
    }
    if (keyid == content.end() || keyid->second.empty()) {
        return reject(source, "has no `keyid`");
    }
    if (const auto problem = token_problem(keyid->second)) {
        return reject(source, "`keyid` " + *problem);
    }
    if (key->second.size() > kMaxRelationValueBytes || !slurm::slurm_key_bytes(key->second)) {
        return reject(source, "`key` is not base64");
    }
    return AuthKeyContent{key->second, keyid->second};
}

Checked<std::string> jwt_key_content(const juju::SecretContent& content) {
    const std::string source = "secret `" + std::string(kJwtKeyLabel) + "`";
    const auto key = content.find("key");
    if (key == content.end() || key->second.empty()) {
        return reject(source, "has no `key`");
    }
    if (key->second.size() > kMaxPemBytes || key->second.rfind("-----BEGIN ", 0) != 0) {
        return reject(source, "`key` is not a PEM key");
    }
    return key->second;
}

Checked<std::string> statefs_identity(std::string_view text) {
    const std::string source = std::string(kHaStatefsIdFile);
    auto line = text.substr(0, text.find('\n'));
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) {
        line.remove_suffix(1);
    }
    if (line.empty()) {
        return std::string();
    }
    if (const auto problem = token_problem(line)) {
        return reject(source, "the identity " + *problem);
    }
    return std::string(line);
}

}  // namespace slurmctld::charm
