// systemctl's commands as the machine's init answers them: verbs, options, exit codes and
// messages as systemd's, and the output of status, show, list-units and friends.
#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include <signal.h>
#include <unistd.h>

#include <slurmctld/util/files.hpp>
#include <slurmctld/util/strings.hpp>

#include "supervisor.hpp"
#include "supervisor_internal.hpp"
#include "supervisor_util.hpp"
#include "sys.hpp"

namespace jujusim::init {

using namespace detail;

namespace {

/// `systemctl kill --kill-whom=`: which of a service's processes get the signal.
enum class KillWhom { All, Main, Control };

KillWhom parse_kill_whom(const std::string& word) {
    static constexpr units::NamedValue<KillWhom> kWhom[] = {
        {"all", KillWhom::All}, {"main", KillWhom::Main}, {"control", KillWhom::Control}};
    return units::value_named(kWhom, word).value_or(KillWhom::All);
}

}  // namespace

/// Parsed systemctl command line.
struct Supervisor::Options {
    std::string verb;
    std::vector<std::string> units;
    bool quiet = false;
    bool now = false;
    bool no_block = false;
    bool all = false;
    bool value_only = false;
    bool no_legend = false;
    bool wait = false;
    int lines = 10;
    std::vector<std::string> properties;
    std::string type;
    std::vector<std::string> states;
    std::optional<int> signal;
    KillWhom kill_whom = KillWhom::All;
};

Supervisor::Options Supervisor::parse_options(const std::vector<std::string>& args) {
    Options o;
    std::vector<std::string> positional;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        auto value = [&](const std::string& long_name) -> std::optional<std::string> {
            if (arg.rfind(long_name + "=", 0) == 0) {
                return arg.substr(long_name.size() + 1);
            }
            return std::nullopt;
        };
        auto next = [&]() -> std::string {
            return i + 1 < args.size() ? args[++i] : std::string();
        };
        if (arg == "-q" || arg == "--quiet") {
            o.quiet = true;
        } else if (arg == "--now") {
            o.now = true;
        } else if (arg == "--no-block") {
            o.no_block = true;
        } else if (arg == "-a" || arg == "--all") {
            o.all = true;
        } else if (arg == "--value") {
            o.value_only = true;
        } else if (arg == "--no-legend") {
            o.no_legend = true;
        } else if (arg == "--wait") {
            o.wait = true;
        } else if (arg == "-p" || arg == "--property") {
            std::string list = next();
            std::replace(list.begin(), list.end(), ',', ' ');
            for (auto& p : units::split_words(list)) {
                o.properties.push_back(p);
            }
        } else if (auto v = value("--property")) {
            std::replace(v->begin(), v->end(), ',', ' ');
            for (auto& p : units::split_words(*v)) {
                o.properties.push_back(p);
            }
        } else if (arg.rfind("-P", 0) == 0 && arg.size() == 2) {
            o.properties.push_back(next());
            o.value_only = true;
        } else if (arg == "-n" || arg == "--lines") {
            o.lines = std::atoi(next().c_str());
        } else if (auto lines = value("--lines")) {
            o.lines = std::atoi(lines->c_str());
        } else if (arg.rfind("-n", 0) == 0 && arg.size() > 2) {
            o.lines = std::atoi(arg.c_str() + 2);
        } else if (arg == "-t" || arg == "--type") {
            o.type = next();
        } else if (auto type = value("--type")) {
            o.type = *type;
        } else if (auto state = value("--state")) {
            std::replace(state->begin(), state->end(), ',', ' ');
            o.states = units::split_words(*state);
        } else if (arg == "-s" || arg == "--signal") {
            o.signal = units::parse_signal(next());
        } else if (auto signal = value("--signal")) {
            o.signal = units::parse_signal(*signal);
        } else if (auto whom = value("--kill-whom")) {
            o.kill_whom = parse_kill_whom(*whom);
        } else if (auto who = value("--kill-who")) {
            o.kill_whom = parse_kill_whom(*who);
        } else if (arg == "-o" || arg == "--output" || arg == "--job-mode" || arg == "-H" ||
                   arg == "-M") {
            next();
        } else if (!arg.empty() && arg[0] == '-') {
            // --no-pager, --plain, --full, --system, --no-reload, --no-ask-password, ...: no effect
            // here
        } else {
            positional.push_back(arg);
        }
    }
    if (positional.empty()) {
        o.verb = "list-units";
    } else {
        o.verb = positional.front();
        o.units.assign(positional.begin() + 1, positional.end());
    }
    for (auto& unit : o.units) {
        unit = units::normalize_unit_name(unit);
    }
    return o;
}

