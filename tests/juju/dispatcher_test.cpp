#include <sstream>

#include <gtest/gtest.h>

#include <slurmctld/juju/dispatcher.hpp>
#include <slurmctld/util/log.hpp>

#include "support/fake_hook_tools.hpp"

using slurmctld::juju::dispatch;
using slurmctld::juju::Environment;
using slurmctld::juju::HandledCondition;
using slurmctld::juju::HandlerRegistry;
using slurmctld::juju::HookContext;
using slurmctld::juju::HookToolError;
using slurmctld::juju::RelationEventKind;
using testing_support::FakeHookTools;
using testing_support::State;
namespace logging = slurmctld::util::log;

namespace {

HookContext hook(const std::string& name) {
    return HookContext::from_environment({{"JUJU_DISPATCH_PATH", "hooks/" + name},
                                          {"JUJU_HOOK_NAME", name},
                                          {"JUJU_UNIT_NAME", "slurmctld/0"}},
                                         "dispatch");
}

HookContext relation_hook(const std::string& endpoint, const std::string& kind) {
    return HookContext::from_environment(
        {{"JUJU_DISPATCH_PATH", "hooks/" + endpoint + "-relation-" + kind},
         {"JUJU_UNIT_NAME", "slurmctld/0"},
         {"JUJU_RELATION", endpoint},
         {"JUJU_RELATION_ID", endpoint + ":2"},
         {"JUJU_REMOTE_APP", "slurmd"},
         {"JUJU_REMOTE_UNIT", "slurmd/0"},
         {"JUJU_DEPARTING_UNIT", "slurmd/0"}},
        "dispatch");
}

HookContext action(const std::string& name) {
    return HookContext::from_environment({{"JUJU_DISPATCH_PATH", "actions/" + name},
                                          {"JUJU_HOOK_NAME", ""},
                                          {"JUJU_ACTION_NAME", name},
                                          {"JUJU_UNIT_NAME", "slurmctld/0"}},
                                         "dispatch");
}

/// dispatch() as the charm's main runs it: over a CachingHookTools for this hook.
int run_hook(const HookContext& context, const HandlerRegistry& registry, FakeHookTools& fake) {
    slurmctld::juju::CachingHookTools tools(fake, "slurmctld/0");
    return dispatch(context, registry, tools);
}

State action_state(const std::string& name) {
    State state;
    state.start_action(name);
    return state;
}

/// Captures log lines and routes warnings/errors to the fake's juju-log.
class DispatchTest : public ::testing::Test {
  protected:
    void SetUp() override { logging::setup({logging::Level::Debug, &output_}); }
    void TearDown() override { logging::teardown(); }

    void attach(FakeHookTools& tools) { logging::attach_hook_tools(tools); }
    std::string output() const { return output_.str(); }

    std::ostringstream output_;
};

}  // namespace

TEST_F(DispatchTest, RoutesHooksRelationsAndActions) {
    std::vector<std::string> ran;
    HandlerRegistry registry;
    registry.on_hook("install", [&](const HookContext&) { ran.push_back("install"); })
        .on_hook("update-status", [&](const HookContext&) { ran.push_back("update-status"); })
        .on_relation("slurmctld-peer", RelationEventKind::Joined,
                     [&](const HookContext& ctx) { ran.push_back("peer " + ctx.hook_name); })
        .on_relation("slurmd", {RelationEventKind::Joined, RelationEventKind::Changed},
                     [&](const HookContext& ctx) {
                         ran.push_back("slurmd " + std::string(to_string(ctx.relation->kind)));
                     })
        .on_hook("slurmd-relation-departed",
                 [&](const HookContext&) { ran.push_back("by hook name"); })
        .on_action("show-current-config", [&](const HookContext&) { ran.push_back("action"); });
    FakeHookTools tools(action_state("show-current-config"));

    EXPECT_EQ(run_hook(hook("install"), registry, tools), 0);
    EXPECT_EQ(run_hook(hook("update-status"), registry, tools), 0);
    EXPECT_EQ(run_hook(relation_hook("slurmctld-peer", "joined"), registry, tools), 0);
    EXPECT_EQ(run_hook(relation_hook("slurmd", "joined"), registry, tools), 0);
    EXPECT_EQ(run_hook(relation_hook("slurmd", "changed"), registry, tools), 0);
    EXPECT_EQ(run_hook(relation_hook("slurmd", "departed"), registry, tools), 0);
    EXPECT_EQ(run_hook(action("show-current-config"), registry, tools), 0);
    EXPECT_EQ(ran, (std::vector<std::string>{"install", "update-status",
                                             "peer slurmctld-peer-relation-joined", "slurmd joined",
                                             "slurmd changed", "by hook name", "action"}));
    EXPECT_FALSE(tools.state().action->failure);
    EXPECT_EQ(tools.total_calls(), 0);  // dispatch itself calls no tool on success
}

