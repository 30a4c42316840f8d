// Replays the exact command lines jubilant (canonical/jubilant, Juju(cli_binary=..., model=...))
// sends, and reads the JSON the way its dataclasses do: every key a dataclass reads with d[...]
// must be there with the right type. (The real library was run against jujusim by hand; CI
// cannot download it, so this test pins what it relies on.)
#include <sstream>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include "../agent/sim_fixture.hpp"

namespace jujusim_test {
namespace {

using ::testing::HasSubstr;

/// jubilant's required fields: d['key'] (KeyError when missing) with the type it expects.
void require(const json& object, const std::string& key, json::value_t type,
             const std::string& where) {
    ASSERT_TRUE(object.is_object()) << where;
    ASSERT_TRUE(object.contains(key)) << where << " lacks \"" << key << "\": " << object.dump();
    const json& value = object[key];
    if (type == json::value_t::number_integer) {
        EXPECT_TRUE(value.is_number_integer()) << where << "." << key << " = " << value.dump();
    } else {
        EXPECT_EQ(value.type(), type) << where << "." << key << " = " << value.dump();
    }
}

/// d.get(key, {}) as a value (a temporary in a range-for trips -Wmaybe-uninitialized).
json member(const json& object, const std::string& key) {
    return object.contains(key) ? object[key] : json::object();
}

/// Status._from_dict and the classes under it.
void check_status(const json& status) {
    require(status, "model", json::value_t::object, "status");
    require(status, "machines", json::value_t::object, "status");
    require(status, "applications", json::value_t::object, "status");
    for (const char* key : {"name", "type", "controller", "cloud", "version"}) {
        require(status["model"], key, json::value_t::string, "model");
    }
    EXPECT_EQ(status["model"]["model-status"]["current"], "available");
    for (const auto& [id, machine] : status["machines"].items()) {
        EXPECT_TRUE(machine["juju-status"]["current"].is_string());
        EXPECT_TRUE(machine["hostname"].is_string());
        EXPECT_TRUE(machine["ip-addresses"].is_array());
        if (machine.contains("base")) {
            require(machine["base"], "name", json::value_t::string, "machine base");
            require(machine["base"], "channel", json::value_t::string, "machine base");
        }
        const json network_interfaces_of = member(machine, "network-interfaces");
        for (const auto& [name, nic] : network_interfaces_of.items()) {
            require(nic, "ip-addresses", json::value_t::array, "nic");
            require(nic, "mac-address", json::value_t::string, "nic");
            require(nic, "is-up", json::value_t::boolean, "nic");
        }
    }
    for (const auto& [name, app] : status["applications"].items()) {
        const std::string where = "applications." + name;
        require(app, "charm", json::value_t::string, where);
        require(app, "charm-origin", json::value_t::string, where);
        require(app, "charm-name", json::value_t::string, where);
        require(app, "charm-rev", json::value_t::number_integer, where);
        require(app, "exposed", json::value_t::boolean, where);
        if (app.contains("base")) {
            require(app["base"], "channel", json::value_t::string, where + ".base");
        }
        EXPECT_TRUE(app["application-status"]["current"].is_string()) << where;
        const json relations_of = member(app, "relations");
        for (const auto& [endpoint, relations] : relations_of.items()) {
            for (const auto& relation : relations) {
                EXPECT_TRUE(relation["related-application"].is_string());
            }
        }
        const json units_of = member(app, "units");
        for (const auto& [unit_name, unit] : units_of.items()) {
            EXPECT_TRUE(unit["workload-status"]["current"].is_string()) << unit_name;
            EXPECT_TRUE(unit["juju-status"]["current"].is_string()) << unit_name;
            EXPECT_TRUE(unit.value("leader", false) || !unit.contains("leader")) << unit_name;
            EXPECT_TRUE(unit["machine"].is_string()) << unit_name;
            EXPECT_TRUE(unit["public-address"].is_string()) << unit_name;
        }
    }
}

TEST(JubilantReplayTest, CommandLinesAndJsonThatJubilantUses) {
    SimModel home("host", "bootstrap");  // a private $JUJUSIM_HOME; jubilant adds its own model
    const std::string m = "jubilant-1a2b3c4d";
    home.ok({"add-model", "--no-switch", m});
    home.ok({"deploy", "--model", m, recorder_charm(), "rec", "--config", "message=hi",
             "--num-units", "3"});
    home.ok({"deploy", "--model", m, recorder_charm(), "sink"});
    home.ok({"integrate", "--model", m, "rec:source", "sink:sink"});
    home.ok({"wait", "--model", m, "--timeout", "60s"});

    // juju.status() / juju.wait(jubilant.all_active)
    const json status = json::parse(home.ok({"status", "--model", m, "--format", "json"}));
    check_status(status);
    EXPECT_EQ(status["model"]["name"], m);
    EXPECT_EQ(status["applications"]["rec"]["application-status"]["current"], "active");
    EXPECT_EQ(status["applications"]["rec"]["units"].size(), 3u);
    for (const auto& [unit_name, unit] : status["applications"]["rec"]["units"].items()) {
        EXPECT_EQ(unit["workload-status"]["current"], "active");
        EXPECT_EQ(unit["workload-status"]["message"], "hi");
    }

    // juju.add_unit('rec', num_units=1); juju.remove_unit('rec/3')
    home.ok({"add-unit", "--model", m, "rec", "--num-units", "1"});
    home.ok({"wait", "--model", m});
    home.ok({"remove-unit", "--model", m, "--no-prompt", "rec/3"});
    home.ok({"wait", "--model", m});
    EXPECT_FALSE(json::parse(home.ok(
        {"status", "--model", m, "--format", "json"}))["applications"]["rec"]["units"]
                     .contains("rec/3"));

    // juju.run('rec/0', 'echo', {'text': 'hi'}): params go through a YAML file.
    const testing_support::TempDir scratch("jubilant-params");
    testing_support::write_text(scratch / "params.yaml", "text: hi\ntimes: 2\n");
    const json run =
        json::parse(home.ok({"run", "--model", m, "--format", "json", "rec/leader", "echo",
                             "--wait", "60s", "--params", (scratch / "params.yaml").string()}));
    ASSERT_EQ(run.size(), 1u);
    const json& task = run.begin().value();  // keyed by the real unit, not rec/leader
    EXPECT_EQ(run.begin().key(), "rec/0");
    require(task, "id", json::value_t::string, "task");
    require(task, "status", json::value_t::string, "task");
    EXPECT_EQ(task["status"], "completed");
    EXPECT_EQ(task["results"]["return-code"], 0);  // an int: Task.success compares with 0
    EXPECT_EQ(task["results"]["out"], "hi");
    EXPECT_EQ(task["results"]["times"], "2");
    // A failing action: "task failed" on stderr, the task JSON still on stdout.
    const auto failed = home.run({"run", "--model", m, "--format", "json", "rec/0", "boom"});
    EXPECT_EQ(failed.exit_code, 1);
    EXPECT_THAT(failed.stderr_text, HasSubstr("task failed"));
    EXPECT_EQ(json::parse(failed.stdout_text)["rec/0"]["status"], "failed");

    // juju.exec('echo $JUJU_UNIT_NAME', unit='rec/1', wait=30)
    const json exec =
        json::parse(home.ok({"exec", "--model", m, "--format", "json", "--unit", "rec/1", "--wait",
                             "30s", "--", "echo $JUJU_UNIT_NAME"}));
    const json& exec_task = exec["rec/1"];
    require(exec_task, "id", json::value_t::string, "exec task");
    EXPECT_EQ(exec_task["status"], "completed");
    EXPECT_EQ(exec_task["results"]["return-code"], 0);
    EXPECT_EQ(exec_task["results"]["stdout"], "rec/1\n");
    const auto exec_failed =
        home.run({"exec", "--model", m, "--format", "json", "--unit", "rec/1", "--", "exit 4"});
    EXPECT_EQ(exec_failed.exit_code, 1);
    EXPECT_THAT(exec_failed.stderr_text, HasSubstr("task failed"));
    EXPECT_EQ(json::parse(exec_failed.stdout_text)["rec/1"]["results"]["return-code"], 4);

    // juju.show_unit('rec/0')
    const json shown =
        json::parse(home.ok({"show-unit", "--model", m, "rec/0", "--format", "json"}));
    const json& info = shown["rec/0"];
    require(info, "opened-ports", json::value_t::array, "unit info");
    require(info, "charm", json::value_t::string, "unit info");
    require(info, "leader", json::value_t::boolean, "unit info");
    bool saw_source = false;
    for (const auto& relation : info["relation-info"]) {
        require(relation, "relation-id", json::value_t::number_integer, "relation-info");
        require(relation, "endpoint", json::value_t::string, "relation-info");
        require(relation, "related-endpoint", json::value_t::string, "relation-info");
        require(relation, "application-data", json::value_t::object, "relation-info");
        require(relation["local-unit"], "in-scope", json::value_t::boolean, "local-unit");
        require(relation["local-unit"], "data", json::value_t::object, "local-unit");
        const json related_units_of = member(relation, "related-units");
        for (const auto& [name, related] : related_units_of.items()) {
            require(related, "in-scope", json::value_t::boolean, "related-units");
            require(related, "data", json::value_t::object, "related-units");
        }
        if (relation["endpoint"] == "source") {
            saw_source = true;
            EXPECT_EQ(relation["related-endpoint"], "sink");
            EXPECT_EQ(relation["related-units"]["sink/0"]["data"]["unit"], "sink/0");
        }
    }
    EXPECT_TRUE(saw_source);

    // juju.config('rec') and juju.config('rec', {'message': 'changed'})
    const json config = json::parse(home.ok({"config", "--model", m, "--format", "json", "rec"}));
    EXPECT_EQ(config["settings"]["message"]["value"], "hi");
    EXPECT_EQ(config["settings"]["message"]["type"], "string");
    EXPECT_EQ(config["settings"]["count"]["value"], 1);
    EXPECT_TRUE(config["application-config"].is_object());
    home.ok({"config", "--model", m, "rec", "message=changed"});
    home.ok({"wait", "--model", m});

    // juju.show_model(m), juju.model_config(), juju.debug_log(limit=3), juju.version()
    const json model_info = json::parse(home.ok({"show-model", "--format", "json", m}));
    const json& details = model_info.begin().value();
    for (const char* key : {"name", "short-name", "model-uuid", "model-type", "controller-uuid",
                            "controller-name", "cloud", "life"}) {
        require(details, key, json::value_t::string, "show-model");
    }
    require(details, "is-controller", json::value_t::boolean, "show-model");
    EXPECT_EQ(details["short-name"], m);
    const json model_config =
        json::parse(home.ok({"model-config", "--model", m, "--format", "json"}));
    EXPECT_EQ(model_config["update-status-hook-interval"]["Value"], "5m");
    const std::string log = home.ok({"debug-log", "--model", m, "--limit", "3"});
    EXPECT_LE(std::count(log.begin(), log.end(), '\n'), 3);
    const json version = json::parse(home.ok({"version", "--format", "json", "--all"}));
    require(version, "version", json::value_t::string, "version");

    // juju.remove_relation, juju.remove_application, then jubilant.temp_model's teardown.
    home.ok({"remove-relation", "--model", m, "rec", "sink"});
    home.ok({"remove-application", "--model", m, "--no-prompt", "sink"});
    home.ok({"wait", "--model", m});
    EXPECT_FALSE(
        json::parse(home.ok({"status", "--model", m, "--format", "json"}))["applications"].contains(
            "sink"));
    home.ok({"destroy-model", m, "--no-prompt", "--destroy-storage", "--force"});
    EXPECT_FALSE(fs::exists(home.home() / "models" / m));
}

TEST(CliTest, ModelsSwitchAndFormats) {
    SimModel home("host", "first");
    home.ok({"add-model", "second"});
    const json models = json::parse(home.ok({"models", "--format=json"}));
    EXPECT_EQ(models["current-model"], "second");
    EXPECT_EQ(models["models"].size(), 2u);
    home.ok({"switch", "first"});
    EXPECT_EQ(json::parse(home.ok({"models", "--format", "json"}))["current-model"], "first");
    // -m takes a directory path too.
    home.ok({"deploy", "-m", (home.home() / "models" / "second").string(), recorder_charm(), "r"});
    home.ok({"wait", "-m", "second"});
    EXPECT_TRUE(
        json::parse(home.ok({"status", "-m", "second", "--format=json"}))["applications"].contains(
            "r"));
    EXPECT_FALSE(json::parse(home.ok({"status", "--format=json"}))["applications"].contains("r"));
    const std::string table = home.ok({"status", "-m", "second"});
    EXPECT_THAT(table, HasSubstr("App  Version  Status"));
    EXPECT_THAT(table, HasSubstr("r/0*"));
    EXPECT_THAT(table, HasSubstr("Machine  State    Address"));
    const auto notice = home.run({"deploy", "-m", "second", recorder_charm(), "r2", "--channel",
                                  "latest/edge", "--trust", "--constraints", "mem=4G"});
    EXPECT_EQ(notice.exit_code, 0);
    EXPECT_THAT(notice.stderr_text, HasSubstr("--channel has no effect"));
    EXPECT_THAT(notice.stderr_text, HasSubstr("--constraints has no effect"));
    home.ok({"destroy-model", "second", "--no-prompt"});
}

TEST(CliTest, DeployMachineTypeIsHostOrNamespace) {
    SimModel home("host", "kinds");
    const auto bad = home.run({"deploy", recorder_charm(), "r", "--machine-type", "lxd"});
    EXPECT_NE(bad.exit_code, 0);
    EXPECT_THAT(bad.stderr_text, HasSubstr("--machine-type must be host or namespace"));
    home.ok({"deploy", recorder_charm(), "r", "-n", "2", "--machine-type", "host"});
    home.ok({"add-unit", "r"});
    home.ok({"wait"});
    EXPECT_EQ(home.status()["applications"]["r"]["units"].size(), 3U);
}

TEST(CliTest, DestroyModelStopsTheControllerAndRemovesEverything) {
    SimModel home("host", "keeper");
    home.ok({"add-model", "doomed"});
    home.ok({"deploy", "-m", "doomed", recorder_charm(), "r", "-n", "2"});
    home.ok({"wait", "-m", "doomed"});
    const fs::path dir = home.home() / "models" / "doomed";
    const std::string pid_text = testing_support::read_text(dir / "controller.pid");
    const pid_t pid = std::stoi(pid_text);
    ASSERT_EQ(::kill(pid, 0), 0);
    home.ok({"destroy-model", "doomed", "--no-prompt"});
    EXPECT_FALSE(fs::exists(dir));
    const std::string proc_stat = "/proc/" + std::to_string(pid) + "/stat";
    const bool gone = !fs::exists(proc_stat) ||
                      testing_support::read_text(proc_stat).find(") Z ") != std::string::npos;
    EXPECT_TRUE(gone) << "controller " << pid << " still running";
}

TEST(CliTest, AStalePidFileNeverSignalsAProcessThatReusedThePid) {
    SimModel home("host", "reused");
    home.ok({"status"});  // the controller runs and records itself
    const fs::path pid_file = home.dir() / "controller.pid";
    std::istringstream recorded(testing_support::read_text(pid_file));
    pid_t controller = 0;
    unsigned long long start_time = 0;
    ASSERT_TRUE(recorded >> controller >> start_time) << "controller.pid holds pid and start time";
    EXPECT_GT(start_time, 0U);

    // Another process now holds a PID the file names, with another start time (as after PID
    // reuse), and the controller is gone: starting a new one must leave that process alone.
    const pid_t bystander = ::fork();
    ASSERT_GE(bystander, 0);
    if (bystander == 0) {
        ::pause();
        ::_exit(0);
    }
    ASSERT_EQ(::kill(controller, SIGKILL), 0);
    for (int i = 0;
         i < 100 && fs::exists("/proc/" + std::to_string(controller) + "/status") &&
         testing_support::read_text("/proc/" + std::to_string(controller) + "/stat").find(") Z ") ==
             std::string::npos;
         ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // Start time 1 (clock ticks after boot): no process forked now can have it.
    testing_support::write_text(pid_file, std::to_string(bystander) + " 1\n");
    fs::remove(home.dir() / "controller.sock");
    home.ok({"status"});
    EXPECT_EQ(::kill(bystander, 0), 0) << "the bystander was signalled";
    ::kill(bystander, SIGKILL);
    ::waitpid(bystander, nullptr, 0);
}

}  // namespace
}  // namespace jujusim_test
