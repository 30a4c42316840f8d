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

/// Juju's flags that mean nothing here (placement, storage, prompts); built on first use.
const std::set<std::string>& meaningless_value_flags() {
    static const std::set<std::string> kFlags{
        "constraints", "channel",  "base",           "series",  "revision",     "to",      "bind",
        "storage",     "resource", "attach-storage", "overlay", "map-machines", "dry-run", "via"};
    return kFlags;
}

const std::set<std::string>& meaningless_bool_flags() {
    static const std::set<std::string> kFlags{
        "trust",     "force", "no-wait", "destroy-storage", "release-storage",
        "no-prompt", "y",     "yes",     "keep-disks"};
    return kFlags;
}

/// What a verb may need of its CLI call: the arguments after the verb, the caller's directory,
/// and the controller's lock (verbs that wait release it meanwhile).
struct VerbCall {
    const std::vector<std::string>& args;
    const fs::path& cwd;
    std::unique_lock<std::mutex>& lock;
};

}  // namespace

namespace verbs {

/// Declares juju's flags that mean nothing here; their use is noted on stderr.
void accept_meaningless(FlagSet& flags) {
    for (const auto& name : meaningless_value_flags()) {
        flags.value({name});
    }
    for (const auto& name : meaningless_bool_flags()) {
        flags.boolean({name});
    }
}

std::string notices(const FlagSet& flags) {
    std::string out;
    for (const auto& name : meaningless_value_flags()) {
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

FlagSet output_flags(const std::string& default_format) {
    FlagSet flags;
    flags.value({"format"}, default_format).value({"o", "output"});
    return flags;
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
    const std::string& verb = args_in[0];
    const std::vector<std::string> args(args_in.begin() + 1, args_in.end());
    try {
        // Every verb and what runs it (aliases are rows of their own, as Juju's CLI has them).
        using Verb = CommandResult (*)(Controller&, const VerbCall&);
        static const std::map<std::string_view, Verb> kVerbs = {
            {"deploy", [](Controller& self,
                          const VerbCall& call) { return self.cmd_deploy(call.args, call.cwd); }},
            {"refresh", [](Controller& self,
                           const VerbCall& call) { return self.cmd_refresh(call.args, call.cwd); }},
            {"upgrade-charm",
             [](Controller& self, const VerbCall& call) {
                 return self.cmd_refresh(call.args, call.cwd);
             }},
            {"add-unit",
             [](Controller& self, const VerbCall& call) { return self.cmd_add_unit(call.args); }},
            {"integrate",
             [](Controller& self, const VerbCall& call) { return self.cmd_integrate(call.args); }},
            {"relate",
             [](Controller& self, const VerbCall& call) { return self.cmd_integrate(call.args); }},
            {"add-relation",
             [](Controller& self, const VerbCall& call) { return self.cmd_integrate(call.args); }},
            {"remove-relation",
             [](Controller& self, const VerbCall& call) {
                 return self.cmd_remove_relation(call.args);
             }},
            {"remove-unit", [](Controller& self,
                               const VerbCall& call) { return self.cmd_remove_unit(call.args); }},
            {"remove-application",
             [](Controller& self, const VerbCall& call) {
                 return self.cmd_remove_application(call.args);
             }},
            {"config", [](Controller& self,
                          const VerbCall& call) { return self.cmd_config(call.args, call.cwd); }},
            {"model-config", [](Controller& self,
                                const VerbCall& call) { return self.cmd_model_config(call.args); }},
            {"run",
             [](Controller& self, const VerbCall& call) {
                 return self.cmd_run(call.args, call.cwd, call.lock);
             }},
            {"exec", [](Controller& self,
                        const VerbCall& call) { return self.cmd_exec(call.args, call.lock); }},
            {"ssh", [](Controller& self,
                       const VerbCall& call) { return self.cmd_ssh(call.args, call.lock); }},
            {"status",
             [](Controller& self, const VerbCall& call) { return self.cmd_status(call.args); }},
            {"show-unit",
             [](Controller& self, const VerbCall& call) { return self.cmd_show_unit(call.args); }},
            {"wait", [](Controller& self,
                        const VerbCall& call) { return self.cmd_wait(call.args, call.lock); }},
            {"tick",
             [](Controller& self, const VerbCall& call) { return self.cmd_tick(call.args); }},
            {"poweroff",
             [](Controller& self, const VerbCall& call) {
                 return self.cmd_power(call.args, false, call.lock);
             }},
            {"poweron",
             [](Controller& self, const VerbCall& call) {
                 return self.cmd_power(call.args, true, call.lock);
             }},
            {"resolved",
             [](Controller& self, const VerbCall& call) { return self.cmd_resolved(call.args); }},
            {"resolve",
             [](Controller& self, const VerbCall& call) { return self.cmd_resolved(call.args); }},
            {"hooks",
             [](Controller& self, const VerbCall& call) { return self.cmd_hooks(call.args); }},
            {"debug-log",
             [](Controller& self, const VerbCall& call) { return self.cmd_debug_log(call.args); }},
            {"destroy",
             [](Controller& self, const VerbCall& call) { return self.cmd_destroy(call.lock); }},
            {"secrets",
             [](Controller& self, const VerbCall& call) { return self.cmd_secrets(call.args); }},
            {"show-secret", [](Controller& self,
                               const VerbCall& call) { return self.cmd_show_secret(call.args); }},
            {"show-model",
             [](Controller& self, const VerbCall& call) { return self.cmd_show_model(call.args); }},
            {"show-task",
             [](Controller& self, const VerbCall& call) { return self.cmd_show_task(call.args); }},
            {"show-operation",
             [](Controller& self, const VerbCall& call) { return self.cmd_show_task(call.args); }},
            {"actions",
             [](Controller& self, const VerbCall& call) { return self.cmd_actions(call.args); }},
            {"ping",
             [](Controller&, const VerbCall&) {
                 return CommandResult{0, "pong\n", ""};
             }},
        };
        if (const auto found = kVerbs.find(verb); found != kVerbs.end()) {
            return found->second(*this, VerbCall{args, cwd, lock});
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
