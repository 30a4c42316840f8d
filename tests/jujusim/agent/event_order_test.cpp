// Hook order per scenario (juju.md §3), as the recorder charm saw it, on
// HostDirectoryMachine (no isolation needed: the charm only uses hook tools).
#include <algorithm>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim_fixture.hpp"

namespace jujusim_test {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

std::vector<std::string> other_units(const std::string& self, int count,
                                     const std::string& app = "rec") {
    std::vector<std::string> out;
    for (int i = 0; i < count; ++i) {
        const std::string name = app + "/" + std::to_string(i);
        if (name != self) {
            out.push_back(name);
        }
    }
    return out;
}

TEST(EventOrderTest, DeployThreeUnitsRunsJujusSequenceOnEveryUnit) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "3"});
    model.wait();
    const json status = model.status();
    const std::string leader = leader_of(status, "rec");
    ASSERT_FALSE(leader.empty());
    std::set<std::string> hostnames;
    for (const auto& [id, machine] : status["machines"].items()) {
        hostnames.insert(machine["hostname"].get<std::string>());
    }
    EXPECT_EQ(hostnames.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        const std::string unit = "rec/" + std::to_string(i);
        std::vector<std::string> expected{
            "install", "replicas-relation-created",
            unit == leader ? "leader-elected" : "leader-settings-changed", "config-changed",
            "start"};
        for (const auto& other : other_units(unit, 3)) {
            expected.push_back("replicas-relation-joined@" + other);
            expected.push_back("replicas-relation-changed@" + other);
        }
        auto seen = model.hooks(unit);
        // Non-leaders also see the leader's peer app data (app-level changed, no remote unit),
        // and a second leader-settings-changed when the leader's leader-set lands after their
        // first one: both are Juju's behaviour, not part of the per-unit sequence.
        seen.erase(std::remove(seen.begin(), seen.end(), "replicas-relation-changed"), seen.end());
        const auto first_settings = std::find(seen.begin(), seen.end(), "leader-settings-changed");
        if (first_settings != seen.end()) {
            seen.erase(std::remove(first_settings + 1, seen.end(), "leader-settings-changed"),
                       seen.end());
        }
        EXPECT_THAT(seen, ElementsAreArray(expected)) << unit;
        EXPECT_EQ(status["applications"]["rec"]["units"][unit]["workload-status"]["current"],
                  "active");
        EXPECT_EQ(status["applications"]["rec"]["units"][unit]["workload-status"]["message"],
                  "ready");
    }
    EXPECT_EQ(status["applications"]["rec"]["application-status"]["current"], "active");
}

TEST(EventOrderTest, NoRelationIsKnownDuringInstall) {
    // Juju's agent joins relations (peer ones included) only after install: relation-ids is
    // empty and -r finds nothing during install; relation-created follows.
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.wait();
    for (const std::string unit : {"rec/0", "rec/1"}) {
        const auto events = model.events(unit);
        ASSERT_FALSE(events.empty()) << unit;
        const Event& install = events.front();
        ASSERT_EQ(install.hook(), "install") << unit;
        ASSERT_EQ(install.details.count("peer-ids"), 1u) << unit;
        EXPECT_EQ(install.get("peer-ids"), "") << unit;
        EXPECT_EQ(install.get("peer-get"),
                  "2 ERROR invalid value \"replicas:0\" for option -r: relation not found")
            << unit;
        EXPECT_EQ(events.at(1).hook(), "replicas-relation-created") << unit;
    }
}

TEST(EventOrderTest, HookEnvironmentIsJujus) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.wait();
    const auto events = model.events("rec/0");
    ASSERT_FALSE(events.empty());
    const Event& install = events.front();
    EXPECT_EQ(install.path(), "hooks/install");
    EXPECT_EQ(install.get("unit"), "rec/0");
    EXPECT_EQ(install.get("model"), model.name());
    EXPECT_EQ(install.get("version"), "3.6.12");
    EXPECT_TRUE(install.get("context").starts_with("rec/0-install-")) << install.get("context");
    EXPECT_EQ(install.get("relation-id"), "");
    EXPECT_TRUE(install.get("cwd").ends_with("agents/unit-rec-0/charm")) << install.get("cwd");
    const auto joined = std::find_if(events.begin(), events.end(), [](const Event& e) {
        return e.hook() == "replicas-relation-joined";
    });
    ASSERT_NE(joined, events.end());
    EXPECT_EQ(joined->get("relation"), "replicas");
    EXPECT_EQ(joined->get("relation-id"), "replicas:0");
    EXPECT_EQ(joined->get("remote-unit"), "rec/1");
    EXPECT_EQ(joined->get("remote-app"), "rec");
    // relation-list during -joined already includes the joining unit; its data is readable.
    EXPECT_EQ(joined->get("members"), "rec/1 ");
    EXPECT_EQ(joined->get("remote-data"), "rec/1");
}