Reply Supervisor::handle(const std::vector<std::string>& args, uid_t caller_uid) {
    const Options o = parse_options(args);
    const std::string& verb = o.verb;
    // Verbs that change units and name them; then the others that change state, or read it.
    static const std::set<std::string> unit_changes = {"start",
                                                       "stop",
                                                       "restart",
                                                       "reload",
                                                       "try-restart",
                                                       "reload-or-restart",
                                                       "try-reload-or-restart",
                                                       "condrestart",
                                                       "force-reload",
                                                       "enable",
                                                       "disable",
                                                       "reenable",
                                                       "mask",
                                                       "unmask",
                                                       "kill"};
    const bool changes_units = unit_changes.count(verb) != 0;
    const bool mutating = changes_units || verb == "reset-failed" || verb == "daemon-reload" ||
                          verb == "daemon-reexec";
    if (caller_uid != 0 && mutating) {
        return {1, "", "Failed to " + verb + ": Access denied\n"};
    }
    const bool needs_units = changes_units || verb == "is-active" || verb == "is-enabled" ||
                             verb == "is-failed" || verb == "cat";
    if (needs_units && o.units.empty()) {
        return {1, "", "Too few arguments.\n"};
    }
    return run_verb(o);
}

Reply Supervisor::run_verb(const Options& o) {
    const std::string& verb = o.verb;
    if (verb == "start" || verb == "restart" || verb == "try-restart" || verb == "condrestart" ||
        verb == "reload-or-restart" || verb == "try-reload-or-restart" || verb == "force-reload") {
        return verb == "force-reload" ? cmd_reload(o, o.units, "reload-or-restart")
                                      : cmd_start(o, o.units, verb);
    }
    if (verb == "stop") {
        return cmd_stop(o, o.units);
    }
    if (verb == "reload") {
        return cmd_reload(o, o.units, verb);
    }
    if (verb == "enable" || verb == "reenable") {
        return cmd_enable(o, o.units);
    }
    if (verb == "disable") {
        return cmd_disable(o, o.units);
    }
    if (verb == "mask" || verb == "unmask") {
        return cmd_mask(o.units, verb == "mask");
    }
    if (verb == "is-active" || verb == "is-enabled" || verb == "is-failed") {
        return cmd_is(o, o.units, verb);
    }
    if (verb == "status") {
        return cmd_status(o, o.units);
    }
    if (verb == "show") {
        return cmd_show(o, o.units);
    }
    if (verb == "cat") {
        return cmd_cat(o.units);
    }
    if (verb == "list-units") {
        return cmd_list_units(o);
    }
    if (verb == "list-unit-files") {
        return cmd_list_unit_files(o);
    }
    if (verb == "kill") {
        return cmd_kill(o, o.units);
    }
    if (verb == "reset-failed") {
        return cmd_reset_failed(o.units);
    }
    if (verb == "daemon-reload") {
        return cmd_daemon_reload();
    }
    if (verb == "daemon-reexec") {
        return {};
    }
    if (verb == "is-system-running") {
        return cmd_is_system_running(o);
    }
    if (verb == "poweroff" || verb == "reboot" || verb == "halt" || verb == "kexec") {
        return {1, "",
                "Failed to " + verb +
                    ": not supported inside a jujusim machine (power it off from the host)\n"};
    }
    return {1, "", "Unknown command verb '" + verb + "'.\n"};
}

