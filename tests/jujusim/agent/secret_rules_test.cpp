// Juju's secret schedules as jujusim keeps them: rotation policies in calendar terms, and when
// secret-rotate runs again after it ran (Juju's SecretRotated).
#include <gtest/gtest.h>

#include <jujusim/go_format.hpp>
#include <jujusim/model_rules.hpp>

namespace jujusim {
namespace {

double at(const char* text) {
    return parse_rfc3339(text).value();
}

TEST(SecretRotation, PoliciesAreCalendarSteps) {
    const double from = at("2025-01-31T10:00:00Z");
    EXPECT_EQ(next_rotate_time("hourly", from), at("2025-01-31T11:00:00Z"));
    EXPECT_EQ(next_rotate_time("daily", from), at("2025-02-01T10:00:00Z"));
    EXPECT_EQ(next_rotate_time("weekly", from), at("2025-02-07T10:00:00Z"));
    EXPECT_EQ(next_rotate_time("monthly", from), at("2025-03-03T10:00:00Z"));  // as Go's AddDate
    EXPECT_EQ(next_rotate_time("quarterly", from), at("2025-05-01T10:00:00Z"));
    EXPECT_EQ(next_rotate_time("yearly", from), at("2026-01-31T10:00:00Z"));
    EXPECT_EQ(next_rotate_time("never", from), 0);
    EXPECT_EQ(next_rotate_time("", from), 0);
}

TEST(SecretRotation, AfterTheHookTheScheduleMovesOnOrRetries) {
    Secret secret;
    secret.rotate = "hourly";
    secret.latest = 3;
    secret.next_rotate = at("2025-01-01T10:00:00Z");  // when it was due
    const double now = at("2025-01-01T10:02:00Z");
    // A new revision was made (queued at 2, now 3): the next hour after the scheduled time.
    EXPECT_EQ(next_rotate_after_hook(secret, 2, now), at("2025-01-01T11:00:00Z"));
    // None was made: again 5 minutes after the scheduled time.
    EXPECT_EQ(next_rotate_after_hook(secret, 3, now), at("2025-01-01T10:05:00Z"));
    // The latest revision expires before the next hour: rotate sooner.
    secret.expiry["3"] = at("2025-01-01T10:30:00Z");
    EXPECT_EQ(next_rotate_after_hook(secret, 2, now), at("2025-01-01T10:05:00Z"));
    // The policy was set to never meanwhile: no more rotations.
    secret.rotate = "never";
    EXPECT_EQ(next_rotate_after_hook(secret, 2, now), 0);
}

}  // namespace
}  // namespace jujusim
