// Commit-on-success, permissions, secrets, errors/retry/resolved, actions, input errors and
// the hook tools' flags/output/exit codes (through `exec`, which runs in a hook context).
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <jujusim/controller.hpp>

#include "sim_fixture.hpp"

namespace jujusim_test {
namespace {

using ::testing::HasSubstr;

json peer_data(const SimModel& model, const std::string& unit, const std::string& of_unit) {
    const json info = json::parse(model.ok({"show-unit", unit, "--format", "json"}));
    for (const auto& relation : info[unit]["relation-info"]) {
        if (relation["endpoint"] != "replicas") {
            continue;
        }
        if (of_unit == unit) {
            return relation["local-unit"]["data"];
        }
        if (relation.contains("related-units") && relation["related-units"].contains(of_unit)) {
            return relation["related-units"][of_unit]["data"];
        }
    }
    return json::object();
}

TEST(SemanticsTest, FailedHookCommitsNothingButItsStatusSetStays) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.wait();
    const std::string leader = leader_of(model.status(), "rec");
    model.ok({"config", "rec", "fail-hook=config-changed"});
    const json status = model.wait_for([&](const json& s) {
        return s["applications"]["rec"]["units"][leader]["workload-status"].value("current", "") ==
               "error";
    });
    const json& unit = status["applications"]["rec"]["units"][leader];
    EXPECT_EQ(unit["workload-status"]["message"], "hook failed: \"config-changed\"");
    EXPECT_EQ(unit["juju-status"]["current"], "idle");
    // status-set --application took effect although the hook failed...
    EXPECT_EQ(status["applications"]["rec"]["application-status"]["current"], "maintenance");
    EXPECT_EQ(status["applications"]["rec"]["application-status"]["message"], "about to fail");
    // ...its relation-set did not.
    EXPECT_FALSE(peer_data(model, leader, leader).contains("failed-write"));
    // A config change while in error runs no hook until the failed one passes.
    const auto before = model.hooks(leader).size();
    // (Both units failed config-changed: both are let through, or wait reports the other.)
    for (const std::string name : {"rec/0", "rec/1"}) {
        testing_support::write_text(model.agent_dir(name) / "allow-config-changed", "");
    }
    model.ok({"resolved", "--all"});
    model.wait();
    const json healed = model.status();
    EXPECT_EQ(healed["applications"]["rec"]["units"][leader]["workload-status"]["current"],
              "active");
    const auto hooks = model.hooks(leader);
    ASSERT_GT(hooks.size(), before);
    EXPECT_EQ(hooks[before], "config-changed");
}

TEST(SemanticsTest, FailedHookIsRetriedWithBackoffUntilItPasses) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "--config", "fail-hook=install"});
    model.wait_for([](const json& s) {
        return s["applications"]["rec"]["units"]["rec/0"]["workload-status"].value("current", "") ==
               "error";
    });
    EXPECT_EQ(model.status()["applications"]["rec"]["units"]["rec/0"]["workload-status"]["message"],
              "hook failed: \"install\"");
    testing_support::write_text(model.agent_dir("rec/0") / "allow-install", "");
    // The first retry comes 5 s after the failure, without `resolved`.
    model.wait_for(
        [](const json& s) {
            return s["applications"]["rec"]["units"]["rec/0"]["workload-status"].value(
                       "current", "") == "active";
        },
        std::chrono::seconds(30));
    // config-changed sets "active" before start runs: let the unit settle before counting.
    model.wait();
    const auto hooks = model.hooks("rec/0");
    EXPECT_GE(std::count(hooks.begin(), hooks.end(), "install"), 2);
    EXPECT_EQ(std::count(hooks.begin(), hooks.end(), "start"), 1);
}

TEST(SemanticsTest, WaitFailsNamingTheUnitsInError) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.wait();
    model.ok({"config", "rec", "fail-hook=config-changed"});
    // Both units fail and wait for a retry: the model settles unhealthy, and wait says so.
    const auto waited = model.run({"wait", "--timeout", "60s"});
    EXPECT_EQ(waited.exit_code, 1);
    EXPECT_THAT(waited.stderr_text, HasSubstr("ERROR units in error:"));
    EXPECT_THAT(waited.stderr_text, HasSubstr("rec/0: hook failed: \"config-changed\""));
    EXPECT_THAT(waited.stderr_text, HasSubstr("rec/1: hook failed: \"config-changed\""));
    // Once the hook passes, wait succeeds again.
    for (const std::string unit : {"rec/0", "rec/1"}) {
        testing_support::write_text(model.agent_dir(unit) / "allow-config-changed", "");
    }
    model.ok({"resolved", "--all"});
    model.wait();
}

