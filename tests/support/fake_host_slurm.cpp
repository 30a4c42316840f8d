// FakeHost's Slurm controllers: which controllers slurm.conf names, which are up, and scontrol
// (ping, show, reconfigure, takeover, ...) answered from that model.
#include <sstream>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include "support/fake_host.hpp"
#include "support/fake_host_internal.hpp"

namespace testing_support {

using namespace fake_host_internal;

namespace {

/// Values of `key` (case-insensitive, as Slurm reads it) in slurm.conf text, in order.
std::vector<std::string> slurm_conf_values(const std::string& text, const std::string& key) {
    std::vector<std::string> values;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        line = line.substr(0, line.find('#'));
        std::istringstream tokens(line);
        std::string token;
        while (tokens >> token) {
            const std::size_t equals = token.find('=');
            if (equals != std::string::npos && lower(token.substr(0, equals)) == key) {
                values.push_back(token.substr(equals + 1));
            }
        }
    }
    return values;
}

struct SlurmVersion {
    int major = 0;
    int minor = 0;
    int micro = 0;
};

SlurmVersion parse_slurm_version(const std::string& text) {
    SlurmVersion version;
    char dot = 0;
    std::istringstream in(text);
    in >> version.major >> dot >> version.minor >> dot >> version.micro;
    return version;
}

}  // namespace

std::optional<std::vector<std::string>> FakeHost::configured_controllers() {
    const auto text = read_file("/etc/slurm/slurm.conf");
    if (!text) {
        return std::nullopt;
    }
    std::vector<std::string> controllers;
    for (const auto& value : slurm_conf_values(*text, "slurmctldhost")) {
        controllers.push_back(value.substr(0, value.find('(')));  // "host(10.0.0.1)"
    }
    return controllers;
}

bool FakeHost::controller_up(const std::string& name) {
    if (name == short_hostname()) {
        const auto found = services.find("slurmctld");
        return found != services.end() && found->second.active;
    }
    const auto found = slurm.remote_up.find(name);
    return found != slurm.remote_up.end() && found->second;
}

std::optional<std::string> FakeHost::controller_in_control() {
    const auto controllers = configured_controllers();
    if (!controllers) {
        return std::nullopt;
    }
    for (const auto& name : *controllers) {
        if (controller_up(name)) {
            return name;
        }
    }
    return std::nullopt;
}

CommandResult FakeHost::scontrol(const std::vector<std::string>& args) {
    static const std::set<std::string> kQueries = {"ping", "show", "--json", "-o"};
    const bool changes_machine = !args.empty() && !kQueries.contains(args.front());
    return call_program("scontrol", args, changes_machine, &FakeHost::run_scontrol);
}

CommandResult FakeHost::scontrol_with_config(const fs::path& slurm_conf,
                                             const std::vector<std::string>& args) {
    std::vector<std::string> logged{"SLURM_CONF=" + slurm_conf.string()};
    logged.insert(logged.end(), args.begin(), args.end());
    if (auto result = log_command("scontrol", logged)) {
        return *result;
    }
    const auto text = read_file(slurm_conf);
    if (!text) {
        return error(1, "scontrol: error: s_p_parse_file: unable to status file " +
                            slurm_conf.string() + ": No such file or directory\n");
    }
    std::vector<std::string> targets;
    for (const auto& value : slurm_conf_values(*text, "slurmctldhost")) {
        targets.push_back(value.substr(0, value.find('(')));
    }
    if (args.empty() || targets.empty()) {
        return error(1, "scontrol: no command given\n");
    }
    if (lower(args.front()) == "ping") {
        return scontrol_ping(targets, std::find(args.begin(), args.end(), "--json") != args.end());
    }
    if (lower(args.front()) != "show") {
        return error(1, "invalid keyword: " + args.front() + "\n");
    }
    // A client that knows one controller asks only it: the one in control answers, a standby
    // backup refuses, a dead one cannot be reached.
    const std::string& target = targets.front();
    if (controller_in_control() == target) {
        return ok("PartitionName=compute\n");
    }
    if (controller_up(target)) {
        return error(1, "slurm_load_partitions error: Slurm backup controller in standby mode\n");
    }
    return error(1,
                 "slurm_load_partitions error: Unable to contact slurm controller (connect "
                 "failure)\n");
}

// ---- scontrol --------------------------------------------------------------------------------

