#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/keys.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/slurm/auth_keys.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using juju::WorkloadState;

std::string auth_key_path(const std::optional<slurm::SlurmVersion>& slurm) {
    const auto auth = slurm ? slurm::auth_setup_for(*slurm) : slurm::AuthSetup::SlurmJwks;
    return std::string(auth == slurm::AuthSetup::SlurmJwks  ? kJwksFile
                       : auth == slurm::AuthSetup::SlurmKey ? kSlurmKeyFile
                                                            : kMungeKeyFile);
}

namespace {

std::string canonical_secret_id(const Facts& facts, const std::string& bare_or_uri) {
    if (bare_or_uri.rfind("secret:", 0) == 0) {
        return bare_or_uri;
    }
    // What ops' Secret.get_info().id gives for the bare id secret-info-get reports.
    return "secret://" + facts.context.model_uuid + "/" + bare_or_uri;
}

struct KeySecrets {
    std::optional<AuthKeyContent> auth;
    std::optional<std::string> jwt;
};

/// The secrets' content (peeked: owners do not track revisions); a missing secret is nullopt,
/// an invalid one is refused and logged.
KeySecrets read_key_secrets(HookScope& scope) {
    KeySecrets secrets;
    const auto get = [&scope](std::string_view label) {
        return scope.tools.secret_get(juju::SecretRef::by_label(std::string(label)),
                                      juju::SecretGetOptions::peeking());
    };
    if (const auto content = get(kAuthKeyLabel)) {
        auto checked = auth_key_content(*content);
        if (checked.has_value()) {
            secrets.auth = std::move(checked).value();
        } else {
            log::error("{}", checked.error().describe());
        }
    }
    if (const auto content = get(kJwtKeyLabel)) {
        auto checked = jwt_key_content(*content);
        if (checked.has_value()) {
            secrets.jwt = std::move(checked).value();
        } else {
            log::error("{}", checked.error().describe());
        }
    }
    return secrets;
}

/// Creates the missing secrets (leader only) with new keys.
void create_missing_secrets(HookScope& scope, KeySecrets& secrets) {
    if (!secrets.auth) {
        const auto key = slurm::generate_auth_key();
        AuthKeyContent content{std::string(key.key), key.keyid};
        const auto id =
            scope.tools.secret_add({{"key", content.key}, {"keyid", content.keyid}},
                                   juju::SecretAddOptions::app_owned(std::string(kAuthKeyLabel)));
        log::info("created the auth key secret {}", id);
        secrets.auth = std::move(content);
    }
    if (!secrets.jwt) {
        std::string pem(slurm::generate_jwt_key_pem());
        const auto id = scope.tools.secret_add(
            {{"key", pem}}, juju::SecretAddOptions::app_owned(std::string(kJwtKeyLabel)));
        log::info("created the JWT key secret {}", id);
        secrets.jwt = std::move(pem);
    }
}

/// The raw key file (slurm.key or munge.key) for `auth`.
Expected<slurm::SecretBytes> key_file_bytes(slurm::AuthSetup auth, const AuthKeyContent& key) {
    return auth == slurm::AuthSetup::Munge ? slurm::munge_key_bytes(key.key)
                                           : slurm::slurm_key_bytes(key.key);
}

/// Whether the auth key file holds `key` as the key Slurm signs with (the last of slurm.jwks:
/// during a rotation the old one stays before it).
bool auth_file_matches(host::Host& host, const std::string& path, slurm::AuthSetup auth,
                       const AuthKeyContent& key) {
    const auto text = host.read_file(path);
    if (!text) {
        return false;
    }
    if (auth == slurm::AuthSetup::SlurmJwks) {
        auto jwks = slurm::Jwks::parse(*text);
        if (!jwks.has_value() || jwks.value().size() == 0) {
            return false;
        }
        const auto& last = jwks.value().keys().back();
        return last.keyid == key.keyid &&
               std::string_view(last.key.data(), last.key.size()) == key.key;
    }
    auto bytes = key_file_bytes(auth, key);
    if (!bytes.has_value()) {
        return false;
    }
    const auto& raw = bytes.value();
    return *text == std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size());
}