TEST(SemanticsTest, ResolvedNoRetrySkipsTheHookAndResolvedOnHealthyUnitFails) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "--config", "fail-hook=install"});
    model.wait_for([](const json& s) {
        return s["applications"]["rec"]["units"]["rec/0"]["workload-status"].value("current", "") ==
               "error";
    });
    model.ok({"config", "rec", "fail-hook="});
    model.ok({"resolved", "--no-retry", "rec/0"});
    model.wait();
    const auto hooks = model.hooks("rec/0");
    EXPECT_EQ(std::count(hooks.begin(), hooks.end(), "install"), 1);
    EXPECT_EQ(hooks.back(), "start");
    const auto again = model.run({"resolved", "rec/0"});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_THAT(again.stderr_text, HasSubstr("ERROR unit \"rec/0\" is not in an error state"));
}

TEST(SemanticsTest, OnlyTheLeaderWritesAppDataAndNonLeadersGetJujusError) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.wait();
    const std::string leader = leader_of(model.status(), "rec");
    const std::string other = leader == "rec/0" ? "rec/1" : "rec/0";
    const auto events = model.events(other);
    const auto settings = std::find_if(events.begin(), events.end(), [](const Event& e) {
        return e.hook() == "leader-settings-changed";
    });
    ASSERT_NE(settings, events.end());
    EXPECT_EQ(settings->get("app-write"), "1 ERROR cannot write relation settings");
    const json info = json::parse(model.ok({"show-unit", other, "--format", "json"}));
    const auto& relation = info[other]["relation-info"][0];
    EXPECT_EQ(relation["application-data"]["leader"], leader);
    EXPECT_FALSE(relation["application-data"].contains("intruder"));
}

TEST(SemanticsTest, SecretsLifecycle) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec"});
    model.ok({"deploy", recorder_charm(), "sink"});
    model.ok({"integrate", "rec:source", "sink:sink"});
    model.wait();
    const json created =
        json::parse(model.ok({"run", "rec/leader", "secret-create", "--format", "json"}));
    const std::string id = created["rec/0"]["results"]["id"];
    EXPECT_THAT(id, ::testing::StartsWith("secret://"));
    model.wait();
    auto events = model.events("sink/0");
    auto first_read = std::find_if(events.begin(), events.end(),
                                   [](const Event& e) { return !e.get("secret-content").empty(); });
    ASSERT_NE(first_read, events.end());
    EXPECT_EQ(first_read->get("secret-content"), "v1");
    model.ok({"run", "rec/0", "secret-update", "value=v2"});
    model.wait();
    events = model.events("sink/0");
    const auto changed = std::find_if(events.begin(), events.end(),
                                      [](const Event& e) { return e.hook() == "secret-changed"; });
    ASSERT_NE(changed, events.end());
    EXPECT_EQ(changed->get("secret-content"), "v2");
    EXPECT_EQ(changed->get("secret"), id);
    EXPECT_EQ(changed->get("secret-revision"), "2");  // Juju sets the new revision
    // The consumer moved to revision 2: the owner is told revision 1 is unused, and removes it.
    const auto owner = model.events("rec/0");
    const auto removed = std::find_if(owner.begin(), owner.end(),
                                      [](const Event& e) { return e.hook() == "secret-remove"; });
    ASSERT_NE(removed, owner.end());
    EXPECT_EQ(removed->get("secret-revision"), "1");
    const json secret =
        json::parse(model.ok({"show-secret", id, "--revisions", "--format", "json"}));
    const auto& entry = secret.begin().value();
    EXPECT_EQ(entry["revision"], 2);
    ASSERT_EQ(entry["revisions"].size(), 1u);
    EXPECT_EQ(entry["revisions"][0]["revision"], 2);
}

