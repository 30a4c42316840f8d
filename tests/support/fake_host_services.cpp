// FakeHost's systemd: systemctl over the modelled services (start, stop, restart, reload,
// enable, is-active, show, daemon-reload).
#include <set>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "support/fake_host.hpp"
#include "support/fake_host_internal.hpp"

namespace testing_support {

using namespace fake_host_internal;

namespace {

std::string unit_name(std::string unit) {
    constexpr std::string_view kSuffix = ".service";
    if (unit.size() > kSuffix.size() && unit.ends_with(kSuffix)) {
        unit.resize(unit.size() - kSuffix.size());
    }
    return unit;
}

}  // namespace

FakeService& FakeHost::service(const std::string& unit) {
    return services[unit_name(unit)];
}

CommandResult FakeHost::systemctl(const std::vector<std::string>& args) {
    static const std::set<std::string> kQueries = {"is-active", "is-enabled", "status", "show"};
    const bool changes_machine = !args.empty() && !kQueries.contains(args.front());
    return call_program("systemctl", args, changes_machine, &FakeHost::run_systemctl);
}

// ---- systemctl -------------------------------------------------------------------------------

CommandResult FakeHost::start_unit(const std::string& unit, FakeService& entry) {
    if (entry.active) {
        return ok();
    }
    for (const auto& condition : entry.condition_path_exists) {
        if (node_at(resolve(condition, true)) == nullptr) {
            return ok();  // systemd skips the start: "Condition check resulted in ... skipped"
        }
    }
    bool fails = entry.fails_to_start;
    if (unit == "slurmctld") {
        // slurmctld exits at once on a host that is not in SlurmctldHost ("This host not a
        // valid controller").
        const auto controllers = configured_controllers();
        fails = fails || (controllers && std::find(controllers->begin(), controllers->end(),
                                                   short_hostname()) == controllers->end());
    }
    if (fails) {
        return error(1, "Job for " + unit +
                            ".service failed because the control process exited with error "
                            "code.\nSee \"systemctl status " +
                            unit + ".service\" and \"journalctl -xeu " + unit +
                            ".service\" for details.\n");
    }
    entry.active = true;
    if (unit == "slurmctld") {
        entry.loaded_config = slurm_config_snapshot();
    }
    return ok();
}

CommandResult FakeHost::run_systemctl(const std::vector<std::string>& args) {
    bool quiet = false;
    bool now_flag = false;
    std::string verb;
    std::vector<std::string> units;
    for (const auto& arg : args) {
        if (arg == "--quiet" || arg == "-q") {
            quiet = true;
        } else if (arg == "--now") {
            now_flag = true;
        } else if (arg.starts_with("-")) {
            continue;  // --no-block, --no-pager, --system: no effect on the model
        } else if (verb.empty()) {
            verb = arg;
        } else {
            units.push_back(unit_name(arg));
        }
    }
    if (verb == "daemon-reload") {
        // systemd loads the unit files an admin (or a charm) put in /etc/systemd/system.
        for (auto& [name, entry] : services) {
            if (entry.from_unit_file && !exists("/etc/systemd/system/" + name + ".service")) {
                entry.installed = false;
            }
        }
        for (const auto& file : list_directory("/etc/systemd/system")) {
            if (file.size() > 8 && file.ends_with(".service") &&
                status("/etc/systemd/system/" + file).type == slurmctld::host::FileType::Regular) {
                auto& entry = services[file.substr(0, file.size() - 8)];
                if (!entry.installed) {
                    entry.installed = true;
                    entry.from_unit_file = true;
                }
            }
        }
        return ok();
    }
    if (verb == "is-active" || verb == "is-enabled") {
        const bool active_check = verb == "is-active";
        bool any = false;
        std::string out;
        for (const auto& unit : units) {
            const auto found = services.find(unit);
            const bool known = found != services.end() && found->second.installed;
            const bool yes = known && (active_check ? found->second.active : found->second.enabled);
            any = any || yes;
            out += active_check ? (yes ? "active\n" : "inactive\n")
                                : (yes ? "enabled\n" : (known ? "disabled\n" : ""));
            if (!active_check && !known) {
                return error(1, "Failed to get unit file state for " + unit +
                                    ".service: No such file or directory\n");
            }
        }
        CommandResult result = ok(quiet ? "" : out);
        result.exit_code = any ? 0 : (active_check ? 3 : 1);
        return result;
    }
    static const std::set<std::string> kUnitVerbs = {"enable", "disable", "start",
                                                     "stop",   "restart", "reload"};
    if (!kUnitVerbs.contains(verb)) {
        return error(1, "Unknown command verb " + verb + ".\n");
    }
    if (units.empty()) {
        return error(1, "Too few arguments.\n");
    }
    for (const auto& unit : units) {
        auto found = services.find(unit);
        if (found == services.end() || !found->second.installed) {
            if (verb == "enable" || verb == "disable") {
                return error(1, "Failed to " + verb + " unit: Unit file " + unit +
                                    ".service does not exist.\n");
            }
            return error(5, "Failed to " + verb + " " + unit + ".service: Unit " + unit +
                                ".service " + (verb == "stop" ? "not loaded" : "not found") +
                                ".\n");
        }
        FakeService& entry = found->second;
        CommandResult result = ok();
        if (verb == "enable") {
            entry.enabled = true;
            if (now_flag) {
                ++entry.starts;
                result = start_unit(unit, entry);
            }
        } else if (verb == "disable") {
            entry.enabled = false;
            if (now_flag) {
                ++entry.stops;
                entry.active = false;
            }
        } else if (verb == "start") {
            ++entry.starts;
            result = start_unit(unit, entry);
        } else if (verb == "stop") {
            ++entry.stops;
            entry.active = false;
        } else if (verb == "restart") {
            ++entry.restarts;
            entry.active = false;
            result = start_unit(unit, entry);
        } else if (verb == "reload") {
            if (!entry.active) {
                return error(1, "Failed to reload " + unit + ".service: Unit " + unit +
                                    ".service is not active.\n");
            }
            ++entry.reloads;
        }
        if (!result.ok()) {
            return result;
        }
    }
    return ok();
}

}  // namespace testing_support
