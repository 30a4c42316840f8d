// fake-hook-tool on its own: Juju's command-line syntax (gnuflag), output formats (Go JSON,
// smart), exit codes and messages, and what it records.
#include <gtest/gtest.h>

#include <slurmctld/util/process.hpp>

#include "support/fake_tool_world.hpp"

#ifndef FAKE_HOOK_TOOL
#error "FAKE_HOOK_TOOL must name the fake-hook-tool binary"
#endif

using slurmctld::util::ProcessOptions;
using slurmctld::util::ProcessResult;
using slurmctld::util::run_process;
using testing_support::FakeToolWorld;
using testing_support::State;

namespace {

State world_state() {
    State state;
    state.leader = true;
    state.config = {{"cluster-name", "osd"}, {"ratio", 60.0}, {"port", 6817}};
    auto& slurmd = state.add_relation("slurmd", 3, "slurmd");
    slurmd.remote_units_data["slurmd/0"] = {{"zeta", "<b>&</b>"}, {"alpha", "caf\xc3\xa9"}};
    slurmd.remote_app_data = {};
    state.add_peer_relation("slurmctld-peer", 1);
    return state;
}

class FakeToolTest : public ::testing::Test {
  protected:
    ProcessResult run(const std::vector<std::string>& argv,
                      std::optional<std::string> stdin_data = std::nullopt,
                      std::map<std::string, std::string> extra_env = {}) {
        ProcessOptions options;
        options.env = world_.env();
        options.env.insert(extra_env.begin(), extra_env.end());
        options.stdin_data = std::move(stdin_data);
        auto full = argv;
        full[0] = (world_.tool_dir() / argv[0]).string();
        return run_process(full, options);
    }

    FakeToolWorld world_{FAKE_HOOK_TOOL, world_state()};
};

}  // namespace

TEST_F(FakeToolTest, PrintsGoJsonSortedCompactAndHtmlEscaped) {
    const auto result = run({"relation-get", "--format=json", "-r", "slurmd:3", "-", "slurmd/0"});
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.stdout_text,
              "{\"alpha\":\"caf\xc3\xa9\",\"zeta\":\"\\u003cb\\u003e\\u0026\\u003c/b\\u003e\"}\n");
    EXPECT_EQ(run({"config-get", "--format=json"}).stdout_text,
              "{\"cluster-name\":\"osd\",\"port\":6817,\"ratio\":60}\n");  // Go prints 60.0 as 60
    EXPECT_EQ(run({"relation-get", "--format=json", "-r", "3", "--app", "-", "slurmd"}).stdout_text,
              "{}\n");
    EXPECT_EQ(run({"secret-ids", "--format=json"}).stdout_text, "null\n");
    EXPECT_EQ(run({"relation-get", "--format=json", "-r", "3", "nope", "slurmd/0"}).stdout_text,
              "null\n");
}

TEST_F(FakeToolTest, SmartFormatIsTheDefault) {
    EXPECT_EQ(run({"is-leader"}).stdout_text, "True\n");
    EXPECT_EQ(run({"is-leader", "--format=json"}).stdout_text, "true\n");
    EXPECT_EQ(run({"relation-ids", "slurmd"}).stdout_text, "slurmd:3\n");
    EXPECT_EQ(run({"relation-ids", "sackd"}).stdout_text, "");
    EXPECT_EQ(run({"relation-ids", "sackd", "--format=json"}).stdout_text, "[]\n");
    EXPECT_EQ(run({"relation-get", "-r", "3", "zeta", "slurmd/0"}).stdout_text, "<b>&</b>\n");
}

