// A unit going away (departed with itself departing, broken, stop, remove). If its controller
// is the one in control it first hands control to the next one (`scontrol takeover`) and stays
// until the heartbeat on the shared state says that one has it, so clients wait at most about
// SlurmctldTimeout/2 instead of a failover's SlurmctldTimeout. A departing leader also takes
// itself off the controller list at once. All of it within the hook's wait budget.
#include <algorithm>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/controller_probe.hpp>
#include <slurmctld/charm/reconcile.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/charm/status.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/heartbeat.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using juju::WorkloadState;

namespace {

constexpr std::chrono::seconds kHandOverWait{20};

/// The first controller after this one in failover order that answers pings: its index.
std::optional<std::size_t> next_controller(HookScope& scope,
                                           const std::vector<std::string>& controllers) {
    const auto pings = ping_controllers(scope.host, scope.facts.slurm);
    for (std::size_t index = 0; index < controllers.size(); ++index) {
        if (controllers[index] == scope.facts.hostname) {
            continue;
        }
        const auto entry = std::find_if(pings.begin(), pings.end(), [&](const auto& p) {
            return p.hostname == controllers[index];
        });
        if (entry != pings.end() && entry->up) {
            return index;
        }
    }
    return std::nullopt;
}

void hand_over_control(HookScope& scope) {
    auto& host = scope.host;
    const auto& hostname = scope.facts.hostname;
    const auto controllers = configured_controllers(host);
    if (!in_control(host, hostname).value_or(false)) {
        return;
    }
    const auto target = next_controller(scope, controllers);
    if (!target) {
        return;
    }
    const std::string& next = controllers[*target];
    show_progress(scope.tools, "Handing over control to " + next);
    const auto result = host.scontrol({"takeover", std::to_string(*target)});
    if (!result.ok()) {
        log::warning("scontrol takeover {} failed: {}", *target, result.stderr_text);
    }
    // The controller in control saves its state and exits once the next one has taken over.
    // Watch the local service: once it is gone this machine can no longer authenticate Slurm
    // requests (its slurmctld provided the sack socket).
    scope.waits.wait_until([&] { return !host::service_is_active(host, kService); }, kHandOverWait,
                           std::chrono::milliseconds(200));
    // Then stay until the heartbeat on the shared state says the next one is in control: while
    // this unit exists its name resolves, and the next controller checks on it before it takes
    // over (a vanished name costs it ten seconds of lookups, and clients wait as long).
    scope.waits.wait_until(
        [&] {
            const auto heartbeat = read_heartbeat(host);
            return !heartbeat || heartbeat->controller_index == static_cast<int>(*target);
        },
        kHandOverWait, std::chrono::milliseconds(200));
    log::info("handed control over to {}", next);
}

/// A departing leader takes itself off the list before it goes, so the controller that took
/// over and the clients stop looking for it now rather than when a new leader is elected (by
/// then its name may no longer resolve, and every client would stall on it).
void drop_self_from_controllers(HookScope& scope) {
    const auto& facts = scope.facts;
    auto& host = scope.host;
    const auto placement = read_placement(host);
    if (!facts.leader || !placement.etc_shared || !placement.mounted) {
        return;
    }
    auto parsed = read_slurm_conf(host);
    if (!parsed) {
        return;
    }
    auto& document = *parsed;
    auto remaining = configured_controller_entries(host);
    std::erase_if(remaining, [&facts](const std::string& entry) {
        return parse_controller_entry(entry).host == facts.hostname;
    });
    if (remaining.empty() || remaining.size() == document.get_all("SlurmctldHost").size()) {
        return;
    }
    document.set_all("SlurmctldHost", remaining);
    host.write_file(std::string(kSlurmConf), document.render(), {"slurm", "slurm", 0644});
    log::info("removed this controller from the list: {}", fmt::join(remaining, ", "));
    // Telling the peers and the clients needs the facts a leaving unit did not load.
    Facts full = facts;
    load_remaining_facts(full, scope.tools);
    HookScope tell{full, scope.tools, host, scope.waits};
    publish_restart_signal(tell);
    update_clients(tell, /*require_local_controller=*/false);
}

}  // namespace

Outcome teardown(HookScope& scope) {
    Outcome outcome;
    if (scope.tools.state_get().count(std::string(kStateDying)) == 0) {
        scope.tools.state_set({{std::string(kStateDying), "true"}});
    }
    if (!scope.facts.slurm) {
        return outcome;
    }
    const auto placement = read_placement(scope.host);
    const bool reachable =
        !placement.etc_shared ||
        scope.host.check_responsive(std::string(kHaMountPoint), std::chrono::seconds(10))
            .has_value();
    if (!reachable) {
        log::error("the shared file system does not respond: stopping without a hand-over");
        outcome.shared_fs_unresponsive = true;
    }
    if (host::service_is_active(scope.host, kService) && reachable) {
        hand_over_control(scope);
    }
    if (host::service_is_active(scope.host, kService)) {
        try {
            host::stop_service(scope.host, kService);
        } catch (const host::ServiceError& error) {
            log::warning("{}", error.what());
        }
    }
    const auto disabled = scope.host.systemctl({"disable", "slurmctld"});
    if (!disabled.ok()) {
        log::warning("systemctl disable slurmctld: {}", disabled.stderr_text);
    }
    if (reachable) {
        drop_self_from_controllers(scope);
    }
    return outcome;
}

}  // namespace slurmctld::charm
