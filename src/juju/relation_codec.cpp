#include <charconv>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/util/json_writer.hpp>

namespace slurmctld::juju::codec {

namespace {

/// Decodes one UTF-8 sequence starting at text[i]; advances i. Throws on malformed input.
char32_t next_code_point(std::string_view text, std::size_t& i) {
    const auto lead = static_cast<unsigned char>(text[i]);
    int length = 0;
    char32_t code = 0;
    if (lead < 0x80) {
        ++i;
        return lead;
    }
    if ((lead & 0xE0) == 0xC0) {
        length = 2;
        code = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        length = 3;
        code = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        length = 4;
        code = lead & 0x07;
    } else {
        throw std::invalid_argument("relation value is not valid UTF-8");
    }
    if (i + length > text.size()) {
        throw std::invalid_argument("relation value is not valid UTF-8");
    }
    for (int k = 1; k < length; ++k) {
        const auto byte = static_cast<unsigned char>(text[i + k]);
        if ((byte & 0xC0) != 0x80) {
            throw std::invalid_argument("relation value is not valid UTF-8");
        }
        code = (code << 6) | (byte & 0x3F);
    }
    i += length;
    return code;
}

/// Python's json string encoder with ensure_ascii=True (c_encode_basestring_ascii).
void encode_string(std::string_view text, std::string& out) {
    out += '"';
    std::size_t i = 0;
    while (i < text.size()) {
        const char32_t code = next_code_point(text, i);
        switch (code) {
            case U'"':
                out += "\\\"";
                continue;
            case U'\\':
                out += "\\\\";
                continue;
            case U'\n':
                out += "\\n";
                continue;
            case U'\r':
                out += "\\r";
                continue;
            case U'\t':
                out += "\\t";
                continue;
            case U'\b':
                out += "\\b";
                continue;
            case U'\f':
                out += "\\f";
                continue;
            default:
                break;
        }
        if (code >= U' ' && code <= U'~') {
            out += static_cast<char>(code);
        } else if (code >= 0x10000) {
            const char32_t v = code - 0x10000;
            fmt::format_to(std::back_inserter(out), "\\u{:04x}\\u{:04x}",
                           static_cast<unsigned>(0xD800 | ((v >> 10) & 0x3FF)),
                           static_cast<unsigned>(0xDC00 | (v & 0x3FF)));
        } else {
            fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(code));
        }
    }
    out += '"';
}

/// Python's float.__repr__ (shortest round-trip digits; exponent form when the decimal point
/// would sit more than 16 places right or 4 places left of the digits).
void encode_float(double value, std::string& out) {
    if (std::isnan(value)) {
        out += "NaN";
        return;
    }
    if (std::isinf(value)) {
        out += value < 0 ? "-Infinity" : "Infinity";
        return;
    }
    if (value == 0.0) {
        out += std::signbit(value) ? "-0.0" : "0.0";
        return;
    }
    char buffer[64];
    const auto result =
        std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
    std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
    if (text.front() == '-') {
        out += '-';
        text.remove_prefix(1);
    }
    const auto e = text.find('e');
    std::string digits;
    for (char c : text.substr(0, e)) {
        if (c != '.') {
            digits += c;
        }
    }
    int exponent = 0;
    const auto exponent_text = text.substr(e + 1);
    std::from_chars(exponent_text.data() + (exponent_text.front() == '+' ? 1 : 0),
                    exponent_text.data() + exponent_text.size(), exponent);
    const int decimal_point = exponent + 1;
    const int count = static_cast<int>(digits.size());
    if (decimal_point <= -4 || decimal_point > 16) {
        out += digits[0];
        if (count > 1) {
            out += '.';
            out += digits.substr(1);
        }
        fmt::format_to(std::back_inserter(out), "e{}{:02d}", exponent < 0 ? '-' : '+',
                       std::abs(exponent));
    } else if (decimal_point <= 0) {
        out += "0.";
        out.append(static_cast<std::size_t>(-decimal_point), '0');
        out += digits;
    } else if (decimal_point < count) {
        out += digits.substr(0, static_cast<std::size_t>(decimal_point));
        out += '.';
        out += digits.substr(static_cast<std::size_t>(decimal_point));
    } else {
        out += digits;
        out.append(static_cast<std::size_t>(decimal_point - count), '0');
        out += ".0";
    }
}

}  // namespace

RelationDataError::RelationDataError(std::string key, const std::string& reason)
    : std::runtime_error(fmt::format("relation data key \"{}\": {}", key, reason)),
      key_(std::move(key)) {
}

std::string encode(const Value& value) {
    // json.dumps' default separators.
    static constexpr util::JsonDialect kPython{", ", ": ", encode_string, encode_float};
    std::string out;
    util::write_json(value, kPython, out);
    return out;
}

Databag encode_fields(const Value& fields) {
    if (!fields.is_object()) {
        throw std::invalid_argument("encode_fields: fields must be a JSON object");
    }
    Databag databag;
    for (const auto& [key, value] : fields.items()) {
        databag[key] = encode(value);
    }
    return databag;
}

Value decode(std::string_view key, std::string_view raw) {
    try {
        return Value::parse(raw);
    } catch (const nlohmann::json::parse_error& e) {
        throw RelationDataError(std::string(key),
                                fmt::format("value is not JSON (byte {})", e.byte));
    }
}

std::optional<Value> decode_key(const Databag& databag, std::string_view key) {
    const auto found = databag.find(std::string(key));
    if (found == databag.end()) {
        return std::nullopt;
    }
    return decode(key, found->second);
}

std::string decode_string(std::string_view key, std::string_view raw) {
    const auto value = decode(key, raw);
    if (!value.is_string()) {
        throw RelationDataError(std::string(key), "value is not a JSON string");
    }
    return value.get<std::string>();
}

std::string decode_string_tolerant(std::string_view key, std::string_view raw) {
    // upstream: if not (value.startswith('"') and value.endswith('"')): value = f'"{value}"'
    const bool quoted = raw.starts_with('"') && raw.ends_with('"');
    if (quoted) {
        return decode_string(key, raw);
    }
    // Appended piecewise: `"\"" + std::string(raw)` trips GCC 12's -Wrestrict false positive
    // (GCC bug 105651) in optimised builds.
    std::string wrapped;
    wrapped.reserve(raw.size() + 2);
    wrapped.append(1, '"').append(raw).append(1, '"');
    return decode_string(key, wrapped);
}

}  // namespace slurmctld::juju::codec
