#include <gtest/gtest.h>

#include <slurmctld/juju/hook_tools.hpp>

using namespace slurmctld::juju;

TEST(RelationId, ParsesEndpointAndId) {
    const auto relation = RelationId::parse("slurmctld-peer:3");
    EXPECT_EQ(relation.endpoint, "slurmctld-peer");
    EXPECT_EQ(relation.id, 3);
    EXPECT_EQ(relation.str(), "slurmctld-peer:3");
}

TEST(RelationId, ParsesABareIdAndTakesTheTextAfterTheLastColon) {
    const auto bare = RelationId::parse("12");
    EXPECT_EQ(bare.endpoint, "");
    EXPECT_EQ(bare.id, 12);
    EXPECT_EQ(bare.str(), "12");
    EXPECT_EQ(RelationId::parse("a:b:7").endpoint, "a:b");
    EXPECT_EQ(RelationId::parse("a:b:7").id, 7);
}

TEST(RelationId, RejectsMalformedIds) {
    for (const auto* bad : {"", "slurmd:", "slurmd", "slurmd:x", "slurmd:-1", "slurmd:3x", ":"}) {
        EXPECT_THROW(RelationId::parse(bad), std::invalid_argument) << bad;
    }
}

TEST(RelationId, ComparesByEndpointThenId) {
    EXPECT_EQ(RelationId::parse("db:2"), (RelationId{"db", 2}));
    EXPECT_LT(RelationId::parse("db:2"), RelationId::parse("db:10"));
}

TEST(HookToolsEnums, NamesAreJujus) {
    EXPECT_EQ(to_string(WorkloadState::Maintenance), "maintenance");
    EXPECT_EQ(to_string(WorkloadState::Blocked), "blocked");
    EXPECT_EQ(to_string(WorkloadState::Waiting), "waiting");
    EXPECT_EQ(to_string(WorkloadState::Active), "active");
    EXPECT_EQ(to_string(LogLevel::Debug), "DEBUG");
    EXPECT_EQ(to_string(LogLevel::Info), "INFO");
    EXPECT_EQ(to_string(LogLevel::Warning), "WARNING");
    EXPECT_EQ(to_string(LogLevel::Error), "ERROR");
    EXPECT_EQ(parse_workload_state("blocked"), WorkloadState::Blocked);
    EXPECT_FALSE(parse_workload_state("error"));
    EXPECT_FALSE(parse_workload_state("Active"));
}

TEST(GoalState, PlannedUnitsSkipsDyingUnits) {
    GoalState goal;
    goal.units["slurmctld/0"] = {"active", ""};
    goal.units["slurmctld/1"] = {"waiting", ""};
    goal.units["slurmctld/2"] = {"dying", ""};
    goal.units["slurmctld/3"] = {"maintenance", ""};
    EXPECT_EQ(goal.planned_units(), 3);
    EXPECT_EQ(GoalState{}.planned_units(), 0);
}

TEST(HookToolError, CarriesToolExitCodeAndStderr) {
    const HookToolError error("relation-get", 2,
                              "ERROR invalid value \"9\" for option -r: relation not found\n");
    EXPECT_EQ(error.tool(), "relation-get");
    EXPECT_EQ(error.exit_code(), 2);
    EXPECT_EQ(error.stderr_text(), "ERROR invalid value \"9\" for option -r: relation not found\n");
    EXPECT_STREQ(error.what(),
                 "relation-get failed (exit 2): ERROR invalid value \"9\" for option -r: relation "
                 "not found");
    EXPECT_STREQ(HookToolError::not_run("is-leader", "not found on PATH").what(),
                 "is-leader could not be run: not found on PATH");
    EXPECT_STREQ(HookToolError::bad_output("is-leader", "expected true or false").what(),
                 "is-leader gave an answer that cannot be read: expected true or false");
}
