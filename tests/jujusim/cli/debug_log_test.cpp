// debug-log: the lines it keeps (--include, --level, -n) and --tail, which follows the log as
// it grows until the process is killed.
#include <future>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "../agent/sim_fixture.hpp"

namespace jujusim_test {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(DebugLogTest, FiltersByUnitLevelAndCount) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.wait();
    model.ok({"exec", "--unit", "rec/0", "--", "juju-log -l ERROR -- zero-said-so"});
    model.ok({"exec", "--unit", "rec/1", "--", "juju-log -l ERROR -- one-said-so"});
    const std::string errors = model.ok({"debug-log", "--level", "ERROR"});
    EXPECT_THAT(errors, HasSubstr("zero-said-so"));
    EXPECT_THAT(errors, HasSubstr("one-said-so"));
    EXPECT_THAT(errors, Not(HasSubstr(" INFO ")));
    const std::string zero = model.ok({"debug-log", "--include", "rec/0", "--level", "ERROR"});
    EXPECT_THAT(zero, HasSubstr("zero-said-so"));
    EXPECT_THAT(zero, Not(HasSubstr("one-said-so")));
    EXPECT_EQ(model.ok({"debug-log", "-n", "1", "--level", "ERROR"}).find('\n'),
              model.ok({"debug-log", "-n", "1", "--level", "ERROR"}).size() - 1);
    EXPECT_EQ(model.run({"debug-log", "--level", "LOUD"}).exit_code, 1);
}

TEST(DebugLogTest, TailFollowsUntilKilled) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec"});
    model.wait();
    model.ok(
        {"exec", "--unit", "rec/0", "--", "for i in $(seq 12); do juju-log -- before-$i; done"});
    // The follower is killed (SIGKILL, at its time limit) after 5 s; meanwhile a line is logged.
    auto follower = std::async(std::launch::async, [&] {
        slurmctld::util::ProcessOptions options;
        options.env["JUJUSIM_HOME"] = model.home().string();
        options.timeout = std::chrono::seconds(5);
        return slurmctld::util::run_process(
            {jujusim_binary(), "debug-log", "--tail", "--include", "rec/0"}, options);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(1500));
    model.ok({"exec", "--unit", "rec/0", "--", "juju-log -- logged-while-following"});
    const auto result = follower.get();
    EXPECT_TRUE(result.timed_out);  // it did not return by itself
    const std::string out = result.stdout_text;
    EXPECT_THAT(out, HasSubstr("logged-while-following"));
    // It started with the last 10 lines, as juju does.
    const auto followed_at = out.find("logged-while-following");
    EXPECT_EQ(std::count(out.begin(), out.begin() + static_cast<long>(followed_at), '\n'), 10);
    EXPECT_THAT(out, Not(HasSubstr("before-2\n")));
    EXPECT_THAT(out, HasSubstr("before-3\n"));
}

}  // namespace
}  // namespace jujusim_test
