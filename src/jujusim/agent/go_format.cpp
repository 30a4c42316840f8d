#include <cstdio>
#include <ctime>
#include <map>

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

std::optional<double> parse_go_duration(const std::string& text, bool bare_seconds) {
    static const std::map<std::string, double> kUnits{
        {"ns", 1e-9}, {"us", 1e-6}, {"µs", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"m", 60}, {"h", 3600}};
    std::size_t i = 0;
    double sign = 1;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
        sign = text[i++] == '-' ? -1 : 1;
    }
    if (text.substr(i) == "0") {
        return 0.0;
    }
    double total = 0;
    bool any = false;
    while (i < text.size()) {
        const std::size_t start = i;
        while (i < text.size() &&
               (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.')) {
            ++i;
        }
        if (i == start) {
            return std::nullopt;
        }
        double value = 0;
        try {
            value = std::stod(text.substr(start, i - start));
        } catch (const std::exception&) {
            return std::nullopt;
        }
        std::size_t unit_end = i;
        while (unit_end < text.size() &&
               !std::isdigit(static_cast<unsigned char>(text[unit_end])) && text[unit_end] != '.') {
            ++unit_end;
        }
        const std::string unit = text.substr(i, unit_end - i);
        i = unit_end;
        if (unit.empty() && bare_seconds && i == text.size() && !any) {
            total += value;
        } else if (const auto factor = kUnits.find(unit); factor != kUnits.end()) {
            total += value * factor->second;
        } else {
            return std::nullopt;
        }
        any = true;
    }
    if (!any) {
        return std::nullopt;
    }
    return sign * total;
}

std::optional<double> parse_rfc3339(const std::string& text) {
    std::tm parts{};
    int consumed = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                    &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6 ||
        consumed != 19) {
        return std::nullopt;
    }
    parts.tm_year -= 1900;
    parts.tm_mon -= 1;
    double seconds = static_cast<double>(timegm(&parts));
    std::size_t i = 19;
    if (i < text.size() && text[i] == '.') {
        const std::size_t start = i;
        ++i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
            ++i;
        }
        if (i == start + 1) {
            return std::nullopt;
        }
        seconds += std::stod("0" + text.substr(start, i - start));
    }
    const std::string zone = text.substr(i);
    if (zone == "Z") {
        return seconds;
    }
    int hours = 0;
    int minutes = 0;
    if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') || zone[3] != ':' ||
        std::sscanf(zone.c_str() + 1, "%2d:%2d", &hours, &minutes) != 2) {
        return std::nullopt;
    }
    const double offset = hours * 3600.0 + minutes * 60.0;
    return zone[0] == '+' ? seconds - offset : seconds + offset;
}

double to_epoch(Clock::time_point when) {
    return std::chrono::duration<double>(when.time_since_epoch()).count();
}

Clock::time_point from_epoch(double seconds) {
    return Clock::time_point(
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds)));
}

}  // namespace jujusim
