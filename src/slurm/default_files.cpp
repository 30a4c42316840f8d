#include <array>
#include <utility>

#include <slurmctld/slurm/default_files.hpp>

namespace slurmctld::slurm {

ConfigDocument default_slurm_conf(const DefaultSlurmConf& options) {
    // Upstream's order of assignment (charm.py _on_start), which is slurmutils' output order.
    const bool munge = options.auth == AuthSetup::Munge;
    ConfigDocument conf(ConfigDialect::SlurmConf);
    conf.set("clustername", options.cluster_name);
    conf.set_all("slurmctldhost", options.controllers);
    conf.set("authaltparameters", "jwt_key=" + std::string(kJwtKeyPath));
    conf.set("authalttypes", "auth/jwt");
    conf.set("authtype", munge ? "auth/munge" : "auth/slurm");
    conf.set("credtype", munge ? "cred/munge" : "cred/slurm");
    conf.set("grestypes", "gpu");
    conf.set("maxnodecount", "65533");
    if (options.openmetrics) {
        conf.set("metricstype", "metrics/openmetrics");
    }
    conf.set("plugindir", options.plugin_dir);
    conf.set("plugstackconfig", "/etc/slurm/plugstack.conf.d/plugstack.conf");
    conf.set("proctracktype", options.cgroups_usable ? "proctrack/cgroup" : "proctrack/linuxproc");
    conf.set("rebootprogram", "/usr/sbin/reboot --reboot");
    conf.set("selecttype", "select/cons_tres");
    conf.set("selecttypeparameters", "cr_cpu_memory");
    conf.set("slurmctldparameters", "enable_configless");
    conf.set("slurmctldport", "6817");
    conf.set("slurmdport", "6818");
    conf.set("statesavelocation", options.state_save_location);
    conf.set("slurmdspooldir", "/var/lib/slurm/slurmd");
    conf.set("slurmctldlogfile", "/var/log/slurm/slurmctld.log");
    conf.set("slurmdlogfile", "/var/log/slurm/slurmd.log");
    conf.set("slurmdpidfile", "/var/run/slurmd.pid");
    conf.set("slurmctldpidfile", "/var/run/slurmctld.pid");
    conf.set("slurmuser", "slurm");
    conf.set("slurmduser", "root");
    conf.set("taskplugin", options.cgroups_usable ? "task/cgroup,task/affinity" : "task/affinity");
    conf.set_includes({std::string(kAccountingInclude), std::string(kProfilingInclude),
                       std::string(kOverridesInclude)});
    return conf;
}

std::optional<std::string> plugin_dir_for(std::string_view architecture) {
    // Debian architecture or kernel machine name -> multiarch triplet.
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 10> kTriplets{{
        {"amd64", "x86_64-linux-gnu"},
        {"x86_64", "x86_64-linux-gnu"},
        {"arm64", "aarch64-linux-gnu"},
        {"aarch64", "aarch64-linux-gnu"},
        {"ppc64el", "powerpc64le-linux-gnu"},
        {"ppc64le", "powerpc64le-linux-gnu"},
        {"s390x", "s390x-linux-gnu"},
        {"riscv64", "riscv64-linux-gnu"},
        {"armhf", "arm-linux-gnueabihf"},
        {"i386", "i386-linux-gnu"},
    }};
    for (const auto& [name, triplet] : kTriplets) {
        if (name == architecture) {
            return "/usr/lib/" + std::string(triplet) + "/slurm-wlm";
        }
    }
    return std::nullopt;
}

ConfigDocument default_gres_conf(bool autodetect_nvidia) {
    ConfigDocument gres(ConfigDialect::GresConf);
    gres.set("autodetect", autodetect_nvidia ? "nvidia" : "off");
    return gres;
}

ConfigDocument default_cgroup_conf() {
    ConfigDocument cgroup(ConfigDialect::CgroupConf);
    for (const char* key : {"constraincores", "constraindevices", "constrainramspace",
                            "constrainswapspace", "signalchildrenprocesses"}) {
        cgroup.set(key, "yes");
    }
    return cgroup;
}

}  // namespace slurmctld::slurm
