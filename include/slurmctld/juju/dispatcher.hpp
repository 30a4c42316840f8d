// Routes one Juju event to its handler and turns the outcome into dispatch's exit code.
//
//   HandlerRegistry registry;
//   registry.on_hook("install", [&](const HookContext& ctx) { ... });
//   registry.on_relation("slurmctld-peer", RelationEventKind::Joined, on_peer_joined);
//   registry.on_action("show-current-config", show_config);
//   registry.after_each([&](const HookContext&) { evaluate_status(); });
//   return dispatch(context, registry, tools);
//
// Exit-code policy (Juju retries a hook that exits non-zero, with backoff, and keeps the unit in
// error until it passes; see juju-hooks.md §3.13 and DEVELOPERS.md):
//   0  the handler returned; or it threw HandledCondition (it has already set a status / logged
//      what is wrong and a retry of the same hook cannot help: the next event re-derives state);
//      or no handler is registered for the event (logged, like Juju's "missing hook").
//   0  a HookToolError that a retry cannot cure: a usage error (exit 2: the arguments are wrong,
//      or the relation named no longer exists). Logged as an error (also through juju-log).
//   1  a HookToolError Juju should retry: a runtime error (exit 1: controller/API trouble,
//      leadership changed under us, ...), a tool killed or not startable.
//   1  any other exception: unexpected, so the hook fails visibly and Juju retries it.
// Actions: any failure of the handler (including HandledCondition) is reported with action-fail
// and the action exits 0, so the user sees the message (a non-zero exit would show only "exit
// status 1" and drop the action's other effects). Exit 1 only if action-fail itself fails.
// after_each runs after the handler (also when none matched) unless the hook is already failing
// with a retry; its failures follow the same policy, and the worse of the two outcomes counts.
#pragma once

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <tuple>

#include <slurmctld/juju/caching_hook_tools.hpp>
#include <slurmctld/juju/context.hpp>
#include <slurmctld/juju/hook_tools.hpp>

namespace slurmctld::juju {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitRetry = 1;

/// Thrown by a handler for a known condition it has already reported (status set, line logged):
/// the hook ends successfully and the message is logged at warning (for an action it becomes the
/// action-fail message).
class HandledCondition : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Whether a hook-tool failure is one Juju's retry can fix (see the policy above).
bool should_retry(const HookToolError& error);

class HandlerRegistry {
  public:
    using Handler = std::function<void(const HookContext&)>;

    /// A non-relation hook: "install", "update-status", "secret-changed", "leader-elected", ...
    HandlerRegistry& on_hook(std::string hook_name, Handler handler);
    /// `<endpoint>-relation-<kind>`.
    HandlerRegistry& on_relation(std::string endpoint, RelationEventKind kind, Handler handler);
    /// The same handler for several kinds of one endpoint.
    HandlerRegistry& on_relation(const std::string& endpoint,
                                 std::initializer_list<RelationEventKind> kinds,
                                 const Handler& handler);
    HandlerRegistry& on_action(std::string action_name, Handler handler);
    /// Runs after every event's handler (e.g. evaluate the conditions and set one status).
    HandlerRegistry& after_each(Handler handler);

    /// The handler for this event, or nullptr.
    const Handler* find(const HookContext& context) const;
    const Handler* after_each_handler() const { return after_each_ ? &after_each_ : nullptr; }

  private:
    std::map<std::string, Handler> hooks_;
    std::map<std::tuple<std::string, RelationEventKind>, Handler> relations_;
    std::map<std::string, Handler> actions_;
    Handler after_each_;
};

/// Runs the handler for `context` and returns the process exit code (policy above). `tools` is
/// used for action-fail and to commit the writes it held back: sent when the hook is to exit 0,
/// dropped when it is to fail (Juju would discard them); a commit that fails is judged like any
/// other HookToolError. Logging goes through util::log.
int dispatch(const HookContext& context, const HandlerRegistry& registry, CachingHookTools& tools);

}  // namespace slurmctld::juju
