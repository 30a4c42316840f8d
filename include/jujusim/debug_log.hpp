// `debug-log` over the model's debug.log: the flags juju takes, which lines they keep, the last
// lines shown first. The controller answers `debug-log`; the client follows the file for
// `debug-log --tail` (one reader of the file format for both).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <jujusim/flags.hpp>

namespace jujusim {

/// Declares juju debug-log's flags on `flags`.
void declare_debug_log_flags(FlagSet& flags);

/// Which lines `debug-log` shows ("<entity tag>: <time> <LEVEL> <logger> <message>").
struct DebugLogFilter {
    std::vector<std::string> includes;  ///< units (app/N), applications, tags; any matches
    int min_level = 0;                  ///< TRACE=0 ... CRITICAL=5 (--level)

    /// From parsed debug-log flags. Throws UserError on an unknown level.
    static DebugLogFilter from_flags(const FlagSet& flags);
    bool keep(const std::string& line) const;
};

/// The file's complete lines from byte `offset` that the filter keeps; `offset` moves past the
/// last complete line read (a line still being written is left for the next read).
std::vector<std::string> read_debug_log(const std::filesystem::path& path,
                                        const DebugLogFilter& filter, std::uintmax_t& offset);

/// How many of the last lines to show first: -n/--lines or --limit, else all (or `tail_default`
/// when following, as juju shows the last 10 before it tails).
std::size_t debug_log_backlog(const FlagSet& flags, std::size_t all, std::size_t tail_default);

}  // namespace jujusim
