// Cluster-scale figures for BENCHMARKS.md: the slurmctld charm with 3 controllers (namespace
// machines, real Slurm 24.11, the filesystem-client mount) and one real compute node, while
// slurmd applications grow in steps to N compute units (default 100, 300, 1000) and 50 sackd
// units join, then the compute units are scaled down by half.
//
// The compute and login units of the steps are lightweight: the test slurmd/sackd charms with
// `lightweight=true` on jujusim host-directory machines (`deploy --machine-type host`): every
// hook, relation and secret of the unit is real, so the controllers run every hook they would,
// but no slurmd runs for them (1000 slurmd daemons do not fit this 2-core machine). What is
// measured instead of "the node is in Slurm" is the time until every unit has the controllers'
// data (its status is active), which is what a real slurmd needs to register.
//
//   bench/scale_bench [BUILD_DIR] [STEPS=100,300,1000]           (root; about 10-30 minutes)
//   SCALE_BENCH_KEEP=1 leaves the model running (its $JUJUSIM_HOME is printed) to look into it.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>

#include <unistd.h>

#include <slurmctld/util/files.hpp>
#include <slurmctld/util/proc.hpp>

#include "bench_support.hpp"

namespace fs = std::filesystem;
using bench::json;

namespace {

bench::Sim g_sim;
const char* kModel = "scale";

double epoch_now() {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
}

/// CPU seconds (user + system) of the model's jujusim controller so far.
double controller_cpu_seconds() {
    namespace util = slurmctld::util;
    const auto record = util::parse_process_record(
        util::read_regular_file(fs::path(g_sim.home) / "models" / kModel / "controller.pid")
            .value_or(""));
    const auto stat = record ? util::read_proc_stat(record->pid) : std::nullopt;
    if (!stat || stat->start_time != record->start_time) {
        return 0;
    }
    return static_cast<double>(stat->user_time + stat->system_time) /
           static_cast<double>(::sysconf(_SC_CLK_TCK));
}

/// A charm directory whose dispatch execs `charm`'s dispatch where it is (host-directory
/// machines run hooks on this host): each unit gets a copy of a few bytes, not of a 50 MB
/// static binary with debug information.
std::string thin_charm(const std::string& charm, const std::string& name) {
    const fs::path dir = fs::path(g_sim.home) / ("thin-" + name);
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(charm)) {
        if (entry.path().extension() == ".yaml") {
            fs::copy_file(entry.path(), dir / entry.path().filename(),
                          fs::copy_options::overwrite_existing);
        }
    }
    std::ofstream(dir / "dispatch") << "#!/bin/sh\nexec " << charm << "/dispatch \"$@\"\n";
    fs::permissions(dir / "dispatch", fs::perms(0755));
    return dir.string();
}

struct Step {
    std::string name;
    double start = 0;
    double end = 0;
    double cpu = 0;  ///< jujusim controller CPU seconds in the step
    std::size_t active = 0;
    std::size_t lightweight = 0;
};

std::pair<std::size_t, std::size_t> lightweight_units_active() {
    std::size_t active = 0;
    std::size_t all = 0;
    const auto status = g_sim.status();  // alive for the loop: items() refers into it
    for (const auto& [name, app] : status["applications"].items()) {
        if (name.rfind("nodes-", 0) != 0 && name != "logins") {
            continue;
        }
        for (const auto& [unit, entry] : app["units"].items()) {
            ++all;
            active += entry["workload-status"].value("current", "") == "active" ? 1 : 0;
        }
    }
    return {active, all};
}

/// Runs `change`, waits for the model to settle, and records the step.
Step run_step(const std::string& name, const std::function<void()>& change) {
    Step step;
    step.name = name;
    const double cpu_before = controller_cpu_seconds();
    step.start = epoch_now();
    change();
    g_sim.run({"wait", "--timeout", "90m"});
    step.end = epoch_now();
    step.cpu = controller_cpu_seconds() - cpu_before;
    std::tie(step.active, step.lightweight) = lightweight_units_active();
    std::printf(
        "%s: settled in %.1f s (jujusim controller CPU %.1f s); %zu of %zu lightweight "
        "units active; load average (1 min) %.2f\n",
        name.c_str(), step.end - step.start, step.cpu, step.active, step.lightweight,
        bench::load_average());
    return step;
}

bool is_controller(const json& entry) {
    return entry.value("unit", "").rfind("slurmctld/", 0) == 0;
}

void report_step(const json& hooks, const Step& step) {
    const auto in_step = [&](const json& entry) {
        const double start = entry.value("start-epoch", 0.0);
        return start >= step.start && start <= step.end;
    };
    const auto controller_hooks = bench::group_hooks(hooks, [&](const json& entry) {
        return in_step(entry) && is_controller(entry) ? entry.value("hook", "") : std::string();
    });
    std::size_t controller_runs = 0;
    std::size_t other_runs = 0;
    double controller_seconds = 0;
    double other_seconds = 0;
    double calls = 0;
    for (const auto& entry : hooks) {
        if (!in_step(entry)) {
            continue;
        }
        if (is_controller(entry)) {
            ++controller_runs;
            controller_seconds += entry.value("duration", 0.0);
            calls += static_cast<double>(entry["tools"].size());
        } else {
            ++other_runs;
            other_seconds += entry.value("duration", 0.0);
        }
    }
    bench::print_hook_table(("controller hooks, " + step.name).c_str(), controller_hooks);
    const double wall = step.end - step.start;
    std::printf(
        "%s: wall %.1f s; controller units: %zu hooks, %.1f s of hooks, %.0f tool calls; other "
        "units: %zu hooks, %.1f s; jujusim controller CPU %.1f s (%.0f%% of one core over the "
        "step); the Python charm's import floor for the controller hooks: %.0f s (0.6 s each)\n",
        step.name.c_str(), wall, controller_runs, controller_seconds, calls, other_runs,
        other_seconds, step.cpu, wall > 0 ? 100.0 * step.cpu / wall : 0.0,
        0.6 * static_cast<double>(controller_runs));
}

