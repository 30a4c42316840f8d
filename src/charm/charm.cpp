#include <algorithm>

#include <slurmctld/charm/charm.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/host/packages.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/auth_keys.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using juju::RelationEventKind;
using juju::WorkloadState;

Charm::Charm(juju::HookTools& tools, host::Host& host, juju::HookContext context)
    : tools_(tools), host_(host), context_(std::move(context)) {
}

void Charm::register_handlers(juju::HandlerRegistry& registry) {
    const auto reconcile_handler = [this](const juju::HookContext&) {
        if (dying()) {
            teardown();
        } else {
            reconcile();
        }
    };
    for (const char* hook :
         {"install", "start", "stop", "remove", "config-changed", "update-status", "upgrade-charm",
          "leader-elected", "leader-settings-changed", "secret-changed", "secret-remove",
          "secret-rotate", "secret-expired", "post-series-upgrade"}) {
        registry.on_hook(hook, reconcile_handler);
    }
    for (const char* endpoint : {"slurmctld-peer", "mount", "sackd", "slurmd", "slurmdbd",
                                 "slurmrestd", "influxdb", "oci-runtime", "smtp", "cos-agent"}) {
        registry.on_relation(
            endpoint,
            {RelationEventKind::Created, RelationEventKind::Joined, RelationEventKind::Changed,
             RelationEventKind::Departed, RelationEventKind::Broken},
            reconcile_handler);
    }
    registry.on_action("show-current-config",
                       [this](const auto&) { action_show_current_config(); });
    registry.on_action("set-node-state", [this](const auto&) { action_set_node_state(); });
    registry.on_action("rotate-auth-key", [this](const auto&) { action_rotate_auth_key(); });
    registry.on_action("rotate-jwt-key", [this](const auto&) { action_rotate_jwt_key(); });
    registry.on_action("takeover", [this](const auto&) { action_takeover(); });
    registry.after_each([this](const juju::HookContext&) { update_status(); });
}

// ---- facts -------------------------------------------------------------------------------------

const CharmConfig& Charm::config() {
    if (!config_) {
        config_ = CharmConfig::from_json(tools_.config_get(), slurm_version());
    }
    return *config_;
}

bool Charm::leader() {
    if (!leader_) {
        leader_ = tools_.is_leader();
    }
    return *leader_;
}

std::optional<slurm::SlurmVersion> Charm::slurm_version() {
    if (!slurm_version_) {
        slurm_version_.emplace();
        if (const auto installed = host::installed_version(host_, kPackage)) {
            auto parsed = slurm::SlurmVersion::parse(*installed);
            if (parsed.has_value()) {
                *slurm_version_ = parsed.value();
            } else {
                log::warning("cannot read the Slurm version from `{}`: {}", *installed,
                             parsed.error().message);
            }
        }
    }
    return *slurm_version_;
}

bool Charm::dying() {
    if (!dying_) {
        // Juju runs only teardown hooks for a dying unit: departed (this unit departing),
        // broken, stop, remove. A broken hook does not say why the relation went, so the first
        // teardown hook records it in unit state, and goal-state settles a broken hook that
        // comes first.
        const auto& hook = context_.hook_name;
        bool dying = hook == "stop" || hook == "remove" ||
                     (context_.relation && context_.relation->kind == RelationEventKind::Departed &&
                      context_.relation->departing_unit == context_.unit_name);
        if (!dying && context_.relation) {
            dying = tools_.state_get().count(std::string(kStateDying)) != 0;
            if (!dying && context_.relation->kind == RelationEventKind::Broken) {
                const auto goal = tools_.goal_state();
                const auto self = goal.units.find(context_.unit_name);
                dying = self != goal.units.end() && self->second.status == "dying";
            }
        }
        dying_ = dying;
    }
    return *dying_;
}

std::vector<juju::RelationId> Charm::relations(std::string_view endpoint) {
    return tools_.relation_ids(endpoint);
}

