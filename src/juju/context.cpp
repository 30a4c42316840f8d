#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include <fmt/format.h>

#include <slurmctld/juju/context.hpp>

namespace slurmctld::juju {

namespace {

constexpr std::array<std::pair<RelationEventKind, std::string_view>, 5> kRelationKinds{{
    {RelationEventKind::Created, "created"},
    {RelationEventKind::Joined, "joined"},
    {RelationEventKind::Changed, "changed"},
    {RelationEventKind::Departed, "departed"},
    {RelationEventKind::Broken, "broken"},
}};

constexpr std::array<std::string_view, 4> kSecretHooks{"secret-changed", "secret-rotate",
                                                       "secret-remove", "secret-expired"};

std::string get(const Environment& env, const std::string& name) {
    const auto found = env.find(name);
    return found == env.end() ? std::string() : found->second;
}

std::string require(const Environment& env, const std::string& name, std::string_view why) {
    auto value = get(env, name);
    if (value.empty()) {
        throw ContextError(fmt::format("{} is not set ({})", name, why));
    }
    return value;
}

/// The part after the last '/', or the whole text.
std::string_view basename(std::string_view path) {
    const auto slash = path.rfind('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

/// "hooks/<name>" from argv[0] = ".../hooks/<name>" (or "hooks/<name>"), else nullopt.
std::optional<std::string> dispatch_path_from_argv0(std::string_view argv0) {
    const auto name = basename(argv0);
    auto dir = argv0.substr(0, argv0.size() - name.size());
    if (name.empty() || dir.empty()) {
        return std::nullopt;
    }
    dir.remove_suffix(1);  // the '/'
    if (basename(dir) != "hooks") {
        return std::nullopt;
    }
    return "hooks/" + std::string(name);
}

bool is_event_name(std::string_view name) {
    return !name.empty() && name.find('/') == std::string_view::npos && name != "." &&
           name != ".." && std::none_of(name.begin(), name.end(), [](char c) {
               return std::isspace(static_cast<unsigned char>(c)) != 0;
           });
}

std::optional<int> parse_positive_int(std::string_view text) {
    int value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value <= 0) {
        return std::nullopt;
    }
    return value;
}

bool looks_like_relation_hook(std::string_view hook) {
    return std::any_of(kRelationKinds.begin(), kRelationKinds.end(), [&](const auto& kind) {
        const auto suffix = "-relation-" + std::string(kind.second);
        return hook.size() > suffix.size() && hook.ends_with(suffix);
    });
}

RelationEvent decode_relation(const Environment& env, const std::string& hook) {
    RelationEvent event;
    event.endpoint = get(env, "JUJU_RELATION");
    const auto prefix = event.endpoint + "-relation-";
    if (!hook.starts_with(prefix)) {
        throw ContextError(fmt::format("hook \"{}\" is not a relation hook of JUJU_RELATION \"{}\"",
                                       hook, event.endpoint));
    }
    const auto kind_text = std::string_view(hook).substr(prefix.size());
    const auto kind = std::find_if(kRelationKinds.begin(), kRelationKinds.end(),
                                   [&](const auto& entry) { return entry.second == kind_text; });
    if (kind == kRelationKinds.end()) {
        throw ContextError(
            fmt::format("hook \"{}\": unknown relation event kind \"{}\"", hook, kind_text));
    }
    event.kind = kind->first;

    const auto relation_id = require(env, "JUJU_RELATION_ID", "set for every relation hook");
    try {
        event.relation = RelationId::parse(relation_id);
    } catch (const std::invalid_argument&) {
        throw ContextError(
            fmt::format("JUJU_RELATION_ID \"{}\" is not <endpoint>:<id>", relation_id));
    }
    if (event.relation.endpoint.empty()) {
        event.relation.endpoint = event.endpoint;
    } else if (event.relation.endpoint != event.endpoint) {
        throw ContextError(
            fmt::format("JUJU_RELATION_ID \"{}\" does not belong to JUJU_RELATION "
                        "\"{}\"",
                        relation_id, event.endpoint));
    }

    event.remote_app = get(env, "JUJU_REMOTE_APP");
    event.remote_unit = get(env, "JUJU_REMOTE_UNIT");
    event.departing_unit = get(env, "JUJU_DEPARTING_UNIT");
    const bool needs_remote_unit =
        event.kind == RelationEventKind::Joined || event.kind == RelationEventKind::Departed;
    if (needs_remote_unit && event.remote_unit.empty()) {
        throw ContextError(fmt::format("JUJU_REMOTE_UNIT is not set (required for {})", hook));
    }
    if (!event.remote_unit.empty() && !is_unit_name(event.remote_unit)) {
        throw ContextError(
            fmt::format("JUJU_REMOTE_UNIT \"{}\" is not a unit name", event.remote_unit));
    }
    if (event.kind == RelationEventKind::Departed) {
        if (event.departing_unit.empty()) {
            throw ContextError(
                fmt::format("JUJU_DEPARTING_UNIT is not set (required for {})", hook));
        }
        if (!is_unit_name(event.departing_unit)) {
            throw ContextError(
                fmt::format("JUJU_DEPARTING_UNIT \"{}\" is not a unit name", event.departing_unit));
        }
    }
    if (event.remote_app.empty() && !event.remote_unit.empty()) {
        event.remote_app = application_of(event.remote_unit);
    }
    return event;
}

SecretEvent decode_secret(const Environment& env, const std::string& hook) {
    SecretEvent event;
    event.id = require(env, "JUJU_SECRET_ID", "set for every secret hook");
    event.label = get(env, "JUJU_SECRET_LABEL");
    const auto revision = get(env, "JUJU_SECRET_REVISION");
    if (!revision.empty()) {
        event.revision = parse_positive_int(revision);
        if (!event.revision) {
            throw ContextError(
                fmt::format("JUJU_SECRET_REVISION \"{}\" is not a positive integer", revision));
        }
    } else if (hook == "secret-remove" || hook == "secret-expired") {
        throw ContextError(fmt::format("JUJU_SECRET_REVISION is not set (required for {})", hook));
    }
    return event;
}

}  // namespace

std::string_view to_string(RelationEventKind kind) {
    for (const auto& [value, name] : kRelationKinds) {
        if (value == kind) {
            return name;
        }
    }
    return "changed";
}

bool is_unit_name(std::string_view name) {
    const auto slash = name.find('/');
    if (slash == std::string_view::npos || slash == 0 || slash + 1 == name.size()) {
        return false;
    }
    const auto number = name.substr(slash + 1);
    return std::all_of(number.begin(), number.end(),
                       [](char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; });
}

std::string application_of(std::string_view unit_or_app) {
    return std::string(unit_or_app.substr(0, unit_or_app.find('/')));
}

Environment environment_from(const char* const* envp) {
    Environment env;
    for (auto entry = envp; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const auto equals = text.find('=');
        if (equals != std::string_view::npos) {
            env.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
        }
    }
    return env;
}

HookContext HookContext::from_environ(const char* const* envp, std::string_view argv0) {
    return from_environment(environment_from(envp), argv0);
}

HookContext HookContext::from_environment(const Environment& env, std::string_view argv0) {
    HookContext context;
    context.dispatch_path = get(env, "JUJU_DISPATCH_PATH");
    if (context.dispatch_path.empty()) {
        auto from_argv0 = dispatch_path_from_argv0(argv0);
        if (!from_argv0) {
            throw ContextError(fmt::format(
                "JUJU_DISPATCH_PATH is not set and argv[0] \"{}\" is not .../hooks/<name>: "
                "not run by Juju?",
                argv0));
        }
        context.dispatch_path = std::move(*from_argv0);
    }

    const auto slash = context.dispatch_path.find('/');
    const auto kind = std::string_view(context.dispatch_path).substr(0, slash);
    const auto name =
        slash == std::string::npos ? std::string() : context.dispatch_path.substr(slash + 1);
    if ((kind != "hooks" && kind != "actions") || !is_event_name(name)) {
        throw ContextError(
            fmt::format("JUJU_DISPATCH_PATH \"{}\" is neither hooks/<name> nor actions/<name>",
                        context.dispatch_path));
    }

    context.unit_name = require(env, "JUJU_UNIT_NAME", "Juju sets it for every hook");
    if (!is_unit_name(context.unit_name)) {
        throw ContextError(
            fmt::format("JUJU_UNIT_NAME \"{}\" is not <application>/<number>", context.unit_name));
    }
    context.app_name = application_of(context.unit_name);
    context.model_name = get(env, "JUJU_MODEL_NAME");
    context.model_uuid = get(env, "JUJU_MODEL_UUID");
    context.juju_version = get(env, "JUJU_VERSION");
    context.charm_dir = get(env, "JUJU_CHARM_DIR");
    if (context.charm_dir.empty()) {
        context.charm_dir = get(env, "CHARM_DIR");
    }

    const auto hook_name_var = get(env, "JUJU_HOOK_NAME");
    if (kind == "actions") {
        // Juju exports JUJU_HOOK_NAME empty for actions.
        ActionEvent action;
        action.name = get(env, "JUJU_ACTION_NAME");
        if (action.name.empty()) {
            action.name = name;
        } else if (action.name != name) {
            throw ContextError(
                fmt::format("JUJU_ACTION_NAME \"{}\" does not match "
                            "JUJU_DISPATCH_PATH \"{}\"",
                            action.name, context.dispatch_path));
        }
        action.uuid = get(env, "JUJU_ACTION_UUID");
        context.action = std::move(action);
        return context;
    }

    context.hook_name = name;
    if (!hook_name_var.empty() && hook_name_var != name) {
        throw ContextError(
            fmt::format("JUJU_HOOK_NAME \"{}\" does not match JUJU_DISPATCH_PATH "
                        "\"{}\"",
                        hook_name_var, context.dispatch_path));
    }
    if (!get(env, "JUJU_RELATION").empty()) {
        context.relation = decode_relation(env, context.hook_name);
    } else if (looks_like_relation_hook(context.hook_name)) {
        throw ContextError(
            fmt::format("JUJU_RELATION is not set for relation hook \"{}\"", context.hook_name));
    }
    if (std::find(kSecretHooks.begin(), kSecretHooks.end(), context.hook_name) !=
        kSecretHooks.end()) {
        context.secret = decode_secret(env, context.hook_name);
    }
    return context;
}

std::string HookContext::describe() const {
    if (action) {
        return "action " + action->name;
    }
    if (relation) {
        std::string text = fmt::format("{} ({}", hook_name, relation->relation.str());
        if (!relation->remote_unit.empty()) {
            text += ", remote " + relation->remote_unit;
        } else if (!relation->remote_app.empty()) {
            text += ", remote app " + relation->remote_app;
        }
        if (!relation->departing_unit.empty()) {
            text += ", departing " + relation->departing_unit;
        }
        return text + ")";
    }
    if (secret) {
        return fmt::format("{} ({}{})", hook_name, secret->id,
                           secret->revision ? fmt::format(" revision {}", *secret->revision) : "");
    }
    return hook_name;
}

}  // namespace slurmctld::juju
