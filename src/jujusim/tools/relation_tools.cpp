// relation-ids, relation-list, relation-get, relation-set, relation-model-get.
#include <algorithm>
#include <regex>

#include "tool_call.hpp"

namespace jujusim {

CommandResult tool_handlers::relation_ids(ToolCall& call) {
    std::string endpoint;
    if (!call.args().empty()) {
        endpoint = call.args()[0];
    } else if (call.op().relation_id >= 0) {
        endpoint = call.op().endpoint;
    } else {
        call.usage_error(std::string(tool_message::kNoEndpoint));
    }
    std::vector<std::string> ids;
    // Before install Juju's agent has joined no relation: none is listed (the peer relation's
    // relation-created comes after install).
    for (const auto& [id, relation] : call.model.relations) {
        if (!call.unit.installed) {
            break;
        }
        const RelationEnd* mine = relation.end_of(call.unit.app);
        if (mine == nullptr || mine->endpoint != endpoint) {
            continue;
        }
        const auto seen = call.unit.relations.find(id);
        if (seen != call.unit.relations.end() && seen->second.broken) {
            continue;
        }
        // A relation being broken is not listed during its own -broken hook.
        if (call.op().is(HookKind::RelationBroken, id)) {
            continue;
        }
        if (!participates(call.model, call.metas, relation, call.unit) &&
            seen == call.unit.relations.end()) {
            continue;
        }
        ids.push_back(endpoint + ":" + std::to_string(id));
    }
    std::sort(ids.begin(), ids.end());
    return call.output(ids);
}

CommandResult tool_handlers::relation_list(ToolCall& call) {
    const int id = call.relation(true);
    const Relation& relation = call.model.relations.at(id);
    if (call.flags().on("app")) {
        return call.output(relation.other_end(call.unit.app)->app);
    }
    std::vector<std::string> members;
    const auto seen = call.unit.relations.find(id);
    if (!call.op().is(HookKind::RelationBroken, id) && seen != call.unit.relations.end()) {
        members.assign(seen->second.joined.begin(), seen->second.joined.end());
        const auto& remote = call.op().remote_unit;
        // During -joined the joining unit is already a member (Juju updates members first).
        if (call.op().is(HookKind::RelationJoined, id) &&
            std::find(members.begin(), members.end(), remote) == members.end()) {
            members.push_back(remote);
        }
        // A unit already departed is not listed during its own departed hook.
        if (call.op().is(HookKind::RelationDeparted, id)) {
            members.erase(std::remove(members.begin(), members.end(), remote), members.end());
        }
    }
    std::sort(members.begin(), members.end(), natural_less);
    return call.output(members);
}

namespace {

/// relation-get's target: the named unit or app, else the hook's remote unit or app.
std::pair<std::string, bool> relation_get_target(ToolCall& call, int id) {
    bool app_bag = call.flags().on("app");
    std::string target;
    if (call.args().size() > 1) {
        target = call.args()[1];
    } else if (!call.op().remote_unit.empty() && call.op().relation_id == id) {
        target = call.op().remote_unit;
    } else if (!call.op().remote_app.empty() && call.op().relation_id == id) {
        target = call.op().remote_app;
        app_bag = true;
    } else {
        call.usage_error(std::string(tool_message::kNoUnitOrApp));
    }
    if (target.find('/') != std::string::npos) {
        static const std::regex kUnitName(R"([a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*/[0-9]+)");
        if (!std::regex_match(target, kUnitName)) {
            call.usage_error("invalid unit name \"" + target + "\"");
        }
        if (app_bag) {
            target = app_of(target);
        }
    } else if (!app_bag) {
        call.usage_error("expected unit name, got application name \"" + target + "\"");
    }
    return {target, app_bag};
}

}  // namespace

CommandResult tool_handlers::relation_get(ToolCall& call) {
    const int id = call.relation(true);
    std::string key = call.args().empty() ? "" : call.args()[0];
    if (key == "-") {
        key.clear();
    }
    const auto [target, app_bag] = relation_get_target(call, id);
    const Relation& relation = call.model.relations.at(id);
    const std::string owner_app = app_bag ? target : app_of(target);
    if (relation.end_of(owner_app) == nullptr) {
        call.run_error(std::string(tool_message::kPermissionDenied));
    }
    if (app_bag && owner_app == call.unit.app && !relation.is_peer() && !call.leader()) {
        call.run_error(std::string(tool_message::kPermissionDenied));
    }
    if (!app_bag && relation.unit_data.count(target) == 0 && target != call.unit.name) {
        call.run_error(std::string(tool_message::kPermissionDenied));
    }
    const Databag bag = call.databag(id, target, app_bag);
    if (key.empty()) {
        return call.output(json(bag));
    }
    const auto value = bag.find(key);
    return call.output(value == bag.end() ? json(nullptr) : json(value->second));
}

CommandResult tool_handlers::relation_set(ToolCall& call) {
    const int id = call.relation(true);
    const Databag values = call.settings();
    std::string warning;
    if (call.flags().is_set("format")) {
        warning = "--format flag deprecated for command \"relation-set\"";
    }
    if (call.flags().on("app")) {
        if (!call.leader()) {
            call.run_error(std::string(tool_message::kCannotWriteRelation));
        }
        auto& writes = call.ctx.relation_writes[id];
        writes.app_written = true;
        for (const auto& [key, value] : values) {
            writes.app[key] = value;
        }
    } else {
        auto& writes = call.ctx.relation_writes[id];
        for (const auto& [key, value] : values) {
            writes.unit[key] = value;
        }
    }
    return CommandResult{0, "", warning};
}

CommandResult tool_handlers::relation_model_get(ToolCall& call) {
    call.relation(true);
    return call.output(json{{"uuid", call.model.uuid}});
}

}  // namespace jujusim
