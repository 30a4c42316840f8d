// High-availability figures for BENCHMARKS.md, measured with the real charm and real Slurm
// 24.11 in jujusim namespace machines:
//   - per hook of slurmctld: median wall time and hook-tool calls (from `jujusim hooks`),
//   - failover: power-off of the primary's machine until the backup serves clients, N runs,
//   - switchover: longest gap between answers of a client polling every 0.2 s while the unit
//     of the serving controller is removed (planned hand-over), N runs.
//
//   bench/ha_bench [BUILD_DIR] [RUNS=5] [SLURMCTLD_TIMEOUT=5]        (root; several minutes)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <unistd.h>

#include "bench_support.hpp"

namespace fs = std::filesystem;
using bench::Clock;
using bench::json;
using bench::since;
using bench::summary;
using bench::wait_until;

namespace {

bench::Sim g_sim;
std::string g_build;

slurmctld::util::ProcessResult sim(const std::vector<std::string>& args, bool quiet = false) {
    return g_sim.run(args, quiet);
}
std::string exec(const std::string& unit, const std::string& command) {
    return g_sim.exec(unit, command);
}
bool exec_ok(const std::string& unit, const std::string& command) {
    return g_sim.exec_ok(unit, command);
}
json status() {
    return g_sim.status();
}
std::string message(const std::string& unit) {
    return g_sim.message(unit);
}

/// The unit whose controller is in control, as the leader's application status says it
/// ("slurmctld/1 (backup) in control; 2 of 2 controllers UP"), or "" when none is.
std::string serving_unit() {
    const auto app = status()["applications"]["slurmctld"];
    const std::string text = app["application-status"].value("message", "");
    const auto end = text.find(" (");
    if (end == std::string::npos || text.find(") in control") == std::string::npos) {
        return "";
    }
    return text.substr(0, end);
}

/// Seconds until a client on the login node gets an answer: squeue retried from inside the
/// machine (no jujusim round trip per try), each try bounded as a user's patience would be.
double seconds_until_client_answer() {
    const auto start = Clock::now();
    exec("login/0", "until timeout 30 squeue -h >/dev/null 2>&1; do sleep 0.1; done");
    return since(start);
}

void deploy(int slurmctld_timeout) {
    sim({"add-model", "bench"});
    sim({"model-config", "update-status-hook-interval=20s"});
    sim({"model-config", "leadership-lease-seconds=10"});
    sim({"deploy", g_build + "/slurmctld_amd64.charm", "slurmctld", "-n", "2", "--config",
         "slurm-conf-parameters=SlurmctldTimeout=" + std::to_string(slurmctld_timeout) + "\n",
         "--config", "default-partition=compute"});
    sim({"deploy", "filesystem-client", "checkpoint"});
    sim({"integrate", "slurmctld:mount", "checkpoint:mount"});
    sim({"deploy", g_build + "/test-charms/sackd", "login"});
    sim({"deploy", g_build + "/test-charms/slurmd", "compute", "--config",
         "default-node-state=idle"});
    sim({"integrate", "slurmctld", "login"});
    sim({"integrate", "slurmctld", "compute"});
}

void report_hooks(const char* title) {
    const auto groups = bench::group_hooks(g_sim.hooks(), [](const json& entry) {
        return entry.value("unit", "").rfind("slurmctld/", 0) == 0 ? entry.value("hook", "")
                                                                   : std::string();
    });
    bench::print_hook_table((std::string("slurmctld hooks in jujusim, ") + title).c_str(), groups);
}

}  // namespace

