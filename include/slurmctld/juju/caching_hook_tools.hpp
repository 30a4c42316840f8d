// A HookTools decorator that gives one hook Juju's snapshot semantics with the fewest tool calls
// (every call is a process and a controller round trip). Create one per hook, over the real
// tools; drop it when the hook ends.
//
// Cache rules (juju.md §2.3, §2.7, §2.18: reads inside a hook see a snapshot,
// and this hook's own writes are visible to it):
//   relation-ids, relation-list (units, --app), config-get, goal-state, leader-get, secret-ids,
//   opened-ports, network-get, unit-get, action-get: fetched at most once per hook (per argument).
//   relation-get: whole databags, once per (relation, unit or app); a single-key read fetches
//     (or reuses) the whole databag and answers from it, so reading N keys costs one call.
//   state-get: once; this hook's state-set and state-delete show in it.
//   is-leader: a `false` stays false for the hook (Juju's context caches "minion" the same way);
//     a `true` is reused while Juju's lease guarantee (30 s) lasts, then asked again.
//   relation-set: shows in the own-unit or own-app databag ("" deletes), as Juju shows a hook
//     its own uncommitted writes.
//   leader-set: updates the cached leader settings.
//   secret-add / secret-remove (whole secret): update the cached secret-ids (Juju lists pending
//     creations and hides pending removals).
//   open-port / close-port: not reflected (Juju does not show pending port changes either).
// Not cached: secret-get (revision tracking is Juju's, and content should not linger in memory),
// secret-info-get, status-get.
//
// Held back: relation-set, state-set and state-delete. Juju commits them only when the hook
// exits 0, so sending them as the hook ends changes nothing a reader can see, and one
// relation-set per databag and one state-set per hook replace one call per write. commit()
// sends them; dispatch() calls it when the hook is to succeed and drops them when it is to
// fail (Juju would discard them). Every other write passes through at once; a failed write
// leaves the cache untouched.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <slurmctld/juju/hook_tools.hpp>

namespace slurmctld::juju {

class CachingHookTools final : public HookTools {
  public:
    /// `unit_name` is this unit ("slurmctld/0"): own writes are applied to its databags.
    /// The monotonic clock the leader lease is measured with (a fake one in tests).
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    CachingHookTools(HookTools& inner, std::string unit_name,
                     std::chrono::milliseconds leader_lease = std::chrono::seconds(30),
                     Clock clock = std::chrono::steady_clock::now);

    SLURMCTLD_HOOK_TOOL_METHODS(SLURMCTLD_HOOK_TOOL_OVERRIDE)

    /// Sends the held-back writes: one relation-set per databag written, one state-set, one
    /// state-delete per deleted key. Tries every one, then rethrows the first HookToolError;
    /// nothing stays held back either way.
    void commit();
    bool has_pending_writes() const;

    /// Forgets every cached read (e.g. a long action that wants fresh data); held-back writes
    /// stay.
    void invalidate();

  private:
    /// (relation id, unit-or-app name, app databag?)
    using DatabagKey = std::tuple<int, std::string, bool>;

    const Databag& databag(const RelationId& relation, const std::string& name, bool app);
    /// Applies this hook's held-back writes to `bag`, fetched for (relation, name, app).
    void overlay_pending(Databag& bag, int relation, const std::string& name, bool app) const;

    struct PendingRelationSet {
        RelationId relation;
        Databag changes;  ///< "" deletes a key
    };

    HookTools& inner_;
    std::string unit_name_;
    std::string app_name_;
    std::chrono::milliseconds leader_lease_;
    Clock clock_;

    std::map<std::string, std::vector<RelationId>> relation_ids_;
    std::map<int, std::vector<std::string>> relation_units_;
    std::map<int, std::string> relation_apps_;
    std::map<DatabagKey, Databag> databags_;
    std::optional<bool> leader_;
    std::chrono::steady_clock::time_point leader_checked_at_;
    std::optional<Databag> leader_settings_;
    std::optional<nlohmann::json> config_;
    std::optional<nlohmann::json> action_params_;
    std::optional<std::vector<std::string>> secret_ids_;
    std::optional<std::map<std::string, std::string>> unit_state_;
    std::optional<GoalState> goal_state_;
    std::optional<std::vector<std::string>> opened_ports_;
    std::map<std::string, std::string> unit_settings_;
    std::map<std::string, NetworkInfo> networks_;

    std::map<std::pair<int, bool>, PendingRelationSet> pending_relation_sets_;  ///< (id, app?)
    std::map<std::string, std::optional<std::string>> pending_state_;           ///< nullopt: delete
};

}  // namespace slurmctld::juju
