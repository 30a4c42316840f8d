#include "support/fake_tool_world.hpp"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "support/fake_tool_server.hpp"

namespace testing_support {

FakeToolWorld::FakeToolWorld(const std::filesystem::path& fake_tool, const State& state)
    : dir_("fake-tools") {
    if (!std::filesystem::exists(fake_tool)) {
        throw std::runtime_error("fake-hook-tool binary not found: " + fake_tool.string());
    }
    std::filesystem::create_directories(tool_dir());
    for (const auto& name : fake_tool_names()) {
        std::filesystem::create_symlink(std::filesystem::absolute(fake_tool), tool_dir() / name);
    }
    write_state(state);
}

std::map<std::string, std::string> FakeToolWorld::env() const {
    const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe): test setup
    return {{"FAKE_TOOLS_DIR", dir().string()},
            {"PATH", tool_dir().string() + (path != nullptr ? ":" + std::string(path) : "")}};
}

void FakeToolWorld::write_state(const State& state) {
    write_text(dir() / "world.json", nlohmann::json(state).dump(2) + "\n");
}

State FakeToolWorld::read_state() const {
    return nlohmann::json::parse(read_text(dir() / "world.json")).get<State>();
}

std::vector<ToolCall> FakeToolWorld::calls() const {
    std::vector<ToolCall> result;
    std::ifstream in(dir() / "calls.jsonl");
    std::string line;
    while (std::getline(in, line)) {
        const auto record = nlohmann::json::parse(line);
        ToolCall call;
        call.tool = record.at("tool").get<std::string>();
        call.args = record.at("args").get<std::vector<std::string>>();
        if (record.contains("stdin")) {
            call.stdin_text = record.at("stdin").get<std::string>();
        }
        result.push_back(std::move(call));
    }
    return result;
}

void FakeToolWorld::clear_calls() {
    std::error_code ignored;
    std::filesystem::remove(dir() / "calls.jsonl", ignored);
}

}  // namespace testing_support
