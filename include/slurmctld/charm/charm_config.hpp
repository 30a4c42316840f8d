// The charm's config options (config.yaml), read once per hook and checked as upstream checks
// them (upstream.md §1.2), and more strictly where a value could break a file: names follow
// Slurm's rules (slurm/names.hpp). An invalid option blocks the unit (the status names it); the
// file it feeds is left as it is, and the rest of the hook goes on.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/version.hpp>

namespace slurmctld::charm {

struct CharmConfig {
    std::string cluster_name;
    std::string default_partition;
    std::string email_from_name = "Charmed HPC Admin";
    bool use_network_state = false;
    /// `slurm-conf-parameters`, validated (enable_configless kept on).
    slurm::ConfigDocument slurm_conf_overrides;
    /// `cgroup-parameters` merged over the charm's cgroup.conf defaults.
    slurm::ConfigDocument cgroup_conf{slurm::ConfigDialect::CgroupConf};

    /// Names of the options that failed validation, in config order (empty: all valid), and
    /// the reasons to log (they quote the values, which are not secret).
    std::vector<std::string> invalid_options;
    std::vector<std::string> problems;
    /// "Configuration option 'slurm-conf-parameters' sets `StateSaveLocation`, which the charm
    /// manages", when that is what is wrong.
    std::optional<std::string> charm_owned_key_status;

    bool valid() const { return invalid_options.empty(); }
    bool option_valid(std::string_view option) const;
    bool cluster_name_valid() const { return option_valid("cluster-name"); }
    bool slurm_conf_parameters_valid() const { return option_valid("slurm-conf-parameters"); }
    bool cgroup_valid() const { return option_valid("cgroup-parameters"); }
    /// "Configuration option(s) 'a', 'b' failed validation. See `juju debug-log` for details"
    /// (upstream's), or the charm-owned key's own line when that is the only problem.
    std::string blocked_message() const;

    /// Reads config-get's answer. `version` (the installed Slurm) narrows the known keys.
    static CharmConfig from_json(const nlohmann::json& config,
                                 const std::optional<slurm::SlurmVersion>& version);
};

}  // namespace slurmctld::charm
