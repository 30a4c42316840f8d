#include <algorithm>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/facts.hpp>
#include <slurmctld/host/packages.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using juju::RelationEventKind;

const ControllerUnit* PeerFacts::member(std::string_view unit) const {
    const auto found = std::find_if(members.begin(), members.end(),
                                    [&](const ControllerUnit& m) { return m.unit == unit; });
    return found == members.end() ? nullptr : &*found;
}

const ControllerUnit* PeerFacts::member_with_hostname(std::string_view hostname) const {
    const auto found = std::find_if(members.begin(), members.end(), [&](const ControllerUnit& m) {
        return !hostname.empty() && m.hostname == hostname;
    });
    return found == members.end() ? nullptr : &*found;
}

std::vector<ControllerUnit> staying_members(const Facts& facts) {
    std::vector<ControllerUnit> staying;
    for (const auto& member : facts.peers.members) {
        const bool planned =
            facts.planned_units.empty() || facts.planned_units.count(member.unit) != 0;
        if (planned && !member.hostname.empty()) {
            staying.push_back(member);
        }
    }
    return staying;
}

std::vector<std::string> arriving_units(const Facts& facts) {
    std::vector<std::string> arriving;
    for (const auto& unit : facts.planned_units) {
        const auto* member = facts.peers.member(unit);
        if (member == nullptr || member->hostname.empty()) {
            arriving.push_back(unit);
        }
    }
    return arriving;
}

bool all_units_observed(const Facts& facts) {
    return arriving_units(facts).empty();
}

std::optional<slurm::SlurmVersion> installed_slurm(host::Host& host) {
    const auto installed = host::installed_version(host, kPackage);
    if (!installed) {
        return std::nullopt;
    }
    auto parsed = slurm::SlurmVersion::parse(*installed);
    if (!parsed.has_value()) {
        log::warning("cannot read the Slurm version from `{}`: {}", *installed,
                     parsed.error().message);
        return std::nullopt;
    }
    return parsed.value();
}

namespace {

PeerFacts load_peers(const juju::HookContext& context, const std::string& hostname,
                     juju::HookTools& tools, std::vector<Rejection>& rejections) {
    PeerFacts view;
    view.members.push_back({context.unit_name, hostname});
    const auto ids = tools.relation_ids(kPeerEndpoint);
    if (ids.empty()) {
        return view;
    }
    view.relation = ids.front();
    // Juju puts every unit's address in its own databag (ingress-address): what SlurmctldHost
    // entries and the clients' controller list use, so that no machine needs another's name to
    // resolve.
    if (auto own =
            peer_address(context.unit_name, tools.relation_get(*view.relation, context.unit_name));
        own.has_value()) {
        view.members.front().address = std::move(own).value();
    }
    for (const auto& unit : tools.relation_list(*view.relation)) {
        const auto data = tools.relation_get(*view.relation, unit);
        std::string peer_host;
        if (const auto found = data.find(std::string(kPeerHostnameKey)); found != data.end()) {
            auto checked = peer_hostname(unit, found->second);
            if (checked.has_value()) {
                peer_host = std::move(checked).value();
            } else {
                rejections.push_back(checked.error());
            }
        }
        std::string peer_ip;
        if (auto address = peer_address(unit, data); address.has_value()) {
            peer_ip = std::move(address).value();
        } else {
            rejections.push_back(address.error());
        }
        ControllerUnit member{unit, peer_host, peer_ip};
        if (const auto found = data.find(std::string(kPeerTakeoverKey)); found != data.end()) {
            auto checked = peer_takeover(unit, found->second);
            if (checked.has_value()) {
                member.takeover = std::move(checked).value();
            } else {
                rejections.push_back(checked.error());
            }
        }
        view.members.push_back(std::move(member));
    }
    auto app = peer_app_data(tools.relation_get_app(*view.relation, context.app_name),
                             context.app_name, rejections);
    view.cluster_name = std::move(app.cluster_name);
    view.restart_signal = std::move(app.restart_signal);
    view.statefs_id = std::move(app.statefs_id);
    view.controller_unit = std::move(app.controller_unit);
    view.controller_form_chosen = !app.controller_form.empty();
    view.controllers_by_name = app.controller_form == kControllerFormNames;
    view.departed_nodes = std::move(app.departed_nodes);
    return view;
}

/// Juju runs only teardown hooks for a dying unit: departed (this unit departing), broken,
/// stop, remove. A broken hook does not say why the relation went, so the first teardown hook
/// records it in unit state, and goal-state settles a broken hook that comes first.
bool is_dying(const juju::HookContext& context, juju::HookTools& tools) {
    const auto& hook = context.hook_name;
    if (hook == "stop" || hook == "remove") {
        return true;
    }
    if (!context.relation) {
        return false;
    }
    if (context.relation->kind == RelationEventKind::Departed &&
        context.relation->departing_unit == context.unit_name) {
        return true;
    }
    if (tools.state_get().count(std::string(kStateDying)) != 0) {
        return true;
    }
    if (context.relation->kind != RelationEventKind::Broken) {
        return false;
    }
    const auto goal = tools.goal_state();
    const auto self = goal.units.find(context.unit_name);
    return self != goal.units.end() && self->second.status == "dying";
}

}  // namespace

Facts load_facts(const juju::HookContext& context, juju::HookTools& tools, host::Host& host) {
    Facts facts;
    facts.context = context;
    facts.hostname = host.short_hostname();
    facts.slurm = installed_slurm(host);
    facts.dying = is_dying(context, tools);
    facts.leader = tools.is_leader();
    if (facts.dying) {
        // A unit going away hands over, stops and leaves the controller list: until it
        // changes that list (teardown.cpp) it needs none of the rest.
        return facts;
    }
    load_remaining_facts(facts, tools);
    if (facts.leader) {
        for (const auto& [unit, entry] : tools.goal_state().units) {
            if (entry.status != "dying") {
                facts.planned_units.insert(unit);
            }
        }
    }
    return facts;
}

void load_remaining_facts(Facts& facts, juju::HookTools& tools) {
    facts.config = CharmConfig::from_json(tools.config_get(), facts.slurm);
    facts.peers = load_peers(facts.context, facts.hostname, tools, facts.rejections);
    facts.mount_related = !tools.relation_ids(kMountEndpoint).empty();
    for (const auto& rejection : facts.rejections) {
        log::error("{}", rejection.describe());
    }
}

}  // namespace slurmctld::charm