int main(int argc, char** argv) {
    g_build = bench::build_dir(argc, argv);
    const int runs = argc > 2 ? std::stoi(argv[2]) : 5;
    const int timeout = argc > 3 ? std::stoi(argv[3]) : 5;
    g_sim.jujusim = g_build + "/jujusim";
    std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows as it happens, even in a log file
    char pattern[] = "/tmp/ha-bench-XXXXXX";
    g_sim.home = ::mkdtemp(pattern);
    setenv("JUJUSIM_IMAGES", "/var/lib/jujusim/images", 0);

    const auto deploy_start = Clock::now();
    deploy(timeout);
    if (!wait_until(
            "primary and backup UP",
            [] {
                return message("slurmctld/0") == "primary - UP" &&
                       message("slurmctld/1") == "backup - UP" &&
                       exec_ok("login/0", "timeout 10 sinfo >/dev/null 2>&1");
            },
            600)) {
        sim({"destroy-model", "bench", "--no-prompt"});
        return 1;
    }
    std::printf("deploy to primary/backup UP: %.1f s\n", since(deploy_start));
    sim({"wait", "--timeout", "120s"});
    report_hooks("deploy of 2 controllers with HA, a login and a compute node");

    std::vector<double> failovers;
    for (int run = 0; run < runs; ++run) {
        // Slurm 24.11's primary takes control back some time after it returns; the leader's
        // status says when it has.
        if (!wait_until(
                "primary in control", [] { return serving_unit() == "slurmctld/0"; }, 300)) {
            break;
        }
        std::this_thread::sleep_for(std::chrono::seconds(7));  // state saved
        const auto machine =
            status()["applications"]["slurmctld"]["units"]["slurmctld/0"].value("machine", "");
        sim({"poweroff", machine});
        const double failover = seconds_until_client_answer();
        failovers.push_back(failover);
        std::printf("failover run %d: %.2f s\n", run + 1, failover);
        sim({"poweron", machine});
        wait_until(
            "both UP again",
            [] {
                return exec("login/0", "scontrol ping 2>/dev/null").find("DOWN") ==
                       std::string::npos;
            },
            240);
    }

    std::vector<double> switchovers;
    for (int run = 0; run < std::min(runs, 3); ++run) {
        // The serving controller is slurmctld/<n>; remove it and measure the client's gap.
        wait_until(
            "a controller in control",
            [] { return exec_ok("login/0", "timeout 10 squeue >/dev/null 2>&1"); }, 180);
        wait_until(
            "the leader to name the serving controller", [] { return !serving_unit().empty(); },
            120);
        const std::string serving = serving_unit();
        const auto units = status()["applications"]["slurmctld"]["units"];
        if (serving.empty() || units.size() < 2) {
            break;
        }
        exec(
            "login/0",
            "rm -f /tmp/answers; setsid sh -c 'while :; do timeout 60 squeue -h >/dev/null 2>&1 && "
            "date +%s.%N >> /tmp/answers; sleep 0.2; done' >/dev/null 2>&1 < /dev/null &");
        std::this_thread::sleep_for(std::chrono::seconds(3));
        sim({"remove-unit", serving, "--no-prompt"});
        wait_until(
            "the removal",
            [&] {
                return status()["applications"]["slurmctld"]["units"].size() == units.size() - 1;
            },
            240);
        std::this_thread::sleep_for(std::chrono::seconds(5));
        exec("login/0", "pkill -f 'while :'; true");
        std::istringstream answers(exec("login/0", "cat /tmp/answers"));
        std::vector<double> times;
        double t = 0;
        while (answers >> t) {
            times.push_back(t);
        }
        double gap = 0;
        for (std::size_t i = 1; i < times.size(); ++i) {
            gap = std::max(gap, times[i] - times[i - 1]);
        }
        switchovers.push_back(gap);
        std::printf("switchover run %d (removed %s): longest client gap %.2f s\n", run + 1,
                    serving.c_str(), gap);
        sim({"add-unit", "slurmctld"});
        wait_until(
            "two controllers UP",
            [] {
                const auto ping = exec("login/0", "scontrol ping 2>/dev/null");
                return ping.find("backup") != std::string::npos &&
                       ping.find("DOWN") == std::string::npos;
            },
            300);
        sim({"wait", "--timeout", "120s"});
    }

    report_hooks("the whole run (deploy, failovers with power-on, switchovers with add-unit)");
    std::printf("\nSlurmctldTimeout=%d\n", timeout);
    summary("failover (power-off -> backup serving)", failovers, "s");
    summary("switchover (longest client gap)", switchovers, "s");
    sim({"destroy-model", "bench", "--no-prompt"});
    fs::remove_all(g_sim.home);
    return 0;
}
