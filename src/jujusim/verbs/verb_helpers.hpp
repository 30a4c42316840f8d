// Helpers the CLI verbs share (verbs.cpp defines them).
#pragma once

#include <set>
#include <string>

#include <jujusim/controller.hpp>
#include <jujusim/flags.hpp>
#include <jujusim/go_format.hpp>

namespace jujusim::verbs {

/// `--format json` or yaml (the default of the show-* commands), as juju prints them.
template <typename Json>
CommandResult json_or_yaml(const FlagSet& flags, const Json& value) {
    if (flags.get("format") == "json") {
        return CommandResult{0, go_json(value) + "\n", ""};
    }
    return CommandResult{0, go_yaml(value), ""};
}

/// A verb's flags, starting with the output flags of every juju command that prints (Juju's
/// cmd.Output): --format, with `default_format`, and -o/--output.
FlagSet output_flags(const std::string& default_format);

/// Declares juju's flags that mean nothing here; their use is noted on stderr (notices()).
void accept_meaningless(FlagSet& flags);
std::string notices(const FlagSet& flags);
/// Go-style durations ("90s", "1m30s", "500ms"); -1 for "". Throws UserError.
double parse_duration(const std::string& text);
std::string read_text_file(const fs::path& path);
/// "2025-01-01 00:00:00 +0000 UTC", as Go prints a time.Time.
std::string go_time_string(double epoch);

}  // namespace jujusim::verbs
