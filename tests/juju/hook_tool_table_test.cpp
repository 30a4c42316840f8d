// Juju's hook-tool table: gnuflag's rules, the argument rules and the output shapes every
// implementation (ProcessHookTools, the fakes, jujusim) is built from.
#include <gtest/gtest.h>

#include <slurmctld/juju/hook_tool_table.hpp>

#include "support/fake_tool_server.hpp"

using slurmctld::juju::find_hook_tool;
using slurmctld::juju::hook_tool;
using slurmctld::juju::hook_tool_table;
using slurmctld::juju::HookToolError;
using slurmctld::juju::parse_tool_args;
using slurmctld::juju::ToolArgs;
using Args = std::vector<std::string>;

namespace {

ToolArgs parse(const std::string& tool, const Args& args) {
    return parse_tool_args(hook_tool(tool), args);
}

/// The usage error parsing gives: {exit code, stderr}.
std::pair<int, std::string> refusal(const std::string& tool, const Args& args) {
    try {
        parse(tool, args);
    } catch (const HookToolError& e) {
        return {e.exit_code(), e.stderr_text()};
    }
    return {0, ""};
}

}  // namespace

TEST(HookToolTableTest, EveryToolTheFakeAnswersIsARow) {
    // The fake answers one tool per HookTools method: every tool the charm can call.
    const auto names = testing_support::fake_tool_names();
    EXPECT_EQ(names.size(), 33U);
    for (const auto& name : names) {
        EXPECT_NE(find_hook_tool(name), nullptr) << name;
    }
    EXPECT_EQ(find_hook_tool("juju"), nullptr);
    EXPECT_TRUE(std::is_sorted(hook_tool_table().begin(), hook_tool_table().end(),
                               [](const auto& a, const auto& b) { return a.name < b.name; }));
}

TEST(HookToolTableTest, FlagsFollowGnuflag) {
    // Interspersed flags, --x=y, -r N, -rN, and -- ending the flags.
    const auto parsed = parse("relation-get", {"key", "-r", "db:3", "--format=json", "db/0"});
    EXPECT_EQ(parsed.flags.get("relation"), "db:3");
    EXPECT_EQ(parsed.format(), "json");
    EXPECT_EQ(parsed.args(), (Args{"key", "db/0"}));
    EXPECT_EQ(parse("relation-list", {"-r3"}).flags.get("r"), "3");
    EXPECT_EQ(parse("relation-list", {"-r=3"}).flags.get("r"), "=3");  // as gnuflag does
    EXPECT_EQ(parse("relation-list", {"--relation", "db:3"}).flags.get("r"), "db:3");
    EXPECT_EQ(parse("juju-log", {"--", "--not-a-flag", "-r"}).args(), (Args{"--not-a-flag", "-r"}));
    EXPECT_EQ(parse("relation-get", {"-", "db/0"}).args(), (Args{"-", "db/0"}));
}

TEST(HookToolTableTest, BoolFlagsTakeGoParseBoolValues) {
    for (const auto* yes : {"1", "t", "T", "TRUE", "true", "True"}) {
        EXPECT_TRUE(
            parse("status-get", {std::string("--application=") + yes}).flags.on("application"))
            << yes;
    }
    for (const auto* no : {"0", "f", "F", "FALSE", "false", "False"}) {
        EXPECT_FALSE(
            parse("status-get", {std::string("--application=") + no}).flags.on("application"))
            << no;
    }
    EXPECT_TRUE(parse("relation-list", {"--app", "-r", "1"}).flags.on("app"));
    EXPECT_EQ(refusal("status-get", {"--application=yes"}).first, 2);
}

TEST(HookToolTableTest, UsageErrorsExitTwoWithJujusMessages) {
    EXPECT_EQ(refusal("relation-list", {"--foo"}),
              std::make_pair(2, std::string("ERROR flag provided but not defined: --foo\n")));
    EXPECT_EQ(refusal("relation-list", {"-r"}),
              std::make_pair(2, std::string("ERROR flag needs an argument: -r\n")));
    EXPECT_EQ(refusal("is-leader", {"x", "y"}),
              std::make_pair(2, std::string("ERROR unrecognized args: [\"x\" \"y\"]\n")));
    EXPECT_EQ(refusal("status-set", {}),
              std::make_pair(2, std::string("ERROR invalid args, require <status> [message]\n")));
    EXPECT_EQ(refusal("juju-log", {"--log-level", "INFO"}),
              std::make_pair(2, std::string("ERROR no message specified\n")));
    EXPECT_EQ(refusal("config-get", {"--format", "xml"}),
              std::make_pair(2, std::string("ERROR invalid value \"xml\" for option --format: "
                                            "unknown format \"xml\"\n")));
    // Tools that print nothing take no --format (relation-set's is a deprecated no-op).
    EXPECT_EQ(refusal("leader-set", {"--format=json"}).first, 2);
    EXPECT_EQ(refusal("relation-set", {"--format=json"}).first, 0);
}

TEST(HookToolTableTest, OutputIsPrintedInTheToolsDefaultFormat) {
    EXPECT_EQ(parse("is-leader", {}).output(true), "True\n");
    EXPECT_EQ(parse("is-leader", {"--format=json"}).output(true), "true\n");
    EXPECT_EQ(parse("goal-state", {}).format(), "yaml");
    EXPECT_EQ(parse("secret-get", {"x"}).format(), "yaml");
    EXPECT_EQ(parse("relation-ids", {}).output(nlohmann::json::array({"db:1", "db:2"})),
              "db:1\ndb:2\n");
    EXPECT_EQ(parse("relation-get", {"--format=json"}).output(nlohmann::json()), "null\n");
    EXPECT_EQ(parse("relation-get", {}).output(nlohmann::json()), "");
}

