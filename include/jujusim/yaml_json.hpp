// YAML documents as JSON values, with YAML 1.1 scalar typing as Go's yaml.v2 resolves it.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace YAML {
class Node;
}

namespace jujusim {

/// Converts a parsed YAML node; plain scalars become bool/int/float/null where they look so.
nlohmann::json yaml_to_json(const YAML::Node& node);
/// Parses YAML text (throws std::runtime_error with the parser's message).
nlohmann::json parse_yaml(const std::string& text);
/// Types one plain scalar as yaml.v2 would ("3" -> 3, "true" -> true, "x" -> "x").
nlohmann::json yaml_scalar(const std::string& text);

}  // namespace jujusim
