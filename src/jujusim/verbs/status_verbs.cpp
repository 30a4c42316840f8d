// `status` and `show-unit` as Juju 3.6 prints them (cmd/juju/status formatters): JSON/YAML
// with Juju's keys, and the tabular Model/App/Unit/Machine sections.
#include <algorithm>

#include <jujusim/controller.hpp>
#include <jujusim/flags.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/image.hpp>

#include "verb_helpers.hpp"

namespace jujusim {

namespace {

ordered_json status_info(const StatusValue& value, const std::string& version = "") {
    ordered_json out;
    if (!value.current.empty()) {
        out["current"] = value.current;
    }
    if (!value.message.empty()) {
        out["message"] = value.message;
    }
    if (value.since > 0) {
        out["since"] = juju_since(from_epoch(value.since));
    }
    if (!version.empty()) {
        out["version"] = version;
    }
    return out;
}

/// Left-aligned columns two spaces apart, like Go's tabwriter in juju status.
std::string table(const std::vector<std::vector<std::string>>& rows,
                  const std::set<std::size_t>& right_aligned = {}) {
    std::vector<std::size_t> widths;
    for (const auto& row : rows) {
        if (widths.size() < row.size()) {
            widths.resize(row.size(), 0);
        }
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], row[i].size());
        }
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            const bool last = i + 1 == row.size();
            const std::size_t pad = widths[i] - row[i].size();
            if (right_aligned.count(i) != 0) {
                line += std::string(pad, ' ') + row[i];
            } else {
                line += row[i] + (last ? "" : std::string(pad, ' '));
            }
            if (!last) {
                line += "  ";
            }
        }
        while (!line.empty() && line.back() == ' ') {
            line.pop_back();
        }
        out += line + "\n";
    }
    return out;
}

}  // namespace

json Controller::unit_status_json(const Unit& unit) const {
    ordered_json out;
    out["workload-status"] = status_info(displayed_workload(unit));
    out["juju-status"] = status_info(displayed_agent(unit), "3.6.12");
    if (model_.apps.at(unit.app).leader == unit.name) {
        out["leader"] = true;
    }
    if (unit.principal.empty()) {
        out["machine"] = unit.machine;
    }
    if (!unit.ports.empty()) {
        out["open-ports"] = std::vector<std::string>(unit.ports.begin(), unit.ports.end());
    }
    out["public-address"] = model_.machines.at(unit.machine).address;
    ordered_json subordinates;
    std::vector<std::string> names;
    for (const auto& [name, other] : model_.units) {
        if (other.principal == unit.name) {
            names.push_back(name);
        }
    }
    std::sort(names.begin(), names.end(), natural_less);
    for (const auto& name : names) {
        subordinates[name] = ordered_json(unit_status_json(model_.units.at(name)));
    }
    if (!names.empty()) {
        out["subordinates"] = subordinates;
    }
    return json(out);
}