TEST(SemanticsTest, ActionsValidateParamsFillDefaultsAndReportResults) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec"});
    model.wait();
    const json result =
        json::parse(model.ok({"run", "rec/0", "echo", "text=hello", "--format=json"}));
    const json& task = result["rec/0"];
    EXPECT_EQ(task["status"], "completed");
    EXPECT_EQ(task["unit"], "rec/0");
    EXPECT_EQ(task["results"]["out"], "hello");
    EXPECT_EQ(task["results"]["mode"], "plain");
    EXPECT_EQ(task["results"]["times"], "1");
    EXPECT_EQ(task["results"]["return-code"], 0);
    EXPECT_EQ(task["results"]["stdout"], "hello\n");
    ASSERT_EQ(task["log"].size(), 1u);
    EXPECT_THAT(task["log"][0].get<std::string>(), HasSubstr("echoing hello"));
    const auto events = model.events("rec/0");
    EXPECT_EQ(events.back().path(), "actions/echo");
    EXPECT_EQ(events.back().hook(), "");

    for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
             {"run", "rec/0", "echo"},                          // required text missing
             {"run", "rec/0", "echo", "text=x", "mode=shout"},  // not in enum
             {"run", "rec/0", "echo", "text=x", "times=many"},  // not an integer
             {"run", "rec/0", "echo", "text=x", "colour=red"},  // additionalProperties: false
             {"run", "rec/0", "no-such-action"},
             {"run", "rec/9", "echo", "text=x"}}) {
        const auto run = model.run(bad);
        EXPECT_NE(run.exit_code, 0) << slurmctld::util::describe_command(bad);
        EXPECT_THAT(run.stderr_text, HasSubstr("ERROR")) << slurmctld::util::describe_command(bad);
    }
    const auto failed = model.run({"run", "rec/0", "fail", "--format", "json"});
    EXPECT_EQ(failed.exit_code, 1);
    EXPECT_THAT(failed.stderr_text, HasSubstr("task failed"));
    EXPECT_EQ(json::parse(failed.stdout_text)["rec/0"]["status"], "failed");
    EXPECT_EQ(json::parse(failed.stdout_text)["rec/0"]["message"], "told to fail");
    const auto boom = model.run({"run", "rec/0", "boom", "--format", "json"});
    EXPECT_EQ(boom.exit_code, 1);
    const json boom_task = json::parse(boom.stdout_text)["rec/0"];
    EXPECT_EQ(boom_task["message"], "exit status 3");
    EXPECT_EQ(boom_task["results"]["return-code"], 3);
    EXPECT_EQ(boom_task["results"]["stderr"], "going to exit 3\n");
}

TEST(SemanticsTest, ActionsRunWhileTheUnitIsInError) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "--config", "fail-hook=install"});
    model.wait_for([](const json& s) {
        return s["applications"]["rec"]["units"]["rec/0"]["workload-status"].value("current", "") ==
               "error";
    });
    const json result =
        json::parse(model.ok({"run", "rec/0", "echo", "text=still here", "--format", "json"}));
    EXPECT_EQ(result["rec/0"]["results"]["out"], "still here");
}

TEST(SemanticsTest, InputErrorsAreReportedAndChangeNothing) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec"});
    model.wait();
    const std::string before = model.ok({"status", "--format", "json"});
    const testing_support::TempDir scratch("jujusim-bad-charm");
    testing_support::write_text(scratch / "nometa" / "dispatch", "#!/bin/sh\n");
    testing_support::write_text(scratch / "nodispatch" / "metadata.yaml", "name: nodispatch\n");
    struct Case {
        std::vector<std::string> args;
        std::string message;
    };
    const std::vector<Case> cases{
        {{"integrate", "rec", "nosuch"}, "application \"nosuch\" not found"},
        {{"integrate", "rec:nosuch", "rec"}, "application \"rec\" has no \"nosuch\" relation"},
        {{"remove-unit", "rec/7"}, "unit \"rec/7\" does not exist"},
        {{"add-unit", "ghost"}, "application \"ghost\" not found"},
        {{"config", "rec", "colour=blue"}, "unknown option \"colour\""},
        {{"config", "rec", "count=many"}, "option \"count\" expected int, got \"many\""},
        {{"config", "rec", "verbose=maybe"}, "option \"verbose\" expected boolean, got \"maybe\""},
        {{"deploy", recorder_charm(), "rec"}, "application already exists"},
        {{"deploy", (scratch / "nometa").string()}, "metadata.yaml not found"},
        {{"deploy", (scratch / "nodispatch").string()}, "no dispatch script or hooks directory"},
        {{"deploy", recorder_charm(), "other", "--config", "count=x"},
         "option \"count\" expected int, got \"x\""},
        {{"show-unit", "rec/5"}, "unit \"rec/5\" not found"},
        {{"status", "--bogus"}, "flag provided but not defined: --bogus"},
    };
    for (const auto& item : cases) {
        const auto result = model.run(item.args);
        EXPECT_NE(result.exit_code, 0) << slurmctld::util::describe_command(item.args);
        EXPECT_THAT(result.stderr_text, HasSubstr(item.message))
            << slurmctld::util::describe_command(item.args);
    }
    json after = json::parse(model.ok({"status", "--format", "json"}));
    json earlier = json::parse(before);
    after.erase("controller");
    earlier.erase("controller");
    EXPECT_EQ(after, earlier);
}

