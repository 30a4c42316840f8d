// The SlurmctldHost list: its order is the failover order (first = primary), so it must stay
// stable across scaling and be computed the same way by whichever unit leads.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace slurmctld::charm {

/// A unit of this application as the leader sees it in the peer relation (or itself).
struct ControllerUnit {
    std::string unit;      ///< "slurmctld/3"
    std::string hostname;  ///< short hostname it published; empty when not yet published
};

/// Number of a unit name ("slurmctld/12" -> 12); nullopt for a malformed name.
std::optional<int> unit_number(const std::string& unit);

/// Upstream's rule (reference §2.3) made deterministic: controllers already in `current` keep
/// their order when their unit is still a member; departed ones are dropped; members not yet
/// listed are appended by unit number. Members without a hostname are not listed.
std::vector<std::string> plan_controllers(const std::vector<std::string>& current,
                                          const std::vector<ControllerUnit>& members);

/// "<host>:6817" for each controller, in order (the `controllers` value sent to clients).
std::vector<std::string> controller_endpoints(const std::vector<std::string>& controllers);

}  // namespace slurmctld::charm
