// Tests that need root (chown to another user, setuid in a child) fail without it, as
// DEVELOPERS.md asks, unless SLURMCTLD_ALLOW_SKIP_ROOT=1 says the developer knows what is skipped.
#pragma once

#include <cstdlib>
#include <string_view>

#include <gtest/gtest.h>
#include <unistd.h>

namespace host_tests {

inline bool may_skip_root_tests() {
    const char* allow = std::getenv("SLURMCTLD_ALLOW_SKIP_ROOT");
    return allow != nullptr && std::string_view(allow) == "1";
}

}  // namespace host_tests

#define REQUIRE_ROOT()                                                                     \
    do {                                                                                   \
        if (::geteuid() != 0) {                                                            \
            if (host_tests::may_skip_root_tests()) {                                       \
                GTEST_SKIP() << "needs root (skipped: SLURMCTLD_ALLOW_SKIP_ROOT=1)";       \
            }                                                                              \
            FAIL() << "this test needs root (set SLURMCTLD_ALLOW_SKIP_ROOT=1 to skip it)"; \
        }                                                                                  \
    } while (false)
