#include "supervisor_util.hpp"

#include <ctime>
#include <map>

#include <signal.h>
#include <sys/wait.h>

#include <slurmctld/util/proc.hpp>

#include "sys.hpp"

namespace jujusim::init::detail {

/// "code=exited, status=1/FAILURE" and friends, as systemd logs a process end.
std::pair<std::string, std::string> describe_wait_status(int status) {
    if (WIFEXITED(status)) {
        const int code = WEXITSTATUS(status);
        static const std::map<int, std::string> names = {
            {0, "SUCCESS"},      {1, "FAILURE"},      {2, "INVALIDARGUMENT"}, {3, "NOTIMPLEMENTED"},
            {4, "NOPERMISSION"}, {5, "NOTINSTALLED"}, {6, "NOTCONFIGURED"},   {7, "NOTRUNNING"},
            {200, "CHDIR"},      {203, "EXEC"},       {205, "LIMITS"},        {216, "GROUP"},
            {217, "USER"}};
        const auto it = names.find(code);
        const std::string name = it == names.end() ? "" : it->second;
        return {"exited", std::to_string(code) + (name.empty() ? "" : "/" + name)};
    }
    const int signal = WTERMSIG(status);
    return {WCOREDUMP(status) ? "dumped" : "killed",
            std::to_string(signal) + "/" + units::signal_name(signal)};
}

std::string format_timestamp(WallClock::time_point when) {
    const std::time_t t = WallClock::to_time_t(when);
    std::tm local{};
    ::localtime_r(&t, &local);
    char text[64];
    std::strftime(text, sizeof text, "%a %Y-%m-%d %H:%M:%S %Z", &local);
    return text;
}

std::string format_ago(WallClock::time_point when) {
    auto seconds =
        std::chrono::duration_cast<std::chrono::seconds>(WallClock::now() - when).count();
    if (seconds < 0) {
        seconds = 0;
    }
    if (seconds < 60) {
        return std::to_string(seconds) + "s ago";
    }
    if (seconds < 3600) {
        return std::to_string(seconds / 60) + "min " + std::to_string(seconds % 60) + "s ago";
    }
    return std::to_string(seconds / 3600) + "h " + std::to_string((seconds % 3600) / 60) +
           "min ago";
}

std::string comm_of(pid_t pid) {
    const auto stat = util::read_proc_stat(pid);
    return stat ? stat->comm : "?";
}

/// "name - description" as systemd names a unit in its messages (the name alone without one).
std::string display_name(const std::string& name, const units::ServiceDefinition& def) {
    return def.description.empty() ? name : name + " - " + def.description;
}

bool process_exists(pid_t pid) {
    const auto stat = util::read_proc_stat(pid);
    return stat && stat->state != 'Z' && stat->state != 'X';
}

}  // namespace jujusim::init::detail
