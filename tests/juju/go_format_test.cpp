// Juju's output formats (Go's encoding/json, yaml.v2, the hook tools' "smart" format).
#include <gtest/gtest.h>

#include <slurmctld/juju/go_format.hpp>

namespace slurmctld::juju {
namespace {

using nlohmann::json;
using nlohmann::ordered_json;

TEST(GoFormatTest, JsonIsCompactSortedAndHtmlEscaped) {
    const json value = json::parse(R"({"b":[1,2.5,60.0,true,null],"a":"<x>&\u2028","c":{}})");
    EXPECT_EQ(go_json(value),
              R"({"a":"\u003cx\u003e\u0026\u2028","b":[1,2.5,60,true,null],"c":{}})");
    EXPECT_EQ(go_json(json(nullptr)), "null");
    EXPECT_EQ(format_output(json::array(), "json"), "[]\n");
}

TEST(GoFormatTest, SmartFormatPrintsStringsListsAndBoolsLikeJuju) {
    EXPECT_EQ(go_smart("value"), "value\n");
    EXPECT_EQ(go_smart(""), "");
    EXPECT_EQ(go_smart(json::array({"a", "b"})), "a\nb\n");
    EXPECT_EQ(go_smart(json::array()), "");
    EXPECT_EQ(go_smart(true), "True\n");
    EXPECT_EQ(go_smart(json(nullptr)), "");
    EXPECT_EQ(go_smart(json{{"k", "v"}}), "k: v\n");
}

TEST(GoFormatTest, JsonHandlesUtf8AndFloatsAsGoDoes) {
    EXPECT_EQ(go_json(json("caf\u00e9 \u2029")), "\"caf\u00e9 \\u2029\"");
    EXPECT_EQ(go_json(json(std::string("bad \xff byte"))), R"("bad \ufffd byte")");
    EXPECT_EQ(go_json(json("a\x01"
                           "b")),
              R"("a\u0001b")");
    EXPECT_EQ(go_json(json(1e-7)), "1e-7");
    EXPECT_EQ(go_json(json(0.25)), "0.25");
    EXPECT_EQ(go_json(ordered_json{{"z", 1}, {"a", 2}}), R"({"z":1,"a":2})");
}

TEST(GoFormatTest, YamlAndFormatOutput) {
    EXPECT_EQ(go_yaml(json{{"k", "v"}, {"list", {1, 2}}}), "k: v\nlist:\n  - 1\n  - 2\n");
    EXPECT_EQ(go_yaml(json(nullptr)), "");
    EXPECT_EQ(format_output(json{{"k", true}}, "yaml"), "k: true\n");
    EXPECT_EQ(format_output(json("x"), "smart"), "x\n");
}

}  // namespace
}  // namespace slurmctld::juju
