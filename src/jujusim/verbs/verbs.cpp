// The CLI verbs the controller answers (the client only picks the model and forwards argv):
// the dispatch by verb and the helpers the verb files share. Every verb validates everything
// before it changes anything, and words errors as juju does.
#include <algorithm>

#include <jujusim/controller.hpp>
#include <jujusim/flags.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/network.hpp>
#include <jujusim/yaml_json.hpp>
#include <slurmctld/util/files.hpp>

#include "verb_helpers.hpp"

namespace jujusim {

namespace {

const std::set<std::string> meaningless_value_flags{
    "constraints", "channel",  "base",           "series",  "revision",     "to",      "bind",
    "storage",     "resource", "attach-storage", "overlay", "map-machines", "dry-run", "via"};
const std::set<std::string> meaningless_bool_flags{
    "trust",     "force", "no-wait", "destroy-storage", "release-storage",
    "no-prompt", "y",     "yes",     "keep-disks"};

}  // namespace

namespace verbs {

/// Declares juju's flags that mean nothing here; their use is noted on stderr.
void accept_meaningless(FlagSet& flags) {
    for (const auto& name : meaningless_value_flags) {
        flags.value({name});
    }
    for (const auto& name : meaningless_bool_flags) {
        flags.boolean({name});
    }
}

std::string notices(const FlagSet& flags) {
    std::string out;
    for (const auto& name : meaningless_value_flags) {
        if (flags.is_set(name)) {
            out += "jujusim: --" + name + " has no effect here (ignored)\n";
        }
    }
    for (const auto& name : {"trust"}) {
        if (flags.is_set(name)) {
            out += std::string("jujusim: --") + name + " has no effect here (ignored)\n";
        }
    }
    return out;
}

double parse_duration(const std::string& text) {
    if (text.empty()) {
        return -1;
    }
    const auto seconds = parse_go_duration(text, true);
    if (!seconds) {
        throw UserError("invalid duration \"" + text + "\"");
    }
    return *seconds;
}

std::string read_text_file(const fs::path& path) {
    try {
        if (auto text = slurmctld::util::read_regular_file_following(path)) {
            return std::move(*text);
        }
    } catch (const slurmctld::util::FileError& error) {
        throw UserError(error.what());
    }
    throw UserError("cannot read " + path.string() + ": no such file or directory");
}

std::string go_time_string(double epoch) {
    return goal_state_since(from_epoch(epoch)).substr(0, 19) + " +0000 UTC";
}

}  // namespace verbs

using namespace verbs;

CommandResult Controller::handle_cli(const std::vector<std::string>& args_in, const fs::path& cwd) {
    std::unique_lock lock(mutex_);
    if (args_in.empty()) {
        return CommandResult{2, "", "ERROR no command specified\n"};
    }
    const std::string verb = args_in[0];
    const std::vector<std::string> args(args_in.begin() + 1, args_in.end());
    try {
        if (verb == "deploy") {
            return cmd_deploy(args, cwd);
        }
        if (verb == "refresh" || verb == "upgrade-charm") {
            return cmd_refresh(args, cwd);
        }
        if (verb == "add-unit") {
            return cmd_add_unit(args);
        }
        if (verb == "integrate" || verb == "relate" || verb == "add-relation") {
            return cmd_integrate(args);
        }
        if (verb == "remove-relation") {
            return cmd_remove_relation(args);
        }
        if (verb == "remove-unit") {
            return cmd_remove_unit(args);
        }
        if (verb == "remove-application") {
            return cmd_remove_application(args);
        }
        if (verb == "config") {
            return cmd_config(args, cwd);
        }
        if (verb == "model-config") {
            return cmd_model_config(args);
        }
        if (verb == "run") {
            return cmd_run(args, cwd, lock);
        }
        if (verb == "exec") {
            return cmd_exec(args, lock);
        }
        if (verb == "ssh") {
            return cmd_ssh(args, lock);
        }
        if (verb == "status") {
            return cmd_status(args);
        }
        if (verb == "show-unit") {
            return cmd_show_unit(args);
        }
        if (verb == "wait") {
            return cmd_wait(args, lock);
        }
        if (verb == "tick") {
            return cmd_tick(args);
        }
        if (verb == "poweroff") {
            return cmd_power(args, false, lock);
        }
        if (verb == "poweron") {
            return cmd_power(args, true, lock);
        }
        if (verb == "resolved" || verb == "resolve") {
            return cmd_resolved(args);
        }
        if (verb == "hooks") {
            return cmd_hooks(args);
        }
        if (verb == "debug-log") {
            return cmd_debug_log(args);
        }
        if (verb == "destroy") {
            return cmd_destroy(lock);
        }
        if (verb == "secrets") {
            return cmd_secrets(args);
        }
        if (verb == "show-secret") {
            return cmd_show_secret(args);
        }
        if (verb == "show-model") {
            return cmd_show_model(args);
        }
        if (verb == "show-task" || verb == "show-operation") {
            return cmd_show_task(args);
        }
        if (verb == "actions") {
            return cmd_actions(args);
        }
        if (verb == "ping") {
            return CommandResult{0, "pong\n", ""};
        }
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
        if (app == model_.apps.end()) {
            throw UserError("application \"" + app_name + "\" not found");
        }
        if (app->second.leader.empty()) {
            throw UserError("could not determine leader for \"" + app_name + "\"");
        }
        return app->second.leader;
    }
    if (name.find('/') == std::string::npos) {
        throw UserError("invalid unit name \"" + name + "\"");
    }
    if (model_.units.count(name) == 0) {
        throw UserError("unit \"" + name + "\" not found");
    }
    return name;
}

}  // namespace jujusim
