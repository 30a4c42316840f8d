#include <algorithm>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/host/mounts.hpp>
#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/names.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;

Placement read_placement(host::Host& host) {
    Placement placement;
    placement.mounted = host::is_mount_point(host, std::string(kHaMountPoint));
    const auto target = host.read_symlink(std::string(kEtcSlurm));
    placement.etc_shared = target && *target == std::string(kHaEtcSlurm);
    placement.local_config =
        !target && host.status(std::string(kSlurmConf)).type == host::FileType::Regular;
    return placement;
}

std::string controller_unit(const Facts& facts) {
    const auto& recorded = facts.peers.controller_unit;
    if (!recorded.empty() && facts.peers.member(recorded) != nullptr) {
        return recorded;
    }
    if (!recorded.empty() && !facts.peers.relation) {
        return recorded;  // no peer view yet (install): trust the record
    }
    return facts.leader ? facts.unit() : std::string();
}

bool writes_configuration(const Facts& facts, const Placement& placement) {
    if (placement.etc_shared) {
        return placement.mounted && facts.leader;
    }
    if (facts.config.use_network_state || controller_unit(facts) != facts.unit()) {
        return false;
    }
    // With the mount integration on its way, a controller already serving from local disk keeps
    // its files current until it moves; nothing new starts on local state.
    return !facts.mount_related || placement.local_config;
}

bool may_run_controller(const Facts& facts, const Placement& placement) {
    if (placement.etc_shared) {
        return placement.mounted;
    }
    return !facts.config.use_network_state && controller_unit(facts) == facts.unit() &&
           placement.local_config;
}

bool seeds_shared_fs(const Facts& facts) {
    const auto unit = controller_unit(facts);
    return unit.empty() ? facts.leader : unit == facts.unit();
}

std::optional<slurm::ConfigDocument> read_slurm_conf(host::Host& host) {
    const auto text = host.read_file(std::string(kSlurmConf));
    if (!text) {
        return std::nullopt;
    }
    auto document = slurm::ConfigDocument::parse_remembered(*text, slurm::ConfigDialect::SlurmConf);
    if (!document.has_value()) {
        log::warning("cannot parse {}: {}", kSlurmConf, document.error().describe());
        return std::nullopt;
    }
    return std::move(document).value();
}

std::vector<std::string> configured_controller_entries(host::Host& host) {
    std::vector<std::string> entries;
    const auto document = read_slurm_conf(host);
    if (!document) {
        return entries;
    }
    for (const auto& text : document->get_all("SlurmctldHost")) {
        const auto entry = parse_controller_entry(text);
        if (const auto problem = slurm::host_name_problem(entry.host)) {
            log::warning("ignoring SlurmctldHost `{}`: {}", slurm::printable(text), *problem);
            continue;
        }
        entries.push_back(entry.str());
    }
    return entries;
}

std::vector<std::string> configured_controllers(host::Host& host) {
    std::vector<std::string> names;
    for (const auto& entry : configured_controller_entries(host)) {
        names.push_back(parse_controller_entry(entry).host);
    }
    return names;
}

}  // namespace slurmctld::charm
