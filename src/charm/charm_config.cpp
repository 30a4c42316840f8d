#include <slurmctld/charm/charm_config.hpp>
#include <slurmctld/slurm/config_options.hpp>

namespace slurmctld::charm {

namespace {

std::string string_option(const nlohmann::json& config, const char* name,
                          const std::string& fallback = "") {
    const auto found = config.find(name);
    if (found == config.end() || !found->is_string()) {
        return fallback;
    }
    return found->get<std::string>();
}

}  // namespace

std::string CharmConfig::blocked_message() const {
    std::string names;
    for (const auto& option : invalid_options) {
        if (!names.empty()) {
            names += ", ";
        }
        names += "'" + option + "'";
    }
    return "Configuration option(s) " + names +
           " failed validation. See `juju debug-log` for details";
}

CharmConfig CharmConfig::from_json(const nlohmann::json& config,
                                   const std::optional<slurm::SlurmVersion>& version) {
    CharmConfig result;
    result.cluster_name = string_option(config, "cluster-name");
    result.default_partition = string_option(config, "default-partition");
    result.email_from_name = string_option(config, "email-from-name", result.email_from_name);
    const auto network_state = config.find("use-network-state");
    result.use_network_state =
        network_state != config.end() && network_state->is_boolean() && network_state->get<bool>();

    auto overrides =
        slurm::parse_slurm_conf_parameters(string_option(config, "slurm-conf-parameters"), version);
    if (overrides.has_value()) {
        result.slurm_conf_overrides = std::move(overrides).value();
    } else {
        result.invalid_options.emplace_back("slurm-conf-parameters");
        result.problems.push_back(overrides.error().message);
    }
    auto cgroup =
        slurm::parse_cgroup_parameters(string_option(config, "cgroup-parameters"), version);
    if (cgroup.has_value()) {
        result.cgroup_conf = std::move(cgroup).value();
    } else {
        result.invalid_options.emplace_back("cgroup-parameters");
        result.problems.push_back(cgroup.error().message);
    }
    return result;
}

}  // namespace slurmctld::charm
