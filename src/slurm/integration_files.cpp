#include <stdexcept>

#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/integration_files.hpp>

namespace slurmctld::slurm {

namespace {

/// `key=value` with the value as Slurm reads it back (quoted when `quoted`).
std::string line(std::string_view key, std::string_view value, bool quoted = false) {
    const auto formatted = format_slurm_value(value, quoted);
    if (!formatted) {
        throw std::invalid_argument("the value of `" + std::string(key) +
                                    "` cannot be written to a Slurm file");
    }
    return std::string(key) + "=" + *formatted + "\n";
}

/// A value upstream writes bare: refused when it would need quotes or escapes.
std::string bare_line(std::string_view key, std::string_view value) {
    std::string text = line(key, value);
    if (text != std::string(key) + "=" + std::string(value) + "\n") {
        throw std::invalid_argument("the value of `" + std::string(key) +
                                    "` holds a blank, '#' or '\\'");
    }
    return text;
}

}  // namespace

std::string apptainer_oci_conf(std::string_view executable) {
    const std::string exclude = "^(SLURM_CONF|SLURM_CONF_SERVER)=";
    return "ignorefileconfigjson=true\n" + line("envexclude", exclude, true) +
           line("runtimeenvexclude", exclude, true) +
           line("runtimerun",
                std::string(executable) + " exec --userns --bind " + std::string(kSlurmVarLib) +
                    " --bind " + std::string(kSlurmVarRun) + " %r %@",
                true) +
           line("runtimekill", "kill -s SIGTERM %p", true) +
           line("runtimedelete", "kill -s SIGKILL %p", true);
}

std::string influxdb_acct_gather_conf(const InfluxdbProfiling& profiling) {
    std::string interfaces;
    for (const auto& name : profiling.interfaces) {
        interfaces += (interfaces.empty() ? "" : ",") + name;
    }
    std::string text = "profileinfluxdbdefault=all\n";
    text += bare_line("profileinfluxdbhost", profiling.host);
    text += bare_line("profileinfluxdbuser", profiling.user);
    text += bare_line("profileinfluxdbpass", profiling.password);
    text += bare_line("profileinfluxdbdatabase", profiling.database);
    text += bare_line("profileinfluxdbrtpolicy", profiling.retention_policy);
    if (!interfaces.empty()) {
        text += bare_line("sysfsinterfaces", interfaces);
    }
    return text;
}

std::string influxdb_profiling_include(bool cgroups_usable) {
    return std::string(
               "acctgatherprofiletype=acct_gather_profile/influxdb\n"
               "acctgatherinterconnecttype=acct_gather_interconnect/sysfs\n"
               "accountingstoragetres=ic/sysfs\n"
               "acctgathernodefreq=30\n"
               "jobacctgatherfrequency=task=5,network=5\n"
               "jobacctgathertype=") +
           (cgroups_usable ? "jobacct_gather/cgroup" : "jobacct_gather/linux") + "\n";
}

}  // namespace slurmctld::slurm