TEST(EventOrderTest, IntegrateGivesCreatedThenJoinedChangedPerRemoteUnit) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.ok({"deploy", recorder_charm(), "sink", "-n", "1"});
    model.wait();
    model.ok({"integrate", "rec:source", "sink:sink"});
    model.wait();
    auto sink_hooks = model.hooks("sink/0");
    const auto created = std::find(sink_hooks.begin(), sink_hooks.end(), "sink-relation-created");
    ASSERT_NE(created, sink_hooks.end());
    std::vector<std::string> after(created, sink_hooks.end());
    // Remote units join in the order they enter scope (each after its own relation-created);
    // each joined is immediately followed by changed for the same unit.
    ASSERT_EQ(after.size(), 5u);
    EXPECT_EQ(after[0], "sink-relation-created");
    for (std::size_t i = 1; i < 5; i += 2) {
        ASSERT_TRUE(after[i].starts_with("sink-relation-joined@")) << after[i];
        EXPECT_EQ(after[i + 1], "sink-relation-changed@" + after[i].substr(after[i].find('@') + 1));
    }
    EXPECT_NE(after[1], after[3]);
    for (const std::string unit : {"rec/0", "rec/1"}) {
        auto hooks = model.hooks(unit);
        const auto start = std::find(hooks.begin(), hooks.end(), "source-relation-created");
        ASSERT_NE(start, hooks.end()) << unit;
        EXPECT_THAT(std::vector<std::string>(start, hooks.end()),
                    ElementsAre("source-relation-created", "source-relation-joined@sink/0",
                                "source-relation-changed@sink/0"));
    }
    const json status = model.status();
    EXPECT_EQ(status["applications"]["rec"]["relations"]["source"][0]["related-application"],
              "sink");
    EXPECT_EQ(status["applications"]["rec"]["relations"]["source"][0]["interface"], "recorder");
    EXPECT_EQ(status["applications"]["rec"]["relations"]["source"][0]["scope"], "global");
}

TEST(EventOrderTest, AddUnitJoinsTheNewUnitEverywhere) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.ok({"deploy", recorder_charm(), "sink"});
    model.ok({"integrate", "rec:source", "sink:sink"});
    model.wait();
    model.ok({"add-unit", "rec"});
    model.wait();
    auto hooks = model.hooks("rec/2");
    hooks.erase(std::remove(hooks.begin(), hooks.end(), "replicas-relation-changed"), hooks.end());
    ASSERT_GE(hooks.size(), 6u);
    EXPECT_EQ(hooks[0], "install");
    // relation-created for every existing relation (peer and non-peer), in relation id order.
    EXPECT_EQ(hooks[1], "replicas-relation-created");
    EXPECT_EQ(hooks[2], "source-relation-created");
    EXPECT_EQ(hooks[3], "leader-settings-changed");
    EXPECT_EQ(hooks[4], "config-changed");
    EXPECT_EQ(hooks[5], "start");
    const std::vector<std::string> rest(hooks.begin() + 6, hooks.end());
    for (const std::string remote : {"rec/0", "rec/1"}) {
        const auto joined =
            std::find(rest.begin(), rest.end(), "replicas-relation-joined@" + remote);
        ASSERT_NE(joined, rest.end()) << remote;
        EXPECT_EQ(*(joined + 1), "replicas-relation-changed@" + remote);
    }
    const auto sink_joined = std::find(rest.begin(), rest.end(), "source-relation-joined@sink/0");
    ASSERT_NE(sink_joined, rest.end());
    EXPECT_EQ(*(sink_joined + 1), "source-relation-changed@sink/0");
    for (const std::string unit : {"rec/0", "rec/1"}) {
        const auto existing = model.hooks(unit);
        const auto joined =
            std::find(existing.begin(), existing.end(), "replicas-relation-joined@rec/2");
        ASSERT_NE(joined, existing.end()) << unit;
        EXPECT_EQ(*(joined + 1), "replicas-relation-changed@rec/2");
    }
    const auto sink = model.hooks("sink/0");
    const auto joined = std::find(sink.begin(), sink.end(), "sink-relation-joined@rec/2");
    ASSERT_NE(joined, sink.end());
    EXPECT_EQ(*(joined + 1), "sink-relation-changed@rec/2");
}