Reply Supervisor::cmd_start(const Options& o, const std::vector<std::string>& names,
                            const std::string& verb) {
    Reply reply;
    for (const auto& name : names) {
        Service* sp = nullptr;
        {
            std::lock_guard lock(mutex_);
            sp = &service(name);
            load(*sp);
            if (sp->not_found) {
                reply.err += "Failed to " + std::string(verb == "start" ? "start" : "restart") +
                             " " + name + ": Unit " + name + " not found.\n";
                reply.exit_code = 5;
                continue;
            }
            if (changed_on_disk(*sp)) {
                reply.err += "Warning: The unit file, source configuration file or drop-ins of " +
                             name +
                             " changed on disk. Run 'systemctl daemon-reload' to reload units.\n";
            }
            const bool running = sp->active == ActiveState::Active ||
                                 sp->active == ActiveState::Reloading ||
                                 sp->active == ActiveState::Activating;
            if ((verb == "try-restart" || verb == "condrestart" ||
                 verb == "try-reload-or-restart") &&
                !running) {
                continue;
            }
        }
        auto job = [this, sp, verb]() -> std::pair<JobResult, std::string> {
            std::unique_lock job_lock(*sp->job_mutex);
            {
                std::lock_guard lock(mutex_);
                sp->job_active = true;
            }
            std::string error;
            JobResult result = JobResult::Done;
            const bool reload_instead =
                (verb == "reload-or-restart" || verb == "try-reload-or-restart") &&
                !sp->def.exec_reload.empty() && sp->active == ActiveState::Active;
            if (reload_instead) {
                result = reload_job(*sp, error);
            } else {
                if (verb != "start") {
                    stop_job(*sp, true);
                }
                result = start_job(*sp, error);
            }
            std::lock_guard lock(mutex_);
            finish_job(*sp);
            return {result, error};
        };
        if (o.no_block) {
            std::thread([job] { guarded("job", job); }).detach();
            continue;
        }
        const auto [result, error] = job();
        if (result == JobResult::Failed) {
            if (error.rfind("Unit ", 0) == 0) {
                reply.err += "Failed to " + std::string(verb == "start" ? "start" : "restart") +
                             " " + name + ": " + error + "\n";
                reply.exit_code = error.find("not found") != std::string::npos ? 5 : 1;
            } else if (!error.empty() && error.find('\n') != std::string::npos) {
                reply.err += error + "\n";
                reply.exit_code = 1;
            } else {
                reply.err += job_failure_message(name, std::nullopt) + "\n";
                reply.exit_code = 1;
            }
        }
    }
    return reply;
}

Reply Supervisor::cmd_stop(const Options& o, const std::vector<std::string>& names) {
    Reply reply;
    for (const auto& name : names) {
        Service* sp = nullptr;
        {
            std::lock_guard lock(mutex_);
            sp = &service(name);
            load(*sp);
            if (sp->not_found && sp->active == ActiveState::Inactive) {
                reply.err += "Failed to stop " + name + ": Unit " + name + " not loaded.\n";
                reply.exit_code = 5;
                continue;
            }
        }
        auto job = [this, sp] {
            std::unique_lock job_lock(*sp->job_mutex);
            {
                std::lock_guard lock(mutex_);
                sp->job_active = true;
            }
            stop_job(*sp, false);
            std::lock_guard lock(mutex_);
            finish_job(*sp);
        };
        if (o.no_block) {
            std::thread([job] { guarded("job", job); }).detach();
        } else {
            job();
        }
    }
    return reply;
}

Reply Supervisor::cmd_reload(const Options& o, const std::vector<std::string>& names,
                             const std::string& verb) {
    if (verb == "reload-or-restart") {
        return cmd_start(o, names, verb);
    }
    Reply reply;
    for (const auto& name : names) {
        Service* sp = nullptr;
        {
            std::lock_guard lock(mutex_);
            sp = &service(name);
            load(*sp);
            if (sp->not_found) {
                reply.err += "Failed to reload " + name + ": Unit " + name + " not found.\n";
                reply.exit_code = 5;
                continue;
            }
        }
        std::unique_lock job_lock(*sp->job_mutex);
        {
            std::lock_guard lock(mutex_);
            sp->job_active = true;
        }
        std::string error;
        const auto result = reload_job(*sp, error);
        {
            std::lock_guard lock(mutex_);
            finish_job(*sp);
        }
        if (result == JobResult::Failed) {
            reply.err += error.rfind("Job for", 0) == 0
                             ? error + "\n"
                             : "Failed to reload " + name + ": " + error + "\n";
            reply.exit_code = 1;
        }
    }
    return reply;
}

