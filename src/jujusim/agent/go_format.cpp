#include <cmath>
#include <ctime>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <jujusim/go_format.hpp>

namespace jujusim {

namespace {

void append_go_string(std::string& out, const std::string& text) {
    out += '"';
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            case '<':
                out += "\\u003c";
                break;
            case '>':
                out += "\\u003e";
                break;
            case '&':
                out += "\\u0026";
                break;
            default:
                if (c < 0x20) {
                    out += fmt::format("\\u{:04x}", c);
                } else if (c == 0xe2 && i + 2 < text.size() &&
                           static_cast<unsigned char>(text[i + 1]) == 0x80 &&
                           (static_cast<unsigned char>(text[i + 2]) == 0xa8 ||
                            static_cast<unsigned char>(text[i + 2]) == 0xa9)) {
                    // Go escapes the JavaScript line terminators U+2028 and U+2029.
                    out += static_cast<unsigned char>(text[i + 2]) == 0xa8 ? "\\u2028" : "\\u2029";
                    i += 2;
                } else {
                    out += static_cast<char>(c);
                }
        }
    }
    out += '"';
}

std::string go_float(double value) {
    if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e21) {
        return fmt::format("{:.0f}", value);
    }
    // Go uses the shortest representation that round-trips; fmt's {} does the same.
    return fmt::format("{}", value);
}

void append_go_json(std::string& out, const ordered_json& value) {
    switch (value.type()) {
        case ordered_json::value_t::null:
            out += "null";
            break;
        case ordered_json::value_t::boolean:
            out += value.get<bool>() ? "true" : "false";
            break;
        case ordered_json::value_t::number_integer:
            out += std::to_string(value.get<std::int64_t>());
            break;
        case ordered_json::value_t::number_unsigned:
            out += std::to_string(value.get<std::uint64_t>());
            break;
        case ordered_json::value_t::number_float:
            out += go_float(value.get<double>());
            break;
        case ordered_json::value_t::string:
            append_go_string(out, value.get_ref<const std::string&>());
            break;
        case ordered_json::value_t::array: {
            out += '[';
            bool first = true;
            for (const auto& item : value) {
                if (!first)
                    out += ',';
                first = false;
                append_go_json(out, item);
            }
            out += ']';
            break;
        }
        case ordered_json::value_t::object: {
            out += '{';
            bool first = true;
            for (const auto& [key, item] : value.items()) {
                if (!first)
                    out += ',';
                first = false;
                append_go_string(out, key);
                out += ':';
                append_go_json(out, item);
            }
            out += '}';
            break;
        }
        default:
            out += "null";
    }
}

void emit_yaml(YAML::Emitter& out, const ordered_json& value) {
    switch (value.type()) {
        case ordered_json::value_t::null:
            out << YAML::Null;
            break;
        case ordered_json::value_t::boolean:
            out << value.get<bool>();
            break;
        case ordered_json::value_t::number_integer:
            out << value.get<std::int64_t>();
            break;
        case ordered_json::value_t::number_unsigned:
            out << value.get<std::uint64_t>();
            break;
        case ordered_json::value_t::number_float:
            out << go_float(value.get<double>());
            break;
        case ordered_json::value_t::string: {
            const auto& text = value.get_ref<const std::string&>();
            if (text.find('\n') != std::string::npos) {
                out << YAML::Literal << text;
            } else {
                out << text;
            }
            break;
        }
        case ordered_json::value_t::array:
            out << YAML::BeginSeq;
            for (const auto& item : value)
                emit_yaml(out, item);
            out << YAML::EndSeq;
            break;
        case ordered_json::value_t::object:
            if (value.empty()) {
                out << YAML::Flow << YAML::BeginMap << YAML::EndMap;
                break;
            }
            out << YAML::BeginMap;
            for (const auto& [key, item] : value.items()) {
                out << YAML::Key << key << YAML::Value;
                emit_yaml(out, item);
            }
            out << YAML::EndMap;
            break;
        default:
            out << YAML::Null;
    }
}

std::string format_utc(Clock::time_point when, const char* pattern) {
    const std::time_t seconds = Clock::to_time_t(when);
    std::tm parts{};
    gmtime_r(&seconds, &parts);
    char buffer[64];
    const auto length = std::strftime(buffer, sizeof buffer, pattern, &parts);
    return std::string(buffer, length);
}

}  // namespace

std::string go_json(const ordered_json& value) {
    std::string out;
    append_go_json(out, value);
    return out;
}

std::string go_json(const json& value) {
    return go_json(ordered_json(value));
}

std::string go_yaml(const ordered_json& value) {
    if (value.is_null())
        return "";
    YAML::Emitter out;
    emit_yaml(out, value);
    std::string text = out.c_str();
    while (!text.empty() && text.back() == '\n')
        text.pop_back();
    return text + "\n";
}

std::string go_yaml(const json& value) {
    return go_yaml(ordered_json(value));
}

std::string go_smart(const json& value) {
    if (value.is_null())
        return "";
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        return text.empty() ? "" : text + "\n";
    }
    if (value.is_boolean())
        return value.get<bool>() ? "True\n" : "False\n";
    if (value.is_array() && std::all_of(value.begin(), value.end(),
                                        [](const json& item) { return item.is_string(); })) {
        std::string out;
        for (const auto& item : value)
            out += item.get<std::string>() + "\n";
        return out;
    }
    return go_yaml(value);
}

std::string format_output(const json& value, const std::string& format) {
    if (format == "json")
        return go_json(value) + "\n";
    if (format == "yaml")
        return go_yaml(value);
    return go_smart(value);
}

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
