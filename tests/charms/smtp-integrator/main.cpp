// Test stand-in for the smtp-integrator charm: its leader keeps the password in an app-owned
// secret (label `smtp-password`), grants it to each smtp relation and writes the relation data
// as SmtpRelationData.to_relation_data does (plain strings).
#include "common/client_charm.hpp"

namespace {

namespace juju = slurmctld::juju;

juju::Status reconcile(const juju::HookContext& context, juju::HookTools& tools,
                       slurmctld::host::Host&) {
    const auto integration = test_charms::find_integration(tools, "smtp");
    if (!integration) {
        return {"blocked", "Waiting for integrations: [`smtp`]"};
    }
    if (!tools.is_leader()) {
        return {"active", ""};
    }
    const auto config = tools.config_get();
    const juju::SecretContent content{{"password", config.value("password", "")}};
    std::string id;
    if (const auto info = tools.secret_info_get(juju::SecretRef::by_label("smtp-password"))) {
        id = "secret:" + info->id;
        const auto current = tools.secret_get(juju::SecretRef::by_label("smtp-password"),
                                              juju::SecretGetOptions::peeking());
        if (!current || *current != content) {
            tools.secret_set(id, content);
        }
    } else {
        id = tools.secret_add(content, juju::SecretAddOptions::app_owned("smtp-password"));
    }
    const juju::Databag wanted{{"host", config.value("host", "")},
                               {"port", std::to_string(config.value("port", 587))},
                               {"user", config.value("user", "")},
                               {"password_id", id},
                               {"auth_type", "plain"},
                               {"transport_security", config.value("transport-security", "")},
                               {"skip_ssl_verify", "False"}};
    const auto mine = tools.relation_get_app(integration->relation, context.app_name);
    if (juju::Databag(mine.begin(), mine.end()) != wanted) {
        tools.secret_grant(id, integration->relation, std::nullopt);
        tools.relation_set(integration->relation, wanted, /*app=*/true);
    }
    return {"active", ""};
}

}  // namespace

int main(int argc, char** argv) {
    return test_charms::run_charm(argc, argv, reconcile);
}