TEST_F(DispatchTest, AnEventWithoutAHandlerIsLoggedAndSucceeds) {
    HandlerRegistry registry;
    registry.on_relation("slurmd", RelationEventKind::Joined,
                         [](const HookContext&) { FAIL() << "wrong handler"; });
    FakeHookTools tools;
    EXPECT_EQ(run_hook(hook("leader-settings-changed"), registry, tools), 0);
    EXPECT_EQ(run_hook(relation_hook("slurmd", "broken"), registry, tools), 0);
    EXPECT_EQ(run_hook(relation_hook("sackd", "joined"), registry, tools), 0);
    EXPECT_NE(output().find("info: no handler for leader-settings-changed: nothing to do"),
              std::string::npos)
        << output();
}

TEST_F(DispatchTest, HandledConditionsExitZero) {
    HandlerRegistry registry;
    registry.on_hook("start", [](const HookContext&) {
        throw HandledCondition("waiting for the shared file system");
    });
    FakeHookTools tools;
    attach(tools);
    EXPECT_EQ(run_hook(hook("start"), registry, tools), 0);
    ASSERT_EQ(tools.state().juju_log.size(), 1U);
    EXPECT_EQ(
        tools.state().juju_log[0],
        (testing_support::JujuLogLine{"WARNING", "start: waiting for the shared file system"}));
}

TEST_F(DispatchTest, RetryableToolFailuresAndUnexpectedErrorsExitNonZero) {
    HandlerRegistry registry;
    registry
        .on_hook("config-changed",
                 [](const HookContext&) {
                     throw HookToolError("config-get", 1, "ERROR connection is shut down\n");
                 })
        .on_hook("start", [](const HookContext&) { throw std::runtime_error("disk full"); })
        .on_hook("stop", [](const HookContext&) { throw 42; });
    FakeHookTools tools;
    attach(tools);
    EXPECT_EQ(run_hook(hook("config-changed"), registry, tools), 1);
    EXPECT_EQ(run_hook(hook("start"), registry, tools), 1);
    EXPECT_EQ(run_hook(hook("stop"), registry, tools), 1);
    ASSERT_EQ(tools.state().juju_log.size(), 3U);
    EXPECT_EQ(tools.state().juju_log[0].level, "ERROR");
    EXPECT_EQ(tools.state().juju_log[0].message,
              "config-changed: config-get failed (exit 1): ERROR connection is shut down (Juju "
              "will retry the hook)");
    EXPECT_EQ(tools.state().juju_log[1].message, "start: unexpected error: disk full");
}

TEST_F(DispatchTest, UsageErrorsAreNotRetried) {
    HandlerRegistry registry;
    registry.on_hook("update-status", [](const HookContext&) {
        throw HookToolError("relation-get", 2,
                            "ERROR invalid value \"slurmd:9\" for option -r: relation not found\n");
    });
    FakeHookTools tools;
    attach(tools);
    EXPECT_EQ(run_hook(hook("update-status"), registry, tools), 0);
    ASSERT_EQ(tools.state().juju_log.size(), 1U);
    EXPECT_EQ(tools.state().juju_log[0].level, "ERROR");
    EXPECT_TRUE(slurmctld::juju::should_retry(HookToolError("x", 1, "")));
    EXPECT_TRUE(slurmctld::juju::should_retry(HookToolError("x", HookToolError::kNotRun, "")));
    EXPECT_TRUE(slurmctld::juju::should_retry(HookToolError("x", 137, "")));
    EXPECT_FALSE(slurmctld::juju::should_retry(HookToolError("x", 2, "")));
}

