#include <nlohmann/json.hpp>

#include <slurmctld/charm/applied_config.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/util/digest.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;

std::string configuration_digest(host::Host& host) {
    const std::string etc(kEtcSlurm);
    if (host.status(std::string(kSlurmConf)).type == host::FileType::Missing) {
        return {};
    }
    util::Sha256 digest;
    for (const auto& name : host.list_directory(etc)) {
        if (name.empty() || name.front() == '.' || name.ends_with(".snapshot")) {
            continue;  // temp files of atomic writes; upstream's saved copies
        }
        const std::string path = etc + "/" + name;
        if (host.status(path).type != host::FileType::Regular) {
            continue;
        }
        digest.add_field(name).add_field(host.read_file(path).value_or(""));
    }
    return digest.hex();
}

std::optional<AppliedConfig> read_applied_config(host::Host& host) {
    const auto text = host.read_file(std::string(kAppliedConfigRecord));
    if (!text) {
        return std::nullopt;
    }
    try {
        const auto json = nlohmann::json::parse(*text);
        return AppliedConfig{json.at("digest").get<std::string>(),
                             json.at("controllers").get<std::vector<std::string>>()};
    } catch (const nlohmann::json::exception& error) {
        log::warning("ignoring {}: {}", kAppliedConfigRecord, error.what());
        return std::nullopt;
    }
}

void record_applied_config(host::Host& host, const AppliedConfig& applied) {
    const nlohmann::json json{{"digest", applied.digest}, {"controllers", applied.controllers}};
    host.make_directories(std::string(kCharmRunDir), {"root", "root", 0755});
    host.write_file(std::string(kAppliedConfigRecord), json.dump() + "\n", {"root", "root", 0600});
}

}  // namespace slurmctld::charm