json Controller::status_json() const {
    // Built as ordered_json (Go struct field order), returned through json only at the edge.
    ordered_json model;
    model["name"] = model_.name;
    model["type"] = "iaas";
    model["controller"] = "jujusim";
    model["cloud"] = "jujusim";
    model["region"] = "local";
    model["version"] = "3.6.12";
    model["model-status"] =
        status_info(StatusValue{"available", "", model_.created_at, json::object()});
    model["sla"] = "unsupported";

    ordered_json machines = ordered_json::object();
    std::vector<std::string> machine_ids;
    for (const auto& [id, record] : model_.machines) {
        machine_ids.push_back(id);
    }
    std::sort(machine_ids.begin(), machine_ids.end(), natural_less);
    // The machines' Debian release, from the model's image (debian-12-slurm is bookworm).
    const auto image =
        ImageSpec::named(model_.config.value(kMachineImage, std::string(kDefaultImage)));
    const std::string debian_release = image && image->suite == "bookworm" ? "12" : "13";
    for (const auto& id : machine_ids) {
        const MachineRecord& record = model_.machines.at(id);
        ordered_json entry;
        entry["juju-status"] =
            record.powered
                ? status_info(StatusValue{"started", "", record.created_at, json::object()},
                              "3.6.12")
                : status_info(StatusValue{"down", "agent is not communicating with the server",
                                          record.down_since, json::object()},
                              "3.6.12");
        entry["hostname"] = record.hostname;
        entry["dns-name"] = record.address;
        entry["ip-addresses"] = std::vector<std::string>{record.address};
        entry["instance-id"] = record.hostname;
        entry["machine-status"] =
            record.powered
                ? status_info(StatusValue{"running", "Running", record.created_at, json::object()})
                : status_info(StatusValue{"stopped", "Stopped", record.down_since, json::object()});
        entry["modification-status"] =
            status_info(StatusValue{"idle", "", record.created_at, json::object()});
        entry["base"] = ordered_json{{"name", "debian"}, {"channel", debian_release}};
        ordered_json nic;
        nic["ip-addresses"] = std::vector<std::string>{record.address};
        nic["mac-address"] =
            "00:16:3e:00:00:" + std::string(id.size() < 2 ? "0" : "") + id.substr(0, 2);
        nic["space"] = "alpha";
        nic["is-up"] = record.powered;
        entry["network-interfaces"] = ordered_json{{"eth0", nic}};
        entry["constraints"] = "arch=amd64";
        entry["hardware"] = "arch=amd64 cores=0 mem=0M virt-type=container";
        machines[id] = entry;
    }

    ordered_json applications = ordered_json::object();
    for (const auto& [name, app] : model_.apps) {
        const CharmMeta& charm = meta(name);
        ordered_json entry;
        entry["charm"] = "local:" + app.charm_name + "-" + std::to_string(app.charm_rev);
        entry["base"] = ordered_json{{"name", "ubuntu"}, {"channel", "24.04"}};
        entry["charm-origin"] = "local";
        entry["charm-name"] = app.charm_name;
        entry["charm-rev"] = app.charm_rev;
        entry["exposed"] = false;
        if (app.life == Life::Dying) {
            entry["life"] = "dying";
        }
        entry["application-status"] = status_info(app_status(app));
        ordered_json relations = ordered_json::object();
        std::set<std::string> subordinate_to;
        for (const auto& [id, relation] : model_.relations) {
            const RelationEnd* mine = relation.end_of(name);
            if (mine == nullptr) {
                continue;
            }
            const RelationEnd* other = relation.other_end(name);
            ordered_json item;
            item["related-application"] = other->app;
            item["interface"] = mine->interface;
            item["scope"] = relation.container_scope() ? "container" : "global";
            relations[mine->endpoint].push_back(item);
            if (charm.subordinate && relation.container_scope() && !relation.is_peer()) {
                subordinate_to.insert(other->app);
            }
        }
        if (!relations.empty()) {
            entry["relations"] = relations;
        }
        if (charm.subordinate) {
            entry["subordinate-to"] =
                std::vector<std::string>(subordinate_to.begin(), subordinate_to.end());
        }
        if (!charm.subordinate) {
            ordered_json units = ordered_json::object();
            std::string version;
            for (const auto& [unit_name, unit] : model_.units) {
                if (unit.app != name) {
                    continue;
                }
                units[unit_name] = ordered_json(unit_status_json(unit));
                if (app.leader == unit_name || version.empty()) {
                    if (!unit.workload_version.empty()) {
                        version = unit.workload_version;
                    }
                }
            }
            if (!units.empty()) {
                entry["units"] = units;
            }
            if (!version.empty()) {
                entry["version"] = version;
            }
        } else {
            for (const auto& [unit_name, unit] : model_.units) {
                if (unit.app == name && app.leader == unit_name && !unit.workload_version.empty()) {
                    entry["version"] = unit.workload_version;
                }
            }
        }
        ordered_json bindings;
        bindings[""] = "alpha";
        for (const auto& [endpoint_name, endpoint] : charm.endpoints) {
            bindings[endpoint_name] = "alpha";
        }
        entry["endpoint-bindings"] = bindings;
        applications[name] = entry;
    }
    ordered_json out;
    out["model"] = model;
    out["machines"] = machines;
    out["applications"] = applications;
    out["storage"] = ordered_json::object();
    out["controller"] = ordered_json{{"timestamp", time_of_day(Clock::now()) + "Z"}};
    return json::parse(go_json(out));
}

