// Partitions from slurmd applications: one slurm.conf include per partition (upstream.md §4.3,
// §5.2) and the `default-partition` option (§5.5).
//
// slurmd's `partition` value is untrusted: it becomes a PartitionName line in a file named after
// it. Only what Slurm's PartitionName line takes is accepted (the fields of read_config.c
// _parse_partitionname()'s _partition_options[] for the installed release, config_keys.hpp),
// with values of the types Slurm parses there, and every value written so that it can neither
// end the line nor add a key to it. Every refusal is a Failure whose message completes
// "partition from `<app>` rejected: <reason>".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/version.hpp>
#include <slurmctld/util/result.hpp>

namespace slurmctld::slurm {

/// Bounds on one slurmd application's partition: the relation value (JSON text), one written
/// value, and the whole written line.
inline constexpr std::size_t kMaxPartitionDataBytes = 16384;
inline constexpr std::size_t kMaxPartitionValueBytes = 1024;
inline constexpr std::size_t kMaxPartitionLineBytes = 8192;

/// "slurm.conf.<partition>", the include that holds a partition and its node set. Only for a
/// name that passed partition_name_problem (names.hpp): partition_record checks it.
std::string partition_include_name(std::string_view partition);

/// The PartitionName record for slurmd's `partition` value, e.g. {"partitionname": "compute",
/// "nodes": ["compute"]} or with the user's keys first ({"defaulttime": "45:00", ...}). The
/// naming key comes first and the rest keep their JSON order (parse the relation value into an
/// ordered_json), values written as slurmutils writes them: lists comma-joined, objects as
/// `k=v,k2=v2`, booleans True/False. A null value is left out.
///
/// Refused (the reason says which rule): not an object; no `partitionname` string, or a name
/// partition_name_problem refuses; a field Slurm's PartitionName line does not take (or that
/// `version`'s Slurm does not, when given) or given twice in different case; a list for a field
/// that is not a list (AllowAccounts, AllowGroups, AllowQos, AllocNodes, DenyAccounts, DenyQos,
/// Nodes, SelectTypeParameters) or an object for one that is not a mapping (TRESBillingWeights);
/// nested lists or objects, empty list items, items holding ','; a value Slurm would not parse
/// for the field's type (numbers, yes/no); a Nodes entry that is not a node or node set name
/// (ALL included); a byte other than ASCII letters, digits and `_ . , : = / - [ ]` (so no blank,
/// '#', quote, backslash, control byte); a value over kMaxPartitionValueBytes or a line over
/// kMaxPartitionLineBytes.
Expected<Record> partition_record(const nlohmann::ordered_json& partition,
                                  const std::optional<SlurmVersion>& version = std::nullopt);

/// partition_record from the relation's raw value: refuses text over kMaxPartitionDataBytes and
/// text that is not JSON before parsing further.
Expected<Record> partition_record_from_text(
    std::string_view text, const std::optional<SlurmVersion>& version = std::nullopt);

/// What slurmd_ready does to `slurm.conf.<name>` (`include`, loaded or empty): sets
/// `nodeset=<name> feature=<name>` and replaces the partition with the new one. When
/// `is_default` (the partition is the `default-partition`), `default=True` is set, replacing a
/// Default= the app sent, as upstream does; otherwise the app's line is written as sent, Default=
/// included, and nothing is added (no `default=False`). Applying every partition this way on each
/// reconcile is also how a change of `default-partition` takes effect. Returns the partition's
/// name; on a refusal `include` is unchanged.
Expected<std::string> apply_partition(ConfigDocument& include,
                                      const nlohmann::ordered_json& partition, bool is_default,
                                      const std::optional<SlurmVersion>& version = std::nullopt);

/// Whether Slurm reads `value` as true (yes, true, up, 1; any case; parse_value.c
/// s_p_handle_boolean).
bool is_true_value(std::string_view value);

/// Upstream's get_default_partition: the first partition marked default in `includes` (the
/// slurm.conf.* documents in the order the caller lists them); "" when none is.
std::string find_default_partition(const std::vector<const ConfigDocument*>& includes);

}  // namespace slurmctld::slurm
