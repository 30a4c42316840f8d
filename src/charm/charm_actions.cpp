// Actions (reference §1.3) and key rotation (§3.4), plus the planned takeover.
#include <algorithm>
#include <cctype>
#include <thread>

#include <slurmctld/charm/charm.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/host/services.hpp>
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

}  // namespace

void Charm::action_show_current_config() {
    const auto document = load_document(std::string(kSlurmConf), slurm::ConfigDialect::SlurmConf);
    if (!document) {
        throw juju::HandledCondition(std::string(kSlurmConf) + " does not exist yet");
    }
    tools_.action_set({{"slurm.conf", slurm::upstream_text(*document)}});
}

void Charm::action_set_node_state() {
    const auto params = tools_.action_get();
    const std::string nodes = param(params, "nodes");
    const std::string state = param(params, "state");
    const std::string reason = param(params, "reason");
    std::vector<std::string> args{"update", "nodename=" + nodes, "state=" + state};
    if (state != "idle") {
        // The quotes are literal characters of the argument, as upstream passes them.
        args.push_back("reason='" + (reason.empty() ? std::string("n/a") : reason) + "'");
    } else if (!reason.empty()) {
        tools_.action_log(
            "Warning: The 'idle' state does not require a reason to be set. Not "
            "updating to node(s) " +
            nodes + " 'reason' field to '" + reason + "'.");
    }
    const auto result = host_.scontrol(args);
    if (!result.ok()) {
        std::vector<std::string> command{"scontrol"};
        command.insert(command.end(), args.begin(), args.end());
        const std::string message =
            "failed to set state of node(s) " + nodes + " to state '" + state + "'. reason:\n" +
            "scontrol command '" + python_list(command) + "' failed with exit code " +
            std::to_string(result.exit_code) + ". reason: " + result.stderr_text;
        log::error("{}", message);
        tools_.action_fail(capitalize(message));
        return;
    }
    log::info("set state of node(s) {} to {}", nodes, state);
}

void Charm::action_rotate_auth_key() {
    load_facts();
    if (!leader()) {
        tools_.action_fail("Only the leader unit can rotate the auth key.");
        return;
    }
    const auto version = slurm_version();
    if (!version || slurm::auth_setup_for(*version) != slurm::AuthSetup::SlurmJwks) {
        tools_.action_fail("Key rotation needs auth/slurm with slurm.jwks (Slurm 24.05 or newer).");
        return;
    }
    const auto& ids = ensure_secrets();
    auto key = slurm::generate_auth_key();
    const juju::SecretContent content{{"key", std::string(key.key)}, {"keyid", key.keyid}};
    try {
        // Both keys are accepted while the clients move to the new one (reference §3.4).
        auto jwks = slurm::Jwks::parse(host_.read_file(std::string(kJwksFile)).value_or("{}"));
        if (!jwks.has_value()) {
            throw std::runtime_error(jwks.error().message);
        }
        if (const auto applied = jwks.value().apply(std::move(key)); !applied.has_value()) {
            throw std::runtime_error(applied.error().message);
        }
        const auto text = jwks.value().render();
        host_.write_file(std::string(kJwksFile), std::string_view(text.data(), text.size()),
                         slurm_secret_file());
        configuration_changed_ = true;
        run_controller();
    } catch (const std::exception& error) {
        log::error("failed to update auth key: {}", error.what());
        tools_.action_fail("Failed to update auth key. See `juju debug-log` for details.");
        return;
    }
    try {
        tools_.secret_set(ids.auth, content);
    } catch (const std::exception& error) {
        log::error("failed to publish new auth key secret: {}", error.what());
        tools_.action_fail(
            "Failed to publish new auth key secret. See `juju debug-log` for details.");
    }
}

void Charm::action_rotate_jwt_key() {
    load_facts();
    if (!leader()) {
        tools_.action_fail("Only the leader unit can rotate the JWT key.");
        return;
    }
    const auto& ids = ensure_secrets();
    const auto pem = slurm::generate_jwt_key_pem();
    try {
        host_.write_file(std::string(kJwtKeyFile), std::string_view(pem.data(), pem.size()),
                         slurm_secret_file());
        configuration_changed_ = true;
        run_controller();
    } catch (const std::exception& error) {
        log::error("failed to update JWT key: {}", error.what());
        tools_.action_fail("Failed to update JWT key. See `juju debug-log` for details.");
        return;
    }
    try {
        tools_.secret_set(ids.jwt, {{"key", std::string(pem)}});
    } catch (const std::exception& error) {
        log::error("failed to publish new JWT key secret: {}", error.what());
        tools_.action_fail(
            "Failed to publish new JWT key secret. See `juju debug-log` for details.");
    }
}

void Charm::action_takeover() {
    load_facts();
    const auto controllers = configured_controllers();
    const auto self = std::find(controllers.begin(), controllers.end(), hostname_);
    if (self == controllers.end() || !host::service_is_active(host_, kService)) {
        tools_.action_fail("This unit's controller is not running.");
        return;
    }
    if (in_control(hostname_).value_or(false)) {
        tools_.action_set({{"in-control", hostname_}});
        return;
    }
    const auto index = static_cast<std::size_t>(self - controllers.begin());
    if (index == 0) {
        // The primary takes control back when it starts (Slurm's takeback).
        host::restart_service(host_, kService);
    } else {
        const auto result = host_.scontrol({"takeover", std::to_string(index)});
        if (!result.ok()) {
            tools_.action_fail("scontrol takeover failed: " + result.stderr_text);
            return;
        }
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    while (std::chrono::steady_clock::now() < deadline) {
        if (in_control(hostname_).value_or(false)) {
            tools_.action_set({{"in-control", hostname_}});
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    tools_.action_fail("The controller on " + hostname_ + " did not take control within 90 s.");
}

void Charm::handle_secret_event_before() {
    if (!context_.secret) {
        return;
    }
    const auto& label = context_.secret->label;
    if (label != kAuthKeyLabel && label != kJwtKeyLabel) {
        log::warning("secret with label '{}' changed. ignoring", label);
        return;
    }
    if (context_.hook_name == "secret-changed") {
        // Track the newest revision so Juju can tell the owner when the old one is unused.
        tools_.secret_get(juju::SecretRef{context_.secret->id, label},
                          juju::SecretGetOptions::refreshing());
    } else if (context_.hook_name == "secret-remove" && label == kAuthKeyLabel && leader()) {
        auto jwks = slurm::Jwks::parse(host_.read_file(std::string(kJwksFile)).value_or("{}"));
        if (jwks.has_value() && jwks.value().size() > 1 && jwks.value().keep_latest().has_value()) {
            const auto text = jwks.value().render();
            host_.write_file(std::string(kJwksFile), std::string_view(text.data(), text.size()),
                             slurm_secret_file());
            configuration_changed_ = true;
            log::info("auth key rotation complete: old key removed from slurm.jwks");
        }
    }
}

void Charm::handle_secret_event_after() {
    if (!context_.secret || context_.hook_name != "secret-remove" || !leader()) {
        return;
    }
    const auto& label = context_.secret->label;
    if ((label == kAuthKeyLabel || label == kJwtKeyLabel) && context_.secret->revision) {
        // After the controllers dropped the old key (reconfigure first, as upstream does).
        tools_.secret_remove(context_.secret->id, context_.secret->revision);
    }
}

}  // namespace slurmctld::charm