TEST(SemanticsTest, AmbiguousAndMismatchedEndpointsAreRejected) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "a"});
    model.ok({"deploy", recorder_charm(), "b"});
    // recorder provides and requires the same interface: a<->b matches both ways.
    const auto ambiguous = model.run({"integrate", "a", "b"});
    EXPECT_EQ(ambiguous.exit_code, 1);
    EXPECT_THAT(ambiguous.stderr_text, HasSubstr("ambiguous relation"));
    const auto roles = model.run({"integrate", "a:source", "b:source"});
    EXPECT_EQ(roles.exit_code, 1);
    EXPECT_THAT(roles.stderr_text, HasSubstr("roles are incompatible"));
    const auto interfaces = model.run({"integrate", "a:source", "b:replicas"});
    EXPECT_EQ(interfaces.exit_code, 1);
    EXPECT_THAT(interfaces.stderr_text, HasSubstr("different interfaces"));
    model.ok({"integrate", "a:source", "b:sink"});
    const auto twice = model.run({"integrate", "a:source", "b:sink"});
    EXPECT_THAT(twice.stderr_text, HasSubstr("already exists"));
}

TEST(SemanticsTest, IntegrateKeepsToTheEndpointsLimit) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "a"});
    model.ok({"deploy", recorder_charm(), "b"});
    model.ok({"deploy", recorder_charm(), "c"});
    model.ok({"integrate", "a:source", "c:sink"});
    model.wait();
    const std::string before = model.ok({"status", "--format", "json"});
    // recorder's sink has `limit: 1`: a second relation on c:sink is refused, as Juju words it.
    const auto refused = model.run({"integrate", "b:source", "c:sink"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(refused.stderr_text,
              "ERROR cannot add relation \"c:sink b:source\": establishing a new relation for "
              "c:sink would exceed its maximum relation limit of 1 (quota limit exceeded)\n");
    json after = json::parse(model.ok({"status", "--format", "json"}));
    json earlier = json::parse(before);
    after.erase("controller");
    earlier.erase("controller");
    EXPECT_EQ(after["applications"], earlier["applications"]);
    // source has no limit: a:source takes another relation.
    model.ok({"integrate", "a:source", "b:sink"});
}

TEST(HookToolsTest, OutputFormatsFlagsAndErrorsAreJujus) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2", "--config", "message=a<b&c"});
    model.wait();
    const std::string leader = leader_of(model.status(), "rec");
    const std::string other = leader == "rec/0" ? "rec/1" : "rec/0";
    struct Case {
        std::string command;
        int exit_code;
        std::string out;
        std::string err;
    };
    const std::vector<Case> cases{
        {"relation-ids replicas --format=json", 0, "[\"replicas:0\"]\n", ""},
        {"relation-ids --format json replicas", 0, "[\"replicas:0\"]\n", ""},
        {"relation-ids sink", 0, "", ""},
        {"relation-ids", 2, "", "ERROR no endpoint name specified\n"},
        {"relation-list -r replicas:0 --format=json", 0, "[\"" + std::string(other) + "\"]\n", ""},
        {"relation-list -r 0 --app", 0, "rec\n", ""},
        {"relation-list --format=json", 2, "", "ERROR no relation id specified\n"},
        {"relation-list -r one", 2, "",
         "ERROR invalid value \"one\" for option -r: invalid relation id\n"},
        {"relation-list -r 9", 2, "",
         "ERROR invalid value \"9\" for option -r: relation not found\n"},
        {"relation-get -r replicas:0 unit " + other + " --format=json", 0, "\"" + other + "\"\n",
         ""},
        {"relation-get -r replicas:0 missing " + other + " --format=json", 0, "null\n", ""},
        {"relation-get -r replicas:0 - rec", 2, "",
         "ERROR expected unit name, got application name \"rec\"\n"},
        {"relation-get -r replicas:0 - unit//0", 2, "", "ERROR invalid unit name \"unit//0\"\n"},
        {"relation-get -r replicas:0 --app leader rec", 0, leader + "\n", ""},
        {"relation-get -r replicas:0", 2, "", "ERROR no unit or application specified\n"},
        {"config-get message --format=json", 0, "\"a\\u003cb\\u0026c\"\n", ""},
        {"config-get count", 0, "1\n", ""},
        {"config-get nosuch --format=json", 0, "null\n", ""},
        {"config-get --all message", 2, "",
         "ERROR cannot use argument --all together with key \"message\"\n"},
        {"config-get --format=json", 0,
         "{\"count\":1,\"fail-hook\":\"\",\"message\":\"a\\u003cb\\u0026c\",\"verbose\":false}\n",
         ""},
        {"status-set bogus", 2, "",
         "ERROR invalid status \"bogus\", expected one of [maintenance blocked waiting active]\n"},
        {"status-set", 2, "", "ERROR invalid args, require <status> [message]\n"},
        {"status-get --include-data --format=json", 0,
         "{\"message\":\"a\\u003cb\\u0026c\",\"status\":\"active\",\"status-data\":{}}\n", ""},
        {"status-get", 0, "active\n", ""},
        {"status-get --frobnicate", 2, "", "ERROR flag provided but not defined: --frobnicate\n"},
        {"action-get", 1, "", "ERROR not running an action\n"},
        {"state-get --format=json", 0, "{}\n", ""},
        {"state-get nokey --strict", 1, "", "ERROR \"nokey\" not found\n"},
        {"secret-ids --format=json", 0, "null\n", ""},
        {"secret-get", 2, "", "ERROR require either a secret URI or label\n"},
        {"secret-get x --peek --refresh", 2, "",
         "ERROR specify one of --peek or --refresh but not both\n"},
        {"secret-add", 2, "", "ERROR missing secret value or filename\n"},
        {"unit-get nosuch", 2, "", "ERROR unknown setting \"nosuch\"\n"},
        {"network-get nosuch", 1, "", "ERROR no network config found for binding \"nosuch\"\n"},
        {"juju-log", 2, "", "ERROR no message specified\n"},
        {"application-version-set", 2, "", "ERROR no version specified\n"},
        {"credential-get", 1, "",
         "ERROR cannot access cloud credentials: application \"rec\" is not trusted\n"},
        {"open-port 80", 0, "", ""},
        {"opened-ports --format=json", 0, "[\"80/tcp\"]\n", ""},
        {"is-leader --format=json", 0, std::string("true\n"), ""},
    };
    for (const auto& item : cases) {
        const std::string unit = item.command.starts_with("is-leader") ? leader : "rec/0";
        const auto result =
            model.run({"exec", "--unit", unit, "--format", "json", "--", item.command});
        const json task = json::parse(result.stdout_text)[unit];
        EXPECT_EQ(task["results"]["return-code"], item.exit_code) << item.command << "\n"
                                                                  << result.stdout_text;
        EXPECT_EQ(task["results"].value("stdout", ""), item.out) << item.command;
        EXPECT_EQ(task["results"].value("stderr", ""), item.err) << item.command;
    }
    // Writes from exec commit on exit 0 like a hook's, and a non-leader's app write is refused.
    model.ok({"exec", "--unit", other, "--", "relation-set -r replicas:0 colour=blue"});
    EXPECT_EQ(json::parse(model.ok(
                  {"show-unit", leader, "--format",
                   "json"}))[leader]["relation-info"][0]["related-units"][other]["data"]["colour"],
              "blue");
    const auto denied =
        model.run({"exec", "--unit", other, "--", "relation-set -r replicas:0 --app colour=blue"});
    EXPECT_EQ(denied.exit_code, 1);
    EXPECT_THAT(denied.stderr_text, HasSubstr("ERROR cannot write relation settings"));
    const auto not_leader =
        model.run({"exec", "--unit", other, "--", "status-set --application active"});
    EXPECT_THAT(not_leader.stderr_text, HasSubstr("ERROR this unit is not the leader"));
    const auto leader_set = model.run({"exec", "--unit", other, "--", "leader-set a=b"});
    EXPECT_THAT(
        leader_set.stderr_text,
        HasSubstr("ERROR cannot write leadership settings: cannot write settings: not the leader"));
    // relation-set --file - reads stdin (the client sends it only when asked).
    model.ok({"exec", "--unit", "rec/0", "--",
              "echo '{\"from-stdin\": \"yes\"}' | relation-set -r replicas:0 --file -"});
    model.ok(
        {"exec", "--unit", "rec/0", "--",
         "printf 'file-key: from-file\\n' > relset.yaml && relation-set -r 0 --file relset.yaml"});
    const json data =
        json::parse(model.ok({"show-unit", "rec/0", "--format",
                              "json"}))["rec/0"]["relation-info"][0]["local-unit"]["data"];
    EXPECT_EQ(data["from-stdin"], "yes");
    EXPECT_EQ(data["file-key"], "from-file");
    EXPECT_EQ(data["private-address"], data["ingress-address"]);
    // state-set in one hook, state-get in the next.
    model.ok({"exec", "--unit", "rec/0", "--", "state-set k1=v1"});
    EXPECT_EQ(model.ok({"exec", "--unit", "rec/0", "--", "state-get k1"}), "v1\n");
    // goal-state lists this application's units.
    const json goal =
        json::parse(model.ok({"exec", "--unit", "rec/0", "--", "goal-state --format=json"}));
    EXPECT_EQ(goal["units"].size(), 2u);
    EXPECT_TRUE(goal["units"]["rec/1"].contains("since"));
}