std::string Supervisor::unit_file_state(const Service& s) const {
    std::error_code ec;
    const fs::path etc = "/etc/systemd/system";
    if (fs::is_symlink(etc / s.name, ec) && fs::read_symlink(etc / s.name, ec) == "/dev/null") {
        return "masked";
    }
    if (s.not_found) {
        return "";
    }
    for (const auto& entry : fs::directory_iterator(etc, ec)) {
        const auto dir = entry.path().filename().string();
        if ((dir.size() > 6 && dir.substr(dir.size() - 6) == ".wants") ||
            (dir.size() > 9 && dir.substr(dir.size() - 9) == ".requires")) {
            if (fs::exists(fs::symlink_status(entry.path() / s.name, ec))) {
                return "enabled";
            }
        }
    }
    if (!s.def.has_install_section ||
        (s.def.wanted_by.empty() && s.def.required_by.empty() && s.def.also.empty())) {
        return "static";
    }
    return "disabled";
}

Reply Supervisor::cmd_enable(const Options& o, const std::vector<std::string>& names) {
    Reply reply;
    std::vector<std::string> started;
    for (const auto& name : names) {
        std::lock_guard lock(mutex_);
        auto& s = service(name);
        s.loaded = false;  // enable reads the file on disk, as systemctl does
        load(s);
        if (s.not_found) {
            reply.err += "Failed to enable unit: Unit file " + name + " does not exist.\n";
            reply.exit_code = 1;
            return reply;
        }
        if (s.masked) {
            reply.err +=
                "Failed to enable unit: Unit file /etc/systemd/system/" + name + " is masked.\n";
            reply.exit_code = 1;
            return reply;
        }
        if (s.def.wanted_by.empty() && s.def.required_by.empty()) {
            reply.err +=
                "The unit files have no installation config (WantedBy=, RequiredBy=, UpheldBy=,\n"
                "Also=, or Alias= settings in the [Install] section, and DefaultInstance= for\n"
                "template units). This means they are not meant to be enabled or disabled using "
                "systemctl.\n";
        }
        auto link = [&](const std::string& target, const std::string& kind) {
            const fs::path dir = fs::path("/etc/systemd/system") / (target + kind);
            std::error_code ec;
            fs::create_directories(dir, ec);
            const fs::path path = dir / s.name;
            if (fs::exists(fs::symlink_status(path, ec))) {
                return;
            }
            fs::create_symlink(s.file.fragment_path, path, ec);
            if (!ec) {
                reply.err += "Created symlink '" + path.string() + "' \u2192 '" +
                             s.file.fragment_path.string() + "'.\n";
            }
        };
        for (const auto& target : s.def.wanted_by) {
            link(target, ".wants");
        }
        for (const auto& target : s.def.required_by) {
            link(target, ".requires");
        }
        started.push_back(name);
    }
    if (o.now && reply.exit_code == 0) {
        Options start = o;
        const auto started_reply = cmd_start(start, started, "start");
        reply.err += started_reply.err;
        reply.exit_code = started_reply.exit_code;
    }
    return reply;
}

Reply Supervisor::cmd_disable(const Options& o, const std::vector<std::string>& names) {
    Reply reply;
    for (const auto& name : names) {
        std::lock_guard lock(mutex_);
        auto& s = service(name);
        load(s);
        std::error_code ec;
        bool had_links = false;
        for (const auto& entry : fs::directory_iterator("/etc/systemd/system", ec)) {
            const auto dir = entry.path().filename().string();
            if ((dir.size() > 6 && dir.substr(dir.size() - 6) == ".wants") ||
                (dir.size() > 9 && dir.substr(dir.size() - 9) == ".requires")) {
                const auto path = entry.path() / s.name;
                if (fs::exists(fs::symlink_status(path, ec)) && fs::remove(path, ec)) {
                    reply.err += "Removed '" + path.string() + "'.\n";
                    had_links = true;
                }
            }
        }
        if (s.not_found && !had_links) {
            reply.err += "Failed to disable unit: Unit file " + name + " does not exist.\n";
            reply.exit_code = 1;
            return reply;
        }
    }
    if (o.now) {
        const auto stopped = cmd_stop(o, names);
        reply.err += stopped.err;
    }
    return reply;
}

