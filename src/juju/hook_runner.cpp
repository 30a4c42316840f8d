#include <exception>

#include <unistd.h>

#include <slurmctld/juju/hook_runner.hpp>
#include <slurmctld/juju/hook_tool_table.hpp>
#include <slurmctld/juju/log_forwarding.hpp>
#include <slurmctld/juju/process_hook_tools.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::juju {

namespace log = util::log;

bool should_retry(const HookToolError& error) {
    // Exit 2 is Juju's usage error (cmd.Main): the same arguments fail the same way on a retry.
    return error.failure() != HookToolError::Failure::Exited ||
           error.exit_code() != kToolUsageError;
}

namespace {

/// How a step (the body, or the commit) ended, from best to worst.
enum class Ending { Returned, Handled, NotRetryable, Retry };

struct StepOutcome {
    Ending ending = Ending::Returned;
    std::string message;  ///< why it did not return (the action-fail message for an action)
};

StepOutcome run_step(const HookContext& context, const HookBody& body) {
    const auto event = context.describe();
    try {
        body();
        return {};
    } catch (const HandledCondition& e) {
        log::warning("{}: {}", event, e.what());
        return {Ending::Handled, e.what()};
    } catch (const HookToolError& e) {
        const bool retry = should_retry(e);
        log::error("{}: {}{}", event, e.what(),
                   retry && !context.is_action() ? " (Juju will retry the hook)" : "");
        return {retry ? Ending::Retry : Ending::NotRetryable, e.what()};
    } catch (const std::exception& e) {
        log::error("{}: unexpected error: {}", event, e.what());
        return {Ending::Retry, std::string("unexpected error: ") + e.what()};
    } catch (...) {
        log::error("{}: unexpected error of unknown type", event);
        return {Ending::Retry, "unexpected error"};
    }
}

}  // namespace

int run_hook(const HookContext& context, CachingHookTools& tools, const HookBody& body,
             const std::function<void()>& after_commit) {
    const auto event = context.describe();
    log::debug("running {}", event);
    const StepOutcome outcome = run_step(context, body);
    if (context.is_action() && outcome.ending != Ending::Returned) {
        try {
            tools.action_fail(outcome.message);
        } catch (const std::exception& e) {
            log::error("{}: action-fail failed: {}", event, e.what());
            return kExitRetry;
        }
    }
    if (outcome.ending == Ending::Retry && !context.is_action()) {
        return kExitRetry;  // Juju discards a failed hook's writes: do not send them
    }
    // The hook (or action) exits 0: Juju commits its writes, so send what was held back.
    const auto committed = run_step(context, [&tools] { tools.commit(); });
    if (committed.ending == Ending::Retry) {
        return kExitRetry;
    }
    if (outcome.ending == Ending::Returned && committed.ending == Ending::Returned &&
        after_commit) {
        const auto after = run_step(context, after_commit);
        if (after.ending == Ending::Retry) {
            log::warning("{}: the hook's work is committed; what follows it failed", event);
        }
    }
    return kExitSuccess;
}

int run_process_hook(int argc, char** argv, const ProcessHookBody& body) {
    util::log::Session logging;
    HookContext context;
    try {
        context = HookContext::from_environ(environ, argc > 0 ? argv[0] : "");
    } catch (const ContextError& error) {
        // Not started by Juju (or by a Juju we do not understand): nothing to do safely.
        log::error("cannot decode the hook context: {}", error.what());
        return kExitRetry;
    }
    ProcessHookTools process_tools;
    CachingHookTools tools(process_tools, context.unit_name);
    const JujuLogForwarding forwarding(tools);
    log::info("{}", context.describe());
    std::function<void()> after_commit;
    return run_hook(
        context, tools, [&] { after_commit = body(context, tools); },
        [&] {
            if (after_commit) {
                after_commit();
            }
        });
}

}  // namespace slurmctld::juju
