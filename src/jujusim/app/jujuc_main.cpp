// jujuc: every hook tool in a unit's tools directory links here. Sends {context id, cwd, tool,
// args} to the unit agent's socket, prints the reply and exits with its code. Like Juju's
// jujuc, stdin is read (to EOF) only when the agent says the tool needs it. Files named on the
// command line (--file PATH, key#file=PATH) are read here, inside the machine, and sent along.
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <sstream>

#include <unistd.h>

#include <jujusim/unix_socket.hpp>
#include <slurmctld/juju/hook_tool_table.hpp>
#include <slurmctld/util/files.hpp>

namespace {

/// A file named on the tool's command line, read here, inside the machine, as Juju's jujuc
/// reads it (links followed); one that cannot be read is left for the agent to report missing.
void add_file(nlohmann::json& files, const std::string& path) {
    if (path.empty() || path == "-" || files.contains(path)) {
        return;
    }
    try {
        if (const auto text = slurmctld::util::read_regular_file_following(path)) {
            files[path] = *text;
        }
    } catch (const slurmctld::util::FileError&) {
    }
}

}  // namespace

int main(int argc, char** argv) {
    std::string tool = argc > 0 ? argv[0] : "jujuc";
    const auto slash = tool.find_last_of('/');
    if (slash != std::string::npos) {
        tool = tool.substr(slash + 1);
    }
    int first = 1;
    if (tool == "jujuc") {
        if (argc < 2) {
            std::cerr << "ERROR usage: jujuc <command> [args]\n";
            return 2;
        }
        tool = argv[1];
        first = 2;
    }
    std::vector<std::string> args(argv + first, argv + argc);
    const char* context = std::getenv("JUJU_CONTEXT_ID");
    const char* address = std::getenv("JUJU_AGENT_SOCKET_ADDRESS");
    if (context == nullptr || *context == '\0') {
        std::cerr << "ERROR JUJU_CONTEXT_ID not set\n";
        return 1;
    }
    if (address == nullptr || *address == '\0') {
        std::cerr << "ERROR JUJU_AGENT_SOCKET_ADDRESS not set\n";
        return 1;
    }
    nlohmann::json files = nlohmann::json::object();
    for (const auto& path : slurmctld::juju::paths_read_by(tool, args)) {
        add_file(files, path);
    }
    char cwd[4096];
    nlohmann::json request{{"context_id", context},
                           {"dir", ::getcwd(cwd, sizeof cwd) != nullptr ? cwd : "/"},
                           {"tool", tool},
                           {"args", args},
                           {"files", files}};
    try {
        nlohmann::json reply = jujusim::call_json(address, request);
        if (reply.value("need_stdin", false)) {
            request["stdin"] = std::string(std::istreambuf_iterator<char>(std::cin),
                                           std::istreambuf_iterator<char>());
            reply = jujusim::call_json(address, request);
        }
        const std::string out = reply.value("stdout", "");
        const std::string err = reply.value("stderr", "");
        std::fwrite(out.data(), 1, out.size(), stdout);
        std::fwrite(err.data(), 1, err.size(), stderr);
        return reply.value("code", 1);
    } catch (const std::exception& error) {
        std::cerr << "ERROR " << error.what() << "\n";
        return 1;
    }
}
