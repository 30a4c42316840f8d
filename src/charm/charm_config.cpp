#include <algorithm>

#include <slurmctld/charm/charm_config.hpp>
#include <slurmctld/slurm/config_options.hpp>
#include <slurmctld/slurm/names.hpp>

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

bool CharmConfig::option_valid(std::string_view option) const {
    return std::find(invalid_options.begin(), invalid_options.end(), option) ==
           invalid_options.end();
}

std::string CharmConfig::blocked_message() const {
    if (invalid_options.size() == 1 && charm_owned_key_status) {
        return *charm_owned_key_status;  // names the key an admin must take out
    }
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
    const auto check = [&result](const char* option, const std::string& value,
                                 const slurm::NameProblem& problem) {
        if (problem) {
            result.invalid_options.emplace_back(option);
            result.problems.push_back("Invalid " + std::string(option) + " `" +
                                      slurm::printable(value) + "`: " + *problem);
        }
    };
    result.cluster_name = string_option(config, "cluster-name");
    if (!result.cluster_name.empty()) {
        check("cluster-name", result.cluster_name,
              slurm::cluster_name_problem(result.cluster_name));
    }
    result.default_partition = string_option(config, "default-partition");
    if (!result.default_partition.empty()) {
        check("default-partition", result.default_partition,
              slurm::partition_name_problem(result.default_partition));
    }

    const auto network_state = config.find("use-network-state");
    result.use_network_state =
        network_state != config.end() && network_state->is_boolean() && network_state->get<bool>();

    const auto refuse = [&result](const slurm::ConfigOptionError& error) {
        result.invalid_options.push_back(error.option);
        result.problems.push_back(error.message);
        if (error.kind == slurm::ConfigOptionError::Kind::CharmOwned) {
            result.charm_owned_key_status = error.status();
        }
    };
    auto overrides =
        slurm::check_slurm_conf_parameters(string_option(config, "slurm-conf-parameters"), version);
    if (overrides.has_value()) {
        result.slurm_conf_overrides = std::move(overrides).value();
    } else {
        refuse(overrides.error());
    }
    auto cgroup =
        slurm::check_cgroup_parameters(string_option(config, "cgroup-parameters"), version);
    if (cgroup.has_value()) {
        result.cgroup_conf = std::move(cgroup).value();
    } else {
        refuse(cgroup.error());
    }
    result.email_from_name = string_option(config, "email-from-name", result.email_from_name);
    const bool printable_name =
        result.email_from_name.size() <= 128 &&
        std::all_of(result.email_from_name.begin(), result.email_from_name.end(),
                    [](char c) { return static_cast<unsigned char>(c) >= 0x20 && c != 0x7f; });
    check("email-from-name", result.email_from_name,
          printable_name ? std::nullopt
                         : slurm::NameProblem("holds a control character or is over 128 bytes"));
    return result;
}

}  // namespace slurmctld::charm
