// Drives the real `jujusim` binary against a model in a private $JUJUSIM_HOME, and reads what
// the recorder charm recorded. The model is destroyed when the fixture goes, pass or fail.
#pragma once

#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <slurmctld/util/process.hpp>

#include "support/temp_dir.hpp"

namespace jujusim_test {

namespace fs = std::filesystem;
using json = nlohmann::json;

inline std::string jujusim_binary() {
    return std::string(JUJUSIM_BINARY_DIR) + "/jujusim";
}
inline std::string recorder_charm() {
    return std::string(TEST_SOURCE_DIR) + "/charms/recorder";
}

/// One recorded event: the keys of an "event=..." line of events.log plus the detail lines
/// (remote-data=, members=, ...) that follow it.
struct Event {
    std::map<std::string, std::string> env;
    std::map<std::string, std::string> details;
    std::string hook() const { return env.at("hook"); }
    std::string path() const { return env.at("event"); }
    std::string get(const std::string& key) const {
        auto it = env.find(key);
        if (it != env.end()) {
            return it->second;
        }
        it = details.find(key);
        return it == details.end() ? "" : it->second;
    }
};

/// The application's leader as status shows it ("" when none); two leaders fail the test.
inline std::string leader_of(const json& status, const std::string& app) {
    std::string leader;
    for (const auto& [name, unit] : status["applications"][app]["units"].items()) {
        if (unit.value("leader", false)) {
            EXPECT_TRUE(leader.empty()) << "two leaders: " << leader << " and " << name;
            leader = name;
        }
    }
    return leader;
}

class SimModel {
  public:
    explicit SimModel(std::string machine_type = "host", std::string name = "test")
        : home_("jujusim-test"), name_(std::move(name)) {
        const auto result = run({"add-model", name_, "--config", "machine-type=" + machine_type});
        if (result.exit_code != 0) {
            ADD_FAILURE() << "add-model failed: " << result.stderr_text;
        }
    }
    ~SimModel() {
        // Every model in this private home goes, including ones a failed test left behind.
        std::error_code ignored;
        for (const auto& entry : fs::directory_iterator(home_.path() / "models", ignored)) {
            const std::string model = entry.path().filename().string();
            const auto result = run({"destroy-model", model, "--no-prompt"});
            if (result.exit_code != 0) {
                ADD_FAILURE() << "destroy-model " << model << " failed: " << result.stderr_text;
            }
        }
    }
    SimModel(const SimModel&) = delete;
    SimModel& operator=(const SimModel&) = delete;

    slurmctld::util::ProcessResult run(const std::vector<std::string>& args,
                                       std::optional<std::string> stdin_data = std::nullopt) const {
        std::vector<std::string> argv{jujusim_binary()};
        argv.insert(argv.end(), args.begin(), args.end());
        slurmctld::util::ProcessOptions options;
        options.env["JUJUSIM_HOME"] = home_.path().string();
        // One prepared image for every test model (building it takes about a minute).
        const char* images = std::getenv("JUJUSIM_IMAGES");
        options.env["JUJUSIM_IMAGES"] =
            images != nullptr && *images != '\0' ? images : "/var/lib/jujusim/images";
        options.stdin_data = std::move(stdin_data);
        options.timeout = std::chrono::minutes(5);
        return slurmctld::util::run_process(argv, options);
    }
    /// Runs and expects exit 0; returns stdout.
    std::string ok(const std::vector<std::string>& args) const {
        const auto result = run(args);
        EXPECT_EQ(result.exit_code, 0)
            << "jujusim " << slurmctld::util::describe_command(args)
            << "\nstdout: " << result.stdout_text << "\nstderr: " << result.stderr_text;
        return result.stdout_text;
    }
    void wait(const std::string& timeout = "60s") const { ok({"wait", "--timeout", timeout}); }
    json status() const { return json::parse(ok({"status", "--format", "json"})); }

    fs::path dir() const { return home_.path() / "models" / name_; }
    const fs::path& home() const { return home_.path(); }
    const std::string& name() const { return name_; }

    /// The unit's agent directory on the host (its charm dir's parent).
    fs::path agent_dir(const std::string& unit) const {
        std::string tag = "unit-" + unit;
        for (auto& c : tag) {
            if (c == '/') {
                c = '-';
            }
        }
        for (const auto& entry : fs::recursive_directory_iterator(
                 dir() / "machines", fs::directory_options::skip_permission_denied)) {
            if (entry.is_directory() && entry.path().filename() == tag &&
                entry.path().parent_path().filename() == "agents") {
                return entry.path();
            }
        }
        return {};
    }

    std::vector<Event> events(const std::string& unit) const {
        std::vector<Event> out;
        const fs::path dir_path = agent_dir(unit);
        if (dir_path.empty() || !fs::exists(dir_path / "events.log")) {
            return out;
        }
        const std::string text = testing_support::read_text(dir_path / "events.log");
        std::size_t start = 0;
        while (start < text.size()) {
            const auto end = text.find('\n', start);
            const std::string line =
                text.substr(start, end == std::string::npos ? std::string::npos : end - start);
            start = end == std::string::npos ? text.size() : end + 1;
            if (line.starts_with("event=")) {
                Event event;
                std::size_t field = 0;
                while (field <= line.size()) {
                    const auto bar = line.find('|', field);
                    const std::string item = line.substr(
                        field, bar == std::string::npos ? std::string::npos : bar - field);
                    const auto eq = item.find('=');
                    if (eq != std::string::npos) {
                        event.env[item.substr(0, eq)] = item.substr(eq + 1);
                    }
                    if (bar == std::string::npos) {
                        break;
                    }
                    field = bar + 1;
                }
                out.push_back(event);
            } else if (!out.empty()) {
                const auto eq = line.find('=');
                if (eq != std::string::npos) {
                    out.back().details[line.substr(0, eq)] = line.substr(eq + 1);
                }
            }
        }
        return out;
    }

    /// Hook names in order (actions as "action:<name>").
    std::vector<std::string> hooks(const std::string& unit) const {
        std::vector<std::string> out;
        for (const auto& event : events(unit)) {
            const std::string path = event.path();
            if (path.starts_with("actions/")) {
                out.push_back("action:" + path.substr(8));
            } else {
                out.push_back(event.hook() + (event.get("remote-unit").empty()
                                                  ? ""
                                                  : "@" + event.get("remote-unit")));
            }
        }
        return out;
    }

    /// Polls until `predicate(status)` holds (or fails the test after `timeout`).
    template <class Predicate>
    json wait_for(Predicate predicate,
                  std::chrono::seconds timeout = std::chrono::seconds(60)) const {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        json last;
        while (std::chrono::steady_clock::now() < deadline) {
            last = status();
            if (predicate(last)) {
                return last;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        ADD_FAILURE() << "condition not reached; last status: " << last.dump(1);
        return last;
    }

  private:
    testing_support::TempDir home_;
    std::string name_;
};

}  // namespace jujusim_test
