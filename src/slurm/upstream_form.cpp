#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <stdexcept>

#include <slurmctld/slurm/upstream_form.hpp>

namespace slurmctld::slurm {

namespace {

using json = nlohmann::ordered_json;

// ---- Python literals ----------------------------------------------------------------------------

bool is_digit_in_base(char c, int base) {
    const auto u = static_cast<unsigned char>(c);
    switch (base) {
        case 2:
            return c == '0' || c == '1';
        case 8:
            return c >= '0' && c <= '7';
        case 16:
            return std::isxdigit(u) != 0;
        default:
            return std::isdigit(u) != 0;
    }
}

// Digits with single underscores between them (Python's digit grouping); returns the digits
// without underscores, nullopt when malformed. After a base prefix one may lead ("0x_ff").
std::optional<std::string> grouped_digits(std::string_view text, int base,
                                          bool may_start_with_underscore) {
    std::string digits;
    bool after_underscore = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '_') {
            if (after_underscore || (i == 0 && !may_start_with_underscore)) {
                return std::nullopt;
            }
            after_underscore = true;
            continue;
        }
        if (!is_digit_in_base(c, base)) {
            return std::nullopt;
        }
        digits.push_back(c);
        after_underscore = false;
    }
    if (digits.empty() || after_underscore) {
        return std::nullopt;
    }
    return digits;
}

std::optional<json> python_int(std::string_view text) {
    bool negative = false;
    if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
        negative = text.front() == '-';
        text.remove_prefix(1);
    }
    int base = 10;
    std::optional<std::string> digits;
    if (text.size() > 2 && text[0] == '0' &&
        std::string_view("xXoObB").find(text[1]) != std::string_view::npos) {
        const char prefix = static_cast<char>(std::tolower(static_cast<unsigned char>(text[1])));
        base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : 2;
        digits = grouped_digits(text.substr(2), base, true);
    } else {
        digits = grouped_digits(text, 10, false);
        // Python refuses leading zeros in a non-zero decimal ("007" is a syntax error).
        if (digits && digits->size() > 1 && digits->front() == '0' &&
            digits->find_first_not_of('0') != std::string::npos) {
            return std::nullopt;
        }
    }
    if (!digits) {
        return std::nullopt;
    }
    const std::string_view all_digits = *digits;
    std::uint64_t magnitude = 0;
    const auto [ptr, error] =
        std::from_chars(all_digits.data(), all_digits.data() + all_digits.size(), magnitude, base);
    if (error != std::errc{} || ptr != all_digits.data() + all_digits.size()) {
        return std::nullopt;  // beyond 64 bits: kept as a string
    }
    if (!negative) {
        return json(magnitude);
    }
    if (magnitude > static_cast<std::uint64_t>(INT64_MAX) + 1U) {
        return std::nullopt;
    }
    return json(magnitude == static_cast<std::uint64_t>(INT64_MAX) + 1U
                    ? INT64_MIN
                    : -static_cast<std::int64_t>(magnitude));
}

std::optional<json> python_float(std::string_view text) {
    std::string_view body = text;
    if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
        body.remove_prefix(1);
    }
    // digitpart ["." [digitpart]] [exponent] | "." digitpart [exponent], with a '.' or exponent.
    const std::size_t exponent_at = body.find_first_of("eE");
    const std::string_view mantissa = body.substr(0, exponent_at);
    const std::size_t dot = mantissa.find('.');
    if (dot == std::string_view::npos && exponent_at == std::string_view::npos) {
        return std::nullopt;
    }
    const std::string_view whole = mantissa.substr(0, dot);
    const std::string_view fraction =
        dot == std::string_view::npos ? std::string_view{} : mantissa.substr(dot + 1);
    if (whole.empty() && fraction.empty()) {
        return std::nullopt;
    }
    std::string cleaned = text.front() == '-' ? "-" : "";
    for (const std::string_view part : {whole, fraction}) {
        if (!part.empty()) {
            const auto digits = grouped_digits(part, 10, false);
            if (!digits) {
                return std::nullopt;
            }
            cleaned += *digits;
        } else {
            cleaned += '0';
        }
        if (cleaned.find('.') == std::string::npos) {
            cleaned += '.';
        }
    }
    if (exponent_at != std::string_view::npos) {
        std::string_view exponent = body.substr(exponent_at + 1);
        cleaned += 'e';
        if (!exponent.empty() && (exponent.front() == '+' || exponent.front() == '-')) {
            cleaned += exponent.front();
            exponent.remove_prefix(1);
        }
        const auto digits = grouped_digits(exponent, 10, false);
        if (!digits) {
            return std::nullopt;
        }
        cleaned += *digits;
    }
    double value = 0.0;
    const auto [ptr, error] =
        std::from_chars(cleaned.data(), cleaned.data() + cleaned.size(), value);
    if (error != std::errc{} || ptr != cleaned.data() + cleaned.size() || !std::isfinite(value)) {
        return std::nullopt;
    }
    return json(value);
}