TEST(SubordinateTest, BuiltinFilesystemClientServesMountInfo) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.ok({"deploy", "filesystem-client", "fs"});
    model.ok({"integrate", "fs:mount", "rec:mount"});
    model.wait();
    const json status = model.status();
    EXPECT_EQ(status["applications"]["fs"]["subordinate-to"], json::array({"rec"}));
    EXPECT_FALSE(status["applications"]["fs"].contains("units"));
    for (const std::string principal : {"rec/0", "rec/1"}) {
        const json& subordinates =
            status["applications"]["rec"]["units"][principal]["subordinates"];
        ASSERT_EQ(subordinates.size(), 1u) << principal;
        const json& sub = subordinates.begin().value();
        EXPECT_EQ(sub["workload-status"]["current"], "active");
        EXPECT_EQ(sub["workload-status"]["message"],
                  "Mounted filesystem at `/srv/recorder-shared`");
        // The principal saw mounted=true from its own subordinate only (container scope).
        const auto events = model.events(principal);
        const auto mounted = std::find_if(events.begin(), events.end(), [](const Event& e) {
            return e.get("mounted") == "true";
        });
        ASSERT_NE(mounted, events.end()) << principal;
        EXPECT_EQ(mounted->get("remote-unit"), subordinates.begin().key());
        EXPECT_EQ(mounted->get("members"), subordinates.begin().key() + " ");
    }
    // Subordinate hooks carry JUJU_PRINCIPAL_UNIT; the hook log shows them under the machine lock.
    const json hooks = json::parse(model.ok({"hooks", "--format", "json", "--unit", "fs/0"}));
    ASSERT_FALSE(hooks.empty());
    EXPECT_EQ(hooks[0]["hook"], "install");
    // On a host-directory machine the "mount" is a symlink into the model's shared directory.
    const std::string machine = status["applications"]["rec"]["units"]["rec/0"]["machine"];
    const fs::path link = model.dir() / "machines" / machine / "root" / "srv/recorder-shared";
    ASSERT_TRUE(fs::is_symlink(link));
    EXPECT_EQ(fs::read_symlink(link), model.dir() / "shared" / "fs");
    // Removing the relation removes the subordinate units.
    model.ok({"remove-relation", "fs:mount", "rec:mount"});
    model.wait();
    EXPECT_FALSE(model.status()["applications"]["rec"]["units"]["rec/0"].contains("subordinates"));
}

