#include <slurmctld/host/services.hpp>
#include <slurmctld/util/process.hpp>
#include <slurmctld/util/strings.hpp>

namespace slurmctld::host {

namespace {

std::string trimmed(std::string_view text) {
    return std::string(util::trim_right(text, "\n "));
}

std::string command_line(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"systemctl"};
    argv.insert(argv.end(), args.begin(), args.end());
    return util::describe_command(argv);
}

void systemctl_verb(Host& host, std::string_view verb, std::string_view unit) {
    run_systemctl(host, {std::string(verb), std::string(unit)});
}

}  // namespace

ServiceError::ServiceError(const std::vector<std::string>& args, const CommandResult& result)
    : HostError("systemctl command '" + command_line(args) + "' failed with exit code " +
                std::to_string(result.exit_code) + ". reason: " + trimmed(result.stderr_text)),
      exit_code_(result.exit_code) {
}

void run_systemctl(Host& host, const std::vector<std::string>& args) {
    const CommandResult result = host.systemctl(args);
    if (!result.ok()) {
        throw ServiceError(args, result);
    }
}

void enable_service(Host& host, std::string_view unit) {
    systemctl_verb(host, "enable", unit);
}
void disable_service(Host& host, std::string_view unit) {
    systemctl_verb(host, "disable", unit);
}
void start_service(Host& host, std::string_view unit) {
    systemctl_verb(host, "start", unit);
}
void stop_service(Host& host, std::string_view unit) {
    systemctl_verb(host, "stop", unit);
}
void restart_service(Host& host, std::string_view unit) {
    systemctl_verb(host, "restart", unit);
}
void reload_service(Host& host, std::string_view unit) {
    systemctl_verb(host, "reload", unit);
}
void daemon_reload(Host& host) {
    run_systemctl(host, {"daemon-reload"});
}

bool service_is_active(Host& host, std::string_view unit) {
    return host.systemctl({"is-active", "--quiet", std::string(unit)}).ok();
}

}  // namespace slurmctld::host
