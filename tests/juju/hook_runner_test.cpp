#include <memory>
#include <sstream>

#include <gtest/gtest.h>

#include <slurmctld/juju/hook_runner.hpp>
#include <slurmctld/juju/log_forwarding.hpp>
#include <slurmctld/util/log.hpp>

#include "support/fake_hook_tools.hpp"

using slurmctld::juju::Environment;
using slurmctld::juju::HandledCondition;
using slurmctld::juju::HookBody;
using slurmctld::juju::HookContext;
using slurmctld::juju::HookToolError;
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

HookContext action(const std::string& name) {
    return HookContext::from_environment({{"JUJU_DISPATCH_PATH", "actions/" + name},
                                          {"JUJU_HOOK_NAME", ""},
                                          {"JUJU_ACTION_NAME", name},
                                          {"JUJU_UNIT_NAME", "slurmctld/0"}},
                                         "dispatch");
}

/// run_hook() as the charm's main runs it: over a CachingHookTools for this hook.
int run_hook(const HookContext& context, const HookBody& body, FakeHookTools& fake) {
    slurmctld::juju::CachingHookTools tools(fake, "slurmctld/0");
    return slurmctld::juju::run_hook(context, tools, body);
}

State action_state(const std::string& name) {
    State state;
    state.start_action(name);
    return state;
}

/// Captures log lines and routes warnings/errors to the fake's juju-log.
class HookRunnerTest : public ::testing::Test {
  protected:
    void SetUp() override { logging::setup({logging::Level::Debug, &output_}); }
    void TearDown() override {
        forwarding_.reset();
        logging::teardown();
    }

    void attach(FakeHookTools& tools) {
        forwarding_ = std::make_unique<slurmctld::juju::JujuLogForwarding>(tools);
    }
    std::string output() const { return output_.str(); }

    std::ostringstream output_;
    std::unique_ptr<slurmctld::juju::JujuLogForwarding> forwarding_;
};

}  // namespace

TEST_F(HookRunnerTest, HandledConditionsExitZero) {
    FakeHookTools tools;
    attach(tools);
    EXPECT_EQ(run_hook(
                  hook("start"),
                  [] { throw HandledCondition("waiting for the shared file system"); }, tools),
              0);
    ASSERT_EQ(tools.state().juju_log.size(), 1U);
    EXPECT_EQ(
        tools.state().juju_log[0],
        (testing_support::JujuLogLine{"WARNING", "start: waiting for the shared file system"}));
}

TEST_F(HookRunnerTest, RetryableToolFailuresAndUnexpectedErrorsExitNonZero) {
    FakeHookTools tools;
    attach(tools);
    EXPECT_EQ(
        run_hook(
            hook("config-changed"),
            [] { throw HookToolError("config-get", 1, "ERROR connection is shut down\n"); }, tools),
        1);
    EXPECT_EQ(run_hook(
                  hook("start"), [] { throw std::runtime_error("disk full"); }, tools),
              1);
    EXPECT_EQ(run_hook(
                  hook("stop"), [] { throw 42; }, tools),
              1);
    ASSERT_EQ(tools.state().juju_log.size(), 3U);
    EXPECT_EQ(tools.state().juju_log[0].level, "ERROR");
    EXPECT_EQ(tools.state().juju_log[0].message,
              "config-changed: config-get failed (exit 1): ERROR connection is shut down (Juju "
              "will retry the hook)");
    EXPECT_EQ(tools.state().juju_log[1].message, "start: unexpected error: disk full");
}

TEST_F(HookRunnerTest, UsageErrorsAreNotRetried) {
    FakeHookTools tools;
    attach(tools);
    EXPECT_EQ(run_hook(
                  hook("update-status"),
                  [] {
                      throw HookToolError(
                          "relation-get", 2,
                          "ERROR invalid value \"slurmd:9\" for option -r: relation not found\n");
                  },
                  tools),
              0);
    ASSERT_EQ(tools.state().juju_log.size(), 1U);
    EXPECT_EQ(tools.state().juju_log[0].level, "ERROR");
    EXPECT_TRUE(slurmctld::juju::should_retry(HookToolError("x", 1, "")));
    EXPECT_TRUE(slurmctld::juju::should_retry(HookToolError::not_run("x", "")));
    EXPECT_TRUE(slurmctld::juju::should_retry(HookToolError("x", 137, "")));
    EXPECT_TRUE(slurmctld::juju::should_retry(HookToolError::bad_output("x", "")));
    EXPECT_FALSE(slurmctld::juju::should_retry(HookToolError("x", 2, "")));
}

TEST_F(HookRunnerTest, ActionFailuresAreReportedWithActionFailAndExitZero) {
    FakeHookTools handled(action_state("rotate-auth-key"));
    EXPECT_EQ(
        run_hook(
            action("rotate-auth-key"), [] { throw HandledCondition("not the leader"); }, handled),
        0);
    EXPECT_EQ(handled.state().action->failure, "not the leader");

    FakeHookTools tool_failure(action_state("show-current-config"));
    EXPECT_EQ(run_hook(
                  action("show-current-config"),
                  [] { throw HookToolError("config-get", 1, "ERROR connection is shut down\n"); },
                  tool_failure),
              0);
    EXPECT_EQ(tool_failure.state().action->failure,
              "config-get failed (exit 1): ERROR connection is shut down");

    const HookBody boom = [] { throw std::runtime_error("boom"); };
    FakeHookTools unexpected(action_state("takeover"));
    EXPECT_EQ(run_hook(action("takeover"), boom, unexpected), 0);
    EXPECT_EQ(unexpected.state().action->failure, "unexpected error: boom");

    // Only when action-fail itself cannot be delivered does the action exit non-zero.
    auto state = action_state("takeover");
    state.failures["action-fail"] = {1, "ERROR connection is shut down\n"};
    FakeHookTools broken(state);
    EXPECT_EQ(run_hook(action("takeover"), boom, broken), 1);
}

TEST_F(HookRunnerTest, HeldBackWritesAreSentOnlyWhenTheHookSucceeds) {
    const slurmctld::juju::RelationId peer{"slurmctld-peer", 0};
    bool fail = false;
    const auto run = [&](FakeHookTools& fake) {
        slurmctld::juju::CachingHookTools tools(fake, "slurmctld/0");
        return slurmctld::juju::run_hook(hook("config-changed"), tools, [&] {
            tools.state_set({{"seen", "1"}});
            tools.relation_set(peer, {{"hostname", "\"juju-abc-0\""}}, false);
            if (fail) {
                throw std::runtime_error("boom");
            }
        });
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