/// `remove-unit` of every second unit of the lightweight compute applications.
void scale_down_by_half() {
    std::vector<std::string> args{"remove-unit"};
    const auto status = g_sim.status();
    for (const auto& [name, app] : status["applications"].items()) {
        if (name.rfind("nodes-", 0) != 0) {
            continue;
        }
        bool take = false;
        for (const auto& [unit, entry] : app["units"].items()) {
            if (take) {
                args.push_back(unit);
            }
            take = !take;
        }
    }
    args.emplace_back("--no-prompt");
    std::printf("removing %zu compute units\n", args.size() - 2);
    g_sim.run(args);
}

}  // namespace

int main(int argc, char** argv) {
    const std::string build = bench::build_dir(argc, argv);
    std::vector<int> steps{100, 300, 1000};
    if (argc > 2) {
        steps.clear();
        std::istringstream list(argv[2]);
        std::string item;
        while (std::getline(list, item, ',')) {
            steps.push_back(std::stoi(item));
        }
    }
    g_sim.jujusim = build + "/jujusim";
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    char pattern[] = "/tmp/scale-bench-XXXXXX";
    g_sim.home = ::mkdtemp(pattern);
    setenv("JUJUSIM_IMAGES", "/var/lib/jujusim/images", 0);
    const std::string slurmd = thin_charm(build + "/test-charms/slurmd", "slurmd");
    const std::string sackd = thin_charm(build + "/test-charms/sackd", "sackd");

    std::vector<Step> done;
    done.push_back(run_step("3 controllers, the mount, 1 real compute node", [&] {
        g_sim.run({"add-model", kModel});
        g_sim.run({"model-config", "update-status-hook-interval=1h"});  // ticks from `tick`
        g_sim.run({"deploy", build + "/slurmctld_amd64.charm", "slurmctld", "-n", "3", "--config",
                   "default-partition=compute"});
        g_sim.run({"deploy", "filesystem-client", "checkpoint"});
        g_sim.run({"integrate", "slurmctld:mount", "checkpoint:mount"});
        g_sim.run({"deploy", build + "/test-charms/slurmd", "compute", "--config",
                   "default-node-state=idle"});
        g_sim.run({"integrate", "slurmctld", "compute"});
        bench::wait_until(
            "3 controllers UP and the real node idle",
            [] {
                const auto ping = g_sim.exec("slurmctld/0", "timeout 20 scontrol ping");
                std::size_t up = 0;
                for (auto at = ping.find("is UP"); at != std::string::npos;
                     at = ping.find("is UP", at + 1)) {
                    ++up;
                }
                return up == 3 && ping.find("DOWN") == std::string::npos &&
                       g_sim.exec("slurmctld/0", "sinfo -h -N -o %t").find("idle") !=
                           std::string::npos;
            },
            900);
    }));

    int units = 0;
    int app_number = 0;
    for (const int target : steps) {
        const int adding = target - units;
        const std::string app = "nodes-" + std::to_string(++app_number);
        done.push_back(run_step("grow to " + std::to_string(target) + " compute units", [&] {
            g_sim.run({"deploy", slurmd, app, "-n", std::to_string(adding), "--machine-type",
                       "host", "--config", "lightweight=true"});
            g_sim.run({"integrate", "slurmctld", app});
            if (units == 0) {
                g_sim.run({"deploy", sackd, "logins", "-n", "50", "--machine-type", "host",
                           "--config", "lightweight=true"});
                g_sim.run({"integrate", "slurmctld", "logins"});
            }
        }));
        units = target;
    }
    done.push_back(run_step("idle update-status at " + std::to_string(units) + " compute units",
                            [] { g_sim.run({"tick"}); }));
    done.push_back(run_step("scale down by half", scale_down_by_half));
    const bool node_idle =
        g_sim.exec("slurmctld/0", "sinfo -h -N -o '%N %t'").find("idle") != std::string::npos;
    std::printf("the real compute node idle in Slurm at the end: %s\n", node_idle ? "yes" : "no");

    const auto hooks = g_sim.hooks();
    for (const auto& step : done) {
        report_step(hooks, step);
    }
    if (std::getenv("SCALE_BENCH_KEEP") != nullptr) {
        std::printf("model kept: JUJUSIM_HOME=%s\n", g_sim.home.c_str());
        return 0;
    }
    g_sim.run({"destroy-model", kModel, "--no-prompt"});
    fs::remove_all(g_sim.home);
    return 0;
}
