// Actions (upstream.md §1.3) and key rotation (§3.4), plus the planned takeover.
#include <algorithm>
#include <cctype>
#include <chrono>

#include <slurmctld/charm/actions.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/controller_probe.hpp>
#include <slurmctld/charm/failover_resync.hpp>
#include <slurmctld/charm/keys.hpp>
#include <slurmctld/charm/reconcile.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/juju/hook_runner.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/auth_keys.hpp>
#include <slurmctld/slurm/upstream_form.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;

namespace {

/// Python's str.capitalize(): first character upper case, the rest lower case (upstream
/// passes its whole error message through it).
std::string capitalize(std::string text) {
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        text[i] = static_cast<char>(i == 0 ? std::toupper(c) : std::tolower(c));
    }
    return text;
}

/// A Python list of strings as repr() prints it: ['scontrol', 'update'].
std::string python_list(const std::vector<std::string>& items) {
    std::string text = "[";
    for (std::size_t i = 0; i < items.size(); ++i) {
        text += (i == 0 ? "'" : ", '") + items[i] + "'";
    }
    return text + "]";
}

std::string param(const nlohmann::json& params, const char* name) {
    const auto found = params.find(name);
    return found != params.end() && found->is_string() ? found->get<std::string>() : "";
}

/// An action is waited for by the user who ran it (and Slurm 24.11 takes about 29 s to hand
/// control back to a restarted primary): longer than a hook may wait.
constexpr std::chrono::seconds kActionWaitBudget{90};
constexpr std::chrono::seconds kTakeoverWait{90};

void show_current_config(juju::HookTools& tools, host::Host& host) {
    const auto text = host.read_file(std::string(kSlurmConf));
    if (!text) {
        throw juju::HandledCondition(std::string(kSlurmConf) + " does not exist yet");
    }
    auto document = slurm::ConfigDocument::parse_remembered(*text, slurm::ConfigDialect::SlurmConf);
    if (!document.has_value()) {
        throw juju::HandledCondition("cannot parse " + std::string(kSlurmConf) + ": " +
                                     document.error().describe());
    }
    tools.action_set({{"slurm.conf", slurm::upstream_text(document.value())}});
}

void set_node_state(juju::HookTools& tools, host::Host& host) {
    const auto params = tools.action_get();
    const std::string nodes = param(params, "nodes");
    const std::string state = param(params, "state");
    const std::string reason = param(params, "reason");
    std::vector<std::string> args{"update", "nodename=" + nodes, "state=" + state};
    if (state != "idle") {
        // The quotes are literal characters of the argument, as upstream passes them.
        args.push_back("reason='" + (reason.empty() ? std::string("n/a") : reason) + "'");
    } else if (!reason.empty()) {
        tools.action_log(
            "Warning: The 'idle' state does not require a reason to be set. Not updating to "
            "node(s) " +
            nodes + " 'reason' field to '" + reason + "'.");
    }
    const auto result = host.scontrol(args);
    if (!result.ok()) {
        std::vector<std::string> command{"scontrol"};
        command.insert(command.end(), args.begin(), args.end());
        const std::string message =
            "failed to set state of node(s) " + nodes + " to state '" + state + "'. reason:\n" +
            "scontrol command '" + python_list(command) + "' failed with exit code " +
            std::to_string(result.exit_code) + ". reason: " + result.stderr_text;
        log::error("{}", message);
        tools.action_fail(capitalize(message));
        return;
    }
    log::info("set state of node(s) {} to {}", nodes, state);
}

/// Applies a key file change to the controllers: this one re-reads it, the others are told.
void apply_key_change(HookScope& scope) {
    Outcome outcome;
    publish_restart_signal(scope);
    if (auto stop = run_munge(scope)) {
        throw std::runtime_error(stop->message);
    }
    if (auto stop = run_controller(scope, outcome)) {
        throw std::runtime_error(stop->message);
    }
}

void rotate_auth_key(HookScope& scope) {
    auto& tools = scope.tools;
    const auto& facts = scope.facts;
    if (!facts.leader) {
        tools.action_fail("Only the leader unit can rotate the auth key.");
        return;
    }
    if (!facts.slurm || slurm::auth_setup_for(*facts.slurm) != slurm::AuthSetup::SlurmJwks) {
        tools.action_fail("Key rotation needs auth/slurm with slurm.jwks (Slurm 24.05 or newer).");
        return;
    }
    if (!writes_configuration(facts, read_placement(scope.host))) {
        tools.action_fail("This unit does not hold the controllers' configuration.");
        return;
    }
    const auto ids = key_secret_ids(scope);
    auto key = slurm::generate_auth_key();
    const juju::SecretContent content{{"key", std::string(key.key)}, {"keyid", key.keyid}};
    try {
        // Both keys are accepted while the clients move to the new one (upstream.md §3.4).
        auto jwks = slurm::Jwks::parse(scope.host.read_file(std::string(kJwksFile)).value_or("{}"));
        if (!jwks.has_value()) {
            throw std::runtime_error(jwks.error().message);
        }
        if (const auto applied = jwks.value().apply(std::move(key)); !applied.has_value()) {
            throw std::runtime_error(applied.error().message);
        }
        const auto text = jwks.value().render();
        scope.host.write_file(std::string(kJwksFile), std::string_view(text.data(), text.size()),
                              slurm_secret_file());
        apply_key_change(scope);
    } catch (const std::exception& error) {
        log::error("failed to update auth key: {}", error.what());
        tools.action_fail("Failed to update auth key. See `juju debug-log` for details.");
        return;
    }
    try {
        tools.secret_set(ids.auth, content);
    } catch (const std::exception& error) {
        log::error("failed to publish new auth key secret: {}", error.what());
        tools.action_fail(
            "Failed to publish new auth key secret. See `juju debug-log` for details.");
    }
}

