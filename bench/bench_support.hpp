// What the jujusim benchmarks share: driving the jujusim CLI in a private $JUJUSIM_HOME,
// polling, and the per-hook table read from `jujusim hooks` (wall time and hook-tool calls of
// every hook the model ran, as jujusim's tool server counted them).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <slurmctld/util/process.hpp>

namespace bench {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

/// One jujusim binary and the $JUJUSIM_HOME its models live in.
struct Sim {
    std::string jujusim;
    std::string home;

    slurmctld::util::ProcessResult run(const std::vector<std::string>& args,
                                       bool quiet = false) const {
        std::vector<std::string> argv{jujusim};
        argv.insert(argv.end(), args.begin(), args.end());
        slurmctld::util::ProcessOptions options;
        options.env["JUJUSIM_HOME"] = home;
        options.timeout = std::chrono::minutes(30);
        auto result = slurmctld::util::run_process(argv, options);
        if (result.exit_code != 0 && !quiet) {
            std::fprintf(stderr, "jujusim %s: %s", args.front().c_str(),
                         result.stderr_text.c_str());
        }
        return result;
    }
    std::string exec(const std::string& unit, const std::string& command) const {
        return run({"exec", "--unit", unit, "--", command}, true).stdout_text;
    }
    bool exec_ok(const std::string& unit, const std::string& command) const {
        return run({"exec", "--unit", unit, "--", command}, true).exit_code == 0;
    }
    json status() const { return json::parse(run({"status", "--format", "json"}).stdout_text); }
    /// The unit's workload status message ("" when the unit is not there).
    std::string message(const std::string& unit) const {
        const auto s = status();
        const auto app = unit.substr(0, unit.find('/'));
        if (!s["applications"].contains(app) || !s["applications"][app]["units"].contains(unit)) {
            return "";
        }
        return s["applications"][app]["units"][unit]["workload-status"].value("message", "");
    }
    /// Every hook run so far (`jujusim hooks --format json`).
    json hooks() const { return json::parse(run({"hooks", "--format", "json"}).stdout_text); }
};

/// Both controllers (`controllers` of them) answer `scontrol ping` from `unit` and sinfo works
/// there: the cluster serves, whatever words the charm's statuses use.
inline bool cluster_serves(const Sim& sim, const std::string& unit, std::size_t controllers) {
    const auto ping = sim.exec(unit, "timeout 20 scontrol ping 2>/dev/null");
    std::size_t up = 0;
    for (auto at = ping.find("is UP"); at != std::string::npos; at = ping.find("is UP", at + 1)) {
        ++up;
    }
    return up == controllers && ping.find("DOWN") == std::string::npos &&
           sim.exec_ok(unit, "timeout 10 sinfo >/dev/null 2>&1");
}

/// The demo's scenario in model "bench": `slurmctld -n 2` (SlurmctldTimeout=10) with the
/// filesystem-client mount, a login node (sackd test charm) and a compute node (slurmd test
/// charm), update-status only from `jujusim tick`.
inline void deploy_demo(const Sim& sim, const std::string& build, const std::string& charm) {
    sim.run({"add-model", "bench"});
    sim.run({"model-config", "update-status-hook-interval=1h"});  // ticks come from `tick`
    sim.run({"model-config", "leadership-lease-seconds=10"});
    sim.run({"deploy", charm, "slurmctld", "-n", "2", "--config",
             "slurm-conf-parameters=SlurmctldTimeout=10\n", "--config",
             "default-partition=compute"});
    sim.run({"deploy", "filesystem-client", "checkpoint"});
    sim.run({"integrate", "slurmctld:mount", "checkpoint:mount"});
    sim.run({"deploy", build + "/test-charms/sackd", "login"});
    sim.run({"deploy", build + "/test-charms/slurmd", "compute", "--config",
             "default-node-state=idle"});
    sim.run({"integrate", "slurmctld", "login"});
    sim.run({"integrate", "slurmctld", "compute"});
}

/// The unit that leads `app` now ("" when none does).
inline std::string leader_of(const Sim& sim, const std::string& app) {
    const auto status = sim.status();  // alive for the loop: items() refers into it
    for (const auto& [unit, entry] : status["applications"][app]["units"].items()) {
        if (entry.value("leader", false)) {
            return unit;
        }
    }
    return "";
}

/// The load average over the last minute (/proc/loadavg).
inline double load_average() {
    double one_minute = 0;
    if (std::FILE* file = std::fopen("/proc/loadavg", "r"); file != nullptr) {
        if (std::fscanf(file, "%lf", &one_minute) != 1) {
            one_minute = 0;
        }
        std::fclose(file);
    }
    return one_minute;
}

/// The build directory: argv[1], else the one this benchmark was built in (bench/..).
inline std::string build_dir(int argc, char** argv) {
    return std::filesystem::absolute(
               argc > 1
                   ? std::filesystem::path(argv[1])
                   : std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path())
        .string();
}

inline double since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

inline bool wait_until(const char* what, const std::function<bool()>& condition, int seconds) {
    const auto deadline = Clock::now() + std::chrono::seconds(seconds);
    while (Clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
    std::fprintf(stderr, "timed out waiting for %s\n", what);
    return false;
}

inline void summary(const char* name, std::vector<double> values, const char* unit) {
    if (values.empty()) {
        std::printf("%-40s no successful run\n", name);
        return;
    }
    std::sort(values.begin(), values.end());
    std::printf("%-40s median %.2f %s, min %.2f, max %.2f (%zu runs)\n", name,
                values[values.size() / 2], unit, values.front(), values.back(), values.size());
}

/// Wall time (ms) and hook-tool calls of the runs of one hook.
struct HookRuns {
    std::vector<double> ms;
    std::vector<double> calls;
    std::vector<double> repeats;  ///< calls that asked again what the hook had asked already
    double total_ms() const {
        double total = 0;
        for (double value : ms) {
            total += value;
        }
        return total;
    }
};

inline double median(std::vector<double> values) {
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

inline double maximum(const std::vector<double>& values) {
    return values.empty() ? 0 : *std::max_element(values.begin(), values.end());
}

/// Hook-tool calls of one hook run (a `jujusim hooks` entry) that repeat an earlier call of
/// the same run with the same arguments (juju-log lines are not questions and do not count).
inline double repeated_calls(const json& entry) {
    std::vector<json> seen;
    double repeats = 0;
    for (const auto& call : entry["tools"]) {
        const auto& argv = call["argv"];
        if (!argv.is_array() || argv.empty() || argv[0] == "juju-log") {
            continue;
        }
        if (std::find(seen.begin(), seen.end(), argv) != seen.end()) {
            ++repeats;
        } else {
            seen.push_back(argv);
        }
    }
    return repeats;
}

/// Groups hook runs by `key(entry)` (an empty key leaves the entry out).
inline std::map<std::string, HookRuns> group_hooks(
    const json& hooks, const std::function<std::string(const json&)>& key) {
    std::map<std::string, HookRuns> groups;
    for (const auto& entry : hooks) {
        const std::string name = key(entry);
        if (name.empty()) {
            continue;
        }
        groups[name].ms.push_back(entry.value("duration", 0.0) * 1000.0);
        groups[name].calls.push_back(static_cast<double>(entry["tools"].size()));
        groups[name].repeats.push_back(repeated_calls(entry));
    }
    return groups;
}

/// The table: runs, median and max wall time, median and max hook-tool calls, the most
/// repeated questions in one run, total time.
inline void print_hook_table(const char* title, const std::map<std::string, HookRuns>& groups) {
    std::printf("\n%s:\n", title);
    std::printf("%-44s %6s %10s %10s %7s %7s %8s %10s\n", "hook", "runs", "median ms", "max ms",
                "calls", "max", "repeats", "total s");
    for (const auto& [hook, runs] : groups) {
        std::printf("%-44s %6zu %10.1f %10.1f %7.0f %7.0f %8.0f %10.2f\n", hook.c_str(),
                    runs.ms.size(), median(runs.ms), maximum(runs.ms), median(runs.calls),
                    maximum(runs.calls), maximum(runs.repeats), runs.total_ms() / 1000.0);
    }
}

}  // namespace bench
