// oci-runtime, interface 1.0 (upstream aee39d4, c677926): the provider (e.g. apptainer) sends
// its runtime `type` and `executable_path`; the unit that writes /etc/slurm writes oci.conf
// for it, and removes it once no provider is related. slurmctld serves oci.conf to configless
// slurmd, whose slurmstepd runs containers with it.
#include <slurmctld/charm/integrations.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/slurm/integration_files.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;

void write_oci_conf(HookScope& scope, Outcome& outcome) {
    const auto& facts = scope.facts;
    if (!writes_configuration(facts, read_placement(scope.host)) ||
        facts.peers.cluster_name.empty()) {
        return;
    }
    std::optional<OciRuntimeInput> runtime;
    bool rejected = false;
    for (const auto& relation : scope.tools.relation_ids(kOciRuntimeEndpoint)) {
        const auto app = remote_app(scope, relation);
        if (!app) {
            continue;
        }
        auto checked = oci_runtime(*app, scope.tools.relation_get_app(relation, *app));
        if (!checked.has_value()) {
            log::error("{}", checked.error().describe());
            outcome.rejections.push_back(checked.error());
            rejected = true;
            continue;
        }
        if (!checked.value()) {
            continue;  // nothing sent yet
        }
        if (runtime && runtime->executable_path != checked.value()->executable_path) {
            Rejection second{"oci runtime from `" + *app + "`",
                             "another runtime is already configured (one oci.conf per cluster)"};
            log::error("{}", second.describe());
            outcome.rejections.push_back(std::move(second));
            continue;
        }
        runtime = checked.value();
    }
    const std::string path(kOciConf);
    if (runtime) {
        if (write_if_changed(scope.host, path,
                             slurm::apptainer_oci_conf(runtime->executable_path))) {
            log::info("oci.conf written for {} at {}", runtime->type, runtime->executable_path);
        }
    } else if (!rejected) {
        remove_if_present(scope.host, path);
    }
}

}  // namespace slurmctld::charm