TEST(SubordinateTest, ARemovedPrincipalTearsDownBeforeItsSubordinate) {
    // Juju: the dying principal's agent destroys its subordinates as it starts its own
    // teardown, so its first teardown hook comes first; it becomes Dead (and leaves the model)
    // only once they are gone.
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "2"});
    model.ok({"deploy", "filesystem-client", "fs"});
    model.ok({"integrate", "fs:mount", "rec:mount"});
    model.wait();
    const json subordinates =
        model.status()["applications"]["rec"]["units"]["rec/1"]["subordinates"];
    ASSERT_EQ(subordinates.size(), 1u);
    const std::string sub = subordinates.begin().key();
    const std::size_t before = json::parse(model.ok({"hooks", "--format", "json"})).size();
    model.ok({"remove-unit", "rec/1"});
    model.wait();
    const json hooks = json::parse(model.ok({"hooks", "--format", "json"}));
    std::vector<std::string> order;
    for (std::size_t i = before; i < hooks.size(); ++i) {
        const std::string unit = hooks[i]["unit"];
        if (unit == "rec/1" || unit == sub) {
            order.push_back(unit + " " + hooks[i]["hook"].get<std::string>());
        }
    }
    ASSERT_FALSE(order.empty());
    EXPECT_THAT(order.front(), ::testing::StartsWith("rec/1 ")) << ::testing::PrintToString(order);
    EXPECT_NE(std::find(order.begin(), order.end(), "rec/1 remove"), order.end());
    EXPECT_NE(std::find(order.begin(), order.end(), sub + " remove"), order.end());
    const json status = model.status();
    EXPECT_FALSE(status["applications"]["rec"]["units"].contains("rec/1"));
    EXPECT_TRUE(status["applications"]["rec"]["units"]["rec/0"].contains("subordinates"));
}

