// One JSON writer for the dialects the project must match byte for byte: Go's encoding/json (what
// Juju's tools print, juju/go_format.hpp) and Python's json.dumps (what ops stores in relation
// data, juju/relation_codec.hpp). The walk over the value is the same; a dialect differs only in
// its separators and in how it spells strings and floats.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace slurmctld::util {

struct JsonDialect {
    std::string_view item_separator;  ///< between array items and object members: "," or ", "
    std::string_view key_separator;   ///< between a key and its value: ":" or ": "
    void (*write_string)(std::string_view text, std::string& out);  ///< quotes included
    void (*write_float)(double value, std::string& out);
};

/// Appends `value` to `out` in `dialect`; object members in the value's order. Throws
/// std::invalid_argument for what JSON cannot hold (binary, discarded values).
void write_json(const nlohmann::ordered_json& value, const JsonDialect& dialect, std::string& out);

}  // namespace slurmctld::util
