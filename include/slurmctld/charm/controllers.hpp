// The SlurmctldHost list: its order is the failover order (first = primary), so it must stay
// stable across scaling and be computed the same way by whichever unit leads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace slurmctld::charm {

/// A unit of this application as the leader sees it in the peer relation (or itself).
struct ControllerUnit {
    ControllerUnit() = default;
    ControllerUnit(std::string unit_name, std::string host_name, std::string ip = {})
        : unit(std::move(unit_name)), hostname(std::move(host_name)), address(std::move(ip)) {}

    std::string unit;      ///< "slurmctld/3"
    std::string hostname;  ///< short hostname it published; empty when not yet published
    std::string address;   ///< its ingress address from Juju; empty when unknown
    /// Its `takeover` token (kPeerTakeoverKey); empty when it never ran the action.
    std::string takeover;
};

/// One SlurmctldHost entry: `host` or `host(address)`. Slurm compares `host` with the machine's
/// short host name to know which controller it is, and connects to `address` (no name lookup
/// between machines, so no DNS is needed where Juju machines' names do not resolve).
struct ControllerEntry {
    std::string host;
    std::string address;
    std::string str() const { return address.empty() ? host : host + "(" + address + ")"; }
    bool operator==(const ControllerEntry&) const = default;
};

/// Reads an entry as slurm.conf holds it; an address that is not an IP address (the file may
/// have been written by others) is dropped.
ControllerEntry parse_controller_entry(std::string_view entry);

/// The entries for `planned` host names, in order: with the address of the member that has the
/// host name, else the address the current entry had, else the bare name; `by_name`: every
/// one the bare name (kPeerControllerFormKey).
std::vector<std::string> controller_entries(const std::vector<std::string>& planned,
                                            const std::vector<ControllerUnit>& members,
                                            const std::vector<std::string>& current_entries,
                                            bool by_name = false);

/// Number of a unit name ("slurmctld/12" -> 12); nullopt for a malformed name.
std::optional<int> unit_number(const std::string& unit);

/// Upstream's rule (upstream.md §2.3) made deterministic: controllers already in `current` keep
/// their order when their unit is still a member; departed ones are dropped; members not yet
/// listed are appended by unit number. Members without a hostname are not listed.
std::vector<std::string> plan_controllers(const std::vector<std::string>& current,
                                          const std::vector<ControllerUnit>& members);

/// "<address or host>:6817" for each SlurmctldHost entry, in order (the `controllers` value sent
/// to clients: they pass it to --conf-server, which takes an address as well as a name).
std::vector<std::string> controller_endpoints(const std::vector<std::string>& entries);

}  // namespace slurmctld::charm
