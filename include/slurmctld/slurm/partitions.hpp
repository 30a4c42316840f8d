// Partitions from slurmd applications: one slurm.conf include per partition (reference §4.3,
// §5.2) and the `default-partition` option (§5.5).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/util/result.hpp>

namespace slurmctld::slurm {

/// "slurm.conf.<partition>", the include that holds a partition and its node set.
std::string partition_include_name(std::string_view partition);

/// The PartitionName record for slurmd's `partition` value, e.g. {"partitionname": "compute",
/// "nodes": ["compute"]} or with the user's keys first ({"defaulttime": "45:00", ...}). The
/// naming key comes first and the rest keep their JSON order (parse the relation value into an
/// ordered_json), values written as slurmutils writes them: lists comma-joined, booleans
/// True/False. Fails when `partitionname` is missing or not a string, or a value cannot be
/// written on a Slurm line.
Expected<Record> partition_record(const nlohmann::ordered_json& partition);

/// What slurmd_ready does to `slurm.conf.<name>` (`include`, loaded or empty): sets
/// `nodeset=<name> feature=<name>` and replaces the partition with the new one, with
/// `default=True` added when `is_default` (the partition is the `default-partition`). Returns
/// the partition's name.
Expected<std::string> apply_partition(ConfigDocument& include,
                                      const nlohmann::ordered_json& partition, bool is_default);

/// Whether Slurm reads `value` as true (yes, true, up, 1; any case).
bool is_true_value(std::string_view value);

/// Upstream's get_default_partition: the first partition marked default in `includes` (the
/// slurm.conf.* documents in the order the caller lists them); "" when none is.
std::string find_default_partition(const std::vector<const ConfigDocument*>& includes);

/// Marks partition `name` of `include` as the default (`default=True`) or not (`default=False`,
/// written rather than removed, as upstream does). False when the partition is not in `include`
/// or already so.
bool set_partition_default(ConfigDocument& include, std::string_view name, bool is_default);

}  // namespace slurmctld::slurm
