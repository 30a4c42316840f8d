// A slurmd unit that leaves (remove-unit, scale down) takes its dynamic node out of Slurm:
// upstream 1a76e16/68801b4 make the controller's leader run `scontrol delete
// nodename=<unit name with '-'>` on slurmd relation-departed, so that removed nodes do not stay
// DOWN forever (slurmd no longer deletes itself). Here the leader notes the node in its unit
// state in that hook and deletes every noted node while its controller answers, once each: a
// controller that is down or a node that still runs jobs is tried again by the next hook.
#include <algorithm>

#include <nlohmann/json.hpp>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/integrations.hpp>
#include <slurmctld/slurm/names.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;

namespace {

/// Unit state key (leader): nodes of departed slurmd units not deleted yet, a JSON list.
constexpr std::string_view kStatePendingNodeDeletions = "departed_slurmd_nodes";

std::vector<std::string> pending_deletions(const std::map<std::string, std::string>& state) {
    const auto found = state.find(std::string(kStatePendingNodeDeletions));
    if (found == state.end()) {
        return {};
    }
    const auto parsed = nlohmann::json::parse(found->second, nullptr, /*allow_exceptions=*/false);
    std::vector<std::string> nodes;
    if (parsed.is_array()) {
        for (const auto& entry : parsed) {
            // Our own writing, checked again: it becomes an scontrol argument.
            if (entry.is_string() && !slurm::node_name_problem(entry.get<std::string>())) {
                nodes.push_back(entry.get<std::string>());
            }
        }
    }
    return nodes;
}

/// The departing unit of this hook, when it is a slurmd unit leaving this leader's relation.
std::optional<std::string> departing_node(HookScope& scope, Outcome& outcome) {
    const auto& event = scope.facts.context.relation;
    if (!event || event->kind != juju::RelationEventKind::Departed ||
        event->endpoint != kSlurmdEndpoint || event->departing_unit.empty() ||
        event->departing_unit == scope.facts.unit()) {
        return std::nullopt;
    }
    auto node = departed_node_name(event->departing_unit);
    if (!node.has_value()) {
        log::error("{}", node.error().describe());
        outcome.rejections.push_back(node.error());
        return std::nullopt;
    }
    return std::move(node).value();
}

}  // namespace

void note_departed_node(HookScope& scope, Outcome& outcome) {
    if (!scope.facts.leader || scope.facts.dying) {
        return;
    }
    const auto departed = departing_node(scope, outcome);
    if (!departed) {
        return;
    }
    const auto state = scope.tools.state_get();
    auto pending = pending_deletions(state);
    if (std::find(pending.begin(), pending.end(), *departed) != pending.end()) {
        return;
    }
    log::info("deleting compute node '{}' from {} after node departure", *departed,
              scope.facts.peers.cluster_name);
    pending.push_back(*departed);
    scope.tools.state_set(
        {{std::string(kStatePendingNodeDeletions), nlohmann::json(pending).dump()}});
}

void delete_departed_nodes(HookScope& scope, Outcome& outcome) {
    if (!scope.facts.leader || scope.facts.dying) {
        return;
    }
    const auto state = scope.tools.state_get();
    const auto pending = pending_deletions(state);
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
    if (left.empty()) {
        scope.tools.state_delete(kStatePendingNodeDeletions);
    } else if (left != pending) {
        scope.tools.state_set(
            {{std::string(kStatePendingNodeDeletions), nlohmann::json(left).dump()}});
    }
}

}  // namespace slurmctld::charm
