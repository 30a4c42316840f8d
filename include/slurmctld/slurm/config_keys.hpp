// What Slurm accepts in slurm.conf, cgroup.conf and on its record lines, release by release, and
// how slurmutils (upstream's library) types each value. Key names, Slurm's value types and
// release membership come from the option tables Slurm parses (src/common/read_config.c
// slurm_conf_options[] and the record lines' tables, _partition_options[] and the like;
// cgroup.conf's options[] in src/common/cgroup.c (22.05) or src/interfaces/cgroup.c (23.02 on))
// at the first tag of each release; value kinds from slurmutils 1.1.6's models. Options Slurm marks
// defunct
// (_defunct_option: parsed, logged as an error, ignored) are carried as such.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include <slurmctld/slurm/version.hpp>

namespace slurmctld::slurm {

/// Which file a document is: decides which keys start a record line and which key table applies.
enum class ConfigDialect {
    SlurmConf,   ///< slurm.conf and its includes
    CgroupConf,  ///< cgroup.conf: no records
    GresConf,    ///< gres.conf: records start with NodeName or Name
};

/// How upstream (slurmutils) parses and re-writes a value; drives upstream_text/upstream_dict.
enum class ValueKind {
    Automatic,  ///< Python literal if it is one (6817 -> int, True -> bool), else a string
    Quoted,     ///< as Automatic, always written in double quotes (RebootProgram)
    CommaList,  ///< a,b,c -> list
    ColonList,  ///< a:b -> list (PluginDir)
    CommaDict,  ///< k=v,flag -> {"k": v, "flag": true} (SlurmctldParameters)
    CommaDictColonPairs,   ///< k:v,k2:v2 -> dict (Licenses, SuspendExcNodes)
    CommaDictColonArrays,  ///< k=a:b,flag -> {"k": [a, b], "flag": true} (SwitchParameters)
    Multiline,             ///< one line per value (SlurmctldHost)
    YesNo,                 ///< yes/no -> bool (cgroup.conf Constrain*)
    ZeroOne,               ///< 0/1 -> bool (UsePAM)
    McsParameters,         ///< a,b:p1|p2 (MCSParameters)
    Record,                ///< the first key of a record line (PartitionName, NodeName, ...)
};

/// Slurm releases whose option tables we carry, one bit each (22.05 is Debian 12's).
enum SlurmRelease : unsigned {
    kSlurm2205 = 1U << 0U,
    kSlurm2302 = 1U << 1U,
    kSlurm2311 = 1U << 2U,
    kSlurm2405 = 1U << 3U,
    kSlurm2411 = 1U << 4U,
    kSlurm2505 = 1U << 5U,
    kSlurm2511 = 1U << 6U,
};
inline constexpr unsigned kAllReleases = (1U << 7U) - 1U;

/// The release whose tables apply to `version`: the nearest one at or below it (25.11 for 26.05,
/// 24.11 for 24.11.5), the oldest we carry (22.05) for anything older.
SlurmRelease release_for(const SlurmVersion& version);
/// Whether `version` is a release newer than every key table here (its new keys are unknown).
bool newer_than_every_table(const SlurmVersion& version);
/// "22.05", "25.11", ...
std::string release_name(SlurmRelease release);

/// How Slurm's parser reads a value (the s_p type in its option table, src/common/parse_config.c
/// and parse_value.c).
enum class SlurmType {
    String,   ///< anything
    UInt16,   ///< strtoul base 0, 0..65535, or UNLIMITED/INFINITE
    UInt32,   ///< strtoul base 0 with an optional k/K (x1024), 0..2^32-1, or UNLIMITED/INFINITE
    UInt64,   ///< as UInt32, up to 2^64-1
    Long,     ///< strtol base 0, or UNLIMITED/INFINITE
    Boolean,  ///< yes/no, true/false, up/down, 1/0 (any case)
    Float,    ///< strtof, or UNLIMITED/INFINITE
    Double,   ///< strtod, or UNLIMITED/INFINITE
    Array,    ///< a repeated key or a record (its handler parses the line)
};

/// nullopt when Slurm's parser takes `value` for a key of `type`; else why not ("not a number").
std::optional<std::string> slurm_type_error(SlurmType type, std::string_view value);

struct KeyInfo {
    std::string_view name;  ///< Slurm's spelling, e.g. "SlurmctldHost"
    ValueKind kind;
    SlurmType type;     ///< as the newest release that has the key parses it
    unsigned releases;  ///< SlurmRelease bits of the tables that accept it
    unsigned defunct;   ///< releases that parse it only to log "defunct" and ignore it
    unsigned repeated;  ///< releases that read every line of it (S_P_ARRAY): Prolog from 24.05

    /// Whether the slurmctld of `version` accepts the key (release_for picks the table).
    bool accepted_by(const SlurmVersion& version) const;
    /// Whether it is defunct there: Slurm logs an error and ignores it.
    bool defunct_in(const SlurmVersion& version) const;
    /// Whether that release reads every line of it (SlurmctldHost, Prolog from 24.05, records).
    bool repeatable_in(const SlurmVersion& version) const;
    /// In some release: every key, every line of a repeated key.
    bool repeatable() const { return repeated != 0U; }
};

/// The key of `dialect`'s table that matches `key` case-insensitively; nullptr when Slurm does
/// not know it. gres.conf has no table (nullptr for every key).
const KeyInfo* find_key(ConfigDialect dialect, std::string_view key);

/// Whether a line whose first key is `key` is a record line in `dialect` (case-insensitive):
/// slurm.conf NodeName, PartitionName, NodeSet, DownNodes, FrontendName; gres.conf NodeName, Name.
bool is_record_kind(ConfigDialect dialect, std::string_view key);

/// Whether Slurm reads every line of `key` (SlurmctldHost, Prolog, Epilog, ...) in some release.
bool is_repeatable_key(ConfigDialect dialect, std::string_view key);

/// The field of a slurm.conf record line of `record_kind` (PartitionName, NodeName, NodeSet,
/// DownNodes, FrontendName: read_config.c _partition_options[], _nodename_options[], ...) that
/// matches `field` case-insensitively, with the releases that accept it; nullptr when no release
/// does or the kind has no table. The naming key itself ("PartitionName") is not a field.
const KeyInfo* find_record_field(std::string_view record_kind, std::string_view field);

/// How upstream types `field` inside a `record_kind` line (Nodes= of a PartitionName line is a
/// CommaList, Reason= of a NodeName line is Quoted, ...). Automatic for anything else.
ValueKind record_field_kind(std::string_view record_kind, std::string_view field);

/// The key slurmutils files records of `record_kind` under in its dict(): "partitions",
/// "nodesets", "nodes", "frontendnodes", "downnodes"; gres.conf "gres". The lower-cased kind for
/// anything else.
std::string record_collection_name(std::string_view record_kind);

/// Lower-case ASCII copy (Slurm keys are ASCII and compared case-insensitively).
std::string to_lower(std::string_view text);
/// Case-insensitive ASCII equality.
bool iequals(std::string_view a, std::string_view b);

}  // namespace slurmctld::slurm
