// The files the leader writes when they do not exist yet, byte for byte as upstream writes them
// (upstream.md §5.2): slurm.conf, gres.conf, cgroup.conf.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/version.hpp>

namespace slurmctld::slurm {

/// Includes of the default slurm.conf, in their order; each must exist for slurmctld to start.
inline constexpr std::string_view kAccountingInclude = "slurm.conf.accounting";
inline constexpr std::string_view kProfilingInclude = "slurm.conf.profiling";
inline constexpr std::string_view kOverridesInclude = "slurm.conf.overrides";

inline constexpr std::string_view kJwtKeyPath = "/etc/slurm/jwt_hs256.key";
inline constexpr std::string_view kLocalStateSaveLocation = "/var/lib/slurm/checkpoint";
inline constexpr std::string_view kAmd64PluginDir = "/usr/lib/x86_64-linux-gnu/slurm-wlm";

/// What varies in the default slurm.conf.
struct DefaultSlurmConf {
    std::string cluster_name;
    std::vector<std::string> controllers;   ///< SlurmctldHost lines, in failover order
    AuthSetup auth = AuthSetup::SlurmJwks;  ///< auth/slurm (jwks or slurm.key), or auth/munge
    /// False inside a container: proctrack/linuxproc and task/affinity only, as upstream does.
    bool cgroups_usable = true;
    /// MetricsType=metrics/openmetrics after MaxNodeCount, as upstream (slurmutils 1.2.0) writes
    /// it. Only for Slurm >= 25.11 (supports_metrics_type): older slurmctld rejects the key.
    bool openmetrics = true;
    std::string plugin_dir = std::string(kAmd64PluginDir);
    std::string state_save_location = std::string(kLocalStateSaveLocation);
};

/// The default slurm.conf (upstream.md §5.2) as a document; render() gives the file. With
/// upstream's values (auth/slurm, cgroups, 25.11) the text is upstream's byte for byte.
ConfigDocument default_slurm_conf(const DefaultSlurmConf& options);

/// Slurm's plugin directory for a Debian architecture or `uname -m` machine ("amd64" or
/// "x86_64" -> /usr/lib/x86_64-linux-gnu/slurm-wlm); nullopt for one we do not know.
std::optional<std::string> plugin_dir_for(std::string_view architecture);

/// gres.conf: `autodetect=nvidia` (upstream's); `autodetect=off` for a Slurm without that value
/// (supports_autodetect_nvidia), whose other detectors need a GPU vendor's library.
ConfigDocument default_gres_conf(bool autodetect_nvidia = true);

/// cgroup.conf before the user's `cgroup-parameters`: ConstrainCores, ConstrainDevices,
/// ConstrainRAMSpace, ConstrainSwapSpace, SignalChildrenProcesses, all yes (upstream.md §1.2).
ConfigDocument default_cgroup_conf();

}  // namespace slurmctld::slurm
