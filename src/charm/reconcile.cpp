#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/failover_resync.hpp>
#include <slurmctld/charm/integrations.hpp>
#include <slurmctld/charm/reconcile.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/charm/settled.hpp>
#include <slurmctld/charm/status.hpp>
#include <slurmctld/host/packages.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;

WaitBudget::WaitBudget(host::Host& host, std::chrono::milliseconds total)
    : host_(host), deadline_(host.steady_now() + total) {
}

bool WaitBudget::wait_until(const std::function<bool()>& done, std::chrono::milliseconds limit,
                            std::chrono::milliseconds interval) {
    const auto until = std::min(deadline_, host_.steady_now() + limit);
    while (!done()) {
        if (host_.steady_now() >= until) {
            return false;
        }
        host_.sleep_for(interval);
    }
    return true;
}

namespace {

/// The reconcile of a unit that stays: the steps in order, each on the facts read at the start.
/// An invalid config option does not stop it: the file that option feeds is left as it is, and
/// the status says which option to fix.
Outcome reconcile(Facts& facts, HookScope& scope) {
    Outcome outcome;
    outcome.rejections = scope.facts.rejections;
    for (const auto& problem : scope.facts.config.problems) {
        log::error("{}", problem);
    }
    auto installed = ensure_installed(scope);
    if (!installed.has_value()) {
        outcome.stopped = installed.error();
        return outcome;
    }
    if (!facts.slurm) {
        // Installed by this hook: the release narrows which config keys are valid.
        facts.slurm = installed.value();
        facts.config = CharmConfig::from_json(scope.tools.config_get(), facts.slurm);
    }
    configure_machine(scope, installed.value());
    adopt_running_controller(scope);
    facts.peers = publish_peer_data(scope);
    if (auto stop = prepare_shared_fs(scope, outcome)) {
        outcome.stopped = std::move(stop);
        return outcome;
    }
    handle_secret_event(scope, /*after_reconfigure=*/false);
    if (auto stop = reconcile_keys(scope)) {
        outcome.stopped = std::move(stop);
        return outcome;
    }
    if (auto stop = write_configuration(scope, outcome)) {
        outcome.stopped = std::move(stop);
        return outcome;
    }
    configure_integrations(scope, outcome);
    publish_restart_signal(scope);
    if (auto stop = run_munge(scope)) {
        outcome.stopped = std::move(stop);
        return outcome;
    }
    if (auto stop = run_controller(scope, outcome)) {
        outcome.stopped = std::move(stop);
        return outcome;
    }
    resync_nodes_after_failover(scope);
    handle_secret_event(scope, /*after_reconfigure=*/true);
    update_clients(scope);
    after_controller_runs(scope, outcome);
    return outcome;
}

}  // namespace

std::function<void()> run_charm_hook(const juju::HookContext& context, juju::HookTools& tools,
                                     host::Host& host) {
    if (event_brings_no_input(context) && refresh_settled_unit(context, tools, host)) {
        return nullptr;
    }
    // A full reconcile: what the record says may not hold any more.
    forget_settled_state(host);
    Facts facts = load_facts(context, tools, host);
    WaitBudget waits(host, kHookWaitBudget);
    HookScope scope{facts, tools, host, waits};
    Outcome outcome;
    try {
        if (facts.dying) {
            outcome = teardown(scope);
        } else {
            outcome = reconcile(facts, scope);
        }
    } catch (const host::HostError& error) {
        // The machine (or the shared file system) refused an operation, or a command timed
        // out: say what in the status; the next event tries again from the start.
        log::error("{}", error.what());
        outcome.stopped = Stop{juju::WorkloadState::Blocked,
                               std::string(error.what()) + "; retrying on the next event"};
    }
    const auto statuses = set_status(scope, outcome);
    auto settled = settled_after(facts, outcome, statuses, host);
    if (!settled) {
        return nullptr;
    }
    // Recorded only once Juju has this hook's writes: a hook whose commit fails is retried in
    // full.
    return [&host, state = std::move(*settled)] { record_settled_state(host, state); };
}

}  // namespace slurmctld::charm
