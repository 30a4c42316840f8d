// The auth and JWT keys. The app-owned Juju secrets (`slurm-auth-key`, `slurm-jwt-key`) are the
// source of truth: the leader creates them once, and the unit that writes /etc/slurm makes the
// key files equal to them on every full hook (compared by content), so a hook killed between a
// secret-add and a file write, or a file changed by hand, never leaves keys the clients do not
// share.
#pragma once

#include <string>

#include <slurmctld/charm/reconcile.hpp>

namespace slurmctld::charm {

/// The two secrets' IDs as ops' Secret.get_info().id gives them (secret://<model>/<id>), which is
/// what upstream puts in ControllerData.
struct SecretIds {
    std::string auth;
    std::string jwt;
};

/// The IDs of the key secrets (secret-info-get by label); "" for one that does not exist yet.
SecretIds key_secret_ids(HookScope& scope);

/// The auth key file this Slurm reads: slurm.jwks (>= 24.05), slurm.key (23.11), munge.key.
std::string auth_key_path(const std::optional<slurm::SlurmVersion>& slurm);

}  // namespace slurmctld::charm
