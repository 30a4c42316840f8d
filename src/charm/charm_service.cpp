// The slurmctld service: when it may run, starting it, applying new configuration, and the
// planned hand-over when a unit goes away.
//
// Restart protocol (reference §2.6, design.md §3): the leader restarts nothing but its own
// controller and writes a fresh nonce (`restart_signal`) to the peer application data; every
// other unit acts once per nonce it has not seen (kept in unit state, which Juju commits only
// when the hook succeeds). Acting means `scontrol reconfigure` for the controller in control
// (Slurm >= 23.11 re-executes it in place and it keeps control, so clients see no outage) and a
// restart for a standby (backups do not re-read slurm.conf on reconfigure).
#include <algorithm>
#include <thread>

#include <slurmctld/charm/charm.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/auth_keys.hpp>
#include <slurmctld/slurm/heartbeat.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using juju::WorkloadState;

namespace {

constexpr std::chrono::seconds kHandOverTimeout{60};
constexpr std::chrono::seconds kReconfigureTimeout{15};
/// How long a standby waits for a hand-over in flight before it restarts anyway.
constexpr std::chrono::seconds kSettleTimeout{20};

std::string controller_name(const std::string& entry) {
    return entry.substr(0, entry.find('('));
}

}  // namespace

std::vector<std::string> Charm::configured_controllers() {
    const auto document = load_document(std::string(kSlurmConf), slurm::ConfigDialect::SlurmConf);
    std::vector<std::string> names;
    if (document) {
        for (const auto& entry : document->get_all("SlurmctldHost")) {
            names.push_back(controller_name(entry));
        }
    }
    return names;
}

std::vector<slurm::ControllerPing> Charm::ping() {
    if (pings_) {
        return *pings_;
    }
    pings_.emplace();
    const auto version = slurm_version();
    const bool json = version && slurm::supports_ping_json(*version);
    const auto result = host_.scontrol(json ? std::vector<std::string>{"ping", "--json"}
                                            : std::vector<std::string>{"ping"});
    // rc 1 means no controller answered, but the text still lists them all as DOWN.
    auto parsed = json ? slurm::parse_ping_json(result.stdout_text)
                       : slurm::parse_ping_text(result.stdout_text);
    if (parsed.has_value()) {
        *pings_ = std::move(parsed).value();
    } else {
        log::debug("scontrol ping gave nothing usable (exit {}): {}", result.exit_code,
                   result.stderr_text);
    }
    return *pings_;
}

std::optional<bool> Charm::in_control(const std::string& hostname) {
    // A client that knows only one controller asks only it: the controller in control
    // answers, a standby refuses ("backup controller in standby mode"), a dead one is
    // unreachable. `scontrol ping` cannot tell standby from in control.
    auto document = load_document(std::string(kSlurmConf), slurm::ConfigDialect::SlurmConf);
    if (!document) {
        return std::nullopt;
    }
    document->set_all("SlurmctldHost", {hostname});
    std::vector<std::string> includes;
    for (const auto& include : document->includes()) {
        includes.push_back(include.front() == '/' ? include
                                                  : std::string(kEtcSlurm) + "/" + include);
    }
    document->set_includes(includes);
    host_.make_directories(std::string(kCharmRunDir), {"root", "root", 0755});
    const std::string probe = std::string(kCharmRunDir) + "/probe-" + hostname + ".conf";
    write_text_if_changed(probe, document->render(), 0644);
    const auto result = host_.scontrol_with_config(probe, {"show", "partition"});
    if (result.ok()) {
        return true;
    }
    if (result.stderr_text.find("standby") != std::string::npos ||
        result.stderr_text.find("Unable to contact") != std::string::npos ||
        result.stderr_text.find("connect failure") != std::string::npos) {
        return false;
    }
    log::debug("cannot tell whether {} is in control: {}", hostname, result.stderr_text);
    return std::nullopt;
}

std::string Charm::new_restart_signal() {
    return slurm::random_uuid_v4();
}

bool Charm::can_run_controller() {
    if (decided_ || !slurm_version() || peers().cluster_name.empty()) {
        return false;
    }
    if (ha_enabled()) {
        const bool on_shared = shared_fs_mounted() && etc_slurm_on_shared_fs();
        const bool serving_locally =
            leader() && !config().use_network_state && !etc_slurm_on_shared_fs();
        if (!on_shared && !serving_locally) {
            return false;
        }
    } else if (!leader() || config().use_network_state) {
        return false;
    }
    const auto controllers = configured_controllers();
    if (std::find(controllers.begin(), controllers.end(), hostname_) == controllers.end()) {
        return false;
    }
    const auto auth = slurm::auth_setup_for(*slurm_version());
    const std::string_view auth_file = auth == slurm::AuthSetup::SlurmJwks  ? kJwksFile
                                       : auth == slurm::AuthSetup::SlurmKey ? kSlurmKeyFile
                                                                            : kMungeKeyFile;
    return host_.status(std::string(auth_file)).type != host::FileType::Missing &&
           host_.status(std::string(kJwtKeyFile)).type != host::FileType::Missing;
}

