// Ports (open-port, close-port, opened-ports), unit-get, network-get, and the machine tools
// jujusim does not model (juju-reboot, credential-get, storage-*, resource-get).
#include <regex>

#include "tool_call.hpp"

namespace jujusim {

CommandResult tool_handlers::open_or_close_port(ToolCall& call) {
    const auto spec = slurmctld::juju::parse_port_range(call.tool, call.args()[0]);
    call.ctx.port_changes.emplace_back(call.tool == "open-port", spec);
    return {};
}

CommandResult tool_handlers::opened_ports(ToolCall& call) {
    // This hook's pending opens are not shown.
    std::vector<std::string> ports(call.unit.ports.begin(), call.unit.ports.end());
    if (call.flags().on("endpoints")) {
        for (auto& port : ports) {
            port += " (*)";
        }
    }
    return call.output(ports);
}

namespace {

const std::string& machine_address(const ToolCall& call) {
    return call.model.machines.at(call.unit.machine).address;
}

}  // namespace

CommandResult tool_handlers::unit_get(ToolCall& call) {
    const std::string& setting = call.args()[0];
    if (setting != "private-address" && setting != "public-address") {
        call.usage_error("unknown setting \"" + setting + "\"");  // Juju checks it in Init
    }
    return call.output(machine_address(call));
}

namespace {

std::string mac_address(const std::string& machine) {
    const int value = std::stoi(machine) % 256;
    const char* hex = "0123456789abcdef";
    return std::string("00:16:3e:00:00:") + hex[value / 16] + hex[value % 16];
}

/// Everything network-get knows, as Juju's display structs print it (field order); YAML
/// keeps the pre-Juju-3 duplicate keys (macaddress, interfacename, address), JSON does not.
ordered_json network_info(const ToolCall& call) {
    const bool yaml = call.parsed.format() != "json";
    const std::string& address = machine_address(call);
    ordered_json entry;
    entry["hostname"] = "";
    entry["value"] = address;
    entry["cidr"] = address.substr(0, address.find_last_of('.')) + ".0/24";
    if (yaml) {
        entry["address"] = address;
    }
    ordered_json bind;
    bind["mac-address"] = mac_address(call.unit.machine);
    bind["interface-name"] = "eth0";
    bind["addresses"] = ordered_json::array({entry});
    if (yaml) {
        bind["macaddress"] = bind["mac-address"];
        bind["interfacename"] = "eth0";
    }
    ordered_json info;
    info["bind-addresses"] = ordered_json::array({bind});
    info["egress-subnets"] = ordered_json::array({address + "/32"});
    info["ingress-addresses"] = ordered_json::array({address});
    return info;
}

}  // namespace

CommandResult tool_handlers::network_get(ToolCall& call) {
    const std::string& binding = call.args()[0];
    if (call.meta().endpoints.count(binding) == 0) {
        call.run_error("no network config found for binding \"" + binding + "\"");
    }
    if (call.flags().is_set("r")) {
        call.relation(true);
    }
    const auto& flags = call.flags();
    const std::string& address = machine_address(call);
    if (flags.on("primary-address")) {
        if (flags.on("ingress-address") || flags.on("egress-subnets") || flags.on("bind-address")) {
            call.run_error("--primary-address must be the only flag specified");
        }
        return call.output(address);
    }
    // One flag prints its value, several a map of them (a Go map: sorted), none everything.
    json picked = json::object();
    if (flags.on("bind-address")) {
        picked["bind-address"] = address;
    }
    if (flags.on("ingress-address")) {
        picked["ingress-address"] = address;
    }
    if (flags.on("egress-subnets")) {
        picked["egress-subnets"] = json::array({address + "/32"});
    }
    if (picked.size() == 1) {
        return call.output(picked.begin().value());
    }
    if (picked.size() > 1) {
        return call.output(picked);
    }
    return call.output(network_info(call));
}

CommandResult tool_handlers::juju_reboot(ToolCall& call) {
    if (call.ctx.is_action) {
        call.run_error("juju-reboot is not supported when running an action.");
    }
    call.run_error(
        "juju-reboot is not supported by jujusim: use `jujusim poweroff` and `jujusim "
        "poweron`");
}

CommandResult tool_handlers::credential_get(ToolCall& call) {
    call.run_error("cannot access cloud credentials: application \"" + call.unit.app +
                   "\" is not trusted");
}

CommandResult tool_handlers::storage_tool(ToolCall& call) {
    call.run_error("charm has no storage");
}

CommandResult tool_handlers::resource_get(ToolCall& call) {
    call.run_error("resources are not supported by jujusim");
}

}  // namespace jujusim
