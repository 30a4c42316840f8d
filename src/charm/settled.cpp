#include <functional>
#include <vector>

#include <nlohmann/json.hpp>

#include <slurmctld/charm/applied_config.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/controller_probe.hpp>
#include <slurmctld/charm/failover_resync.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/charm/settled.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using juju::WorkloadState;

namespace {

std::int64_t seconds_since_epoch(host::Host& host) {
    return std::chrono::duration_cast<std::chrono::seconds>(host.now().time_since_epoch()).count();
}

bool slurmd_unit_departs(const juju::HookContext& context) {
    return context.relation && context.relation->kind == juju::RelationEventKind::Departed &&
           context.relation->endpoint == kSlurmdEndpoint;
}

}  // namespace

std::optional<SettledState> read_settled_state(host::Host& host) {
    const auto text = host.read_file(std::string(kSettledRecord));
    if (!text) {
        return std::nullopt;
    }
    try {
        const auto json = nlohmann::json::parse(*text);
        SettledState state;
        state.at = json.at("at").get<std::int64_t>();
        state.leader = json.at("leader").get<bool>();
        state.slurm_version = json.at("slurm_version").get<std::string>();
        state.etc_shared = json.at("etc_shared").get<bool>();
        state.controller_active = json.at("controller_active").get<bool>();
        state.config_digest = json.at("config_digest").get<std::string>();
        state.unit_message = json.at("unit_message").get<std::string>();
        state.app_message = json.at("app_message").get<std::string>();
        state.app_active = json.at("app_active").get<bool>();
        state.unit_of_host = json.at("unit_of_host").get<std::map<std::string, std::string>>();
        return state;
    } catch (const nlohmann::json::exception& error) {
        log::warning("ignoring {}: {}", kSettledRecord, error.what());
        return std::nullopt;
    }
}

void record_settled_state(host::Host& host, const SettledState& state) {
    const nlohmann::json json{{"at", state.at},
                              {"leader", state.leader},
                              {"slurm_version", state.slurm_version},
                              {"etc_shared", state.etc_shared},
                              {"controller_active", state.controller_active},
                              {"config_digest", state.config_digest},
                              {"unit_message", state.unit_message},
                              {"app_message", state.app_message},
                              {"app_active", state.app_active},
                              {"unit_of_host", state.unit_of_host}};
    host.make_directories(std::string(kCharmRunDir), {"root", "root", 0755});
    host.write_file(std::string(kSettledRecord), json.dump() + "\n", {"root", "root", 0600});
}

void forget_settled_state(host::Host& host) {
    host.remove_file(std::string(kSettledRecord));
}

std::optional<SettledState> settled_after(const Facts& facts, const Outcome& outcome,
                                          const SetStatuses& statuses, host::Host& host) {
    if (facts.dying || facts.context.is_action() || outcome.stopped || outcome.pending ||
        outcome.shared_fs_unresponsive || statuses.unit.state != WorkloadState::Active ||
        !facts.slurm || !outcome.notices.empty()) {
        // A notice is a feature waiting on the machine (slurm-mail installed by hand, a Slurm
        // upgrade): only a full reconcile sees that change.
        return std::nullopt;
    }
    SettledState state;
    state.at = seconds_since_epoch(host);
    state.leader = facts.leader;
    state.slurm_version = facts.slurm->to_string();
    state.etc_shared = read_placement(host).etc_shared;
    state.controller_active = host::service_is_active(host, kService);
    state.config_digest = configuration_digest(host);
    state.unit_message = statuses.unit.message;
    if (statuses.application) {
        state.app_message = statuses.application->message;
        state.app_active = statuses.application->state == WorkloadState::Active;
    }
    for (const auto& member : facts.peers.members) {
        if (!member.hostname.empty()) {
            state.unit_of_host[member.hostname] = member.unit;
        }
    }
    return state;
}

bool event_brings_no_input(const juju::HookContext& context) {
    if (context.hook_name == "update-status") {
        return true;
    }
    if (!context.relation || context.relation->remote_unit.empty()) {
        return false;
    }
    const auto& event = *context.relation;
    const bool client = event.endpoint == kSackdEndpoint || event.endpoint == kSlurmdEndpoint ||
                        event.endpoint == kSlurmdbdEndpoint ||
                        event.endpoint == kSlurmrestdEndpoint;
    switch (event.kind) {
        case juju::RelationEventKind::Joined:
        case juju::RelationEventKind::Changed:
            return client;
        case juju::RelationEventKind::Departed:
            return client && event.departing_unit != context.unit_name;
        default:
            return false;
    }
}

