// slurm.conf (and its includes), cgroup.conf and gres.conf as documents that keep every byte the
// charm does not edit: comments, blank lines, key spelling and order survive, an untouched
// document renders identically to its input, an edited key keeps its line.
//
// Line syntax (as Slurm's parse_config.c reads it): `#` starts a comment unless escaped as `\#`;
// a line ending in an odd number of backslashes continues on the next; a backslash escapes the
// next character; `Key=Value` with optional spaces around `=`, the value either "quoted" or a run
// of non-blanks; `include <file>` (case-insensitive); one key per line, except record lines whose
// first key names the record (`PartitionName=compute Nodes=compute Default=YES`). Keys compare
// case-insensitively.
//
// Edits follow upstream's slurmutils editor (upstream.md §5.2): an existing key is changed in
// place; a new key is appended at the end of the file (after any include lines, as upstream does)
// unless asked otherwise; new include lines go before the existing ones when prepended. Keys the
// document adds are written in lower case, as slurmutils writes them; keys already in the file keep
// their spelling.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <slurmctld/slurm/config_keys.hpp>
#include <slurmctld/util/result.hpp>

namespace slurmctld::slurm {

/// Why a text is not a valid configuration file: the 1-based line and what is wrong there.
struct ConfigParseError {
    int line = 0;
    std::string message;

    std::string describe() const;  ///< "line 3: missing '=' after `ClusterName`"
};

/// One key=value pair as Slurm reads it: the value without its quotes and backslash escapes.
struct Setting {
    std::string key;
    std::string value;
    bool quoted = false;  ///< the file had the value in double quotes

    friend bool operator==(const Setting&, const Setting&) = default;
};

/// An `include <file>` line.
struct Include {
    std::string file;

    friend bool operator==(const Include&, const Include&) = default;
};

/// Whether set() and set_record() can write `value` so that Slurm's parser (parse_config.c:
/// _get_next_line strips comments at an unescaped '#', joins lines ending in an odd run of
/// backslashes, drops one backslash of each escape; then keyvalue_pattern reads "[^"]*" or a run
/// of non-blanks) reads it back unchanged: no NUL, line break or other control byte (tab aside),
/// and no double quote in a value that is or must be quoted (blank or empty) or that starts with
/// one. '#' and '\' are written escaped (`\#`, `\\`).
bool can_write_value(std::string_view value, bool quoted = false);

/// The text after `Key=` that Slurm reads back as `value`: escaped, in double quotes when
/// `quoted` or when it is empty or holds a blank. nullopt when !can_write_value(value, quoted).
std::optional<std::string> format_slurm_value(std::string_view value, bool quoted = false);

/// A record line: several pairs whose first key is the kind and whose first value is the name,
/// e.g. `PartitionName=compute Nodes=compute Default=YES` or gres.conf `NodeName=n1 Name=gpu`.
class Record {
  public:
    Record(std::string kind, std::string name);
    /// The first setting names the record; throws std::invalid_argument when `settings` is empty.
    explicit Record(std::vector<Setting> settings);

    const std::string& kind() const { return settings_.front().key; }
    const std::string& name() const { return settings_.front().value; }
    const std::vector<Setting>& settings() const { return settings_; }

    std::optional<std::string> get(std::string_view key) const;
    /// Changes the value in place or appends the pair (set_record() writes a key the line did not
    /// have in lower case).
    void set(std::string_view key, std::string value);
    /// Removes the pair; the naming (first) pair cannot be removed. False when absent.
    bool remove(std::string_view key);

    /// Same pairs in the same order, keys compared case-insensitively.
    bool same_as(const Record& other) const;

    friend bool operator==(const Record&, const Record&) = default;

  private:
    std::vector<Setting> settings_;
};

/// One element of a document in file order (blank and comment lines are not entries).
struct ConfigEntry {
    int line = 0;  ///< 1-based line in the parsed text; 0 for lines added by an edit
    std::variant<Setting, Include, Record> item;
};

namespace detail {
/// A line of a document (one logical line: continued physical lines stay together).
struct ConfigLine {
    enum class Kind { Other, Setting, Include, Record };
    Kind kind = Kind::Other;        ///< Other: blank or comment only
    std::string text;               ///< exact bytes, without the line break that ends it
    int number = 0;                 ///< 1-based first line in the parsed text; 0 when added
    std::string indent;             ///< leading blanks, kept when the line is rewritten
    std::string trailer;            ///< blanks and comment after the last token, kept likewise
    std::string keyword;            ///< `include` as spelled (Include lines)
    std::string include;            ///< the included file (Include lines)
    std::vector<Setting> settings;  ///< Setting: one pair; Record: its pairs in order
};
}  // namespace detail

/// Where set() puts a key the document does not have yet.
enum class NewKeyPlacement {
    AtEnd,           ///< upstream's behaviour: after everything, includes too
    BeforeIncludes,  ///< before the first include line, so included files can override it
};

class ConfigDocument {
  public:
    /// An empty document (a file that does not exist yet).
    explicit ConfigDocument(ConfigDialect dialect = ConfigDialect::SlurmConf);