void rotate_jwt_key(HookScope& scope) {
    auto& tools = scope.tools;
    const auto& facts = scope.facts;
    if (!facts.leader) {
        tools.action_fail("Only the leader unit can rotate the JWT key.");
        return;
    }
    if (!writes_configuration(facts, read_placement(scope.host))) {
        tools.action_fail("This unit does not hold the controllers' configuration.");
        return;
    }
    const auto ids = key_secret_ids(scope);
    const auto pem = slurm::generate_jwt_key_pem();
    try {
        scope.host.write_file(std::string(kJwtKeyFile), std::string_view(pem.data(), pem.size()),
                              slurm_secret_file());
        apply_key_change(scope);
    } catch (const std::exception& error) {
        log::error("failed to update JWT key: {}", error.what());
        tools.action_fail("Failed to update JWT key. See `juju debug-log` for details.");
        return;
    }
    try {
        tools.secret_set(ids.jwt, {{"key", std::string(pem)}});
    } catch (const std::exception& error) {
        log::error("failed to publish new JWT key secret: {}", error.what());
        tools.action_fail(
            "Failed to publish new JWT key secret. See `juju debug-log` for details.");
    }
}

/// The time as the takeover token: milliseconds since the epoch.
std::string takeover_token(host::Host& host) {
    const auto now = host.now().time_since_epoch();
    return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now).count());
}

void takeover(HookScope& scope) {
    auto& host = scope.host;
    auto& tools = scope.tools;
    const auto& facts = scope.facts;
    const auto& hostname = facts.hostname;
    const auto controllers = configured_controllers(host);
    const auto self = std::find(controllers.begin(), controllers.end(), hostname);
    if (self == controllers.end()) {
        tools.action_fail("This unit's controller is not running.");
        return;
    }
    // `scontrol takeover` makes the controller in control save everything and exit first. A
    // takeback does not always: on 24.11 the holder may still be relinquishing when the
    // primary gives up waiting ("Old state possible", docs/reference/slurm-ha.md §3), so there
    // the failover resync runs as after a failure.
    bool saved_before_handover = false;
    if (!host::service_is_active(host, kService)) {
        if (!held_back_by(facts, host, controllers)) {
            tools.action_fail("This unit's controller is not running.");
            return;
        }
        // Held back after a takeover: taking control back is this planned start (Slurm's
        // takeback: the holder saves its state and hands over when asked).
        record_taken_back(facts, host);
        try {
            host::enable_service(host, kService);
            host::start_service(host, kService);
        } catch (const host::ServiceError& error) {
            log::error("{}", error.what());
            tools.action_fail("Failed to start `slurmctld`. See `juju debug-log` for details.");
            return;
        }
    } else if (in_control(host, hostname).value_or(false)) {
        tools.action_set({{"in-control", hostname}});
        return;
    } else if (self == controllers.begin()) {
        // The primary takes control back when it starts (Slurm's takeback).
        record_taken_back(facts, host);
        host::restart_service(host, kService);
    } else {
        const auto index = static_cast<std::size_t>(self - controllers.begin());
        const auto result = host.scontrol({"takeover", std::to_string(index)});
        if (!result.ok()) {
            tools.action_fail("scontrol takeover failed: " + result.stderr_text);
            return;
        }
        saved_before_handover = true;
        // Tells the controllers earlier in SlurmctldHost order not to start (and take control
        // back) on their own; committed when the action ends.
        if (facts.peers.relation) {
            tools.relation_set(
                *facts.peers.relation,
                {{std::string(kPeerTakeoverKey), juju::codec::encode(takeover_token(host))}},
                /*app=*/false);
        }
    }
    if (scope.waits.wait_until([&] { return in_control(host, hostname).value_or(false); },
                               kTakeoverWait, std::chrono::milliseconds(500))) {
        if (saved_before_handover) {
            // No node needs to register again (failover_resync.hpp).
            record_failover_resync(host, /*done=*/true);
        }
        tools.action_set({{"in-control", hostname}});
        return;
    }
    tools.action_fail("The controller on " + hostname + " did not take control within " +
                      std::to_string(kTakeoverWait.count()) + " s.");
}

}  // namespace

void run_charm_action(const juju::HookContext& context, juju::HookTools& tools, host::Host& host) {
    const auto& name = context.action->name;
    if (name == "show-current-config") {
        show_current_config(tools, host);
        return;
    }
    if (name == "set-node-state") {
        set_node_state(tools, host);
        return;
    }
    const Facts facts = load_facts(context, tools, host);
    WaitBudget waits(host, kActionWaitBudget);
    HookScope scope{facts, tools, host, waits};
    if (name == "rotate-auth-key") {
        rotate_auth_key(scope);
    } else if (name == "rotate-jwt-key") {
        rotate_jwt_key(scope);
    } else if (name == "takeover") {
        takeover(scope);
    } else {
        throw juju::HandledCondition("unknown action " + name);
    }
}

}  // namespace slurmctld::charm
