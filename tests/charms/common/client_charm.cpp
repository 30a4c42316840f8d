#include "common/client_charm.hpp"

#include <unistd.h>

#include <slurmctld/host/packages.hpp>
#include <slurmctld/host/real_host.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/juju/caching_hook_tools.hpp>
#include <slurmctld/juju/hook_runner.hpp>
#include <slurmctld/juju/process_hook_tools.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/auth_keys.hpp>
#include <slurmctld/util/log.hpp>

namespace test_charms {

namespace juju = slurmctld::juju;
namespace log = slurmctld::util::log;

std::optional<Integration> find_integration(juju::HookTools& tools, std::string_view endpoint) {
    const auto ids = tools.relation_ids(endpoint);
    if (ids.empty()) {
        return std::nullopt;
    }
    const auto app = tools.relation_list_app(ids.front());
    if (app.empty()) {
        return std::nullopt;
    }
    return Integration{ids.front(), app};
}

std::optional<ControllerData> ready_controller_data(juju::HookTools& tools,
                                                    const Integration& integration) {
    const auto data = tools.relation_get_app(integration.relation, integration.remote_app);
    const auto secret = data.find("auth_secret_id");
    const auto controllers = data.find("controllers");
    if (secret == data.end() || controllers == data.end() || secret->second == "\"\"" ||
        controllers->second == "[]") {
        return std::nullopt;
    }
    // ops 3.7 decodes every key of the databag; one that is not JSON fails the whole load.
    for (const auto& [key, value] : data) {
        juju::codec::decode(key, value);
    }
    ControllerData result;
    result.auth_secret_id = juju::codec::decode_string("auth_secret_id", secret->second);
    for (const auto& entry : juju::codec::decode("controllers", controllers->second)) {
        result.controllers.push_back(entry.get<std::string>());
    }
    return result;
}

bool lightweight(juju::HookTools& tools) {
    const auto config = tools.config_get();
    const auto value = config.find("lightweight");
    return value != config.end() && value->is_boolean() && value->get<bool>();
}

std::string auth_key_jwks(juju::HookTools& tools, const std::string& secret_id, bool refresh) {
    const auto content = tools.secret_get(
        juju::SecretRef{secret_id, "slurm-auth-key"},
        refresh ? juju::SecretGetOptions::refreshing() : juju::SecretGetOptions::tracked());
    if (!content) {
        throw std::runtime_error("auth key secret " + secret_id + " not found");
    }
    slurmctld::slurm::Jwks jwks;
    const auto set =
        jwks.set({slurmctld::slurm::SecretString(content->at("key")), content->at("keyid")});
    if (!set.has_value()) {
        throw std::runtime_error(set.error().message);
    }
    const auto text = jwks.render();
    return std::string(text.data(), text.size());
}

bool write_auth_key(juju::HookTools& tools, slurmctld::host::Host& host,
                    const std::string& secret_id, const slurmctld::host::FileAttributes& owner,
                    bool refresh) {
    const std::string wanted = auth_key_jwks(tools, secret_id, refresh);
    if (host.read_file("/etc/slurm/slurm.jwks") == wanted) {
        return false;
    }
    host.make_directories("/etc/slurm", {"root", "root", 0755});
    host.write_file("/etc/slurm/slurm.jwks", wanted, owner);
    return true;
}

std::optional<slurmctld::slurm::SlurmVersion> installed_slurm(slurmctld::host::Host& host,
                                                              std::string_view package) {
    const auto installed = slurmctld::host::installed_version(host, package);
    if (!installed) {
        return std::nullopt;
    }
    auto parsed = slurmctld::slurm::SlurmVersion::parse(*installed);
    if (!parsed.has_value()) {
        return std::nullopt;
    }
    return parsed.value();
}

bool run_munge(juju::HookTools& tools, slurmctld::host::Host& host, const std::string& secret_id,
               bool refresh) {
    const auto content = tools.secret_get(
        juju::SecretRef{secret_id, "slurm-auth-key"},
        refresh ? juju::SecretGetOptions::refreshing() : juju::SecretGetOptions::tracked());
    if (!content) {
        throw std::runtime_error("auth key secret " + secret_id + " not found");
    }
    const auto bytes = slurmctld::slurm::munge_key_bytes(content->at("key"));
    if (!bytes.has_value()) {
        throw std::runtime_error(bytes.error().message);
    }
    const std::string_view wanted(reinterpret_cast<const char*>(bytes.value().data()),
                                  bytes.value().size());
    const std::string path = "/etc/munge/munge.key";
    const bool changed = host.read_file(path) != wanted;
    if (changed) {
        host.write_file(path, wanted, {"munge", "munge", 0400});
    }
    if (changed || !slurmctld::host::service_is_active(host, "munge")) {
        slurmctld::host::enable_service(host, "munge");
        slurmctld::host::restart_service(host, "munge");
        log::info("munge (re)started with the auth key");
    }
    return changed;
}

std::variant<juju::Status, ControllerConnection> connect_to_controller(
    const juju::HookContext& context, juju::HookTools& tools, slurmctld::host::Host& host,
    const Integration& integration, bool light, const std::string& daemon,
    const slurmctld::host::FileAttributes& key_owner) {
    const auto data = ready_controller_data(tools, integration);
    if (!data) {
        return juju::Status{"waiting", "Waiting for controller data"};
    }
    const bool refresh = context.hook_name == "secret-changed";
    if (light) {
        auth_key_jwks(tools, data->auth_secret_id, refresh);
        return juju::Status{"active", "lightweight: no " + daemon};
    }
    ControllerConnection connection;
    // Before 23.11 Slurm authenticates with munge (slurmctld's rule, design.md §2).
    const auto slurm = installed_slurm(host, daemon);
    const bool munge =
        slurm && slurmctld::slurm::auth_setup_for(*slurm) == slurmctld::slurm::AuthSetup::Munge;
    connection.key_changed =
        munge ? run_munge(tools, host, data->auth_secret_id, refresh)
              : write_auth_key(tools, host, data->auth_secret_id, key_owner, refresh);
    for (const auto& controller : data->controllers) {
        connection.conf_servers += (connection.conf_servers.empty() ? "" : ",") + controller;
    }
    return connection;
}

bool write_service_options(slurmctld::host::Host& host, const std::string& service,
                           const std::string& options) {
    std::string variable = service;
    for (char& c : variable) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    const std::string path = "/etc/default/" + service;
    const std::string wanted = variable + "_OPTIONS=" + options + "\n";
    if (host.read_file(path) == wanted) {
        return false;
    }
    host.write_file(path, wanted, {"root", "root", 0644});
    return true;
}

DaemonState daemon_state(slurmctld::host::Host& host, const std::string& service) {
    const auto result = host.systemctl({"is-active", service});
    const std::string word = result.stdout_text.substr(0, result.stdout_text.find('\n'));
    if (word == "active" || word == "reloading") {
        return DaemonState::Active;
    }
    if (word == "activating" || word == "deactivating") {
        return DaemonState::Changing;
    }
    return DaemonState::Down;
}

DaemonState restart_daemon(slurmctld::host::Host& host, const std::string& service,
                           std::chrono::seconds wait) {
    slurmctld::host::enable_service(host, service);
    slurmctld::host::run_systemctl(host, {"restart", "--no-block", service});
    const auto deadline = host.steady_now() + wait;
    DaemonState state = daemon_state(host, service);
    while (state != DaemonState::Active && host.steady_now() < deadline) {
        host.sleep_for(std::chrono::milliseconds(250));
        state = daemon_state(host, service);
    }
    if (state != DaemonState::Active) {
        log::warning("{} not active {} s after its restart: a later hook looks again", service,
                     wait.count());
    }
    return state;
}

juju::Status daemon_status(const std::string& service, DaemonState state) {
    switch (state) {
        case DaemonState::Active:
            return {"active", ""};
        case DaemonState::Changing:
            return {"waiting", service + " is starting"};
        case DaemonState::Down:
            break;
    }
    return {"blocked", service + " is not running"};
}

int run_charm(int argc, char** argv, const Reconcile& reconcile) {
    return juju::run_process_hook(
        argc, argv, [&](const juju::HookContext& context, juju::HookTools& tools) {
            slurmctld::host::RealHost host;
            const auto status = reconcile(context, tools, host);
            tools.status_set(
                juju::parse_workload_state(status.state).value_or(juju::WorkloadState::Active),
                status.message, false);
            return std::function<void()>();
        });
}

}  // namespace test_charms