std::optional<std::string> Charm::remote_app(const juju::RelationId& relation) {
    if (context_.relation && context_.relation->relation == relation &&
        !context_.relation->remote_app.empty()) {
        return context_.relation->remote_app;
    }
    try {
        auto app = tools_.relation_list_app(relation);
        if (app.empty()) {
            return std::nullopt;
        }
        return app;
    } catch (const juju::HookToolError& error) {
        log::warning("cannot tell which application is on {}: {}", relation.str(),
                     error.stderr_text());
        return std::nullopt;
    }
}

Charm::PeerView& Charm::peers() {
    if (peers_) {
        return *peers_;
    }
    PeerView view;
    view.members.push_back({context_.unit_name, hostname_});
    const auto ids = relations(kPeerEndpoint);
    if (!ids.empty()) {
        view.relation = ids.front();
        for (const auto& unit : tools_.relation_list(*view.relation)) {
            const auto data = tools_.relation_get(*view.relation, unit);
            std::string hostname;
            if (const auto found = data.find(std::string(kPeerHostnameKey)); found != data.end()) {
                try {
                    hostname = juju::codec::decode_string_tolerant(kPeerHostnameKey, found->second);
                } catch (const std::exception& error) {
                    log::warning("ignoring the hostname {} published: {}", unit, error.what());
                }
            }
            view.members.push_back({unit, hostname});
        }
        const auto app_data = tools_.relation_get_app(*view.relation, context_.app_name);
        const auto read = [&app_data](std::string_view key) -> std::string {
            const auto found = app_data.find(std::string(key));
            if (found == app_data.end() || found->second.empty()) {
                return {};
            }
            try {
                return juju::codec::decode_string(key, found->second);
            } catch (const std::exception& error) {
                log::warning("ignoring peer application data: {}", error.what());
                return {};
            }
        };
        view.cluster_name = read(kPeerClusterNameKey);
        view.restart_signal = read(kPeerRestartSignalKey);
        view.statefs_id = read(kPeerStatefsIdKey);
    }
    peers_ = std::move(view);
    return *peers_;
}

void Charm::load_facts() {
    if (hostname_.empty()) {
        hostname_ = host_.short_hostname();
    }
}

// ---- the reconcile -----------------------------------------------------------------------------

void Charm::reconcile() {
    load_facts();
    const bool fresh_install = context_.hook_name == "install";
    if (!ensure_installed()) {
        return;
    }
    configure_machine(fresh_install || context_.hook_name == "upgrade-charm");
    if (!config().valid()) {
        for (const auto& problem : config().problems) {
            log::error("{}", problem);
        }
        decided_ = DecidedStatus{WorkloadState::Blocked, config().blocked_message()};
        return;
    }
    publish_hostname();
    if (leader()) {
        ensure_cluster_name();
        request_mount();
    }
    if (ha_enabled() && !prepare_shared_fs()) {
        return;
    }
    handle_secret_event_before();
    if (leader() && config_dir_ready()) {
        restore_key_files(/*only_when_missing=*/true);
        write_config_files();
    }
    run_controller();
    handle_secret_event_after();
    if (leader()) {
        update_integrations();
    }
}

void Charm::teardown() {
    load_facts();
    if (tools_.state_get().count(std::string(kStateDying)) == 0) {
        tools_.state_set({{std::string(kStateDying), "true"}});
    }
    if (!host::installed_version(host_, kPackage)) {
        return;
    }
    hand_over_control();
}

// ---- status ------------------------------------------------------------------------------------

