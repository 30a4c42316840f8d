// A hook's buffered secret changes, applied when it exits 0 (Juju's context Flush): new secrets
// and revisions, their rotation schedule and revision expiry, grants, revocations, removals.
#include <algorithm>

#include <jujusim/controller.hpp>

namespace jujusim {

namespace {

/// secret-add/secret-set --expire: the revision it names expires then.
void set_expiry(Secret& secret, const std::string& revision, const SecretOp& op) {
    if (op.expire_at) {
        secret.expiry[revision] = *op.expire_at;
        secret.expiry_due[revision] = *op.expire_at;
    }
}

void forget_revision(Secret& secret, const std::string& revision) {
    secret.revisions.erase(revision);
    secret.expiry.erase(revision);
    secret.expiry_due.erase(revision);
}

}  // namespace

void Controller::commit_secrets(const HookContext& ctx) {
    using Kind = SecretOp::Kind;
    for (const auto& op : ctx.secret_ops) {
        if (op.kind == Kind::Add) {
            Secret secret;
            secret.id = op.id;
            secret.owner = op.owner;
            secret.unit_owned = op.unit_owned;
            secret.label = op.label.value_or("");
            secret.description = op.description.value_or("");
            secret.rotate = op.rotate.value_or("");
            secret.next_rotate = next_rotate_time(secret.rotate, now());
            secret.revisions["1"] = op.content.value_or(json::object());
            secret.latest = 1;
            set_expiry(secret, "1", op);
            secret.created_at = secret.updated_at = now();
            model_.secrets[secret.id] = secret;
            continue;
        }
        const auto secret_it = model_.secrets.find(op.id);
        if (secret_it == model_.secrets.end()) {
            continue;
        }
        Secret& secret = secret_it->second;
        if (op.kind == Kind::Set) {
            if (op.content) {
                const auto latest = secret.revisions.find(std::to_string(secret.latest));
                if (latest == secret.revisions.end() || latest->second != *op.content) {
                    secret.latest += 1;
                    secret.revisions[std::to_string(secret.latest)] = *op.content;
                }
            }
            if (op.label) {
                secret.label = *op.label;
            }
            if (op.description) {
                secret.description = *op.description;
            }
            if (op.rotate && *op.rotate != secret.rotate) {
                // A new policy starts a new schedule from now.
                secret.rotate = *op.rotate;
                secret.next_rotate = next_rotate_time(secret.rotate, now());
            }
            // --expire applies to the latest revision (the one this set made, if any).
            set_expiry(secret, std::to_string(secret.latest), op);
            secret.updated_at = now();
        } else if (op.kind == Kind::Grant) {
            secret.grants.push_back(SecretGrant{op.relation_id, op.target});
        } else if (op.kind == Kind::Revoke) {
            const std::string& target = op.target;
            const int relation_id = op.relation_id;
            secret.grants.erase(
                std::remove_if(secret.grants.begin(), secret.grants.end(),
                               [&](const SecretGrant& grant) {
                                   return (!target.empty() && grant.target == target) ||
                                          (target.empty() && grant.relation_id == relation_id);
                               }),
                secret.grants.end());
        } else if (op.kind == Kind::Remove) {
            const long revision = op.revision;
            if (revision > 0) {
                forget_revision(secret, std::to_string(revision));
            }
            if (revision <= 0 || secret.revisions.empty()) {
                model_.secrets.erase(secret_it);
            }
        }
    }
}

}  // namespace jujusim
