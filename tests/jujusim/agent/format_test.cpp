// Go-compatible output and gnuflag-compatible parsing, in process.
#include <gtest/gtest.h>

#include <jujusim/flags.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/yaml_json.hpp>

namespace jujusim {
namespace {

TEST(GoFormatTest, TimesAreJujus) {
    const auto when = from_epoch(1764351841);  // 2025-11-28 17:44:01 UTC
    EXPECT_EQ(rfc3339(when), "2025-11-28T17:44:01Z");
    EXPECT_EQ(juju_since(when), "28 Nov 2025 17:44:01Z");
    EXPECT_EQ(goal_state_since(when), "2025-11-28 17:44:01Z");
}

TEST(FlagsTest, GnuflagForms) {
    FlagSet flags;
    flags.value({"r", "relation"}).value({"format"}, "smart").boolean({"app"});
    flags.parse({"key", "-r", "db:3", "--format=json", "unit/0", "--app=False"});
    EXPECT_EQ(flags.get("r"), "db:3");
    EXPECT_EQ(flags.get("relation"), "db:3");
    EXPECT_EQ(flags.get("format"), "json");
    EXPECT_FALSE(flags.on("app"));
    EXPECT_EQ(flags.positional, (std::vector<std::string>{"key", "unit/0"}));
    flags.parse({"-r3", "--app", "--", "--format"});
    EXPECT_EQ(flags.get("r"), "3");
    EXPECT_TRUE(flags.on("app"));
    EXPECT_EQ(flags.positional, (std::vector<std::string>{"--format"}));
    flags.parse({"-r=3"});
    EXPECT_EQ(flags.get("r"), "=3");  // gnuflag: single-letter flags take the rest verbatim
    EXPECT_THROW(flags.parse({"--bogus"}), FlagError);
    EXPECT_THROW(flags.parse({"--app=maybe"}), FlagError);
    EXPECT_THROW(flags.parse({"--format"}), FlagError);
    try {
        flags.parse({"--foo"});
    } catch (const FlagError& error) {
        EXPECT_STREQ(error.what(), "flag provided but not defined: --foo");
    }
}

TEST(FlagsTest, GoParseBool) {
    for (const char* yes : {"1", "t", "T", "TRUE", "true", "True"}) {
        EXPECT_EQ(parse_go_bool(yes), true) << yes;
    }
    for (const char* no : {"0", "f", "F", "FALSE", "false", "False"}) {
        EXPECT_EQ(parse_go_bool(no), false) << no;
    }
    EXPECT_FALSE(parse_go_bool("yes").has_value());
}

TEST(YamlJsonTest, ScalarsAreTypedAsYamlV2Does) {
    EXPECT_EQ(yaml_scalar("3"), json(3));
    EXPECT_EQ(yaml_scalar("2.5"), json(2.5));
    EXPECT_EQ(yaml_scalar("true"), json(true));
    EXPECT_EQ(yaml_scalar("plain"), json("plain"));
    EXPECT_EQ(parse_yaml("a: '3'\nb: 3\nc: [x, 1]\n"),
              json::parse(R"({"a":"3","b":3,"c":["x",1]})"));
}

TEST(GoTimeTest, DurationsAsGoParsesThem) {
    EXPECT_EQ(parse_go_duration("90s"), 90.0);
    EXPECT_EQ(parse_go_duration("1h30m"), 5400.0);
    EXPECT_EQ(parse_go_duration("500ms"), 0.5);
    EXPECT_EQ(parse_go_duration("1.5h"), 5400.0);
    EXPECT_EQ(parse_go_duration("-5m"), -300.0);
    EXPECT_EQ(parse_go_duration("0"), 0.0);
    EXPECT_FALSE(parse_go_duration("10").has_value());  // Go wants a unit
    EXPECT_EQ(parse_go_duration("10", true), 10.0);     // jujusim's own flags take seconds
    EXPECT_FALSE(parse_go_duration("10d").has_value());
    EXPECT_FALSE(parse_go_duration("").has_value());
    EXPECT_FALSE(parse_go_duration("h").has_value());
}

TEST(GoTimeTest, Rfc3339AsGoParsesIt) {
    EXPECT_EQ(parse_rfc3339("1970-01-01T00:01:00Z"), 60.0);
    EXPECT_EQ(parse_rfc3339("2025-01-01T06:06:06Z"), 1735711566.0);
    EXPECT_EQ(parse_rfc3339("2025-01-01T08:06:06+02:00"), 1735711566.0);
    EXPECT_EQ(parse_rfc3339("2025-01-01T06:06:06.5Z"), 1735711566.5);
    EXPECT_FALSE(parse_rfc3339("2025-01-01 06:06:06Z").has_value());
    EXPECT_FALSE(parse_rfc3339("24h").has_value());
    EXPECT_EQ(rfc3339(from_epoch(1735711566)), "2025-01-01T06:06:06Z");
}

}  // namespace
}  // namespace jujusim
