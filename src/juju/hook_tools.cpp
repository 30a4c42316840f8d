#include <charconv>
#include <utility>

#include <fmt/format.h>

#include <slurmctld/juju/hook_tools.hpp>

namespace slurmctld::juju {

namespace {

std::optional<int> parse_non_negative_int(std::string_view text) {
    int value = 0;
    const auto* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || ptr != end || value < 0) {
        return std::nullopt;
    }
    return value;
}

std::string first_line(std::string_view text) {
    const auto newline = text.find('\n');
    auto line = text.substr(0, newline);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) {
        line.remove_suffix(1);
    }
    return std::string(line);
}

std::string describe(HookToolError::Failure failure, const std::string& tool, int exit_code,
                     const std::string& stderr_text) {
    switch (failure) {
        case HookToolError::Failure::NotRun:
            return fmt::format("{} could not be run: {}", tool, first_line(stderr_text));
        case HookToolError::Failure::BadOutput:
            return fmt::format("{} gave an answer that cannot be read: {}", tool,
                               first_line(stderr_text));
        case HookToolError::Failure::Exited:
            break;
    }
    return fmt::format("{} failed (exit {}): {}", tool, exit_code, first_line(stderr_text));
}

}  // namespace

RelationId RelationId::parse(std::string_view text) {
    const auto colon = text.rfind(':');
    const auto number = colon == std::string_view::npos ? text : text.substr(colon + 1);
    const auto id = parse_non_negative_int(number);
    if (!id) {
        throw std::invalid_argument(fmt::format("invalid relation id \"{}\"", text));
    }
    RelationId relation;
    relation.id = *id;
    if (colon != std::string_view::npos) {
        relation.endpoint = std::string(text.substr(0, colon));
    }
    return relation;
}

std::string RelationId::str() const {
    return endpoint.empty() ? std::to_string(id) : fmt::format("{}:{}", endpoint, id);
}

namespace {

constexpr std::pair<WorkloadState, std::string_view> kWorkloadStateNames[] = {
    {WorkloadState::Maintenance, "maintenance"},
    {WorkloadState::Blocked, "blocked"},
    {WorkloadState::Waiting, "waiting"},
    {WorkloadState::Active, "active"}};

constexpr std::pair<LogLevel, std::string_view> kLogLevelNames[] = {{LogLevel::Debug, "DEBUG"},
                                                                    {LogLevel::Info, "INFO"},
                                                                    {LogLevel::Warning, "WARNING"},
                                                                    {LogLevel::Error, "ERROR"}};

/// The name `names` gives `value`; `fallback` for a value it does not list.
template <class Enum, std::size_t N>
std::string_view name_of(Enum value, const std::pair<Enum, std::string_view> (&names)[N],
                         std::string_view fallback) {
    for (const auto& [candidate, name] : names) {
        if (candidate == value) {
            return name;
        }
    }
    return fallback;
}

}  // namespace

std::string_view to_string(WorkloadState state) {
    return name_of(state, kWorkloadStateNames, "unknown");
}

std::string_view to_string(LogLevel level) {
    return name_of(level, kLogLevelNames, "INFO");
}

std::optional<WorkloadState> parse_workload_state(std::string_view text) {
    for (const auto& [state, name] : kWorkloadStateNames) {
        if (name == text) {
            return state;
        }
    }
    return std::nullopt;
}

int GoalState::planned_units() const {
    int count = 0;
    for (const auto& [unit, entry] : units) {
        if (entry.status != "dying") {
            ++count;
        }
    }
    return count;
}

HookToolError::HookToolError(std::string tool, int exit_code, std::string stderr_text)
    : HookToolError(Failure::Exited, std::move(tool), exit_code, std::move(stderr_text)) {
}

HookToolError HookToolError::not_run(std::string tool, std::string why) {
    return {Failure::NotRun, std::move(tool), -1, std::move(why)};
}

HookToolError HookToolError::bad_output(std::string tool, std::string why) {
    return {Failure::BadOutput, std::move(tool), 0, std::move(why)};
}

HookToolError::HookToolError(Failure failure, std::string tool, int exit_code,
                             std::string stderr_text)
    : std::runtime_error(describe(failure, tool, exit_code, stderr_text)),
      failure_(failure),
      tool_(std::move(tool)),
      exit_code_(exit_code),
      stderr_(std::move(stderr_text)) {
}

}  // namespace slurmctld::juju
