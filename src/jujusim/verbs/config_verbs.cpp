// config and model-config.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <jujusim/controller.hpp>
#include <jujusim/flags.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/image.hpp>
#include <jujusim/network.hpp>
#include <jujusim/yaml_json.hpp>

#include "verb_helpers.hpp"

namespace jujusim {

using namespace verbs;

CommandResult Controller::cmd_config(const std::vector<std::string>& args, const fs::path& cwd) {
    FlagSet flags = output_flags("yaml");
    flags.value({"reset"}).value({"file"}).value({"color"});
    flags.parse(args);
    if (flags.positional.empty()) {
        throw UserError("no application name specified");
    }
    const std::string app_name = flags.positional[0];
    const auto app_it = model_.apps.find(app_name);
    if (app_it == model_.apps.end()) {
        throw UserError("application \"" + app_name + "\" not found");
    }
    App& app = app_it->second;
    const CharmMeta& charm = meta(app_name);
    const std::vector<std::string> items(flags.positional.begin() + 1, flags.positional.end());
    const bool setting =
        std::any_of(items.begin(), items.end(),
                    [](const std::string& item) { return item.find('=') != std::string::npos; }) ||
        flags.is_set("reset") || flags.is_set("file");
    if (!setting) {
        if (items.size() == 1) {
            if (charm.config.count(items[0]) == 0) {
                throw UserError("key \"" + items[0] + "\" not found in \"" + app_name +
                                "\" application config or charm settings.");
            }
            const json config = effective_config(app, true);
            const json& value = config[items[0]];
            return CommandResult{0,
                                 value.is_string()
                                     ? value.get<std::string>() + "\n"
                                     : (value.is_null() ? "\n" : go_json(value) + "\n"),
                                 ""};
        }
        if (items.size() > 1) {
            throw UserError("can only retrieve a single value, or all values");
        }
        ordered_json settings = ordered_json::object();
        for (const auto& [name, option] : charm.config) {
            ordered_json entry;
            if (!option.default_value.is_null()) {
                entry["default"] = option.default_value;
            }
            entry["description"] = option.description;
            const bool user = app.config.contains(name);
            entry["source"] =
                user ? "user" : (option.default_value.is_null() ? "unset" : "default");
            entry["type"] = option.type;
            if (user) {
                entry["value"] = app.config[name];
            } else if (!option.default_value.is_null()) {
                entry["value"] = option.default_value;
            }
            settings[name] = entry;
        }
        ordered_json out;
        out["application"] = app_name;
        out["application-config"] = ordered_json{
            {"trust", ordered_json{{"default", false},
                                   {"description",
                                    "Does this application have access to trusted credentials"},
                                   {"source", "default"},
                                   {"type", "bool"},
                                   {"value", false}}}};
        out["charm"] = app.charm_name;
        out["settings"] = settings;
        return json_or_yaml(flags, out);
    }
    json updates = json::object();
    if (flags.is_set("file")) {
        const fs::path file = fs::path(flags.get("file")).is_absolute()
                                  ? fs::path(flags.get("file"))
                                  : cwd / flags.get("file");
        const json parsed = parse_yaml(read_text_file(file));
        const json values = parsed.contains(app_name) ? parsed[app_name] : parsed;
        for (const auto& [key, value] : values.items()) {
            updates[key] = charm.parse_config_value(
                key, value.is_string() ? value.get<std::string>() : go_json(value));
        }
    }
    for (const auto& item : items) {
        const auto eq = item.find('=');
        if (eq == std::string::npos) {
            throw UserError("can only retrieve a single value, or all values");
        }
        updates[item.substr(0, eq)] =
            charm.parse_config_value(item.substr(0, eq), item.substr(eq + 1));
    }
    std::vector<std::string> resets;
    if (flags.is_set("reset")) {
        const std::string reset = flags.get("reset");
        for (const auto key_view : slurmctld::util::split_fields(reset, ",")) {
            const std::string key(key_view);
            if (charm.config.count(key) == 0) {
                throw UserError("unknown option \"" + key + "\"");
            }
            resets.push_back(key);
        }
    }
    const json before = effective_config(app, true);
    for (const auto& [key, value] : updates.items()) {
        app.config[key] = value;
    }
    for (const auto& key : resets) {
        app.config.erase(key);
    }
    if (effective_config(app, true) != before) {
        app.config_version += 1;
    }
    touch();
    return {};
}

CommandResult Controller::cmd_model_config(const std::vector<std::string>& args) {
    FlagSet flags = output_flags("tabular");
    flags.value({"reset"});
    flags.parse(args);
    const json defaults{{"update-status-hook-interval", "5m"},
                        {"automatically-retry-hooks", true},
                        {kSharedEtcHosts, true},
                        {kMachineImage, kDefaultImage},
                        {"leadership-lease-seconds", 60},
                        {"name", model_.name},
                        {"uuid", model_.uuid},
                        {"type", "iaas"},
                        {"machine-type", model_.machine_type}};
    const bool setting =
        flags.is_set("reset") ||
        std::any_of(flags.positional.begin(), flags.positional.end(),
                    [](const std::string& item) { return item.find('=') != std::string::npos; });
    if (!setting) {
        json values = defaults;
        for (const auto& [key, value] : model_.config.items()) {
            values[key] = value;
        }
        if (flags.positional.size() == 1) {
            if (!values.contains(flags.positional[0])) {
                throw UserError("key \"" + flags.positional[0] + "\" not found in \"" +
                                model_.name + "\" model.");
            }
            const json& value = values[flags.positional[0]];
            return CommandResult{
                0, (value.is_string() ? value.get<std::string>() : go_json(value)) + "\n", ""};
        }
        json out = json::object();
        for (const auto& [key, value] : values.items()) {
            out[key] = json{{"Value", value},
                            {"Source", model_.config.contains(key) ? "model" : "default"}};
        }
        const std::string format = flags.get("format");
        if (format == "json") {
            return CommandResult{0, go_json(out) + "\n", ""};
        }
        if (format == "yaml") {
            return CommandResult{0, go_yaml(out), ""};
        }
        std::vector<std::vector<std::string>> rows{{"Attribute", "From", "Value"}};
        std::string text = "Attribute                    From     Value\n";
        for (const auto& [key, value] : values.items()) {
            std::string shown = value.is_string() ? value.get<std::string>() : go_json(value);
            std::string line = key;
            line.resize(std::max<std::size_t>(29, key.size() + 2), ' ');
            std::string from = model_.config.contains(key) ? "model" : "default";
            from.resize(9, ' ');
            text += line + from + shown + "\n";
        }
        return CommandResult{0, text, ""};
    }
    json updates = json::object();
    for (const auto& item : flags.positional) {
        const auto eq = item.find('=');
        if (eq == std::string::npos) {
            throw UserError("expected \"key=value\", got \"" + item + "\"");
        }
        const std::string key = item.substr(0, eq);
        const std::string value = item.substr(eq + 1);
        if (key == "name" || key == "uuid" || key == "type" || key == "machine-type") {
            throw UserError("cannot set " + key);
        }
        if (key == "update-status-hook-interval") {
            parse_duration(value);
            updates[key] = value;
        } else if (key == "automatically-retry-hooks" || key == kSharedEtcHosts) {
            const auto parsed = parse_go_bool(value);
            if (!parsed) {
                throw UserError(key + ": expected bool, got string(\"" + value + "\")");
            }
            updates[key] = *parsed;
        } else if (key == kMachineImage) {
            const auto spec = ImageSpec::named(value);
            if (!spec || spec->name == ImageSpec::debian13_build().name) {
                throw UserError(std::string(kMachineImage) + ": unknown image \"" + value +
                                "\" (expected debian-13-slurm, debian-12-slurm or debian-13-apt)");
            }
            if (!model_.machines.empty() &&
                value != model_.config.value(kMachineImage, std::string(kDefaultImage))) {
                throw UserError(std::string(kMachineImage) +
                                " cannot change once the model has machines");
            }
            updates[key] = value;
        } else if (key == "leadership-lease-seconds") {
            updates[key] = std::stod(value);
        } else if (key == kTestKillHook) {
            if (!parse_hook_kill(value)) {
                throw UserError(
                    std::string(kTestKillHook) +
                    ": expected <unit>:<hook>:<n> or <unit>:<hook>:after=<text>, got \"" + value +
                    "\"");
            }
            updates[key] = value;
        } else {
            updates[key] = yaml_scalar(value);
        }
    }
    for (const auto& [key, value] : updates.items()) {
        model_.config[key] = value;
    }
    if (flags.is_set("reset")) {
        const std::string reset = flags.get("reset");
        for (const auto key : slurmctld::util::split_fields(reset, ",")) {
            model_.config.erase(std::string(key));
        }
    }
    refresh_hosts();  // shared-etc-hosts
    touch();
    return {};
}

}  // namespace jujusim
