// Data for the Slurm services related to the controller (upstream.md §4.2): ControllerData, all
// seven keys, written the way ops' Relation.save writes them, with the key secrets granted to
// the relation. Written only where it differs, so peers see relation-changed only for news.
#include <algorithm>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/keys.hpp>
#include <slurmctld/charm/reconcile.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/upstream_form.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using Value = nlohmann::ordered_json;

namespace {

/// ControllerData with upstream's defaults (upstream.md §4.2).
Value controller_data(const std::string& auth_secret_id,
                      const std::vector<std::string>& controllers, const std::string& jwt_secret_id,
                      Value slurmconfig) {
    Value data = Value::object();
    data["auth_key"] = "";
    data["auth_key_id"] = "";
    data["auth_secret_id"] = auth_secret_id;
    data["controllers"] = controllers;
    data["jwt_key"] = "";
    data["jwt_secret_id"] = jwt_secret_id;
    data["slurmconfig"] = std::move(slurmconfig);
    return data;
}

/// relation-set of the keys of `wanted` that differ from `current` (granting the secrets
/// first); nothing when none does.
void write_changes(HookScope& scope, const juju::RelationId& relation, const juju::Databag& wanted,
                   const juju::Databag& current, const std::vector<std::string>& grants) {
    juju::Databag changes;
    for (const auto& [key, value] : wanted) {
        const auto found = current.find(key);
        if (found == current.end() || found->second != value) {
            changes[key] = value;
        }
    }
    if (changes.empty()) {
        return;
    }
    for (const auto& secret : grants) {
        if (!secret.empty()) {
            scope.tools.secret_grant(secret, relation, std::nullopt);
        }
    }
    scope.tools.relation_set(relation, changes, /*app=*/true);
    log::info("updated controller data on {}", relation.str());
}

/// slurm.conf first, then its includes, as slurmrestd rebuilds every file from them.
Value slurmrestd_config(host::Host& host) {
    std::vector<std::pair<std::string, slurm::ConfigDocument>> documents;
    const auto add = [&](const std::string& name) {
        const auto text = host.read_file(std::string(kEtcSlurm) + "/" + name);
        if (!text) {
            return;
        }
        auto parsed =
            slurm::ConfigDocument::parse_remembered(*text, slurm::ConfigDialect::SlurmConf);
        if (parsed.has_value()) {
            documents.emplace_back(name, std::move(parsed).value());
        } else {
            log::warning("{} left out of slurmrestd's data: {}", name, parsed.error().describe());
        }
    };
    add("slurm.conf");
    for (const auto& name : host.list_directory(std::string(kEtcSlurm))) {
        if (name.rfind("slurm.conf.", 0) == 0 && !name.ends_with(".snapshot")) {
            add(name);
        }
    }
    std::vector<std::pair<std::string, const slurm::ConfigDocument*>> files;
    files.reserve(documents.size());
    for (const auto& [name, document] : documents) {
        files.emplace_back(name, &document);
    }
    return slurm::slurmconfig_json(files);
}

/// The controllers the clients are told about, in failover order, and whether this unit can
/// read the configuration they run with.
struct ClientView {
    std::vector<std::string> controllers;
    bool config_readable = false;
};

std::optional<ClientView> client_view(HookScope& scope, bool require_local_controller) {
    const auto& facts = scope.facts;
    const auto placement = read_placement(scope.host);
    const auto unit = controller_unit(facts);
    const bool config_here =
        placement.etc_shared ? placement.mounted : (unit == facts.unit() && placement.local_config);
    if (config_here) {
        if (require_local_controller && !host::service_is_active(scope.host, kService)) {
            return std::nullopt;  // upstream's wait_unless(slurmctld_is_active)
        }
        return ClientView{configured_controller_entries(scope.host), true};
    }
    if (placement.ha(facts)) {
        return std::nullopt;
    }
    // Without the shared file system the controller runs on another unit's disk: keep the
    // clients pointed at it.
    const auto* member = facts.peers.member(unit);
    if (member == nullptr || member->hostname.empty()) {
        return std::nullopt;
    }
    return ClientView{{ControllerEntry{member->hostname, member->address}.str()}, false};
}

}  // namespace

void update_clients(HookScope& scope, bool require_local_controller) {
    const auto& facts = scope.facts;
    if (!facts.leader) {
        return;
    }
    auto& tools = scope.tools;
    const auto sackd = tools.relation_ids(kSackdEndpoint);
    const auto slurmd = tools.relation_ids(kSlurmdEndpoint);
    const auto slurmdbd = tools.relation_ids(kSlurmdbdEndpoint);
    const auto slurmrestd = tools.relation_ids(kSlurmrestdEndpoint);
    if (sackd.empty() && slurmd.empty() && slurmdbd.empty() && slurmrestd.empty()) {
        return;
    }
    const auto view = client_view(scope, require_local_controller);
    if (!view || view->controllers.empty()) {
        return;
    }
    const auto endpoints = controller_endpoints(view->controllers);
    const Value no_config = Value::object();
    const auto& app = facts.context.app_name;
    // In the steady state every databag is current and names the secrets already: compare
    // first, and ask Juju for the secret IDs only when something is to be written.
    const auto up_to_date = [&](const juju::Databag& current) {
        const auto id = current.find("auth_secret_id");
        const auto listed = current.find("controllers");
        return id != current.end() && id->second.size() > 2 && listed != current.end() &&
               listed->second == juju::codec::encode(endpoints);
    };
    std::optional<SecretIds> ids;
    const auto secret_ids = [&]() -> const SecretIds& {
        if (!ids) {
            ids = key_secret_ids(scope);
        }
        return *ids;
    };

    std::vector<juju::RelationId> clients(sackd);
    for (const auto& relation : slurmd) {
        // Upstream answers a slurmd application once it has sent its partition.
        const auto remote = tools.relation_list_app(relation);
        if (!remote.empty() && tools.relation_get_app(relation, remote).count("partition") != 0) {
            clients.push_back(relation);
        }
    }
    for (const auto& relation : clients) {
        const auto current = tools.relation_get_app(relation, app);
        if (up_to_date(current)) {
            continue;
        }
        const auto& secrets = secret_ids();
        write_changes(
            scope, relation,
            juju::codec::encode_fields(controller_data(secrets.auth, endpoints, "", no_config)),
            current, {secrets.auth});
    }
    for (const auto& relation : slurmdbd) {
        const auto& secrets = secret_ids();
        write_changes(
            scope, relation,
            juju::codec::encode_fields(controller_data(secrets.auth, {}, secrets.jwt, no_config)),
            tools.relation_get_app(relation, app), {secrets.auth, secrets.jwt});
    }
    if (slurmrestd.empty()) {
        return;
    }
    if (!view->config_readable) {
        log::info("slurmrestd keeps the configuration it has: it lives on {}'s disk",
                  controller_unit(facts));
        return;
    }
    const auto slurmconfig = slurmrestd_config(scope.host);
    for (const auto& relation : slurmrestd) {
        const auto& secrets = secret_ids();
        write_changes(
            scope, relation,
            juju::codec::encode_fields(controller_data(secrets.auth, {}, "", slurmconfig)),
            tools.relation_get_app(relation, app), {secrets.auth});
    }
}

}  // namespace slurmctld::charm
