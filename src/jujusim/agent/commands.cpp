// The CLI verbs the controller answers (the client only picks the model and forwards argv).
// Every verb validates everything before it changes anything, and words errors as juju does.
#include <algorithm>
#include <fstream>
#include <sstream>

#include <jujusim/controller.hpp>
#include <jujusim/flags.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/network.hpp>
#include <jujusim/yaml_json.hpp>

namespace jujusim {

namespace {

const std::set<std::string> meaningless_value_flags{
    "constraints", "channel",  "base",           "series",  "revision",     "to",      "bind",
    "storage",     "resource", "attach-storage", "overlay", "map-machines", "dry-run", "via"};
const std::set<std::string> meaningless_bool_flags{
    "trust",     "force", "no-wait", "destroy-storage", "release-storage",
    "no-prompt", "y",     "yes",     "keep-disks"};

/// `--format json` or yaml (the default of the show-* commands), as juju prints them.
template <typename Json>
CommandResult json_or_yaml(const FlagSet& flags, const Json& value) {
    if (flags.get("format") == "json")
        return CommandResult{0, go_json(value) + "\n", ""};
    return CommandResult{0, go_yaml(value), ""};
}

/// Declares juju's flags that mean nothing here; their use is noted on stderr.
void accept_meaningless(FlagSet& flags) {
    for (const auto& name : meaningless_value_flags)
        flags.value({name});
    for (const auto& name : meaningless_bool_flags)
        flags.boolean({name});
}

std::string notices(const FlagSet& flags) {
    std::string out;
    for (const auto& name : meaningless_value_flags) {
        if (flags.is_set(name))
            out += "jujusim: --" + name + " has no effect here (ignored)\n";
    }
    for (const auto& name : {"trust"}) {
        if (flags.is_set(name))
            out += std::string("jujusim: --") + name + " has no effect here (ignored)\n";
    }
    return out;
}

double parse_duration(const std::string& text) {
    if (text.empty())
        return -1;
    double total = 0;
    std::size_t i = 0;
    bool any = false;
    while (i < text.size()) {
        std::size_t used = 0;
        const double value = std::stod(text.substr(i), &used);
        i += used;
        std::string unit;
        while (i < text.size() && std::isalpha(static_cast<unsigned char>(text[i])))
            unit += text[i++];
        if (unit == "ms")
            total += value / 1000;
        else if (unit == "s" || unit.empty())
            total += value;
        else if (unit == "m")
            total += value * 60;
        else if (unit == "h")
            total += value * 3600;
        else
            throw UserError("invalid duration \"" + text + "\"");
        any = true;
    }
    if (!any)
        throw UserError("invalid duration \"" + text + "\"");
    return total;
}

std::string read_text_file(const fs::path& path) {
    std::ifstream in(path);
    if (!in)
        throw UserError("cannot read " + path.string() + ": no such file or directory");
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string go_time_string(double epoch) {
    return goal_state_since(from_epoch(epoch)).substr(0, 19) + " +0000 UTC";
}

}  // namespace

CommandResult Controller::handle_cli(const std::vector<std::string>& args_in, const fs::path& cwd) {
    std::unique_lock lock(mutex_);
    if (args_in.empty())
        return CommandResult{2, "", "ERROR no command specified\n"};
    const std::string verb = args_in[0];
    const std::vector<std::string> args(args_in.begin() + 1, args_in.end());
    try {
        if (verb == "deploy")
            return cmd_deploy(args, cwd);
        if (verb == "add-unit")
            return cmd_add_unit(args);
        if (verb == "integrate" || verb == "relate" || verb == "add-relation")
            return cmd_integrate(args);
        if (verb == "remove-relation")
            return cmd_remove_relation(args);
        if (verb == "remove-unit")
            return cmd_remove_unit(args);
        if (verb == "remove-application")
            return cmd_remove_application(args);
        if (verb == "config")
            return cmd_config(args, cwd);
        if (verb == "model-config")
            return cmd_model_config(args);
        if (verb == "run")
            return cmd_run(args, cwd, lock);
        if (verb == "exec")
            return cmd_exec(args, lock);
        if (verb == "ssh")
            return cmd_ssh(args, lock);
        if (verb == "status")
            return cmd_status(args);
        if (verb == "show-unit")
            return cmd_show_unit(args);
        if (verb == "wait")
            return cmd_wait(args, lock);
        if (verb == "tick")
            return cmd_tick();
        if (verb == "poweroff")
            return cmd_power(args, false, lock);
        if (verb == "poweron")
            return cmd_power(args, true, lock);
        if (verb == "resolved" || verb == "resolve")
            return cmd_resolved(args);
        if (verb == "hooks")
            return cmd_hooks(args);
        if (verb == "debug-log")
            return cmd_debug_log(args);
        if (verb == "destroy")
            return cmd_destroy(lock);
        if (verb == "secrets")
            return cmd_secrets(args);
        if (verb == "show-secret")
            return cmd_show_secret(args);
        if (verb == "show-model")
            return cmd_show_model(args);
        if (verb == "show-task" || verb == "show-operation")
            return cmd_show_task(args);
        if (verb == "actions")
            return cmd_actions(args);
        if (verb == "ping")
            return CommandResult{0, "pong\n", ""};
        return CommandResult{1, "", "ERROR unrecognized command: juju " + verb + "\n"};
    } catch (const FlagError& error) {
        return CommandResult{2, "", std::string("ERROR ") + error.what() + "\n"};
    } catch (const UserError& error) {
        return CommandResult{1, "", std::string("ERROR ") + error.what() + "\n"};
    } catch (const std::exception& error) {
        return CommandResult{1, "", std::string("ERROR ") + error.what() + "\n"};
    }
}

std::string Controller::resolve_unit(const std::string& name) const {
    if (name.ends_with("/leader")) {
        const std::string app_name = app_of(name);
        const auto app = model_.apps.find(app_name);
        if (app == model_.apps.end())
            throw UserError("application \"" + app_name + "\" not found");
        if (app->second.leader.empty())
            throw UserError("could not determine leader for \"" + app_name + "\"");
        return app->second.leader;
    }
    if (name.find('/') == std::string::npos)
        throw UserError("invalid unit name \"" + name + "\"");
    if (model_.units.count(name) == 0)
        throw UserError("unit \"" + name + "\" not found");
    return name;
}

CommandResult Controller::cmd_deploy(const std::vector<std::string>& args, const fs::path& cwd) {
    FlagSet flags;
    flags.value({"n", "num-units"}, "1").value({"config"});
    accept_meaningless(flags);
    flags.parse(args);
    if (flags.positional.empty())
        throw UserError("no charm name specified");
    if (flags.positional.size() > 2)
        throw FlagError("unrecognized args: [\"" + flags.positional[2] + "\"]");
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
    if (count < 0)
        throw UserError("--num-units must be a positive integer");

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
    if (model_.apps.count(app_name) != 0)
        fail("cannot add application \"" + app_name + "\": application already exists");
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
    if (charm.subordinate && flags.is_set("n") && count != 1)
        fail("cannot use --num-units or --to with subordinate application");

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
    model_.apps[app_name] = app;
    metas_[app_name] = charm;
    for (const auto& [name, endpoint] : charm.endpoints) {
        if (endpoint.role != "peer")
            continue;
        Relation relation;
        relation.id = model_.next_relation++;
        relation.ends.push_back(
            RelationEnd{app_name, name, endpoint.interface, "peer", endpoint.scope});
        relation.created_at = now();
        model_.relations[relation.id] = relation;
    }
    std::string out_err = notices(flags);
    out_err += "Located local charm \"" + charm.name + "\", revision 0\n";
    out_err += "Deploying \"" + app_name + "\" from local charm \"" + charm.name +
               "\", revision 0 on ubuntu@24.04/stable\n";
    if (!charm.subordinate) {
        for (int i = 0; i < count; ++i) {
            std::vector<std::string> add_args{app_name};
            cmd_add_unit(add_args);
        }
    }
    touch();
    return CommandResult{0, "", out_err};
}

CommandResult Controller::cmd_add_unit(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.value({"n", "num-units"}, "1").value({"principal"});
    accept_meaningless(flags);
    flags.parse(args);
    if (flags.positional.empty())
        throw UserError("no application specified");
    const std::string app_name = flags.positional[0];
    const auto app_it = model_.apps.find(app_name);
    if (app_it == model_.apps.end())
        throw UserError("application \"" + app_name + "\" not found");
    App& app = app_it->second;
    const bool subordinate = meta(app_name).subordinate;
    const std::string principal = flags.get("principal");  // internal: subordinate creation
    if (subordinate && principal.empty())
        throw UserError("cannot add unit to application \"" + app_name +
                        "\": application is subordinate");
    if (app.life != Life::Alive)
        throw UserError("application \"" + app_name + "\" is not alive");
    const int count = std::stoi(flags.get("n"));
    for (int i = 0; i < count; ++i) {
        Unit unit;
        unit.number = app.next_unit++;
        unit.name = app_name + "/" + std::to_string(unit.number);
        unit.app = app_name;
        unit.principal = principal;
        unit.machine = principal.empty() ? add_machine() : model_.units.at(principal).machine;
        unit.workload = StatusValue{"waiting", "agent initialising", now(), json::object()};
        unit.agent = StatusValue{"allocating", "", now(), json::object()};
        model_.units[unit.name] = unit;
        setup_unit_files(model_.units.at(unit.name));
        Unit& stored = model_.units.at(unit.name);
        for (auto& [id, relation] : model_.relations) {
            const RelationEnd* mine = relation.end_of(app_name);
            if (mine == nullptr || relation.life != Life::Alive)
                continue;
            const auto endpoint = meta(app_name).endpoints.find(mine->endpoint);
            if (endpoint != meta(app_name).endpoints.end() && endpoint->second.implicit)
                enter_scope(relation, stored);
        }
        if (app.leader.empty())
            elect_leaders();
        // Subordinates already related to this application by container scope get a unit here.
        if (principal.empty()) {
            for (const auto& [id, relation] : model_.relations) {
                if (relation.is_peer() || !relation.container_scope() ||
                    relation.life != Life::Alive)
                    continue;
                if (relation.end_of(app_name) == nullptr)
                    continue;
                const std::string other = relation.other_end(app_name)->app;
                if (!meta(other).subordinate || meta(app_name).subordinate)
                    continue;
                cmd_add_unit({other, "--principal", unit.name});
            }
        }
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
    if (colon == std::string::npos)
        return EndpointRef{text, ""};
    return EndpointRef{text.substr(0, colon), text.substr(colon + 1)};
}

}  // namespace

CommandResult Controller::cmd_integrate(const std::vector<std::string>& args) {
    FlagSet flags;
    accept_meaningless(flags);
    flags.parse(args);
    if (flags.positional.size() != 2)
        throw UserError("an integration must involve two applications");
    const EndpointRef a = parse_endpoint_ref(flags.positional[0]);
    const EndpointRef b = parse_endpoint_ref(flags.positional[1]);
    for (const auto& ref : {a, b}) {
        if (model_.apps.count(ref.app) == 0)
            throw UserError("application \"" + ref.app + "\" not found");
        if (!ref.endpoint.empty() && meta(ref.app).endpoints.count(ref.endpoint) == 0) {
            throw UserError("application \"" + ref.app + "\" has no \"" + ref.endpoint +
                            "\" relation");
        }
    }
    if (a.app == b.app)
        throw UserError("cannot relate an application to itself");
    struct Candidate {
        Endpoint left;
        Endpoint right;
    };
    std::vector<Candidate> candidates;
    for (const auto& [left_name, left] : meta(a.app).endpoints) {
        if (!a.endpoint.empty() && left_name != a.endpoint)
            continue;
        for (const auto& [right_name, right] : meta(b.app).endpoints) {
            if (!b.endpoint.empty() && right_name != b.endpoint)
                continue;
            if (left.interface != right.interface || left.role == "peer" || right.role == "peer")
                continue;
            if (left.role == right.role)
                continue;
            if (left.implicit && right.implicit)
                continue;
            candidates.push_back({left, right});
        }
    }
    if (candidates.size() > 1) {
        // Juju drops implicit juju-info candidates when explicit ones exist.
        std::vector<Candidate> explicit_only;
        for (const auto& candidate : candidates) {
            if (!candidate.left.implicit && !candidate.right.implicit)
                explicit_only.push_back(candidate);
        }
        if (!explicit_only.empty())
            candidates = explicit_only;
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
                            "\": endpoint roles are incompatible (" + left.role + ", " +
                            right.role + ")");
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
    Relation relation;
    relation.id = model_.next_relation++;
    const std::string scope = chosen.left.scope == "container" || chosen.right.scope == "container"
                                  ? "container"
                                  : "global";
    relation.ends.push_back(
        RelationEnd{a.app, chosen.left.name, chosen.left.interface, chosen.left.role, scope});
    relation.ends.push_back(
        RelationEnd{b.app, chosen.right.name, chosen.right.interface, chosen.right.role, scope});
    relation.created_at = now();
    model_.relations[relation.id] = relation;
    Relation& stored = model_.relations.at(relation.id);
    if (scope == "container") {
        const bool a_sub = meta(a.app).subordinate;
        const bool b_sub = meta(b.app).subordinate;
        if (a_sub != b_sub) {
            const std::string principal_app = a_sub ? b.app : a.app;
            const std::string sub_app = a_sub ? a.app : b.app;
            std::vector<std::string> principals;
            for (const auto& [name, unit] : model_.units) {
                if (unit.app == principal_app && unit.life == Life::Alive)
                    principals.push_back(name);
            }
            std::sort(principals.begin(), principals.end(), natural_less);
            for (const auto& principal : principals)
                cmd_add_unit({sub_app, "--principal", principal});
        }
    }
    for (auto& [name, unit] : model_.units) {
        const RelationEnd* mine = stored.end_of(unit.app);
        if (mine == nullptr)
            continue;
        const auto endpoint = meta(unit.app).endpoints.find(mine->endpoint);
        if (endpoint == meta(unit.app).endpoints.end() || !endpoint->second.implicit)
            continue;
        // An implicit juju-info end fires no hooks: its units are in scope at once (in container
        // scope only those that host a subordinate of the other side).
        bool hosts_subordinate = scope != "container";
        for (const auto& [other_name, other] : model_.units) {
            if (other.principal == name && other.app == stored.other_end(unit.app)->app)
                hosts_subordinate = true;
        }
        if (hosts_subordinate)
            enter_scope(stored, unit);
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
        if (it == model_.relations.end() || it->second.is_peer())
            throw UserError("relation " + flags.positional[0] + " not found");
        flags.positional = {it->second.ends[0].app + ":" + it->second.ends[0].endpoint,
                            it->second.ends[1].app + ":" + it->second.ends[1].endpoint};
    }
    if (flags.positional.size() != 2)
        throw UserError("a relation must involve two applications");
    const EndpointRef a = parse_endpoint_ref(flags.positional[0]);
    const EndpointRef b = parse_endpoint_ref(flags.positional[1]);
    for (const auto& ref : {a, b}) {
        if (model_.apps.count(ref.app) == 0)
            throw UserError("application \"" + ref.app + "\" not found");
    }
    std::vector<int> matches;
    for (const auto& [id, relation] : model_.relations) {
        if (relation.is_peer() || relation.life != Life::Alive)
            continue;
        const RelationEnd* left = relation.end_of(a.app);
        const RelationEnd* right = relation.end_of(b.app);
        if (left == nullptr || right == nullptr)
            continue;
        if (!a.endpoint.empty() && left->endpoint != a.endpoint)
            continue;
        if (!b.endpoint.empty() && right->endpoint != b.endpoint)
            continue;
        matches.push_back(id);
    }
    if (matches.empty())
        throw UserError("relation \"" + flags.positional[0] + " " + flags.positional[1] +
                        "\" not found");
    if (matches.size() > 1)
        throw UserError("ambiguous relation: \"" + flags.positional[0] + " " + flags.positional[1] +
                        "\" matches several");
    Relation& relation = model_.relations.at(matches.front());
    relation.life = Life::Dying;
    relation.in_scope.clear();
    if (relation.container_scope()) {
        const bool a_sub = meta(a.app).subordinate;
        const std::string sub_app = a_sub ? a.app : b.app;
        const std::string principal_app = a_sub ? b.app : a.app;
        if (meta(sub_app).subordinate) {
            for (auto& [name, unit] : model_.units) {
                if (unit.app == sub_app && app_of(unit.principal) == principal_app)
                    destroy_unit(unit);
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
    if (flags.positional.empty())
        throw UserError("no units specified");
    std::vector<std::string> names;
    for (const auto& name : flags.positional) {
        if (name.find('/') == std::string::npos) {
            // remove-unit APP --num-units N (Juju: only for k8s; accepted: highest numbers first)
            if (model_.apps.count(name) == 0)
                throw UserError("application \"" + name + "\" not found");
            std::vector<std::string> app_units;
            for (const auto& [unit_name, unit] : model_.units) {
                if (unit.app == name && unit.life == Life::Alive)
                    app_units.push_back(unit_name);
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
        if (it == model_.units.end())
            throw UserError("removing unit " + name + " failed: unit \"" + name +
                            "\" does not exist");
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
    if (const auto at = err.find(force_notice); at != std::string::npos)
        err.erase(at, force_notice.size());
    const bool force = flags.on("force");
    for (const auto& name : names) {
        Unit& unit = model_.units.at(name);
        err += "will remove unit " + name + "\n";
        destroy_unit(unit);
        const auto machine = model_.machines.find(unit.machine);
        if (force && (machine == model_.machines.end() || !machine->second.powered)) {
            std::vector<std::string> subordinates;
            for (const auto& [other_name, other] : model_.units) {
                if (other.principal == name)
                    subordinates.push_back(other_name);
            }
            for (const auto& subordinate : subordinates)
                remove_unit_record(subordinate);
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
    if (flags.positional.empty())
        throw UserError("no application specified");
    for (const auto& name : flags.positional) {
        if (model_.apps.count(name) == 0)
            throw UserError("removing application " + name + " failed: application \"" + name +
                            "\" not found");
    }
    std::string err = notices(flags);
    for (const auto& name : flags.positional) {
        App& app = model_.apps.at(name);
        err += "will remove application " + name + "\n";
        app.life = Life::Dying;
        std::vector<std::string> units;
        for (auto& [unit_name, unit] : model_.units) {
            if (unit.app == name)
                units.push_back(unit_name);
        }
        std::sort(units.begin(), units.end(), natural_less);
        for (const auto& unit_name : units) {
            err += "- will remove unit " + unit_name + "\n";
            destroy_unit(model_.units.at(unit_name));
        }
        for (auto& [id, relation] : model_.relations) {
            if (relation.end_of(name) == nullptr || relation.is_peer())
                continue;
            relation.life = Life::Dying;
            relation.in_scope.clear();
            // Subordinates attached through this relation go with it.
            if (relation.container_scope()) {
                const std::string other = relation.other_end(name)->app;
                if (meta(other).subordinate) {
                    for (auto& [unit_name, unit] : model_.units) {
                        if (unit.app == other && app_of(unit.principal) == name)
                            destroy_unit(unit);
                    }
                }
            }
        }
        if (units.empty()) {
            for (auto it = model_.relations.begin(); it != model_.relations.end();) {
                if (it->second.is_peer() && it->second.end_of(name) != nullptr)
                    it = model_.relations.erase(it);
                else
                    ++it;
            }
            model_.apps.erase(name);
            metas_.erase(name);
        }
    }
    cleanup_relations();
    touch();
    return CommandResult{0, "", err};
}

CommandResult Controller::cmd_config(const std::vector<std::string>& args, const fs::path& cwd) {
    FlagSet flags;
    flags.value({"format"}, "yaml")
        .value({"o", "output"})
        .value({"reset"})
        .value({"file"})
        .value({"color"});
    flags.parse(args);
    if (flags.positional.empty())
        throw UserError("no application name specified");
    const std::string app_name = flags.positional[0];
    const auto app_it = model_.apps.find(app_name);
    if (app_it == model_.apps.end())
        throw UserError("application \"" + app_name + "\" not found");
    App& app = app_it->second;
    const CharmMeta& charm = meta(app_name);
    const std::vector<std::string> items(flags.positional.begin() + 1, flags.positional.end());
    const bool setting =
        std::any_of(items.begin(), items.end(),
                    [](const std::string& item) { return item.find('=') != std::string::npos; }) ||
        flags.is_set("reset") || flags.is_set("file");
    if (!setting) {
        if (items.size() == 1) {
            if (charm.config.count(items[0]) == 0)
                throw UserError("key \"" + items[0] + "\" not found in \"" + app_name +
                                "\" application config or charm settings.");
            const json config = effective_config(app, true);
            const json& value = config[items[0]];
            return CommandResult{0,
                                 value.is_string()
                                     ? value.get<std::string>() + "\n"
                                     : (value.is_null() ? "\n" : go_json(value) + "\n"),
                                 ""};
        }
        if (items.size() > 1)
            throw UserError("can only retrieve a single value, or all values");
        ordered_json settings = ordered_json::object();
        for (const auto& [name, option] : charm.config) {
            ordered_json entry;
            if (!option.default_value.is_null())
                entry["default"] = option.default_value;
            entry["description"] = option.description;
            const bool user = app.config.contains(name);
            entry["source"] =
                user ? "user" : (option.default_value.is_null() ? "unset" : "default");
            entry["type"] = option.type;
            if (user)
                entry["value"] = app.config[name];
            else if (!option.default_value.is_null())
                entry["value"] = option.default_value;
            settings[name] = entry;
        }
        ordered_json out;
        out["application"] = app_name;
        out["application-config"] = ordered_json{
            {"trust", ordered_json{{"default", false},
                                   {"description",
                                    "Does this application have access to trusted credentials"},
                                   {"source", "default"},
                                   {"type", "bool"},
                                   {"value", false}}}};
        out["charm"] = app.charm_name;
        out["settings"] = settings;
        return json_or_yaml(flags, out);
    }
    json updates = json::object();
    if (flags.is_set("file")) {
        const fs::path file = fs::path(flags.get("file")).is_absolute()
                                  ? fs::path(flags.get("file"))
                                  : cwd / flags.get("file");
        const json parsed = parse_yaml(read_text_file(file));
        const json values = parsed.contains(app_name) ? parsed[app_name] : parsed;
        for (const auto& [key, value] : values.items()) {
            updates[key] = charm.parse_config_value(
                key, value.is_string() ? value.get<std::string>() : go_json(value));
        }
    }
    for (const auto& item : items) {
        const auto eq = item.find('=');
        if (eq == std::string::npos)
            throw UserError("can only retrieve a single value, or all values");
        updates[item.substr(0, eq)] =
            charm.parse_config_value(item.substr(0, eq), item.substr(eq + 1));
    }
    std::vector<std::string> resets;
    if (flags.is_set("reset")) {
        std::stringstream list(flags.get("reset"));
        std::string key;
        while (std::getline(list, key, ',')) {
            if (key.empty())
                continue;
            if (charm.config.count(key) == 0)
                throw UserError("unknown option \"" + key + "\"");
            resets.push_back(key);
        }
    }
    const json before = effective_config(app, true);
    for (const auto& [key, value] : updates.items())
        app.config[key] = value;
    for (const auto& key : resets)
        app.config.erase(key);
    if (effective_config(app, true) != before)
        app.config_version += 1;
    touch();
    return {};
}

CommandResult Controller::cmd_model_config(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.value({"format"}, "tabular").value({"o", "output"}).value({"reset"});
    flags.parse(args);
    const json defaults{{"update-status-hook-interval", "5m"},
                        {"automatically-retry-hooks", true},
                        {"leadership-lease-seconds", 60},
                        {"name", model_.name},
                        {"uuid", model_.uuid},
                        {"type", "iaas"},
                        {"machine-type", model_.machine_type}};
    const bool setting =
        flags.is_set("reset") ||
        std::any_of(flags.positional.begin(), flags.positional.end(),
                    [](const std::string& item) { return item.find('=') != std::string::npos; });
    if (!setting) {
        json values = defaults;
        for (const auto& [key, value] : model_.config.items())
            values[key] = value;
        if (flags.positional.size() == 1) {
            if (!values.contains(flags.positional[0]))
                throw UserError("key \"" + flags.positional[0] + "\" not found in \"" +
                                model_.name + "\" model.");
            const json& value = values[flags.positional[0]];
            return CommandResult{
                0, (value.is_string() ? value.get<std::string>() : go_json(value)) + "\n", ""};
        }
        json out = json::object();
        for (const auto& [key, value] : values.items()) {
            out[key] = json{{"Value", value},
                            {"Source", model_.config.contains(key) ? "model" : "default"}};
        }
        const std::string format = flags.get("format");
        if (format == "json")
            return CommandResult{0, go_json(out) + "\n", ""};
        if (format == "yaml")
            return CommandResult{0, go_yaml(out), ""};
        std::vector<std::vector<std::string>> rows{{"Attribute", "From", "Value"}};
        std::string text = "Attribute                    From     Value\n";
        for (const auto& [key, value] : values.items()) {
            std::string shown = value.is_string() ? value.get<std::string>() : go_json(value);
            std::string line = key;
            line.resize(std::max<std::size_t>(29, key.size() + 2), ' ');
            std::string from = model_.config.contains(key) ? "model" : "default";
            from.resize(9, ' ');
            text += line + from + shown + "\n";
        }
        return CommandResult{0, text, ""};
    }
    json updates = json::object();
    for (const auto& item : flags.positional) {
        const auto eq = item.find('=');
        if (eq == std::string::npos)
            throw UserError("expected \"key=value\", got \"" + item + "\"");
        const std::string key = item.substr(0, eq);
        const std::string value = item.substr(eq + 1);
        if (key == "name" || key == "uuid" || key == "type" || key == "machine-type")
            throw UserError("cannot set " + key);
        if (key == "update-status-hook-interval") {
            parse_duration(value);
            updates[key] = value;
        } else if (key == "automatically-retry-hooks") {
            const auto parsed = parse_go_bool(value);
            if (!parsed)
                throw UserError("automatically-retry-hooks: expected bool, got string(\"" + value +
                                "\")");
            updates[key] = *parsed;
        } else if (key == "leadership-lease-seconds") {
            updates[key] = std::stod(value);
        } else {
            updates[key] = yaml_scalar(value);
        }
    }
    for (const auto& [key, value] : updates.items())
        model_.config[key] = value;
    if (flags.is_set("reset")) {
        std::stringstream list(flags.get("reset"));
        std::string key;
        while (std::getline(list, key, ','))
            model_.config.erase(key);
    }
    touch();
    return {};
}

long Controller::enqueue_action(const std::string& unit, const std::string& name,
                                const json& params, bool exec, const std::string& command) {
    Action action;
    action.operation = model_.next_task++;
    action.id = model_.next_task++;
    action.unit = unit;
    action.name = name;
    action.params = params;
    action.exec = exec;
    action.command = command;
    action.enqueued = now();
    model_.actions[action.id] = action;
    model_.units.at(unit).pending_actions.push_back(action.id);
    touch();
    return action.id;
}

json Controller::task_json(const Action& action) const {
    ordered_json out;
    out["id"] = std::to_string(action.id);
    if (!action.log.empty())
        out["log"] = action.log;
    if (!action.message.empty())
        out["message"] = action.message;
    out["results"] = action.results;
    out["status"] = action.status;
    ordered_json timing;
    if (action.completed > 0)
        timing["completed"] = go_time_string(action.completed);
    timing["enqueued"] = go_time_string(action.enqueued);
    if (action.started > 0)
        timing["started"] = go_time_string(action.started);
    out["timing"] = timing;
    out["unit"] = action.unit;
    return json::parse(go_json(out));
}

CommandResult Controller::cmd_run(const std::vector<std::string>& args, const fs::path& cwd,
                                  std::unique_lock<std::mutex>& lock) {
    FlagSet flags;
    flags.value({"format"}, "plain")
        .value({"o", "output"})
        .value({"wait"})
        .value({"params"})
        .boolean({"background"})
        .boolean({"string-args"})
        .boolean({"utc"})
        .boolean({"color"})
        .boolean({"no-color"});
    flags.parse(args);
    if (flags.positional.size() < 2)
        throw UserError("no action specified");
    const std::string unit_name = resolve_unit(flags.positional[0]);
    const std::string action_name = flags.positional[1];
    const Unit& unit = model_.units.at(unit_name);
    const CharmMeta& charm = meta(unit.app);
    if (charm.actions.count(action_name) == 0) {
        throw UserError("invalid action: action \"" + action_name + "\" not defined on unit \"" +
                        unit_name + "\" (not found)");
    }
    json params = json::object();
    if (flags.is_set("params")) {
        const fs::path file = fs::path(flags.get("params")).is_absolute()
                                  ? fs::path(flags.get("params"))
                                  : cwd / flags.get("params");
        const json parsed = parse_yaml(read_text_file(file));
        if (parsed.is_object())
            params = parsed;
    }
    for (std::size_t i = 2; i < flags.positional.size(); ++i) {
        const std::string& item = flags.positional[i];
        const auto eq = item.find('=');
        if (eq == std::string::npos)
            throw UserError("argument \"" + item + "\" must be of the form key...=value");
        const std::string key = item.substr(0, eq);
        const json value =
            flags.on("string-args") ? json(item.substr(eq + 1)) : yaml_scalar(item.substr(eq + 1));
        json* target = &params;
        std::size_t start = 0;
        while (true) {
            const auto dot = key.find('.', start);
            const std::string part =
                key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
            if (dot == std::string::npos) {
                (*target)[part] = value;
                break;
            }
            if (!(*target)[part].is_object())
                (*target)[part] = json::object();
            target = &(*target)[part];
            start = dot + 1;
        }
    }
    params = charm.validate_action_params(action_name, params);
    const long id = enqueue_action(unit_name, action_name, params, false, "");
    const Action& queued = model_.actions.at(id);
    std::string err = "Running operation " + std::to_string(queued.operation) +
                      " with 1 task\n  - task " + std::to_string(id) + " on " +
                      unit_tag(unit_name) + "\n\n";
    if (flags.on("background")) {
        return CommandResult{
            0, "", err + "Check the task status with: juju show-task " + std::to_string(id) + "\n"};
    }
    err += "Waiting for task " + std::to_string(id) + "...\n";
    const double wait = flags.is_set("wait") ? parse_duration(flags.get("wait")) : -1;
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<long>(wait * 1000));
    const auto done = [&] {
        const auto& action = model_.actions.at(id);
        return action.status == "completed" || action.status == "failed";
    };
    while (!done()) {
        if (wait >= 0 && std::chrono::steady_clock::now() >= deadline) {
            return CommandResult{
                1, "", err + "ERROR timed out waiting for results from: unit " + unit_name + "\n"};
        }
        changed_.wait_for(lock, std::chrono::milliseconds(200));
    }
    const Action& action = model_.actions.at(id);
    const std::string format = flags.get("format");
    std::string out;
    if (format == "json" || format == "yaml") {
        ordered_json result;
        result[unit_name] = ordered_json(task_json(action));
        out = format == "json" ? go_json(result) + "\n" : go_yaml(result);
    } else {
        for (const auto& line : action.log)
            out += line + "\n";
        json results = action.results;
        const std::string stdout_text = results.value("stdout", "");
        results.erase("return-code");
        results.erase("stdout");
        results.erase("stderr");
        if (!results.empty())
            out += go_yaml(results);
        out += stdout_text;
    }
    if (action.status != "completed") {
        const int code = action.results.value("return-code", 0);
        err += "ERROR the following task failed:\n id \"" + std::to_string(id) +
               "\" with return code " + std::to_string(code) +
               "\n\nuse 'juju show-task' to inspect the failure\n";
        if (format != "json" && format != "yaml" && !action.message.empty())
            err = action.message + "\n" + err;
        return CommandResult{1, out, err};
    }
    return CommandResult{0, out, err};
}

CommandResult Controller::cmd_exec(const std::vector<std::string>& args,
                                   std::unique_lock<std::mutex>& lock) {
    FlagSet flags;
    flags.value({"format"}, "plain")
        .value({"o", "output"})
        .value({"wait"}, "5m")
        .value({"unit", "u"})
        .value({"machine"})
        .value({"application", "app", "a"})
        .boolean({"all"})
        .boolean({"background"})
        .boolean({"execution-group"})
        .boolean({"parallel"});
    flags.parse(args);
    if (flags.positional.empty())
        throw UserError("no commands specified");
    std::string command;
    for (const auto& word : flags.positional)
        command += (command.empty() ? "" : " ") + word;
    std::vector<std::string> targets;
    const auto split = [](const std::string& text) {
        std::vector<std::string> out;
        std::stringstream list(text);
        std::string item;
        while (std::getline(list, item, ',')) {
            if (!item.empty())
                out.push_back(item);
        }
        return out;
    };
    for (const auto& unit : split(flags.get("unit")))
        targets.push_back(resolve_unit(unit));
    for (const auto& app_name : split(flags.get("application"))) {
        if (model_.apps.count(app_name) == 0)
            throw UserError("application \"" + app_name + "\" not found");
        for (const auto& [name, unit] : model_.units) {
            if (unit.app == app_name)
                targets.push_back(name);
        }
    }
    if (flags.is_set("machine")) {
        const std::string id = flags.get("machine");
        if (model_.machines.count(id) == 0)
            throw UserError("machine " + id + " not found");
        Machine& m = machine(id);
        lock.unlock();
        ExecRequest request;
        request.argv = {"/bin/bash", "-c", command};
        request.env = {{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
                       {"LANG", "C.UTF-8"}};
        const ExecResult result = m.exec(request);
        lock.lock();
        if (flags.get("format") == "json") {
            ordered_json results{{"return-code", result.exit_code}};
            if (!result.stdout_text.empty())
                results["stdout"] = result.stdout_text;
            if (!result.stderr_text.empty())
                results["stderr"] = result.stderr_text;
            ordered_json out;
            out["machine-" + id] = ordered_json{{"id", std::to_string(model_.next_task++)},
                                                {"machine", id},
                                                {"results", results},
                                                {"status", "completed"}};
            return CommandResult{
                result.exit_code == 0 ? 0 : 1, go_json(out) + "\n",
                result.exit_code == 0
                    ? ""
                    : "ERROR the following task failed:\n id \"0\" with return code " +
                          std::to_string(result.exit_code) + "\n"};
        }
        return CommandResult{result.exit_code, result.stdout_text, result.stderr_text};
    }
    if (targets.empty())
        throw UserError(
            "you must specify a target, either through --all, --machine, --application or --unit");
    std::vector<long> ids;
    for (const auto& target : targets)
        ids.push_back(
            enqueue_action(target, "juju-exec", json{{"command", command}}, true, command));
    const double wait = parse_duration(flags.get("wait"));
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<long>(wait * 1000));
    const auto all_done = [&] {
        return std::all_of(ids.begin(), ids.end(), [&](long id) {
            const auto& action = model_.actions.at(id);
            return action.status == "completed" || action.status == "failed";
        });
    };
    while (!all_done()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            std::string names;
            for (const auto& target : targets)
                names += (names.empty() ? "" : ", ") + std::string("unit ") + target;
            return CommandResult{1, "",
                                 "ERROR timed out waiting for results from: " + names + "\n"};
        }
        changed_.wait_for(lock, std::chrono::milliseconds(200));
    }
    std::string out;
    std::string err;
    bool failed = false;
    ordered_json results;
    for (long id : ids) {
        const Action& action = model_.actions.at(id);
        results[action.unit] = ordered_json(task_json(action));
        const int code = action.results.value("return-code", 0);
        if (action.status != "completed" || code != 0) {
            failed = true;
            err += " id \"" + std::to_string(id) + "\" with return code " + std::to_string(code) +
                   "\n";
        }
    }
    const std::string format = flags.get("format");
    if (format == "json") {
        out = go_json(results) + "\n";
    } else if (format == "yaml") {
        out = go_yaml(results);
    } else if (ids.size() == 1) {
        const Action& action = model_.actions.at(ids.front());
        out = action.results.value("stdout", "");
        const std::string stderr_text = action.results.value("stderr", "");
        if (!stderr_text.empty())
            err = stderr_text + (failed ? "" : "") + err;
        if (failed) {
            return CommandResult{1, out,
                                 stderr_text + "ERROR the following task failed:\n id \"" +
                                     std::to_string(ids.front()) + "\" with return code " +
                                     std::to_string(action.results.value("return-code", 0)) +
                                     "\n\nuse 'juju show-task' to inspect the failure\n"};
        }
        return CommandResult{0, out, stderr_text};
    } else {
        out = go_yaml(results);
    }
    if (failed)
        return CommandResult{1, out,
                             "ERROR the following task failed:\n" + err +
                                 "\nuse 'juju show-task' to inspect the failure\n"};
    return CommandResult{0, out, ""};
}

CommandResult Controller::cmd_ssh(const std::vector<std::string>& args,
                                  std::unique_lock<std::mutex>& lock) {
    FlagSet flags;
    flags.value({"container"}).boolean({"no-host-key-checks"}).boolean({"pty"}).value({"proxy"});
    flags.parse(args);
    if (flags.positional.empty())
        throw UserError("no target name specified");
    std::string target = flags.positional[0];
    const auto at = target.find('@');
    if (at != std::string::npos)
        target = target.substr(at + 1);
    std::string machine_id = target;
    if (target.find('/') != std::string::npos)
        machine_id = model_.units.at(resolve_unit(target)).machine;
    if (model_.machines.count(machine_id) == 0)
        throw UserError("machine " + machine_id + " not found");
    if (!model_.machines.at(machine_id).powered)
        throw UserError("machine " + machine_id + " is powered off");
    std::string command;
    for (std::size_t i = 1; i < flags.positional.size(); ++i)
        command += (command.empty() ? "" : " ") + flags.positional[i];
    if (command.empty())
        throw UserError("jujusim ssh needs a command (no interactive sessions)");
    Machine& m = machine(machine_id);
    lock.unlock();
    ExecRequest request;
    request.argv = {"/bin/bash", "-c", command};
    request.env = {{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
                   {"LANG", "C.UTF-8"},
                   {"HOME", "/root"}};
    request.cwd = "/";
    const ExecResult result = m.exec(request);
    lock.lock();
    return CommandResult{result.exit_code, result.stdout_text, result.stderr_text};
}

CommandResult Controller::cmd_wait(const std::vector<std::string>& args,
                                   std::unique_lock<std::mutex>& lock) {
    FlagSet flags;
    flags.value({"timeout"}, "10m");
    flags.parse(args);
    const double timeout = parse_duration(flags.get("timeout"));
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(static_cast<long>(timeout * 1000));
    int quiet = 0;
    while (true) {
        quiet = model_busy() ? 0 : quiet + 1;
        if (quiet >= 3)
            return {};
        if (std::chrono::steady_clock::now() >= deadline) {
            std::string pending;
            for (const auto& [name, unit] : model_.units) {
                if (!unit_can_run(unit))
                    continue;
                const auto op = next_op(unit);
                if (op)
                    pending += "\n  " + name + ": " + op->hook;
            }
            return CommandResult{1, "",
                                 "ERROR timed out after " + flags.get("timeout") +
                                     " waiting for the model to settle" + pending + "\n"};
        }
        changed_.wait_for(lock, std::chrono::milliseconds(50));
    }
}

CommandResult Controller::cmd_tick() {
    for (auto& [name, unit] : model_.units) {
        if (unit.started && unit.life == Life::Alive && unit_can_run(unit))
            unit.update_status_due = true;
    }
    touch();
    return {};
}

CommandResult Controller::cmd_power(const std::vector<std::string>& args, bool on,
                                    std::unique_lock<std::mutex>& lock) {
    FlagSet flags;
    flags.parse(args);
    if (flags.positional.size() != 1)
        throw UserError("expected one machine or unit");
    std::string id = flags.positional[0];
    if (id.find('/') != std::string::npos)
        id = model_.units.at(resolve_unit(id)).machine;
    if (model_.machines.count(id) == 0)
        throw UserError("machine " + id + " not found");
    Machine& m = machine(id);
    if (!on) {
        if (!model_.machines.at(id).powered)
            return {};
        model_.machines.at(id).powered = false;
        model_.machines.at(id).down_since = now();
        touch();
        lock.unlock();
        m.poweroff();
        lock.lock();
        touch();
        return {};
    }
    if (model_.machines.at(id).powered)
        return {};
    lock.unlock();
    m.boot();
    lock.lock();
    auto& record = model_.machines.at(id);
    record.powered = true;
    record.down_since = 0;
    for (auto& [name, unit] : model_.units) {
        if (unit.machine == id && unit.started)
            unit.boot_start_pending = true;
    }
    refresh_hosts();
    remount_builtin(id);
    elect_leaders();
    touch();
    return {};
}

CommandResult Controller::cmd_resolved(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.boolean({"no-retry"}).boolean({"all"});
    flags.parse(args);
    std::vector<std::string> names;
    if (flags.on("all")) {
        for (const auto& [name, unit] : model_.units) {
            if (unit.in_error)
                names.push_back(name);
        }
    }
    for (const auto& name : flags.positional)
        names.push_back(resolve_unit(name));
    if (names.empty())
        throw UserError("no unit specified");
    for (const auto& name : names) {
        if (!model_.units.at(name).in_error)
            throw UserError("unit \"" + name + "\" is not in an error state");
    }
    for (const auto& name : names) {
        Unit& unit = model_.units.at(name);
        if (flags.on("no-retry")) {
            const Op op = unit.failed_op;
            unit.in_error = false;
            unit.retries = 0;
            set_unit_status(unit, "idle", "", true);
            apply_done(unit, op);
        } else {
            unit.resolve_now = true;
        }
    }
    touch();
    return {};
}

CommandResult Controller::cmd_hooks(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.value({"format"}, "tabular").value({"unit"}).value({"limit"});
    flags.parse(args);
    std::vector<json> entries;
    {
        std::lock_guard log_lock(log_mutex_);
        std::ifstream in(dir_ / "hooks.jsonl");
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty())
                continue;
            json entry = json::parse(line, nullptr, false);
            if (entry.is_discarded())
                continue;
            if (flags.is_set("unit") && entry.value("unit", "") != flags.get("unit"))
                continue;
            entries.push_back(entry);
        }
    }
    if (flags.is_set("limit")) {
        const std::size_t limit = std::stoul(flags.get("limit"));
        if (entries.size() > limit)
            entries.erase(entries.begin(), entries.end() - static_cast<long>(limit));
    }
    if (flags.get("format") == "json")
        return CommandResult{0, go_json(json(entries)) + "\n", ""};
    std::vector<std::vector<std::string>> rows{
        {"Unit", "Hook", "Remote", "Start", "Duration", "Exit", "Tools"}};
    for (const auto& entry : entries) {
        std::string tools;
        for (const auto& call : entry["tools"]) {
            tools += (tools.empty() ? "" : ", ") + call["argv"][0].get<std::string>();
            if (call.value("exit-code", 0) != 0)
                tools += "(" + std::to_string(call.value("exit-code", 0)) + ")";
        }
        char duration[32];
        std::snprintf(duration, sizeof duration, "%.3fs", entry.value("duration", 0.0));
        rows.push_back({entry.value("unit", ""), entry.value("hook", ""),
                        entry.value("remote-unit", ""), entry.value("start", ""), duration,
                        std::to_string(entry.value("exit-code", 0)), tools});
    }
    std::vector<std::size_t> widths(rows[0].size(), 0);
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i)
            widths[i] = std::max(widths[i], row[i].size());
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            std::string cell = row[i];
            if (i + 1 < row.size())
                cell.resize(widths[i] + 2, ' ');
            line += cell;
        }
        out += line + "\n";
    }
    return CommandResult{0, out, ""};
}

CommandResult Controller::cmd_debug_log(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.value({"n", "lines"})
        .value({"limit"})
        .boolean({"replay"})
        .boolean({"tail"})
        .boolean({"no-tail"})
        .value({"include", "i"})
        .value({"level", "l"})
        .boolean({"color"})
        .boolean({"utc"})
        .value({"include-module"})
        .value({"exclude-module"})
        .boolean({"ms"});
    flags.parse(args);
    std::vector<std::string> lines;
    {
        std::lock_guard log_lock(log_mutex_);
        std::ifstream in(dir_ / "debug.log");
        std::string line;
        const auto includes = flags.all("include");
        while (std::getline(in, line)) {
            if (!includes.empty()) {
                bool keep = false;
                for (const auto& include : includes) {
                    const std::string tag =
                        include.find('/') != std::string::npos ? unit_tag(include) : include;
                    if (line.starts_with(tag + ":") || line.starts_with("unit-" + include + "-"))
                        keep = true;
                }
                if (!keep)
                    continue;
            }
            lines.push_back(line);
        }
    }
    std::size_t limit = lines.size();
    if (flags.is_set("limit"))
        limit = std::stoul(flags.get("limit"));
    if (flags.is_set("n"))
        limit = std::stoul(flags.get("n"));
    const std::size_t first = lines.size() > limit ? lines.size() - limit : 0;
    std::string out;
    for (std::size_t i = first; i < lines.size(); ++i)
        out += lines[i] + "\n";
    return CommandResult{0, out, ""};
}

CommandResult Controller::cmd_destroy(std::unique_lock<std::mutex>& lock) {
    stopping_ = true;
    destroyed_ = true;
    std::vector<Machine*> all;
    for (auto& [id, m] : machines_)
        all.push_back(m.get());
    changed_.notify_all();
    lock.unlock();
    for (Machine* m : all)
        m->poweroff();
    if (network_)
        network_->down();
    lock.lock();
    return {};
}

namespace {

/// What `juju secrets` and `juju show-secret` print about a secret, in juju's key order.
ordered_json secret_summary(const Secret& secret) {
    ordered_json entry;
    entry["revision"] = secret.latest;
    entry["owner"] = secret.owner;
    if (!secret.label.empty())
        entry["label"] = secret.label;
    if (!secret.description.empty())
        entry["description"] = secret.description;
    if (!secret.rotate.empty())
        entry["rotation"] = secret.rotate;
    entry["created"] = rfc3339(from_epoch(secret.created_at));
    entry["updated"] = rfc3339(from_epoch(secret.updated_at));
    return entry;
}

}  // namespace

CommandResult Controller::cmd_secrets(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.value({"format"}, "tabular").value({"owner"}).value({"o", "output"});
    flags.parse(args);
    ordered_json out = ordered_json::object();
    for (const auto& [id, secret] : model_.secrets) {
        if (flags.is_set("owner") && flags.get("owner") != secret.owner)
            continue;
        out[id] = secret_summary(secret);
    }
    if (flags.get("format") == "json")
        return CommandResult{0, go_json(out) + "\n", ""};
    if (flags.get("format") == "yaml")
        return CommandResult{0, go_yaml(out), ""};
    std::string text = "ID                    Name  Owner  Rotation  Revision  Last updated\n";
    for (const auto& [id, secret] : model_.secrets) {
        text += id + "  -  " + secret.owner + "  " +
                (secret.rotate.empty() ? "never" : secret.rotate) + "  " +
                std::to_string(secret.latest) + "  " + rfc3339(from_epoch(secret.updated_at)) +
                "\n";
    }
    return CommandResult{0, text, ""};
}

CommandResult Controller::cmd_show_secret(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.value({"format"}, "yaml")
        .boolean({"reveal"})
        .boolean({"revisions"})
        .value({"revision"})
        .value({"o", "output"});
    flags.parse(args);
    if (flags.positional.empty())
        throw UserError("secret URI or name is required");
    std::string id = flags.positional[0];
    const auto slash = id.find_last_of("/:");
    if (slash != std::string::npos)
        id = id.substr(slash + 1);
    const auto it = model_.secrets.find(id);
    if (it == model_.secrets.end())
        throw UserError("secret \"" + flags.positional[0] + "\" not found");
    const Secret& secret = it->second;
    ordered_json entry = secret_summary(secret);
    if (flags.on("revisions")) {
        ordered_json revisions = ordered_json::array();
        for (const auto& [revision, content] : secret.revisions) {
            revisions.push_back(ordered_json{{"revision", std::stol(revision)},
                                             {"created", rfc3339(from_epoch(secret.created_at))}});
        }
        entry["revisions"] = revisions;
    }
    if (flags.on("reveal")) {
        const std::string revision =
            flags.is_set("revision") ? flags.get("revision") : std::to_string(secret.latest);
        const auto content = secret.revisions.find(revision);
        if (content == secret.revisions.end())
            throw UserError("secret revision " + revision + " not found");
        entry["content"] = ordered_json{{"Data", content->second}};
    }
    ordered_json out;
    out[id] = entry;
    return json_or_yaml(flags, out);
}

CommandResult Controller::cmd_show_model(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.value({"format"}, "yaml").value({"o", "output"});
    flags.parse(args);
    ordered_json info;
    info["name"] = "admin/" + model_.name;
    info["short-name"] = model_.name;
    info["model-uuid"] = model_.uuid;
    info["model-type"] = "iaas";
    info["controller-uuid"] = model_.uuid;
    info["controller-name"] = "jujusim";
    info["is-controller"] = false;
    info["owner"] = "admin";
    info["cloud"] = "jujusim";
    info["region"] = "local";
    info["type"] = "jujusim";
    info["life"] = "alive";
    info["status"] =
        ordered_json{{"current", "available"}, {"since", rfc3339(from_epoch(model_.created_at))}};
    ordered_json machines = ordered_json::object();
    for (const auto& [id, record] : model_.machines)
        machines[id] = ordered_json{{"cores", 0}};
    info["machines"] = machines;
    info["agent-version"] = "3.6.12";
    ordered_json out;
    out[model_.name] = info;
    return json_or_yaml(flags, out);
}

CommandResult Controller::cmd_show_task(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.value({"format"}, "plain")
        .value({"o", "output"})
        .value({"wait"})
        .boolean({"watch"})
        .boolean({"utc"});
    flags.parse(args);
    if (flags.positional.empty())
        throw UserError("no task ID specified");
    const long id = std::stol(flags.positional[0]);
    const auto it = model_.actions.find(id);
    if (it == model_.actions.end())
        throw UserError("task " + flags.positional[0] + " not found");
    const json task = task_json(it->second);
    return json_or_yaml(flags, task);
}

CommandResult Controller::cmd_actions(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.value({"format"}, "default").value({"o", "output"}).boolean({"schema"});
    flags.parse(args);
    if (flags.positional.empty())
        throw UserError("no application name specified");
    const std::string app_name = flags.positional[0];
    if (model_.apps.count(app_name) == 0)
        throw UserError("application \"" + app_name + "\" not found");
    json out = json::object();
    for (const auto& [name, spec] : meta(app_name).actions) {
        out[name] = flags.on("schema") ? json{{"description", spec.description},
                                              {"properties", spec.params},
                                              {"title", name},
                                              {"type", "object"}}
                                       : json(spec.description);
    }
    if (flags.get("format") == "json")
        return CommandResult{0, go_json(out) + "\n", ""};
    if (flags.get("format") == "yaml")
        return CommandResult{0, go_yaml(out), ""};
    std::string text = "Action  Description\n";
    for (const auto& [name, description] : out.items())
        text +=
            name + "  " + (description.is_string() ? description.get<std::string>() : "") + "\n";
    return CommandResult{0, text, ""};
}

}  // namespace jujusim