namespace {

/// An update-status on a settled unit: the unit's line (and the leader's application status)
/// from the ping, set only when they changed. False: a full reconcile is due instead (the
/// failover resync).
bool refresh_statuses(juju::HookTools& tools, host::Host& host, SettledState& state,
                      const Placement& placement, const std::vector<slurm::ControllerPing>& pings,
                      bool controller_active) {
    const auto hostname = host.short_hostname();
    if (placement.etc_shared && controller_active) {
        switch (failover_resync_step(host, hostname)) {
            case FailoverResync::Observe:
                record_failover_resync(host, /*done=*/false);
                break;
            case FailoverResync::Due:
                return false;  // the full reconcile has the nodes register again
            case FailoverResync::None:
                break;
        }
    }
    const auto slow = placement.etc_shared ? probe_statefs_latency(host) : std::nullopt;
    const auto message = controller_status_line(pings, hostname, slow, /*notices=*/{});
    bool changed = false;
    if (message != state.unit_message) {
        tools.status_set(WorkloadState::Active, message, /*application=*/false);
        state.unit_message = message;
        changed = true;
    }
    if (state.leader) {
        const auto& units = state.unit_of_host;
        const auto app =
            application_status(host, pings, hostname, [&units](const std::string& name) {
                const auto found = units.find(name);
                return found != units.end() ? found->second : name;
            });
        const bool active = app.state == WorkloadState::Active;
        if (app.message != state.app_message || active != state.app_active) {
            tools.status_set(app.state, app.message, /*application=*/true);
            state.app_message = app.message;
            state.app_active = active;
            changed = true;
        }
    }
    if (changed) {
        record_settled_state(host, state);
    }
    return true;
}

}  // namespace

bool refresh_settled_unit(const juju::HookContext& context, juju::HookTools& tools,
                          host::Host& host) {
    auto state = read_settled_state(host);
    if (!state) {
        return false;
    }
    const auto now = seconds_since_epoch(host);
    if (now - state->at >= std::chrono::seconds(kSettledFor).count() || now < state->at) {
        return false;  // the safety net: a full reconcile now and then
    }
    const auto placement = read_placement(host);
    if (placement.etc_shared != state->etc_shared) {
        return false;
    }
    if (placement.etc_shared && !placement.mounted) {
        return false;  // the full reconcile says what is wrong with the mount
    }
    // First, alone: every later check reads the shared files (slurm.conf is there), and a read
    // of a hung mount would hang this process; the probe runs in a child with a time limit.
    if (placement.etc_shared &&
        !host.check_responsive(std::string(kHaMountPoint), std::chrono::seconds(10))) {
        // What the full reconcile would find, without waiting for the mount a second time.
        log::error("the shared file system at {} does not respond", kHaMountPoint);
        forget_settled_state(host);
        tools.status_set(WorkloadState::Blocked, kMsgStatefsUnresponsive, /*application=*/false);
        return true;
    }
    // Only update-status refreshes the statuses from the controllers: a client unit's event
    // changes nothing they report, and at cluster scale those events are most of the hooks.
    const bool refresh = context.hook_name == "update-status";
    auto slurm = slurm::SlurmVersion::parse(state->slurm_version);
    const std::optional<slurm::SlurmVersion> version =
        slurm.has_value() ? std::optional(slurm.value()) : std::nullopt;
    // The rest are independent questions: asked at the same time, the hook waits for the
    // slowest (scontrol ping, a program with its own time limit) instead of their sum. The
    // files are digested while the ping is under way; when they changed, its answer goes unused.
    std::string digest;
    std::optional<AppliedConfig> applied;
    bool controller_active = false;
    bool munged_down = false;
    bool leader = false;
    std::vector<slurm::ControllerPing> pings;
    std::vector<std::function<void()>> checks{
        [&] {
            digest = configuration_digest(host);
            applied = read_applied_config(host);
        },
        [&] { controller_active = host::service_is_active(host, kService); },
        [&] { leader = tools.is_leader(); },
    };
    // munged (Slurm before 23.11, started by run_munge) died: the full path starts it again.
    if (host.status(std::string(kMungeKeyRecord)).type == host::FileType::Regular) {
        checks.emplace_back(
            [&] { munged_down = !host::service_is_active(host, std::string(kMungeService)); });
    }
    if (refresh) {
        checks.emplace_back([&] { pings = ping_controllers(host, version); });
    }
    host.run_concurrently(checks);
    if (digest != state->config_digest ||
        (state->controller_active && (!applied || applied->digest != digest))) {
        return false;
    }
    if (controller_active != state->controller_active || munged_down || leader != state->leader) {
        return false;
    }
    if (leader && slurmd_unit_departs(context)) {
        return false;  // the leader deletes its node from Slurm (integrations/nodes.cpp)
    }
    if (!refresh) {
        log::debug("{}: settled; nothing to do", context.describe());
        return true;
    }
    if (!refresh_statuses(tools, host, *state, placement, pings, controller_active)) {
        return false;
    }
    log::debug("{}: settled; statuses refreshed", context.describe());
    return true;
}

}  // namespace slurmctld::charm