TEST(EventOrderTest, RemoveUnitDepartsWithDepartingUnitThenBrokenStopRemove) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "3"});
    model.ok({"deploy", recorder_charm(), "sink"});
    model.ok({"integrate", "rec:source", "sink:sink"});
    model.wait();
    const fs::path dying_dir = model.agent_dir("rec/2");
    const auto before = model.events("rec/2").size();
    const auto result = model.run({"remove-unit", "rec/2", "--no-prompt"});
    EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
    EXPECT_THAT(result.stderr_text, ::testing::HasSubstr("will remove unit rec/2"));
    model.wait();
    // A removed machine's disk stays until destroy-model, so the dead unit's log is readable.
    ASSERT_TRUE(fs::exists(dying_dir / "events.log"));
    const std::string text = testing_support::read_text(dying_dir / "events.log");
    std::vector<std::string> tail;
    std::size_t count = 0;
    std::size_t pos = 0;
    while ((pos = text.find("event=", pos)) != std::string::npos) {
        const auto end = text.find('\n', pos);
        const std::string line = text.substr(pos, end - pos);
        if (count++ >= before) {
            const auto hook_at = line.find("|hook=") + 6;
            const std::string hook = line.substr(hook_at, line.find('|', hook_at) - hook_at);
            const auto remote_at = line.find("|remote-unit=") + 13;
            const std::string remote =
                line.substr(remote_at, line.find('|', remote_at) - remote_at);
            const auto departing_at = line.find("|departing=") + 11;
            const std::string departing =
                line.substr(departing_at, line.find('|', departing_at) - departing_at);
            tail.push_back(hook + (remote.empty() ? "" : "@" + remote) +
                           (departing.empty() ? "" : " departing=" + departing));
        }
        pos = end;
    }
    EXPECT_THAT(tail, ElementsAre("replicas-relation-departed@rec/0 departing=rec/2",
                                  "replicas-relation-departed@rec/1 departing=rec/2",
                                  "source-relation-departed@sink/0 departing=rec/2",
                                  "source-relation-broken", "stop", "remove"));
    for (const std::string survivor : {"rec/0", "rec/1"}) {
        const auto events = model.events(survivor);
        const auto departed = std::find_if(events.begin(), events.end(), [](const Event& e) {
            return e.hook() == "replicas-relation-departed" && e.get("remote-unit") == "rec/2";
        });
        ASSERT_NE(departed, events.end()) << survivor;
        EXPECT_EQ(departed->get("departing"), "rec/2");
        EXPECT_THAT(departed->get("members"), ::testing::Not(::testing::HasSubstr("rec/2")));
    }
    const auto sink_events = model.events("sink/0");
    const auto departed = std::find_if(sink_events.begin(), sink_events.end(), [](const Event& e) {
        return e.hook() == "sink-relation-departed";
    });
    ASSERT_NE(departed, sink_events.end());
    EXPECT_EQ(departed->get("departing"), "rec/2");
    const json status = model.status();
    EXPECT_FALSE(status["applications"]["rec"]["units"].contains("rec/2"));
    // rec/0, rec/1, sink/0: the removed unit's machine is released a little later, as Juju's
    // provisioner does.
    model.wait_for([](const json& s) { return s["machines"].size() == 3u; },
                   std::chrono::seconds(60));
}

TEST(EventOrderTest, RemoveRelationDepartsThenBreaksBothSides) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.ok({"deploy", recorder_charm(), "sink"});
    model.ok({"integrate", "rec:source", "sink:sink"});
    model.wait();
    model.ok({"remove-relation", "rec", "sink"});
    model.wait();
    const auto sink = model.hooks("sink/0");
    const auto first = std::find(sink.begin(), sink.end(), "sink-relation-departed@rec/0");
    ASSERT_NE(first, sink.end());
    EXPECT_THAT(std::vector<std::string>(first, sink.end()),
                ElementsAre("sink-relation-departed@rec/0", "sink-relation-departed@rec/1",
                            "sink-relation-broken"));
    for (const std::string unit : {"rec/0", "rec/1"}) {
        const auto hooks = model.hooks(unit);
        const auto departed =
            std::find(hooks.begin(), hooks.end(), "source-relation-departed@sink/0");
        ASSERT_NE(departed, hooks.end()) << unit;
        EXPECT_THAT(std::vector<std::string>(departed, hooks.end()),
                    ElementsAre("source-relation-departed@sink/0", "source-relation-broken"));
    }
    EXPECT_FALSE(model.status()["applications"]["rec"].contains("relations") &&
                 model.status()["applications"]["rec"]["relations"].contains("source"));
}