Reply Supervisor::cmd_mask(const std::vector<std::string>& names, bool mask) {
    Reply reply;
    for (const auto& name : names) {
        const fs::path path = fs::path("/etc/systemd/system") / name;
        std::error_code ec;
        if (mask) {
            if (fs::exists(fs::symlink_status(path, ec)) && !fs::is_symlink(path, ec)) {
                reply.err += "Failed to mask unit: File " + path.string() + " already exists.\n";
                reply.exit_code = 1;
                continue;
            }
            fs::remove(path, ec);
            fs::create_symlink("/dev/null", path, ec);
            reply.err += "Created symlink '" + path.string() + "' \u2192 '/dev/null'.\n";
        } else if (fs::is_symlink(path, ec) && fs::read_symlink(path, ec) == "/dev/null") {
            fs::remove(path, ec);
            reply.err += "Removed '" + path.string() + "'.\n";
        }
        std::lock_guard lock(mutex_);
        auto& s = service(name);
        s.loaded = false;
        load(s);
    }
    return reply;
}

Reply Supervisor::cmd_is(const Options& o, const std::vector<std::string>& names,
                         const std::string& verb) {
    Reply reply;
    bool any = false;
    for (const auto& name : names) {
        std::lock_guard lock(mutex_);
        auto& s = service(name);
        load(s);
        std::string answer;
        bool yes = false;
        if (verb == "is-active") {
            answer = to_string(s.active);
            yes = s.active == ActiveState::Active || s.active == ActiveState::Reloading;
        } else if (verb == "is-failed") {
            answer = to_string(s.active);
            yes = s.active == ActiveState::Failed;
        } else {
            answer = unit_file_state(s);
            if (answer.empty()) {
                reply.err +=
                    "Failed to get unit file state for " + name + ": No such file or directory\n";
                reply.exit_code = 1;
                return reply;
            }
            yes = answer == "enabled" || answer == "static" || answer == "enabled-runtime" ||
                  answer == "alias" || answer == "indirect" || answer == "generated";
        }
        any = any || yes;
        if (!o.quiet) {
            reply.out += answer + "\n";
        }
    }
    if (verb == "is-active") {
        reply.exit_code = any ? 0 : 3;
    } else {
        reply.exit_code = any ? 0 : 1;
    }
    return reply;
}

