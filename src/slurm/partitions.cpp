#include <algorithm>
#include <stdexcept>

#include <slurmctld/slurm/config_keys.hpp>
#include <slurmctld/slurm/names.hpp>
#include <slurmctld/slurm/partitions.hpp>
#include <slurmctld/slurm/upstream_form.hpp>

namespace slurmctld::slurm {

namespace {

using json = nlohmann::ordered_json;

constexpr std::string_view kPartitionKind = "partitionname";

// What a PartitionName value may hold: enough for times (1-00:00:00), sizes (0.25G), lists,
// hostlists (n[1-4]), TRES weights (CPU=1.0,GRES/gpu=2.0), OverSubscribe=FORCE:4; nothing that
// could end the line, start a comment or another key, or need quotes (parse_config.c).
bool is_partition_value_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("_.,:=/-[]").find(c) != std::string_view::npos;
}

std::string field_label(std::string_view key) {
    return "field `" + printable(key, 32) + "`";
}

// A scalar as slurmutils writes it (True/False, Python's int and float text, the string).
Expected<std::string> scalar_text(std::string_view key, const json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    if (value.is_boolean() || value.is_number()) {
        return upstream_value_text(ValueKind::Automatic, value);
    }
    return Failure{field_label(key) + " holds a nested list or object"};
}

Expected<std::string> list_item_text(std::string_view key, const json& item) {
    auto text = scalar_text(key, item);
    if (!text) {
        return text;
    }
    if (text.value().empty()) {
        return Failure{field_label(key) + " has an empty list item"};
    }
    if (text.value().find(',') != std::string::npos) {
        return Failure{field_label(key) + " has a list item that contains ','"};
    }
    return text;
}

// The text written after `<key>=`, nullopt-free: a Failure says why there is none.
Expected<std::string> value_text(std::string_view key, const json& value) {
    const ValueKind kind = record_field_kind("PartitionName", key);
    if (value.is_array()) {
        if (kind != ValueKind::CommaList) {
            return Failure{field_label(key) + " is a list"};
        }
        std::string out;
        for (const json& item : value) {
            auto text = list_item_text(key, item);
            if (!text) {
                return text;
            }
            out += (out.empty() ? "" : ",") + text.value();
        }
        return out;
    }
    if (value.is_object()) {
        if (kind != ValueKind::CommaDict) {
            return Failure{field_label(key) + " is an object"};
        }
        std::string out;
        for (const auto& item : value.items()) {
            if (item.key().empty() || item.key().find_first_of("=,") != std::string::npos) {
                return Failure{field_label(key) + " has a key that is empty or holds '=' or ','"};
            }
            if (item.value().is_boolean()) {
                if (item.value().get<bool>()) {
                    out += (out.empty() ? "" : ",") + item.key();  // slurmutils: true -> the flag
                }
                continue;
            }
            auto text = list_item_text(key, item.value());
            if (!text) {
                return text;
            }
            out += (out.empty() ? "" : ",") + item.key() + "=" + text.value();
        }
        return out;
    }
    return scalar_text(key, value);
}

std::optional<std::string> value_problem(const KeyInfo& field, std::string_view text) {
    const std::string label = field_label(field.name);
    if (text.empty()) {
        return label + " is empty";
    }
    const auto bad = std::find_if_not(text.begin(), text.end(), is_partition_value_char);
    if (bad != text.end()) {
        return label + " " + contains_reason(*bad);
    }
    if (text.size() > kMaxPartitionValueBytes) {
        return label + " is longer than " + std::to_string(kMaxPartitionValueBytes) + " bytes";
    }
    if (const auto error = slurm_type_error(field.type, text)) {
        return label + ": " + *error;
    }
    if (iequals(field.name, "Nodes")) {
        std::size_t start = 0;
        while (start <= text.size()) {
            const std::size_t end = std::min(text.find(',', start), text.size());
            if (auto problem = nodeset_name_problem(text.substr(start, end - start))) {
                return label + ": a node or node set name " + *problem;
            }
            start = end + 1;
        }
    }
    return std::nullopt;
}

}  // namespace

std::string partition_include_name(std::string_view partition) {
    return "slurm.conf." + std::string(partition);
}

Expected<Record> partition_record(const json& partition,
                                  const std::optional<SlurmVersion>& version) {
    if (!partition.is_object()) {
        return Failure{"partition data is not a JSON object"};
    }
    const json* name = nullptr;
    std::vector<std::string> seen;
    for (const auto& item : partition.items()) {
        const std::string lower = to_lower(item.key());
        if (std::find(seen.begin(), seen.end(), lower) != seen.end()) {
            return Failure{field_label(item.key()) + " is given more than once"};
        }
        seen.push_back(lower);
        if (lower == kPartitionKind) {
            name = &item.value();
        }
    }
    if (name == nullptr || !name->is_string()) {
        return Failure{"partition data has no `partitionname` string"};
    }
    if (auto problem = partition_name_problem(name->get_ref<const std::string&>())) {
        return Failure{"partition name " + *problem};
    }

    Record record(std::string(kPartitionKind), name->get<std::string>());
    std::size_t line_bytes = record.kind().size() + 1 + record.name().size();
    for (const auto& item : partition.items()) {
        if (iequals(item.key(), kPartitionKind) || item.value().is_null()) {
            continue;
        }
        const KeyInfo* field = find_record_field("PartitionName", item.key());
        if (field == nullptr || field->releases == 0U) {
            return Failure{"unknown " + field_label(item.key()) +
                           " (not an option of Slurm's PartitionName line)"};
        }
        if (version && !field->accepted_by(*version)) {
            return Failure{field_label(field->name) + " is not supported by Slurm " +
                           release_name(release_for(*version))};
        }
        auto text = value_text(field->name, item.value());
        if (!text) {
            return text.error();
        }
        if (auto problem = value_problem(*field, text.value())) {
            return Failure{*problem};
        }
        line_bytes += 1 + item.key().size() + 1 + text.value().size();
        if (line_bytes > kMaxPartitionLineBytes) {
            return Failure{"partition line is longer than " +
                           std::to_string(kMaxPartitionLineBytes) + " bytes"};
        }
        record.set(item.key(), std::move(text).value());
    }
    return record;
}

Expected<Record> partition_record_from_text(std::string_view text,
                                            const std::optional<SlurmVersion>& version) {
    if (text.size() > kMaxPartitionDataBytes) {
        return Failure{"partition data is larger than " + std::to_string(kMaxPartitionDataBytes) +
                       " bytes"};
    }
    json partition;
    try {
        partition = json::parse(text);
    } catch (const json::exception&) {
        return Failure{"partition data is not JSON"};
    }
    return partition_record(partition, version);
}

Expected<std::string> apply_partition(ConfigDocument& include, const json& partition,
                                      bool is_default, const std::optional<SlurmVersion>& version) {
    auto record = partition_record(partition, version);
    if (!record) {
        return record.error();
    }
    if (is_default && !record.value().get("default")) {
        // Upstream sets default=True over whatever the slurmd application sent; a Default= that
        // application's operator chose is kept here (issue 9 item 7), the charm only adds one.
        record.value().set("default", "True");
    }
    const std::string name = record.value().name();
    Record nodeset("nodeset", name);
    nodeset.set("feature", name);
    ConfigDocument updated = include;
    try {
        updated.set_record(nodeset);
        updated.set_record(record.value());
    } catch (const std::invalid_argument& error) {
        return Failure{error.what()};
    }
    include = std::move(updated);
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

}  // namespace slurmctld::slurm
