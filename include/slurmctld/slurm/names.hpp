// Names that come from outside the charm (slurmd's partition, slurmdbd's and the peers' host
// names, the `cluster-name` and `default-partition` options) checked before they reach a
// slurm.conf line, a file name or a status line.
//
// Each check returns nullopt for a good name and otherwise a short reason fit for a status line
// ("contains '/'", "is longer than 64 bytes", "is reserved (...)"). A reason never repeats the
// name, and names at most one offending byte, printed safely ("contains a control character
// (0x0a)"), so a hostile name cannot reach the status through it.
//
// The rules follow Slurm where Slurm has one and are stricter where Slurm is lax, so that a name
// can break neither a slurm.conf line nor a path nor the places Slurm reuses it (a partition's
// name is also the node set and the feature slurmd nodes register with, and both are parsed as
// hostlist and constraint expressions). Sources (SchedMD/slurm, 25.11):
// - src/common/parse_config.c keyvalue_pattern, _strip_comments, _strip_escapes: a value is a run
//   of non-blanks or "quoted"; '#' starts a comment, '\' escapes, so names hold neither.
// - src/common/read_config.c _parse_partitionname, _parse_nodename, _parse_nodeset: a line named
//   DEFAULT (any case) sets defaults for every later line instead of defining a record;
//   _parse_slurmctld_host: `SlurmctldHost=host(address)`, one '(' and a final ')'.
// - src/slurmctld/read_config.c _expand_nodesets: ALL (any case) in a Nodes= list means every
//   node, so no node set (a partition's name) may be called that.
// - src/common/read_config.c _validate_and_set_defaults: ClusterName is lower-cased "since
//   sacctmgr makes sure this is the case as well" (cluster names compare lower-case).
// - src/plugins/accounting_storage/mysql/accounting_storage_mysql.c: the accounting database
//   names tables "<cluster>_<table>" (longest: assoc_usage_month_table, 23 bytes); MySQL limits
//   identifiers to 64 bytes, so a cluster name of more than 40 bytes cannot be accounted.
// - src/common/hostlist.c (',', '[', ']' delimit hostlist expressions) and
//   src/slurmctld/job_scheduler.c build_feature_list ('&', '|', '*', '[', ']', '(', ')', ',',
//   '!' are constraint operators): node, node set and feature names hold none of them.
// - src/slurmctld/partition_mgr.c update_part: Slurm itself checks only that a partition name
//   exists; length and characters are ours (below).
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace slurmctld::slurm {

/// nullopt: the name is fine. Otherwise why not, e.g. "contains '/'".
using NameProblem = std::optional<std::string>;

/// NAME_MAX on Linux: the longest file name (one path component).
inline constexpr std::size_t kMaxFileNameBytes = 255;
/// Partition, node set, node and feature names. Slurm has no limit; Linux host names (a node's
/// name usually is one) stop at 64 (HOST_NAME_MAX), Juju application names (what slurmd sends as
/// the partition name) are far shorter, and `slurm.conf.<name>` and the charm's hidden temp file
/// `.slurm.conf.<name>.tmp-XXXXXX` stay well inside kMaxFileNameBytes.
inline constexpr std::size_t kMaxSlurmNameBytes = 64;
/// RFC 1123 / RFC 1035: 63 bytes per label, 253 for the whole name.
inline constexpr std::size_t kMaxHostLabelBytes = 63;
inline constexpr std::size_t kMaxHostNameBytes = 253;
/// 64 (MySQL identifiers) - 1 ('_') - 23 (the longest accounting table suffix).
inline constexpr std::size_t kMaxClusterNameBytes = 40;

/// Safe as one component of a path under a directory the charm writes: not empty, not "." or
/// "..", no '/', no NUL or other control byte, and `prefix` + name at most kMaxFileNameBytes
/// (pass "slurm.conf." for a partition include).
NameProblem file_name_component_problem(std::string_view name, std::string_view prefix = "");

/// A partition name from a slurmd application or `default-partition`: 1 to 64 bytes of ASCII
/// letters, digits, '_', '.', '-', starting with a letter, digit or '_'; not DEFAULT or ALL (any
/// case); not the name of an include the charm writes (charm_include_collision); and safe as
/// the file name `slurm.conf.<name>`.
NameProblem partition_name_problem(std::string_view name);

/// The include `slurm.conf.<partition>` would be one the charm writes for itself: accounting,
/// profiling, overrides (any case), or a name ending in `.snapshot` (upstream's backup copies,
/// left out of the includes it publishes). A partition of that name would overwrite the charm's
/// file and make every hook reconfigure.
NameProblem charm_include_collision(std::string_view partition);
/// The include file names the charm writes ("slurm.conf.accounting", ...).
std::span<const std::string_view> charm_owned_include_names();
/// Whether `file_name` (a slurm.conf include) is one of them or a `.snapshot` copy.
bool is_charm_owned_include(std::string_view file_name);

/// A NodeName, node set or NodeHostname-style Slurm name: 1 to 64 bytes of ASCII letters,
/// digits, '_', '.', '-', starting with a letter or digit; not DEFAULT or ALL (any case).
NameProblem node_name_problem(std::string_view name);
/// NodeSet names follow the node name rule (they stand in Nodes= lists next to node names).
NameProblem nodeset_name_problem(std::string_view name);
/// A node feature (Features=, NodeSet Feature=): the node name charset, 1 to 64 bytes, so that
/// no constraint operator is part of it; not DEFAULT or ALL.
NameProblem feature_name_problem(std::string_view name);

/// An RFC 1123 host name, short ("juju-abc-0") or fully qualified: labels of 1 to 63 ASCII
/// letters, digits and '-', not starting or ending with '-', separated by single dots, at most
/// 253 bytes, no trailing dot, and a last label that is not all digits (so that it cannot be
/// mistaken for an address).
NameProblem host_name_problem(std::string_view name);
/// A short host name, the form `hostname -s` prints and Slurm compares SlurmctldHost against:
/// one RFC 1123 label.
NameProblem short_host_name_problem(std::string_view name);
/// An IPv4 address in dotted-quad form or an IPv6 address (inet_pton; no zone index, no
/// brackets).
NameProblem ip_address_problem(std::string_view address);
/// Where Slurm takes either (AccountingStorageHost, the address of SlurmctldHost=host(address)).
NameProblem host_or_address_problem(std::string_view value);
/// A `SlurmctldHost=` value: `host` or `host(address)`, host per host_name_problem, address per
/// host_or_address_problem (read_config.c _parse_slurmctld_host).
NameProblem slurmctld_host_problem(std::string_view value);

/// A ClusterName (`cluster-name`, or the one in peer data): 1 to 40 bytes of ASCII letters,
/// digits, '_', '-', starting with a letter or digit.
NameProblem cluster_name_problem(std::string_view name);
/// The cluster name as Slurm uses it: lower-cased (read_config.c _validate_and_set_defaults).
std::string slurm_cluster_name(std::string_view name);

/// "contains '/'", "contains a space", "contains a control character (0x0a)", "contains a
/// non-ASCII byte (0xc3)": the wording of the checks above for one offending byte.
std::string contains_reason(char c);

/// `text` made safe to show in a log or status line: printable ASCII kept, anything else as
/// \xNN, cut to `max_bytes` of input with "..." appended when longer.
std::string printable(std::string_view text, std::size_t max_bytes = 64);

}  // namespace slurmctld::slurm
