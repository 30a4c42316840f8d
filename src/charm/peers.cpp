// The peer relation's data (upstream.md §2.1): every unit publishes its hostname; the leader sets
// the cluster name once, records which unit's local state the controller runs on (ours), and
// asks the filesystem-client for the shared mount (§2.7).
#include <algorithm>
#include <array>

#include <openssl/rand.h>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/controllers.hpp>
#include <slurmctld/charm/reconcile.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/charm/status.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/names.hpp>
#include <slurmctld/util/base64.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using juju::WorkloadState;

namespace {

/// secrets.token_urlsafe(3) as upstream uses for cluster names: 3 random bytes, base64url.
std::string token_urlsafe_3() {
    std::array<unsigned char, 3> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("OpenSSL has no randomness for a cluster name");
    }
    return util::encode_base64(
        std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()),
        {util::Base64Alphabet::Url, /*padding=*/false});
}

/// The ClusterName a slurm.conf already on this machine was written with, if it is valid.
std::string existing_cluster_name(host::Host& host) {
    const auto document = read_slurm_conf(host);
    if (!document) {
        return {};
    }
    const auto name = document->get("ClusterName").value_or("");
    return slurm::cluster_name_problem(name) ? std::string() : name;
}

void publish_hostname(HookScope& scope) {
    const auto& relation = scope.facts.peers.relation;
    if (!relation) {
        return;
    }
    const auto mine = scope.tools.relation_get(*relation, scope.facts.unit());
    const std::string wanted = juju::codec::encode(scope.facts.hostname);
    const auto found = mine.find(std::string(kPeerHostnameKey));
    if (found == mine.end() || found->second != wanted) {
        scope.tools.relation_set(*relation, {{std::string(kPeerHostnameKey), wanted}}, false);
    }
}

/// The leader's peer application data: the cluster name (set once and never changed:
/// StateSaveLocation belongs to it) and the controller unit.
PeerFacts publish_leader_data(HookScope& scope) {
    const auto& facts = scope.facts;
    PeerFacts peers = facts.peers;
    if (!peers.relation) {
        return peers;
    }
    juju::Databag changes;
    if (peers.cluster_name.empty()) {
        // A slurm.conf already written (a refreshed or recovered unit) keeps its name.
        std::string name = existing_cluster_name(scope.host);
        if (name.empty() && !facts.config.cluster_name.empty()) {
            if (!facts.config.cluster_name_valid()) {
                return peers;  // the status names the option to fix
            }
            name = facts.config.cluster_name;
        }
        if (name.empty()) {
            name = "charmed-hpc-" + token_urlsafe_3();
        }
        changes[std::string(kPeerClusterNameKey)] = juju::codec::encode(name);
        changes[std::string(kPeerRestartSignalKey)] = juju::codec::encode(peers.restart_signal);
        log::info("cluster name set to {}", name);
        peers.cluster_name = name;
    }
    if (!peers.controller_form_chosen) {
        // Chosen once. A slurm.conf that lists its controllers by name alone was written by
        // the upstream charm (this one writes `host(address)` from its first slurm.conf on):
        // keep that form, so that the refresh changes nothing the clients read.
        const auto document = read_slurm_conf(scope.host);
        const auto entries =
            document ? document->get_all("SlurmctldHost") : std::vector<std::string>{};
        peers.controllers_by_name =
            !entries.empty() && std::none_of(entries.begin(), entries.end(), [](const auto& e) {
                return !parse_controller_entry(e).address.empty();
            });
        peers.controller_form_chosen = true;
        const auto form =
            peers.controllers_by_name ? kControllerFormNames : kControllerFormAddresses;
        changes[std::string(kPeerControllerFormKey)] = juju::codec::encode(std::string(form));
        if (peers.controllers_by_name) {
            log::info(
                "SlurmctldHost lists the controllers by name (as the upstream charm wrote "
                "it): they stay so, and so does every client's controller list");
        }
    }
    const auto unit = controller_unit(facts);
    if (unit == facts.unit() && peers.controller_unit != unit) {
        if (!peers.controller_unit.empty()) {
            log::warning(
                "the controller unit {} is gone and its state with it: this unit runs the "
                "controller from now on",
                peers.controller_unit);
        }
        changes[std::string(kPeerControllerUnitKey)] = juju::codec::encode(unit);
        peers.controller_unit = unit;
    }
    if (!changes.empty()) {
        scope.tools.relation_set(*peers.relation, changes, /*app=*/true);
    }
    return peers;
}

void request_mount(HookScope& scope) {
    const juju::Databag wanted{
        {"mountpoint", juju::codec::encode(std::string(kHaMountPoint))},
        {"noexec", "false"},
        {"nosuid", "false"},
        {"nodev", "false"},
        {"read_only", "false"},
    };
    if (!scope.facts.mount_related) {
        return;
    }
    for (const auto& relation : scope.tools.relation_ids(kMountEndpoint)) {
        const auto current = scope.tools.relation_get_app(relation, scope.facts.context.app_name);
        juju::Databag changes;
        for (const auto& [key, value] : wanted) {
            const auto found = current.find(key);
            if (found == current.end() || found->second != value) {
                changes[key] = value;
            }
        }
        if (!changes.empty()) {
            show_progress(scope.tools, std::string(kMsgRequestingMount));
            scope.tools.relation_set(relation, changes, /*app=*/true);
        }
    }
}

}  // namespace

PeerFacts publish_peer_data(HookScope& scope) {
    publish_hostname(scope);
    if (!scope.facts.leader) {
        return scope.facts.peers;
    }
    request_mount(scope);
    return publish_leader_data(scope);
}

}  // namespace slurmctld::charm
