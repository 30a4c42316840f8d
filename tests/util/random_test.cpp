#include <regex>
#include <set>

#include <gtest/gtest.h>
#include <unistd.h>

#include <slurmctld/util/process.hpp>
#include <slurmctld/util/random.hpp>

namespace {

using namespace slurmctld::util;

TEST(Random, UuidsAreVersion4InCanonicalFormAndDiffer) {
    const std::regex form("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const auto id = random_uuid_v4();
        EXPECT_TRUE(std::regex_match(id, form)) << id;
        seen.insert(id);
    }
    EXPECT_EQ(seen.size(), 100U);
}

TEST(Random, AlphanumericNamesHaveTheLengthAndAlphabetAsked) {
    std::set<std::string> seen;
    for (int i = 0; i < 100; ++i) {
        const auto name = random_alphanumeric(12);
        ASSERT_EQ(name.size(), 12U);
        EXPECT_EQ(name.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                         "0123456789"),
                  std::string::npos);
        seen.insert(name);
    }
    EXPECT_EQ(seen.size(), 100U);
}

TEST(Random, StringsUseOnlyTheirAlphabetAndAllOfIt) {
    std::set<char> used;
    for (int i = 0; i < 20; ++i) {
        const auto text = random_string(32, "0123456789abcdef");
        ASSERT_EQ(text.size(), 32U);
        EXPECT_EQ(text.find_first_not_of("0123456789abcdef"), std::string::npos) << text;
        used.insert(text.begin(), text.end());
    }
    EXPECT_EQ(used.size(), 16U);  // 640 draws miss one of 16 digits with p < 1e-16
    EXPECT_EQ(random_string(5, "x"), "xxxxx");
    EXPECT_TRUE(random_string(0, "ab").empty());
    EXPECT_THROW(random_string(4, ""), std::invalid_argument);
}

TEST(Random, Uint64sDiffer) {
    std::set<std::uint64_t> seen;
    for (int i = 0; i < 100; ++i) {
        seen.insert(random_uint64());
    }
    EXPECT_EQ(seen.size(), 100U);
}

TEST(Random, ProcessesForkedFromOneParentDrawDifferentNames) {
    (void)random_alphanumeric(4);  // the parent has drawn before it forks
    std::set<std::string> seen;
    for (int i = 0; i < 8; ++i) {
        const auto child = slurmctld::util::run_in_child(
            [](int out) {
                const auto name = random_alphanumeric(12);
                return ::write(out, name.data(), name.size()) == 12 ? 0 : 1;
            },
            std::chrono::seconds(10));
        seen.insert(child.output);
    }
    EXPECT_EQ(seen.size(), 8U);
}

}  // namespace
