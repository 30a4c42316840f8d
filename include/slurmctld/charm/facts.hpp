// What one hook knows before it acts, read once at its start: the event, leadership, the
// config options (validated), the peer relation (validated), whether the mount integration
// exists, the installed Slurm, and whether this unit is going away. Steps read these; they never
// ask Juju the same question again. What steps learn on the way (files written, services
// started) is the machine's, read from the host where it is needed.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include <slurmctld/charm/charm_config.hpp>
#include <slurmctld/charm/controllers.hpp>
#include <slurmctld/charm/inputs.hpp>
#include <slurmctld/host/host.hpp>
#include <slurmctld/juju/context.hpp>
#include <slurmctld/juju/hook_tools.hpp>
#include <slurmctld/slurm/version.hpp>

namespace slurmctld::charm {

/// The peer relation as this unit sees it; every value has passed inputs.hpp's checks (a bad
/// one is left out and reported in Facts::rejections).
struct PeerFacts {
    std::optional<juju::RelationId> relation;
    /// This unit first, then the peers in scope; hostname "" until published (or if rejected).
    std::vector<ControllerUnit> members;
    std::string cluster_name;
    std::string restart_signal;
    std::string statefs_id;
    /// Without the shared file system: the unit whose local state the controller runs on.
    std::string controller_unit;
    /// kPeerControllerFormKey: SlurmctldHost entries by name alone (a cluster refreshed from
    /// the upstream charm) instead of `host(address)`.
    bool controllers_by_name = false;
    bool controller_form_chosen = false;
    /// Nodes of departed slurmd units not deleted from Slurm yet (integrations/nodes.cpp).
    std::vector<std::string> departed_nodes;

    const ControllerUnit* member(std::string_view unit) const;
    const ControllerUnit* member_with_hostname(std::string_view hostname) const;
};

struct Facts {
    juju::HookContext context;
    std::string hostname;  ///< short host name, as Slurm compares it with SlurmctldHost
    bool leader = false;
    CharmConfig config;
    std::optional<slurm::SlurmVersion> slurm;  ///< the installed release; nullopt: not installed
    PeerFacts peers;
    bool mount_related = false;
    bool dying = false;  ///< this unit is going away (teardown instead of reconcile)
    /// Units of this application Juju plans to keep (goal-state, dying ones left out); empty
    /// when not asked (non-leaders).
    std::set<std::string> planned_units;
    std::vector<Rejection> rejections;

    const std::string& unit() const { return context.unit_name; }
};

/// Every unit Juju plans for this application is in the peer relation with its hostname.
bool all_units_observed(const Facts& facts);
/// The members that stay (not going away by goal-state), with a hostname: the units the
/// controller list is made of. A unit going away leaves it at once.
std::vector<ControllerUnit> staying_members(const Facts& facts);
/// Planned units not yet in the peer relation with a hostname (units still arriving).
std::vector<std::string> arriving_units(const Facts& facts);

/// Reads the facts of this hook: Juju's through `tools` (each question once), the machine's
/// through `host`.
/// A unit going away (facts.dying) gets only the context, the host's facts and leadership.
Facts load_facts(const juju::HookContext& context, juju::HookTools& tools, host::Host& host);

/// What load_facts leaves out for a unit going away: config, the peers, the mount relation.
void load_remaining_facts(Facts& facts, juju::HookTools& tools);

/// The installed Slurm release (dpkg), nullopt when it is not installed or unreadable.
std::optional<slurm::SlurmVersion> installed_slurm(host::Host& host);

}  // namespace slurmctld::charm
