// Runs one hook or action and turns how it ended into dispatch's exit code. The one place that
// wires a hook together: the charm's main, the test charms and the charm's test harness all
// go through run_hook (the process ones through run_process_hook).
//
// Exit-code policy (Juju retries a hook that exits non-zero, with backoff, and keeps the unit in
// error until it passes; reference docs/reference/juju.md "Hook failures"):
//   0  the body returned; or it threw HandledCondition (it has already set a status / logged
//      what is wrong and a retry of the same hook cannot help: the next event re-derives state).
//   0  a HookToolError that a retry cannot cure: a usage error (exit 2: the arguments are wrong,
//      or the relation named no longer exists). Logged as an error (also through juju-log).
//   1  a HookToolError Juju should retry: a runtime error (exit 1: controller/API trouble,
//      leadership changed under us, ...), a tool killed, timed out or not startable.
//   1  any other exception: unexpected, so the hook fails visibly and Juju retries it.
// Actions: any failure of the body (HandledCondition included) is reported with action-fail and
// the action exits 0, so the user sees the message. Exit 1 only if action-fail itself fails.
// The writes CachingHookTools held back are sent only when the hook is to exit 0: Juju would
// discard them otherwise.
#pragma once

#include <functional>
#include <stdexcept>

#include <slurmctld/juju/caching_hook_tools.hpp>
#include <slurmctld/juju/context.hpp>
#include <slurmctld/juju/hook_tools.hpp>

namespace slurmctld::juju {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitRetry = 1;

/// Thrown by a hook body for a known condition it has already reported (status set, line
/// logged): the hook ends successfully and the message is logged at warning (for an action it
/// becomes the action-fail message).
class HandledCondition : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

/// Whether a hook-tool failure is one Juju's retry can fix (see the policy above).
bool should_retry(const HookToolError& error);

using HookBody = std::function<void()>;

/// Runs `body` for `context` under the policy above and commits (or drops) what `tools` held
/// back; then, only when the body returned and Juju took the commit, `after_commit` (machine
/// state that must not claim more than Juju has). Returns the process exit code.
int run_hook(const HookContext& context, CachingHookTools& tools, const HookBody& body,
             const std::function<void()>& after_commit = nullptr);

/// The whole of a hook process: sets up logging, decodes the context from the environment
/// (argv[0] is the fallback for Juju without JUJU_DISPATCH_PATH), connects the real hook tools
/// through a CachingHookTools, attaches juju-log, and runs `body` with run_hook. What `body`
/// returns (may be nullptr) runs after a successful commit.
using ProcessHookBody = std::function<std::function<void()>(const HookContext&, HookTools&)>;
int run_process_hook(int argc, char** argv, const ProcessHookBody& body);

}  // namespace slurmctld::juju
