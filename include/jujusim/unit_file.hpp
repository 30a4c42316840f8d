// systemd unit files as jujusim machines read them: the search path, drop-in merging, the typed
// [Service] settings the packages' units and our charms use, command lines and environment
// expansion with systemd's rules. Used by the machine's init (jujusim-machine init); pure
// functions, testable without root.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <sys/resource.h>
#include <sys/types.h>

namespace jujusim::units {

namespace fs = std::filesystem;
using Environment = std::map<std::string, std::string>;

/// One "Key=Value" line of a section, in file order.
struct Assignment {
    std::string key;
    std::string value;
};

/// A unit file with its drop-ins applied in order: the main file, then `<name>.d/*.conf`.
struct UnitFile {
    std::string name;        ///< "slurmctld.service"
    fs::path fragment_path;  ///< the main file (resolved when it is a symlink)
    std::vector<fs::path> dropin_paths;
    bool masked = false;  ///< the file is a symlink to /dev/null (or empty)
    std::map<std::string, std::vector<Assignment>> sections;

    /// The last value assigned to `key` (single-valued settings: later files override).
    std::optional<std::string> value(const std::string& section, const std::string& key) const;
    /// Every value of a list setting; an empty assignment resets the list (systemd's rule).
    std::vector<std::string> values(const std::string& section, const std::string& key) const;
};

/// Unit directories in priority order under `root`: /etc/systemd/system, /run/systemd/system,
/// /usr/lib/systemd/system, /lib/systemd/system (a /lib -> usr/lib symlink is visited once).
std::vector<fs::path> default_unit_dirs(const fs::path& root = "/");

/// "foo" -> "foo.service"; names with a known unit suffix are kept.
std::string normalize_unit_name(const std::string& name);

/// Appends the sections and assignments of unit-file text (comments, continuation lines).
void parse_unit_text(const std::string& text, UnitFile& into);

/// Loads `name` from `dirs` (first directory holding it wins; drop-ins from every directory,
/// ordered by file name, a file in a higher-priority directory hiding one of the same name).
/// nullopt when no directory has the unit.
std::optional<UnitFile> load_unit(const std::string& name, const std::vector<fs::path>& dirs);

// ---- values --------------------------------------------------------------------------------

/// "90", "90s", "1min 30s", "500ms", "2h", "infinity" (nullopt). Throws std::invalid_argument.
std::optional<std::chrono::microseconds> parse_timespan(const std::string& text);
bool parse_boolean(const std::string& text, bool fallback);

/// A signal as unit files and systemctl name it: "TERM", "SIGTERM" or a number. Throws
/// std::invalid_argument or std::out_of_range (std::stoi) for anything else.
int parse_signal(const std::string& text);
/// A signal's name as systemd shows it ("TERM"), or its number when it has none here.
std::string signal_name(int signal);

/// A resource limit: "65536", "infinity", "1024:4096" (soft:hard); sizes may carry K, M, G.
struct ResourceLimit {
    rlim_t soft = RLIM_INFINITY;
    rlim_t hard = RLIM_INFINITY;
};
std::optional<ResourceLimit> parse_resource_limit(const std::string& text);

/// Environment= value: whitespace-separated NAME=value words, quotes allowed.
std::vector<std::pair<std::string, std::string>> parse_environment_assignments(
    const std::string& text);
/// An EnvironmentFile=: NAME=value lines with shell-like quoting and escapes, comments.
std::vector<std::pair<std::string, std::string>> parse_environment_file(const std::string& text);

/// Splits a value into words the way systemd does (quotes removed, C escapes resolved).
std::vector<std::string> split_words(const std::string& text);

/// Unit specifiers (%n %N %p %i %t %S %C %L %h %u %H %%) resolved in a setting's value.
struct SpecifierContext {
    std::string unit_name;
    std::string user = "root";
    std::string home = "/root";
    std::string hostname;
};
std::string expand_specifiers(const std::string& text, const SpecifierContext& context);

/// One command of an Exec*= setting after prefixes, specifiers and variables.
struct Command {
    std::string path;               ///< what is executed
    std::vector<std::string> argv;  ///< argv[0] is `path` unless the '@' prefix set it
    bool ignore_failure = false;    ///< '-' prefix
    bool privileged = false;        ///< '+' or '!' prefix: runs as root whatever User= says
};
/// Parses one Exec*= value (which may hold several commands separated by a lone ';') and
/// expands $NAME (a word of its own: split at whitespace) and ${NAME} (exactly one word),
/// "$$" -> "$"; the ':' prefix turns expansion off.
std::vector<Command> parse_commands(const std::string& value, const Environment& env);

// ---- a service ---------------------------------------------------------------------------

enum class ServiceType { Simple, Exec, Forking, Notify, Oneshot };
enum class RestartPolicy { No, OnSuccess, OnFailure, OnAbnormal, OnWatchdog, OnAbort, Always };
enum class KillMode { ControlGroup, Mixed, Process, None };

/// An enum value and the word systemd spells it with: one table per enum, which the unit
/// parser reads and `systemctl show`/`status` print from.
template <class Enum>
struct NamedValue {
    std::string_view name;
    Enum value;
};
/// The value `text` names in `table`; nullopt when none does.
template <class Enum, std::size_t N>
std::optional<Enum> value_named(const NamedValue<Enum> (&table)[N], std::string_view text) {
    for (const auto& entry : table) {
        if (entry.name == text) {
            return entry.value;
        }
    }
    return std::nullopt;
}
/// The first name `table` gives `value` (the first entry's name for a value it lacks).
template <class Enum, std::size_t N>
const char* name_of(const NamedValue<Enum> (&table)[N], Enum value) {
    for (const auto& entry : table) {
        if (entry.value == value) {
            return entry.name.data();
        }
    }
    return table[0].name.data();
}

/// Type=: systemd's aliases map to the type jujusim runs them as (listed after the names).
inline constexpr NamedValue<ServiceType> kServiceTypes[] = {
    {"simple", ServiceType::Simple},   {"exec", ServiceType::Exec},
    {"forking", ServiceType::Forking}, {"notify", ServiceType::Notify},
    {"oneshot", ServiceType::Oneshot}, {"idle", ServiceType::Simple},
    {"dbus", ServiceType::Simple},     {"notify-reload", ServiceType::Notify}};
/// Restart=.
inline constexpr NamedValue<RestartPolicy> kRestartPolicies[] = {
    {"no", RestartPolicy::No},
    {"on-success", RestartPolicy::OnSuccess},
    {"on-failure", RestartPolicy::OnFailure},
    {"on-abnormal", RestartPolicy::OnAbnormal},
    {"on-watchdog", RestartPolicy::OnWatchdog},
    {"on-abort", RestartPolicy::OnAbort},
    {"always", RestartPolicy::Always}};
/// KillMode=.
inline constexpr NamedValue<KillMode> kKillModes[] = {{"control-group", KillMode::ControlGroup},
                                                      {"mixed", KillMode::Mixed},
                                                      {"process", KillMode::Process},
                                                      {"none", KillMode::None}};

/// A path condition: ConditionPathExists=[!]path and friends.
struct PathCondition {
    std::string setting;  ///< "ConditionPathExists", ...
    fs::path path;
    bool negate = false;
};

/// The [Unit], [Service] and [Install] settings jujusim's init acts on. Exec lines stay raw
/// (variables are expanded when they run, with the environment of that moment).
struct ServiceDefinition {
    std::string name;
    std::string description;
    std::vector<std::string> documentation;
    ServiceType type = ServiceType::Simple;
    std::vector<std::string> exec_start_pre, exec_start, exec_start_post, exec_reload, exec_stop,
        exec_stop_post;
    std::vector<std::pair<std::string, std::string>> environment;
    std::vector<std::pair<std::string, bool>> environment_files;  ///< path, optional ('-')
    std::string user;
    std::string group;
    std::vector<std::string> runtime_directories;  ///< relative to /run
    mode_t runtime_directory_mode = 0755;
    bool runtime_directory_preserve = false;
    std::vector<std::string> state_directories;  ///< relative to /var/lib
    std::vector<std::string> logs_directories;   ///< relative to /var/log
    std::string working_directory;               ///< "" = "/" (or ~ for User=)
    bool working_directory_optional = false;
    std::string pid_file;
    bool remain_after_exit = false;
    bool guess_main_pid = true;
    RestartPolicy restart = RestartPolicy::No;
    std::chrono::microseconds restart_sec{100'000};
    std::vector<int> success_exit_status;
    std::vector<PathCondition> conditions;
    std::map<int, ResourceLimit> limits;  ///< RLIMIT_* -> value
    KillMode kill_mode = KillMode::ControlGroup;
    int kill_signal = 15;  // SIGTERM
    bool send_sigkill = true;
    std::optional<std::chrono::microseconds> timeout_start{std::chrono::seconds(90)};
    std::optional<std::chrono::microseconds> timeout_stop{std::chrono::seconds(90)};
    std::chrono::microseconds start_limit_interval{std::chrono::seconds(10)};
    unsigned start_limit_burst = 5;
    std::string standard_output = "journal";  ///< journal | null | file:PATH | append:PATH
    std::string standard_error = "inherit";   ///< inherit (= as stdout) | journal | null | ...
    std::string syslog_identifier;
    std::vector<std::string> after, before, wants, requires_units;
    std::vector<std::string> wanted_by, required_by, also;
    bool has_install_section = false;
    std::vector<std::string> warnings;  ///< settings that were ignored as invalid
};

/// Types the settings of a loaded unit (specifiers resolved with `context`).
ServiceDefinition to_service_definition(const UnitFile& unit, const SpecifierContext& context);

const char* to_string(ServiceType type);
const char* to_string(RestartPolicy policy);

}  // namespace jujusim::units