TEST_F(DispatchTest, ActionFailuresAreReportedWithActionFailAndExitZero) {
    HandlerRegistry registry;
    registry
        .on_action("rotate-auth-key",
                   [](const HookContext&) { throw HandledCondition("not the leader"); })
        .on_action("show-current-config",
                   [](const HookContext&) {
                       throw HookToolError("config-get", 1, "ERROR connection is shut down\n");
                   })
        .on_action("takeover", [](const HookContext&) { throw std::runtime_error("boom"); });

    FakeHookTools handled(action_state("rotate-auth-key"));
    EXPECT_EQ(run_hook(action("rotate-auth-key"), registry, handled), 0);
    EXPECT_EQ(handled.state().action->failure, "not the leader");

    FakeHookTools tool_failure(action_state("show-current-config"));
    EXPECT_EQ(run_hook(action("show-current-config"), registry, tool_failure), 0);
    EXPECT_EQ(tool_failure.state().action->failure,
              "config-get failed (exit 1): ERROR connection is shut down");

    FakeHookTools unexpected(action_state("takeover"));
    EXPECT_EQ(run_hook(action("takeover"), registry, unexpected), 0);
    EXPECT_EQ(unexpected.state().action->failure, "unexpected error: boom");

    // Only when action-fail itself cannot be delivered does the action exit non-zero.
    auto state = action_state("takeover");
    state.failures["action-fail"] = {1, "ERROR connection is shut down\n"};
    FakeHookTools broken(state);
    EXPECT_EQ(run_hook(action("takeover"), registry, broken), 1);
}

TEST_F(DispatchTest, AnUnknownActionSucceedsQuietly) {
    HandlerRegistry registry;
    FakeHookTools tools(action_state("nope"));
    EXPECT_EQ(run_hook(action("nope"), registry, tools), 0);
    EXPECT_FALSE(tools.state().action->failure);
}

TEST_F(DispatchTest, AfterEachRunsUnlessTheHookIsFailing) {
    std::vector<std::string> ran;
    HandlerRegistry registry;
    registry.on_hook("install", [&](const HookContext&) { ran.push_back("install"); })
        .on_hook("start", [&](const HookContext&) { throw HandledCondition("blocked"); })
        .on_hook("stop", [&](const HookContext&) { throw std::runtime_error("x"); })
        .after_each(
            [&](const HookContext& ctx) { ran.push_back("status after " + ctx.event_name()); });
    FakeHookTools tools;
    EXPECT_EQ(run_hook(hook("install"), registry, tools), 0);
    EXPECT_EQ(run_hook(hook("start"), registry, tools), 0);
    EXPECT_EQ(run_hook(hook("update-status"), registry, tools), 0);  // no handler
    EXPECT_EQ(run_hook(hook("stop"), registry, tools), 1);
    EXPECT_EQ(ran, (std::vector<std::string>{"install", "status after install",
                                             "status after start", "status after update-status"}));
}

TEST_F(DispatchTest, AfterEachFailuresFollowThePolicy) {
    HandlerRegistry registry;
    registry.on_hook("install", [](const HookContext&) {}).after_each([](const HookContext&) {
        throw HookToolError("status-set", 1, "ERROR connection is shut down\n");
    });
    FakeHookTools tools;
    EXPECT_EQ(run_hook(hook("install"), registry, tools), 1);

    HandlerRegistry handled;
    handled.on_hook("install", [](const HookContext&) { throw HandledCondition("waiting"); })
        .after_each([](const HookContext&) {});
    EXPECT_EQ(run_hook(hook("install"), handled, tools), 0);
}

TEST_F(DispatchTest, HeldBackWritesAreSentOnlyWhenTheHookSucceeds) {
    const slurmctld::juju::RelationId peer{"slurmctld-peer", 0};
    HandlerRegistry registry;
    bool fail = false;
    slurmctld::juju::CachingHookTools* current = nullptr;
    registry.on_hook("config-changed", [&](const HookContext&) {
        current->state_set({{"seen", "1"}});
        current->relation_set(peer, {{"hostname", "\"juju-abc-0\""}}, false);
        if (fail) {
            throw std::runtime_error("boom");
        }
    });
    const auto run = [&](FakeHookTools& fake) {
        slurmctld::juju::CachingHookTools tools(fake, "slurmctld/0");
        current = &tools;
        return dispatch(hook("config-changed"), registry, tools);
    };

    State state;
    state.add_peer_relation("slurmctld-peer", 0);
    FakeHookTools failing(state);
    fail = true;
    EXPECT_EQ(run(failing), 1);
    EXPECT_EQ(failing.calls("state-set") + failing.calls("relation-set"), 0)
        << "Juju discards a failed hook's writes";

    FakeHookTools passing(state);
    fail = false;
    EXPECT_EQ(run(passing), 0);
    EXPECT_EQ(passing.state().unit_state.at("seen"), "1");
    EXPECT_EQ(passing.state().relation(0).local_unit_data.at("hostname"), "\"juju-abc-0\"");

    // A commit Juju refuses is a failed hook, retried.
    state.failures["state-set"] = {1, "ERROR connection is shut down\n"};
    FakeHookTools refused(state);
    EXPECT_EQ(run(refused), 1);
}
