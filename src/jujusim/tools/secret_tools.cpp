// secret-add, secret-set, secret-get, secret-ids, secret-info-get, secret-grant, secret-revoke,
// secret-remove. Changes are buffered in the hook context and applied in order on commit.
#include <algorithm>
#include <regex>
#include <set>

#include <slurmctld/util/random.hpp>

#include "tool_call.hpp"

namespace jujusim {

namespace {

using slurmctld::juju::bare_secret_id;

/// A new secret's id: 20 characters of Juju's base32 (xid) alphabet.
std::string new_secret_id() {
    return slurmctld::util::random_string(20, "0123456789abcdefghijklmnopqrstuv");
}

bool owned_by(const Secret& secret, const Unit& unit) {
    return secret.unit_owned ? secret.owner == unit.name : secret.owner == unit.app;
}

/// The secret's metadata is the unit's to see (secret-ids, secret-info-get): its own secrets,
/// and its application's only while it leads (Juju's GetSecretMetadata adds the application
/// as an owner for the leader alone). Non-leaders may still secret-get the content.
bool sees_metadata(const ToolCall& call, const Secret& secret) {
    return secret.unit_owned ? secret.owner == call.unit.name
                             : secret.owner == call.unit.app && call.leader();
}

const SecretOp* pending_add(const HookContext& ctx, const std::string& id) {
    const SecretOp* found = nullptr;
    for (const auto& pending : ctx.secret_ops) {
        if (pending.kind == SecretOp::Kind::Add && pending.id == id) {
            found = &pending;
        }
    }
    return found;
}

/// Content from --file and the key=value, key#base64=..., key#file=<path> arguments
/// (juju::parse_secret_content).
json secret_content(const ToolCall& call, const std::vector<std::string>& values) {
    json content = json::object();
    if (call.flags().is_set("file")) {
        for (const auto& [key, value] :
             slurmctld::juju::parse_settings_yaml(call.tool, call.file(call.flags().get("file")))) {
            content[key] = value;
        }
    }
    for (auto& [key, value] : slurmctld::juju::parse_secret_content(
             call.tool, values, [&call](const std::string& path) { return call.file(path); })) {
        content[key] = std::move(value);
    }
    return content;
}

/// --expire as Juju's Init reads it: an RFC 3339 time, or a positive Go duration from now.
std::optional<double> expire_at(const ToolCall& call) {
    if (!call.flags().is_set("expire")) {
        return std::nullopt;
    }
    const std::string spec = call.flags().get("expire");
    if (const auto when = parse_rfc3339(spec)) {
        return when;
    }
    const auto duration = parse_go_duration(spec);
    if (!duration) {
        call.usage_error("expire time or duration \"" + spec + "\" not valid");
    }
    if (*duration <= 0) {
        call.usage_error("negative expire duration \"" + spec + "\" not valid");
    }
    return call.effects.now() + *duration;
}

/// --owner and --rotate, checked as Juju's Init does.
void check_secret_metadata(const ToolCall& call) {
    const std::string owner = call.flags().get("owner");
    if (owner != "application" && owner != "unit") {
        call.usage_error("secret owner \"" + owner + "\" not valid");
    }
    const std::string rotate = call.flags().get("rotate");
    static const std::set<std::string> kPolicies{"never",   "hourly",    "daily", "weekly",
                                                 "monthly", "quarterly", "yearly"};
    if (!rotate.empty() && kPolicies.count(rotate) == 0) {
        call.usage_error("invalid secret rotation policy \"" + rotate + "\"");
    }
}

void check_label_free(const ToolCall& call, const std::string& label) {
    for (const auto& pending : call.ctx.secret_ops) {
        if (pending.kind == SecretOp::Kind::Add && pending.label == label) {
            call.run_error("secret with label \"" + label + "\" already exists");
        }
    }
    for (const auto& [existing_id, secret] : call.model.secrets) {
        if (owned_by(secret, call.unit) && secret.label == label) {
            call.run_error("secret with label \"" + label + "\" already exists");
        }
    }
}

}  // namespace

CommandResult tool_handlers::secret_add(ToolCall& call) {
    check_secret_metadata(call);
    const json content = secret_content(call, call.args());
    if (content.empty()) {
        call.usage_error("missing secret value or filename");
    }
    const bool unit_owned = call.flags().get("owner") == "unit";
    if (!unit_owned && !call.leader()) {
        call.run_error(std::string(tool_message::kNotLeader));
    }
    const std::string label = call.flags().get("label");
    if (!label.empty()) {
        check_label_free(call, label);
    }
    const std::string id = new_secret_id();
    SecretOp change;
    change.kind = SecretOp::Kind::Add;
    change.id = id;
    change.owner = unit_owned ? call.unit.name : call.unit.app;
    change.unit_owned = unit_owned;
    change.label = label;
    change.description = call.flags().get("description");
    change.rotate = call.flags().get("rotate");
    change.content = content;
    change.expire_at = expire_at(call);
    call.ctx.secret_ops.push_back(change);
    return CommandResult{0, "secret://" + call.model.uuid + "/" + id + "\n", ""};
}

namespace {

/// A committed secret this unit may manage: owned by it (or its app, while leader).
const Secret* managed_secret(const ToolCall& call, const std::string& id, bool allow_pending) {
    const auto found = call.model.secrets.find(id);
    if (found == call.model.secrets.end()) {
        if (allow_pending && pending_add(call.ctx, id) != nullptr) {
            return nullptr;
        }
        call.run_error(tool_message::secret_not_found(id));
    }
    const Secret& secret = found->second;
    if (!owned_by(secret, call.unit)) {
        call.run_error(std::string(tool_message::kPermissionDenied));
    }
    if (!secret.unit_owned && !call.leader()) {
        call.run_error(std::string(tool_message::kNotLeader));
    }
    return &secret;
}

}  // namespace

CommandResult tool_handlers::secret_set(ToolCall& call) {
    check_secret_metadata(call);
    const std::string id = bare_secret_id(call.args()[0]);
    const json content =
        secret_content(call, std::vector<std::string>(call.args().begin() + 1, call.args().end()));
    managed_secret(call, id, false);
    SecretOp change;
    change.kind = SecretOp::Kind::Set;
    change.id = id;
    if (!content.empty()) {
        change.content = content;
    }
    const auto flag = [&](const char* key) {
        return call.flags().is_set(key) ? std::optional<std::string>(call.flags().get(key))
                                        : std::nullopt;
    };
    change.label = flag("label");
    change.description = flag("description");
    change.rotate = flag("rotate");
    change.expire_at = expire_at(call);
    call.ctx.secret_ops.push_back(change);
    return {};
}

namespace {

/// The id a --label names: own secrets by owner label, others by consumer label, this hook's
/// pending adds last (they win).
std::string id_for_label(const ToolCall& call, const std::string& label) {
    std::string id;
    for (const auto& [candidate, secret] : call.model.secrets) {
        const auto consumer = secret.consumers.find(call.unit.name);
        if ((owned_by(secret, call.unit) && secret.label == label) ||
            (consumer != secret.consumers.end() && consumer->second.label == label)) {
            id = candidate;
        }
    }
    for (const auto& pending : call.ctx.secret_ops) {
        if (pending.kind == SecretOp::Kind::Add && pending.label == label) {
            id = pending.id;
        }
    }
    if (id.empty()) {
        call.run_error(tool_message::secret_not_found(label));
    }
    return id;
}

/// A consumer's read: the tracked revision (tracking the latest on first read), --peek the
/// latest once, --refresh the latest and track it.
json consumed_content(ToolCall& call, Secret& secret, const std::string& label) {
    const bool granted =
        std::any_of(secret.grants.begin(), secret.grants.end(), [&](const SecretGrant& grant) {
            return (grant.target == call.unit.app || grant.target == call.unit.name) &&
                   call.model.relations.count(grant.relation_id) != 0;
        });
    if (!granted) {
        call.run_error(std::string(tool_message::kPermissionDenied));
    }
    auto consumer = secret.consumers.find(call.unit.name);
    long revision = secret.latest;
    if (!call.flags().on("peek") &&
        (call.flags().on("refresh") || consumer == secret.consumers.end())) {
        // Reading tracks the revision at once (the controller records consumers). What the
        // unit was told of (secret-changed) is the agent's and changes only with that hook.
        secret.consumers[call.unit.name].tracked = secret.latest;
    } else if (!call.flags().on("peek")) {
        revision = consumer->second.tracked;
    }
    if (!label.empty() && !call.args().empty()) {
        secret.consumers[call.unit.name].label = label;
    }
    const auto found = secret.revisions.find(std::to_string(revision));
    if (found == secret.revisions.end()) {
        call.run_error("secret \"" + secret.id + "\" revision " + std::to_string(revision) +
                       " not found");
    }
    call.effects.changed();
    return found->second;
}

}  // namespace

CommandResult tool_handlers::secret_get(ToolCall& call) {
    if (call.flags().on("peek") && call.flags().on("refresh")) {
        call.usage_error("specify one of --peek or --refresh but not both");
    }
    const std::string label = call.flags().get("label");
    if (call.args().empty() && label.empty()) {
        call.usage_error("require either a secret URI or label");
    }
    const std::string id =
        call.args().empty() ? id_for_label(call, label) : bare_secret_id(call.args()[0]);
    json content;
    if (const SecretOp* pending = pending_add(call.ctx, id)) {
        content = pending->content.value_or(json());
    } else {
        const auto found = call.model.secrets.find(id);
        if (found == call.model.secrets.end()) {
            call.run_error(tool_message::secret_not_found(id));
        }
        Secret& secret = found->second;
        if (owned_by(secret, call.unit)) {
            content = secret.revisions.at(std::to_string(secret.latest));
            if (!secret.unit_owned && secret.consumers.count(call.unit.name) == 0) {
                // Juju gives the units of the owning application a consumer record when they
                // read its secret, so that they get secret-changed for new revisions.
                secret.consumers[call.unit.name];
                call.effects.changed();
            }
        } else {
            content = consumed_content(call, secret, label);
        }
    }
    if (call.args().size() < 2) {
        return call.output(content);
    }
    std::string key = call.args()[1];
    if (key.ends_with("#base64")) {
        key = key.substr(0, key.size() - 7);
    }
    if (!content.contains(key)) {
        call.run_error("secret key \"" + key + "\" not found");
    }
    return call.output(content[key]);
}

CommandResult tool_handlers::secret_ids(ToolCall& call) {
    std::vector<std::string> ids;
    for (const auto& [id, secret] : call.model.secrets) {
        if (sees_metadata(call, secret)) {
            ids.push_back(id);
        }
    }
    // Go prints a nil slice as null.
    return ids.empty() ? call.output(json(nullptr)) : call.output(json(ids));
}

namespace {

ordered_json secret_info(const Secret& secret) {
    ordered_json info;
    info["revision"] = secret.latest;
    info["label"] = secret.label;
    info["owner"] = secret.unit_owned ? "unit" : "application";
    if (!secret.description.empty()) {
        info["description"] = secret.description;
    }
    if (!secret.rotate.empty()) {
        info["rotation"] = secret.rotate;
    }
    if (const double expires = latest_expiry(secret); expires > 0) {
        info["expiry"] = rfc3339(from_epoch(expires));
    }
    if (secret.next_rotate > 0) {
        info["rotates"] = rfc3339(from_epoch(secret.next_rotate));
    }
    json access = json::array();
    for (const auto& grant : secret.grants) {
        const bool to_unit = grant.target.find('/') != std::string::npos;
        access.push_back(json{{"target", (to_unit ? "unit-" : "application-") + grant.target},
                              {"scope", "relation-" + std::to_string(grant.relation_id)},
                              {"role", "view"}});
    }
    if (!access.empty()) {
        info["access"] = access;
    }
    return info;
}

}  // namespace

CommandResult tool_handlers::secret_info_get(ToolCall& call) {
    const bool by_label = call.flags().is_set("label");
    if (!call.args().empty() && by_label) {
        call.usage_error("specify either a secret URI or label but not both");
    }
    if (call.args().empty() && !by_label) {
        call.usage_error("require either a secret URI or label");
    }
    // Juju names a secret it did not find by its bare id (or the label asked for).
    const std::string wanted =
        by_label ? call.flags().get("label") : bare_secret_id(call.args()[0]);
    const Secret* found = nullptr;
    for (const auto& [id, secret] : call.model.secrets) {
        if (sees_metadata(call, secret) && (by_label ? secret.label == wanted : id == wanted)) {
            found = &secret;
        }
    }
    if (found == nullptr) {
        call.run_error(tool_message::secret_not_found(wanted));
    }
    ordered_json result;
    result[found->id] = secret_info(*found);
    return call.output(result);
}

CommandResult tool_handlers::secret_remove(ToolCall& call) {
    const std::string id = bare_secret_id(call.args()[0]);
    managed_secret(call, id, true);
    SecretOp change;
    change.kind = SecretOp::Kind::Remove;
    change.id = id;
    if (call.flags().is_set("revision")) {
        change.revision = std::stol(call.flags().get("revision"));
    }
    call.ctx.secret_ops.push_back(change);
    return {};
}

CommandResult tool_handlers::secret_grant(ToolCall& call) {
    // Juju's Init: the relation (-r, else the hook's) and the unit are usage errors, checked
    // before the secret itself is looked at.
    const std::string id = bare_secret_id(call.args()[0]);
    const int relation_id = call.relation(true);
    std::string target = call.model.relations.at(relation_id).other_end(call.unit.app)->app;
    if (call.flags().is_set("unit")) {
        const std::string unit = call.flags().get("unit");
        static const std::regex kUnitName(R"([a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*/[0-9]+)");
        if (!std::regex_match(unit, kUnitName)) {
            call.usage_error("unit \"" + unit + "\" not valid");
        }
        if (app_of(unit) != target) {
            call.usage_error("cannot specify unit \"" + unit + "\" in relation to application \"" +
                             target + "\"");
        }
        target = unit;
    }
    managed_secret(call, id, true);
    SecretOp change;
    change.kind = SecretOp::Kind::Grant;
    change.id = id;
    change.relation_id = relation_id;
    change.target = target;
    call.ctx.secret_ops.push_back(change);
    return {};
}

CommandResult tool_handlers::secret_revoke(ToolCall& call) {
    const std::string id = bare_secret_id(call.args()[0]);
    managed_secret(call, id, true);
    const auto& flags = call.flags();
    if (!flags.is_set("r") && !flags.is_set("app") && !flags.is_set("unit")) {
        call.usage_error("missing relation or application or unit");
    }
    if (flags.is_set("app") && flags.is_set("unit")) {
        call.usage_error("specify only one of application or unit");
    }
    SecretOp change;
    change.kind = SecretOp::Kind::Revoke;
    change.id = id;
    if (flags.is_set("r")) {
        change.relation_id = call.relation(true);
    }
    if (flags.is_set("app")) {
        change.target = flags.get("app");
    }
    if (flags.is_set("unit")) {
        change.target = flags.get("unit");
    }
    call.ctx.secret_ops.push_back(change);
    return {};
}

}  // namespace jujusim
