// Test stand-in for the upstream slurmrestd charm (charms/slurmrestd and slurm_ops): on install
// the `slurmrestd` system user and group (uid/gid 64031) and upstream's service override
// (User=slurmrestd, SLURM_JWT=daemon, listening on 0.0.0.0:6820); once slurmctld's data is ready
// (`auth_secret_id` and `slurmconfig` present), slurm.jwks (slurmrestd, 0600) from the auth key
// secret and every `slurmconfig` entry written back as a file under /etc/slurm (0644
// slurmrestd:slurmrestd) the way slurmutils dumps its dict, then slurmrestd restarted. Like
// upstream's, it loads every openapi plugin: Debian's 24.11 then exits at start ("Failure loading
// plugin path bindings") while the cluster has no accounting, so the e2e test relates slurmdbd
// first.
#include <sstream>

#include <slurmctld/host/services.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/config_keys.hpp>
#include <slurmctld/slurm/upstream_form.hpp>
#include <slurmctld/util/log.hpp>
#include <slurmctld/util/process.hpp>

#include "common/client_charm.hpp"

namespace {

namespace juju = slurmctld::juju;
namespace host = slurmctld::host;
namespace slurm = slurmctld::slurm;
namespace log = slurmctld::util::log;
using nlohmann::ordered_json;

constexpr const char* kService = "slurmrestd";
const host::FileAttributes kOwned{"slurmrestd", "slurmrestd", 0644};
const host::FileAttributes kSecretFile{"slurmrestd", "slurmrestd", 0600};

/// Upstream's override of Debian's unit (slurm_ops core/base.py, slurmrestd case).
constexpr const char* kUnit =
    "[Unit]\nDescription=Slurm REST daemon\nAfter=network.target slurmctld.service\n"
    "ConditionPathExists=/etc/slurm/slurm.conf\nDocumentation=man:slurmrestd(8)\n\n"
    "[Service]\nType=simple\nEnvironmentFile=-/etc/default/slurmrestd\n"
    "Environment=\"SLURM_JWT=daemon\"\n"
    "ExecStart=/usr/sbin/slurmrestd $SLURMRESTD_OPTIONS -vv 0.0.0.0:6820\n"
    "ExecReload=/bin/kill -HUP $MAINPID\nUser=slurmrestd\nGroup=slurmrestd\n\n"
    "Restart=on-failure\nRestartSec=30s\n\n[Install]\nWantedBy=multi-user.target\n";

void install(host::Host& machine) {
    using slurmctld::util::run_process;
    run_process({"/usr/sbin/groupadd", "--system", "--gid", "64031", "slurmrestd"});
    run_process({"/usr/sbin/useradd", "--system", "--uid", "64031", "--gid", "slurmrestd",
                 "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
                 "slurmrestd"});
    // slurmrestd's package does not create its environment file (upstream creates it empty).
    if (!machine.read_file("/etc/default/slurmrestd")) {
        machine.write_file("/etc/default/slurmrestd", "", {"root", "root", 0644});
    }
    machine.write_file("/usr/lib/systemd/system/slurmrestd.service", kUnit, {"root", "root", 0644});
    host::daemon_reload(machine);
    host::stop_service(machine, kService);
    host::disable_service(machine, kService);
}

/// One `key=value` of a dumped line, as slurmutils writes it for the key's kind.
std::string pair(const std::string& key, slurm::ValueKind kind, const ordered_json& value) {
    return key + "=" + slurm::upstream_value_text(kind, value);
}

/// slurmutils' dump of a SlurmConfig dict: options in order, one line per SlurmctldHost and
/// include, records (partitions, nodes, nodesets, frontendnodes: name -> fields; downnodes: a
/// list) one per line.
std::string slurm_conf_text(const ordered_json& dict) {
    static const std::vector<std::pair<std::string, std::string>> kRecords = {
        {"nodes", "NodeName"},
        {"frontendnodes", "FrontendName"},
        {"nodesets", "NodeSet"},
        {"partitions", "PartitionName"}};
    std::ostringstream text;
    for (const auto& [key, value] : dict.items()) {
        const auto record = std::find_if(kRecords.begin(), kRecords.end(),
                                         [&](const auto& r) { return r.first == key; });
        if (record != kRecords.end()) {
            // Each record's fields hold its naming key too ("partitionname": "compute"), first.
            const std::string naming_key = slurm::to_lower(record->second);
            for (const auto& [name, fields] : value.items()) {
                std::string line =
                    fields.contains(naming_key) ? "" : naming_key + "=" + std::string(name);
                for (const auto& [field, field_value] : fields.items()) {
                    line +=
                        (line.empty() ? "" : " ") +
                        pair(field, slurm::record_field_kind(record->second, field), field_value);
                }
                text << line << "\n";
            }
        } else if (key == "downnodes") {
            for (const auto& entry : value) {
                std::string line;
                for (const auto& [field, field_value] : entry.items()) {
                    line += (line.empty() ? "" : " ") +
                            pair(field, slurm::record_field_kind("DownNodes", field), field_value);
                }
                text << line << "\n";
            }
        } else if (key == "include") {
            for (const auto& file : value) {
                text << "include " << file.get<std::string>() << "\n";
            }
        } else {
            const auto* info = slurm::find_key(slurm::ConfigDialect::SlurmConf, key);
            const auto kind = info != nullptr ? info->kind : slurm::ValueKind::Automatic;
            if (kind == slurm::ValueKind::Multiline && value.is_array()) {
                for (const auto& line : value) {
                    text << pair(key, slurm::ValueKind::Automatic, line) << "\n";
                }
            } else {
                text << pair(key, kind, value) << "\n";
            }
        }
    }
    // dump() writes str(model) and a newline: an empty file is "\n" (Slurm warns of "").
    return text.str().empty() ? "\n" : text.str();
}

juju::Status reconcile(const juju::HookContext& context, juju::HookTools& tools,
                       host::Host& machine) {
    if (context.hook_name == "install") {
        install(machine);
    }
    const auto integration = test_charms::find_integration(tools, "slurmctld");
    if (!integration) {
        if (host::service_is_active(machine, kService)) {
            host::disable_service(machine, kService);  // slurmctld_disconnected
            host::stop_service(machine, kService);
        }
        return {"blocked", "Waiting for integrations: [`slurmctld`]"};
    }
    const auto data = tools.relation_get_app(integration->relation, integration->remote_app);
    if (data.count("auth_secret_id") == 0 || data.count("slurmconfig") == 0) {
        return {"waiting", "Waiting for controller data"};
    }
    const bool refresh = context.hook_name == "secret-changed";
    bool changed = test_charms::write_auth_key(
        tools, machine, juju::codec::decode_string("auth_secret_id", data.at("auth_secret_id")),
        kSecretFile, refresh);
    const auto files = juju::codec::decode("slurmconfig", data.at("slurmconfig"));
    for (const auto& [name, dict] : files.items()) {
        // A file name from the relation becomes a path: one plain name under /etc/slurm.
        if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
            log::error("slurmconfig entry '{}' is not a file name; left out", name);
            continue;
        }
        const std::string path = "/etc/slurm/" + name;
        const std::string text = slurm_conf_text(ordered_json(dict));
        if (machine.read_file(path) != text) {
            machine.write_file(path, text, kOwned);
            changed = true;
        }
    }
    auto state = test_charms::daemon_state(machine, kService);
    if (changed || state == test_charms::DaemonState::Down) {
        state = test_charms::restart_daemon(machine, kService);
        log::info("slurmrestd (re)started with {} configuration files", files.size());
    }
    return test_charms::daemon_status(kService, state);
}

}  // namespace

int main(int argc, char** argv) {
    return test_charms::run_charm(argc, argv, reconcile);
}
