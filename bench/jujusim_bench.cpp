// jujusim timings for BENCHMARKS.md: one hook-tool call, an empty hook through jujusim, and
// deploy-and-settle of 3 units. Drives the jujusim binary (argv[1], default ../jujusim next to
// this program) in a private $JUJUSIM_HOME; machine type host (default) or namespace (argv[2]).
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <unistd.h>

#include <slurmctld/util/process.hpp>

namespace fs = std::filesystem;
using slurmctld::util::ProcessOptions;
using slurmctld::util::run_process;

namespace {

std::string jujusim;
std::string home;

slurmctld::util::ProcessResult sim(const std::vector<std::string>& args) {
    std::vector<std::string> argv{jujusim};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions options;
    options.env["JUJUSIM_HOME"] = home;
    auto result = run_process(argv, options);
    if (result.exit_code != 0) {
        std::fprintf(stderr, "jujusim %s failed: %s\n", args.front().c_str(),
                     result.stderr_text.c_str());
    }
    return result;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    const fs::path self = fs::read_symlink("/proc/self/exe");
    jujusim = argc > 1 ? argv[1] : (self.parent_path().parent_path() / "jujusim").string();
    const std::string machine_type = argc > 2 ? argv[2] : "host";
    char pattern[] = "/tmp/jujusim-bench-XXXXXX";
    home = ::mkdtemp(pattern);
    const fs::path charm = fs::path(home) / "empty-charm";
    fs::create_directories(charm);
    std::ofstream(charm / "metadata.yaml")
        << "name: empty\nsummary: does nothing\ndescription: does nothing\n";
    std::ofstream(charm / "dispatch") << "#!/bin/sh\nexit 0\n";
    fs::permissions(charm / "dispatch", fs::perms(0755));

    sim({"add-model", "bench", "--config", "machine-type=" + machine_type});
    std::printf("jujusim benchmarks (machine type: %s)\n", machine_type.c_str());

    auto start = std::chrono::steady_clock::now();
    sim({"deploy", charm.string(), "empty", "-n", "3"});
    sim({"wait", "--timeout", "600s"});
    std::printf("deploy -n 3 and settle (4 hooks per unit):   %8.3f s\n", seconds_since(start));

    // One hook-tool call: 500 config-get calls inside one hook context, timed inside the machine.
    const int calls = 500;
    const auto loop = sim({"exec", "--unit", "empty/0", "--",
                           "s=$(date +%s%N); i=0; while [ $i -lt " + std::to_string(calls) +
                               " ]; do config-get >/dev/null; i=$((i+1)); done; e=$(date +%s%N); "
                               "echo $(( (e-s)/1000 ))"});
    const double loop_us = std::stod(loop.stdout_text.empty() ? "0" : loop.stdout_text);
    std::printf("one hook-tool call (config-get, in a hook):   %8.3f ms\n",
                loop_us / calls / 1000.0);

    // An empty hook through jujusim: `exec -- true` end to end (CLI, queue, machine lock, hook
    // context and tool socket, process), and update-status of an empty charm from the hook log.
    const int runs = 50;
    start = std::chrono::steady_clock::now();
    for (int i = 0; i < runs; ++i) {
        sim({"exec", "--unit", "empty/1", "--", "true"});
    }
    std::printf("empty hook via `jujusim exec -- true`:        %8.3f ms\n",
                seconds_since(start) / runs * 1000.0);
    for (int i = 0; i < 20; ++i) {
        sim({"tick"});
        sim({"wait"});
    }
    const auto hooks = sim({"hooks", "--format", "json", "--unit", "empty/2"});
    double total = 0;
    int count = 0;
    std::size_t pos = 0;
    while ((pos = hooks.stdout_text.find("\"hook\":\"update-status\"", pos)) != std::string::npos) {
        const auto duration_at = hooks.stdout_text.rfind("\"duration\":", pos);
        if (duration_at != std::string::npos) {
            total += std::stod(hooks.stdout_text.substr(duration_at + 11));
            ++count;
        }
        ++pos;
    }
    if (count > 0) {
        std::printf("empty update-status hook (agent side, avg %d): %7.3f ms\n", count,
                    total / count * 1000.0);
    }

    sim({"destroy-model", "bench", "--no-prompt"});
    fs::remove_all(home);
    return 0;
}
