#include <algorithm>

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
constexpr std::size_t kMaxRelationValueBytes = 64 * 1024;
constexpr std::size_t kMaxTokenBytes = 64;
constexpr std::size_t kMaxPemBytes = 16 * 1024;

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
