#include <chrono>
#include <iostream>
#include <regex>
#include <thread>

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <jujusim/cli.hpp>
#include <jujusim/controller.hpp>
#include <jujusim/debug_log.hpp>
#include <jujusim/flags.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/image.hpp>
#include <jujusim/unix_socket.hpp>
#include <slurmctld/util/files.hpp>
#include <slurmctld/util/proc.hpp>
#include <slurmctld/util/random.hpp>
#include <slurmctld/util/strings.hpp>

#include "../machine/sys.hpp"

namespace jujusim {

namespace {

const char* usage_text =
    R"(Usage: jujusim <command> [options]   (a local, juju-like engine; commands as juju's)

Models:      add-model NAME [--no-switch] [--config machine-type=host|namespace]
             models [--format json] | switch NAME | destroy-model NAME [--no-prompt]
Deploying:   deploy CHARM [APP] [-n N] [--config K=V]...   (CHARM: .charm, directory, filesystem-client)
               [--machine-type host|namespace]   (not juju: this application's machines)
             add-unit APP [-n N] | remove-unit UNIT... | remove-application APP
             refresh APP --path CHARM   (upgrade-charm)
             integrate A[:EP] B[:EP] | remove-relation A[:EP] B[:EP]
             config APP [K[=V]...] [--reset K] | model-config [K[=V]...]
Operating:   run UNIT|APP/leader ACTION [K=V...] [--params FILE] | exec --unit UNIT -- CMD... | ssh UNIT CMD
             resolved UNIT [--no-retry] | poweroff MACHINE|UNIT | poweron MACHINE|UNIT
Testing:     tick [UNIT...] (update-status now) | tick --secrets (secret rotations due now)
             model-config test-kill-hook=UNIT:HOOK:N|after=TEXT (not juju: SIGKILL that hook at its
                 Nth tool call or its first once it logged TEXT; HOOK may be *)
Looking:     status [--format json|yaml] | show-unit UNIT | hooks [--unit U]
             debug-log [-n N] [--include UNIT|APP] [--level L] [--tail (follow until killed)]
             wait [--timeout 10m] (fails naming units in error) | secrets | show-secret ID | show-model | show-task ID | actions APP
Every command takes -m/--model NAME|DIR. Models live under $JUJUSIM_HOME (default /var/lib/jujusim).
)";

/// model.json of a model directory ("" when there is none).
std::string read_model_file(const fs::path& dir) {
    return slurmctld::util::read_regular_file(dir / "model.json", kMaxModelFileSize).value_or("");
}

/// Makes `name` the current model (current-model names it).
void set_current_model(const fs::path& home, const std::string& name) {
    slurmctld::util::write_file_atomic(home / "current-model", name + "\n");
}

fs::path self_directory() {
    std::error_code error;
    const fs::path exe = fs::read_symlink("/proc/self/exe", error);
    return error ? fs::current_path() : exe.parent_path();
}

bool valid_model_name(const std::string& name) {
    static const std::regex pattern("[a-z0-9]+[a-z0-9-]*");
    return std::regex_match(name, pattern);
}

/// The model a command addresses: -m NAME or a directory path, else the current model.
fs::path model_dir_for(const std::string& selector) {
    if (selector.find('/') != std::string::npos) {
        return fs::absolute(selector);
    }
    return jujusim_home() / "models" / selector;
}

std::string current_model() {
    const std::string name(slurmctld::util::trim(
        slurmctld::util::read_regular_file(jujusim_home() / "current-model").value_or("")));
    return name.empty() ? "default" : name;
}

/// The model's controller, when controller.pid names a live process that is still the one it
/// recorded (pid and start time: a PID reused by another process is never signalled).
std::optional<sys::RecordedProcess> running_controller(const fs::path& model_dir) {
    return sys::find_recorded_process(model_dir / "controller.pid");
}

bool controller_answers(const fs::path& model_dir) {
    try {
        const json reply =
            call_json(model_dir / "controller.sock", json{{"args", {"ping"}}, {"cwd", "/"}});
        return reply.value("code", 1) == 0;
    } catch (const std::exception&) {
        return false;
    }
}

void create_model(const fs::path& dir, const std::string& name, const std::string& machine_type) {
    fs::create_directories(dir);
    json model{{"name", name},
               {"uuid", slurmctld::util::random_uuid_v4()},
               {"machine_type", machine_type},
               {"created_at", to_epoch(Clock::now())}};
    slurmctld::util::AtomicWriteOptions options;
    options.mode = 0600;  // as the controller keeps it: it will hold the model's secrets
    slurmctld::util::write_file_atomic(dir / "model.json", model.dump(1) + "\n", options);
}

std::string default_machine_type() {
    const char* env = std::getenv("JUJUSIM_MACHINE_TYPE");
    return env != nullptr && *env != '\0' ? env : "namespace";
}

int print_result(const json& reply) {
    std::cout << reply.value("stdout", "");
    std::cerr << reply.value("stderr", "");
    std::cout.flush();
    return reply.value("code", 1);
}

int destroy_model(const fs::path& dir) {
    // Read before the controller removes its pid file on exit.
    const auto controller = running_controller(dir);
    if (controller_answers(dir)) {
        try {
            call_json(dir / "controller.sock", json{{"args", {"destroy"}}, {"cwd", "/"}});
        } catch (const std::exception&) {
        }
    }
    if (controller) {
        const auto alive = [&] { return slurmctld::util::is_running(controller->process); };
        for (int i = 0; i < 300 && alive(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
        if (alive()) {
            ::kill(controller->process.pid, SIGKILL);
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }
    std::error_code error;
    fs::remove_all(dir, error);
    if (error) {
        std::cerr << "ERROR cannot remove " << dir << ": " << error.message() << "\n";
        return 1;
    }
    return 0;
}

}  // namespace

fs::path jujusim_home() {
    const char* env = std::getenv("JUJUSIM_HOME");
    return env != nullptr && *env != '\0' ? fs::path(env) : fs::path("/var/lib/jujusim");
}

void ensure_controller(const fs::path& model_dir) {
    if (controller_answers(model_dir)) {
        return;
    }
    // One starter at a time per model: the lock file serialises concurrent CLIs.
    const fs::path lock_path = model_dir / "controller.lock";
    const int lock_fd = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    if (lock_fd < 0) {
        throw std::runtime_error("cannot open " + lock_path.string());
    }
    ::flock(lock_fd, LOCK_EX);
    struct Unlock {
        int fd;
        ~Unlock() {
            ::flock(fd, LOCK_UN);
            ::close(fd);
        }
    } unlock{lock_fd};
    if (controller_answers(model_dir)) {
        return;
    }
    if (const auto stuck = running_controller(model_dir)) {
        // A controller that does not answer is stuck: end it (it is ours: its pid file records
        // its pid and start time).
        ::kill(stuck->process.pid, SIGKILL);
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    const std::string dir = model_dir.string();
    const std::string log = (model_dir / "controller.log").string();
    sys::DaemonOptions daemon;
    daemon.argv = {(self_directory() / "jujusim").string(), "controller", "--model-dir", dir};
    for (char** variable = environ; *variable != nullptr; ++variable) {
        daemon.env.emplace_back(*variable);
    }
    daemon.log_path = log;
    daemon.log_mode = 0600;
    daemon.working_directory = "/";
    daemon.detached = true;
    sys::start_daemon(daemon);
    for (int i = 0; i < 200; ++i) {
        if (controller_answers(model_dir)) {
            return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    throw std::runtime_error("the controller of " + dir + " did not start; see " + log);
}

int run_controller(const std::vector<std::string>& args) {
    FlagSet flags;
    flags.value({"model-dir"});
    flags.parse(args);
    const fs::path dir = flags.get("model-dir");
    if (dir.empty()) {
        std::cerr << "ERROR --model-dir required\n";
        return 2;
    }
    ::signal(SIGPIPE, SIG_IGN);
    sys::record_process(dir / "controller.pid", ::getpid());
    const char* tools_env = std::getenv("JUJUSIM_JUJUC");
    const fs::path tools = tools_env != nullptr ? fs::path(tools_env) : self_directory() / "jujuc";
    int code = 0;
    try {
        Controller controller(dir, tools);
        controller.serve();
        controller.stop();
    } catch (const std::exception& error) {
        std::cerr << "controller failed: " << error.what() << "\n";
        code = 1;
    }
    std::error_code ignored;
    fs::remove(dir / "controller.sock", ignored);
    fs::remove(dir / "controller.pid", ignored);
    return code;
}

namespace {

int cli_version(const std::vector<std::string>& rest) {
    FlagSet flags;
    flags.value({"format"}, "smart").boolean({"all"}).value({"o", "output"});
    flags.parse(rest);
    const std::string version = "3.6.12-genericlinux-amd64";
    if (flags.get("format") == "json") {
        std::cout << go_json(json{{"version", version},
                                  {"git-commit", "jujusim"},
                                  {"git-tree-state", "clean"},
                                  {"compiler", "gc"}})
                  << "\n";
    } else {
        std::cout << version << "\n";
    }
    return 0;
}

int cli_add_model(const std::vector<std::string>& rest, const fs::path& home) {
    FlagSet flags;
    flags.boolean({"no-switch"})
        .value({"config"})
        .value({"controller", "c"})
        .value({"credential"})
        .value({"owner"})
        .value({"target-controller"});
    flags.parse(rest);
    if (flags.positional.empty()) {
        throw UserError("model name is required");
    }
    const std::string name = flags.positional[0];
    if (!valid_model_name(name)) {
        throw UserError("\"" + name +
                        "\" is not a valid name: model names may only contain lowercase "
                        "letters, digits and hyphens");
    }
    std::string machine_type = default_machine_type();
    for (const auto& item : flags.all("config")) {
        if (item.starts_with("machine-type=")) {
            machine_type = item.substr(13);
        }
    }
    if (machine_type != "host" && machine_type != "namespace") {
        throw UserError("machine-type must be host or namespace");
    }
    const fs::path dir = home / "models" / name;
    if (fs::exists(dir / "model.json")) {
        throw UserError("model \"" + name + "\" already exists");
    }
    create_model(dir, name, machine_type);
    if (!flags.on("no-switch")) {
        set_current_model(home, name);
    }
    ensure_controller(dir);
    for (const auto& item : flags.all("config")) {
        if (item.starts_with("machine-type=")) {
            continue;
        }
        const json reply =
            call_json(dir / "controller.sock",
                      json{{"args", {"model-config", item}}, {"cwd", fs::current_path().string()}});
        if (reply.value("code", 1) != 0) {
            return print_result(reply);
        }
    }
    for (const auto& item : flags.positional) {
        if (&item != &flags.positional[0]) {
            std::cerr << "jujusim: cloud \"" << item << "\" has no effect here (ignored)\n";
        }
    }
    std::cerr << "Added '" << name
              << "' model on jujusim/local with credential 'jujusim' for user 'admin'\n";
    return 0;
}

int cli_switch(const std::vector<std::string>& rest, const fs::path& home) {
    FlagSet flags;
    flags.parse(rest);
    if (flags.positional.empty()) {
        std::cout << "jujusim:admin/" << current_model() << "\n";
        return 0;
    }
    std::string name = flags.positional[0];
    if (name.find(':') != std::string::npos) {
        name = name.substr(name.find(':') + 1);
    }
    if (name.starts_with("admin/")) {
        name = name.substr(6);
    }
    if (!fs::exists(home / "models" / name / "model.json")) {
        throw UserError("\"" + name + "\" is not the name of a model or controller");
    }
    const std::string previous = current_model();
    set_current_model(home, name);
    std::cerr << "jujusim:admin/" << previous << " -> jujusim:admin/" << name << "\n";
    return 0;
}

int cli_models(const std::vector<std::string>& rest, const fs::path& home) {
    FlagSet flags;
    flags.value({"format"}, "tabular")
        .value({"o", "output"})
        .boolean({"all"})
        .boolean({"uuid"})
        .value({"controller", "c"})
        .value({"user"});
    flags.parse(rest);
    json models = json::array();
    std::vector<std::vector<std::string>> rows;
    if (fs::exists(home / "models")) {
        std::vector<fs::path> dirs;
        for (const auto& entry : fs::directory_iterator(home / "models")) {
            if (fs::exists(entry.path() / "model.json")) {
                dirs.push_back(entry.path());
            }
        }
        std::sort(dirs.begin(), dirs.end());
        for (const auto& dir : dirs) {
            json model = json::parse(read_model_file(dir), nullptr, false);
            if (model.is_discarded()) {
                continue;
            }
            const std::string name = model.value("name", dir.filename().string());
            const std::size_t machines = model.contains("machines") ? model["machines"].size() : 0;
            const std::size_t units = model.contains("units") ? model["units"].size() : 0;
            models.push_back(json{{"name", "admin/" + name},
                                  {"short-name", name},
                                  {"model-uuid", model.value("uuid", "")},
                                  {"model-type", "iaas"},
                                  {"controller-uuid", model.value("uuid", "")},
                                  {"controller-name", "jujusim"},
                                  {"is-controller", false},
                                  {"owner", "admin"},
                                  {"cloud", "jujusim"},
                                  {"region", "local"},
                                  {"type", "jujusim"},
                                  {"life", "alive"},
                                  {"status", json{{"current", "available"}}},
                                  {"access", "admin"},
                                  {"last-connection", "just now"},
                                  {"machines", json::object()},
                                  {"agent-version", "3.6.12"}});
            rows.push_back({name + (name == current_model() ? "*" : ""), "jujusim/local", "jujusim",
                            "available", std::to_string(machines), std::to_string(units), "admin",
                            "just now"});
        }
    }
    if (flags.get("format") == "json") {
        std::cout << go_json(json{{"models", models}, {"current-model", current_model()}}) << "\n";
        return 0;
    }
    if (flags.get("format") == "yaml") {
        std::cout << go_yaml(json{{"models", models}, {"current-model", current_model()}});
        return 0;
    }
    std::cout << "Controller: jujusim\n\n";
    rows.insert(rows.begin(), {"Model", "Cloud/Region", "Type", "Status", "Machines", "Units",
                               "Access", "Last connection"});
    std::vector<std::size_t> widths(rows[0].size(), 0);
    for (const auto& row : rows) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], row[i].size());
        }
    }
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i) {
            std::string cell = row[i];
            if (i + 1 < row.size()) {
                cell.resize(widths[i] + 2, ' ');
            }
            line += cell;
        }
        std::cout << line << "\n";
    }
    return 0;
}

int cli_destroy_model(const std::vector<std::string>& rest, const fs::path& home) {
    FlagSet flags;
    flags.boolean({"no-prompt"})
        .boolean({"y"})
        .boolean({"destroy-storage"})
        .boolean({"release-storage"})
        .boolean({"force"})
        .boolean({"no-wait"})
        .value({"timeout"});
    flags.parse(rest);
    if (flags.positional.empty()) {
        throw UserError("no model specified");
    }
    std::string name = flags.positional[0];
    if (name.find(':') != std::string::npos && name.find('/') == std::string::npos) {
        name = name.substr(name.find(':') + 1);
    }
    if (name.starts_with("admin/")) {
        name = name.substr(6);
    }
    const fs::path dir = model_dir_for(name);
    if (!fs::exists(dir / "model.json")) {
        throw UserError("model jujusim:admin/" + name + " not found");
    }
    const int code = destroy_model(dir);
    if (code == 0 && current_model() == dir.filename().string()) {
        fs::remove(home / "current-model");
    }
    if (code == 0) {
        std::cerr << "Destroying model\nModel destroyed.\n";
    }
    return code;
}

/// -m/--model pulled out wherever it is (jubilant puts it right after the verb), as
/// {model selector, the rest of argv}.
std::pair<std::string, std::vector<std::string>> take_model_selector(
    const std::vector<std::string>& args_in) {
    const std::string& verb = args_in[0];
    std::string selector;
    std::vector<std::string> args{verb};
    for (std::size_t i = 1; i < args_in.size(); ++i) {
        const std::string& arg = args_in[i];
        if (arg == "--") {
            args.insert(args.end(), args_in.begin() + static_cast<long>(i), args_in.end());
            break;
        }
        if ((arg == "-m" || arg == "--model") && i + 1 < args_in.size()) {
            selector = args_in[++i];
        } else if (arg.starts_with("--model=")) {
            selector = arg.substr(8);
        } else if (arg.starts_with("-m") && arg.size() > 2 && arg[2] != '-') {
            selector = arg.substr(2);
        } else {
            args.push_back(arg);
        }
    }
    // [controller:][user/]model: only the model part means anything here.
    if (selector.find(':') != std::string::npos && selector.find('/') == std::string::npos) {
        selector = selector.substr(selector.find(':') + 1);
    }
    if (!selector.empty() && selector.find('/') != std::string::npos && !fs::exists(selector) &&
        selector.find("admin/") == 0) {
        selector = selector.substr(6);
    }
    return {selector, args};
}

/// The directory of the model `selector` names (the current model when empty); it must exist.
fs::path existing_model_dir(const std::string& selector) {
    const std::string model = selector.empty() ? current_model() : selector;
    const fs::path dir = model_dir_for(model);
    if (!fs::exists(dir / "model.json")) {
        throw UserError("model jujusim:admin/" + model + " not found");
    }
    return dir;
}

/// `debug-log --tail`: the last lines (10 unless -n/--limit/--replay say otherwise, as juju),
/// then every new one as it is logged, until the process is killed or the model goes.
int cli_debug_log_follow(const std::vector<std::string>& rest, const std::string& selector) {
    FlagSet flags;
    declare_debug_log_flags(flags);
    flags.parse(rest);
    const DebugLogFilter filter = DebugLogFilter::from_flags(flags);
    const fs::path dir = existing_model_dir(selector);
    const fs::path log = dir / "debug.log";
    std::uintmax_t offset = 0;
    const auto backlog = read_debug_log(log, filter, offset);
    const std::size_t shown =
        std::min(backlog.size(), debug_log_backlog(flags, backlog.size(), 10));
    for (std::size_t i = backlog.size() - shown; i < backlog.size(); ++i) {
        std::cout << backlog[i] << '\n';
    }
    std::cout.flush();
    while (fs::exists(dir / "model.json")) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        std::error_code error;
        if (fs::file_size(log, error) < offset && !error) {
            offset = 0;  // the log was replaced
        }
        for (const auto& line : read_debug_log(log, filter, offset)) {
            std::cout << line << '\n';
        }
        std::cout.flush();
        if (!std::cout) {
            return 0;  // nobody reads any more
        }
    }
    return 0;
}

bool follows(const std::vector<std::string>& rest) {
    FlagSet flags;
    declare_debug_log_flags(flags);
    flags.parse(rest);
    return flags.on("tail") && !flags.on("no-tail");
}

/// Every other verb goes to the model's controller (started when it is not running).
int forward_to_controller(std::vector<std::string> args, std::string selector) {
    // show-model NAME names its model like -m does.
    if (args.front() == "show-model" && selector.empty()) {
        for (std::size_t i = 1; i < args.size(); ++i) {
            if (!args[i].starts_with("-") && (i == 1 || args[i - 1] != "--format")) {
                selector = args[i];
                if (selector.find(':') != std::string::npos) {
                    selector = selector.substr(selector.find(':') + 1);
                }
                if (selector.starts_with("admin/")) {
                    selector = selector.substr(6);
                }
                args.erase(args.begin() + static_cast<long>(i));
                break;
            }
        }
    }
    // Everything else goes to the model's controller.
    const std::string model = selector.empty() ? current_model() : selector;
    const fs::path dir = model_dir_for(model);
    if (!fs::exists(dir / "model.json")) {
        if (selector.empty() && model == "default") {
            create_model(dir, "default", default_machine_type());
        } else {
            throw UserError("model jujusim:admin/" + model + " not found");
        }
    }
    ensure_controller(dir);
    if (!args.empty() && (args.front() == "deploy" || args.front() == "add-unit")) {
        // Machines need the prepared image: build it here, where the user sees the progress,
        // rather than silently inside the controller (about a minute, first time only).
        const json model_json = json::parse(read_model_file(dir), nullptr, false);
        if (!model_json.is_discarded() && model_json.value("machine_type", "") == "namespace") {
            const json config = model_json.value("config", json::object());
            const auto spec =
                ImageSpec::named(config.value(kMachineImage, std::string(kDefaultImage)));
            if (spec && !image_is_current(*spec)) {
                std::cerr << "Preparing the machine image " << spec->name << " (first use only)\n";
                ensure_image(*spec,
                             [](const std::string& line) { std::cerr << "  " << line << "\n"; });
            }
        }
    }
    const json reply = call_json(dir / "controller.sock",
                                 json{{"args", args}, {"cwd", fs::current_path().string()}});
    return print_result(reply);
}

}  // namespace

