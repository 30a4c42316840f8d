// Output as Juju's Go code prints it: what its hook tools and CLI write with --format json,
// yaml or smart. One implementation for everything that must print like Juju (jujusim's tools
// and CLI, the tests' fake hook tools), so they cannot drift apart.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace slurmctld::juju {

/// Go's json.Marshal: compact; `<`, `>`, `&`, U+2028 and U+2029 escaped; invalid UTF-8 as
/// U+FFFD; integral floats without ".0", exponents for tiny and huge ones. Object members keep
/// the order of the value (json: sorted, like Go maps; ordered_json: as built, like Go
/// structs). No trailing newline.
std::string go_json(const nlohmann::ordered_json& value);
std::string go_json(const nlohmann::json& value);

/// yaml.v2-style block YAML with a trailing newline; null prints nothing.
std::string go_yaml(const nlohmann::ordered_json& value);
std::string go_yaml(const nlohmann::json& value);

/// The hook tools' "smart" format: strings as-is, lists of strings one per line, bools as
/// True/False, null and "" print nothing, everything else as YAML. Ends with a newline unless
/// empty.
std::string go_smart(const nlohmann::json& value);

/// Formats `value` for a tool's --format (json|yaml|smart); json gets its trailing newline.
std::string format_output(const nlohmann::ordered_json& value, const std::string& format);
std::string format_output(const nlohmann::json& value, const std::string& format);

}  // namespace slurmctld::juju
