#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>

#include <yaml-cpp/yaml.h>

#include <slurmctld/juju/go_format.hpp>
#include <slurmctld/util/json_writer.hpp>

namespace slurmctld::juju {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

void go_string(std::string_view text, std::string& out) {
    static constexpr char kHexDigits[] = "0123456789abcdef";
    out += '"';
    for (std::size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            ++i;
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
                case '>':
                case '&':
                    out += "\\u00";
                    out += kHexDigits[c >> 4];
                    out += kHexDigits[c & 0xF];
                    break;
                default:
                    if (c < 0x20) {
                        out += "\\u00";
                        out += kHexDigits[c >> 4];
                        out += kHexDigits[c & 0xF];
                    } else {
                        out += static_cast<char>(c);
                    }
            }
            continue;
        }
        // Multi-byte: copied as is when valid; U+2028/U+2029 escaped; invalid bytes -> U+FFFD.
        int length = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        bool valid = length > 0 && i + static_cast<std::size_t>(length) <= text.size();
        for (int k = 1; valid && k < length; ++k) {
            valid = (static_cast<unsigned char>(text[i + k]) & 0xC0) == 0x80;
        }
        if (!valid) {
            out += "\\ufffd";
            ++i;
            continue;
        }
        const auto sequence = text.substr(i, static_cast<std::size_t>(length));
        if (sequence == "\u2028") {
            out += "\\u2028";
        } else if (sequence == "\u2029") {
            out += "\\u2029";
        } else {
            out += sequence;
        }
        i += static_cast<std::size_t>(length);
    }
    out += '"';
}

void go_float(double value, std::string& out) {
    const double magnitude = std::abs(value);
    char buffer[64];
    std::to_chars_result result{};
    if (magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21)) {
        result =
            std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
        std::string text(buffer, result.ptr);
        // Go writes e-07 as e-7.
        const auto e = text.find('e');
        if (e != std::string::npos && e + 3 < text.size() + 1 && text[e + 2] == '0') {
            text.erase(e + 2, 1);
        }
        out += text;
        return;
    }
    result = std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
    out.append(buffer, result.ptr);
}

std::string go_float(double value) {
    std::string out;
    go_float(value, out);
    return out;
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
            for (const auto& item : value) {
                emit_yaml(out, item);
            }
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

}  // namespace

std::string go_json(const ordered_json& value) {
    static constexpr util::JsonDialect kGo{",", ":", go_string, go_float};
    std::string out;
    util::write_json(value, kGo, out);
    return out;
}

std::string go_json(const json& value) {
    return go_json(ordered_json(value));
}

std::string go_yaml(const ordered_json& value) {
    if (value.is_null()) {
        return "";
    }
    YAML::Emitter out;
    emit_yaml(out, value);
    std::string text = out.c_str();
    while (!text.empty() && text.back() == '\n') {
        text.pop_back();
    }
    return text + "\n";
}

std::string go_yaml(const json& value) {
    return go_yaml(ordered_json(value));
}

namespace {

std::string smart(const ordered_json& value) {
    if (value.is_null()) {
        return "";
    }
    if (value.is_string()) {
        const auto& text = value.get_ref<const std::string&>();
        return text.empty() ? "" : text + "\n";
    }
    if (value.is_boolean()) {
        return value.get<bool>() ? "True\n" : "False\n";
    }
    if (value.is_array() && std::all_of(value.begin(), value.end(),
                                        [](const auto& item) { return item.is_string(); })) {
        std::string out;
        for (const auto& item : value) {
            out += item.template get<std::string>() + "\n";
        }
        return out;
    }
    return go_yaml(value);
}

}  // namespace

std::string go_smart(const json& value) {
    return smart(ordered_json(value));
}

std::string format_output(const ordered_json& value, const std::string& format) {
    if (format == "json") {
        return go_json(value) + "\n";
    }
    if (format == "yaml") {
        return go_yaml(value);
    }
    return smart(value);
}

std::string format_output(const json& value, const std::string& format) {
    return format_output(ordered_json(value), format);
}

}  // namespace slurmctld::juju
