#include <gtest/gtest.h>

#include <slurmctld/util/strings.hpp>

namespace {

using namespace slurmctld::util;
using Views = std::vector<std::string_view>;

TEST(Strings, TrimRemovesWhitespaceAtBothEndsOnly) {
    EXPECT_EQ(trim("  a b \t\r\n"), "a b");
    EXPECT_EQ(trim(" \n\t "), "");
    EXPECT_EQ(trim(""), "");
    EXPECT_EQ(trim_left("  x  "), "x  ");
    EXPECT_EQ(trim_right("  x  "), "  x");
    EXPECT_EQ(trim("--x--", "-"), "x");
}

TEST(Strings, SplitKeepsEmptyFieldsAndSplitFieldsDropsThem) {
    EXPECT_EQ(split("a,,b,", ','), (Views{"a", "", "b", ""}));
    EXPECT_EQ(split("", ','), (Views{""}));
    EXPECT_EQ(split("abc", ','), (Views{"abc"}));
    EXPECT_EQ(split_fields("  one two\t\tthree \n"), (Views{"one", "two", "three"}));
    EXPECT_TRUE(split_fields(" \t ").empty());
    EXPECT_EQ(split_fields("a:b::c", ":"), (Views{"a", "b", "c"}));
}

TEST(Strings, JoinPutsTheSeparatorBetweenParts) {
    EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
    EXPECT_EQ(join({}, ","), "");
    EXPECT_EQ(join({"only"}, ","), "only");
}

TEST(Strings, CaseInsensitiveComparisonsAreAscii) {
    EXPECT_EQ(to_lower("SlurmctldHost=A"), "slurmctldhost=a");
    EXPECT_TRUE(iequals("StateSaveLocation", "statesavelocation"));
    EXPECT_FALSE(iequals("StateSaveLocation", "statesavelocatio"));
    EXPECT_TRUE(istarts_with("PartitionName=debug", "partitionname="));
    EXPECT_FALSE(istarts_with("Part", "partitionname="));
    EXPECT_TRUE(iends_with("slurmctld.SERVICE", ".service"));
    EXPECT_FALSE(iends_with("service", ".service"));
}

TEST(Strings, ParseGoBoolAcceptsExactlyWhatGoAccepts) {
    for (const char* yes : {"1", "t", "T", "TRUE", "true", "True"}) {
        EXPECT_EQ(parse_go_bool(yes), true) << yes;
    }
    for (const char* no : {"0", "f", "F", "FALSE", "false", "False"}) {
        EXPECT_EQ(parse_go_bool(no), false) << no;
    }
    for (const char* neither : {"", "yes", "tRUE", " true", "2", "on"}) {
        EXPECT_EQ(parse_go_bool(neither), std::nullopt) << neither;
    }
}

}  // namespace
