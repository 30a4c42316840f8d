// A slurmd unit that leaves (remove-unit, scale down) takes its dynamic node out of Slurm:
// upstream 1a76e16/68801b4 make the controller's leader run `scontrol delete
// nodename=<unit name with '-'>` on slurmd relation-departed, so that removed nodes do not stay
// DOWN forever (slurmd no longer deletes itself). Here the leader notes the node in the peer
// application data in that hook (a new leader reads it there) and deletes every noted node while
// its controller answers, once each: a controller that is down or a node that still runs jobs
// is tried again by the next hook.
#include <algorithm>

#include <nlohmann/json.hpp>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/integrations.hpp>
#include <slurmctld/slurm/names.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;

namespace {

/// The departing unit of this hook, when it is a slurmd unit leaving this leader's relation.
/// `rejections`: where a departing unit whose name is no node name is reported (nullptr: not).
std::optional<std::string> departing_node(const HookScope& scope,
                                          std::vector<Rejection>* rejections) {
    const auto& event = scope.facts.context.relation;
    if (!event || event->kind != juju::RelationEventKind::Departed ||
        event->endpoint != kSlurmdEndpoint || event->departing_unit.empty() ||
        event->departing_unit == scope.facts.unit()) {
        return std::nullopt;
    }
    auto node = departed_node_name(event->departing_unit);
    if (!node.has_value()) {
        if (rejections != nullptr) {
            log::error("{}", node.error().describe());
            rejections->push_back(node.error());
        }
        return std::nullopt;
    }
    return std::move(node).value();
}

/// The noted nodes and this hook's departing one.
std::vector<std::string> pending_deletions(const HookScope& scope) {
    auto pending = scope.facts.peers.departed_nodes;
    const auto departed = departing_node(scope, nullptr);
    if (departed && std::find(pending.begin(), pending.end(), *departed) == pending.end()) {
        pending.push_back(*departed);
    }
    return pending;
}

void write_pending(HookScope& scope, const std::vector<std::string>& pending) {
    scope.tools.relation_set(*scope.facts.peers.relation,
                             {{std::string(kPeerDepartedNodesKey),
                               pending.empty() ? "" : nlohmann::json(pending).dump()}},
                             /*app=*/true);
}

bool may_delete(const HookScope& scope) {
    return scope.facts.leader && !scope.facts.dying && scope.facts.peers.relation.has_value();
}

}  // namespace

void note_departed_node(HookScope& scope, Outcome& outcome) {
    if (!may_delete(scope)) {
        return;
    }
    const auto departed = departing_node(scope, &outcome.rejections);
    const auto& noted = scope.facts.peers.departed_nodes;
    if (!departed || std::find(noted.begin(), noted.end(), *departed) != noted.end()) {
        return;
    }
    log::info("deleting compute node '{}' from {} after node departure", *departed,
              scope.facts.peers.cluster_name);
    // Written now, before the controller steps: a hook that stops there still leaves the node
    // noted for the next one.
    write_pending(scope, pending_deletions(scope));
}

void delete_departed_nodes(HookScope& scope, Outcome& outcome) {
    if (!may_delete(scope)) {
        return;
    }
    const auto pending = pending_deletions(scope);
    if (pending.empty()) {
        return;
    }
    std::vector<std::string> left;
    for (const auto& node : pending) {
        const auto result = scope.host.scontrol({"delete", "nodename=" + node});
        // A node Slurm no longer knows is as good as deleted (a retried hook, an admin).
        if (result.ok() || result.stderr_text.find("Invalid node name") != std::string::npos) {
            log::info("deleted compute node '{}'", node);
            continue;
        }
        log::error("failed to delete compute node '{}' from {}. reason:\n{}", node,
                   scope.facts.peers.cluster_name, result.stderr_text);
        left.push_back(node);
    }
    if (!left.empty()) {
        outcome.stopped = Stop{juju::WorkloadState::Blocked,
                               "Failed to delete departing compute node `" + left.front() +
                                   "` from Slurm. See `juju debug-log` for details"};
    }
    if (left != pending) {
        write_pending(scope, left);
    }
}

}  // namespace slurmctld::charm