CommandResult Controller::cmd_status(const std::vector<std::string>& args) {
    FlagSet flags = verbs::output_flags("tabular");
    flags.boolean({"relations"})
        .boolean({"integrations"})
        .boolean({"color"})
        .boolean({"no-color"})
        .boolean({"utc"})
        .boolean({"storage"})
        .value({"watch"});
    flags.parse(args);
    const std::string format = flags.get("format");
    // Go struct order matters to readers of the raw text; rebuild it in that order for output.
    const json status = status_json();
    if (format == "json" || format == "yaml") {
        // status_json() went through json (sorted keys); re-emit in Juju's field order.
        ordered_json ordered;
        for (const char* key : {"model", "machines", "applications", "storage", "controller"}) {
            ordered[key] = status[key];
        }
        if (format == "json") {
            return CommandResult{0, go_json(ordered) + "\n", ""};
        }
        return CommandResult{0, go_yaml(ordered), ""};
    }
    if (format != "tabular" && format != "short" && format != "oneline" && format != "line" &&
        format != "summary") {
        throw UserError("invalid value \"" + format + "\" for option --format: unknown format \"" +
                        format + "\"");
    }
    const bool show_relations = flags.on("relations") || flags.on("integrations");
    return CommandResult{0, status_tabular(status) + (show_relations ? [&] {
        std::vector<std::vector<std::string>> rows{{"Integration provider", "Requirer", "Interface", "Type", "Message"}};
        for (const auto& [id, relation] : model_.relations) {
            if (relation.is_peer()) {
                rows.push_back({relation.ends[0].app + ":" + relation.ends[0].endpoint, relation.ends[0].app + ":" + relation.ends[0].endpoint,
                                relation.ends[0].interface, "peer", relation.life == Life::Dying ? "dying" : ""});
                continue;
            }
            const RelationEnd& provider = relation.ends[0].role == RelationRole::Provider ? relation.ends[0] : relation.ends[1];
            const RelationEnd& requirer = relation.ends[0].role == RelationRole::Provider ? relation.ends[1] : relation.ends[0];
            rows.push_back({provider.app + ":" + provider.endpoint, requirer.app + ":" + requirer.endpoint, provider.interface,
                            relation.container_scope() ? "subordinate" : "regular", relation.life == Life::Dying ? "dying" : ""});
        }
        return "\n" + table(rows);
    }() : std::string()), ""};
}

std::string Controller::status_tabular(const json& status) const {
    std::string out;
    const json& model = status["model"];
    out += table({{"Model", "Controller", "Cloud/Region", "Version", "SLA", "Timestamp"},
                  {model["name"], model["controller"],
                   model["cloud"].get<std::string>() + "/" + model["region"].get<std::string>(),
                   model["version"], model["sla"], status["controller"]["timestamp"]}});
    if (!status["applications"].empty()) {
        std::vector<std::vector<std::string>> rows{
            {"App", "Version", "Status", "Scale", "Charm", "Channel", "Rev", "Exposed", "Message"}};
        for (const auto& [name, app] : status["applications"].items()) {
            std::size_t scale = app.contains("units") ? app["units"].size() : 0;
            if (app.contains("subordinate-to")) {
                scale = 0;
                for (const auto& [unit_name, unit] : model_.units) {
                    if (unit.app == name) {
                        ++scale;
                    }
                }
            }
            const json& st = app["application-status"];
            rows.push_back({name, app.value("version", ""), st.value("current", ""),
                            std::to_string(scale), app["charm-name"], "",
                            std::to_string(app["charm-rev"].get<int>()), "no",
                            st.value("message", "")});
        }
        out += "\n" + table(rows, {3, 6});
        std::vector<std::vector<std::string>> unit_rows{
            {"Unit", "Workload", "Agent", "Machine", "Public address", "Ports", "Message"}};
        const auto add_unit = [&](const std::string& name, const json& unit,
                                  const std::string& indent, const auto& self) -> void {
            std::string ports;
            if (unit.contains("open-ports")) {
                for (const auto& port : unit["open-ports"]) {
                    ports += (ports.empty() ? "" : ",") + port.get<std::string>();
                }
            }
            unit_rows.push_back({indent + name + (unit.value("leader", false) ? "*" : ""),
                                 unit["workload-status"].value("current", ""),
                                 unit["juju-status"].value("current", ""),
                                 unit.value("machine", ""), unit.value("public-address", ""), ports,
                                 unit["workload-status"].value("message", "")});
            if (unit.contains("subordinates")) {
                for (const auto& [sub_name, sub] : unit["subordinates"].items()) {
                    self(sub_name, sub, indent + "  ", self);
                }
            }
        };
        std::vector<std::pair<std::string, json>> units;
        for (const auto& [name, app] : status["applications"].items()) {
            if (!app.contains("units")) {
                continue;
            }
            for (const auto& [unit_name, unit] : app["units"].items()) {
                units.emplace_back(unit_name, unit);
            }
        }
        std::sort(units.begin(), units.end(),
                  [](const auto& a, const auto& b) { return natural_less(a.first, b.first); });
        for (const auto& [name, unit] : units) {
            add_unit(name, unit, "", add_unit);
        }
        if (unit_rows.size() > 1) {
            out += "\n" + table(unit_rows);
        }
    }
    if (!status["machines"].empty()) {
        std::vector<std::vector<std::string>> rows{
            {"Machine", "State", "Address", "Inst id", "Base", "AZ", "Message"}};
        std::vector<std::string> ids;
        for (const auto& [id, machine] : status["machines"].items()) {
            ids.push_back(id);
        }
        std::sort(ids.begin(), ids.end(), natural_less);
        for (const auto& id : ids) {
            const json& machine = status["machines"][id];
            rows.push_back({id, machine["juju-status"].value("current", ""),
                            machine.value("dns-name", ""), machine.value("instance-id", ""),
                            machine["base"]["name"].get<std::string>() + "@" +
                                machine["base"]["channel"].get<std::string>(),
                            "", machine["machine-status"].value("message", "")});
        }
        out += "\n" + table(rows);
    }
    if (status["applications"].empty() && status["machines"].empty()) {
        out += "\nModel \"" + model_.name + "\" is empty.\n";
    }
    return out;
}

