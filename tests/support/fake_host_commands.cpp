// FakeHost's programs in general: every command is logged, injected failures and time-outs
// answer before the model does; and systemd-detect-virt.
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "support/fake_host.hpp"
#include "support/fake_host_internal.hpp"

namespace testing_support {

using namespace fake_host_internal;

int FakeHost::count_commands(const std::vector<std::string>& argv) const {
    return static_cast<int>(std::count(commands.begin(), commands.end(), argv));
}

std::vector<std::vector<std::string>> FakeHost::commands_of(const std::string& program) const {
    std::vector<std::vector<std::string>> found;
    for (const auto& argv : commands) {
        if (!argv.empty() && argv.front() == program) {
            found.emplace_back(argv.begin() + 1, argv.end());
        }
    }
    return found;
}

void FakeHost::inject_failure(std::vector<std::string> argv_prefix, CommandResult result,
                              int times) {
    injected_failures.push_back({std::move(argv_prefix), std::move(result), times});
}

void FakeHost::inject_timeout(std::vector<std::string> argv_prefix, int times) {
    const std::string program = argv_prefix.empty() ? "program" : argv_prefix.front();
    // RealHost's time limits by program (RealHostOptions' defaults).
    const std::map<std::string, std::chrono::milliseconds> limits = {
        {"systemctl", std::chrono::seconds(90)},
        {"apt-get", std::chrono::minutes(10)},
        {"dpkg-query", std::chrono::seconds(30)},
        {"scontrol", std::chrono::seconds(15)},
        {"rsync", rsync_timeout},
        {"systemd-detect-virt", std::chrono::seconds(10)}};
    const auto found = limits.find(program);
    const auto limit = found == limits.end() ? std::chrono::milliseconds(60000) : found->second;
    inject_failure(std::move(argv_prefix),
                   {host::kCommandTimedOut, "", timeout_note(program, limit)}, times);
}

// ---- Host: programs --------------------------------------------------------------------------

std::optional<CommandResult> FakeHost::log_command(const std::string& program,
                                                   const std::vector<std::string>& args) {
    std::vector<std::string> argv{program};
    argv.insert(argv.end(), args.begin(), args.end());
    commands.push_back(argv);
    for (auto it = injected_failures.begin(); it != injected_failures.end(); ++it) {
        if (starts_with(argv, it->argv_prefix)) {
            CommandResult result = it->result;
            if (it->times > 0 && --it->times == 0) {
                injected_failures.erase(it);
            }
            return result;
        }
    }
    return std::nullopt;
}

CommandResult FakeHost::call_program(
    const std::string& program, const std::vector<std::string>& args, bool changes_machine,
    CommandResult (FakeHost::*model)(const std::vector<std::string>&)) {
    if (changes_machine) {
        changing(program + " " + fmt::format("{}", fmt::join(args, " ")));
    }
    if (auto result = log_command(program, args)) {
        return *result;
    }
    return (this->*model)(args);
}

CommandResult FakeHost::systemd_detect_virt(const std::vector<std::string>& args) {
    return call_program("systemd-detect-virt", args, false, &FakeHost::run_systemd_detect_virt);
}

// ---- systemd-detect-virt ---------------------------------------------------------------------

CommandResult FakeHost::run_systemd_detect_virt(const std::vector<std::string>& args) {
    bool quiet = false;
    std::optional<bool> container_only;
    for (const auto& arg : args) {
        if (arg == "--container" || arg == "-c") {
            container_only = true;
        } else if (arg == "--vm" || arg == "-v") {
            container_only = false;
        } else if (arg == "--quiet" || arg == "-q") {
            quiet = true;
        }
    }
    std::string answer;
    if (!container_only) {
        answer = !container.empty() ? container : virtualization;
    } else {
        answer = *container_only ? container : virtualization;
    }
    if (answer.empty()) {
        return {1, quiet ? "" : "none\n", ""};
    }
    return ok(quiet ? "" : answer + "\n");
}

}  // namespace testing_support
