// String helpers shared by the charm, the fakes and jujusim. ASCII only: the texts they handle
// (config files, command output, hook-tool arguments) are compared byte for byte elsewhere.
// For case-sensitive prefix and suffix tests use std::string_view::starts_with/ends_with.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace slurmctld::util {

/// What isspace() accepts in the C locale.
inline constexpr std::string_view kWhitespace = " \t\n\r\f\v";

/// `text` without leading and trailing `characters`.
std::string_view trim(std::string_view text, std::string_view characters = kWhitespace);
std::string_view trim_left(std::string_view text, std::string_view characters = kWhitespace);
std::string_view trim_right(std::string_view text, std::string_view characters = kWhitespace);

/// Every field between separators, empty ones included ("a,,b" -> "a", "", "b"; "" -> "").
std::vector<std::string_view> split(std::string_view text, char separator);
/// Fields separated by runs of any of `separators`, none empty (as `read -a` splits words).
std::vector<std::string_view> split_fields(std::string_view text,
                                           std::string_view separators = kWhitespace);

/// The parts with `separator` between them.
std::string join(const std::vector<std::string>& parts, std::string_view separator);

/// ASCII lower case.
std::string to_lower(std::string_view text);
/// Equal ignoring ASCII case.
bool iequals(std::string_view a, std::string_view b);
bool istarts_with(std::string_view text, std::string_view prefix);
bool iends_with(std::string_view text, std::string_view suffix);

/// Go's strconv.ParseBool, as Juju parses boolean flags and options: 1 t T TRUE true True,
/// 0 f F FALSE false False; nullopt for anything else.
std::optional<bool> parse_go_bool(std::string_view text);

}  // namespace slurmctld::util
