#include <jujusim/tool_server.hpp>

#include "tool_call.hpp"

namespace jujusim {

namespace juju = slurmctld::juju;

namespace {

/// Every hook tool jujusim serves and its handler.
const std::map<std::string, ToolHandler>& handlers() {
    using namespace tool_handlers;
    static const std::map<std::string, ToolHandler> kTable = {
        {"relation-ids", relation_ids},
        {"relation-list", relation_list},
        {"relation-get", relation_get},
        {"relation-set", relation_set},
        {"relation-model-get", relation_model_get},
        {"is-leader", is_leader},
        {"leader-get", leader_get},
        {"leader-set", leader_set},
        {"config-get", config_get},
        {"status-set", status_set},
        {"status-get", status_get},
        {"application-version-set", application_version_set},
        {"juju-log", juju_log},
        {"state-get", state_get},
        {"state-set", state_set},
        {"state-delete", state_delete},
        {"goal-state", goal_state_tool},
        {"action-get", action_get},
        {"action-set", action_set},
        {"action-fail", action_fail},
        {"action-log", action_log},
        {"secret-add", secret_add},
        {"secret-set", secret_set},
        {"secret-get", secret_get},
        {"secret-ids", secret_ids},
        {"secret-info-get", secret_info_get},
        {"secret-grant", secret_grant},
        {"secret-revoke", secret_revoke},
        {"secret-remove", secret_remove},
        {"open-port", open_or_close_port},
        {"close-port", open_or_close_port},
        {"opened-ports", opened_ports},
        {"unit-get", unit_get},
        {"network-get", network_get},
        {"juju-reboot", juju_reboot},
        {"credential-get", credential_get},
        {"storage-get", storage_tool},
        {"storage-list", storage_tool},
        {"storage-add", storage_tool},
        {"resource-get", resource_get},
    };
    return kTable;
}

}  // namespace

// ---- ToolCall --------------------------------------------------------------------------------

CommandResult ToolCall::output(const ordered_json& value) const {
    return CommandResult{0, parsed.output(value), ""};
}

void ToolCall::usage_error(const std::string& message) const {
    juju::throw_usage_error(tool, message);
}

void ToolCall::run_error(const std::string& message) const {
    juju::throw_run_error(tool, message);
}

int ToolCall::relation(bool required) const {
    if (!flags().is_set("r")) {
        if (op().relation_id >= 0) {
            return op().relation_id;
        }
        if (required) {
            usage_error(std::string(tool_message::kNoRelationId));
        }
        return -1;
    }
    const std::string text = flags().get("r");
    const int id = juju::parse_relation_flag(tool, text).id;
    const auto relation_it = model.relations.find(id);
    const auto seen = unit.relations.find(id);
    // Juju's unit agent joins relations only once install has run (the relation state
    // tracker synchronises scopes after install), so before that no relation is known.
    const bool known =
        unit.installed && relation_it != model.relations.end() &&
        relation_it->second.end_of(unit.app) != nullptr &&
        (id == op().relation_id ||
         (seen != unit.relations.end() && seen->second.created && !seen->second.broken) ||
         participates(model, metas, relation_it->second, unit));
    if (!known) {
        usage_error(tool_message::relation_not_found(text));
    }
    return id;
}

std::string ToolCall::file(const std::string& path) const {
    if (path == "-") {
        if (!stdin_data) {
            if (needs_stdin != nullptr) {
                *needs_stdin = true;
            }
            run_error("hook tool requires stdin, none supplied");
        }
        return *stdin_data;
    }
    // jujuc reads named files inside the machine (the agent lives outside it) and sends their
    // content along; see jujuc_main.cpp.
    const auto found = ctx.files.find(path);
    if (found == ctx.files.end()) {
        run_error("open " + path + ": no such file or directory");
    }
    return found->second;
}

Databag ToolCall::settings() const {
    Databag values;
    if (flags().is_set("file")) {
        values = juju::parse_settings_yaml(tool, file(flags().get("file")));
    }
    for (const auto& [key, value] : juju::parse_key_values(tool, args())) {
        values[key] = value;
    }
    return values;
}

Databag ToolCall::databag(int relation_id, const std::string& owner, bool app_bag) const {
    const Relation& relation = model.relations.at(relation_id);
    const auto& bags = app_bag ? relation.app_data : relation.unit_data;
    const auto committed = [&] {
        const auto it = bags.find(owner);
        return it == bags.end() ? Databag{} : it->second;
    };
    const bool own = app_bag ? owner == unit.app : owner == unit.name;
    if (own) {
        // The local, uncommitted view: committed data plus this hook's writes.
        Databag bag = committed();
        const auto writes = ctx.relation_writes.find(relation_id);
        if (writes != ctx.relation_writes.end()) {
            for (const auto& [key, value] : app_bag ? writes->second.app : writes->second.unit) {
                if (value.empty()) {
                    bag.erase(key);
                } else {
                    bag[key] = value;
                }
            }
        }
        return bag;
    }
    const std::string cache_key = std::to_string(relation_id) + "/" + owner;
    const auto cached = ctx.relation_cache.find(cache_key);
    if (cached != ctx.relation_cache.end()) {
        return cached->second;
    }
    return ctx.relation_cache[cache_key] = committed();
}

// ---- ToolServer ------------------------------------------------------------------------------

ToolServer::ToolServer(Model& model, const CharmMetas& metas, ToolEffects& effects)
    : model_(model), metas_(metas), effects_(effects) {
}

CommandResult ToolServer::run(HookContext& ctx, const std::string& tool,
                              const std::vector<std::string>& args,
                              const std::optional<std::string>& stdin_data, bool* needs_stdin) {
    const auto* spec = juju::find_hook_tool(tool);
    const auto handler = handlers().find(tool);
    if (spec == nullptr || handler == handlers().end()) {
        return CommandResult{1, "", "ERROR bad request: unknown command \"" + tool + "\"\n"};
    }
    Unit& unit = model_.units.at(ctx.unit);
    App& app = model_.apps.at(unit.app);
    try {
        const auto parsed = juju::parse_tool_args(*spec, args);
        ToolCall call{model_, metas_, effects_, ctx,        unit,
                      app,    tool,   parsed,   stdin_data, needs_stdin};
        return handler->second(call);
    } catch (const juju::HookToolError& error) {
        return CommandResult{error.exit_code(), "", error.stderr_text()};
    }
}

}  // namespace jujusim