CommandResult Controller::cmd_show_unit(const std::vector<std::string>& args) {
    FlagSet flags = verbs::output_flags("yaml");
    flags.value({"endpoint"}).value({"related-unit"}).boolean({"app"});
    flags.parse(args);
    if (flags.positional.empty()) {
        throw UserError("an unit name must be supplied");
    }
    ordered_json result;
    for (const auto& requested : flags.positional) {
        const std::string name = resolve_unit(requested);
        const Unit& unit = model_.units.at(name);
        const App& app = model_.apps.at(unit.app);
        ordered_json info;
        if (!unit.workload_version.empty()) {
            info["workload-version"] = unit.workload_version;
        }
        if (unit.principal.empty()) {
            info["machine"] = unit.machine;
        }
        info["opened-ports"] = std::vector<std::string>(unit.ports.begin(), unit.ports.end());
        info["public-address"] = model_.machines.at(unit.machine).address;
        info["charm"] = "local:" + app.charm_name + "-" + std::to_string(app.charm_rev);
        info["leader"] = app.leader == name;
        info["life"] = unit.life;
        ordered_json relation_info = ordered_json::array();
        for (const auto& [id, relation] : model_.relations) {
            const RelationEnd* mine = relation.end_of(unit.app);
            if (mine == nullptr || relation.in_scope.count(name) == 0) {
                continue;
            }
            if (flags.is_set("endpoint") && flags.get("endpoint") != mine->endpoint) {
                continue;
            }
            const RelationEnd* other = relation.other_end(unit.app);
            ordered_json item;
            item["relation-id"] = id;
            item["endpoint"] = mine->endpoint;
            item["related-endpoint"] = other->endpoint;
            const auto app_data = relation.app_data.find(other->app);
            item["application-data"] =
                app_data == relation.app_data.end() ? json::object() : json(app_data->second);
            const auto own_data = relation.unit_data.find(name);
            item["local-unit"] = ordered_json{
                {"in-scope", true},
                {"data",
                 own_data == relation.unit_data.end() ? json::object() : json(own_data->second)}};
            ordered_json related = ordered_json::object();
            for (const auto& member : relation_members(relation, unit)) {
                if (flags.is_set("related-unit") && flags.get("related-unit") != member) {
                    continue;
                }
                const auto data = relation.unit_data.find(member);
                related[member] =
                    ordered_json{{"in-scope", true},
                                 {"data", data == relation.unit_data.end() ? json::object()
                                                                           : json(data->second)}};
            }
            if (!related.empty()) {
                item["related-units"] = related;
            }
            relation_info.push_back(item);
        }
        if (!relation_info.empty()) {
            info["relation-info"] = relation_info;
        }
        info["provider-id"] = "";
        info.erase("provider-id");
        result[name] = info;
    }
    const std::string format = flags.get("format");
    if (format == "json") {
        return CommandResult{0, go_json(result) + "\n", ""};
    }
    return CommandResult{0, go_yaml(result), ""};
}

}  // namespace jujusim
