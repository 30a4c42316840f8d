// Test stand-in for the upstream slurmd charm: compute nodes. Upstream: its leader sends
// ComputeData (`partition`: the partition-config keys, then partitionname and nodes = the
// application name) on relation-created and config-changed; every unit, once slurmctld's data
// is ready, writes the auth key (munge.key and munged before Slurm 23.11) and SLURMD_OPTIONS (-Z: a
// dynamic node registering with Features=<partition>, --conf-server in priority order) and restarts
// slurmd.
#include <sstream>

#include <slurmctld/host/services.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/util/log.hpp>

#include "common/client_charm.hpp"

namespace {

namespace juju = slurmctld::juju;
namespace host = slurmctld::host;
namespace log = slurmctld::util::log;

/// `partition-config` ("MaxTime=1:00:00 DefaultTime=45:00") as slurmutils' Partition.dict():
/// lower-cased keys in order.
nlohmann::ordered_json partition_data(const std::string& app, const std::string& config) {
    nlohmann::ordered_json partition = nlohmann::ordered_json::object();
    std::istringstream words(config);
    std::string word;
    while (words >> word) {
        const auto equals = word.find('=');
        if (equals == std::string::npos) {
            continue;
        }
        std::string key = word.substr(0, equals);
        for (char& c : key) {
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
        partition[key] = word.substr(equals + 1);
    }
    partition["partitionname"] = app;
    partition["nodes"] = nlohmann::ordered_json::array({app});
    return partition;
}

/// Debian 12's slurmd.service (Slurm 22.05) starts only with a local slurm.conf, which a
/// configless node never has (Debian 13's comments the condition out): a drop-in lifts it, as
/// Slurm's configless guide says. Returns whether the drop-in was written.
bool allow_configless_start(host::Host& machine) {
    const auto unit = machine.read_file("/usr/lib/systemd/system/slurmd.service");
    const std::string dropin = "/etc/systemd/system/slurmd.service.d/10-configless.conf";
    const std::string wanted = "[Unit]\nConditionPathExists=\n";
    if (!unit || unit->find("\nConditionPathExists=/etc/slurm/slurm.conf") == std::string::npos ||
        machine.read_file(dropin) == wanted) {
        return false;
    }
    machine.make_directories("/etc/systemd/system/slurmd.service.d", {"root", "root", 0755});
    machine.write_file(dropin, wanted, {"root", "root", 0644});
    host::daemon_reload(machine);
    return true;
}

juju::Status reconcile(const juju::HookContext& context, juju::HookTools& tools,
                       host::Host& machine) {
    const bool light = test_charms::lightweight(tools);
    if (context.hook_name == "install" && !light) {
        host::stop_service(machine, "slurmd");
        host::disable_service(machine, "slurmd");
    }
    const auto integration = test_charms::find_integration(tools, "slurmctld");
    if (!integration) {
        if (!light && host::service_is_active(machine, "slurmd")) {
            host::stop_service(machine, "slurmd");
        }
        return {"blocked", "Waiting for integrations: [`slurmctld`]"};
    }
    const auto config = tools.config_get();
    if (tools.is_leader()) {
        const std::string raw = config.value("raw-partition", "");
        const std::string wanted =
            !raw.empty() ? raw
                         : juju::codec::encode(partition_data(
                               context.app_name, config.value("partition-config", "")));
        const auto mine = tools.relation_get_app(integration->relation, context.app_name);
        const auto current = mine.find("partition");
        if (current == mine.end() || current->second != wanted) {
            tools.relation_set(integration->relation, {{"partition", wanted}}, /*app=*/true);
        }
    }
    const auto connected = test_charms::connect_to_controller(
        context, tools, machine, *integration, light, "slurmd", {"root", "root", 0600});
    if (const auto* status = std::get_if<juju::Status>(&connected)) {
        return *status;
    }
    const auto& connection = std::get<test_charms::ControllerConnection>(connected);
    bool changed = connection.key_changed;
    const std::string& servers = connection.conf_servers;
    std::string node = context.unit_name;
    std::replace(node.begin(), node.end(), '/', '-');
    changed |= allow_configless_start(machine);
    changed |= test_charms::write_service_options(
        machine, "slurmd",
        "-Z -N " + node + " --conf-server " + servers + " --conf Features=" + context.app_name);
    auto state = test_charms::daemon_state(machine, "slurmd");
    const bool first_start = state == test_charms::DaemonState::Down;
    if (changed || first_start) {
        state = test_charms::restart_daemon(machine, "slurmd");
        log::info("slurmd (re)started as node {} with --conf-server {}", node, servers);
        const std::string node_state = config.value("default-node-state", "down");
        if (first_start && node_state != "idle") {
            const std::string reason = config.value("default-node-reason", "");
            machine.scontrol({"update", "nodename=" + node, "state=" + node_state,
                              "reason=" + (reason.empty() ? std::string("new node") : reason)});
        }
    }
    // Not active: starting (a later hook looks again), or down (e.g. a start condition unmet).
    return test_charms::daemon_status("slurmd", state);
}

}  // namespace

int main(int argc, char** argv) {
    return test_charms::run_charm(argc, argv, reconcile);
}