// Python's repr() of a float: shortest round-trip digits, exponent form below 1e-4 and from 1e16.
std::string python_float_repr(double value) {
    if (value == 0.0) {
        return std::signbit(value) ? "-0.0" : "0.0";
    }
    std::array<char, 64> buffer{};
    const auto result = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value,
                                      std::chars_format::scientific);
    std::string scientific(buffer.data(), result.ptr);
    std::string sign;
    if (scientific.front() == '-') {
        sign = "-";
        scientific.erase(0, 1);
    }
    const std::size_t e = scientific.find('e');
    const std::string mantissa = scientific.substr(0, e);
    const int exponent = std::atoi(scientific.c_str() + e + 1);
    std::string digits = mantissa;
    std::erase(digits, '.');
    if (exponent < -4 || exponent >= 16) {
        const int magnitude = std::abs(exponent);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (magnitude < 10 ? "0" : "") +
               std::to_string(magnitude);
    }
    if (exponent >= 0) {
        const auto integral = static_cast<std::size_t>(exponent) + 1;
        if (digits.size() <= integral) {
            return sign + digits + std::string(integral - digits.size(), '0') + ".0";
        }
        return sign + digits.substr(0, integral) + "." + digits.substr(integral);
    }
    return sign + "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
}

// ast.literal_eval(text), falling back to the text itself (slurmutils' _autocast).
json autocast(std::string_view text) {
    if (text.size() >= 2 && (text.front() == '"' || text.front() == '\'') &&
        text.back() == text.front() &&
        text.substr(1, text.size() - 2).find(text.front()) == std::string_view::npos) {
        return json(std::string(text.substr(1, text.size() - 2)));
    }
    if (text == "True") {
        return json(true);
    }
    if (text == "False") {
        return json(false);
    }
    if (text == "None") {
        return json(nullptr);
    }
    if (auto number = python_int(text)) {
        return *number;
    }
    if (auto number = python_float(text)) {
        return *number;
    }
    return json(std::string(text));
}

// Python's str() of an autocast value.
std::string python_str(const json& value) {
    switch (value.type()) {
        case json::value_t::string:
            return value.get<std::string>();
        case json::value_t::boolean:
            return value.get<bool>() ? "True" : "False";
        case json::value_t::null:
            return "None";
        case json::value_t::number_unsigned:
            return std::to_string(value.get<std::uint64_t>());
        case json::value_t::number_integer:
            return std::to_string(value.get<std::int64_t>());
        case json::value_t::number_float:
            return python_float_repr(value.get<double>());
        default:
            return value.dump();
    }
}

std::vector<std::string_view> split(std::string_view text, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t end = text.find(separator, start);
        parts.push_back(text.substr(start, end - start));
        if (end == std::string_view::npos) {
            return parts;
        }
        start = end + 1;
    }
}

// ---- values by kind -----------------------------------------------------------------------------

struct DictSeparators {
    char pair_separator;
    char array_separator;
};

std::optional<DictSeparators> dict_separators(ValueKind kind) {
    switch (kind) {
        case ValueKind::CommaDict:
            return DictSeparators{'=', ','};
        case ValueKind::CommaDictColonPairs:
            return DictSeparators{':', ','};
        case ValueKind::CommaDictColonArrays:
            return DictSeparators{'=', ':'};
        default:
            return std::nullopt;
    }
}

