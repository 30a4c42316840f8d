#include <sstream>

#include <gtest/gtest.h>

#include <slurmctld/juju/log_forwarding.hpp>
#include <slurmctld/util/log.hpp>

#include "support/fake_hook_tools.hpp"

namespace logging = slurmctld::util::log;
using testing_support::FakeHookTools;
using testing_support::JujuLogLine;
using Forwarding = slurmctld::juju::JujuLogForwarding;

namespace {

class LogTest : public ::testing::Test {
  protected:
    void TearDown() override { logging::teardown(); }

    std::ostringstream out;  // outlives the logger that writes to it
};

}  // namespace

TEST_F(LogTest, EveryLineGoesToStdoutWarningsAndErrorsAlsoToJujuLog) {
    logging::setup({logging::Level::Debug, &out});
    FakeHookTools tools;
    logging::debug("before tools: {}", 1);  // fine before HookTools exist
    const Forwarding forwarding(tools);
    logging::debug("probe took {} ms", 12);
    logging::info("controller {} is primary", "juju-abc-0");
    logging::warning("mount latency p99 {} ms", 80);
    logging::error("cannot start slurmctld: {}", "exit 1");
    EXPECT_EQ(out.str(),
              "debug: before tools: 1\n"
              "debug: probe took 12 ms\n"
              "info: controller juju-abc-0 is primary\n"
              "warning: mount latency p99 80 ms\n"
              "error: cannot start slurmctld: exit 1\n");
    EXPECT_EQ(tools.state().juju_log,
              (std::vector<JujuLogLine>{{"WARNING", "mount latency p99 80 ms"},
                                        {"ERROR", "cannot start slurmctld: exit 1"}}));
}

TEST_F(LogTest, LevelFiltersLines) {
    logging::setup({logging::Level::Warning, &out});
    logging::debug("hidden");
    logging::info("hidden");
    logging::warning("shown");
    EXPECT_EQ(out.str(), "warning: shown\n");
}

TEST_F(LogTest, AFailingJujuLogNeverThrowsOrRecurses) {
    logging::setup({logging::Level::Debug, &out});
    testing_support::State state;
    state.failures["juju-log"] = {1, "ERROR connection is shut down\n"};
    FakeHookTools tools(state);
    const Forwarding forwarding(tools);
    EXPECT_NO_THROW(logging::error("something broke"));
    EXPECT_EQ(tools.calls("juju-log"), 1);
    EXPECT_EQ(out.str(), "error: something broke\n");
}

TEST_F(LogTest, DetachAndTeardownStopUsingTheTools) {
    logging::setup({logging::Level::Debug, &out});
    {
        FakeHookTools tools;
        {
            const Forwarding forwarding(tools);
            logging::warning("one");
        }
        logging::warning("two");
        EXPECT_EQ(tools.calls("juju-log"), 1);
    }
    logging::warning("three");  // the tools are gone; nothing may touch them
    logging::teardown();
    EXPECT_EQ(out.str(), "warning: one\nwarning: two\nwarning: three\n");
}

TEST_F(LogTest, LongMessagesAreSplitForJujuLog) {
    logging::setup({logging::Level::Debug, &out});
    FakeHookTools tools;
    const Forwarding forwarding(tools);
    logging::write(logging::Level::Warning, std::string(131071 + 10, 'x'));
    ASSERT_EQ(tools.state().juju_log.size(), 2U);
    EXPECT_EQ(tools.state().juju_log[0].message.size(), 131071U);
    EXPECT_EQ(tools.state().juju_log[1].message.size(), 10U);
}

TEST_F(LogTest, SessionSetsUpAndTearsDown) {
    {
        logging::Session session({logging::Level::Debug, &out});
        logging::info("inside");
    }
    logging::info("outside");  // back on stdout
    EXPECT_EQ(out.str(), "info: inside\n");
}

// Compile-time guard (not runnable): logging::info("{}", SecretContent{}) does not compile, because
// the formatting functions refuse map arguments. See util/log.hpp.
static_assert(logging::detail::IsMapLike<slurmctld::juju::SecretContent>::value);
static_assert(!logging::detail::IsMapLike<std::string>::value);