TEST_F(FakeToolTest, AcceptsGnuflagSpellings) {
    for (const auto& argv : std::vector<std::vector<std::string>>{
             {"relation-list", "-r", "3", "--format=json"},
             {"relation-list", "-r3", "--format", "json"},
             {"relation-list", "--relation=slurmd:3", "--format=json"},
             {"relation-list", "--format=json", "--relation", "slurmd:3"}}) {
        const auto result = run(argv);
        EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
        EXPECT_EQ(result.stdout_text, "[\"slurmd/0\"]\n");
    }
    // -r=3 passes "=3", as gnuflag does.
    const auto bad = run({"relation-list", "-r=3"});
    EXPECT_EQ(bad.exit_code, 2);
    EXPECT_EQ(bad.stderr_text, "ERROR invalid value \"=3\" for option -r: invalid relation id\n");
    // Defaults come from the hook's environment.
    EXPECT_EQ(
        run({"relation-list", "--format=json"}, std::nullopt, {{"JUJU_RELATION_ID", "slurmd:3"}})
            .stdout_text,
        "[\"slurmd/0\"]\n");
    EXPECT_EQ(run({"relation-list"}).stderr_text, "ERROR no relation id specified\n");
}

TEST_F(FakeToolTest, UsageErrorsExitTwoRuntimeErrorsExitOne) {
    auto result = run({"relation-get", "--bogus"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.stderr_text, "ERROR flag provided but not defined: --bogus\n");
    result = run({"status-set", "error", "x"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.stderr_text,
              "ERROR invalid status \"error\", expected one of [maintenance blocked waiting "
              "active]\n");
    result = run({"status-set", "active", "a", "b", "c"});
    EXPECT_EQ(result.stderr_text, "ERROR unrecognized args: [\"b\" \"c\"]\n");
    result = run({"juju-log"});
    EXPECT_EQ(result.stderr_text, "ERROR no message specified\n");
    result = run({"action-get", "--format=json"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.stderr_text, "ERROR not running an action\n");
    result = run({"relation-set", "-r", "3", "novalue"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.stderr_text, "ERROR expected \"key=value\", got \"novalue\"\n");
}

TEST_F(FakeToolTest, RelationSetReadsStdinOnlyForFileDash) {
    // key=value arguments override the file; whitespace around them is trimmed, as Juju does.
    auto result = run({"relation-set", "-r", "slurmd:3", "--file", "-", " b = 2 "},
                      std::string(R"({"a": "1", "b": "x", "c": "caf\u00e9"})"));
    EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
    result = run({"relation-set", "-r", "3", "d=4"}, std::string("ignored"));
    EXPECT_EQ(result.exit_code, 0) << result.stderr_text;
    const auto calls = world_.calls();
    ASSERT_EQ(calls.size(), 2U);
    EXPECT_EQ(calls[0].stdin_text, R"({"a": "1", "b": "x", "c": "caf\u00e9"})");
    EXPECT_FALSE(calls[1].stdin_text);  // never read: no --file -
    EXPECT_EQ(world_.read_state().relation(3).local_unit_data,
              (testing_support::Databag{{"a", "1"}, {"b", "2"}, {"c", "caf\xc3\xa9"}, {"d", "4"}}));
}

TEST_F(FakeToolTest, RecordsEveryCallEvenFailures) {
    run({"is-leader", "--format=json"});
    run({"relation-get", "--bogus"});
    const auto calls = world_.calls();
    ASSERT_EQ(calls.size(), 2U);
    EXPECT_EQ(calls[0].tool, "is-leader");
    EXPECT_EQ(calls[0].args, (std::vector<std::string>{"--format=json"}));
    EXPECT_EQ(calls[1].args, (std::vector<std::string>{"--bogus"}));
    world_.clear_calls();
    EXPECT_TRUE(world_.calls().empty());
}

TEST_F(FakeToolTest, RefusesSecretFilesOthersCanRead) {
    testing_support::TempDir dir("open-secret");
    testing_support::write_text(dir / "key", "s3cret");
    std::filesystem::permissions(dir / "key", std::filesystem::perms::owner_read |
                                                  std::filesystem::perms::owner_write |
                                                  std::filesystem::perms::others_read);
    const auto result = run({"secret-add", "key#file=" + (dir / "key").string()});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.stderr_text.find("is readable by others"), std::string::npos);
    EXPECT_TRUE(world_.read_state().secrets.empty());
}
