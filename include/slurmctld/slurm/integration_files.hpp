// Files of the integrations, byte for byte as upstream's slurmutils dumps them (keys lower-case,
// in upstream's assignment order, QuoteCallback fields in double quotes, one trailing newline):
// oci.conf (oci-runtime), acct_gather.conf and slurm.conf.profiling (influxdb).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace slurmctld::slurm {

/// Where the controller's state and runtime files are (bound into containers by RunTimeRun).
inline constexpr std::string_view kSlurmVarLib = "/var/lib/slurm";
inline constexpr std::string_view kSlurmVarRun = "/var/run/slurm";

/// oci.conf for Apptainer (upstream c677926): IgnoreFileConfigJson, EnvExclude and
/// RunTimeEnvExclude of SLURM_CONF and SLURM_CONF_SERVER, RunTimeRun `<executable> exec --userns
/// --bind /var/lib/slurm --bind /var/run/slurm %r %@`, RunTimeKill and RunTimeDelete by signal.
/// `executable` must be a plain absolute path (inputs.hpp checks it).
std::string apptainer_oci_conf(std::string_view executable);

/// The InfluxDB profiling settings of acct_gather.conf.
struct InfluxdbProfiling {
    std::string host;  ///< "<host>:<port>"
    std::string user;
    std::string password;
    std::string database;
    std::string retention_policy;
    std::vector<std::string> interfaces;  ///< SysfsInterfaces: the machine's network interfaces
};
/// acct_gather.conf: ProfileInfluxDBDefault=all, Host, User, Pass, Database, RTPolicy,
/// SysfsInterfaces, in upstream's order. Throws std::invalid_argument for a value no line can
/// hold (a blank, a '#', a line break).
std::string influxdb_acct_gather_conf(const InfluxdbProfiling& profiling);

/// slurm.conf.profiling while profiling is on: the influxdb profile plugin, sysfs interconnect
/// accounting, and jobacct_gather/cgroup (jobacct_gather/linux without cgroups of its own).
std::string influxdb_profiling_include(bool cgroups_usable);

}  // namespace slurmctld::slurm