void write_auth_file(host::Host& host, const std::string& path, slurm::AuthSetup auth,
                     const AuthKeyContent& key) {
    if (auth == slurm::AuthSetup::SlurmJwks) {
        slurm::Jwks jwks;
        if (const auto set = jwks.set({slurm::SecretString(key.key), key.keyid});
            !set.has_value()) {
            throw std::runtime_error("auth key secret: " + set.error().message);
        }
        const auto text = jwks.render();
        host.write_file(path, std::string_view(text.data(), text.size()), slurm_secret_file());
        return;
    }
    auto bytes = key_file_bytes(auth, key);
    if (!bytes.has_value()) {
        throw std::runtime_error("auth key secret: " + bytes.error().message);
    }
    const auto& raw = bytes.value();
    host.write_file(path, std::string_view(reinterpret_cast<const char*>(raw.data()), raw.size()),
                    auth == slurm::AuthSetup::Munge ? host::FileAttributes{"munge", "munge", 0400}
                                                    : slurm_secret_file());
}

}  // namespace

SecretIds key_secret_ids(HookScope& scope) {
    const auto& facts = scope.facts;
    SecretIds ids;
    const auto id_of = [&](std::string_view label) -> std::string {
        const auto info =
            scope.tools.secret_info_get(juju::SecretRef::by_label(std::string(label)));
        return info ? canonical_secret_id(facts, info->id) : std::string();
    };
    ids.auth = id_of(kAuthKeyLabel);
    ids.jwt = id_of(kJwtKeyLabel);
    return ids;
}

StepResult reconcile_keys(HookScope& scope) {
    const auto& facts = scope.facts;
    const auto placement = read_placement(scope.host);
    const bool writer = writes_configuration(facts, placement);
    const auto auth = slurm::auth_setup_for(*facts.slurm);
    // The munge key lives on each machine (/etc/munge), not on the shared file system.
    const bool local_auth_file =
        auth == slurm::AuthSetup::Munge && may_run_controller(facts, placement);
    if (!writer && !local_auth_file && !facts.leader) {
        return std::nullopt;
    }
    auto secrets = read_key_secrets(scope);
    if (facts.leader) {
        create_missing_secrets(scope, secrets);  // once, by whichever unit leads first
    }
    if (!writer && !local_auth_file) {
        return std::nullopt;
    }
    if (!secrets.auth || !secrets.jwt) {
        return Stop{WorkloadState::Waiting, "Waiting for the leader to create the key secrets"};
    }
    const auto auth_path = auth_key_path(facts.slurm);
    if (!auth_file_matches(scope.host, auth_path, auth, *secrets.auth)) {
        log::info("{} key file not found. restoring from secret", "auth");
        write_auth_file(scope.host, auth_path, auth, *secrets.auth);
    }
    if (writer && scope.host.read_file(std::string(kJwtKeyFile)) != *secrets.jwt) {
        log::info("{} key file not found. restoring from secret", "JWT");
        scope.host.write_file(std::string(kJwtKeyFile), *secrets.jwt, slurm_secret_file());
    }
    return std::nullopt;
}

void handle_secret_event(HookScope& scope, bool after_reconfigure) {
    const auto& facts = scope.facts;
    const auto& secret = facts.context.secret;
    if (!secret) {
        return;
    }
    const auto& label = secret->label;
    const bool ours = label == kAuthKeyLabel || label == kJwtKeyLabel;
    const auto& hook = facts.context.hook_name;
    if (!after_reconfigure) {
        if (!ours) {
            log::warning("secret with label '{}' changed. ignoring", label);
        } else if (hook == "secret-changed") {
            // Track the newest revision so Juju can tell the owner when the old one is unused.
            scope.tools.secret_get(juju::SecretRef{secret->id, label},
                                   juju::SecretGetOptions::refreshing());
        } else if (hook == "secret-remove" && label == kAuthKeyLabel && facts.leader) {
            // No client uses the old key any more: the controllers drop it (reconfigured by the
            // service step: slurm.jwks changed), then the revision goes.
            auto jwks =
                slurm::Jwks::parse(scope.host.read_file(std::string(kJwksFile)).value_or("{}"));
            if (jwks.has_value() && jwks.value().size() > 1 &&
                jwks.value().keep_latest().has_value()) {
                const auto text = jwks.value().render();
                scope.host.write_file(std::string(kJwksFile),
                                      std::string_view(text.data(), text.size()),
                                      slurm_secret_file());
                log::info("auth key rotation complete: old key removed from slurm.jwks");
            }
        }
        return;
    }
    if (hook == "secret-remove" && facts.leader && ours && secret->revision) {
        scope.tools.secret_remove(secret->id, secret->revision);
    }
}

}  // namespace slurmctld::charm
