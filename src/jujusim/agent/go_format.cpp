#include <ctime>

#include <jujusim/go_format.hpp>

namespace jujusim {

namespace {

std::string format_utc(Clock::time_point when, const char* pattern) {
    const std::time_t seconds = Clock::to_time_t(when);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char buffer[64];
    const auto length = std::strftime(buffer, sizeof buffer, pattern, &parts);
    return std::string(buffer, length);
}

}  // namespace

std::string rfc3339(Clock::time_point when) {
    return format_utc(when, "%Y-%m-%dT%H:%M:%SZ");
}
std::string juju_since(Clock::time_point when) {
    return format_utc(when, "%d %b %Y %H:%M:%SZ");
}
std::string goal_state_since(Clock::time_point when) {
    return format_utc(when, "%Y-%m-%d %H:%M:%SZ");
}
std::string time_of_day(Clock::time_point when) {
    return format_utc(when, "%H:%M:%S");
}

double to_epoch(Clock::time_point when) {
    return std::chrono::duration<double>(when.time_since_epoch()).count();
}

Clock::time_point from_epoch(double seconds) {
    return Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
}

}  // namespace jujusim
