// What Slurm accepts in slurm.conf and cgroup.conf, and how slurmutils (upstream's library)
// types each value. Key names and release membership come from the option tables Slurm parses
// (src/common/read_config.c, src/interfaces/cgroup.c at slurm-24-11-7-1 and slurm-25-11-7-1);
// value kinds from slurmutils 1.1.6's models. Options Slurm marks defunct are left out: slurmctld
// refuses to start with them.
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

/// Slurm releases whose option table we carry.
enum SlurmRelease : unsigned {
    kSlurm2411 = 1U << 0U,
    kSlurm2511 = 1U << 1U,
};

struct KeyInfo {
    std::string_view name;  ///< Slurm's spelling, e.g. "SlurmctldHost"
    ValueKind kind;
    unsigned releases;  ///< SlurmRelease bits of the tables that accept it
    /// Slurm reads every line of it (S_P_ARRAY), not only the last: SlurmctldHost, Prolog, ...
    bool repeatable;

    /// Whether `version`'s slurmctld accepts the key: releases before 25.11 are checked against
    /// the 24.11 table, 25.11 and later against the 25.11 table.
    bool accepted_by(const SlurmVersion& version) const;
};

/// The key of `dialect`'s table that matches `key` case-insensitively; nullptr when Slurm does
/// not know it. gres.conf has no table (nullptr for every key).
const KeyInfo* find_key(ConfigDialect dialect, std::string_view key);

/// Whether a line whose first key is `key` is a record line in `dialect` (case-insensitive):
/// slurm.conf NodeName, PartitionName, NodeSet, DownNodes, FrontendName; gres.conf NodeName, Name.
bool is_record_kind(ConfigDialect dialect, std::string_view key);

/// Whether Slurm reads every line of `key` (SlurmctldHost, Prolog, Epilog, ...).
bool is_repeatable_key(ConfigDialect dialect, std::string_view key);

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