CommandResult FakeHost::run_scontrol(const std::vector<std::string>& args) {
    bool json = false;
    bool oneliner = false;
    std::vector<std::string> words;
    for (const auto& arg : args) {
        if (arg == "--json") {
            json = true;
        } else if (arg == "-o" || arg == "--oneliner") {
            oneliner = true;
        } else if (arg == "-V" || arg == "--version") {
            return ok("slurm " + slurm.version + "\n");
        } else if (arg.starts_with("-")) {
            return error(1, "scontrol: unrecognized option '" + arg +
                                "'\nTry \"scontrol --help\" for more information\n");
        } else {
            words.push_back(arg);
        }
    }
    const SlurmVersion version = parse_slurm_version(slurm.version);
    if (json && (version.major < 23 || (version.major == 23 && version.minor < 2))) {
        // --json arrived in 23.02.
        return error(1,
                     "scontrol: unrecognized option '--json'\nTry \"scontrol --help\" for more "
                     "information\n");
    }
    const auto controllers = configured_controllers();
    if (!controllers) {
        // No slurm.conf: the client tries configless mode (a DNS SRV lookup) and gives up.
        return error(1,
                     "scontrol: error: resolve_ctls_from_dns_srv: res_nsearch error: Unknown "
                     "host\nscontrol: error: fetch_config: DNS SRV lookup failed\nscontrol: "
                     "error: _establish_config_source: failed to fetch config\nscontrol: fatal: "
                     "Could not establish a configuration source\n");
    }
    if (words.empty()) {
        return error(1, "scontrol: no command given\n");
    }
    const std::string command = lower(words.front());
    // The controller in control: the first one up in SlurmctldHost order (the model assumes a
    // backup has finished taking over once the controllers before it are down).
    std::optional<std::size_t> in_control;
    if (const auto name = controller_in_control()) {
        in_control = static_cast<std::size_t>(
            std::find(controllers->begin(), controllers->end(), *name) - controllers->begin());
    }
    const std::string unreachable = "Unable to contact slurm controller (connect failure)\n";
    if (command == "ping") {
        return scontrol_ping(*controllers, json);
    }
    if (command == "reconfigure" || command == "reconfig") {
        if (!in_control) {
            return error(1, "slurm_reconfigure error:" + unreachable);
        }
        ++slurm.reconfigures;
        if (controller_in_control() == short_hostname()) {
            service("slurmctld").loaded_config = slurm_config_snapshot();
        }
        return ok();
    }
    if (command == "update") {
        if (!in_control) {
            return error(1, "slurm_update error: " + unreachable);
        }
        slurm.updates.emplace_back(words.begin() + 1, words.end());
        const bool resume = words.size() == 3 && lower(words[2]) == "state=resume";
        const bool undrain = words.size() == 3 && lower(words[2]) == "state=undrain";
        if ((resume || undrain) && lower(words[1]).starts_with("nodename=")) {
            // Node by node (node_mgr.c update_node): resume needs a drained node, undrain takes
            // any (it clears a drain); both ask the node to register (_require_node_reg).
            std::istringstream nodes(words[1].substr(std::string_view("nodename=").size()));
            bool refused = false;
            for (std::string node; std::getline(nodes, node, ',');) {
                if (slurm.nodes.count(node) == 0) {
                    return error(1, "slurm_update error: Invalid node name specified\n");
                }
                if (slurm.drained.erase(node) == 0 && resume) {
                    refused = true;
                    continue;
                }
                slurm.registration_requests.push_back(node);
            }
            if (refused) {
                return error(1, "slurm_update error: Invalid node state specified\n");
            }
        }
        return ok();
    }
    if (command == "show" && words.size() == 2 &&
        (lower(words[1]) == "node" || lower(words[1]) == "nodes")) {
        if (!in_control) {
            return error(1, "slurm_load_node error: " + unreachable);
        }
        // One line per node with -o, else one field per line; Reason last, as Slurm prints it.
        const std::string separator = oneliner ? " " : "\n   ";
        std::string text;
        for (const auto& node : slurm.nodes) {
            const auto drained = slurm.drained.find(node);
            text += "NodeName=" + node + separator + "Arch=x86_64" + separator + "State=IDLE" +
                    (drained != slurm.drained.end()
                         ? "+DRAIN" + separator + "Reason=" + drained->second +
                               " [slurm@2026-12-04T02:15:01]"
                         : std::string()) +
                    "\n";
        }
        return ok(text.empty() ? "No nodes in the system\n" : text);
    }
    if (command == "delete") {
        // `scontrol delete nodename=<node>` (dynamic nodes).
        if (!in_control) {
            return error(1, "scontrol_delete_nodes error: " + unreachable);
        }
        const std::string prefix = "nodename=";
        if (words.size() != 2 || lower(words[1]).rfind(prefix, 0) != 0) {
            return error(1, "invalid delete request\n");
        }
        const std::string node = words[1].substr(prefix.size());
        if (slurm.nodes.erase(node) == 0) {
            return error(1, "scontrol_delete_nodes error: Invalid node name specified\n");
        }
        slurm.deleted_nodes.push_back(node);
        return ok();
    }
    if (command == "takeover") {
        if (words.size() > 2) {
            return error(1, "takeover: too many arguments\n");
        }
        const int index = words.size() == 2 ? std::atoi(words[1].c_str()) : 1;
        if (index < 1 || index >= static_cast<int>(controllers->size())) {
            return error(
                1, "takeover: invalid backup controller index (" + std::to_string(index) + ")\n");
        }
        const auto backup = static_cast<std::size_t>(index);
        if (!controller_up((*controllers)[backup])) {
            return error(1, "slurm_takeover error: " + unreachable);
        }
        // The backup asks the controller in control to shut down; that daemon exits.
        if (in_control && *in_control < backup) {
            const std::string& name = (*controllers)[*in_control];
            if (name == short_hostname()) {
                service("slurmctld").active = false;
            } else {
                slurm.remote_up[name] = false;
            }
        }
        slurm.takeovers.push_back(index);
        return ok();
    }
    return error(1, "invalid keyword: " + words.front() + "\n");
}

