// The hook-tool contract cases (tool_contract_cases.cpp) and their shape; the worlds they run
// against and the runner are in tool_contract_test.cpp.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace contract {

inline constexpr const char* kOwnSecret = "d0aaaaaaaaaaaaaaaaaa";     ///< app-owned, "auth-key"
inline constexpr const char* kRemoteSecret = "d0rrrrrrrrrrrrrrrrrr";  ///< slurmd's, granted

/// The hook a case runs in.
struct Hook {
    bool leader = true;
    bool action = false;
    int relation_id = -1;  ///< a relation-changed hook on relation 3 when set
    std::string remote_unit;
};

struct Step {
    std::vector<std::string> argv;  ///< tool and arguments
    std::optional<std::string> stdin_text;
    int exit_code = 0;
    std::string out;
    std::string err;
};

struct Case {
    std::string name;
    Hook hook;
    std::vector<Step> steps;
};

inline Step call(std::vector<std::string> argv, std::string out = "") {
    return Step{std::move(argv), std::nullopt, 0, std::move(out), ""};
}
inline Step fails(std::vector<std::string> argv, int exit_code, std::string err) {
    return Step{std::move(argv), std::nullopt, exit_code, "", std::move(err)};
}
inline Step with_stdin(std::vector<std::string> argv, std::string stdin_text) {
    return Step{std::move(argv), std::move(stdin_text), 0, "", ""};
}

inline Hook non_leader() {
    Hook hook;
    hook.leader = false;
    return hook;
}
inline Hook in_action() {
    Hook hook;
    hook.action = true;
    return hook;
}
inline Hook relation_changed(std::string remote_unit) {
    Hook hook;
    hook.relation_id = 3;
    hook.remote_unit = std::move(remote_unit);
    return hook;
}

/// Every case, each with Juju 3.6's expected answers.
std::vector<Case> contract_cases();

}  // namespace contract
