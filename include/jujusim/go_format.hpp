// Output as Juju's Go code prints it: encoding/json (sorted map keys, compact, HTML escaping),
// yaml.v2-like block YAML, the hook tools' "smart" format, and Juju's time stamps.
#pragma once

#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <slurmctld/juju/go_format.hpp>

namespace jujusim {

using json = nlohmann::json;
using ordered_json = nlohmann::ordered_json;

// Juju's output formats (json, yaml, smart) live in the charm's juju layer; jujusim prints
// through the same code.
using slurmctld::juju::format_output;
using slurmctld::juju::go_json;
using slurmctld::juju::go_smart;
using slurmctld::juju::go_yaml;

using Clock = std::chrono::system_clock;

/// RFC 3339 UTC with nanoseconds trimmed to seconds: 2025-11-28T17:44:01Z.
std::string rfc3339(Clock::time_point when);
/// juju status "since" fields: "28 Nov 2025 17:44:01Z".
std::string juju_since(Clock::time_point when);
/// goal-state "since": "2025-11-28 17:44:01Z".
std::string goal_state_since(Clock::time_point when);
/// debug-log time of day: "17:44:01".
std::string time_of_day(Clock::time_point when);

/// Go's time.ParseDuration ("90s", "1h30m", "500ms", "-5m") in seconds; nullopt when it is not
/// one. `bare_seconds` also takes a plain number as seconds (jujusim's own flags).
std::optional<double> parse_go_duration(const std::string& text, bool bare_seconds = false);
/// Go's time.Parse(time.RFC3339, ...) ("2025-01-01T06:06:06Z", "...+02:00", fractions) as
/// seconds since the epoch; nullopt when it is not one.
std::optional<double> parse_rfc3339(const std::string& text);

/// Seconds since the epoch, as stored in model.json.
double to_epoch(Clock::time_point when);
Clock::time_point from_epoch(double seconds);

}  // namespace jujusim
