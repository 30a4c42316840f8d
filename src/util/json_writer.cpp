#include <cstdint>
#include <stdexcept>

#include <slurmctld/util/json_writer.hpp>

namespace slurmctld::util {

using nlohmann::ordered_json;

void write_json(const ordered_json& value, const JsonDialect& dialect, std::string& out) {
    switch (value.type()) {
        case ordered_json::value_t::null:
            out += "null";
            return;
        case ordered_json::value_t::boolean:
            out += value.get<bool>() ? "true" : "false";
            return;
        case ordered_json::value_t::number_integer:
            out += std::to_string(value.get<std::int64_t>());
            return;
        case ordered_json::value_t::number_unsigned:
            out += std::to_string(value.get<std::uint64_t>());
            return;
        case ordered_json::value_t::number_float:
            dialect.write_float(value.get<double>(), out);
            return;
        case ordered_json::value_t::string:
            dialect.write_string(value.get_ref<const std::string&>(), out);
            return;
        case ordered_json::value_t::array: {
            out += '[';
            bool first = true;
            for (const auto& item : value) {
                out += first ? std::string_view() : dialect.item_separator;
                first = false;
                write_json(item, dialect, out);
            }
            out += ']';
            return;
        }
        case ordered_json::value_t::object: {
            out += '{';
            bool first = true;
            for (const auto& [key, item] : value.items()) {
                out += first ? std::string_view() : dialect.item_separator;
                first = false;
                dialect.write_string(key, out);
                out += dialect.key_separator;
                write_json(item, dialect, out);
            }
            out += '}';
            return;
        }
        case ordered_json::value_t::binary:
        case ordered_json::value_t::discarded:
            break;
    }
    throw std::invalid_argument("a binary or discarded value cannot be written as JSON");
}

}  // namespace slurmctld::util
