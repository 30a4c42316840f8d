// The idle update-status of the slurmctld charm for BENCHMARKS.md: the demo's cluster (2
// controllers with the filesystem-client mount, a login and a compute node; real Slurm 24.11 on
// namespace machines), settled, then TICKS `jujusim tick`s one after another with nothing
// changing (every unit at once), then TICKS `jujusim tick UNIT` of each controller unit alone.
// Prints each controller role's update-status wall time (median, min, max) and hook-tool calls as
// jujusim's agent and tool server measured them, and the machine's load average around the ticks
// (the host's 2 cores are shared).
//
//   bench/idle_bench [BUILD_DIR] [TICKS=25] [CHARM=BUILD_DIR/slurmctld_amd64.charm]  (root)
//   IDLE_BENCH_KEEP=1 leaves the model running (its $JUJUSIM_HOME is printed) for profiling.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

#include "bench_support.hpp"

namespace fs = std::filesystem;
using bench::json;

int main(int argc, char** argv) {
    const std::string build = bench::build_dir(argc, argv);
    const int ticks = argc > 2 ? std::atoi(argv[2]) : 25;
    const std::string charm =
        fs::absolute(argc > 3 ? argv[3] : build + "/slurmctld_amd64.charm").string();
    bench::Sim sim;
    sim.jujusim = build + "/jujusim";
    std::setvbuf(stdout, nullptr, _IOLBF, 0);
    char pattern[] = "/tmp/idle-bench-XXXXXX";
    sim.home = ::mkdtemp(pattern);
    setenv("JUJUSIM_IMAGES", "/var/lib/jujusim/images", 0);
    std::printf("charm: %s\nJUJUSIM_HOME=%s\n", charm.c_str(), sim.home.c_str());

    bench::deploy_demo(sim, build, charm);
    const auto settle = [&] { sim.run({"wait", "--timeout", "300s"}); };
    if (!bench::wait_until(
            "both controllers UP", [&] { return bench::cluster_serves(sim, "login/0", 2); }, 600)) {
        sim.run({"destroy-model", "bench", "--no-prompt"});
        return 1;
    }
    settle();
    // The first ticks after the deploy run the full reconcile once more (a hook may have ended
    // with something pending) and leave the settled record; the measured ticks come after.
    for (int i = 0; i < 2; ++i) {
        sim.run({"tick"});
        settle();
    }
    const auto epoch = [] {
        return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    };
    // Ticks of every unit at once (six update-status hooks sharing the host's 2 cores), then
    // ticks of each controller unit alone (the hook's own time).
    const double together = epoch();
    const double load_before = bench::load_average();
    for (int i = 0; i < ticks; ++i) {
        sim.run({"tick"});
        settle();
    }
    const double alone = epoch();
    for (int i = 0; i < ticks; ++i) {
        for (const char* unit : {"slurmctld/0", "slurmctld/1"}) {
            sim.run({"tick", unit});
            settle();
        }
    }
    const double load_after = bench::load_average();

    const std::string leader = bench::leader_of(sim, "slurmctld");
    const auto groups = bench::group_hooks(sim.hooks(), [&](const json& entry) {
        const std::string unit = entry.value("unit", "");
        const double start = entry.value("start-epoch", 0.0);
        if (unit.rfind("slurmctld/", 0) != 0 || entry.value("hook", "") != "update-status" ||
            start < together) {
            return std::string();
        }
        return std::string("update-status (") + (unit == leader ? "leader" : "backup") +
               (start < alone ? ", every unit ticked" : ", alone") + ")";
    });
    std::printf("\nidle update-status, %d ticks; load average (1 min) %.2f before, %.2f after\n",
                ticks, load_before, load_after);
    std::printf("%-46s %5s %10s %8s %8s %6s\n", "hook", "runs", "median ms", "min ms", "max ms",
                "calls");
    for (const auto& [hook, runs] : groups) {
        std::vector<double> sorted = runs.ms;
        std::sort(sorted.begin(), sorted.end());
        std::printf("%-46s %5zu %10.1f %8.1f %8.1f %6.0f\n", hook.c_str(), runs.ms.size(),
                    bench::median(runs.ms), sorted.front(), sorted.back(),
                    bench::median(runs.calls));
    }
    if (std::getenv("IDLE_BENCH_KEEP") != nullptr) {
        std::printf("model kept: JUJUSIM_HOME=%s %s destroy-model bench --no-prompt\n",
                    sim.home.c_str(), sim.jujusim.c_str());
        return 0;
    }
    sim.run({"destroy-model", "bench", "--no-prompt"});
    fs::remove_all(sim.home);
    return 0;
}
