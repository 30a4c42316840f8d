// fake-hook-tool: one binary standing in for every Juju hook tool. Symlink it under the tools'
// names into a directory on PATH; argv[0]'s basename picks the tool. It
//   - answers from the world in $FAKE_TOOLS_DIR/world.json (a testing_support::State as JSON)
//     through run_fake_tool (fake_tool_server.hpp): argv read with Juju's hook-tool table,
//     FakeHookTools' rules and messages, Juju's formats, exit codes and `ERROR ...` lines,
//   - appends {"tool", "args", "stdin"} to $FAKE_TOOLS_DIR/calls.jsonl (stdin is read only for
//     `--file -`, as Juju's protocol does),
//   - writes the world back (relation-set, state-set, secret tracking, ... change it).
// Calls are serialized with flock on $FAKE_TOOLS_DIR/lock.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "support/fake_tool_server.hpp"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string env_or_empty(const char* name) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): single thread
    return value == nullptr ? std::string() : std::string(value);
}

testing_support::State load_world(const fs::path& path) {
    std::ifstream in(path);
    if (!in) {
        return {};
    }
    return json::parse(in).get<testing_support::State>();
}

void save_world(const fs::path& path, const testing_support::State& state) {
    const auto temporary = fs::path(path.string() + ".tmp");
    {
        std::ofstream out(temporary, std::ios::trunc);
        out << json(state).dump(2) << "\n";
    }
    fs::rename(temporary, path);
}

void append_call(const fs::path& path, const std::string& tool,
                 const std::vector<std::string>& args,
                 const std::optional<std::string>& stdin_text) {
    json record;
    record["tool"] = tool;
    record["args"] = args;
    if (stdin_text) {
        record["stdin"] = *stdin_text;
    }
    std::ofstream out(path, std::ios::app);
    out << record.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
}

}  // namespace

int main(int argc, char** argv) {
    const std::string tool = fs::path(argv[0]).filename().string();
    const std::vector<std::string> args(argv + 1, argv + argc);
    const auto dir_text = env_or_empty("FAKE_TOOLS_DIR");
    if (dir_text.empty()) {
        std::cerr << "ERROR FAKE_TOOLS_DIR not set\n";
        return 1;
    }
    const fs::path dir(dir_text);
    const int lock = ::open((dir / "lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
        std::cerr << "ERROR cannot lock " << (dir / "lock").string() << "\n";
        return 1;
    }
    testing_support::HookEnv env;
    for (const auto* name :
         {"JUJU_RELATION", "JUJU_RELATION_ID", "JUJU_REMOTE_UNIT", "JUJU_REMOTE_APP"}) {
        env[name] = env_or_empty(name);
    }
    testing_support::ToolAnswer answer;
    try {
        testing_support::FakeHookTools tools(load_world(dir / "world.json"));
        answer = testing_support::run_fake_tool(tools, tool, args, env, [] {
            return std::string(std::istreambuf_iterator<char>(std::cin), {});
        });
        append_call(dir / "calls.jsonl", tool, args, answer.stdin_text);
        save_world(dir / "world.json", tools.state());
    } catch (const std::exception& e) {
        std::cerr << "ERROR fake-hook-tool: " << e.what() << "\n";
        return 3;
    }
    std::cout << answer.stdout_text;
    std::cerr << answer.stderr_text;
    std::cout.flush();
    return answer.exit_code;
}
