// The slurmctld service: the leader's restart signal, starting the controller, and applying new
// configuration. Whether a controller must re-read its files is decided by content: the digest
// of /etc/slurm now against the one it was last started or reconfigured with
// (applied_config.hpp), so a failed or killed hook never loses a restart. The restart signal
// (upstream.md §2.6) only wakes the other units up; what they do is decided the same way.
//
// Applying means `scontrol reconfigure` for the controller in control (Slurm >= 23.11 re-executes
// it in place and it keeps control, so clients see no outage) and a restart for a standby
// (backups do not re-read slurm.conf on reconfigure).
#include <algorithm>
#include <chrono>

#include <slurmctld/charm/applied_config.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/controller_probe.hpp>
#include <slurmctld/charm/keys.hpp>
#include <slurmctld/charm/reconcile.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/auth_keys.hpp>
#include <slurmctld/util/digest.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using juju::WorkloadState;

namespace {

/// How long a hook waits for a controller in control before it applies new configuration (a
/// restart now could kill the controller that is taking over); after it, it applies anyway.
constexpr std::chrono::seconds kSettleWait{10};
/// How long the controller in control may take to serve again after `scontrol reconfigure`.
constexpr std::chrono::seconds kReconfigureWait{15};

Stop blocked(std::string_view message) {
    return {WorkloadState::Blocked, std::string(message)};
}

/// Some file of the configuration (slurm.conf or one of its slurm.conf.* includes) defines a
/// partition.
bool configuration_has_partition(host::Host& host) {
    const std::string etc(kEtcSlurm);
    for (const auto& name : host.list_directory(etc)) {
        if (name != "slurm.conf" && !name.starts_with("slurm.conf.")) {
            continue;
        }
        std::string text = host.read_file(etc + "/" + name).value_or("");
        std::transform(text.begin(), text.end(), text.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        if (text.starts_with("partitionname=") ||
            text.find("\npartitionname=") != std::string::npos) {
            return true;
        }
    }
    return false;
}

bool started_by_charm(host::Host& host) {
    return host.status(std::string(kStartedRecord)).type == host::FileType::Regular;
}

/// A controller running without the charm having started it since the machine booted (the
/// machine's init started it, the records on /run are gone): what it read is recorded, and so is
/// that it runs, so that a later stop (an admin's, or a takeover handing control to a backup) is
/// one update-status respects, as if the charm had started it.
void adopt_controller(host::Host& host, const AppliedConfig& config) {
    log::info("slurmctld runs with the configuration on disk; recording it");
    record_applied_config(host, config);
    host.make_directories(std::string(kCharmRunDir), {"root", "root", 0755});
    host.write_file(std::string(kStartedRecord), "", {"root", "root", 0600});
}

StepResult start_controller(HookScope& scope, const AppliedConfig& config) {
    try {
        host::enable_service(scope.host, kService);
        host::start_service(scope.host, kService);
    } catch (const host::ServiceError& error) {
        log::error("{}", error.what());
        return blocked(kMsgStartFailed);
    }
    log::info("started slurmctld");
    record_applied_config(scope.host, config);
    scope.host.write_file(std::string(kStartedRecord), "", {"root", "root", 0600});
    return std::nullopt;
}

/// The controller in control re-reads in place; a standby restarts.
StepResult apply_configuration(HookScope& scope, Outcome& outcome, const AppliedConfig& wanted,
                               const AppliedConfig& applied) {
    const auto& facts = scope.facts;
    auto& host = scope.host;
    std::optional<std::string> serving;
    const bool settled = scope.waits.wait_until(
        [&] {
            serving = serving_controller(host, ping_controllers(host, facts.slurm), facts.hostname);
            return serving.has_value();
        },
        kSettleWait, std::chrono::milliseconds(500));
    if (!settled) {
        log::warning("no controller is in control: applying the new configuration anyway");
    }
    // Before 23.11 reconfigure does not re-read SlurmctldHost: a new list needs a restart.
    const bool reconfigure_reads_all =
        *facts.slurm >= slurm::SlurmVersion{23, 11, 0} || wanted.controllers == applied.controllers;
    if (serving == facts.hostname && reconfigure_reads_all) {
        const auto result = host.scontrol({"reconfigure"});
        if (!result.ok()) {
            log::error(
                "scontrol command '[scontrol, reconfigure]' failed with exit code {}. reason: {}",
                result.exit_code, result.stderr_text);
            return blocked(kMsgReconfigureFailed);
        }
        record_applied_config(host, wanted);
        // slurmctld re-executes itself; answer only once the new process serves, so that clients
        // told about a change by this hook find it serving.
        if (!scope.waits.wait_until(
                [&] { return in_control(host, facts.hostname).value_or(false); },
                kReconfigureWait)) {
            outcome.pending =
                "Waiting for `slurmctld` to serve again after re-reading its "
                "configuration";
        }
        log::info("slurmctld re-read its configuration (scontrol reconfigure)");
        return std::nullopt;
    }
    try {
        host::enable_service(host, kService);
        host::restart_service(host, kService);
    } catch (const host::ServiceError& error) {
        log::error("{}", error.what());
        return blocked(kMsgRestartFailed);
    }
    record_applied_config(host, wanted);
    log::info("restarted slurmctld to read its new configuration");
    return std::nullopt;
}

std::string taken_back_line(const ControllerUnit& member) {
    return member.unit + " " + member.takeover + "\n";
}

}  // namespace

std::optional<TakeoverHold> held_back_by(const Facts& facts, host::Host& host,
                                         const std::vector<std::string>& controllers) {
    const auto self = std::find(controllers.begin(), controllers.end(), facts.hostname);
    if (self == controllers.end()) {
        return std::nullopt;
    }
    const auto taken_back = host.read_file(std::string(kTakenBackRecord)).value_or("");
    for (const auto& member : facts.peers.members) {
        if (member.unit == facts.unit() || member.takeover.empty() || member.hostname.empty() ||
            std::find(self + 1, controllers.end(), member.hostname) == controllers.end()) {
            continue;
        }
        const auto line = taken_back_line(member);
        if (taken_back.find(line) == 0 || taken_back.find("\n" + line) != std::string::npos) {
            continue;
        }
        // Held back only while a later controller is seen in control: its heartbeat is recent.
        // Otherwise (the holder's machine died and no other backup took over) starting is the
        // only way back to a controller; Slurm's takeback finds no one to take control from.
        const auto heartbeat = read_heartbeat(host);
        const auto now =
            std::chrono::duration_cast<std::chrono::seconds>(host.now().time_since_epoch());
        const bool in_control =
            heartbeat && heartbeat->controller_index > self - controllers.begin() &&
            now.count() - heartbeat->written_at <= kHeldBackHeartbeatAge.count();
        if (!in_control) {
            log::warning(
                "control was moved to {} by `takeover`, but no later controller's "
                "heartbeat is recent ({}); starting this one",
                member.unit,
                heartbeat ? "controller " + std::to_string(heartbeat->controller_index) + ", " +
                                std::to_string(now.count() - heartbeat->written_at) + " s old"
                          : std::string("none"));
        }
        return TakeoverHold{member.unit, in_control};
    }
    return std::nullopt;
}

void record_taken_back(const Facts& facts, host::Host& host) {
    std::string text;
    for (const auto& member : facts.peers.members) {
        if (member.unit != facts.unit() && !member.takeover.empty()) {
            text += taken_back_line(member);
        }
    }
    host.make_directories(std::string(kTakenBackRecord).substr(0, kTakenBackRecord.rfind('/')),
                          {"root", "root", 0755});
    host.write_file(std::string(kTakenBackRecord), text, {"root", "root", 0600});
}

void publish_restart_signal(HookScope& scope) {
    const auto& facts = scope.facts;
    const auto& peers = facts.peers;
    if (!facts.leader || !peers.relation || peers.cluster_name.empty()) {
        return;
    }
    const auto placement = read_placement(scope.host);
    if (!placement.etc_shared || !placement.mounted) {
        return;  // one controller, on this unit's disk: nobody else to tell
    }
    const auto digest = configuration_digest(scope.host);
    const auto state = scope.tools.state_get();
    const auto announced = state.find(std::string(kStateAnnouncedConfig));
    if (digest.empty() || (announced != state.end() && announced->second == digest)) {
        return;
    }
    // Committed together with the state below: a hook that fails announces again.
    const std::string signal = slurm::random_uuid_v4();
    scope.tools.relation_set(
        *peers.relation,
        {{std::string(kPeerClusterNameKey), juju::codec::encode(peers.cluster_name)},
         {std::string(kPeerRestartSignalKey), juju::codec::encode(signal)}},
        /*app=*/true);
    scope.tools.state_set({{std::string(kStateAnnouncedConfig), digest}});
    log::info("asked every controller to re-read the configuration (restart signal {})", signal);
}

StepResult run_munge(HookScope& scope) {
    const auto& facts = scope.facts;
    auto& host = scope.host;
    if (!facts.slurm || slurm::auth_setup_for(*facts.slurm) != slurm::AuthSetup::Munge ||
        !may_run_controller(facts, read_placement(host))) {
        return std::nullopt;
    }
    const auto key = host.read_file(std::string(kMungeKeyFile));
    if (!key) {
        return std::nullopt;  // reconcile_keys writes it (or says what it waits for)
    }
    const std::string digest = util::Sha256().add_field(*key).hex();
    const std::string service(kMungeService);
    if (host::service_is_active(host, service) &&
        host.read_file(std::string(kMungeKeyRecord)).value_or("") == digest) {
        return std::nullopt;
    }
    try {
        host::enable_service(host, service);
        host::restart_service(host, service);
    } catch (const host::ServiceError& error) {
        log::error("{}", error.what());
        return blocked("Failed to start `munge`. See `juju debug-log` for details.");
    }
    host.make_directories(std::string(kCharmRunDir), {"root", "root", 0755});
    host.write_file(std::string(kMungeKeyRecord), digest, {"root", "root", 0600});
    log::info("(re)started munge with the current key");
    return std::nullopt;
}

void adopt_running_controller(HookScope& scope) {
    auto& host = scope.host;
    if (read_applied_config(host) || !host::service_is_active(host, kService)) {
        return;
    }
    // Recorded before the configuration step writes: what changes then is applied
    // (scontrol reconfigure) like any other change, instead of being taken as already read.
    adopt_controller(host, {configuration_digest(host), configured_controllers(host)});
}

StepResult run_controller(HookScope& scope, Outcome& outcome) {
    const auto& facts = scope.facts;
    auto& host = scope.host;
    const auto placement = read_placement(host);
    if (!may_run_controller(facts, placement) || facts.peers.cluster_name.empty()) {
        return std::nullopt;
    }
    const AppliedConfig wanted{configuration_digest(host), configured_controllers(host)};
    if (std::find(wanted.controllers.begin(), wanted.controllers.end(), facts.hostname) ==
            wanted.controllers.end() ||
        host.status(auth_key_path(facts.slurm)).type == host::FileType::Missing ||
        host.status(std::string(kJwtKeyFile)).type == host::FileType::Missing) {
        return std::nullopt;  // the status says what it waits for
    }
    const auto applied = read_applied_config(host);
    if (*facts.slurm < slurm::SlurmVersion{23, 11, 0} && !configuration_has_partition(host)) {
        // slurmctld before 23.11 refuses to start without one ("fatal: No PartitionName
        // information available!"; 23.11 allows zero partitions).
        return Stop{WorkloadState::Waiting, std::string(kMsgWaitingForPartition)};
    }
    if (!host::service_is_active(host, kService)) {
        const auto hold = held_back_by(facts, host, wanted.controllers);
        if (hold && hold->holder_in_control) {
            // Disabled too, so that the machine's init does not start it at boot either.
            try {
                host::disable_service(host, kService);
            } catch (const host::ServiceError& error) {
                log::error("{}", error.what());
            }
            log::info("slurmctld stays stopped: control was moved to {} by `takeover`",
                      hold->holder);
            return blocked("Control was moved to " + hold->holder +
                           " by `takeover`; run the `takeover` action on this unit to take it "
                           "back");
        }
        if (hold) {
            // The holder is gone: this controller is needed now, whatever hook this is.
            record_taken_back(facts, host);
            return start_controller(scope, wanted);
        }
        if (started_by_charm(host) && facts.context.hook_name == "update-status" && applied &&
            applied->digest == wanted.digest) {
            // Stopped by someone after the charm started it (maintenance, a test of failover):
            // a periodic tick does not overrule that. Any real event, or new configuration,
            // starts it again.
            log::info("slurmctld is stopped; not starting it from update-status");
            return std::nullopt;
        }
        return start_controller(scope, wanted);
    }
    if (!applied) {
        // Started by someone else during this hook (adopt_running_controller saw it stopped): it
        // read the files as they are.
        adopt_controller(host, wanted);
        return std::nullopt;
    }
    if (applied->digest == wanted.digest) {
        return std::nullopt;
    }
    return apply_configuration(scope, outcome, wanted, *applied);
}

}  // namespace slurmctld::charm
