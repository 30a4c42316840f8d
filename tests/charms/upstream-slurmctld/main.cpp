// A single slurmctld unit as the upstream (Python) charm leaves it: the recording of reference
// upstream.md §1.6, §2.1, §3, §4.2 and §5 replayed on a jujusim machine. The leader
// creates the two key secrets under upstream's labels, writes slurm.jwks, jwt_hs256.key,
// slurm.conf with its includes and gres.conf, sets upstream's peer data, gives sackd and slurmd
// upstream's ControllerData (`<host>:6817`) and runs slurmctld. Nothing of this project's charm
// is left behind (no applied-configuration record, no settled record, no unit state of its
// own), so refreshing to this project's charm starts from exactly what upstream leaves.
#include <functional>
#include <optional>
#include <stdexcept>

#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/auth_keys.hpp>

#include "common/client_charm.hpp"
#include "common/upstream_recording.hpp"

namespace {

namespace juju = slurmctld::juju;
using slurmctld::host::FileAttributes;

/// Writes `text` unless the file holds it already. Returns whether it wrote.
bool put(slurmctld::host::Host& host, const std::string& path, const std::string& text,
         const FileAttributes& attributes = {"slurm", "slurm", 0644}) {
    if (host.read_file(path) == text) {
        return false;
    }
    host.write_file(path, text, attributes);
    return true;
}

struct OwnedSecret {
    std::string id;  ///< as ops' Secret.get_info().id gives it: secret://<model>/<id>
    juju::SecretContent content;
};

/// The app-owned secret labelled `label`, created with `generate()` when missing. Juju shows a
/// secret added in this hook only once the hook has committed: until then the URI secret-add
/// prints and the content given are all there is.
std::optional<OwnedSecret> owned_secret(const juju::HookContext& context, juju::HookTools& tools,
                                        const std::string& label,
                                        const std::function<juju::SecretContent()>& generate) {
    OwnedSecret secret;
    std::string id;
    if (const auto info = tools.secret_info_get(juju::SecretRef::by_label(label))) {
        id = info->id;
        auto content =
            tools.secret_get(juju::SecretRef{id, label}, juju::SecretGetOptions::tracked());
        if (!content) {
            return std::nullopt;
        }
        secret.content = std::move(*content);
    } else {
        secret.content = generate();
        id = tools.secret_add(secret.content, juju::SecretAddOptions::app_owned(label));
    }
    secret.id = "secret://" + context.model_uuid + "/" + id.substr(id.find_last_of(":/") + 1);
    return secret;
}

juju::Databag controller_data(const std::string& auth_id, const std::string& controllers) {
    return {{"auth_key", "\"\""},
            {"auth_key_id", "\"\""},
            {"auth_secret_id", juju::codec::encode(auth_id)},
            {"controllers", controllers},
            {"jwt_key", "\"\""},
            {"jwt_secret_id", "\"\""},
            {"slurmconfig", "{}"}};
}

juju::Status reconcile(const juju::HookContext& context, juju::HookTools& tools,
                       slurmctld::host::Host& host) {
    if (!tools.is_leader()) {
        return {"blocked", "recorded upstream state: single unit only"};
    }
    const auto hostname = host.short_hostname();
    const FileAttributes key_file{"slurm", "slurm", 0600};
    host.make_directories("/etc/slurm", {"root", "root", 0755});

    // Keys (upstream.md §3): created once, files written from the secrets.
    const auto auth = owned_secret(context, tools, "slurm-auth-key", [] {
        auto key = slurmctld::slurm::generate_auth_key();
        return juju::SecretContent{{"key", std::string(key.key)}, {"keyid", key.keyid}};
    });
    slurmctld::slurm::Jwks jwks;
    if (!auth || !jwks.set({slurmctld::slurm::SecretString(auth->content.at("key")),
                            auth->content.at("keyid")})
                      .has_value()) {
        return {"blocked", "auth key secret unreadable"};
    }
    const auto& auth_id = auth->id;
    const auto rendered = jwks.render();
    put(host, "/etc/slurm/slurm.jwks", std::string(rendered.data(), rendered.size()), key_file);
    const auto jwt = owned_secret(context, tools, "slurm-jwt-key", [] {
        const auto pem = slurmctld::slurm::generate_jwt_key_pem();
        return juju::SecretContent{{"key", std::string(pem.data(), pem.size())}};
    });
    if (!jwt) {
        return {"blocked", "JWT key secret unreadable"};
    }
    put(host, "/etc/slurm/jwt_hs256.key", jwt->content.at("key"), key_file);

    // Files (upstream.md §5): the start handler's, then the compute partition of slurmd_ready.
    bool changed = put(host, "/etc/slurm/slurm.conf",
                       test_charms::upstream_slurm_conf(hostname, /*metrics=*/false));
    changed |= put(host, "/etc/slurm/gres.conf", "autodetect=nvidia\n");
    // Not upstream's: a jujusim machine has no cgroup file system (an LXD container has one,
    // and upstream writes no cgroup.conf there), and Slurm 24.11 cannot run slurmd there with
    // its cgroup plugin on; this is the file this project's charm writes in such a container.
    changed |= put(host, "/etc/slurm/cgroup.conf", "cgroupplugin=disabled\n");
    for (const auto* name : {"slurm.conf.accounting", "slurm.conf.profiling"}) {
        if (!host.read_file(std::string("/etc/slurm/") + name)) {
            changed |= put(host, std::string("/etc/slurm/") + name, "");
        }
    }
    if (!host.read_file("/etc/slurm/slurm.conf.overrides")) {
        changed |= put(host, "/etc/slurm/slurm.conf.overrides", "\n");
    }
    const auto slurmd = test_charms::find_integration(tools, "slurmd");
    std::string compute;
    if (slurmd &&
        tools.relation_get_app(slurmd->relation, slurmd->remote_app).count("partition") != 0) {
        compute = test_charms::upstream_partition_include(
            slurmd->remote_app,
            tools.config_get().value("default-partition", "") == slurmd->remote_app);
    }
    changed |= put(host, "/etc/slurm/slurm.conf.compute", compute);
    host.make_directories("/var/lib/slurm/checkpoint", {"slurm", "slurm", 0755});

    // The controller: started once, reconfigured when a file changed (upstream's _reconfigure).
    const bool active = host.systemctl({"is-active", "--quiet", "slurmctld"}).exit_code == 0;
    if (!active) {
        host.systemctl({"enable", "--now", "slurmctld"});
        tools.open_port(6817, "tcp");
        tools.open_port(9092, "tcp");
    } else if (changed) {
        host.scontrol({"reconfigure"});
    }

    // Peer data (upstream.md §2.1).
    for (const auto& peer : tools.relation_ids("slurmctld-peer")) {
        const auto mine = tools.relation_get(peer, context.unit_name);
        if (mine.count("hostname") == 0) {
            tools.relation_set(peer, {{"hostname", juju::codec::encode(hostname)}}, false);
        }
        const auto app = tools.relation_get_app(peer, context.app_name);
        if (app.count("cluster_name") == 0) {
            tools.relation_set(
                peer,
                {{"cluster_name",
                  juju::codec::encode(std::string(test_charms::kUpstreamClusterName))},
                 {"restart_signal",
                  juju::codec::encode(std::string(test_charms::kUpstreamRestartSignal))}},
                true);
        }
    }

    // ControllerData towards sackd and slurmd (upstream.md §4.2), the auth key granted.
    const std::string controllers =
        juju::codec::encode(std::vector<std::string>{hostname + ":6817"});
    for (const auto* endpoint : {"sackd", "slurmd"}) {
        for (const auto& relation : tools.relation_ids(endpoint)) {
            const auto wanted = controller_data(auth_id, controllers);
            if (tools.relation_get_app(relation, context.app_name) != wanted) {
                tools.secret_grant(auth_id, relation, std::nullopt);
                tools.relation_set(relation, wanted, true);
            }
        }
    }
    return {"active", ""};
}

}  // namespace

int main(int argc, char** argv) {
    return test_charms::run_charm(argc, argv, reconcile);
}
