// Relation values the way ops writes and reads them (ops 3.7 Relation.save/load): every value is
// a JSON document stored as the Juju string, encoded with Python's json.dumps defaults
// (separators ", " and ": ", ensure_ascii=True, dict insertion order kept), so peers written in
// Python (slurmd, sackd, slurmdbd, slurmrestd, filesystem-client) read ours unchanged.
//   "osd"                    -> "\"osd\""
//   ["a:6817", "b:6817"]     -> "[\"a:6817\", \"b:6817\"]"
//   false / {} / ""          -> "false" / "{}" / "\"\""
// Values are nlohmann::ordered_json so nested objects keep the order the caller built
// (dataclasses.asdict keeps field declaration order; dicts keep insertion order).
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <slurmctld/juju/hook_tools.hpp>

namespace slurmctld::juju::codec {

using Value = nlohmann::ordered_json;

/// A relation value that is not what its reader expects. The message names the key, never the
/// value (a databag is not secret, but a log line is the wrong place to dump one).
class RelationDataError : public std::runtime_error {
  public:
    RelationDataError(std::string key, const std::string& reason);
    const std::string& key() const { return key_; }

  private:
    std::string key_;
};

/// json.dumps(value): Python's default separators, ensure_ascii, floats as Python's repr.
std::string encode(const Value& value);

/// Relation.save(obj, ...): every field of a dataclass-like object, encoded. `fields` must be a
/// JSON object (field name -> value). ops iterates the fields sorted by name (`sorted(fields)`
/// in ops 3.7 model.py) and sends json.dumps(data) to relation-set; a Databag is a sorted map,
/// so the payload is the same byte for byte.
Databag encode_fields(const Value& fields);

/// json.loads(raw) for one key; a value that is not JSON is a RelationDataError naming `key`.
Value decode(std::string_view key, std::string_view raw);

/// The key's decoded value, or nullopt when the databag does not have it (ops: the field keeps
/// its default). Strict, like ops 3.7 Relation.load.
std::optional<Value> decode_key(const Databag& databag, std::string_view key);

/// A string field that upstream reads tolerantly (slurmctld peer `hostname`, see
/// upstream.md §2.1, `_unit_data_decoder`): a value not wrapped in '"' is wrapped
/// before json.loads, so both `"juju-abc-0"` and the bare `juju-abc-0` give "juju-abc-0".
std::string decode_string_tolerant(std::string_view key, std::string_view raw);

/// Strict decode that must yield a JSON string (e.g. `cluster_name`).
std::string decode_string(std::string_view key, std::string_view raw);

}  // namespace slurmctld::juju::codec
