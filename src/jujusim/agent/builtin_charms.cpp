// The built-in filesystem-client: a subordinate served inside jujusim. Its hooks still go
// through the agent (events, order, machine lock, buffered relation data); only the charm code
// is C++ instead of a process. It answers `mount_info` as the real charm does
// (upstream.md §2.7), mounting the model's shared directory for this application.
#include <jujusim/controller.hpp>
#include <jujusim/go_format.hpp>

namespace jujusim {

CharmMeta filesystem_client_meta() {
    CharmMeta meta;
    meta.name = "filesystem-client";
    meta.summary = "Mount a shared file system (built into jujusim: the model's shared directory)";
    meta.subordinate = true;
    meta.endpoints["juju-info"] = Endpoint{
        "juju-info", "juju-info", RelationRole::Requirer, RelationScope::Container, 0, false};
    meta.endpoints["mount"] =
        Endpoint{"mount", "mount_info", RelationRole::Requirer, RelationScope::Container, 0, false};
    meta.endpoints["filesystem"] = Endpoint{
        "filesystem", "filesystem_info", RelationRole::Requirer, RelationScope::Global, 1, false};
    meta.config["mountpoint"] =
        ConfigOption{"string", nullptr, "Location to mount the filesystem on the machine."};
    meta.config["noexec"] =
        ConfigOption{"boolean", false, "Block execution of binaries on the filesystem."};
    meta.config["nosuid"] =
        ConfigOption{"boolean", false, "Do not honour suid and sgid bits on the filesystem."};
    meta.config["nodev"] =
        ConfigOption{"boolean", false,
                     "Block interpretation of character and/or block devices on the filesystem."};
    meta.config["read-only"] = ConfigOption{"boolean", false, "Mount filesystem as read-only."};
    return meta;
}

int Controller::run_builtin(HookContext& ctx, const Unit& unit,
                            std::unique_lock<std::mutex>& lock) {
    (void)lock;
    const auto tool = [&](std::vector<std::string> argv) {
        const std::string name = argv.front();
        argv.erase(argv.begin());
        bool needs_stdin = false;
        CommandResult result = run_tool(ctx, name, argv, std::nullopt, &needs_stdin);
        json call = json::array({name});
        for (const auto& arg : argv) {
            call.push_back(arg);
        }
        ctx.tool_calls.push_back(json{{"argv", call}, {"exit-code", result.exit_code}});
        return result;
    };
    const Op& op = ctx.op;
    if (op.is_action() || op.kind == HookKind::Stop || op.kind == HookKind::Remove ||
        op.kind == HookKind::RelationBroken || op.kind == HookKind::RelationDeparted) {
        return 0;
    }
    const CommandResult ids = tool({"relation-ids", "mount", "--format=json"});
    const json relation_ids = json::parse(ids.out.empty() ? "[]" : ids.out);
    if (relation_ids.empty()) {
        tool({"status-set", "blocked", "Waiting for integrations"});
        return 0;
    }
    const std::string relation = relation_ids.front().get<std::string>();
    const CommandResult remote_app =
        tool({"relation-list", "-r", relation, "--app", "--format=json"});
    const std::string requirer =
        json::parse(remote_app.out.empty() ? "\"\"" : remote_app.out).get<std::string>();
    const CommandResult data =
        tool({"relation-get", "-r", relation, "--app", "--format=json", "-", requirer});
    const json bag =
        data.exit_code == 0 && !data.out.empty() ? json::parse(data.out) : json::object();
    std::string mountpoint;
    if (bag.contains("mountpoint")) {
        // mount_info fields are JSON-encoded values (ops' default databag encoding).
        const json value = json::parse(bag["mountpoint"].get<std::string>(), nullptr, false);
        if (value.is_string()) {
            mountpoint = value.get<std::string>();
        }
    }
    if (mountpoint.empty()) {
        tool({"status-set", "blocked", "Waiting for mountpoint from `mount` integration"});
        return 0;
    }
    const fs::path shared = dir_ / "shared" / unit.app;
    fs::create_directories(shared);
    try {
        machine(unit.machine).bind_mount(shared, mountpoint);
    } catch (const std::exception& error) {
        debug_log(unit.name, "ERROR", "unit." + unit.name + ".juju-log",
                  std::string("cannot mount: ") + error.what());
        tool({"relation-set", "-r", relation, "mounted=false"});
        tool({"status-set", "blocked", std::string("Failed to mount filesystem: ") + error.what()});
        return 0;
    }
    ctx.state_writes["jujusim-mountpoint"] = mountpoint;
    tool({"relation-set", "-r", relation, "mounted=true"});
    tool({"status-set", "active", "Mounted filesystem at `" + mountpoint + "`"});
    return 0;
}

void Controller::remount_builtin(const std::string& machine_id) {
    // autofs would mount again at boot; jujusim re-applies the bind mounts right after boot.
    for (const auto& [name, unit] : model_.units) {
        if (unit.machine != machine_id) {
            continue;
        }
        const App& app = model_.apps.at(unit.app);
        if (app.builtin != "filesystem-client") {
            continue;
        }
        const auto mountpoint = unit.state.find("jujusim-mountpoint");
        if (mountpoint == unit.state.end()) {
            continue;
        }
        try {
            machine(machine_id).bind_mount(dir_ / "shared" / unit.app, mountpoint->second);
        } catch (const std::exception& error) {
            debug_log(name, "ERROR", "juju.worker.uniter",
                      std::string("cannot re-mount after boot: ") + error.what());
        }
    }
}

}  // namespace jujusim
