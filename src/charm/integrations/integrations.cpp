// The integrations' place in the reconcile, and what they share.
#include <sstream>

#include <slurmctld/charm/integrations.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;

namespace {

/// KEY=value lines of /etc/os-release (quotes removed).
std::string os_release_value(const std::string& text, const std::string& key) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(key + "=", 0) == 0) {
            std::string value = line.substr(key.size() + 1);
            if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
                value = value.substr(1, value.size() - 2);
            }
            return value;
        }
    }
    return {};
}

}  // namespace

std::string Platform::describe() const {
    std::string name = id.empty() ? std::string("this platform") : id;
    if (!name.empty() && name != "this platform") {
        name[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(name[0])));
    }
    return version_id.empty() ? name : name + " " + version_id;
}

Platform read_platform(host::Host& host) {
    Platform platform;
    if (const auto text = host.read_file("/etc/os-release")) {
        platform.id = os_release_value(*text, "ID");
        platform.version_id = os_release_value(*text, "VERSION_ID");
        platform.codename = os_release_value(*text, "VERSION_CODENAME");
    }
    return platform;
}

void configure_integrations(HookScope& scope, Outcome& outcome) {
    note_departed_node(scope, outcome);
    publish_cos_agent(scope, outcome);
    write_oci_conf(scope, outcome);
    configure_profiling(scope, outcome);
    configure_mail(scope, outcome);
}

void after_controller_runs(HookScope& scope, Outcome& outcome) {
    delete_departed_nodes(scope, outcome);
}

}  // namespace slurmctld::charm
