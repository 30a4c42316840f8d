// Cost of one dispatch, for BENCHMARKS.md: the real `dispatch` binary run for an event it has
// no handler for (process start, context decoding, logging set-up), and an update-status-like
// hook that makes five hook-tool calls (config-get, is-leader, relation-ids, relation-get,
// status-set) through the charm's tool layer. Both against fake-hook-tool (a stand-in for every
// Juju tool, answering from a JSON world), so the figures are the charm's share, not Juju's.
//
//   bench/dispatch_bench [BUILD_DIR] [RUNS]      (BUILD_DIR: the CMake build with dispatch and
//                                                 tests/fake-hook-tool; RUNS default 200)
// Prints median, min and max wall time per dispatch.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <unistd.h>

#include <slurmctld/juju/caching_hook_tools.hpp>
#include <slurmctld/juju/context.hpp>
#include <slurmctld/juju/process_hook_tools.hpp>
#include <slurmctld/util/process.hpp>

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

const char* const kTools[] = {"config-get",   "is-leader",    "relation-ids", "relation-list",
                              "relation-get", "relation-set", "status-set",   "juju-log",
                              "goal-state",   "state-get",    "state-set",    "secret-info-get"};

struct Summary {
    double median_ms, min_ms, max_ms;
};

Summary summarize(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples.front(), samples.back()};
}

void print(const char* name, const Summary& s, int runs) {
    std::printf("%-48s median %7.2f ms  min %7.2f ms  max %7.2f ms  (%d runs)\n", name, s.median_ms,
                s.min_ms, s.max_ms, runs);
}

std::map<std::string, std::string> hook_env(const fs::path& tools, const std::string& hook) {
    return {{"PATH", tools.string() + ":/usr/bin:/bin"},
            {"FAKE_TOOLS_DIR", tools.string()},
            {"JUJU_DISPATCH_PATH", "hooks/" + hook},
            {"JUJU_HOOK_NAME", hook},
            {"JUJU_UNIT_NAME", "slurmctld/0"},
            {"JUJU_MODEL_NAME", "bench"},
            {"JUJU_MODEL_UUID", "cdac5656-2423-4388-8f30-41854b4cca7d"},
            {"JUJU_VERSION", "3.6.12"},
            {"JUJU_CHARM_DIR", tools.string()}};
}

}  // namespace

int main(int argc, char** argv) {
    const fs::path build = argc > 1
                               ? fs::absolute(argv[1])
                               : fs::read_symlink("/proc/self/exe").parent_path().parent_path();
    const int runs = argc > 2 ? std::stoi(argv[2]) : 200;
    char pattern[] = "/tmp/dispatch-bench-XXXXXX";
    const fs::path tools = ::mkdtemp(pattern);
    for (const char* tool : kTools) {
        fs::create_symlink(build / "tests/fake-hook-tool", tools / tool);
    }
    // A leader with a peer relation: what an update-status sees.
    std::ofstream(tools / "world.json")
        << R"({"unit_name": "slurmctld/0", "leader": true, "config": {"cluster-name": ""},
              "relations": [{"endpoint": "slurmctld-peer", "id": 0, "peer": true,
                             "remote_app": "slurmctld",
                             "local_unit_data": {"hostname": "\"juju-abc-0\""}}]})";

    // 1. The real dispatch binary, for a hook without a handler.
    std::vector<double> noop;
    for (int i = 0; i < runs; ++i) {
        slurmctld::util::ProcessOptions options;
        options.env = hook_env(tools, "collect-metrics");
        const auto start = Clock::now();
        const auto result = slurmctld::util::run_process({(build / "dispatch").string()}, options);
        noop.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
        if (result.exit_code != 0) {
            std::fprintf(stderr, "dispatch failed: %s\n", result.stderr_text.c_str());
            return 1;
        }
    }
    print("dispatch, event without a handler", summarize(noop), runs);

    // 2. Five tool calls through CachingHookTools over ProcessHookTools, as a hook makes them.
    std::vector<double> five;
    for (int i = 0; i < runs; ++i) {
        slurmctld::juju::ProcessHookToolsOptions options;
        options.tool_dir = tools;
        options.env["FAKE_TOOLS_DIR"] = tools.string();
        const auto start = Clock::now();
        slurmctld::juju::ProcessHookTools process(options);
        slurmctld::juju::CachingHookTools hook_tools(process, "slurmctld/0");
        hook_tools.config_get();
        hook_tools.is_leader();
        const auto ids = hook_tools.relation_ids("slurmctld-peer");
        hook_tools.relation_get(ids.front(), "slurmctld/0");
        hook_tools.status_set(slurmctld::juju::WorkloadState::Active, "primary - UP", false);
        five.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    }
    print("five hook-tool calls (update-status-like)", summarize(five), runs);
    std::printf("per tool call (median / 5): %.2f ms\n", summarize(five).median_ms / 5.0);
    fs::remove_all(tools);
    return 0;
}
