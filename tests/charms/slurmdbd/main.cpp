// Test stand-in for the slurmdbd charm's integration data: the leader sends its short hostname
// once slurmctld has sent the key secrets (upstream sends it after slurmdbd is configured).
#include <slurmctld/juju/relation_codec.hpp>

#include "common/client_charm.hpp"

namespace {

namespace juju = slurmctld::juju;

juju::Status reconcile(const juju::HookContext& context, juju::HookTools& tools,
                       slurmctld::host::Host& machine) {
    const auto integration = test_charms::find_integration(tools, "slurmctld");
    if (!integration) {
        return {"blocked", "Waiting for integrations: [`slurmctld`]"};
    }
    const auto controller = tools.relation_get_app(integration->relation, integration->remote_app);
    if (controller.count("auth_secret_id") == 0 || controller.count("jwt_secret_id") == 0) {
        return {"waiting", "Waiting for controller data"};
    }
    if (tools.is_leader()) {
        const std::string wanted = juju::codec::encode(machine.short_hostname());
        const auto mine = tools.relation_get_app(integration->relation, context.app_name);
        if (mine.count("hostname") == 0 || mine.at("hostname") != wanted) {
            tools.relation_set(integration->relation, {{"hostname", wanted}}, /*app=*/true);
        }
    }
    return {"active", ""};
}

}  // namespace

int main(int argc, char** argv) {
    return test_charms::run_charm(argc, argv, reconcile);
}