TEST(ModelConfigTest, MachineImageIsAKnownImageFixedOnceTheModelHasMachines) {
    SimModel model;
    EXPECT_EQ(model.ok({"model-config", "machine-image"}), "debian-13-slurm\n");
    const auto unknown = model.run({"model-config", "machine-image=debian-11-slurm"});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_THAT(unknown.stderr_text, HasSubstr("unknown image \"debian-11-slurm\""));
    model.ok({"model-config", "machine-image=debian-12-slurm"});
    EXPECT_EQ(model.ok({"model-config", "machine-image"}), "debian-12-slurm\n");
    model.ok({"deploy", recorder_charm(), "rec"});
    model.wait();
    const json machine = model.status()["machines"]["0"];
    EXPECT_EQ(machine["base"], (json{{"name", "debian"}, {"channel", "12"}}));  // bookworm
    const auto change = model.run({"model-config", "machine-image=debian-13-slurm"});
    EXPECT_EQ(change.exit_code, 1);
    EXPECT_THAT(change.stderr_text,
                HasSubstr("machine-image cannot change once the model has machines"));
    model.ok({"model-config", "machine-image=debian-12-slurm"});  // the same value is no change
}

TEST(FaultInjectionTest, TestKillHookKillsTheHookOnceAndItsRetryPasses) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec"});
    model.wait();
    const auto bad = model.run({"model-config", "test-kill-hook=rec/0:config-changed"});
    EXPECT_EQ(bad.exit_code, 1);
    EXPECT_THAT(bad.stderr_text, HasSubstr("expected <unit>:<hook>:<n>"));
    // config-changed calls config-get, config-get, status-set: killed at the second.
    model.ok({"model-config", "test-kill-hook=rec/0:config-changed:2"});
    model.ok({"config", "rec", "message=after"});
    model.wait_for(
        [](const json& s) {
            const json& unit = s["applications"]["rec"]["units"]["rec/0"]["workload-status"];
            return unit.value("message", "") == "after";
        },
        std::chrono::seconds(30));
    model.wait();
    std::vector<std::pair<int, std::size_t>> runs;  // (exit code, tool calls)
    for (const auto& entry : json::parse(model.ok({"hooks", "--format", "json"}))) {
        if (entry["hook"] == "config-changed") {
            runs.emplace_back(entry["exit-code"].get<int>(), entry["tools"].size());
        }
    }
    ASSERT_EQ(runs.size(), 3u);  // deploy's, the killed one, its retry
    EXPECT_EQ(runs[1], std::make_pair(128 + 9, std::size_t{1}));
    EXPECT_EQ(runs[2].first, 0);
    EXPECT_THAT(model.ok({"debug-log"}),
                HasSubstr("killing the \"config-changed\" hook at its hook-tool call 2"));
    EXPECT_NE(model.run({"model-config", "test-kill-hook"}).exit_code, 0);  // used up
}

