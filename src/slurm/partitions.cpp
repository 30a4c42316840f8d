#include <stdexcept>

#include <slurmctld/slurm/partitions.hpp>
#include <slurmctld/slurm/upstream_form.hpp>

namespace slurmctld::slurm {

namespace {
constexpr std::string_view kPartitionKind = "partitionname";
}  // namespace

std::string partition_include_name(std::string_view partition) {
    return "slurm.conf." + std::string(partition);
}

Expected<Record> partition_record(const nlohmann::ordered_json& partition) {
    if (!partition.is_object()) {
        return Failure{"partition data is not a JSON object"};
    }
    const nlohmann::ordered_json* name = nullptr;
    for (const auto& item : partition.items()) {
        if (iequals(item.key(), kPartitionKind)) {
            name = &item.value();
        }
    }
    if (name == nullptr || !name->is_string()) {
        return Failure{"partition data has no `partitionname` string"};
    }
    Record record(std::string(kPartitionKind), name->get<std::string>());
    for (const auto& item : partition.items()) {
        if (iequals(item.key(), kPartitionKind) || item.value().is_null()) {
            continue;
        }
        ValueKind kind = record_field_kind("PartitionName", item.key());
        if (item.value().is_array()) {
            kind = ValueKind::CommaList;
        } else if (item.value().is_object()) {
            kind = ValueKind::CommaDict;
        }
        std::string value = upstream_value_text(kind, item.value());
        if (!can_write_value(value) || item.key().empty()) {
            return Failure{"partition field `" + item.key() + "` cannot be written to slurm.conf"};
        }
        record.set(item.key(), std::move(value));
    }
    if (!can_write_value(record.name()) || record.name().empty()) {
        return Failure{"partition name cannot be written to slurm.conf"};
    }
    return record;
}

Expected<std::string> apply_partition(ConfigDocument& include,
                                      const nlohmann::ordered_json& partition, bool is_default) {
    auto record = partition_record(partition);
    if (!record) {
        return record.error();
    }
    if (is_default) {
        record.value().set("default", "True");
    }
    const std::string name = record.value().name();
    Record nodeset("nodeset", name);
    nodeset.set("feature", name);
    try {
        include.set_record(nodeset);
        include.set_record(record.value());
    } catch (const std::invalid_argument& error) {
        return Failure{error.what()};
    }
    return name;
}

bool is_true_value(std::string_view value) {
    return iequals(value, "yes") || iequals(value, "true") || iequals(value, "up") || value == "1";
}

std::string find_default_partition(const std::vector<const ConfigDocument*>& includes) {
    for (const ConfigDocument* include : includes) {
        for (const Record& partition : include->records("PartitionName")) {
            if (const auto value = partition.get("default"); value && is_true_value(*value)) {
                return partition.name();
            }
        }
    }
    return "";
}

bool set_partition_default(ConfigDocument& include, std::string_view name, bool is_default) {
    auto partition = include.record("PartitionName", name);
    if (!partition) {
        return false;
    }
    partition->set("default", is_default ? "True" : "False");
    return include.set_record(*partition);
}

}  // namespace slurmctld::slurm
