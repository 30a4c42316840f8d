#include <exception>

#include <slurmctld/juju/dispatcher.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::juju {

namespace log = util::log;

bool should_retry(const HookToolError& error) {
    // Exit 2 is Juju's usage error (cmd.Main): the same arguments fail the same way on a retry.
    return error.exit_code() != 2;
}

HandlerRegistry& HandlerRegistry::on_hook(std::string hook_name, Handler handler) {
    hooks_[std::move(hook_name)] = std::move(handler);
    return *this;
}

HandlerRegistry& HandlerRegistry::on_relation(std::string endpoint, RelationEventKind kind,
                                              Handler handler) {
    relations_[{std::move(endpoint), kind}] = std::move(handler);
    return *this;
}

HandlerRegistry& HandlerRegistry::on_relation(const std::string& endpoint,
                                              std::initializer_list<RelationEventKind> kinds,
                                              const Handler& handler) {
    for (const auto kind : kinds) {
        relations_[{endpoint, kind}] = handler;
    }
    return *this;
}

HandlerRegistry& HandlerRegistry::on_action(std::string action_name, Handler handler) {
    actions_[std::move(action_name)] = std::move(handler);
    return *this;
}

HandlerRegistry& HandlerRegistry::after_each(Handler handler) {
    after_each_ = std::move(handler);
    return *this;
}

const HandlerRegistry::Handler* HandlerRegistry::find(const HookContext& context) const {
    if (context.action) {
        const auto found = actions_.find(context.action->name);
        return found == actions_.end() ? nullptr : &found->second;
    }
    if (context.relation) {
        const auto found = relations_.find({context.relation->endpoint, context.relation->kind});
        if (found != relations_.end()) {
            return &found->second;
        }
    }
    // Also the fallback for relation hooks: a handler registered by full hook name.
    const auto found = hooks_.find(context.hook_name);
    return found == hooks_.end() ? nullptr : &found->second;
}

namespace {

/// How one step (the handler or after_each) ended, from best to worst.
enum class Ending { Returned, Handled, NotRetryable, Retry };

struct StepOutcome {
    Ending ending = Ending::Returned;
    std::string message;  ///< why it did not return (the action-fail message for an action)
};

StepOutcome run_step(const HookContext& context, const HandlerRegistry::Handler& handler) {
    const auto event = context.describe();
    try {
        handler(context);
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

int dispatch(const HookContext& context, const HandlerRegistry& registry, CachingHookTools& tools) {
    const auto event = context.describe();
    StepOutcome outcome;
    if (const auto* handler = registry.find(context)) {
        log::debug("dispatching {}", event);
        outcome = run_step(context, *handler);
    } else {
        log::info("no handler for {}: nothing to do", event);
    }
    // after_each (status evaluation) runs unless the hook is failing anyway.
    if (const auto* after = registry.after_each_handler();
        after != nullptr && outcome.ending != Ending::Retry) {
        auto after_outcome = run_step(context, *after);
        if (after_outcome.ending > outcome.ending) {
            outcome = std::move(after_outcome);
        }
    }

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
    const auto committed = run_step(context, [&tools](const HookContext&) { tools.commit(); });
    return committed.ending == Ending::Retry ? kExitRetry : kExitSuccess;
}

}  // namespace slurmctld::juju