TEST(FaultInjectionTest, AKillIsNamedByCallNumberOrByALoggedStepInAnyHook) {
    const auto by_call = jujusim::parse_hook_kill("a/0:install:3");
    ASSERT_TRUE(by_call);
    EXPECT_EQ(by_call->call, 3);
    EXPECT_EQ(by_call->after_text, "");
    const auto by_log = jujusim::parse_hook_kill("a/0:*:after=migrated /etc/slurm: to");
    ASSERT_TRUE(by_log);
    EXPECT_EQ(by_log->hook, "*");
    EXPECT_EQ(by_log->call, 0);
    EXPECT_EQ(by_log->after_text, "migrated /etc/slurm: to");
    for (const char* bad : {"a/0:install", "a/0:install:0", "a/0:install:x",
                            "a/0:install:after=", "a:install:1", "a/0::1"}) {
        EXPECT_FALSE(jujusim::parse_hook_kill(bad)) << bad;
    }
}

TEST(ModelConfigTest, MachineImageNamesAMachineImageAndIsFixedOnceThereAreMachines) {
    SimModel model;
    EXPECT_EQ(model.ok({"model-config", "machine-image"}), "debian-13-slurm\n");
    const auto unknown = model.run({"model-config", "machine-image=ubuntu-24.04"});
    EXPECT_EQ(unknown.exit_code, 1);
    EXPECT_THAT(unknown.stderr_text,
                HasSubstr("expected debian-13-slurm, debian-12-slurm or debian-13-apt"));
    // The toolchain image is no machine image.
    EXPECT_EQ(model.run({"model-config", "machine-image=debian-13-build"}).exit_code, 1);
    model.ok({"model-config", "machine-image=debian-13-apt"});
    model.ok({"model-config", "machine-image=debian-13-slurm"});
    model.ok({"deploy", recorder_charm(), "rec"});
    model.wait();
    const auto late = model.run({"model-config", "machine-image=debian-13-apt"});
    EXPECT_EQ(late.exit_code, 1);
    EXPECT_THAT(late.stderr_text, HasSubstr("cannot change once the model has machines"));
    model.ok({"model-config", "machine-image=debian-13-slurm"});  // unchanged: accepted
}

TEST(GoalStateTest, DyingUnitsShowDyingAndRemovedOnesDisappear) {
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec", "-n", "3", "--config", "fail-hook=stop"});
    model.ok({"deploy", "filesystem-client", "fs"});
    model.ok({"integrate", "fs:mount", "rec:mount"});
    model.wait();
    const auto goal = [&](const std::string& unit) {
        return json::parse(model.ok({"exec", "--unit", unit, "--", "goal-state --format=json"}));
    };
    // A subordinate sees every unit of its principal's application and none of its own
    // (Juju's goalStateUnits keeps only subordinates whose principal is the caller); a principal
    // sees only its own subordinate.
    const std::string sub0 =
        model.status()["applications"]["rec"]["units"]["rec/0"]["subordinates"].begin().key();
    const json of_sub = goal(sub0);
    EXPECT_EQ(of_sub["units"], json::object());
    EXPECT_EQ(of_sub["relations"]["mount"].size(), 4u);  // rec and rec/0..2
    const json of_principal = goal("rec/0");
    EXPECT_EQ(of_principal["relations"]["mount"].size(), 2u);  // fs and its own subordinate
    EXPECT_TRUE(of_principal["relations"]["mount"].contains(sub0));
    // rec/2 is being removed (held in its failing stop hook): dying at once, for every unit.
    model.ok({"remove-unit", "rec/2"});
    model.wait_for([](const json& s) {
        return s["applications"]["rec"]["units"]["rec/2"]["workload-status"].value("current", "") ==
               "error";
    });
    EXPECT_EQ(goal("rec/0")["units"]["rec/2"]["status"], "dying");
    EXPECT_EQ(goal(sub0)["relations"]["mount"]["rec/2"]["status"], "dying");
    EXPECT_EQ(goal("rec/1")["units"]["rec/1"]["status"], "active");
    // Removed, it is gone.
    testing_support::write_text(model.agent_dir("rec/2") / "allow-stop", "");
    model.ok({"resolved", "rec/2"});
    model.wait();
    EXPECT_FALSE(goal("rec/0")["units"].contains("rec/2"));
    EXPECT_EQ(goal("rec/0")["units"].size(), 2u);
    EXPECT_FALSE(goal(sub0)["relations"]["mount"].contains("rec/2"));
}

}  // namespace
}  // namespace jujusim_test
