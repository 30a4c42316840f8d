#include <algorithm>
#include <vector>

#include <slurmctld/slurm/config_options.hpp>
#include <slurmctld/slurm/default_files.hpp>
#include <slurmctld/slurm/upstream_form.hpp>

namespace slurmctld::slurm {

namespace {

std::string at_line(int line, const std::string& message) {
    return "line " + std::to_string(line) + ": " + message;
}

// nullopt when every entry is a key `version`'s Slurm accepts with a value of the right kind.
std::optional<std::string> check_keys(const ConfigDocument& document,
                                      const std::optional<SlurmVersion>& version) {
    std::vector<std::string> seen;
    for (const ConfigEntry& entry : document.entries()) {
        std::string key;
        const Setting* setting = std::get_if<Setting>(&entry.item);
        if (setting != nullptr) {
            key = setting->key;
        } else if (const auto* record = std::get_if<Record>(&entry.item)) {
            key = record->kind();
        } else if (document.dialect() == ConfigDialect::SlurmConf) {
            continue;  // include lines are fine in slurm.conf
        } else {
            return at_line(entry.line, "unrecognized configuration field `include`");
        }

        const KeyInfo* info = find_key(document.dialect(), key);
        if (info == nullptr) {
            return at_line(entry.line, "unrecognized configuration field `" + key + "`");
        }
        if (version && !info->accepted_by(*version)) {
            return at_line(entry.line, "configuration field `" + key +
                                           "` is not supported by Slurm " +
                                           std::to_string(version->major) + "." +
                                           std::to_string(version->minor));
        }
        if (setting == nullptr) {
            continue;
        }
        if (const auto error = value_kind_error(info->kind, setting->value)) {
            return at_line(entry.line, "invalid value for `" + key + "`: " + *error);
        }
        const std::string lower = to_lower(key);
        if (!info->repeatable && std::find(seen.begin(), seen.end(), lower) != seen.end()) {
            return at_line(entry.line, "configuration field `" + key + "` is given more than once");
        }
        seen.push_back(lower);
    }
    return std::nullopt;
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

Expected<ConfigDocument> parse_and_check(std::string_view value, ConfigDialect dialect,
                                         const std::optional<SlurmVersion>& version,
                                         const std::string& error_prefix) {
    auto document = ConfigDocument::parse(value, dialect);
    if (!document) {
        return Failure{error_prefix + document.error().describe()};
    }
    if (const auto error = check_keys(document.value(), version)) {
        return Failure{error_prefix + *error};
    }
    return std::move(document).value();
}

}  // namespace

Expected<ConfigDocument> parse_slurm_conf_parameters(std::string_view value,
                                                     const std::optional<SlurmVersion>& version) {
    auto document = parse_and_check(
        value, ConfigDialect::SlurmConf, version,
        "Invalid slurm configuration override: " + std::string(value) + ". Reason:\n");
    if (!document) {
        return document.error();
    }
    keep_configless(document.value());
    return std::move(document).value();
}

Expected<ConfigDocument> parse_cgroup_parameters(std::string_view value,
                                                 const std::optional<SlurmVersion>& version) {
    auto user =
        parse_and_check(value, ConfigDialect::CgroupConf, version,
                        "Invalid cgroup configuration: " + std::string(value) + ". Reason:\n");
    if (!user) {
        return user.error();
    }
    ConfigDocument cgroup = default_cgroup_conf();
    cgroup.merge(user.value());
    return cgroup;
}

}  // namespace slurmctld::slurm
