// A document as upstream's slurmutils (1.1.6/1.2.0) sees it: the text its `dump` writes and the
// dict its `dict()` returns. The charm uses them where upstream re-marshals whole files
// (slurm.conf.overrides, cgroup.conf, show-current-config) and for the `slurmconfig` JSON that
// slurmrestd rebuilds files from (upstream.md §4.2).
//
// slurmutils' model, reproduced here: comments and blank lines are dropped; keys are lower-cased;
// all lines of a key are grouped where the key first appears (the last value wins for a
// single-valued key, where slurmutils would refuse the file); records are grouped by kind where
// the kind first appears, keyed by name (a later record of the same name replaces the earlier
// one in its place; DownNodes and gres.conf records are kept as a list); values are parsed by the
// key's ValueKind (config_keys.hpp) and written back from the parsed form. Values are read like
// Python's ast.literal_eval for ints (decimal, 0x/0o/0b, underscores, one sign), floats, True,
// False, None and quoted strings; anything else (including Python tuples and lists, which
// slurmutils would turn into tuples) stays a string. Keys Slurm does not know and slurmutils does
// not type are Automatic.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <slurmctld/slurm/config_document.hpp>

namespace slurmctld::slurm {

/// upstream_text's refusal: `key` (lower-cased, "include" for an include line) has a value no
/// Slurm line can hold.
class UnwritableValue : public std::invalid_argument {
  public:
    explicit UnwritableValue(std::string key);
    const std::string& key() const { return key_; }

  private:
    std::string key_;
};

/// `str(model)`: the document re-marshalled, without a trailing newline ("" when empty). Unlike
/// slurmutils, a value is quoted when it is empty or holds a blank and '#' and '\' are escaped,
/// so that Slurm reads back what the document holds (slurmutils writes `MailProg=/usr/bin/mail
/// -x`, which Slurm refuses); a quoted list or mapping stays quoted. Throws UnwritableValue for a
/// value no Slurm line can hold (check_slurm_conf_parameters refuses those first).
std::string upstream_text(const ConfigDocument& document);

/// What slurmutils' dump() writes to a file: upstream_text + "\n" (an empty document is "\n").
std::string upstream_file_text(const ConfigDocument& document);

/// `model.dict()`: lower-cased keys in file order, typed values (ints, bools, lists for list
/// kinds and SlurmctldHost/include, objects for comma-dict kinds), records as objects keyed by
/// name under "partitions", "nodesets", "nodes", "frontendnodes", a list under "downnodes".
nlohmann::ordered_json upstream_dict(const ConfigDocument& document);

/// The `slurmconfig` value for slurmrestd: {"<file name>": upstream_dict(document), ...} in the
/// given order ("slurm.conf" first, then its includes, upstream.md §4.2).
nlohmann::ordered_json slurmconfig_json(
    const std::vector<std::pair<std::string, const ConfigDocument*>>& files);

/// A typed value written the way slurmutils marshals it for `kind`: lists joined, dicts as
/// `k=v,flag`, True/False/None as Python prints them, floats as Python's repr, Quoted in quotes.
std::string upstream_value_text(ValueKind kind, const nlohmann::ordered_json& value);

/// Checks a value against its kind the way slurmutils' parsers do (yes/no for YesNo, 0/1 for
/// ZeroOne); the error is slurmutils' ("expected yes or no, not maybe"), nullopt when fine.
std::optional<std::string> value_kind_error(ValueKind kind, std::string_view value);

}  // namespace slurmctld::slurm