DecidedStatus Charm::evaluate_status() {
    using WS = WorkloadState;
    if (decided_) {
        return *decided_;
    }
    if (dying()) {
        return {WS::Maintenance, "Stopping `slurmctld`"};
    }
    if (!config().valid()) {
        return {WS::Blocked, config().blocked_message()};
    }
    if (!slurm_version()) {
        return {WS::Blocked, std::string(kMsgNotInstalled)};
    }
    if ((config().use_network_state || !leader()) && !ha_enabled()) {
        return {WS::Blocked, std::string(kMsgNeedSharedFs)};
    }
    if (!mount_related() && etc_slurm_on_shared_fs()) {
        // /etc/slurm and the state live on the shared file system; without the integration
        // that provides it they are about to disappear.
        return {WS::Blocked,
                "The `mount` integration is gone but /etc/slurm is on the shared "
                "file system: integrate a filesystem-client again"};
    }
    const bool active = host::service_is_active(host_, kService);
    if (ha_enabled() && !shared_fs_mounted() && !active) {
        return {WS::Blocked, std::string(kMsgNeedSharedFs)};
    }
    if (peers().cluster_name.empty()) {
        return {WS::Waiting, std::string(kMsgWaitingClusterName)};
    }
    const auto slurm_conf = host_.read_file(std::string(kSlurmConf));
    if (!slurm_conf) {
        return {WS::Waiting, leader() ? std::string(kMsgWaitingConfig)
                                      : "Waiting for " + std::string(kSlurmConf)};
    }
    if (!leader()) {
        const auto controllers = configured_controllers();
        if (std::find(controllers.begin(), controllers.end(), hostname_) == controllers.end()) {
            return {WS::Waiting,
                    "Waiting for " + hostname_ + " to be added to " + std::string(kSlurmConf)};
        }
        const auto auth =
            slurm_version() ? slurm::auth_setup_for(*slurm_version()) : slurm::AuthSetup::SlurmJwks;
        if (auth == slurm::AuthSetup::SlurmJwks &&
            host_.status(std::string(kJwksFile)).type == host::FileType::Missing) {
            return {WS::Waiting, "Waiting for " + std::string(kJwksFile)};
        }
        if (host_.status(std::string(kJwtKeyFile)).type == host::FileType::Missing) {
            return {WS::Waiting, "Waiting for " + std::string(kJwtKeyFile)};
        }
    } else if (!all_units_observed()) {
        return {WS::Waiting, std::string(kMsgWaitingPlannedUnits)};
    }
    if (!active) {
        return {WS::Waiting, std::string(kMsgWaitingStart)};
    }
    if (slurm_version() && slurm::auth_setup_for(*slurm_version()) == slurm::AuthSetup::SlurmJwks) {
        if (const auto problem = slurm::auth_key_problem(host_.read_file(std::string(kJwksFile)))) {
            return {WS::Waiting, *problem};
        }
    }
    std::string message = slurm::controller_status(ping(), hostname_);
    if (slow_statefs_p99_) {
        const auto milliseconds = static_cast<double>(slow_statefs_p99_->count()) / 1000.0;
        message += fmt::format("{}shared file system slow: p99 fsync+rename {:.0f} ms",
                               message.empty() ? "" : "; ", milliseconds);
    }
    return {WS::Active, message};
}

void Charm::update_status() {
    load_facts();
    const DecidedStatus status = evaluate_status();
    tools_.status_set(status.state, status.message, /*application=*/false);
    if (leader() && !context_.is_action()) {
        if (status.state == WorkloadState::Active) {
            set_application_status();
        } else {
            tools_.status_set(status.state, status.message, /*application=*/true);
        }
    }
}

void Charm::set_application_status() {
    // Which controller serves clients now, in words an admin can act on. `scontrol ping`
    // cannot tell (its labels are configured positions), so ask each controller that answers
    // pings, in failover order, whether it is the one in control.
    const auto pings = ping();
    std::size_t up = 0;
    for (const auto& entry : pings) {
        up += entry.up ? 1 : 0;
    }
    const auto serving = serving_controller();
    std::string serving_mode;
    for (const auto& entry : pings) {
        if (serving && entry.hostname == *serving) {
            serving_mode = entry.mode;
        }
    }
    std::string who;
    if (serving) {
        who = *serving;
        for (const auto& member : peers().members) {
            if (member.hostname == *serving) {
                who = member.unit;
            }
        }
        who += " (" + serving_mode + ") in control";
    } else {
        who = "no controller in control";
    }
    const auto message = fmt::format("{}; {} of {} controllers UP", who, up, pings.size());
    tools_.status_set(serving ? WorkloadState::Active : WorkloadState::Waiting, message,
                      /*application=*/true);
}

}  // namespace slurmctld::charm
