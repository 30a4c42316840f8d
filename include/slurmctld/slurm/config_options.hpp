// The charm's Slurm config options, checked as upstream checks them (reference §1.2) but against
// the keys Slurm itself accepts (config_keys.hpp) rather than slurmutils' narrower model. The
// charm writes the results with upstream_file_text(): slurm.conf.overrides and cgroup.conf.
#pragma once

#include <optional>
#include <string_view>

#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/version.hpp>
#include <slurmctld/util/result.hpp>

namespace slurmctld::slurm {

/// `slurm-conf-parameters`: slurm.conf lines. Rejects a syntax error, a key Slurm does not know
/// (or that `version`'s Slurm does not know, when given), a record kind it does not know, a
/// single-valued key given twice, and a yes/no or 0/1 key with another value. When the lines set
/// SlurmctldParameters, `enable_configless` is added to it (configless slurmd and sackd need it).
/// The error message is upstream's: "Invalid slurm configuration override: <value>. Reason:\n
/// line 2: unrecognized configuration field `Foo`". An empty value gives an empty document.
Expected<ConfigDocument> parse_slurm_conf_parameters(
    std::string_view value, const std::optional<SlurmVersion>& version = std::nullopt);

/// `cgroup-parameters`: default_cgroup_conf() updated with the user's cgroup.conf lines (their
/// keys replace the defaults in place, new keys follow). Checked like the slurm.conf option;
/// error "Invalid cgroup configuration: <value>. Reason:\n<reason>".
Expected<ConfigDocument> parse_cgroup_parameters(
    std::string_view value, const std::optional<SlurmVersion>& version = std::nullopt);

}  // namespace slurmctld::slurm