std::string Supervisor::status_text(Service& s, int lines) {
    drain_notify(s);  // a MAINPID= hand-over (re-exec on reload) already sent counts
    std::ostringstream out;
    const char* dot = s.active == ActiveState::Active || s.active == ActiveState::Reloading
                          ? "\u25cf"
                      : s.active == ActiveState::Failed ? "\u00d7"
                                                        : "\u25cb";
    out << dot << " " << s.name;
    if (!s.def.description.empty()) {
        out << " - " << s.def.description;
    }
    out << "\n";
    if (s.masked) {
        out << "     Loaded: masked (Reason: Unit " << s.name << " is masked.)\n";
    } else {
        const std::string state = unit_file_state(s);
        out << "     Loaded: loaded (" << s.file.fragment_path.string() << "; " << state
            << "; preset: enabled)\n";
    }
    if (!s.file.dropin_paths.empty()) {
        std::map<std::string, std::vector<std::string>> by_dir;
        for (const auto& path : s.file.dropin_paths) {
            by_dir[path.parent_path().string()].push_back(path.filename().string());
        }
        bool first = true;
        for (const auto& [dir, files] : by_dir) {
            out << (first ? "    Drop-In: " : "             ") << dir << "\n";
            out << "             \u2514\u2500" << util::join(files, ", ") << "\n";
            first = false;
        }
    }
    out << "     Active: " << to_string(s.active);
    if (std::string_view(to_string(s.sub)) != to_string(s.active)) {
        out << " (" << to_string(s.sub) << ")";
    }
    if (s.result != ServiceResult::Success &&
        (s.active == ActiveState::Failed || s.sub == SubState::AutoRestart)) {
        out << " (Result: " << to_string(s.result) << ")";
    }
    out << " since " << format_timestamp(s.state_change_time) << "; "
        << format_ago(s.state_change_time) << "\n";
    if (s.condition_failed) {
        out << "  Condition: start condition unmet\n             \u2514\u2500 "
            << *s.condition_failed << " was not met\n";
    }
    if (!s.def.documentation.empty()) {
        out << "       Docs: " << util::join(s.def.documentation, "\n             ") << "\n";
    }
    for (const auto& record : s.control_records) {
        out << "    Process: " << record.pid << " " << record.setting << "=" << record.command
            << " (code=" << record.code << ", status=" << record.status_text << ")\n";
    }
    const bool running = s.main_pid > 0 && !s.main_exited && process_exists(s.main_pid);
    if (running) {
        out << "   Main PID: " << s.main_pid << " (" << comm_of(s.main_pid) << ")\n";
    } else if (s.last_main.pid > 0 && !s.last_main.code.empty()) {
        out << "   Main PID: " << s.last_main.pid << " (code=" << s.last_main.code
            << ", status=" << s.last_main.status_text << ")\n";
    }
    if (!s.status_text.empty()) {
        out << "     Status: \"" << s.status_text << "\"\n";
    }
    const auto processes = service_processes(s);
    if (!processes.empty()) {
        out << "      Tasks: " << processes.size() << "\n";
        out << "     CGroup: /system.slice/" << s.name << "\n";
        for (size_t i = 0; i < processes.size(); ++i) {
            std::string command;
            try {
                command =
                    util::read_regular_file("/proc/" + std::to_string(processes[i]) + "/cmdline")
                        .value_or("");
            } catch (const util::FileError&) {
                // The process is exiting; it is listed without its command line.
            }
            std::replace(command.begin(), command.end(), '\0', ' ');
            out << "             " << (i + 1 == processes.size() ? "\u2514\u2500" : "\u251c\u2500")
                << processes[i] << " " << util::trim(command) << "\n";
        }
    }
    if (lines > 0) {
        const auto entries = read_unit_log(logs_.directory(), s.name, lines);
        if (!entries.empty()) {
            out << "\n";
            for (const auto& entry : entries) {
                out << entry.short_format() << "\n";
            }
        }
    }
    return out.str();
}

Reply Supervisor::cmd_status(const Options& o, const std::vector<std::string>& names) {
    Reply reply;
    std::vector<std::string> targets = names;
    std::lock_guard lock(mutex_);
    if (targets.empty()) {
        reply.out = hostname_ + "\n    State: " + to_string(system_state_) + "\n";
        return reply;
    }
    bool all_active = true;
    bool first = true;
    for (const auto& name : targets) {
        auto& s = service(name);
        load(s);
        if (s.not_found && s.active == ActiveState::Inactive) {
            reply.err += "Unit " + name + " could not be found.\n";
            reply.exit_code = 4;
            continue;
        }
        if (!first) {
            reply.out += "\n";
        }
        first = false;
        reply.out += status_text(s, o.lines);
        if (changed_on_disk(s)) {
            reply.out += "Warning: The unit file, source configuration file or drop-ins of " +
                         name +
                         " changed on disk. Run 'systemctl daemon-reload' to reload units.\n";
        }
        all_active =
            all_active && (s.active == ActiveState::Active || s.active == ActiveState::Reloading);
    }
    if (reply.exit_code == 0 && !all_active) {
        reply.exit_code = 3;
    }
    return reply;
}