CommandResult FakeHost::scontrol_ping(const std::vector<std::string>& controllers, bool json) {
    const auto mode_of = [&](std::size_t index) {
        if (index == 0) {
            return std::string("primary");
        }
        if (index == 1 && controllers.size() == 2) {
            return std::string("backup");
        }
        return "backup" + std::to_string(index);
    };
    if (json) {
        const SlurmVersion version = parse_slurm_version(slurm.version);
        nlohmann::json pings = nlohmann::json::array();
        for (std::size_t i = 0; i < controllers.size(); ++i) {
            const bool up = controller_up(controllers[i]);
            pings.push_back({{"hostname", controllers[i]},
                             {"pinged", up ? "UP" : "DOWN"},
                             {"responding", up},
                             {"latency", up ? 1000 : 0},
                             {"mode", mode_of(i)},
                             {"primary", i == 0}});
        }
        const auto cluster =
            slurm_conf_values(read_file("/etc/slurm/slurm.conf").value_or(""), "clustername");
        const nlohmann::json document = {
            {"pings", pings},
            {"meta",
             {{"plugin",
               {{"type", ""},
                {"name", ""},
                {"data_parser", "data_parser/v0.0.42"},
                {"accounting_storage", ""}}},
              {"client", {{"source", ""}, {"user", "root"}, {"group", "root"}}},
              {"command", nlohmann::json::array()},
              {"slurm",
               {{"version",
                 {{"major", std::to_string(version.major)},
                  {"micro", std::to_string(version.micro)},
                  {"minor", std::to_string(version.minor)}}},
                {"release", slurm.version},
                {"cluster", cluster.empty() ? "" : cluster.front()}}}}},
            {"errors", nlohmann::json::array()},
            {"warnings", nlohmann::json::array()}};
        return ok(document.dump(2) + "\n");  // exit 0 even when every controller is down
    }
    CommandResult result = error(1, "");
    bool any_down = false;
    for (std::size_t i = 0; i < controllers.size(); ++i) {
        const bool up = controller_up(controllers[i]);
        if (up) {
            result.exit_code = 0;
        }
        any_down = any_down || !up;
        result.stdout_text += "Slurmctld(" + mode_of(i) + ") at " + controllers[i] + " is " +
                              (up ? "UP" : "DOWN") + "\n";
    }
    if (any_down) {  // printed for uid 0, which the charm is
        result.stdout_text +=
            "*****************************************\n"
            "** RESTORE SLURMCTLD DAEMON TO SERVICE **\n"
            "*****************************************\n";
    }
    return result;
}

}  // namespace testing_support
