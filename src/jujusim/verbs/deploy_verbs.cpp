// deploy, add-unit, integrate, remove-relation, remove-unit, remove-application.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <jujusim/controller.hpp>
#include <jujusim/flags.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/network.hpp>
#include <jujusim/yaml_json.hpp>

#include "verb_helpers.hpp"

namespace jujusim {

using namespace verbs;

CommandResult Controller::cmd_deploy(const std::vector<std::string>& args, const fs::path& cwd) {
    FlagSet flags;
    flags.value({"n", "num-units"}, "1").value({"config"}).value({"machine-type"});
    accept_meaningless(flags);
    flags.parse(args);
    if (flags.positional.empty()) {
        throw UserError("no charm name specified");
    }
    if (flags.positional.size() > 2) {
        throw FlagError("unrecognized args: [\"" + flags.positional[2] + "\"]");
    }
    const std::string charm_arg = flags.positional[0];
    const fs::path charm_path =
        fs::path(charm_arg).is_absolute() ? fs::path(charm_arg) : cwd / charm_arg;
    const bool builtin = charm_arg == "filesystem-client" && !fs::exists(charm_path);
    if (!builtin && !fs::exists(charm_path)) {
        throw UserError(
            "charm or bundle at \"" + charm_arg +
            "\" not found (jujusim deploys local charms and the built-in filesystem-client)");
    }
    int count = 0;
    try {
        count = std::stoi(flags.get("n"));
    } catch (const std::exception&) {
        throw FlagError("invalid value \"" + flags.get("n") +
                        "\" for option -n: strconv.Atoi: parsing \"" + flags.get("n") +
                        "\": invalid syntax");
    }
    if (count < 0) {
        throw UserError("--num-units must be a positive integer");
    }
    // jujusim's own flag (not Juju's): this application's machines are host directories (no
    // isolation: for charms that only use hook tools, e.g. many lightweight units) or namespace
    // machines, whatever the model's machine-type.
    const auto machine_type = parse_enum_name<MachineType>(flags.get("machine-type"));
    if (!machine_type) {
        throw UserError("--machine-type must be host or namespace");
    }

    const fs::path staging = dir_ / "charms" / (".staging-" + std::to_string(model_.next_task));
    CharmMeta charm;
    if (builtin) {
        charm = filesystem_client_meta();
    } else {
        install_charm_files(charm_path, staging);
        try {
            charm = CharmMeta::load(staging);
        } catch (...) {
            fs::remove_all(staging);
            throw;
        }
    }
    const std::string app_name = flags.positional.size() > 1 ? flags.positional[1] : charm.name;
    const auto fail = [&](const std::string& message) {
        fs::remove_all(staging);
        throw UserError(message);
    };
    if (model_.apps.count(app_name) != 0) {
        fail("cannot add application \"" + app_name + "\": application already exists");
    }
    json config = json::object();
    for (const auto& item : flags.all("config")) {
        const auto eq = item.find('=');
        try {
            if (eq != std::string::npos) {
                config[item.substr(0, eq)] =
                    charm.parse_config_value(item.substr(0, eq), item.substr(eq + 1));
                continue;
            }
            const fs::path file = fs::path(item).is_absolute() ? fs::path(item) : cwd / item;
            const json parsed = parse_yaml(read_text_file(file));
            const json values = parsed.contains(app_name) ? parsed[app_name] : parsed;
            for (const auto& [key, value] : values.items()) {
                config[key] = charm.parse_config_value(
                    key, value.is_string() ? value.get<std::string>() : go_json(value));
            }
        } catch (const UserError& error) {
            fail(error.what());
        }
    }
    if (charm.subordinate && flags.is_set("n") && count != 1) {
        fail("cannot use --num-units or --to with subordinate application");
    }

    App app;
    app.name = app_name;
    app.charm_name = charm.name;
    app.charm_source = builtin ? "filesystem-client" : fs::absolute(charm_path).string();
    if (builtin) {
        app.builtin = "filesystem-client";
        fs::create_directories(dir_ / "shared" / app_name);
    } else {
        const fs::path stored = dir_ / "charms" / app_name;
        fs::remove_all(stored);
        fs::rename(staging, stored);
        app.charm_dir = stored.string();
    }
    app.config = config;
    app.machine_type = *machine_type;
    model_.apps[app_name] = app;
    metas_[app_name] = charm;
    add_peer_relations(app_name);
    std::string out_err = notices(flags);
    out_err += "Located local charm \"" + charm.name + "\", revision 0\n";
    out_err += "Deploying \"" + app_name + "\" from local charm \"" + charm.name +
               "\", revision 0 on ubuntu@24.04/stable\n";
    if (!charm.subordinate && count > 0) {
        cmd_add_unit({app_name, "-n", std::to_string(count)});
    }
    touch();
    return CommandResult{0, "", out_err};
}

void Controller::add_peer_relations(const std::string& app_name) {
    for (const auto& [name, endpoint] : meta(app_name).endpoints) {
        // A named copy: C++20 lets a lambda capture a structured binding, clang-tidy 14 does not.
        const std::string& endpoint_name = name;
        const bool exists =
            std::any_of(model_.relations.begin(), model_.relations.end(), [&](const auto& item) {
                const RelationEnd* end = item.second.end_of(app_name);
                return item.second.is_peer() && end != nullptr && end->endpoint == endpoint_name;
            });
        if (endpoint.role != RelationRole::Peer || exists) {
            continue;
        }
        Relation relation;
        relation.id = model_.next_relation++;
        relation.ends.push_back(
            RelationEnd{app_name, name, endpoint.interface, RelationRole::Peer, endpoint.scope});
        relation.created_at = now();
        model_.relations[relation.id] = relation;
    }
}

CommandResult Controller::cmd_refresh(const std::vector<std::string>& args, const fs::path& cwd) {
    FlagSet flags;
    flags.value({"path"}).value({"switch"});
    accept_meaningless(flags);
    flags.parse(args);
    if (flags.positional.size() != 1) {
        throw UserError(flags.positional.empty()
                            ? "no application specified"
                            : "unrecognized args: [\"" + flags.positional[1] + "\"]");
    }
    const std::string app_name = flags.positional[0];
    const auto app_it = model_.apps.find(app_name);
    if (app_it == model_.apps.end()) {
        throw UserError("application \"" + app_name + "\" not found");
    }
    App& app = app_it->second;
    if (!flags.is_set("path") || flags.is_set("switch") || !app.builtin.empty()) {
        throw UserError(
            "jujusim refreshes applications deployed from a local charm, with "
            "--path <charm>");
    }
    const fs::path charm_path = fs::path(flags.get("path")).is_absolute()
                                    ? fs::path(flags.get("path"))
                                    : cwd / flags.get("path");
    if (!fs::exists(charm_path)) {
        throw UserError("charm or bundle at \"" + flags.get("path") + "\" not found");
    }
    const int revision = app.charm_rev + 1;
    const fs::path stored = dir_ / "charms" / (app_name + "-" + std::to_string(revision));
    install_charm_files(charm_path, stored);
    CharmMeta charm;
    try {
        charm = CharmMeta::load(stored);
        const std::string url = "local:" + charm.name + "-" + std::to_string(revision);
        const std::string refused =
            "cannot upgrade application \"" + app_name + "\" to charm \"" + url + "\": ";
        if (charm.name != app.charm_name) {
            throw UserError(refused + "cannot change a charm's name (\"" + app.charm_name +
                            "\" to \"" + charm.name + "\")");
        }
        // Juju refuses a charm whose endpoints no longer carry an existing relation.
        for (const auto& [id, relation] : model_.relations) {
            const RelationEnd* end = relation.end_of(app_name);
            const auto kept =
                end == nullptr ? charm.endpoints.end() : charm.endpoints.find(end->endpoint);
            if (end != nullptr &&
                (kept == charm.endpoints.end() || kept->second.interface != end->interface ||
                 kept->second.role != end->role)) {
                throw UserError(refused + "would break relation \"" + relation.key() + "\"");
            }
        }
    } catch (...) {
        fs::remove_all(stored);
        throw;
    }
    app.charm_rev = revision;
    app.charm_source = fs::absolute(charm_path).string();
    app.charm_dir = stored.string();
    metas_[app_name] = charm;
    add_peer_relations(app_name);  // a peer endpoint the new charm adds gets its relation
    touch();
    return CommandResult{0, "",
                         notices(flags) + "Added local charm \"" + charm.name + "\", revision " +
                             std::to_string(revision) + ", to the model\n"};
}

CommandResult Controller::cmd_add_unit(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.value({"n", "num-units"}, "1").value({"principal"});
    accept_meaningless(flags);
    flags.parse(args);
    if (flags.positional.empty()) {
        throw UserError("no application specified");
    }
    const std::string app_name = flags.positional[0];
    const auto app_it = model_.apps.find(app_name);
    if (app_it == model_.apps.end()) {
        throw UserError("application \"" + app_name + "\" not found");
    }
    App& app = app_it->second;
    const bool subordinate = meta(app_name).subordinate;
    const std::string principal = flags.get("principal");  // internal: subordinate creation
    if (subordinate && principal.empty()) {
        throw UserError("cannot add unit to application \"" + app_name +
                        "\": application is subordinate");
    }
    if (app.life != Life::Alive) {
        throw UserError("application \"" + app_name + "\" is not alive");
    }
    const int count = std::stoi(flags.get("n"));
    for (int i = 0; i < count; ++i) {
        Unit unit;
        unit.number = app.next_unit++;
        unit.name = app_name + "/" + std::to_string(unit.number);
        unit.app = app_name;
        unit.principal = principal;
        unit.machine = principal.empty() ? add_machine(app.machine_type == MachineType::ModelDefault
                                                           ? model_.machine_type
                                                           : app.machine_type)
                                         : model_.units.at(principal).machine;
        unit.workload = StatusValue{"waiting", "agent initialising", now(), json::object()};
        unit.agent = StatusValue{"allocating", "", now(), json::object()};
        unit.charm_rev = app.charm_rev;
        unit.charm_dir = app.charm_dir;
        model_.units[unit.name] = unit;
        unit_index_stale_ = true;
        setup_unit_files(model_.units.at(unit.name));
        Unit& stored = model_.units.at(unit.name);
        for (auto& [id, relation] : model_.relations) {
            const RelationEnd* mine = relation.end_of(app_name);
            if (mine == nullptr || relation.life != Life::Alive) {
                continue;
            }
            const auto endpoint = meta(app_name).endpoints.find(mine->endpoint);
            if (endpoint != meta(app_name).endpoints.end() && endpoint->second.implicit) {
                enter_scope(relation, stored);
            }
        }
        if (app.leader.empty()) {
            elect_leaders();
        }
        // Subordinates already related to this application by container scope get a unit here.
        if (principal.empty()) {
            for (const auto& [id, relation] : model_.relations) {
                if (relation.is_peer() || !relation.container_scope() ||
                    relation.life != Life::Alive) {
                    continue;
                }
                if (relation.end_of(app_name) == nullptr) {
                    continue;
                }
                const std::string other = relation.other_end(app_name)->app;
                if (!meta(other).subordinate || meta(app_name).subordinate) {
                    continue;
                }
                cmd_add_unit({other, "--principal", unit.name});
            }
        }
    }
    if (principal.empty()) {
        refresh_hosts();  // once for the whole batch: every machine learns the new names
    }
    touch();
    return {};
}

namespace {

struct EndpointRef {
    std::string app;
    std::string endpoint;
};

EndpointRef parse_endpoint_ref(const std::string& text) {
    const auto colon = text.find(':');
    if (colon == std::string::npos) {
        return EndpointRef{text, ""};
    }
    return EndpointRef{text.substr(0, colon), text.substr(colon + 1)};
}

}  // namespace

void Controller::check_relation_limits(const std::vector<RelationEnd>& ends) const {
    Relation wanted;
    wanted.ends = ends;
    // Juju checks each end in the relation key's order (requirer first).
    std::vector<RelationEnd> ordered = ends;
    if (ordered.size() == 2 && ordered[0].role == RelationRole::Provider) {
        std::swap(ordered[0], ordered[1]);
    }
    for (const auto& end : ordered) {
        const int limit = meta(end.app).endpoints.at(end.endpoint).limit;
        if (limit <= 0) {
            continue;
        }
        const auto established =
            std::count_if(model_.relations.begin(), model_.relations.end(), [&](const auto& item) {
                const RelationEnd* existing = item.second.end_of(end.app);
                return existing != nullptr && existing->endpoint == end.endpoint;
            });
        if (established + 1 > limit) {
            throw UserError("cannot add relation \"" + wanted.key() +
                            "\": establishing a new relation for " + end.app + ":" + end.endpoint +
                            " would exceed its maximum relation limit of " + std::to_string(limit) +
                            " (quota limit exceeded)");
        }
    }
}

CommandResult Controller::cmd_integrate(const std::vector<std::string>& args) {
    FlagSet flags;
    accept_meaningless(flags);
    flags.parse(args);
    if (flags.positional.size() != 2) {
        throw UserError("an integration must involve two applications");
    }
    const EndpointRef a = parse_endpoint_ref(flags.positional[0]);
    const EndpointRef b = parse_endpoint_ref(flags.positional[1]);
    for (const auto& ref : {a, b}) {
        if (model_.apps.count(ref.app) == 0) {
            throw UserError("application \"" + ref.app + "\" not found");
        }
        if (!ref.endpoint.empty() && meta(ref.app).endpoints.count(ref.endpoint) == 0) {
            throw UserError("application \"" + ref.app + "\" has no \"" + ref.endpoint +
                            "\" relation");
        }
    }
    if (a.app == b.app) {
        throw UserError("cannot relate an application to itself");
    }
    struct Candidate {
        Endpoint left;
        Endpoint right;
    };
    std::vector<Candidate> candidates;
    for (const auto& [left_name, left] : meta(a.app).endpoints) {
        if (!a.endpoint.empty() && left_name != a.endpoint) {
            continue;
        }
        for (const auto& [right_name, right] : meta(b.app).endpoints) {
            if (!b.endpoint.empty() && right_name != b.endpoint) {
                continue;
            }
            if (left.interface != right.interface || left.role == RelationRole::Peer ||
                right.role == RelationRole::Peer) {
                continue;
            }
            if (left.role == right.role) {
                continue;
            }
            if (left.implicit && right.implicit) {
                continue;
            }
            candidates.push_back({left, right});
        }
    }
    if (candidates.size() > 1) {
        // Juju drops implicit juju-info candidates when explicit ones exist.
        std::vector<Candidate> explicit_only;
        for (const auto& candidate : candidates) {
            if (!candidate.left.implicit && !candidate.right.implicit) {
                explicit_only.push_back(candidate);
            }
        }
        if (!explicit_only.empty()) {
            candidates = explicit_only;
        }
    }
    const std::string asked = flags.positional[0] + " " + flags.positional[1];
    if (candidates.empty()) {
        if (!a.endpoint.empty() && !b.endpoint.empty()) {
            const Endpoint& left = meta(a.app).endpoints.at(a.endpoint);
            const Endpoint& right = meta(b.app).endpoints.at(b.endpoint);
            if (left.interface != right.interface) {
                throw UserError("cannot integrate \"" + asked +
                                "\": endpoints have different interfaces (\"" + left.interface +
                                "\", \"" + right.interface + "\")");
            }
            throw UserError("cannot integrate \"" + asked +
                            "\": endpoint roles are incompatible (" + enum_name(left.role) + ", " +
                            enum_name(right.role) + ")");
        }
        throw UserError("no relations found");
    }
    if (candidates.size() > 1) {
        std::string options;
        for (const auto& candidate : candidates) {
            options += (options.empty() ? "" : "; ") + std::string("\"") + a.app + ":" +
                       candidate.left.name + " " + b.app + ":" + candidate.right.name + "\"";
        }
        throw UserError("ambiguous relation: \"" + asked + "\" could refer to " + options);
    }
    const Candidate& chosen = candidates.front();
    for (const auto& [id, relation] : model_.relations) {
        const RelationEnd* left = relation.end_of(a.app);
        const RelationEnd* right = relation.end_of(b.app);
        if (left != nullptr && right != nullptr && left->endpoint == chosen.left.name &&
            right->endpoint == chosen.right.name) {
            throw UserError("relation " + a.app + ":" + chosen.left.name + " " + b.app + ":" +
                            chosen.right.name + " already exists");
        }
    }
    check_relation_limits(
        {RelationEnd{a.app, chosen.left.name, chosen.left.interface, chosen.left.role},
         RelationEnd{b.app, chosen.right.name, chosen.right.interface, chosen.right.role}});
    Relation relation;
    relation.id = model_.next_relation++;
    const RelationScope scope = chosen.left.scope == RelationScope::Container ||
                                        chosen.right.scope == RelationScope::Container
                                    ? RelationScope::Container
                                    : RelationScope::Global;
    relation.ends.push_back(
        RelationEnd{a.app, chosen.left.name, chosen.left.interface, chosen.left.role, scope});
    relation.ends.push_back(
        RelationEnd{b.app, chosen.right.name, chosen.right.interface, chosen.right.role, scope});
    relation.created_at = now();
    model_.relations[relation.id] = relation;
    Relation& stored = model_.relations.at(relation.id);
    if (scope == RelationScope::Container) {
        const bool a_sub = meta(a.app).subordinate;
        const bool b_sub = meta(b.app).subordinate;
        if (a_sub != b_sub) {
            const std::string principal_app = a_sub ? b.app : a.app;
            const std::string sub_app = a_sub ? a.app : b.app;
            std::vector<std::string> principals;
            for (const auto& [name, unit] : model_.units) {
                if (unit.app == principal_app && unit.life == Life::Alive) {
                    principals.push_back(name);
                }
            }
            std::sort(principals.begin(), principals.end(), natural_less);
            for (const auto& principal : principals) {
                cmd_add_unit({sub_app, "--principal", principal});
            }
        }
    }
    for (auto& [name, unit] : model_.units) {
        const RelationEnd* mine = stored.end_of(unit.app);
        if (mine == nullptr) {
            continue;
        }
        const auto endpoint = meta(unit.app).endpoints.find(mine->endpoint);
        if (endpoint == meta(unit.app).endpoints.end() || !endpoint->second.implicit) {
            continue;
        }
        // An implicit juju-info end fires no hooks: its units are in scope at once (in container
        // scope only those that host a subordinate of the other side).
        bool hosts_subordinate = scope != RelationScope::Container;
        for (const auto& [other_name, other] : model_.units) {
            if (other.principal == name && other.app == stored.other_end(unit.app)->app) {
                hosts_subordinate = true;
            }
        }
        if (hosts_subordinate) {
            enter_scope(stored, unit);
        }
    }
    touch();
    return CommandResult{0, "", notices(flags)};
}

CommandResult Controller::cmd_remove_relation(const std::vector<std::string>& args) {
    FlagSet flags;
    accept_meaningless(flags);
    flags.parse(args);
    if (flags.positional.size() == 1) {
        // remove-relation <id>
        int id = -1;
        try {
            id = std::stoi(flags.positional[0]);
        } catch (const std::exception&) {
            throw UserError("a relation must involve two applications");
        }
        const auto it = model_.relations.find(id);
        if (it == model_.relations.end() || it->second.is_peer()) {
            throw UserError("relation " + flags.positional[0] + " not found");
        }
        flags.positional = {it->second.ends[0].app + ":" + it->second.ends[0].endpoint,
                            it->second.ends[1].app + ":" + it->second.ends[1].endpoint};
    }
    if (flags.positional.size() != 2) {
        throw UserError("a relation must involve two applications");
    }
    const EndpointRef a = parse_endpoint_ref(flags.positional[0]);
    const EndpointRef b = parse_endpoint_ref(flags.positional[1]);
    for (const auto& ref : {a, b}) {
        if (model_.apps.count(ref.app) == 0) {
            throw UserError("application \"" + ref.app + "\" not found");
        }
    }
    std::vector<int> matches;
    for (const auto& [id, relation] : model_.relations) {
        if (relation.is_peer() || relation.life != Life::Alive) {
            continue;
        }
        const RelationEnd* left = relation.end_of(a.app);
        const RelationEnd* right = relation.end_of(b.app);
        if (left == nullptr || right == nullptr) {
            continue;
        }
        if (!a.endpoint.empty() && left->endpoint != a.endpoint) {
            continue;
        }
        if (!b.endpoint.empty() && right->endpoint != b.endpoint) {
            continue;
        }
        matches.push_back(id);
    }
    if (matches.empty()) {
        throw UserError("relation \"" + flags.positional[0] + " " + flags.positional[1] +
                        "\" not found");
    }
    if (matches.size() > 1) {
        throw UserError("ambiguous relation: \"" + flags.positional[0] + " " + flags.positional[1] +
                        "\" matches several");
    }
    Relation& relation = model_.relations.at(matches.front());
    relation.life = Life::Dying;
    relation.in_scope.clear();
    if (relation.container_scope()) {
        const bool a_sub = meta(a.app).subordinate;
        const std::string sub_app = a_sub ? a.app : b.app;
        const std::string principal_app = a_sub ? b.app : a.app;
        if (meta(sub_app).subordinate) {
            for (auto& [name, unit] : model_.units) {
                if (unit.app == sub_app && app_of(unit.principal) == principal_app) {
                    destroy_unit(unit);
                }
            }
        }
    }
    cleanup_relations();
    touch();
    return CommandResult{0, "", notices(flags)};
}

CommandResult Controller::cmd_remove_unit(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.value({"num-units"});
    accept_meaningless(flags);
    flags.parse(args);
    if (flags.positional.empty()) {
        throw UserError("no units specified");
    }
    std::vector<std::string> names;
    for (const auto& name : flags.positional) {
        if (name.find('/') == std::string::npos) {
            // remove-unit APP --num-units N (Juju: only for k8s; accepted: highest numbers first)
            if (model_.apps.count(name) == 0) {
                throw UserError("application \"" + name + "\" not found");
            }
            std::vector<std::string> app_units;
            for (const auto& [unit_name, unit] : model_.units) {
                if (unit.app == name && unit.life == Life::Alive) {
                    app_units.push_back(unit_name);
                }
            }
            std::sort(app_units.begin(), app_units.end(), natural_less);
            int count = flags.is_set("num-units") ? std::stoi(flags.get("num-units")) : 1;
            while (count-- > 0 && !app_units.empty()) {
                names.push_back(app_units.back());
                app_units.pop_back();
            }
            continue;
        }
        const auto it = model_.units.find(name);
        if (it == model_.units.end()) {
            throw UserError("removing unit " + name + " failed: unit \"" + name +
                            "\" does not exist");
        }
        if (!it->second.principal.empty()) {
            throw UserError("removing unit " + name + " failed: unit \"" + name +
                            "\" is a subordinate, to remove use remove-relation. Note: this will "
                            "remove all units of \"" +
                            name + "\"");
        }
        names.push_back(name);
    }
    std::string err = notices(flags);
    // --force means something here: a unit whose machine is down cannot run its teardown
    // hooks, so Juju removes it (and its subordinates) from the model without them.
    const std::string force_notice = "jujusim: --force has no effect here (ignored)\n";
    if (const auto at = err.find(force_notice); at != std::string::npos) {
        err.erase(at, force_notice.size());
    }
    const bool force = flags.on("force");
    for (const auto& name : names) {
        Unit& unit = model_.units.at(name);
        err += "will remove unit " + name + "\n";
        destroy_unit(unit);
        const auto machine = model_.machines.find(unit.machine);
        if (force && (machine == model_.machines.end() || !machine->second.powered)) {
            std::vector<std::string> subordinates;
            for (const auto& [other_name, other] : model_.units) {
                if (other.principal == name) {
                    subordinates.push_back(other_name);
                }
            }
            for (const auto& subordinate : subordinates) {
                remove_unit_record(subordinate);
            }
            remove_unit_record(name);
        }
    }
    touch();
    return CommandResult{0, "", err};
}

CommandResult Controller::cmd_remove_application(const std::vector<std::string>& args) {
    FlagSet flags;
    accept_meaningless(flags);
    flags.parse(args);
    if (flags.positional.empty()) {
        throw UserError("no application specified");
    }
    for (const auto& name : flags.positional) {
        if (model_.apps.count(name) == 0) {
            throw UserError("removing application " + name + " failed: application \"" + name +
                            "\" not found");
        }
    }
    std::string err = notices(flags);
    for (const auto& name : flags.positional) {
        App& app = model_.apps.at(name);
        err += "will remove application " + name + "\n";
        app.life = Life::Dying;
        std::vector<std::string> units;
        for (auto& [unit_name, unit] : model_.units) {
            if (unit.app == name) {
                units.push_back(unit_name);
            }
        }
        std::sort(units.begin(), units.end(), natural_less);
        for (const auto& unit_name : units) {
            err += "- will remove unit " + unit_name + "\n";
            destroy_unit(model_.units.at(unit_name));
        }
        for (auto& [id, relation] : model_.relations) {
            if (relation.end_of(name) == nullptr || relation.is_peer()) {
                continue;
            }
            relation.life = Life::Dying;
            relation.in_scope.clear();
            // Subordinates attached through this relation go with it.
            if (relation.container_scope()) {
                const std::string other = relation.other_end(name)->app;
                if (meta(other).subordinate) {
                    for (auto& [unit_name, unit] : model_.units) {
                        if (unit.app == other && app_of(unit.principal) == name) {
                            destroy_unit(unit);
                        }
                    }
                }
            }
        }
        if (units.empty()) {
            for (auto it = model_.relations.begin(); it != model_.relations.end();) {
                if (it->second.is_peer() && it->second.end_of(name) != nullptr) {
                    it = model_.relations.erase(it);
                } else {
                    ++it;
                }
            }
            model_.apps.erase(name);
            metas_.erase(name);
        }
    }
    cleanup_relations();
    touch();
    return CommandResult{0, "", err};
}

}  // namespace jujusim
