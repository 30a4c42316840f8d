// A directory of fake hook tools for tests and benchmarks that run real processes: every hook
// tool name is a symlink to the fake-hook-tool binary, which answers from world.json (a State)
// and records each call in calls.jsonl. Put tool_dir() first on a child's PATH (env() does) or
// hand it to ProcessHookToolsOptions::tool_dir.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/fake_hook_tools.hpp"
#include "support/temp_dir.hpp"

namespace testing_support {

/// One recorded tool call: argv after the tool name, and stdin when the tool read it.
struct ToolCall {
    std::string tool;
    std::vector<std::string> args;
    std::optional<std::string> stdin_text;
};

class FakeToolWorld {
  public:
    /// `fake_tool` is the fake-hook-tool binary (unit tests get it as FAKE_HOOK_TOOL).
    FakeToolWorld(const std::filesystem::path& fake_tool, const State& state);

    const std::filesystem::path& dir() const { return dir_.path(); }
    std::filesystem::path tool_dir() const { return dir_.path() / "tools"; }
    /// FAKE_TOOLS_DIR, plus PATH with tool_dir() first (for a child process such as dispatch).
    std::map<std::string, std::string> env() const;

    void write_state(const State& state);
    State read_state() const;

    std::vector<ToolCall> calls() const;
    void clear_calls();

  private:
    TempDir dir_;
};

}  // namespace testing_support
