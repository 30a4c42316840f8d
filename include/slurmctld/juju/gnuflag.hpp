// Command-line flags as juju/gnuflag parses them, for everything that must read a command line
// the way Juju does: the hook tools (hook_tool_table.hpp) and jujusim's CLI verbs. Flags may
// follow positionals; `--x=y`, `--x y`, `-x y`, `-xy` (a short flag takes the rest of the word,
// so `-r=3` gives "=3"); `--` ends flags; bool flags take Go ParseBool values only in the
// `--x=v` form.
#pragma once

#include <initializer_list>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace slurmctld::juju {

/// A flag-parse failure; what() is gnuflag's message (without "ERROR "). Juju exits 2.
class FlagError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

class FlagSet {
  public:
    /// Declares a flag under every alias (without dashes: "r", "relation"); the first names it.
    FlagSet& value(std::initializer_list<std::string> names, std::string default_value = "");
    FlagSet& boolean(std::initializer_list<std::string> names);
    FlagSet& value(const std::vector<std::string>& names, std::string default_value = "");
    FlagSet& boolean(const std::vector<std::string>& names);

    /// Parses args (argv without the command name). Throws FlagError.
    void parse(const std::vector<std::string>& args);

    bool is_set(const std::string& name) const;
    /// Last value given (or the default).
    std::string get(const std::string& name) const;
    /// Every value given, in order (repeatable flags such as --config).
    std::vector<std::string> all(const std::string& name) const;
    bool on(const std::string& name) const;

    std::vector<std::string> positional;

  private:
    struct Flag {
        std::string canonical;
        bool is_bool = false;
        std::string default_value;
    };
    const Flag* find(const std::string& name) const;
    void declare(const std::vector<std::string>& names, bool is_bool, std::string default_value);
    /// One "-x..." or "--x..." word at args[index]; may consume the next word as its value.
    void parse_flag(const std::vector<std::string>& args, std::size_t& index);

    std::map<std::string, Flag> flags_;
    std::map<std::string, std::vector<std::string>> values_;
};

}  // namespace slurmctld::juju
