// Test stand-in for the upstream sackd charm: a login node. Upstream: on slurmctld_ready
// (relation-changed with app data) it writes the auth key, sets `--conf-server` in
// SACKD_OPTIONS, enables and restarts sackd; on secret-changed it rewrites the key and reloads.
#include <slurmctld/host/services.hpp>
#include <slurmctld/util/log.hpp>

#include "common/client_charm.hpp"

namespace {

namespace juju = slurmctld::juju;
namespace host = slurmctld::host;

juju::Status reconcile(const juju::HookContext& context, juju::HookTools& tools,
                       host::Host& machine) {
    const bool light = test_charms::lightweight(tools);
    if (!light) {
        // sackd came with Slurm 23.11; upstream's sackd charm has no older release to run.
        const auto slurm = test_charms::installed_slurm(machine, "slurm-client");
        if (slurm && *slurm < slurmctld::slurm::SlurmVersion{23, 11, 0}) {
            return {"blocked",
                    "sackd needs Slurm 23.11 or later (installed: " + slurm->to_string() + ")"};
        }
    }
    if (context.hook_name == "install" && !light) {
        host::stop_service(machine, "sackd");
        host::disable_service(machine, "sackd");
    }
    const auto integration = test_charms::find_integration(tools, "slurmctld");
    if (!integration) {
        if (!light && host::service_is_active(machine, "sackd")) {
            host::stop_service(machine, "sackd");  // slurmctld_disconnected
        }
        return {"blocked", "Waiting for integrations: [`slurmctld`]"};
    }
    const auto connected = test_charms::connect_to_controller(
        context, tools, machine, *integration, light, "sackd", {"slurm", "slurm", 0600});
    if (const auto* status = std::get_if<juju::Status>(&connected)) {
        return *status;
    }
    const auto& connection = std::get<test_charms::ControllerConnection>(connected);
    bool changed = connection.key_changed;
    const std::string& servers = connection.conf_servers;
    changed |= test_charms::write_service_options(machine, "sackd", "--conf-server " + servers);
    auto state = test_charms::daemon_state(machine, "sackd");
    if (changed || state == test_charms::DaemonState::Down) {
        state = test_charms::restart_daemon(machine, "sackd");
        slurmctld::util::log::info("sackd (re)started with --conf-server {}", servers);
    }
    return test_charms::daemon_status("sackd", state);
}

}  // namespace

int main(int argc, char** argv) {
    return test_charms::run_charm(argc, argv, reconcile);
}
