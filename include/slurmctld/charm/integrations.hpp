// The integrations beyond the Slurm services: oci-runtime, influxdb (job profiling), smtp
// (job e-mail through slurm-mail), cos-agent (metrics, alerts, dashboards) and the departure of
// slurmd units. Each is a level-triggered step over the relation as it is now, like the rest of
// the reconcile: what the relation provides is written, what it no longer provides is removed,
// whatever event brought the unit here. Remote data passes inputs.hpp first.
//
//   configure_integrations:  after the configuration files, before the service step (files the
//                            controller reads are applied by content, applied_config.hpp)
//   after_controller_runs:   with the controller serving (node deletion, cos-agent data)
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <slurmctld/charm/reconcile.hpp>

namespace slurmctld::charm {

inline constexpr std::string_view kOciRuntimeEndpoint = "oci-runtime";
inline constexpr std::string_view kInfluxdbEndpoint = "influxdb";
inline constexpr std::string_view kSmtpEndpoint = "smtp";
inline constexpr std::string_view kCosAgentEndpoint = "cos-agent";

inline constexpr std::string_view kOciConf = "/etc/slurm/oci.conf";
inline constexpr std::string_view kAcctGatherConf = "/etc/slurm/acct_gather.conf";
inline constexpr std::string_view kSlurmMailConf = "/etc/slurm-mail/slurm-mail.conf";
inline constexpr std::string_view kSlurmMailProg = "/usr/bin/slurm-spool-mail";
inline constexpr std::string_view kSlurmMailPackage = "slurm-mail";

/// Runs every integration step that writes files (writer unit) or machine state (every unit).
void configure_integrations(HookScope& scope, Outcome& outcome);
/// Runs the steps that need the controller serving: departed nodes (leader), cos-agent data.
void after_controller_runs(HookScope& scope, Outcome& outcome);

// ---- the steps (one file each under src/charm/integrations) -------------------------------------

/// oci.cpp: /etc/slurm/oci.conf from the oci-runtime provider; removed when it goes.
void write_oci_conf(HookScope& scope, Outcome& outcome);
/// profiling.cpp: the InfluxDB user and database (leader), acct_gather.conf and
/// slurm.conf.profiling with its include while influxdb and accounting are both there.
void configure_profiling(HookScope& scope, Outcome& outcome);
/// mail.cpp: slurm-mail installed and configured on every unit, MailProg in slurm.conf.
void configure_mail(HookScope& scope, Outcome& outcome);
/// nodes.cpp: notes the node of a slurmd unit departing in this hook (leader), then
/// `scontrol delete nodename=<node>` for each noted node once the controller serves.
void note_departed_node(HookScope& scope, Outcome& outcome);
void delete_departed_nodes(HookScope& scope, Outcome& outcome);
/// cos.cpp: the cos-agent unit data and the exporter of the charm's own measurements.
void publish_cos_agent(HookScope& scope, Outcome& outcome);

// ---- shared with config_files.cpp ---------------------------------------------------------------

/// The remote application on `relation`: the event's when it is this relation, else Juju's.
std::optional<std::string> remote_app(HookScope& scope, const juju::RelationId& relation);
/// Writes `text` with `attributes` unless the file already holds it, with them. Returns
/// whether it wrote.
bool write_if_changed(host::Host& host, const std::string& path, const std::string& text,
                      const host::FileAttributes& attributes = {"slurm", "slurm", 0644});
/// Removes a file when it exists. Returns whether it did.
bool remove_if_present(host::Host& host, const std::string& path);
/// The operating system (/etc/os-release ID and VERSION_ID, e.g. {"debian", "13"}).
struct Platform {
    std::string id;
    std::string version_id;
    std::string codename;
    std::string describe() const;  ///< "Debian 13", "Ubuntu 24.04"
};
Platform read_platform(host::Host& host);
/// install.cpp: on Ubuntu, the Ubuntu HPC team's PPA `ppa` ("slurm-wlm-25.11", "slurm-mail") as
/// an apt source (key inline); false (nothing done) on another platform.
bool add_ubuntu_hpc_ppa(host::Host& host, std::string_view ppa);
inline constexpr std::string_view kUbuntuHpcSlurmPpa = "slurm-wlm-25.11";
inline constexpr std::string_view kUbuntuHpcSlurmMailPpa = "slurm-mail";

}  // namespace slurmctld::charm
