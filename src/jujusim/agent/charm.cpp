#include <unistd.h>

#include <jujusim/charm.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/yaml_json.hpp>
#include <slurmctld/util/files.hpp>
#include <slurmctld/util/process.hpp>
#include <slurmctld/util/strings.hpp>

namespace jujusim {

namespace {

json load_yaml_file(const fs::path& path) {
    try {
        return parse_yaml(slurmctld::util::read_regular_file_following(path).value_or(""));
    } catch (const std::exception& error) {
        throw UserError("cannot parse " + path.filename().string() + ": " + error.what());
    }
}

void read_endpoints(CharmMeta& meta, const json& section, RelationRole role) {
    if (!section.is_object()) {
        return;
    }
    for (const auto& [name, value] : section.items()) {
        Endpoint endpoint;
        endpoint.name = name;
        endpoint.role = role;
        if (value.is_string()) {
            endpoint.interface = value.get<std::string>();
        } else if (value.is_object()) {
            endpoint.interface = value.value("interface", "");
            const std::string scope = value.value("scope", "global");
            const auto parsed = parse_enum_name<RelationScope>(scope);
            if (!parsed) {
                throw UserError("charm \"" + meta.name + "\": relation \"" + name +
                                "\" has unknown scope \"" + scope + "\"");
            }
            endpoint.scope = *parsed;
            if (value.contains("limit") && value["limit"].is_number_integer()) {
                endpoint.limit = value["limit"].get<int>();
            }
        }
        if (endpoint.interface.empty()) {
            throw UserError("charm \"" + meta.name + "\": relation \"" + name +
                            "\" has no interface");
        }
        meta.endpoints[name] = endpoint;
    }
}

std::string json_type_name(const json& value) {
    if (value.is_string()) {
        return "string";
    }
    if (value.is_boolean()) {
        return "boolean";
    }
    if (value.is_number_integer()) {
        return "integer";
    }
    if (value.is_number()) {
        return "number";
    }
    if (value.is_array()) {
        return "array";
    }
    if (value.is_object()) {
        return "object";
    }
    return "null";
}

bool matches_type(const json& value, const std::string& type) {
    if (type.empty()) {
        return true;
    }
    if (type == "string") {
        return value.is_string();
    }
    if (type == "integer") {
        return value.is_number_integer() ||
               (value.is_number_float() &&
                value.get<double>() ==
                    static_cast<double>(static_cast<long long>(value.get<double>())));
    }
    if (type == "number") {
        return value.is_number();
    }
    if (type == "boolean") {
        return value.is_boolean();
    }
    if (type == "array") {
        return value.is_array();
    }
    if (type == "object") {
        return value.is_object();
    }
    if (type == "null") {
        return value.is_null();
    }
    return true;
}

}  // namespace

CharmMeta CharmMeta::load(const fs::path& charm_dir) {
    CharmMeta meta;
    const auto metadata_path = charm_dir / "metadata.yaml";
    json charmcraft;
    if (fs::exists(charm_dir / "charmcraft.yaml")) {
        charmcraft = load_yaml_file(charm_dir / "charmcraft.yaml");
    }
    json metadata;
    if (fs::exists(metadata_path)) {
        metadata = load_yaml_file(metadata_path);
    } else {
        throw UserError("invalid charm \"" + charm_dir.filename().string() +
                        "\": metadata.yaml not found");
    }
    if (!metadata.is_object() || !metadata.contains("name") || !metadata["name"].is_string()) {
        throw UserError("invalid charm metadata: metadata.yaml has no name");
    }
    meta.name = metadata["name"].get<std::string>();
    meta.summary = metadata.value("summary", "");
    meta.description = metadata.value("description", "");
    meta.subordinate = metadata.value("subordinate", false);
    read_endpoints(meta, metadata.value("provides", json::object()), RelationRole::Provider);
    read_endpoints(meta, metadata.value("requires", json::object()), RelationRole::Requirer);
    read_endpoints(meta, metadata.value("peers", json::object()), RelationRole::Peer);
    for (const auto& [name, endpoint] : meta.endpoints) {
        if (endpoint.role == RelationRole::Peer && endpoint.scope == RelationScope::Container) {
            throw UserError("charm \"" + meta.name + "\": peer relation \"" + name +
                            "\" cannot be container-scoped");
        }
    }
    if (meta.subordinate) {
        const bool has_container =
            std::any_of(meta.endpoints.begin(), meta.endpoints.end(), [](const auto& item) {
                return item.second.role == RelationRole::Requirer &&
                       item.second.scope == RelationScope::Container;
            });
        if (!has_container) {
            throw UserError("subordinate charm \"" + meta.name +
                            "\" lacks \"requires\" relation with container scope");
        }
    }
    // Every principal charm provides juju-info implicitly (Juju adds it to the metadata).
    if (!meta.endpoints.count("juju-info")) {
        meta.endpoints["juju-info"] = Endpoint{
            "juju-info", "juju-info", RelationRole::Provider, RelationScope::Global, 0, true};
    }

    json config;
    if (fs::exists(charm_dir / "config.yaml")) {
        config = load_yaml_file(charm_dir / "config.yaml");
    } else if (charmcraft.is_object() && charmcraft.contains("config")) {
        config = charmcraft["config"];
    }
    if (config.is_object() && config.contains("options") && config["options"].is_object()) {
        for (const auto& [name, option_json] : config["options"].items()) {
            ConfigOption option;
            option.type = option_json.value("type", "string");
            option.description = option_json.value("description", "");
            option.default_value =
                option_json.contains("default") ? option_json["default"] : json(nullptr);
            if (option.type == "int" && option.default_value.is_number_float()) {
                option.default_value = static_cast<long long>(option.default_value.get<double>());
            } else if (option.type == "float" && option.default_value.is_number_integer()) {
                option.default_value = static_cast<double>(option.default_value.get<long long>());
            } else if (option.type == "string" && !option.default_value.is_null() &&
                       !option.default_value.is_string()) {
                option.default_value =
                    option.default_value.is_boolean()
                        ? json(option.default_value.get<bool>() ? "true" : "false")
                        : json(option.default_value.dump());
            }
            meta.config[name] = option;
        }
    }

    json actions;
    if (fs::exists(charm_dir / "actions.yaml")) {
        actions = load_yaml_file(charm_dir / "actions.yaml");
    } else if (charmcraft.is_object() && charmcraft.contains("actions")) {
        actions = charmcraft["actions"];
    }
    if (actions.is_object()) {
        for (const auto& [name, spec_json] : actions.items()) {
            ActionSpec spec;
            if (spec_json.is_object()) {
                spec.description = spec_json.value("description", "");
                if (spec_json.contains("params") && spec_json["params"].is_object()) {
                    spec.params = spec_json["params"];
                }
                if (spec_json.contains("required") && spec_json["required"].is_array()) {
                    spec.required = spec_json["required"];
                }
                if (spec_json.contains("additionalProperties") &&
                    spec_json["additionalProperties"].is_boolean()) {
                    spec.additional_properties = spec_json["additionalProperties"].get<bool>();
                }
            }
            meta.actions[name] = spec;
        }
    }

    const bool has_dispatch = fs::exists(charm_dir / "dispatch");
    const bool has_hooks =
        fs::is_directory(charm_dir / "hooks") && !fs::is_empty(charm_dir / "hooks");
    if (!has_dispatch && !has_hooks) {
        throw UserError("invalid charm \"" + meta.name +
                        "\": no dispatch script or hooks directory");
    }
    return meta;
}

json CharmMeta::default_config() const {
    json out = json::object();
    for (const auto& [option_name, option] : config) {
        if (!option.default_value.is_null()) {
            out[option_name] = option.default_value;
        }
    }
    return out;
}

json CharmMeta::parse_config_value(const std::string& key, const std::string& text) const {
    const auto it = config.find(key);
    if (it == config.end()) {
        throw UserError("unknown option \"" + key + "\"");
    }
    const auto& type = it->second.type;
    const auto fail = [&] {
        return UserError("option \"" + key + "\" expected " + type + ", got \"" + text + "\"");
    };
    if (type == "string" || type == "secret") {
        return text;
    }
    if (type == "int") {
        try {
            std::size_t used = 0;
            const long long value = std::stoll(text, &used, 10);
            if (used != text.size()) {
                throw fail();
            }
            return value;
        } catch (const std::logic_error&) {
            throw fail();
        }
    }
    if (type == "float") {
        try {
            std::size_t used = 0;
            const double value = std::stod(text, &used);
            if (used != text.size()) {
                throw fail();
            }
            return value;
        } catch (const std::logic_error&) {
            throw fail();
        }
    }
    if (type == "boolean") {
        if (const auto value = slurmctld::util::parse_go_bool(text)) {
            return *value;
        }
        throw fail();
    }
    return text;
}

json CharmMeta::validate_action_params(const std::string& action, const json& params) const {
    const auto it = actions.find(action);
    if (it == actions.end()) {
        throw UserError("action \"" + action + "\" not defined");
    }
    const ActionSpec& spec = it->second;
    json out = params.is_object() ? params : json::object();
    for (const auto& required : spec.required) {
        if (required.is_string() && !out.contains(required.get<std::string>())) {
            throw UserError("validation failed: (root) : \"" + required.get<std::string>() +
                            "\" property is missing and required, given " + go_json(out));
        }
    }
    for (auto& [param, value] : out.items()) {
        if (!spec.params.contains(param)) {
            if (!spec.additional_properties) {
                throw UserError("validation failed: (root) : additional property \"" + param +
                                "\" is not allowed, given " + go_json(out));
            }
            continue;
        }
        const json& schema = spec.params[param];
        const std::string type = schema.is_object() ? schema.value("type", "") : "";
        if (type == "string" && !value.is_string() && (value.is_number() || value.is_boolean())) {
            // A CLI value such as 3 for a string parameter: keep the text the user typed.
            value = value.is_boolean() ? json(value.get<bool>() ? "true" : "false")
                                       : json(go_json(value));
        }
        if (type == "integer" && value.is_number_float()) {
            value = static_cast<long long>(value.get<double>());
        }
        if (!matches_type(value, type)) {
            throw UserError("validation failed: (root)." + param + " : invalid type. Expected: " +
                            type + ", given: " + json_type_name(value));
        }
        if (schema.is_object() && schema.contains("enum") && schema["enum"].is_array()) {
            bool found = false;
            std::string allowed;
            for (const auto& option : schema["enum"]) {
                if (option == value) {
                    found = true;
                }
                allowed += (allowed.empty() ? "" : ", ") + go_json(option);
            }
            if (!found) {
                throw UserError("validation failed: (root)." + param + " : " + param +
                                " must be one of the following: " + allowed);
            }
        }
    }
    for (const auto& [param, schema] : spec.params.items()) {
        if (!out.contains(param) && schema.is_object() && schema.contains("default")) {
            out[param] = schema["default"];
        }
    }
    return out;
}

void install_charm_files(const fs::path& source, const fs::path& target) {
    fs::remove_all(target);
    fs::create_directories(target);
    if (fs::is_directory(source)) {
        fs::copy(source, target, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
        return;
    }
    const auto result =
        slurmctld::util::run_process({"unzip", "-q", "-o", source.string(), "-d", target.string()});
    if (result.exit_code != 0) {
        throw UserError("cannot unpack charm " + source.string() + ": " + result.stderr_text);
    }
}

}  // namespace jujusim