TEST(HookToolTableTest, KeyValuesAreTrimmedAndUnique) {
    using slurmctld::juju::parse_key_values;
    EXPECT_EQ(parse_key_values("leader-set", {" a = 1 ", "b="}),
              (std::map<std::string, std::string>{{"a", "1"}, {"b", ""}}));
    try {
        parse_key_values("leader-set", {"a=1", "a=2"});
        FAIL();
    } catch (const HookToolError& e) {
        EXPECT_EQ(e.exit_code(), 2);
        EXPECT_EQ(e.stderr_text(), "ERROR key \"a\" specified more than once\n");
    }
    EXPECT_THROW(parse_key_values("leader-set", {"novalue"}), HookToolError);
}

TEST(HookToolTableTest, SecretContentIsReadAsJujuReadsIt) {
    using slurmctld::juju::parse_secret_content;
    std::vector<std::string> files_read;
    const auto read_file = [&files_read](const std::string& path) {
        files_read.push_back(path);
        return std::string("from ") + path;
    };
    EXPECT_EQ(
        parse_secret_content("secret-add",
                             {"plain=a=b", "coded#base64=djM=", "read#file=/tmp/x/key"}, read_file),
        (slurmctld::juju::SecretContent{
            {"plain", "a=b"}, {"coded", "v3"}, {"read", "from /tmp/x/key"}}));
    EXPECT_EQ(files_read, std::vector<std::string>{"/tmp/x/key"});
    const auto usage_error = [&](const std::string& arg) {
        try {
            parse_secret_content("secret-add", {arg}, read_file);
        } catch (const HookToolError& e) {
            EXPECT_EQ(e.exit_code(), 2) << arg;
            return e.stderr_text();
        }
        return std::string("no error");
    };
    EXPECT_EQ(usage_error("key="), "ERROR key value \"key=\" not valid\n");
    EXPECT_EQ(usage_error("=v"), "ERROR key value \"=v\" not valid\n");
    EXPECT_EQ(usage_error("ab=v"), "ERROR key \"ab\" not valid\n");
    EXPECT_EQ(usage_error("a-b-=v"), "ERROR key \"a-b-\" not valid\n");
    EXPECT_EQ(usage_error("../etc#file=/x"), "ERROR key \"../etc\" not valid\n");
    EXPECT_EQ(usage_error("has-padding=dg=="), "no error");
    try {
        parse_secret_content("secret-add", {"key#base64=d!M="}, read_file);
        FAIL();
    } catch (const HookToolError& e) {
        EXPECT_EQ(e.exit_code(), 1);
        EXPECT_EQ(e.stderr_text(), "ERROR illegal base64 data\n");
    }
}

TEST(HookToolTableTest, TheFilesACallReadsAreItsFileFlagAndSecretContentFiles) {
    using slurmctld::juju::paths_read_by;
    EXPECT_EQ(paths_read_by("secret-add", {"--label", "x", "key#file=/run/a", "b=c#file=/d"}),
              Args{"/run/a"});
    EXPECT_EQ(paths_read_by("secret-set", {"secret:abc", "--file", "/run/y.yaml"}),
              Args{"/run/y.yaml"});
    EXPECT_EQ(paths_read_by("relation-set", {"--file=/run/z.yaml"}), Args{"/run/z.yaml"});
    EXPECT_EQ(paths_read_by("relation-set", {"key#file=/etc/shadow"}), Args{});
    EXPECT_EQ(paths_read_by("secret-add", {"--no-such-flag", "key#file=/run/a"}), Args{});
    EXPECT_EQ(paths_read_by("no-such-tool", {"--file", "/run/a"}), Args{});
}

TEST(HookToolTableTest, SettingsFilesAreMapsOfScalarText) {
    using slurmctld::juju::parse_settings_yaml;
    EXPECT_EQ(
        parse_settings_yaml("relation-set", "{\"a\": \"x\", \"b\": 1.0, \"c\": yes, d: }"),
        (std::map<std::string, std::string>{{"a", "x"}, {"b", "1.0"}, {"c", "yes"}, {"d", ""}}));
    EXPECT_TRUE(parse_settings_yaml("state-set", "").empty());
    EXPECT_THROW(parse_settings_yaml("state-set", "[1, 2]"), HookToolError);
    EXPECT_THROW(parse_settings_yaml("state-set", "a: {b: c}"), HookToolError);
}

TEST(HookToolTableTest, ActionResultsFollowJujusKeyRule) {
    using slurmctld::juju::parse_action_results;
    EXPECT_EQ(parse_action_results("action-set", {"a.b=1", "a.c=2", "d=x=y"}),
              (nlohmann::json{{"a", {{"b", "1"}, {"c", "2"}}}, {"d", "x=y"}}));
    EXPECT_EQ(parse_action_results("action-set", {}), nlohmann::json::object());
    for (const Args& bad :
         {Args{"Foo=1"}, Args{"stdout=1"}, Args{"a.stderr=1"}, Args{"x"}, Args{"=1"}}) {
        EXPECT_THROW(parse_action_results("action-set", bad), HookToolError) << bad[0];
    }
}