Reply Supervisor::cmd_show(const Options& o, const std::vector<std::string>& names) {
    Reply reply;
    std::lock_guard lock(mutex_);
    bool first = true;
    for (const auto& name : names) {
        auto& s = service(name);
        load(s);
        drain_notify(s);
        const bool running = s.main_pid > 0 && !s.main_exited;
        const std::vector<std::pair<std::string, std::string>> properties = {
            {"Type", units::to_string(s.def.type)},
            {"Restart", units::to_string(s.def.restart)},
            {"PIDFile", s.def.pid_file},
            {"NRestarts", std::to_string(s.restarts)},
            {"MainPID", std::to_string(running ? s.main_pid : 0)},
            {"ControlPID", std::to_string(s.control_pid)},
            {"StatusText", s.status_text},
            {"Result", to_string(s.result)},
            {"ExecMainPID", std::to_string(s.last_main.pid)},
            {"ExecMainCode", s.last_main.code.empty()       ? "0"
                             : s.last_main.code == "exited" ? "1"
                                                            : "2"},
            {"ExecMainStatus", std::to_string(s.last_main.status)},
            {"User", s.def.user},
            {"Group", s.def.group},
            {"Id", s.name},
            {"Names", s.name},
            {"Description", s.def.description},
            {"LoadState", s.not_found ? "not-found"
                          : s.masked  ? "masked"
                                      : "loaded"},
            {"ActiveState", to_string(s.active)},
            {"SubState", to_string(s.sub)},
            {"FragmentPath", s.file.fragment_path.string()},
            {"DropInPaths",
             [&] {
                 std::vector<std::string> paths;
                 for (const auto& p : s.file.dropin_paths) {
                     paths.push_back(p.string());
                 }
                 return util::join(paths, " ");
             }()},
            {"UnitFileState", unit_file_state(s)},
            {"InvocationID", s.invocation_id},
            {"CanReload", s.def.exec_reload.empty() ? "no" : "yes"},
            {"ConditionResult", s.condition_failed ? "no" : "yes"},
            {"After", util::join(s.def.after, " ")},
            {"WantedBy", util::join(s.def.wanted_by, " ")},
            {"NeedDaemonReload", changed_on_disk(s) ? "yes" : "no"},
        };
        if (!first && o.properties.empty()) {
            reply.out += "\n";
        }
        first = false;
        for (const auto& [key, value] : properties) {
            if (!o.properties.empty() &&
                std::find(o.properties.begin(), o.properties.end(), key) == o.properties.end()) {
                continue;
            }
            reply.out += o.value_only ? value + "\n" : key + "=" + value + "\n";
        }
        // Asked-for properties we do not model print empty, as systemd prints unset ones.
        for (const auto& wanted : o.properties) {
            if (std::none_of(properties.begin(), properties.end(),
                             [&](const auto& p) { return p.first == wanted; })) {
                reply.out += o.value_only ? "\n" : wanted + "=\n";
            }
        }
    }
    return reply;
}

Reply Supervisor::cmd_cat(const std::vector<std::string>& names) {
    Reply reply;
    std::lock_guard lock(mutex_);
    for (const auto& name : names) {
        auto& s = service(name);
        s.loaded = false;
        load(s);
        if (s.not_found) {
            reply.err += "No files found for " + name + ".\n";
            reply.exit_code = 1;
            continue;
        }
        for (const auto& path : [&] {
                 std::vector<fs::path> paths{s.file.fragment_path};
                 paths.insert(paths.end(), s.file.dropin_paths.begin(), s.file.dropin_paths.end());
                 return paths;
             }()) {
            reply.out += "# " + path.string() + "\n" +
                         util::read_regular_file_following(path).value_or("") + "\n";
        }
    }
    return reply;
}

