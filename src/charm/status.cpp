#include <algorithm>
#include <array>

#include <fmt/format.h>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/controller_probe.hpp>
#include <slurmctld/charm/status.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/slurm/auth_keys.hpp>

namespace slurmctld::charm {

using WS = juju::WorkloadState;

StatusView::StatusView(const Facts& facts_in, const Outcome& outcome_in, host::Host& host_in)
    : facts(facts_in), outcome(outcome_in), host(host_in), placement(read_placement(host_in)) {
    if (facts.slurm) {
        service_active = host::service_is_active(host, kService);
    }
    if (outcome.shared_fs_unresponsive) {
        return;  // /etc/slurm lives there: reading it would block
    }
    slurm_conf_present = host.status(std::string(kSlurmConf)).type != host::FileType::Missing;
    controllers = configured_controllers(host);
}

const std::vector<slurm::ControllerPing>& StatusView::pings() {
    if (!pings_) {
        pings_ = outcome.shared_fs_unresponsive ? std::vector<slurm::ControllerPing>{}
                                                : ping_controllers(host, facts.slurm);
    }
    return *pings_;
}

namespace {

std::optional<Stop> stop(WS state, std::string message) {
    return Stop{state, std::move(message)};
}

bool listed(const StatusView& view) {
    return std::find(view.controllers.begin(), view.controllers.end(), view.facts.hostname) !=
           view.controllers.end();
}

std::string auth_key_file(const Facts& facts) {
    const auto auth =
        facts.slurm ? slurm::auth_setup_for(*facts.slurm) : slurm::AuthSetup::SlurmJwks;
    return std::string(auth == slurm::AuthSetup::SlurmJwks  ? kJwksFile
                       : auth == slurm::AuthSetup::SlurmKey ? kSlurmKeyFile
                                                            : kMungeKeyFile);
}

// ---- the conditions, in the catalogue's order ----------------------------------------------

std::optional<Stop> going_away(StatusView& view) {
    return view.facts.dying ? stop(WS::Maintenance, "Stopping `slurmctld`") : std::nullopt;
}

std::optional<Stop> reconcile_finished(StatusView& view) {
    return view.outcome.stopped;
}

std::optional<Stop> installed(StatusView& view) {
    return view.facts.slurm ? std::nullopt : stop(WS::Blocked, std::string(kMsgNotInstalled));
}

std::optional<Stop> config_valid(StatusView& view) {
    const auto& config = view.facts.config;
    return config.valid() ? std::nullopt : stop(WS::Blocked, config.blocked_message());
}

std::optional<Stop> controller_here_or_shared(StatusView& view) {
    const auto& facts = view.facts;
    if (view.placement.ha(facts)) {
        return std::nullopt;
    }
    if (facts.config.use_network_state) {
        return stop(WS::Blocked, std::string(kMsgNeedSharedFs));
    }
    const auto unit = controller_unit(facts);
    if (unit == facts.unit()) {
        return std::nullopt;
    }
    if (facts.leader && !unit.empty()) {
        // Its state is on that unit's disk: a controller started here would be empty.
        const auto* member = facts.peers.member(unit);
        const bool up =
            member != nullptr && !member->hostname.empty() &&
            view.host.can_connect(member->hostname, kSlurmctldPort, std::chrono::seconds(2));
        return stop(WS::Blocked,
                    fmt::format("controller on {} is {}; enable HA with a shared file system to "
                                "fail over",
                                unit, up ? "up" : "down"));
    }
    return stop(WS::Blocked, std::string(kMsgNeedSharedFs));
}

std::optional<Stop> mount_still_related(StatusView& view) {
    if (view.facts.mount_related || !view.placement.etc_shared) {
        return std::nullopt;
    }
    // /etc/slurm and the state live on the shared file system; without the integration that
    // provides it they are about to disappear.
    return stop(WS::Blocked,
                "The `mount` integration is gone but /etc/slurm is on the shared file system: "
                "integrate a filesystem-client again");
}

std::optional<Stop> shared_fs_mounted(StatusView& view) {
    if (view.placement.ha(view.facts) && !view.placement.mounted && !view.service_active) {
        return stop(WS::Blocked, std::string(kMsgNeedSharedFs));
    }
    return std::nullopt;
}

std::optional<Stop> cluster_name_set(StatusView& view) {
    return view.facts.peers.cluster_name.empty()
               ? stop(WS::Waiting, std::string(kMsgWaitingClusterName))
               : std::nullopt;
}

std::optional<Stop> config_written(StatusView& view) {
    if (view.slurm_conf_present) {
        return std::nullopt;
    }
    return stop(WS::Waiting, view.facts.leader ? std::string(kMsgWaitingConfig)
                                               : "Waiting for " + std::string(kSlurmConf));
}

std::optional<Stop> peer_ready(StatusView& view) {
    const auto& facts = view.facts;
    if (facts.leader) {
        return std::nullopt;
    }
    if (!listed(view)) {
        return stop(WS::Waiting,
                    "Waiting for " + facts.hostname + " to be added to " + std::string(kSlurmConf));
    }
    const auto auth_file = auth_key_file(facts);
    if (auth_file == kJwksFile && view.host.status(auth_file).type == host::FileType::Missing) {
        return stop(WS::Waiting, "Waiting for " + auth_file);
    }
    if (view.host.status(std::string(kJwtKeyFile)).type == host::FileType::Missing) {
        return stop(WS::Waiting, "Waiting for " + std::string(kJwtKeyFile));
    }
    return std::nullopt;
}

std::optional<Stop> planned_units_observed(StatusView& view) {
    const auto& facts = view.facts;
    if (!facts.leader || !view.placement.ha(facts) || all_units_observed(facts)) {
        return std::nullopt;
    }
    return stop(WS::Waiting, std::string(kMsgWaitingPlannedUnits));
}

std::optional<Stop> nothing_pending(StatusView& view) {
    return view.outcome.pending ? stop(WS::Waiting, *view.outcome.pending) : std::nullopt;
}

std::optional<Stop> controller_started(StatusView& view) {
    return view.service_active ? std::nullopt : stop(WS::Waiting, std::string(kMsgWaitingStart));
}

std::optional<Stop> auth_key_ready(StatusView& view) {
    if (!view.facts.slurm ||
        slurm::auth_setup_for(*view.facts.slurm) != slurm::AuthSetup::SlurmJwks) {
        return std::nullopt;
    }
    // Upstream's auth_key_ready (upstream.md §1.4).
    const auto text = view.host.read_file(std::string(kJwksFile));
    if (!text) {
        return stop(WS::Waiting, std::string(kMsgKeysEmpty));
    }
    const auto count = slurm::jwks_key_count(*text);
    if (!count.has_value()) {
        return stop(WS::Waiting, count.error().message);
    }
    if (count.value() == 0) {
        return stop(WS::Waiting, std::string(kMsgKeysEmpty));
    }
    return count.value() > 1 ? stop(WS::Waiting, std::string(kMsgKeyRotation)) : std::nullopt;
}

std::string controller_message(StatusView& view) {
    return controller_status_line(view.pings(), view.facts.hostname, view.outcome.slow_statefs_p99,
                                  view.outcome.notices);
}

std::optional<Stop> remote_data_accepted(StatusView& view) {
    const auto& rejections = view.outcome.rejections;
    if (rejections.empty()) {
        return std::nullopt;
    }
    // The controller runs; what a related application sent was left out, and only its
    // operator can fix it.
    std::string message = controller_message(view);
    message += (message.empty() ? "" : "; ") + rejections.front().describe();
    if (rejections.size() > 1) {
        message += fmt::format(" (and {} more; see `juju debug-log`)", rejections.size() - 1);
    }
    return stop(WS::Blocked, message);
}

constexpr std::array kCatalogue{
    StatusCondition{"going away", going_away},
    StatusCondition{"reconcile finished", reconcile_finished},
    StatusCondition{"slurmctld installed", installed},
    StatusCondition{"config options valid", config_valid},
    StatusCondition{"controller here or shared", controller_here_or_shared},
    StatusCondition{"mount still related", mount_still_related},
    StatusCondition{"shared file system mounted", shared_fs_mounted},
    StatusCondition{"cluster name set", cluster_name_set},
    StatusCondition{"slurm.conf written", config_written},
    StatusCondition{"peer ready", peer_ready},
    StatusCondition{"all planned units observed", planned_units_observed},
    StatusCondition{"nothing pending", nothing_pending},
    StatusCondition{"slurmctld started", controller_started},
    StatusCondition{"auth key ready", auth_key_ready},
    StatusCondition{"remote data accepted", remote_data_accepted},
};

}  // namespace

std::span<const StatusCondition> status_catalogue() {
    return kCatalogue;
}

Stop evaluate_status(StatusView& view) {
    for (const auto& condition : kCatalogue) {
        if (auto unmet = condition.unmet(view)) {
            return *unmet;
        }
    }
    return {WS::Active, controller_message(view)};
}

std::string controller_status_line(const std::vector<slurm::ControllerPing>& pings,
                                   const std::string& hostname,
                                   const std::optional<std::chrono::microseconds>& slow_p99,
                                   const std::vector<std::string>& notices) {
    std::string message = slurm::controller_status(pings, hostname);
    if (slow_p99) {
        const auto milliseconds = static_cast<double>(slow_p99->count()) / 1000.0;
        message += fmt::format("{}shared file system slow: p99 fsync+rename {:.0f} ms",
                               message.empty() ? "" : "; ", milliseconds);
    }
    for (const auto& notice : notices) {
        message += (message.empty() ? "" : "; ") + notice;
    }
    return message;
}

Stop application_status(host::Host& host, const std::vector<slurm::ControllerPing>& pings,
                        const std::string& hostname,
                        const std::function<std::string(const std::string&)>& unit_of) {
    // Which controller serves clients now, in words an admin can act on.
    const auto up = std::count_if(pings.begin(), pings.end(), [](const auto& p) { return p.up; });
    const auto serving = serving_controller(host, pings, hostname);
    std::string who = "no controller in control";
    if (serving) {
        std::string mode;
        for (const auto& entry : pings) {
            if (entry.hostname == *serving) {
                mode = entry.mode;
            }
        }
        who = unit_of(*serving) + " (" + mode + ") in control";
    }
    return {serving ? WS::Active : WS::Waiting,
            fmt::format("{}; {} of {} controllers UP", who, up, pings.size())};
}

void show_progress(juju::HookTools& tools, const std::string& message) {
    tools.status_set(juju::WorkloadState::Maintenance, message, /*application=*/false);
}

SetStatuses set_status(HookScope& scope, const Outcome& outcome) {
    StatusView view(scope.facts, outcome, scope.host);
    SetStatuses set{evaluate_status(view), std::nullopt};
    scope.tools.status_set(set.unit.state, set.unit.message, /*application=*/false);
    if (!scope.facts.leader) {
        return set;
    }
    if (set.unit.state == WS::Active && !outcome.shared_fs_unresponsive) {
        const auto& peers = scope.facts.peers;
        set.application = application_status(
            scope.host, view.pings(), scope.facts.hostname, [&peers](const std::string& host) {
                const auto* member = peers.member_with_hostname(host);
                return member != nullptr ? member->unit : host;
            });
    } else if (set.unit.state == WS::Blocked) {
        set.application = set.unit;  // an operator must act: the application says why
    } else {
        // Upstream sets no application status; a passing wait (deploying, scaling) is not
        // shown at the application, so it keeps what it last said.
        return set;
    }
    scope.tools.status_set(set.application->state, set.application->message,
                           /*application=*/true);
    return set;
}

}  // namespace slurmctld::charm
