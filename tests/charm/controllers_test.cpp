#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <slurmctld/charm/controllers.hpp>

using slurmctld::charm::controller_endpoints;
using slurmctld::charm::ControllerUnit;
using slurmctld::charm::plan_controllers;
using slurmctld::charm::unit_number;
using testing::ElementsAre;
using testing::IsEmpty;

TEST(UnitNumber, ParsesTheNumberAfterTheSlash) {
    EXPECT_EQ(unit_number("slurmctld/12"), 12);
    EXPECT_EQ(unit_number("slurmctld/0"), 0);
    EXPECT_EQ(unit_number("slurmctld"), std::nullopt);
    EXPECT_EQ(unit_number("slurmctld/"), std::nullopt);
    EXPECT_EQ(unit_number("slurmctld/1x"), std::nullopt);
}

TEST(PlanControllers, FirstControllerIsTheOnlyMember) {
    EXPECT_THAT(plan_controllers({}, {{"slurmctld/0", "juju-a-0"}}), ElementsAre("juju-a-0"));
}

TEST(PlanControllers, KeepsTheExistingOrderWhateverTheUnitNumbers) {
    // slurmctld/2 was made primary earlier (e.g. the first units were removed): it stays first.
    const std::vector<ControllerUnit> members{
        {"slurmctld/0", "host-0"}, {"slurmctld/2", "host-2"}, {"slurmctld/1", "host-1"}};
    EXPECT_THAT(plan_controllers({"host-2", "host-0", "host-1"}, members),
                ElementsAre("host-2", "host-0", "host-1"));
}

TEST(PlanControllers, AppendsNewMembersByUnitNumber) {
    const std::vector<ControllerUnit> members{{"slurmctld/0", "host-0"},
                                              {"slurmctld/10", "host-10"},
                                              {"slurmctld/9", "host-9"},
                                              {"slurmctld/1", "host-1"}};
    EXPECT_THAT(plan_controllers({"host-1"}, members),
                ElementsAre("host-1", "host-0", "host-9", "host-10"));
}

TEST(PlanControllers, DropsDepartedControllersAndKeepsTheRestInOrder) {
    const std::vector<ControllerUnit> members{{"slurmctld/0", "host-0"}, {"slurmctld/2", "host-2"}};
    EXPECT_THAT(plan_controllers({"host-0", "host-1", "host-2"}, members),
                ElementsAre("host-0", "host-2"));
}

TEST(PlanControllers, RemovingThePrimaryPromotesTheFirstBackup) {
    const std::vector<ControllerUnit> members{{"slurmctld/1", "host-1"}, {"slurmctld/2", "host-2"}};
    EXPECT_THAT(plan_controllers({"host-0", "host-1", "host-2"}, members),
                ElementsAre("host-1", "host-2"));
}

TEST(PlanControllers, MembersWithoutAHostnameAreNotListedYet) {
    const std::vector<ControllerUnit> members{{"slurmctld/0", "host-0"}, {"slurmctld/1", ""}};
    EXPECT_THAT(plan_controllers({"host-0"}, members), ElementsAre("host-0"));
}

TEST(PlanControllers, DuplicatesInTheFileAreListedOnce) {
    EXPECT_THAT(plan_controllers({"host-0", "host-0"}, {{"slurmctld/0", "host-0"}}),
                ElementsAre("host-0"));
}

TEST(PlanControllers, NoMembersMeansNoControllers) {
    EXPECT_THAT(plan_controllers({"host-0"}, {}), IsEmpty());
}

TEST(ControllerEndpoints, AppendsTheSlurmctldPort) {
    EXPECT_THAT(controller_endpoints({"host-0", "host-1"}),
                ElementsAre("host-0:6817", "host-1:6817"));
}

TEST(ControllerEntries, CarryTheUnitsAddressSoNoNameNeedsToResolve) {
    using slurmctld::charm::controller_entries;
    using slurmctld::charm::parse_controller_entry;
    const std::vector<ControllerUnit> members{{"slurmctld/0", "host-0", "10.0.0.10"},
                                              {"slurmctld/1", "host-1", ""}};
    // A member's address wins; a known entry keeps its address; else the bare name.
    EXPECT_THAT(controller_entries({"host-0", "host-1", "host-2"}, members,
                                   {"host-1(10.0.0.11)", "host-2"}),
                ElementsAre("host-0(10.0.0.10)", "host-1(10.0.0.11)", "host-2"));
    EXPECT_THAT(controller_endpoints({"host-0(10.0.0.10)", "host-2"}),
                ElementsAre("10.0.0.10:6817", "host-2:6817"));
    EXPECT_EQ(parse_controller_entry("host-0(fe80::1)").address, "fe80::1");
    // An address that is not one (the file may have been written by others) is dropped.
    EXPECT_EQ(parse_controller_entry("host-0(evil host)").address, "");
    EXPECT_EQ(parse_controller_entry("host-0(evil host)").host, "host-0");
}
