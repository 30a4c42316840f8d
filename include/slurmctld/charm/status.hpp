// The status catalogue: the conditions a unit's status comes from, in order, as data. The first
// condition that does not hold gives the status; when all hold the unit is active with its
// controller's "<mode> - <UP|DOWN>" (upstream's messages throughout, upstream.md §1.4-1.5).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <slurmctld/charm/controller_probe.hpp>
#include <slurmctld/charm/reconcile.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/slurm/scontrol_output.hpp>

namespace slurmctld::charm {

/// What the conditions look at: the hook's facts and outcome, and the machine as it is after
/// the reconcile (read when the view is made; the controllers' pings on first use).
class StatusView {
  public:
    StatusView(const Facts& facts, const Outcome& outcome, host::Host& host);

    const Facts& facts;
    const Outcome& outcome;
    host::Host& host;
    Placement placement;
    bool service_active = false;
    bool slurm_conf_present = false;
    std::vector<std::string> controllers;  ///< SlurmctldHost names, in order

    const std::vector<slurm::ControllerPing>& pings();

  private:
    std::optional<std::vector<slurm::ControllerPing>> pings_;
};

/// One entry of the catalogue: nullopt when the condition holds, else the status to show.
struct StatusCondition {
    std::string_view name;
    std::optional<Stop> (*unmet)(StatusView& view);
};

/// The catalogue, in evaluation order.
std::span<const StatusCondition> status_catalogue();

/// The unit's status: the first unmet condition, or active with the controller's status.
Stop evaluate_status(StatusView& view);

/// The statuses a hook set: the unit's, and the application's on the leader.
struct SetStatuses {
    Stop unit;
    std::optional<Stop> application;
};

/// Sets the unit status (and, on the leader, the application status naming the controller in
/// control) at the end of a hook.
SetStatuses set_status(HookScope& scope, const Outcome& outcome);

/// A step about to do something long (install, migrate, hand over) says so while it runs
/// (maintenance, as upstream does); the hook's final status replaces it. The only statuses
/// set outside set_status and the settled unit's refresh (settled.cpp, same lines as here).
void show_progress(juju::HookTools& tools, const std::string& message);

/// An active unit's message: "<mode> - <UP|DOWN>" of this host's controller, and the slow
/// shared file system when it is, then the integrations' notices (a feature the platform lacks).
std::string controller_status_line(const std::vector<slurm::ControllerPing>& pings,
                                   const std::string& hostname,
                                   const std::optional<std::chrono::microseconds>& slow_p99,
                                   const std::vector<std::string>& notices);

/// The leader's application status: "slurmctld/1 (backup) in control; 1 of 2 controllers UP"
/// (waiting when no controller is in control). `unit_of` names the unit of a host.
Stop application_status(host::Host& host, const std::vector<slurm::ControllerPing>& pings,
                        const std::string& hostname,
                        const std::function<std::string(const std::string&)>& unit_of);

}  // namespace slurmctld::charm
