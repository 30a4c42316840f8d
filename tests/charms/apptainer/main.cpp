// Test stand-in for the apptainer charm (OCIRuntimeProvider): the leader writes OCIRuntimeData
// (`type`, `executable_path`) with ops' JSON encoding whenever it differs from its config.
#include <slurmctld/juju/relation_codec.hpp>

#include "common/client_charm.hpp"

namespace {

namespace juju = slurmctld::juju;

juju::Status reconcile(const juju::HookContext& context, juju::HookTools& tools,
                       slurmctld::host::Host&) {
    const auto integration = test_charms::find_integration(tools, "slurmctld");
    if (!integration) {
        return {"blocked", "Waiting for integrations: [`slurmctld`]"};
    }
    if (tools.is_leader()) {
        const auto config = tools.config_get();
        const juju::Databag wanted{
            {"executable_path",
             juju::codec::encode(config.value("executable-path", "/usr/bin/apptainer"))},
            {"type", juju::codec::encode(config.value("runtime-type", "apptainer"))}};
        const auto mine = tools.relation_get_app(integration->relation, context.app_name);
        if (mine.count("type") == 0 || mine.at("type") != wanted.at("type") ||
            mine.count("executable_path") == 0 ||
            mine.at("executable_path") != wanted.at("executable_path")) {
            tools.relation_set(integration->relation, wanted, /*app=*/true);
        }
    }
    return {"active", ""};
}

}  // namespace

int main(int argc, char** argv) {
    return test_charms::run_charm(argc, argv, reconcile);
}
