// Per-hook figures of the slurmctld charm for BENCHMARKS.md: every hook the charm runs in the
// demo's scenario, its wall time and its hook-tool calls as jujusim's tool server counted them
// (`jujusim hooks`). Real Slurm 24.11 on namespace machines: slurmctld -n 2 with the
// filesystem-client mount, a login node (sackd) and a compute node (slurmd); then idle
// update-status ticks, ticks while a job runs, a config change, a third controller added and
// removed again. Each update-status is named by the phase it ran in.
//
//   bench/hook_bench [BUILD_DIR] [CHARM=BUILD_DIR/slurmctld_amd64.charm]   (root; ~3 minutes)
//   HOOK_BENCH_HOOKS=FILE keeps every hook run with its tool calls (`jujusim hooks` as JSON).
//
// CHARM may be an older build of the charm (the "before" column): jujusim and the test charms
// stay those of BUILD_DIR, so both columns are measured the same way.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include <unistd.h>

#include "bench_support.hpp"

namespace fs = std::filesystem;
using bench::json;

namespace {

bench::Sim g_sim;

void settle() {
    g_sim.run({"wait", "--timeout", "300s"});
}

/// `jujusim tick` (update-status on every unit now), then waits for the model to settle.
void ticks(int count) {
    for (int i = 0; i < count; ++i) {
        g_sim.run({"tick"});
        settle();
    }
}

}  // namespace

int main(int argc, char** argv) {
    const std::string build = bench::build_dir(argc, argv);
    const std::string charm =
        fs::absolute(argc > 2 ? argv[2] : build + "/slurmctld_amd64.charm").string();
    g_sim.jujusim = build + "/jujusim";
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    char pattern[] = "/tmp/hook-bench-XXXXXX";
    g_sim.home = ::mkdtemp(pattern);
    setenv("JUJUSIM_IMAGES", "/var/lib/jujusim/images", 0);
    std::printf("charm: %s\n", charm.c_str());

    // Each phase's hooks are told apart by when they started.
    std::vector<std::pair<double, std::string>> phases;
    const auto mark = [&](const std::string& phase) {
        phases.emplace_back(
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count(),
            phase);
    };

    mark("deploy");
    const auto deploy_start = bench::Clock::now();
    bench::deploy_demo(g_sim, build, charm);
    if (!bench::wait_until(
            "both controllers UP", [] { return bench::cluster_serves(g_sim, "login/0", 2); },
            600)) {
        g_sim.run({"destroy-model", "bench", "--no-prompt"});
        return 1;
    }
    settle();
    std::printf("deploy until both controllers UP and settled: %.1f s\n",
                bench::since(deploy_start));

    mark("first update-status after the deploy");
    ticks(1);
    mark("idle");
    ticks(5);

    mark("busy: a job running");
    g_sim.exec("login/0", "sbatch --chdir=/tmp -o /dev/null --wrap 'sleep 300'");
    bench::wait_until(
        "the job to run",
        [] {
            return g_sim.exec("login/0", "squeue -h -t R -o %i").find_first_of("0123456789") !=
                   std::string::npos;
        },
        60);
    ticks(3);
    g_sim.exec("login/0", "scancel -u root");

    mark("config change");
    g_sim.run(
        {"config", "slurmctld", "slurm-conf-parameters=SlurmctldTimeout=10\nMaxJobCount=20000\n"});
    settle();
    ticks(1);

    mark("add a third controller");
    g_sim.run({"add-unit", "slurmctld"});
    bench::wait_until(
        "three controllers UP", [] { return bench::cluster_serves(g_sim, "login/0", 3); }, 600);
    settle();
    ticks(1);

    mark("remove the third controller");
    g_sim.run({"remove-unit", "slurmctld/2", "--no-prompt"});
    bench::wait_until(
        "the removal",
        [] { return g_sim.status()["applications"]["slurmctld"]["units"].size() == 2; }, 300);
    settle();
    ticks(1);

    const auto hooks = g_sim.hooks();
    if (const char* keep = std::getenv("HOOK_BENCH_HOOKS"); keep != nullptr) {
        std::ofstream(keep) << hooks.dump(1) << "\n";  // every run with its tool calls
    }
    const auto phase_of = [&](double start) {
        std::string phase;
        for (const auto& [at, name] : phases) {
            if (start >= at) {
                phase = name;
            }
        }
        return phase;
    };
    // The leader's hooks ask more (client data, application status): update-status rows say
    // whose they are. Leadership does not move in this scenario.
    const std::string leader = bench::leader_of(g_sim, "slurmctld");
    const auto groups = bench::group_hooks(hooks, [&](const json& entry) {
        const std::string unit = entry.value("unit", "");
        if (unit.rfind("slurmctld/", 0) != 0) {
            return std::string();
        }
        std::string hook = entry.value("hook", "");
        if (hook == "update-status") {
            hook += " (" + phase_of(entry.value("start-epoch", 0.0)) + ", " +
                    (unit == leader ? "leader" : "backup") + ")";
        }
        return hook;
    });
    bench::print_hook_table("slurmctld hooks in jujusim (all units, every phase)", groups);
    double longest = 0;
    std::string longest_hook;
    for (const auto& [hook, runs] : groups) {
        if (bench::maximum(runs.ms) > longest) {
            longest = bench::maximum(runs.ms);
            longest_hook = hook;
        }
    }
    std::printf("\nlongest slurmctld hook: %s, %.0f ms\n", longest_hook.c_str(), longest);
    g_sim.run({"destroy-model", "bench", "--no-prompt"});
    fs::remove_all(g_sim.home);
    return 0;
}