int run_cli(const std::vector<std::string>& args_in) {
    if (args_in.empty() || args_in[0] == "help" || args_in[0] == "--help" || args_in[0] == "-h") {
        std::cout << usage_text;
        return args_in.empty() ? 2 : 0;
    }
    const std::string verb = args_in[0];
    if (verb == "controller") {
        return run_controller(std::vector<std::string>(args_in.begin() + 1, args_in.end()));
    }

    auto [selector, args] = take_model_selector(args_in);
    const std::vector<std::string> rest(args.begin() + 1, args.end());
    const fs::path home = jujusim_home();

    try {
        if (verb == "version") {
            return cli_version(rest);
        }
        if (verb == "add-model") {
            return cli_add_model(rest, home);
        }
        if (verb == "switch") {
            return cli_switch(rest, home);
        }
        if (verb == "models" || verb == "list-models") {
            return cli_models(rest, home);
        }
        if (verb == "destroy-model") {
            return cli_destroy_model(rest, home);
        }
        if (verb == "debug-log" && follows(rest)) {
            return cli_debug_log_follow(rest, selector);
        }

        return forward_to_controller(std::move(args), std::move(selector));
    } catch (const FlagError& error) {
        std::cerr << "ERROR " << error.what() << "\n";
        return 2;
    } catch (const UserError& error) {
        std::cerr << "ERROR " << error.what() << "\n";
        return 1;
    } catch (const std::exception& error) {
        std::cerr << "ERROR " << error.what() << "\n";
        return 1;
    }
}

}  // namespace jujusim