Reply Supervisor::cmd_list_units(const Options& o) {
    Reply reply;
    std::lock_guard lock(mutex_);
    // Every unit file the machine has, so --all lists inactive ones too.
    if (o.all) {
        for (const auto& dir : unit_dirs()) {
            std::error_code ec;
            for (const auto& entry : fs::directory_iterator(dir, ec)) {
                if (entry.path().extension() == ".service" &&
                    entry.path().filename().string().find('@') == std::string::npos) {
                    load(service(entry.path().filename().string()));
                }
            }
        }
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& [name, s] : services_) {
        if (s->not_found && s->active == ActiveState::Inactive) {
            continue;
        }
        const std::string active = to_string(s->active);
        if (!o.all && o.states.empty() && s->active == ActiveState::Inactive) {
            continue;
        }
        if (!o.states.empty() &&
            std::find(o.states.begin(), o.states.end(), active) == o.states.end() &&
            std::find(o.states.begin(), o.states.end(), to_string(s->sub)) == o.states.end()) {
            continue;
        }
        rows.push_back(
            {name, s->masked ? "masked" : "loaded", active, to_string(s->sub), s->def.description});
    }
    size_t width[4] = {4, 4, 6, 3};
    for (const auto& row : rows) {
        for (size_t i = 0; i < 4; ++i) {
            width[i] = std::max(width[i], row[i].size());
        }
    }
    auto line = [&](const std::vector<std::string>& row, const std::string& mark) {
        std::string text = mark;
        for (size_t i = 0; i < 4; ++i) {
            text += row[i] + std::string(width[i] - row[i].size() + 1, ' ');
        }
        return text + row[4] + "\n";
    };
    if (!o.no_legend) {
        reply.out += line({"UNIT", "LOAD", "ACTIVE", "SUB", "DESCRIPTION"}, "  ");
    }
    for (const auto& row : rows) {
        reply.out += line(row, row[2] == "failed" ? "\u25cf " : "  ");
    }
    if (!o.no_legend) {
        reply.out +=
            "\nLegend: LOAD   \u2192 Reflects whether the unit definition was properly loaded.\n"
            "        ACTIVE \u2192 The high-level unit activation state, i.e. generalization of "
            "SUB.\n"
            "        SUB    \u2192 The low-level unit activation state, values depend on unit "
            "type.\n\n" +
            std::to_string(rows.size()) + " loaded units listed.\n";
    }
    return reply;
}

Reply Supervisor::cmd_list_unit_files(const Options& o) {
    Reply reply;
    std::lock_guard lock(mutex_);
    std::map<std::string, std::string> files;
    for (const auto& dir : unit_dirs()) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            const auto name = entry.path().filename().string();
            if (entry.path().extension() == ".service" && !files.count(name)) {
                auto& s = service(name);
                load(s);
                files[name] = name.find('@') != std::string::npos ? "indirect" : unit_file_state(s);
            }
        }
    }
    if (!o.no_legend) {
        reply.out += "UNIT FILE STATE\n";
    }
    for (const auto& [name, state] : files) {
        reply.out += name + " " + state + "\n";
    }
    if (!o.no_legend) {
        reply.out += "\n" + std::to_string(files.size()) + " unit files listed.\n";
    }
    return reply;
}

Reply Supervisor::cmd_kill(const Options& o, const std::vector<std::string>& names) {
    Reply reply;
    const int signal = o.signal.value_or(SIGTERM);
    std::lock_guard lock(mutex_);
    for (const auto& name : names) {
        auto& s = service(name);
        load(s);
        std::vector<pid_t> targets;
        if (o.kill_whom == KillWhom::Main) {
            if (s.main_pid > 0) {
                targets.push_back(s.main_pid);
            }
        } else if (o.kill_whom == KillWhom::Control) {
            if (s.control_pid > 0) {
                targets.push_back(s.control_pid);
            }
        } else {
            targets = service_processes(s);
        }
        if (targets.empty()) {
            reply.err += "Failed to kill unit " + name + ": No main process to kill\n";
            reply.exit_code = 1;
            continue;
        }
        for (const pid_t pid : targets) {
            ::kill(pid, signal);
        }
    }
    return reply;
}

Reply Supervisor::cmd_reset_failed(const std::vector<std::string>& names) {
    std::lock_guard lock(mutex_);
    for (auto& [name, s] : services_) {
        if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
            continue;
        }
        s->recent_starts.clear();
        if (s->active == ActiveState::Failed) {
            s->result = ServiceResult::Success;
            set_state(*s, ActiveState::Inactive, SubState::Dead);
        }
    }
    return {};
}

Reply Supervisor::cmd_daemon_reload() {
    std::lock_guard lock(mutex_);
    for (auto& [name, s] : services_) {
        s->loaded = false;
        s->not_found = false;
        load(*s);
    }
    return {};
}

Reply Supervisor::cmd_is_system_running(const Options& o) {
    std::unique_lock lock(mutex_);
    if (o.wait) {
        changed_.wait(lock, [&] {
            return system_state_ != SystemState::Starting &&
                   system_state_ != SystemState::Initializing;
        });
    }
    Reply reply;
    if (!o.quiet) {
        reply.out = std::string(to_string(system_state_)) + "\n";
    }
    reply.exit_code = system_state_ == SystemState::Running ? 0 : 1;
    return reply;
}

}  // namespace jujusim::init