// The parsed value, as dict() shows it.
json parse_value(ValueKind kind, std::string_view raw) {
    if (const auto separators = dict_separators(kind)) {
        json dict = json::object();
        for (const std::string_view pair : split(raw, ',')) {
            const std::size_t at = pair.find(separators->pair_separator);
            if (at == std::string_view::npos) {
                dict[std::string(pair)] = true;
                continue;
            }
            const std::string key(pair.substr(0, at));
            const std::string_view value = pair.substr(at + 1);
            if (value.find(separators->array_separator) != std::string_view::npos) {
                json items = json::array();
                for (const std::string_view item : split(value, separators->array_separator)) {
                    items.push_back(autocast(item));
                }
                dict[key] = std::move(items);
            } else {
                dict[key] = autocast(value);
            }
        }
        return dict;
    }
    switch (kind) {
        case ValueKind::CommaList:
        case ValueKind::ColonList: {
            json items = json::array();
            for (const std::string_view item :
                 split(raw, kind == ValueKind::CommaList ? ',' : ':')) {
                items.push_back(autocast(item));
            }
            return items;
        }
        case ValueKind::YesNo:
            if (iequals(raw, "yes") || iequals(raw, "no")) {
                return json(iequals(raw, "yes"));
            }
            return json(std::string(raw));
        case ValueKind::ZeroOne:
            if (raw == "1" || raw == "0") {
                return json(raw == "1");
            }
            return json(std::string(raw));
        case ValueKind::McsParameters: {
            json dict = json::object();
            const std::size_t colon = raw.find(':');
            for (const std::string_view flag : split(raw.substr(0, colon), ',')) {
                dict[std::string(flag)] = true;
            }
            if (colon != std::string_view::npos) {
                json parameters = json::array();
                for (const std::string_view parameter : split(raw.substr(colon + 1), '|')) {
                    parameters.push_back(std::string(parameter));
                }
                dict["mcs_plugin_parameters"] = std::move(parameters);
            }
            return dict;
        }
        default:
            return autocast(raw);
    }
}

// The parsed value written back, as slurmutils' marshallers do.
std::string marshal_value(ValueKind kind, const json& parsed) {
    if (const auto separators = dict_separators(kind); separators && parsed.is_object()) {
        std::string out;
        for (const auto& [key, value] : parsed.items()) {
            std::string item;
            if (value.is_boolean()) {
                if (!value.get<bool>()) {
                    continue;  // slurmutils omits false flags
                }
                item = key;
            } else if (value.is_array()) {
                std::string joined;
                for (const auto& element : value) {
                    if (!joined.empty()) {
                        joined += separators->array_separator;
                    }
                    joined += python_str(element);
                }
                item = key;
                item += separators->pair_separator;
                item += joined;
            } else {
                item = key;
                item += separators->pair_separator;
                item += python_str(value);
            }
            out += (out.empty() ? "" : ",") + item;
        }
        return out;
    }
    switch (kind) {
        case ValueKind::CommaList:
        case ValueKind::ColonList: {
            std::string out;
            for (const auto& item : parsed) {
                if (!out.empty()) {
                    out += kind == ValueKind::CommaList ? ',' : ':';
                }
                out += python_str(item);
            }
            return out;
        }
        case ValueKind::Quoted:
            return "\"" + python_str(parsed) + "\"";
        case ValueKind::YesNo:
            return parsed.is_boolean() ? (parsed.get<bool>() ? "yes" : "no") : python_str(parsed);
        case ValueKind::ZeroOne:
            return parsed.is_boolean() ? (parsed.get<bool>() ? "1" : "0") : python_str(parsed);
        case ValueKind::McsParameters: {
            std::string flags;
            std::string parameters;
            for (const auto& [key, value] : parsed.items()) {
                if (key == "mcs_plugin_parameters") {
                    for (const auto& parameter : value) {
                        parameters += (parameters.empty() ? "" : "|") + python_str(parameter);
                    }
                } else if (value.is_boolean() && value.get<bool>()) {
                    flags += (flags.empty() ? "" : ",") + key;
                }
            }
            return parameters.empty() ? flags : flags + ":" + parameters;
        }
        default:
            return python_str(parsed);
    }
}