TEST(EventOrderTest, RemovingTheLeaderElectsAnother) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "3"});
    model.wait();
    const std::string old_leader = leader_of(model.status(), "rec");
    std::map<std::string, std::size_t> seen_before;
    for (const auto& unit : other_units(old_leader, 3)) {
        seen_before[unit] = model.hooks(unit).size();
    }
    model.ok({"remove-unit", old_leader});
    model.wait();
    const json status = model.status();
    const std::string new_leader = leader_of(status, "rec");
    ASSERT_FALSE(new_leader.empty());
    EXPECT_NE(new_leader, old_leader);
    const auto hooks = model.hooks(new_leader);
    EXPECT_EQ(std::count(hooks.begin(), hooks.end(), "leader-elected"), 1);
    for (const auto& [name, unit] : status["applications"]["rec"]["units"].items()) {
        if (name == new_leader) {
            continue;
        }
        // Juju runs leader-settings-changed on minions when the leader settings change, not
        // when leadership moves: the new leader's one leader-set (leader=<it>) gives exactly
        // one. (How many ran during deploy depends on timing: the first leader's leader-set
        // may land before or after a minion's first one, which then coalesces.)
        const auto other = model.hooks(name);
        const std::vector<std::string> after(
            other.begin() + static_cast<long>(seen_before.at(name)), other.end());
        EXPECT_EQ(std::count(after.begin(), after.end(), "leader-settings-changed"), 1) << name;
        EXPECT_GE(std::count(other.begin(), other.end(), "leader-settings-changed"), 2) << name;
    }
}

TEST(EventOrderTest, ConfigChangeRunsConfigChangedEverywhere) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2", "--config", "message=first"});
    model.wait();
    EXPECT_EQ(model.status()["applications"]["rec"]["units"]["rec/0"]["workload-status"]["message"],
              "first");
    model.ok({"config", "rec", "message=second"});
    model.wait();
    for (const std::string unit : {"rec/0", "rec/1"}) {
        const auto hooks = model.hooks(unit);
        EXPECT_EQ(std::count(hooks.begin(), hooks.end(), "config-changed"), 2) << unit;
        EXPECT_EQ(
            model.status()["applications"]["rec"]["units"][unit]["workload-status"]["message"],
            "second");
    }
    // Setting the same value again changes nothing, so no hook runs.
    model.ok({"config", "rec", "message=second"});
    model.wait();
    const auto hooks = model.hooks("rec/0");
    EXPECT_EQ(std::count(hooks.begin(), hooks.end(), "config-changed"), 2);
    EXPECT_EQ(model.ok({"config", "rec", "message"}), "second\n");
}

TEST(EventOrderTest, TickRunsUpdateStatusOnEveryUnit) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.wait();
    model.ok({"tick"});
    model.wait();
    for (const std::string unit : {"rec/0", "rec/1"}) {
        const auto hooks = model.hooks(unit);
        EXPECT_EQ(hooks.back(), "update-status") << unit;
    }
    // `tick UNIT`: that unit only.
    const auto count = [&](const std::string& unit) {
        const auto hooks = model.hooks(unit);
        return std::count(hooks.begin(), hooks.end(), "update-status");
    };
    model.ok({"tick", "rec/1"});
    model.wait();
    EXPECT_EQ(count("rec/0"), 1);
    EXPECT_EQ(count("rec/1"), 2);
    EXPECT_NE(model.run({"tick", "rec/7"}).exit_code, 0) << "an unknown unit";
}

TEST(EventOrderTest, RemoveApplicationTearsDownBothSides) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.ok({"deploy", recorder_charm(), "sink"});
    model.ok({"integrate", "rec:source", "sink:sink"});
    model.wait();
    model.ok({"remove-application", "sink", "--no-prompt"});
    model.wait();
    const json status = model.status();
    EXPECT_FALSE(status["applications"].contains("sink"));
    for (const std::string unit : {"rec/0", "rec/1"}) {
        const auto hooks = model.hooks(unit);
        const auto departed =
            std::find(hooks.begin(), hooks.end(), "source-relation-departed@sink/0");
        ASSERT_NE(departed, hooks.end());
        EXPECT_EQ(*(departed + 1), "source-relation-broken");
    }
}

}  // namespace
}  // namespace jujusim_test
