// Secret hooks Juju runs on its own: secret-changed for units of the owning application that
// read its secret, secret-expired and secret-rotate for the owner (the leader), with Juju's
// JUJU_SECRET_* variables.
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim_fixture.hpp"

namespace jujusim_test {
namespace {

using ::testing::HasSubstr;

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

std::vector<Event> events_of(const SimModel& model, const std::string& unit,
                             const std::string& hook) {
    std::vector<Event> out;
    for (const auto& event : model.events(unit)) {
        if (event.hook() == hook) {
            out.push_back(event);
        }
    }
    return out;
}

/// secret-info-get of the leader's secret with this label, as JSON keyed by nothing.
json info(const SimModel& model, const std::string& leader, const std::string& label) {
    const json all = json::parse(model.ok(
        {"exec", "--unit", leader, "--", "secret-info-get --format=json --label " + label}));
    return all.begin().value();
}

double epoch_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

double epoch_of(const std::string& rfc3339) {
    std::tm parts{};
    strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%SZ", &parts);
    return static_cast<double>(timegm(&parts));
}

TEST(SecretTriggersTest, UnitsOfTheOwningAppThatReadItGetSecretChanged) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "3"});
    model.wait();
    const std::string leader = leader_of(model.status(), "rec");
    std::vector<std::string> others;
    for (const std::string unit : {"rec/0", "rec/1", "rec/2"}) {
        if (unit != leader) {
            others.push_back(unit);
        }
    }
    const std::string id =
        trimmed(model.ok({"exec", "--unit", leader, "--", "secret-add --label shared token=v1"}));
    // One non-leader reads the application's secret (by id), the other never does.
    EXPECT_EQ(model.ok({"exec", "--unit", others[0], "--", "secret-get " + id + " token"}), "v1\n");
    model.ok({"exec", "--unit", leader, "--", "secret-set " + id + " token=v2"});
    model.wait();
    const auto changed = events_of(model, others[0], "secret-changed");
    ASSERT_EQ(changed.size(), 1u);
    EXPECT_EQ(changed[0].get("secret"), id);
    EXPECT_EQ(changed[0].get("secret-label"), "shared");  // the owner's label
    EXPECT_EQ(changed[0].get("secret-revision"), "2");
    EXPECT_EQ(changed[0].get("secret-content"), "v2");
    EXPECT_TRUE(events_of(model, others[1], "secret-changed").empty());
    EXPECT_TRUE(events_of(model, leader, "secret-changed").empty());
}

TEST(SecretTriggersTest, AnExpiredRevisionRunsSecretExpiredOnTheLeader) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.wait();
    const std::string leader = leader_of(model.status(), "rec");
    const auto bad =
        model.run({"exec", "--unit", leader, "--", "secret-add --expire soon token=x"});
    EXPECT_THAT(bad.stderr_text, HasSubstr("ERROR expire time or duration \"soon\" not valid"));
    const std::string id = trimmed(
        model.ok({"exec", "--unit", leader, "--", "secret-add --label exp --expire 2s token=x"}));
    EXPECT_THAT(info(model, leader, "exp").value("expiry", ""), ::testing::EndsWith("Z"));
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (events_of(model, leader, "secret-expired").empty() &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    model.wait();
    const auto expired = events_of(model, leader, "secret-expired");
    ASSERT_EQ(expired.size(), 1u);
    EXPECT_EQ(expired[0].get("secret"), id);
    EXPECT_EQ(expired[0].get("secret-label"), "exp");
    EXPECT_EQ(expired[0].get("secret-revision"), "1");
    const std::string other = leader == "rec/0" ? "rec/1" : "rec/0";
    EXPECT_TRUE(events_of(model, other, "secret-expired").empty());
    // The charm removed the expired (only) revision: the secret is gone.
    EXPECT_EQ(json::parse(model.ok({"secrets", "--format", "json"})), json::object());
}

TEST(SecretTriggersTest, RotationRunsSecretRotateOnTheLeaderAndReschedules) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec"});
    model.wait();
    const std::string id = trimmed(model.ok(
        {"exec", "--unit", "rec/0", "--", "secret-add --label rot --rotate hourly token=a"}));
    json before = info(model, "rec/0", "rot");
    EXPECT_EQ(before["rotation"], "hourly");
    EXPECT_NEAR(epoch_of(before["rotates"]), epoch_now() + 3600, 120);
    // The rotation time is reached (tick): secret-rotate, with no revision in its environment.
    double ticked = epoch_now();
    model.ok({"tick", "--secrets"});
    model.wait();
    auto rotated = events_of(model, "rec/0", "secret-rotate");
    ASSERT_EQ(rotated.size(), 1u);
    EXPECT_EQ(rotated[0].get("secret"), id);
    EXPECT_EQ(rotated[0].get("secret-label"), "rot");
    EXPECT_EQ(rotated[0].get("secret-revision"), "");
    EXPECT_EQ(rotated[0].get("rotated"), "yes");
    json after = info(model, "rec/0", "rot");
    EXPECT_EQ(after["revision"], 2);
    EXPECT_NEAR(epoch_of(after["rotates"]), ticked + 3600, 120);  // the next hour
    // A rotation that makes no new revision is asked for again 5 minutes on.
    testing_support::write_text(model.agent_dir("rec/0") / "no-rotate", "");
    ticked = epoch_now();
    model.ok({"tick", "--secrets"});
    model.wait();
    rotated = events_of(model, "rec/0", "secret-rotate");
    ASSERT_EQ(rotated.size(), 2u);
    EXPECT_EQ(rotated[1].get("rotated"), "no");
    after = info(model, "rec/0", "rot");
    EXPECT_EQ(after["revision"], 2);
    EXPECT_NEAR(epoch_of(after["rotates"]), ticked + 300, 60);
}

}  // namespace
}  // namespace jujusim_test