// What slurmutils was handed after the '=': the value as written, quotes included.
std::string raw_value(const Setting& setting) {
    return setting.quoted ? "\"" + setting.value + "\"" : setting.value;
}

// ---- the model
// ------------------------------------------------------------------------------------

struct ModelItem {
    enum class Type { Single, Multi, Include, NamedRecords, RecordList };
    Type type = Type::Single;
    std::string key;  // lower-cased key or collection name
    ValueKind kind = ValueKind::Automatic;
    std::vector<std::string> raws;  // Single: one; Multi/Include: each line
    std::vector<Record> records;    // NamedRecords (one per name) / RecordList
};

std::vector<ModelItem> build_model(const ConfigDocument& document) {
    std::vector<ModelItem> model;
    const auto find = [&](const std::string& key) {
        return std::find_if(model.begin(), model.end(),
                            [&](const ModelItem& item) { return item.key == key; });
    };
    for (const ConfigEntry& entry : document.entries()) {
        if (const auto* setting = std::get_if<Setting>(&entry.item)) {
            const std::string key = to_lower(setting->key);
            const KeyInfo* info = find_key(document.dialect(), key);
            const ValueKind kind = info != nullptr ? info->kind : ValueKind::Automatic;
            auto it = find(key);
            if (it == model.end()) {
                ModelItem item;
                item.type =
                    kind == ValueKind::Multiline ? ModelItem::Type::Multi : ModelItem::Type::Single;
                item.key = key;
                item.kind = kind;
                model.push_back(std::move(item));
                it = model.end() - 1;
            }
            if (it->type == ModelItem::Type::Single) {
                it->raws = {raw_value(*setting)};
            } else {
                it->raws.push_back(raw_value(*setting));
            }
        } else if (const auto* include = std::get_if<Include>(&entry.item)) {
            auto it = find("include");
            if (it == model.end()) {
                ModelItem item;
                item.type = ModelItem::Type::Include;
                item.key = "include";
                model.push_back(std::move(item));
                it = model.end() - 1;
            }
            it->raws.push_back(include->file);
        } else {
            const auto& record = std::get<Record>(entry.item);
            const std::string collection = record_collection_name(record.kind());
            const bool named = document.dialect() == ConfigDialect::SlurmConf &&
                               !iequals(record.kind(), "DownNodes");
            auto it = find(collection);
            if (it == model.end()) {
                ModelItem item;
                item.type = named ? ModelItem::Type::NamedRecords : ModelItem::Type::RecordList;
                item.key = collection;
                model.push_back(std::move(item));
                it = model.end() - 1;
            }
            auto same_name =
                std::find_if(it->records.begin(), it->records.end(),
                             [&](const Record& r) { return r.name() == record.name(); });
            if (named && same_name != it->records.end()) {
                *same_name = record;
            } else {
                it->records.push_back(record);
            }
        }
    }
    return model;
}

// The marshalled value as Slurm must find it on the line. slurmutils writes it bare, so a value
// with a blank loses its quotes and a '#' starts a comment; ours is quoted and escaped the way
// Slurm's parser reads it back (config_document.hpp), and one no line can hold is an error.
std::string line_value(std::string_view key, ValueKind kind, const json& parsed) {
    bool quoted = kind == ValueKind::Quoted;
    std::string bare = quoted ? python_str(parsed) : marshal_value(kind, parsed);
    // A quoted list or mapping reaches slurmutils with its quotes (it splits `"a=1,b=2"` into
    // `"a` and `2"`) and comes back out as `"a=1,b=2"`: keep that as one quoted value.
    if (!quoted && bare.size() >= 2 && bare.front() == '"' && bare.back() == '"' &&
        bare.find('"', 1) == bare.size() - 1) {
        bare = bare.substr(1, bare.size() - 2);
        quoted = true;
    }
    auto text = format_slurm_value(bare, quoted);
    if (!text) {
        throw UnwritableValue(std::string(key));
    }
    return std::move(*text);
}

