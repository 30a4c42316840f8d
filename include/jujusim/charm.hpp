// A charm as Juju reads it: metadata.yaml (endpoints, subordinate), config.yaml (typed
// options), actions.yaml (parameter schemas), and how it is run (dispatch or hooks/<name>).
#pragma once

#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include <jujusim/model.hpp>

namespace jujusim {

namespace fs = std::filesystem;
using json = nlohmann::json;

/// A user input error: the CLI prints "ERROR <what>" and exits 1, nothing changes.
class UserError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct Endpoint {
    std::string name;
    std::string interface;
    RelationRole role = RelationRole::Provider;
    RelationScope scope = RelationScope::Global;
    int limit = 0;
    bool implicit = false;  ///< juju-info on principals: fires no hooks
};

struct ConfigOption {
    std::string type;    ///< string, int, float, boolean, secret
    json default_value;  ///< null when none
    std::string description;
};

struct ActionSpec {
    std::string description;
    json params = json::object();  ///< JSON-schema "properties"
    json required = json::array();
    bool additional_properties = true;
};

struct CharmMeta {
    std::string name;
    std::string summary;
    std::string description;
    bool subordinate = false;
    std::map<std::string, Endpoint> endpoints;
    std::map<std::string, ConfigOption> config;
    std::map<std::string, ActionSpec> actions;

    /// Reads metadata.yaml, config.yaml and actions.yaml (charmcraft.yaml sections as fallback).
    /// Throws UserError when the charm is not deployable (no metadata, no dispatch or hooks).
    static CharmMeta load(const fs::path& charm_dir);

    /// Defaults of every option that has one (config-get without --all).
    json default_config() const;
    /// Parses a CLI value ("K=V" right-hand side) into the option's type. Throws UserError.
    json parse_config_value(const std::string& key, const std::string& text) const;
    /// Validates and fills defaults (juju run): throws UserError with Juju-like messages.
    json validate_action_params(const std::string& action, const json& params) const;
};

/// Unpacks a .charm (zip) or copies a charm directory into `target` (replaced).
void install_charm_files(const fs::path& source, const fs::path& target);

}  // namespace jujusim