    static Result<ConfigDocument, ConfigParseError> parse(
        std::string_view text, ConfigDialect dialect = ConfigDialect::SlurmConf);
    /// parse(), answered from memory when the same text was parsed before in this process (the
    /// last few texts are kept): a hook reads slurm.conf in most of its steps and rewrites it
    /// at most a few times, so it is parsed once per content. Safe from concurrent threads.
    static Result<ConfigDocument, ConfigParseError> parse_remembered(
        std::string_view text, ConfigDialect dialect = ConfigDialect::SlurmConf);

    ConfigDialect dialect() const { return dialect_; }

    /// The file text: the parsed bytes, with edited lines rewritten. A document whose lines
    /// were all removed renders as "\n", as upstream's slurmutils writes an empty file.
    std::string render() const;
    /// Whether render() differs from the text this document was parsed from ("" for a new one).
    /// False means writing the file would not change a byte.
    bool modified() const;
    /// No settings, includes or records (comments and blank lines may remain).
    bool empty() const;

    std::vector<ConfigEntry> entries() const;

    // ---- single-valued keys. Edits return whether the document changed. --------------------
    /// The value Slurm uses: the last line of the key wins, as in slurmctld.
    std::optional<std::string> get(std::string_view key) const;
    bool contains(std::string_view key) const;
    /// Changes the key's first line in place (a quoted value stays quoted) and removes its later
    /// lines, or adds the key.
    /// Throws std::invalid_argument for a record kind, `include`, or a value no Slurm line can
    /// hold (a line break; a double quote together with a blank).
    bool set(std::string_view key, std::string_view value,
             NewKeyPlacement placement = NewKeyPlacement::AtEnd);
    /// Removes every line of the key.
    bool remove(std::string_view key);

    // ---- repeated keys (SlurmctldHost: one line per controller, in failover order) -----------
    std::vector<std::string> get_all(std::string_view key) const;
    /// Makes the key's lines hold exactly `values`, in order. Lines of values that stay are not
    /// touched (their comments stay with them), lines of dropped values go, new values are
    /// inserted next to their neighbours in `values`; the first new line goes where the key's
    /// first line was, or at the end when the key is new.
    bool set_all(std::string_view key, const std::vector<std::string>& values);

    // ---- include lines ------------------------------------------------------------------------
    std::vector<std::string> includes() const;
    /// Same rules as set_all.
    bool set_includes(const std::vector<std::string>& files);
    /// Adds the include before the first include line (at the end when there is none). False
    /// when it is already included.
    bool prepend_include(std::string_view file);
    /// Adds the include after the last include line (at the end when there is none).
    bool append_include(std::string_view file);
    bool remove_include(std::string_view file);

    // ---- records ------------------------------------------------------------------------------
    /// Records whose kind is `kind` (case-insensitive), in file order.
    std::vector<Record> records(std::string_view kind) const;
    /// The first record of that kind and name (names compare exactly, as Slurm's do).
    std::optional<Record> record(std::string_view kind, std::string_view name) const;
    /// Replaces the first record of the same kind and name in place (its indentation and
    /// comment kept), or inserts it after the last record of its kind, or at the end.
    /// Throws std::invalid_argument when its kind is not a record kind of this dialect or a value
    /// cannot be written.
    bool set_record(const Record& record);
    bool remove_record(std::string_view kind, std::string_view name);

    /// Applies `overrides` like a dict update: each of its keys replaces ours in place or is
    /// appended (a repeated key replaces the whole list, see set_all); its includes, when it has
    /// any, replace ours; its records replace ours of the same kind and name or are added.
    bool merge(const ConfigDocument& overrides);

  private:
    ConfigDialect dialect_;
    std::vector<detail::ConfigLine> lines_;
    std::string source_;
    bool final_newline_ = true;

    bool set_setting(const Setting& setting, NewKeyPlacement placement);
    std::size_t append_position(NewKeyPlacement placement) const;
};

}  // namespace slurmctld::slurm
