// What the service manager's files share (supervisor.cpp, supervisor_processes.cpp,
// supervisor_jobs.cpp): systemd's paths and pre-exec exit steps, and the small rules of
// supervisor.cpp's.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <jujusim/unit_file.hpp>

#include "supervisor.hpp"

namespace jujusim::init::detail {

inline constexpr const char* kNotifyDir = "/run/jujusim/notify";
inline const std::vector<std::string> kWantsTargets = {"multi-user.target", "default.target",
                                                       "graphical.target"};

/// systemd's exit codes for a child that failed before exec.
enum ExitStep : int {
    kStepChdir = 200,
    kStepExec = 203,
    kStepGroup = 216,
    kStepUser = 217,
    kStepLimits = 205
};

const char* step_name(int step);
bool is_clean_exit(int status, const units::ServiceDefinition& def);
/// systemd's result for a process end (ExitCode, Signal, CoreDump).
ServiceResult result_of(int status);
bool should_restart(units::RestartPolicy policy, ServiceResult result);
/// systemctl's message for a start or reload job that failed with `result` (none: the
/// reason is not known), without the final newline.
std::string job_failure_message(const std::string& unit, std::optional<ServiceResult> result);
std::string limit_setting_name(int resource);
bool has_sys_resource_capability();

}  // namespace jujusim::init::detail
