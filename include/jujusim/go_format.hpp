// Output as Juju's Go code prints it: encoding/json (sorted map keys, compact, HTML escaping),
// yaml.v2-like block YAML, the hook tools' "smart" format, and Juju's time stamps.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

namespace jujusim {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

/// Go json.Marshal: compact, `<`, `>`, `&` (and U+2028/9) escaped, integral floats without ".0".
/// Object members keep the order of the value (json: sorted, like Go maps; ordered_json: as
/// built, like Go structs). No trailing newline.
std::string go_json(const ordered_json& value);
std::string go_json(const json& value);

/// yaml.v2-style block YAML with a trailing newline; null prints nothing.
std::string go_yaml(const ordered_json& value);
std::string go_yaml(const json& value);

/// The hook tools' "smart" format: strings as-is, lists of strings one per line, bools as
/// True/False, null and "" print nothing, everything else as YAML. Ends with a newline unless
/// empty.
std::string go_smart(const json& value);

/// Formats `value` for a tool's --format (json|yaml|smart); json gets its trailing newline.
std::string format_output(const json& value, const std::string& format);

using Clock = std::chrono::system_clock;

/// RFC 3339 UTC with nanoseconds trimmed to seconds: 2025-11-28T17:44:01Z.
std::string rfc3339(Clock::time_point when);
/// juju status "since" fields: "28 Nov 2025 17:44:01Z".
std::string juju_since(Clock::time_point when);
/// goal-state "since": "2025-11-28 17:44:01Z".
std::string goal_state_since(Clock::time_point when);
/// debug-log time of day: "17:44:01".
std::string time_of_day(Clock::time_point when);

/// Seconds since the epoch, as stored in model.json.
double to_epoch(Clock::time_point when);
Clock::time_point from_epoch(double seconds);

}  // namespace jujusim
