// The fake's hook-tool server: one hook-tool call (argv, stdin, the hook's environment) answered
// from a FakeHookTools model the way Juju's tool would answer it: argv read with Juju's
// hook-tool table, output in Juju's formats, Juju's exit codes and `ERROR ...` lines. The
// fake-hook-tool binary is this plus a state file; the contract test calls it in process.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/fake_hook_tools.hpp"

namespace testing_support {

struct ToolAnswer {
    int exit_code = 0;
    std::string stdout_text;
    std::string stderr_text;
    std::optional<std::string> stdin_text;  ///< what the tool read (only `--file -` reads)
    bool operator==(const ToolAnswer&) const = default;
};

/// The hook's environment a tool reads (JUJU_RELATION, JUJU_RELATION_ID, JUJU_REMOTE_UNIT,
/// JUJU_REMOTE_APP); missing names are empty.
using HookEnv = std::map<std::string, std::string>;

/// Every hook tool the fake answers (one per HookTools method; all rows of Juju's table).
std::vector<std::string> fake_tool_names();

/// Answers `tool args...`. `read_stdin` is called at most once, when the call reads stdin.
ToolAnswer run_fake_tool(FakeHookTools& tools, const std::string& tool,
                         const std::vector<std::string>& args, const HookEnv& env,
                         const std::function<std::string()>& read_stdin);

}  // namespace testing_support
