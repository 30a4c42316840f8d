// Juju's leadership lease as jujusim keeps it: claimed for the lease, renewed every half lease
// while the leader's agent runs, so a leader that dies is replaced half a lease to a lease later.
#include <gtest/gtest.h>

#include <jujusim/model_rules.hpp>

namespace jujusim {
namespace {

TEST(LeadershipLease, DefaultIsJujusMinute) {
    Model model;
    EXPECT_EQ(leadership_lease_seconds(model), 60.0);
    model.config["leadership-lease-seconds"] = 10;
    EXPECT_EQ(leadership_lease_seconds(model), 10.0);
}

TEST(LeadershipLease, ARunningLeaderRenewsEveryHalfLease) {
    const double lease = 60;
    double expires = 0 + lease;  // claimed at t=0
    EXPECT_EQ(renewed_lease(expires, 29, lease), 60);
    expires = renewed_lease(expires, 30, lease);
    EXPECT_EQ(expires, 90);
    EXPECT_EQ(renewed_lease(expires, 59.5, lease), 90);
    EXPECT_EQ(renewed_lease(expires, 60, lease), 120);
}

TEST(LeadershipLease, ADeadLeaderIsReplacedHalfALeaseToALeaseLater) {
    const double lease = 60;
    // The agent looks every quarter second; it dies at `death`: the lease then runs out at the
    // expiry of its last renewal.
    for (const double death : {30.0, 45.0, 59.75}) {
        double expires = lease;
        for (double t = 0; t <= death; t += 0.25) {
            expires = renewed_lease(expires, t, lease);
        }
        EXPECT_GT(expires - death, lease / 2 - 0.5) << death;
        EXPECT_LE(expires - death, lease) << death;
    }
}

}  // namespace
}  // namespace jujusim