bool Charm::wait_for_controller_down(const std::string& hostname) {
    const auto up = [this, &hostname] {
        pings_.reset();
        for (const auto& entry : ping()) {
            if (entry.hostname == hostname) {
                return entry.up;
            }
        }
        return false;
    };
    const auto deadline = std::chrono::steady_clock::now() + kHandOverTimeout;
    while (up()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    return true;
}

void Charm::drop_self_from_controllers() {
    // A departing leader takes itself off the list before it goes, so the controller that
    // took over and the clients stop looking for it now rather than when a new leader is
    // elected (by then its name may no longer resolve, and every client would stall on it).
    if (!leader() || !etc_slurm_on_shared_fs() || !shared_fs_mounted()) {
        return;
    }
    auto document = load_document(std::string(kSlurmConf), slurm::ConfigDialect::SlurmConf);
    if (!document) {
        return;
    }
    auto remaining = configured_controllers();
    remaining.erase(std::remove(remaining.begin(), remaining.end(), hostname_), remaining.end());
    if (remaining.empty() || remaining.size() == document->get_all("SlurmctldHost").size()) {
        return;
    }
    document->set_all("SlurmctldHost", remaining);
    if (!save_document(std::string(kSlurmConf), *document)) {
        return;
    }
    log::info("removed this controller from the list: {}", fmt::join(remaining, ", "));
    auto& view = peers();
    if (view.relation) {
        const std::string signal = new_restart_signal();
        tools_.relation_set(
            *view.relation,
            {{std::string(kPeerClusterNameKey), juju::codec::encode(view.cluster_name)},
             {std::string(kPeerRestartSignalKey), juju::codec::encode(signal)}},
            /*app=*/true);
        view.restart_signal = signal;
    }
    update_integrations(/*require_local_controller=*/false);
}

std::optional<std::string> Charm::serving_controller() {
    // This controller first: the common question is "am I the one", and it needs no network.
    if (in_control(hostname_).value_or(false)) {
        return hostname_;
    }
    for (const auto& entry : ping()) {
        if (entry.up && entry.hostname != hostname_ && in_control(entry.hostname).value_or(false)) {
            return entry.hostname;
        }
    }
    return std::nullopt;
}

void Charm::apply_new_configuration() {
    // No controller in control means a hand-over or failover is under way: restarting now
    // could kill the controller that is taking over. Let it finish first.
    auto serving = serving_controller();
    const auto deadline = std::chrono::steady_clock::now() + kSettleTimeout;
    while (!serving && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
        pings_.reset();
        serving = serving_controller();
    }
    if (serving == hostname_) {
        const auto result = host_.scontrol({"reconfigure"});
        if (result.ok()) {
            // slurmctld re-executes itself; answer only once the new process serves, so that
            // clients told about a change by this hook find it serving.
            const auto wait_until = std::chrono::steady_clock::now() + kReconfigureTimeout;
            while (std::chrono::steady_clock::now() < wait_until &&
                   !in_control(hostname_).value_or(false)) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
            log::info("slurmctld re-read its configuration (scontrol reconfigure)");
            return;
        }
        log::error(
            "scontrol command '[scontrol, reconfigure]' failed with exit code {}. reason: "
            "{}",
            result.exit_code, result.stderr_text);
        decided_ = DecidedStatus{WorkloadState::Blocked, std::string(kMsgReconfigureFailed)};
        return;
    }
    try {
        host::enable_service(host_, kService);
        host::restart_service(host_, kService);
        log::info("restarted slurmctld to read its new configuration");
    } catch (const host::ServiceError& error) {
        log::error("{}", error.what());
        decided_ = DecidedStatus{WorkloadState::Blocked, std::string(kMsgRestartFailed)};
    }
}

void Charm::run_controller() {
    auto& view = peers();
    const bool runnable = can_run_controller();
    if (runnable) {
        const auto state = tools_.state_get();
        const auto seen = state.find(std::string(kStateLastRestartSignal));
        const std::string last_seen = seen == state.end() ? std::string() : seen->second;
        const bool started_before = state.count(std::string(kStateStarted)) != 0;
        if (!host::service_is_active(host_, kService) && started_before &&
            context_.hook_name == "update-status" &&
            (leader() ? !configuration_changed_
                      : view.restart_signal.empty() || view.restart_signal == last_seen)) {
            // Stopped by someone after the charm started it (maintenance, a test of failover):
            // a periodic tick does not overrule that. Any real event (start after a reboot,
            // new configuration, config-changed) starts it again.
            log::info("slurmctld is stopped; not starting it from update-status");
        } else if (!host::service_is_active(host_, kService)) {
            try {
                host::enable_service(host_, kService);
                host::start_service(host_, kService);
                log::info("started slurmctld");
                if (!started_before) {
                    tools_.state_set({{std::string(kStateStarted), "true"}});
                }
            } catch (const host::ServiceError& error) {
                log::error("{}", error.what());
                decided_ = DecidedStatus{WorkloadState::Blocked, std::string(kMsgStartFailed)};
                return;
            }
        } else if (leader() ? configuration_changed_
                            : !view.restart_signal.empty() && view.restart_signal != last_seen) {
            apply_new_configuration();
        }
        pings_.reset();
        if (!leader() && view.restart_signal != last_seen) {
            // A fresh start reads the current configuration too: this nonce is done.
            tools_.state_set({{std::string(kStateLastRestartSignal), view.restart_signal}});
        }
    }
    if (leader() && configuration_changed_ && view.relation) {
        // Every other controller re-reads the configuration once for this nonce.
        const std::string signal = new_restart_signal();
        tools_.relation_set(
            *view.relation,
            {{std::string(kPeerClusterNameKey), juju::codec::encode(view.cluster_name)},
             {std::string(kPeerRestartSignalKey), juju::codec::encode(signal)}},
            /*app=*/true);
        view.restart_signal = signal;
        if (runnable) {
            tools_.state_set({{std::string(kStateLastRestartSignal), signal}});  // acted above
        }
        log::info("asked every controller to re-read the configuration (restart signal {})",
                  signal);
    }
}

void Charm::hand_over_control() {
    if (!host::service_is_active(host_, kService)) {
        host_.systemctl({"disable", "slurmctld"});
        drop_self_from_controllers();
        return;
    }
    const auto controllers = configured_controllers();
    if (in_control(hostname_).value_or(false)) {
        // Planned switchover: the next controller takes over now, from state this one saves on
        // the way out, instead of after SlurmctldTimeout.
        std::optional<std::size_t> target;
        const auto pings = ping();
        for (std::size_t index = 1; index < controllers.size() && !target; ++index) {
            if (controllers[index] == hostname_) {
                continue;
            }
            const auto entry = std::find_if(pings.begin(), pings.end(), [&](const auto& p) {
                return p.hostname == controllers[index];
            });
            if (entry != pings.end() && entry->up) {
                target = index;
            }
        }
        if (target) {
            const std::string& next = controllers[*target];
            tools_.status_set(WorkloadState::Maintenance, "Handing over control to " + next, false);
            const auto result = host_.scontrol({"takeover", std::to_string(*target)});
            if (!result.ok()) {
                log::warning("scontrol takeover {} failed: {}", *target, result.stderr_text);
            }
            // The controller in control saves its state and exits once the next one has
            // taken over. Watch the local service: once it is gone this machine can no longer
            // authenticate Slurm requests (its slurmctld provided the sack socket).
            const auto deadline = std::chrono::steady_clock::now() + kHandOverTimeout;
            while (std::chrono::steady_clock::now() < deadline &&
                   host::service_is_active(host_, kService)) {
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
            // Then stay until the heartbeat on the shared state says the next one is in
            // control: while this unit exists its name resolves, and the next controller
            // checks on it before it takes over (a vanished name costs it ten seconds of
            // lookups, and clients wait as long).
            const auto state =
                load_document(std::string(kSlurmConf), slurm::ConfigDialect::SlurmConf)
                    ->get("StateSaveLocation")
                    .value_or(std::string(kHaCheckpoint));
            while (std::chrono::steady_clock::now() < deadline) {
                const auto heartbeat = slurm::parse_heartbeat(
                    host_.read_file(state + "/heartbeat").value_or(std::string()));
                if (!heartbeat || heartbeat->controller_index == static_cast<int>(*target)) {
                    break;
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
            log::info("handed control over to {}", next);
        }
    }
    try {
        host::stop_service(host_, kService);
        host::disable_service(host_, kService);
    } catch (const host::ServiceError& error) {
        log::warning("{}", error.what());
    }
    drop_self_from_controllers();
}

}  // namespace slurmctld::charm
