// Test stand-in for the upstream slurmdbd charm (canonical/slurm-charms charms/slurmdbd), with
// the database it would get from a mysql charm in the same machine: MariaDB from Debian,
// database `slurm_acct_db` and user `slurm`. Once slurmctld's ControllerData is there
// (`auth_secret_id` and `jwt_secret_id`, upstream's readiness rule) it writes slurm.jwks and
// jwt_hs256.key from the secrets (with upstream's labels), slurmdbd.conf with upstream's keys,
// starts slurmdbd, and only when slurmdbd answers on 6819 does its leader send DatabaseData
// (`hostname`), as upstream's _reconfigure does after a successful start.
#include <slurmctld/host/services.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/util/log.hpp>
#include <slurmctld/util/process.hpp>
#include <slurmctld/util/random.hpp>

#include "common/client_charm.hpp"

namespace {

namespace juju = slurmctld::juju;
namespace host = slurmctld::host;
namespace log = slurmctld::util::log;
using slurmctld::util::run_process;

constexpr int kSlurmdbdPort = 6819;  // upstream's SLURMDBD_PORT
constexpr const char* kDatabase = "slurm_acct_db";
constexpr const char* kConf = "/etc/slurm/slurmdbd.conf";
constexpr const char* kJwtKey = "/etc/slurm/jwt_hs256.key";
const host::FileAttributes kSlurmSecretFile{"slurm", "slurm", 0600};

/// The database user's password: the one in slurmdbd.conf, else a new one.
std::string storage_password(host::Host& machine) {
    const auto conf = machine.read_file(kConf).value_or("");
    const std::string key = "StoragePass=";
    const auto at = conf.find("\n" + key);
    if (at != std::string::npos) {
        const auto start = at + 1 + key.size();
        return conf.substr(start, conf.find('\n', start) - start);
    }
    return slurmctld::util::random_alphanumeric(24);
}

/// MariaDB running, with the accounting database and its user (root's unix-socket login, the
/// statements on stdin so the password is on no command line).
std::optional<std::string> ensure_database(host::Host& machine, const std::string& password) {
    if (!host::service_is_active(machine, "mariadb")) {
        // What the package's postinst does on a real machine (and systemd-tmpfiles-setup at
        // every boot): the socket directory /run/mysqld. jujusim machines run no tmpfiles.
        const auto tmpfiles =
            run_process({"/usr/bin/systemd-tmpfiles", "--create", "mariadb.conf"});
        if (tmpfiles.exit_code != 0) {
            return "systemd-tmpfiles: " + tmpfiles.stderr_text;
        }
        host::enable_service(machine, "mariadb");
        host::start_service(machine, "mariadb");
    }
    slurmctld::util::ProcessOptions options;
    options.stdin_data = std::string("CREATE DATABASE IF NOT EXISTS ") + kDatabase +
                         ";\nCREATE USER IF NOT EXISTS 'slurm'@'localhost' IDENTIFIED BY '" +
                         password + "';\nALTER USER 'slurm'@'localhost' IDENTIFIED BY '" +
                         password + "';\nGRANT ALL ON " + kDatabase +
                         ".* TO 'slurm'@'localhost';\n";
    options.timeout = std::chrono::seconds(20);
    const auto sql = run_process({"/usr/bin/mariadb", "--user=root"}, options);
    if (sql.exit_code != 0) {
        return "mariadb: " + sql.stderr_text;
    }
    return std::nullopt;
}

/// slurmdbd.conf as upstream's config-changed and database-created handlers leave it (one file
/// here: upstream merges its storage and overrides includes into it before each restart).
std::string slurmdbd_conf(const std::string& address, const std::string& hostname,
                          const std::string& password) {
    return "AuthAltParameters=jwt_key=" + std::string(kJwtKey) +
           "\nAuthAltTypes=auth/jwt\nAuthType=auth/slurm\n" +
           (address.empty() ? "" : "DbdAddr=" + address + "\n") + "DbdHost=" + hostname +
           "\nDbdPort=" + std::to_string(kSlurmdbdPort) +
           "\nLogFile=/var/log/slurm/slurmdbd.log\nPidFile=/var/run/slurmdbd/slurmdbd.pid\n"
           "PluginDir=/usr/lib/x86_64-linux-gnu/slurm-wlm\nSlurmUser=slurm\n"
           "StorageType=accounting_storage/mysql\nStorageHost=localhost\nStorageLoc=" +
           kDatabase + "\nStoragePass=" + password + "\nStorageUser=slurm\n";
}

juju::Status reconcile(const juju::HookContext& context, juju::HookTools& tools,
                       host::Host& machine) {
    const auto integration = test_charms::find_integration(tools, "slurmctld");
    if (!integration) {
        if (host::service_is_active(machine, "slurmdbd")) {
            host::stop_service(machine, "slurmdbd");
        }
        return {"blocked", "Waiting for integrations: [`slurmctld`]"};
    }
    const auto controller = tools.relation_get_app(integration->relation, integration->remote_app);
    if (controller.count("auth_secret_id") == 0 || controller.count("jwt_secret_id") == 0) {
        return {"waiting", "Waiting for controller data"};
    }
    const bool refresh = context.hook_name == "secret-changed";
    bool changed = test_charms::write_auth_key(
        tools, machine,
        juju::codec::decode_string("auth_secret_id", controller.at("auth_secret_id")),
        kSlurmSecretFile, refresh);
    const auto jwt = tools.secret_get(
        juju::SecretRef{juju::codec::decode_string("jwt_secret_id", controller.at("jwt_secret_id")),
                        "slurm-jwt-key"},
        refresh ? juju::SecretGetOptions::refreshing() : juju::SecretGetOptions::tracked());
    if (!jwt || jwt->count("key") == 0) {
        return {"blocked", "Failed to retrieve JWT key. See `juju debug-log` for details"};
    }
    if (machine.read_file(kJwtKey) != jwt->at("key")) {
        machine.write_file(kJwtKey, jwt->at("key"), kSlurmSecretFile);
        changed = true;
    }

    const std::string password = storage_password(machine);
    if (const auto failed = ensure_database(machine, password)) {
        log::error("{}", *failed);
        return {"waiting", "Waiting for database creation"};
    }
    const auto network = tools.network_get("slurmctld");
    const std::string address =
        network.ingress_addresses.empty() ? "" : network.ingress_addresses.front();
    const std::string hostname = machine.short_hostname();
    const std::string conf = slurmdbd_conf(address, hostname, password);
    if (machine.read_file(kConf) != conf) {
        machine.write_file(kConf, conf, kSlurmSecretFile);
        changed = true;
    }
    if (changed || !host::service_is_active(machine, "slurmdbd")) {
        host::enable_service(machine, "slurmdbd");
        host::restart_service(machine, "slurmdbd");
    }
    // The first start creates the tables: up to a few seconds. Later hooks (update-status)
    // finish what this one cannot.
    bool listening = false;
    for (int i = 0; i < 40 && !listening; ++i) {
        listening = machine.can_connect("127.0.0.1", kSlurmdbdPort, std::chrono::milliseconds(500));
        if (!listening) {
            machine.sleep_for(std::chrono::milliseconds(500));
        }
    }
    if (!listening) {
        return {"waiting", "Waiting for `slurmdbd` to start"};
    }
    if (tools.is_leader()) {
        const std::string wanted = juju::codec::encode(hostname);
        const auto mine = tools.relation_get_app(integration->relation, context.app_name);
        if (mine.count("hostname") == 0 || mine.at("hostname") != wanted) {
            tools.relation_set(integration->relation, {{"hostname", wanted}}, /*app=*/true);
        }
    }
    return {"active", ""};
}

}  // namespace

int main(int argc, char** argv) {
    return test_charms::run_charm(argc, argv, reconcile);
}
