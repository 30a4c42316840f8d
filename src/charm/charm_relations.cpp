// Data for the Slurm services related to the controller (reference §4.2): ControllerData, all
// seven keys, written the way ops' Relation.save writes them, with the key secrets granted to
// the relation. Written only where it differs, so peers see relation-changed only for news.
#include <algorithm>

#include <slurmctld/charm/charm.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/upstream_form.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using Value = nlohmann::ordered_json;

namespace {

/// ControllerData with upstream's defaults (reference §4.2).
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

}  // namespace

void Charm::write_controller_data(const juju::RelationId& relation, const Value& data,
                                  const std::vector<std::string>& grants) {
    const auto wanted = juju::codec::encode_fields(data);
    const auto current = tools_.relation_get_app(relation, context_.app_name);
    write_changes(relation, wanted, current, grants);
}

void Charm::write_changes(const juju::RelationId& relation, const juju::Databag& wanted,
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
        tools_.secret_grant(secret, relation, std::nullopt);
    }
    tools_.relation_set(relation, changes, /*app=*/true);
    log::info("updated controller data on {}", relation.str());
}

void Charm::update_integrations(bool require_local_controller) {
    const auto sackd = relations(kSackdEndpoint);
    const auto slurmd = relations(kSlurmdEndpoint);
    const auto slurmdbd = relations(kSlurmdbdEndpoint);
    const auto slurmrestd = relations(kSlurmrestdEndpoint);
    if (sackd.empty() && slurmd.empty() && slurmdbd.empty() && slurmrestd.empty()) {
        return;
    }
    if (require_local_controller &&
        (!host::service_is_active(host_, kService) || !config_dir_ready())) {
        return;  // upstream's wait_unless(slurmctld_is_active)
    }
    const auto endpoints = controller_endpoints(configured_controllers());
    const Value no_config = Value::object();
    // In the steady state every databag is current and names the secrets already: compare
    // first, and ask Juju for the secret IDs only when something is to be written.
    const auto current_data = [this](const juju::RelationId& relation) {
        return tools_.relation_get_app(relation, context_.app_name);
    };
    const auto up_to_date = [&](const juju::Databag& current, const Value& controllers) {
        const auto id = current.find("auth_secret_id");
        const auto listed = current.find("controllers");
        return id != current.end() && id->second.size() > 2 && listed != current.end() &&
               listed->second == juju::codec::encode(controllers);
    };

    std::vector<juju::RelationId> clients(sackd);
    for (const auto& relation : slurmd) {
        // Upstream answers a slurmd application once it has sent its partition.
        const auto app = remote_app(relation);
        if (app && tools_.relation_get_app(relation, *app).count("partition") != 0) {
            clients.push_back(relation);
        }
    }
    for (const auto& relation : clients) {
        const auto current = current_data(relation);
        if (up_to_date(current, endpoints)) {
            continue;
        }
        const auto& ids = ensure_secrets();
        write_changes(
            relation,
            juju::codec::encode_fields(controller_data(ids.auth, endpoints, "", no_config)),
            current, {ids.auth});
    }
    if (slurmdbd.empty() && slurmrestd.empty()) {
        return;
    }
    const auto& ids = ensure_secrets();
    for (const auto& relation : slurmdbd) {
        write_controller_data(relation, controller_data(ids.auth, {}, ids.jwt, no_config),
                              {ids.auth, ids.jwt});
    }
    if (!slurmrestd.empty()) {
        // slurmrestd rebuilds every file from this: slurm.conf first, then its includes.
        std::vector<std::pair<std::string, slurm::ConfigDocument>> documents;
        if (auto main = load_document(std::string(kSlurmConf), slurm::ConfigDialect::SlurmConf)) {
            documents.emplace_back("slurm.conf", std::move(*main));
        }
        for (const auto& name : host_.list_directory(std::string(kEtcSlurm))) {
            if (name.rfind("slurm.conf.", 0) != 0 || name.ends_with(".snapshot")) {
                continue;
            }
            if (auto include = load_document(std::string(kEtcSlurm) + "/" + name,
                                             slurm::ConfigDialect::SlurmConf)) {
                documents.emplace_back(name, std::move(*include));
            }
        }
        std::vector<std::pair<std::string, const slurm::ConfigDocument*>> files;
        files.reserve(documents.size());
        for (const auto& [name, document] : documents) {
            files.emplace_back(name, &document);
        }
        const auto slurmconfig = slurm::slurmconfig_json(files);
        for (const auto& relation : slurmrestd) {
            write_controller_data(relation, controller_data(ids.auth, {}, "", slurmconfig),
                                  {ids.auth});
        }
    }
}

}  // namespace slurmctld::charm
