// What the upstream (Python) slurmctld charm leaves on a single unit, recorded from its code
// paths (upstream.md §2.1, §5.2): shared by the refresh charm test and the
// upstream-slurmctld test charm that replays it in jujusim.
#pragma once

#include <string>

namespace test_charms {

inline constexpr const char* kUpstreamClusterName = "charmed-hpc-Ab3d";
inline constexpr const char* kUpstreamRestartSignal = "0b0f5a4e-6c1d-4f0e-9a53-3c2f0a1f9d2e";

/// slurm.conf as upstream's start handler and slurmd_ready leave it in a container
/// (slurmutils 1.2.0's rendering), after a `compute` partition. `metrics`: the
/// `metricstype=metrics/openmetrics` line upstream writes for Slurm 25.11 (24.11 refuses it).
inline std::string upstream_slurm_conf(const std::string& hostname, bool metrics) {
    return "clustername=" + std::string(kUpstreamClusterName) + "\nslurmctldhost=" + hostname +
           "\n"
           "authaltparameters=jwt_key=/etc/slurm/jwt_hs256.key\n"
           "authalttypes=auth/jwt\n"
           "authtype=auth/slurm\n"
           "credtype=cred/slurm\n"
           "grestypes=gpu\n"
           "maxnodecount=65533\n" +
           std::string(metrics ? "metricstype=metrics/openmetrics\n" : "") +
           "plugindir=/usr/lib/x86_64-linux-gnu/slurm-wlm\n"
           "plugstackconfig=/etc/slurm/plugstack.conf.d/plugstack.conf\n"
           "proctracktype=proctrack/linuxproc\n"
           "rebootprogram=\"/usr/sbin/reboot --reboot\"\n"
           "selecttype=select/cons_tres\n"
           "selecttypeparameters=cr_cpu_memory\n"
           "slurmctldparameters=enable_configless\n"
           "slurmctldport=6817\n"
           "slurmdport=6818\n"
           "statesavelocation=/var/lib/slurm/checkpoint\n"
           "slurmdspooldir=/var/lib/slurm/slurmd\n"
           "slurmctldlogfile=/var/log/slurm/slurmctld.log\n"
           "slurmdlogfile=/var/log/slurm/slurmd.log\n"
           "slurmdpidfile=/var/run/slurmd.pid\n"
           "slurmctldpidfile=/var/run/slurmctld.pid\n"
           "slurmuser=slurm\n"
           "slurmduser=root\n"
           "taskplugin=task/affinity\n"
           "include slurm.conf.compute\n"
           "include slurm.conf.accounting\n"
           "include slurm.conf.profiling\n"
           "include slurm.conf.overrides\n";
}

/// slurm.conf.compute for the partition of slurmd application `app` (`is_default`: it is
/// upstream's `default-partition`).
inline std::string upstream_partition_include(const std::string& app, bool is_default) {
    return "nodeset=" + app + " feature=" + app + "\npartitionname=" + app + " nodes=" + app +
           (is_default ? " default=True\n" : "\n");
}

}  // namespace test_charms