std::string record_text(const Record& record) {
    std::string out;
    for (const Setting& setting : record.settings()) {
        const ValueKind kind = record_field_kind(record.kind(), setting.key);
        if (!out.empty()) {
            out += ' ';
        }
        const std::string key = to_lower(setting.key);
        out += key + "=" + line_value(key, kind, parse_value(kind, raw_value(setting)));
    }
    return out;
}

json record_dict(const Record& record) {
    json dict = json::object();
    for (const Setting& setting : record.settings()) {
        const ValueKind kind = record_field_kind(record.kind(), setting.key);
        dict[to_lower(setting.key)] = parse_value(kind, raw_value(setting));
    }
    return dict;
}

}  // namespace

UnwritableValue::UnwritableValue(std::string key)
    : std::invalid_argument("the value of `" + key +
                            "` cannot be written on a Slurm configuration line"),
      key_(std::move(key)) {
}

std::string upstream_text(const ConfigDocument& document) {
    std::vector<std::string> lines;
    for (const ModelItem& item : build_model(document)) {
        switch (item.type) {
            case ModelItem::Type::Single:
                lines.push_back(
                    item.key + "=" +
                    line_value(item.key, item.kind, parse_value(item.kind, item.raws.front())));
                break;
            case ModelItem::Type::Multi:
                for (const auto& raw : item.raws) {
                    lines.push_back(item.key + "=" +
                                    line_value(item.key, ValueKind::Automatic, autocast(raw)));
                }
                break;
            case ModelItem::Type::Include:
                for (const auto& raw : item.raws) {
                    const std::string file = python_str(autocast(raw));
                    const auto text = format_slurm_value(file);
                    if (!text || text->front() == '"') {
                        throw UnwritableValue("include");
                    }
                    lines.push_back("include " + *text);
                }
                break;
            case ModelItem::Type::NamedRecords:
            case ModelItem::Type::RecordList:
                for (const Record& record : item.records) {
                    lines.push_back(record_text(record));
                }
                break;
        }
    }
    std::string out;
    for (const auto& line : lines) {
        out += (out.empty() ? "" : "\n") + line;
    }
    return out;
}

std::string upstream_file_text(const ConfigDocument& document) {
    return upstream_text(document) + "\n";
}

json upstream_dict(const ConfigDocument& document) {
    json dict = json::object();
    for (const ModelItem& item : build_model(document)) {
        switch (item.type) {
            case ModelItem::Type::Single:
                dict[item.key] = parse_value(item.kind, item.raws.front());
                break;
            case ModelItem::Type::Multi:
            case ModelItem::Type::Include: {
                json values = json::array();
                for (const auto& raw : item.raws) {
                    values.push_back(autocast(raw));
                }
                dict[item.key] = std::move(values);
                break;
            }
            case ModelItem::Type::NamedRecords: {
                json records = json::object();
                for (const Record& record : item.records) {
                    records[record.name()] = record_dict(record);
                }
                dict[item.key] = std::move(records);
                break;
            }
            case ModelItem::Type::RecordList: {
                json records = json::array();
                for (const Record& record : item.records) {
                    records.push_back(record_dict(record));
                }
                dict[item.key] = std::move(records);
                break;
            }
        }
    }
    return dict;
}

json slurmconfig_json(const std::vector<std::pair<std::string, const ConfigDocument*>>& files) {
    json out = json::object();
    for (const auto& [name, document] : files) {
        out[name] = upstream_dict(*document);
    }
    return out;
}

std::string upstream_value_text(ValueKind kind, const json& value) {
    return marshal_value(kind, value);
}

std::optional<std::string> value_kind_error(ValueKind kind, std::string_view value) {
    if (kind == ValueKind::YesNo && !iequals(value, "yes") && !iequals(value, "no")) {
        return "expected yes or no, not " + std::string(value);
    }
    if (kind == ValueKind::ZeroOne && value != "1" && value != "0") {
        return "expected 0 or 1, not " + std::string(value);
    }
    return std::nullopt;
}

}  // namespace slurmctld::slurm
