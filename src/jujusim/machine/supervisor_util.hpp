// Helpers shared by the init's service manager (supervisor.cpp) and its systemctl commands
// (systemctl_commands.cpp): wording and formats as systemd uses them.
#pragma once

#include <chrono>
#include <exception>
#include <iostream>
#include <string>
#include <utility>
#include <vector>

#include <sys/types.h>

#include <jujusim/unit_file.hpp>

namespace jujusim::init::detail {

using WallClock = std::chrono::system_clock;

/// "code=exited, status=1/FAILURE" and friends, as systemd logs a process end.
std::pair<std::string, std::string> describe_wait_status(int status);
std::string format_timestamp(WallClock::time_point when);
std::string format_ago(WallClock::time_point when);
std::string comm_of(pid_t pid);
/// "name - description" as systemd names a unit in its messages (the name alone without one).
std::string display_name(const std::string& name, const units::ServiceDefinition& def);
bool process_exists(pid_t pid);

/// Runs a thread's work; an exception must not end PID 1 (std::terminate would power the
/// machine off), so it is reported on the console instead.
template <class Work>
void guarded(const char* what, Work&& work) noexcept {
    try {
        work();
    } catch (const std::exception& error) {
        std::cerr << "jujusim init: " << what << ": " << error.what() << std::endl;
    } catch (...) {
        std::cerr << "jujusim init: " << what << ": unknown error" << std::endl;
    }
}

}  // namespace jujusim::init::detail
