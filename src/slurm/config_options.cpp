#include <algorithm>
#include <array>
#include <cctype>
#include <stdexcept>
#include <vector>

#include <slurmctld/slurm/config_options.hpp>
#include <slurmctld/slurm/default_files.hpp>
#include <slurmctld/slurm/upstream_form.hpp>

namespace slurmctld::slurm {

namespace {

/// The shape of every key in Slurm's option tables: a letter, then letters and digits.
bool is_key_name(std::string_view key) {
    return !key.empty() && std::isalpha(static_cast<unsigned char>(key.front())) != 0 &&
           std::all_of(key.begin(), key.end(),
                       [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
}

using Kind = ConfigOptionError::Kind;

constexpr std::string_view kControllers =
    "the charm writes the controller list from its peers (failover order)";
constexpr std::string_view kAuth =
    "the charm generates and rotates the keys every daemon and client authenticates with";

// What the charm writes in the default slurm.conf and its includes (upstream.md §5.2) and keeps the
// same on every controller; overriding any of them makes a controller disagree with its peers or
// with what the clients were told in relation data.
constexpr std::array kCharmOwnedKeys = std::to_array<CharmOwnedKey>({
    {"ClusterName",
     "the charm sets it from `cluster-name` once; slurmctld refuses state saved "
     "under another name"},
    {"SlurmctldHost", kControllers},
    {"ControlMachine", kControllers},
    {"ControlAddr", kControllers},
    {"BackupController", kControllers},
    {"BackupAddr", kControllers},
    {"SlurmctldAddr", kControllers},
    {"StateSaveLocation",
     "the charm moves the controller state to the shared file system for "
     "high availability; another location splits it"},
    {"AuthType", kAuth},
    {"AuthAltTypes", kAuth},
    {"AuthAltParameters", kAuth},
    {"AuthInfo", kAuth},
    {"CredType", kAuth},
    {"SlurmctldPort", "clients and metrics scrapers are told port 6817"},
    {"SlurmUser", "the charm owns the state and key files as `slurm`"},
    {"AccountingStorageHost", "the `slurmdbd` integration sets it"},
    {"AccountingStoragePort", "the `slurmdbd` integration sets it"},
    {"AccountingStorageType", "the `slurmdbd` integration sets it"},
    {"include", "the charm manages the includes of slurm.conf"},
});

std::string at_line(int line, const std::string& message) {
    return "line " + std::to_string(line) + ": " + message;
}

struct Problem {
    Kind kind;
    int line;
    std::string key;
    std::string text;  // without the "line N: " prefix
};

// "23.02" for 23.2.7: Slurm's own spelling of a release.
std::string release_text(const SlurmVersion& version) {
    return std::to_string(version.major) + (version.minor < 10 ? ".0" : ".") +
           std::to_string(version.minor);
}

// Each field of a record line must be one Slurm's table for that line takes (an unknown one
// stops slurmctld at startup), with a value of its type.
std::optional<Problem> check_record_fields(const Record& record, int line,
                                           const std::optional<SlurmVersion>& version) {
    const auto& settings = record.settings();
    for (std::size_t i = 0; i < settings.size(); ++i) {
        const Setting& field = settings[i];
        if (!can_write_value(field.value, field.quoted)) {
            return Problem{Kind::Unwritable, line, record.kind(),
                           "the value of `" + field.key + "` on the `" + record.kind() +
                               "` line cannot be written back so that Slurm reads it unchanged"};
        }
        if (i == 0) {
            continue;  // the naming pair
        }
        const KeyInfo* info = find_record_field(record.kind(), field.key);
        if (info == nullptr || (version ? !info->accepted_by(*version) : info->releases == 0U)) {
            return Problem{Kind::UnknownKey, line, record.kind(),
                           "unrecognized field `" + field.key + "` on a `" + record.kind() +
                               "` line" + (version ? " for Slurm " + release_text(*version) : "")};
        }
        if (const auto error = slurm_type_error(info->type, field.value)) {
            return Problem{Kind::BadValue, line, record.kind(),
                           "invalid value for `" + field.key + "` on a `" + record.kind() +
                               "` line: " + *error};
        }
    }
    return std::nullopt;
}

// nullopt when every entry is a key `version`'s Slurm accepts with a value of the right kind and
// the user may set it.
std::optional<Problem> check_keys(const ConfigDocument& document,
                                  const std::optional<SlurmVersion>& version, bool refuse_owned) {
    std::vector<std::string> seen;
    for (const ConfigEntry& entry : document.entries()) {
        std::string key;
        const Setting* setting = std::get_if<Setting>(&entry.item);
        const Record* record = std::get_if<Record>(&entry.item);
        if (setting != nullptr) {
            key = setting->key;
        } else if (record != nullptr) {
            key = record->kind();
        } else if (document.dialect() == ConfigDialect::SlurmConf && refuse_owned) {
            return Problem{Kind::CharmOwned, entry.line, "include",
                           "`include` is managed by the charm"};
        } else {
            return Problem{Kind::UnknownKey, entry.line, "include",
                           "unrecognized configuration field `include`"};
        }

        const KeyInfo* info = find_key(document.dialect(), key);
        if (info == nullptr && setting != nullptr && version && newer_than_every_table(*version) &&
            is_key_name(key)) {
            // A release newer than the key tables here: the key may be one of its new ones.
            // Slurm is the judge; a key it does not know fails its reconfigure, which the
            // status reports ("Failed to apply new Slurm configuration").
            if (!can_write_value(setting->value, setting->quoted)) {
                return Problem{Kind::Unwritable, entry.line, key,
                               "the value of `" + key +
                                   "` cannot be written back so that Slurm reads it unchanged"};
            }
            continue;
        }
        if (info == nullptr) {
            return Problem{Kind::UnknownKey, entry.line, key,
                           "unrecognized configuration field `" + key + "`"};
        }
        if (refuse_owned) {
            if (const CharmOwnedKey* owned = find_charm_owned_key(key)) {
                return Problem{Kind::CharmOwned, entry.line, std::string(owned->name),
                               "`" + std::string(owned->name) + "` is managed by the charm (" +
                                   std::string(owned->reason) + ")"};
            }
        }
        if (version && info->defunct_in(*version)) {
            return Problem{Kind::Defunct, entry.line, std::string(info->name),
                           "configuration field `" + std::string(info->name) +
                               "` is defunct in Slurm " + release_text(*version) +
                               " (it is ignored)"};
        }
        if (version && !info->accepted_by(*version)) {
            return Problem{Kind::UnknownKey, entry.line, std::string(info->name),
                           "configuration field `" + key + "` is not supported by Slurm " +
                               release_text(*version)};
        }
        if (version == std::nullopt && info->releases == 0U) {
            return Problem{Kind::Defunct, entry.line, std::string(info->name),
                           "configuration field `" + std::string(info->name) +
                               "` is defunct in every Slurm release we know (it is ignored)"};
        }
        if (record != nullptr) {
            if (auto problem = check_record_fields(*record, entry.line, version)) {
                return problem;
            }
            continue;
        }
        if (!can_write_value(setting->value, setting->quoted)) {
            return Problem{Kind::Unwritable, entry.line, std::string(info->name),
                           "the value of `" + key +
                               "` cannot be written back so that Slurm reads it unchanged"};
        }
        // slurmutils' rule first: its wording is upstream's for the yes/no and 0/1 keys.
        if (const auto error = value_kind_error(info->kind, setting->value)) {
            return Problem{Kind::BadValue, entry.line, std::string(info->name),
                           "invalid value for `" + key + "`: " + *error};
        }
        if (const auto error = slurm_type_error(info->type, setting->value)) {
            return Problem{Kind::BadValue, entry.line, std::string(info->name),
                           "invalid value for `" + key + "`: " + *error};
        }
        const bool repeatable = version ? info->repeatable_in(*version) : info->repeatable();
        const std::string lower = to_lower(key);
        if (!repeatable && std::find(seen.begin(), seen.end(), lower) != seen.end()) {
            return Problem{Kind::Duplicate, entry.line, std::string(info->name),
                           "configuration field `" + key + "` is given more than once"};
        }
        seen.push_back(lower);
    }
    return std::nullopt;
}

// Slurm's spelling of a lower-cased key of `document` ("include" and collections as they are).
std::string spelling(const ConfigDocument& document, const std::string& key) {
    const KeyInfo* info = find_key(document.dialect(), key);
    return info != nullptr ? std::string(info->name) : key;
}

// The first line of `document` that sets the lower-cased `key`; 0 when none does.
int line_of(const ConfigDocument& document, const std::string& key) {
    for (const ConfigEntry& entry : document.entries()) {
        const auto* setting = std::get_if<Setting>(&entry.item);
        if ((setting != nullptr && to_lower(setting->key) == key) ||
            (key == "include" && std::holds_alternative<Include>(entry.item))) {
            return entry.line;
        }
    }
    return 0;
}

// The charm writes these documents with upstream_file_text(); what it writes must parse back to
// the same model, or the file would say something else than the option (a value cut at a '#', a
// quoted value that lost its quotes, ...).
std::optional<Problem> check_round_trip(const ConfigDocument& document) {
    std::string text;
    try {
        text = upstream_file_text(document);
    } catch (const UnwritableValue& error) {
        return Problem{Kind::Unwritable, line_of(document, error.key()),
                       spelling(document, error.key()),
                       "the value of `" + spelling(document, error.key()) +
                           "` cannot be written back so that Slurm reads it unchanged"};
    }
    const auto reparsed = ConfigDocument::parse(text, document.dialect());
    const auto before = upstream_dict(document);
    if (reparsed) {
        const auto after = upstream_dict(reparsed.value());
        if (after == before) {
            return std::nullopt;
        }
        for (const auto& [key, value] : before.items()) {
            if (!after.contains(key) || after[key] != value) {
                return Problem{
                    Kind::Unwritable, line_of(document, key), spelling(document, key),
                    "`" + spelling(document, key) + "` would not read back the same from the file"};
            }
        }
    }
    return Problem{Kind::Unwritable, 0, "", "the lines would not read back the same from the file"};
}

// upstream: `config.slurmctld_parameters["enable_configless"] = True`.
void keep_configless(ConfigDocument& document) {
    const auto parameters = document.get("SlurmctldParameters");
    if (!parameters) {
        return;
    }
    std::vector<std::string> items;
    bool found = false;
    std::size_t start = 0;
    while (start <= parameters->size()) {
        const std::size_t end = std::min(parameters->find(',', start), parameters->size());
        std::string item = parameters->substr(start, end - start);
        const std::string flag = item.substr(0, item.find('='));
        if (iequals(flag, "enable_configless")) {
            item = flag;  // a value would mean nothing to Slurm; the flag alone turns it on
            found = true;
        }
        if (!item.empty()) {
            items.push_back(std::move(item));
        }
        start = end + 1;
    }
    if (!found) {
        items.emplace_back("enable_configless");
    }
    std::string value;
    for (const auto& item : items) {
        value += (value.empty() ? "" : ",") + item;
    }
    document.set("SlurmctldParameters", value);
}

struct OptionSpec {
    std::string_view option;
    ConfigDialect dialect;
    std::string_view message_prefix;  // upstream's, before the value
    bool refuse_owned;
};

constexpr OptionSpec kSlurmConfOption{"slurm-conf-parameters", ConfigDialect::SlurmConf,
                                      "Invalid slurm configuration override: ", true};
constexpr OptionSpec kCgroupOption{"cgroup-parameters", ConfigDialect::CgroupConf,
                                   "Invalid cgroup configuration: ", false};

ConfigOptionError make_error(const OptionSpec& spec, std::string_view value, Problem problem) {
    ConfigOptionError error;
    error.option = std::string(spec.option);
    error.kind = problem.kind;
    error.line = problem.line;
    error.key = std::move(problem.key);
    error.reason = problem.line > 0 ? at_line(problem.line, problem.text) : problem.text;
    error.message =
        std::string(spec.message_prefix) + std::string(value) + ". Reason:\n" + error.reason;
    return error;
}

Result<ConfigDocument, ConfigOptionError> parse_and_check(
    const OptionSpec& spec, std::string_view value, const std::optional<SlurmVersion>& version) {
    auto document = ConfigDocument::parse(value, spec.dialect);
    if (!document) {
        return make_error(
            spec, value,
            Problem{Kind::Syntax, document.error().line, "", document.error().message});
    }
    if (auto problem = check_keys(document.value(), version, spec.refuse_owned)) {
        return make_error(spec, value, std::move(*problem));
    }
    if (auto problem = check_round_trip(document.value())) {
        return make_error(spec, value, std::move(*problem));
    }
    return std::move(document).value();
}

template <class T>
Expected<T> as_expected(Result<T, ConfigOptionError> result) {
    if (!result) {
        return Failure{result.error().message};
    }
    return std::move(result).value();
}

}  // namespace

std::span<const CharmOwnedKey> charm_owned_slurm_conf_keys() {
    return kCharmOwnedKeys;
}

const CharmOwnedKey* find_charm_owned_key(std::string_view key) {
    const auto found =
        std::find_if(kCharmOwnedKeys.begin(), kCharmOwnedKeys.end(),
                     [&](const CharmOwnedKey& owned) { return iequals(owned.name, key); });
    return found == kCharmOwnedKeys.end() ? nullptr : &*found;
}

std::string ConfigOptionError::status() const {
    if (kind == Kind::CharmOwned) {
        return "Configuration option '" + option + "' sets `" + key + "`, which the charm manages";
    }
    return "Configuration option '" + option + "' is invalid: " + reason;
}

Result<ConfigDocument, ConfigOptionError> check_slurm_conf_parameters(
    std::string_view value, const std::optional<SlurmVersion>& version) {
    auto document = parse_and_check(kSlurmConfOption, value, version);
    if (!document) {
        return document.error();
    }
    keep_configless(document.value());
    return std::move(document).value();
}

Expected<ConfigDocument> parse_slurm_conf_parameters(std::string_view value,
                                                     const std::optional<SlurmVersion>& version) {
    return as_expected(check_slurm_conf_parameters(value, version));
}

Result<ConfigDocument, ConfigOptionError> check_cgroup_parameters(
    std::string_view value, const std::optional<SlurmVersion>& version) {
    auto user = parse_and_check(kCgroupOption, value, version);
    if (!user) {
        return user.error();
    }
    ConfigDocument cgroup = default_cgroup_conf();
    if (version) {
        // A default the installed Slurm does not know (SignalChildrenProcesses before 23.11)
        // would stop every daemon that reads cgroup.conf.
        for (const ConfigEntry& entry : default_cgroup_conf().entries()) {
            if (const auto* setting = std::get_if<Setting>(&entry.item)) {
                const KeyInfo* info = find_key(ConfigDialect::CgroupConf, setting->key);
                if (info == nullptr || !info->accepted_by(*version)) {
                    cgroup.remove(setting->key);
                }
            }
        }
    }
    cgroup.merge(user.value());
    return cgroup;
}

Expected<ConfigDocument> parse_cgroup_parameters(std::string_view value,
                                                 const std::optional<SlurmVersion>& version) {
    return as_expected(check_cgroup_parameters(value, version));
}

}  // namespace slurmctld::slurm
