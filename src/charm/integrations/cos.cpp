// cos-agent (provides, limit 1): every unit writes the `config` key of its unit databag exactly
// as cos-lib's COSAgentProvider (charms.grafana_agent.v0.cos_agent, LIBPATCH 23) writes it for
// upstream's charm: pydantic's compact JSON of
//   metrics_alert_rules  the rule files of src/cos/alert_rules/prometheus, each group renamed
//                        <model>_<uuid[:8]>_<app>_<group>_rules and each rule given the juju_*
//                        topology labels (cosl Rules), then cosl's generic HostHealth group
//   log_alert_rules      {} (no Loki rules)
//   dashboards           src/cos/grafana_dashboards/*.json, each with cosl's path uid and the
//                        `charm: slurmctld` tag, LZMA-compressed and base64-encoded (packed at
//                        build time, see cmake/cos-dashboards.sh)
//   subordinate, metrics_scrape_jobs, log_slots, include_log_files, tracing_protocols
// The scrape jobs are Slurm's own OpenMetrics endpoints on port 6817 where the installed Slurm
// has them (MetricsType, 25.11), and the charm's exporter (exporter.hpp) on port 9092, which
// upstream opens for a Prometheus exporter: the charm's own measurements of high availability
// (controllers up, which one is in control, the shared file system's write latency), read live
// on the machine rather than at hook times.
#include <regex>

#include <yaml-cpp/yaml.h>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/exporter.hpp>
#include <slurmctld/charm/integrations.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using Json = nlohmann::ordered_json;

namespace {

constexpr std::string_view kCharmName = "slurmctld";
constexpr std::string_view kRulesDir = "src/cos/alert_rules/prometheus";
constexpr std::string_view kPackedDashboards = "src/cos/grafana_dashboards.packed.json";
constexpr std::string_view kExporterUnitFile =
    "/etc/systemd/system/slurmctld-charm-exporter.service";

/// A YAML scalar as PyYAML's safe_load types it (YAML 1.1): plain ints, floats, booleans and
/// nulls; anything quoted, and anything else, a string.
Json yaml_scalar(const YAML::Node& node) {
    const std::string& text = node.Scalar();
    if (node.Tag() != "?") {
        return text;  // quoted or explicitly tagged: a string as written
    }
    static const std::regex kInt(R"([-+]?(0|[1-9][0-9_]*))");
    static const std::regex kFloat(R"([-+]?([0-9][0-9_]*)?\.[0-9.]*([eE][-+][0-9]+)?)");
    static const std::regex kTrue("yes|Yes|YES|true|True|TRUE|on|On|ON");
    static const std::regex kFalse("no|No|NO|false|False|FALSE|off|Off|OFF");
    static const std::regex kNull("~|null|Null|NULL|");
    if (std::regex_match(text, kTrue)) {
        return true;
    }
    if (std::regex_match(text, kFalse)) {
        return false;
    }
    if (std::regex_match(text, kNull)) {
        return nullptr;
    }
    std::string digits = text;
    digits.erase(std::remove(digits.begin(), digits.end(), '_'), digits.end());
    if (std::regex_match(text, kInt)) {
        return std::stoll(digits);
    }
    if (std::regex_match(text, kFloat) && text != "." && !text.empty()) {
        return std::stod(digits);
    }
    return text;
}

Json yaml_to_json(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map: {
            Json object = Json::object();
            for (const auto& entry : node) {
                object[entry.first.as<std::string>()] = yaml_to_json(entry.second);
            }
            return object;
        }
        case YAML::NodeType::Sequence: {
            Json array = Json::array();
            for (const auto& entry : node) {
                array.push_back(yaml_to_json(entry));
            }
            return array;
        }
        case YAML::NodeType::Scalar:
            return yaml_scalar(node);
        default:
            return nullptr;
    }
}

/// cosl's generic_alert_groups.application_rules (cosl/rules.py): the HostHealth group every
/// COSAgentProvider adds, reproduced so that the agent receives the same groups it would from
/// upstream's charm.
Json generic_host_health_group() {
    const Json host_down = {
        {"alert", "HostDown"},
        {"expr", "up < 1"},
        {"for", "5m"},
        {"labels", {{"severity", "critical"}}},
        {"annotations",
         {{"summary", "Host '{{ $labels.instance }}' is down."},
          {"description",
           "Juju application '{{ $labels.juju_application }}' in model '{{ $labels.juju_model "
           "}}' is down. Prometheus has been unable to scrape it during at least the past five "
           "minutes."}}}};
    const Json metrics_missing = {
        {"alert", "HostMetricsMissing"},
        {"expr", "absent(up)"},
        {"for", "5m"},
        {"labels", {{"severity", "warning"}}},
        {"annotations",
         {{"summary",
           "Unit '{{ $labels.juju_unit }}' of application '{{ $labels.juju_application }}' is "
           "down or failing to remote write."},
          {"description",
           "`Up` missing for unit '{{ $labels.juju_unit }}' of application {{ "
           "$labels.juju_application }} in model {{ $labels.juju_model }}. Please ensure the "
           "unit or the collector scraping it is up and is able to successfully reach the "
           "metrics backend."}}}};
    return {{"name", "HostHealth"}, {"rules", {host_down, metrics_missing}}};
}

/// Prometheus metric-name characters; anything else becomes '_' (cosl _sanitize_metric_name).
std::string sanitized(const std::string& name) {
    std::string out = name;
    for (char& c : out) {
        const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == ':';
        c = ok ? c : '_';
    }
    return out;
}

/// cosl Rules._from_dict for one group: topology-prefixed name, juju_* labels added to each
/// rule, `%%juju_topology%%` dropped from expressions (the label matchers themselves are
/// injected only by cos-tool, which upstream's charm does not ship either).
Json with_topology(Json group, const CosTopology& topology, const std::string& prefix) {
    static const std::regex kModified(R"(^.*?_[\da-f]{8}_.*?rules$)");
    const std::string name = group.value("name", "");
    if (!std::regex_match(name, kModified)) {
        std::string renamed = prefix.empty() ? name : prefix + "_" + name;
        if (!renamed.ends_with("_rules")) {
            renamed += "_rules";
        }
        group["name"] = renamed;
    }
    group["name"] = sanitized(group["name"].get<std::string>());
    static const std::regex kTopologyMarker("%%juju_topology%%,?");
    for (auto& rule : group["rules"]) {
        if (!rule.contains("labels")) {
            rule["labels"] = Json::object();
        }
        for (const auto& [label, value] : topology.labels()) {
            if (!value.empty() && !rule["labels"].contains(label)) {
                rule["labels"][label] = value;
            }
        }
        if (rule.contains("expr") && rule["expr"].is_string()) {
            rule["expr"] = std::regex_replace(rule["expr"].get<std::string>(), kTopologyMarker, "");
        }
    }
    return group;
}

/// The rule files of `directory` (sorted, .rule/.rules/.yml/.yaml), as cosl reads them.
Json alert_rules(host::Host& host, const std::string& directory, const CosTopology& topology) {
    Json groups = Json::array();
    for (const auto& name : host.list_directory(directory)) {
        const std::string path = directory + "/" + name;
        const auto extension = name.substr(std::min(name.size(), name.rfind('.')));
        if (extension != ".rule" && extension != ".rules" && extension != ".yml" &&
            extension != ".yaml") {
            continue;
        }
        const auto text = host.read_file(path);
        if (!text) {
            continue;
        }
        Json file;
        try {
            file = yaml_to_json(YAML::Load(*text));
        } catch (const YAML::Exception& error) {
            log::error("Failed to read rules from {}: {}", name, error.what());
            continue;
        }
        if (!file.is_object() || !file.contains("groups") || !file["groups"].is_array()) {
            log::error("Invalid rules file: {} (Invalid rule format)", name);
            continue;
        }
        for (const auto& group : file["groups"]) {
            groups.push_back(with_topology(group, topology, topology.identifier()));
        }
    }
    groups.push_back(with_topology(generic_host_health_group(), topology, topology.identifier()));
    return {{"groups", groups}};
}

Json packed_dashboards(host::Host& host, const std::string& charm_dir) {
    const auto text = host.read_file(charm_dir + "/" + std::string(kPackedDashboards));
    Json dashboards = Json::array();
    if (!text) {
        log::warning("no packed dashboards in the charm ({})", kPackedDashboards);
        return dashboards;
    }
    const auto parsed = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
    if (parsed.is_array()) {
        for (const auto& entry : parsed) {
            if (entry.is_string()) {
                dashboards.push_back(entry);
            }
        }
    }
    return dashboards;
}

Json scrape_job(std::string_view path, int port) {
    return {{"metrics_path", path},
            {"static_configs", {{{"targets", {"localhost:" + std::to_string(port)}}}}}};
}

std::string exporter_unit_file(const std::string& charm_dir) {
    return "[Unit]\n"
           "Description=slurmctld charm measurements for the cos-agent scrape job\n"
           "After=network.target\n"
           "\n"
           "[Service]\n"
           "ExecStart=" +
           charm_dir + "/dispatch " + std::string(kExporterCommand) + " " +
           std::to_string(kPrometheusExporterPort) +
           "\n"
           "Restart=always\n"
           "RestartSec=5\n"
           "\n"
           "[Install]\n"
           "WantedBy=multi-user.target\n";
}

/// The exporter runs while cos-agent is related, from this revision of the charm.
void reconcile_exporter(HookScope& scope, bool wanted) {
    auto& host = scope.host;
    const std::string unit(kExporterService);
    const std::string path(kExporterUnitFile);
    if (!wanted) {
        if (host.status(path).type == host::FileType::Missing) {
            return;
        }
        if (host::service_is_active(host, unit)) {
            host::stop_service(host, unit);
        }
        host.systemctl({"disable", unit});
        host.remove_file(path);
        host::daemon_reload(host);
        log::info("stopped the metrics exporter");
        return;
    }
    const auto text = exporter_unit_file(scope.facts.context.charm_dir);
    const bool changed = write_if_changed(host, path, text, {"root", "root", 0644});
    // Also when a hook died between writing the file and enabling the service: systemd then
    // does not know the unit (or runs the old one).
    const bool enabled = host.systemctl({"is-enabled", "--quiet", unit}).ok();
    if (changed || !enabled) {
        host::daemon_reload(host);
        host::enable_service(host, unit);
        host::restart_service(host, unit);
        log::info("metrics exporter listening on port {}", kPrometheusExporterPort);
    } else if (!host::service_is_active(host, unit)) {
        host::start_service(host, unit);
    }
}

}  // namespace

std::vector<std::pair<std::string, std::string>> CosTopology::labels() const {
    return {{"juju_model", model},
            {"juju_model_uuid", model_uuid},
            {"juju_application", application},
            {"juju_charm", charm}};
}

std::string CosTopology::identifier() const {
    std::string text = model + "_" + model_uuid.substr(0, 8) + "_" + application;
    std::replace(text.begin(), text.end(), '/', '_');
    return text;
}

nlohmann::ordered_json cos_agent_unit_data(host::Host& host, const std::string& charm_dir,
                                           const CosTopology& topology,
                                           const std::optional<slurm::SlurmVersion>& slurm) {
    Json jobs = Json::array();
    if (slurm && slurm::supports_metrics_type(*slurm)) {
        for (const char* endpoint :
             {"jobs", "nodes", "partitions", "scheduler", "jobs-users-accts"}) {
            jobs.push_back(scrape_job(std::string("/metrics/") + endpoint, kSlurmctldPort));
        }
    }
    jobs.push_back(scrape_job("/metrics", kPrometheusExporterPort));
    Json data = Json::object();
    data["metrics_alert_rules"] =
        alert_rules(host, charm_dir + "/" + std::string(kRulesDir), topology);
    data["log_alert_rules"] = Json::object();
    data["dashboards"] = packed_dashboards(host, charm_dir);
    data["subordinate"] = nullptr;
    data["metrics_scrape_jobs"] = jobs;
    data["log_slots"] = Json::array();
    data["include_log_files"] = Json::array();
    data["tracing_protocols"] = nullptr;
    return data;
}

void publish_cos_agent(HookScope& scope, Outcome& outcome) {
    const auto& facts = scope.facts;
    const auto relations = scope.tools.relation_ids(kCosAgentEndpoint);
    reconcile_exporter(scope, !relations.empty());
    if (relations.empty()) {
        return;
    }
    if (facts.slurm && !slurm::supports_metrics_type(*facts.slurm)) {
        outcome.notices.push_back("no Slurm metrics: MetricsType needs Slurm 25.11, this is " +
                                  facts.slurm->to_string());
    }
    const CosTopology topology{facts.context.model_name, facts.context.model_uuid,
                               facts.context.app_name, std::string(kCharmName)};
    // pydantic's model_dump_json: compact, UTF-8 as is.
    const std::string config =
        cos_agent_unit_data(scope.host, facts.context.charm_dir, topology, facts.slurm).dump();
    for (const auto& relation : relations) {
        const auto current = scope.tools.relation_get(relation, facts.unit());
        const auto found = current.find("config");
        if (found == current.end() || found->second != config) {
            scope.tools.relation_set(relation, {{"config", config}}, /*app=*/false);
            log::info("cos-agent data updated on {}", relation.str());
        }
    }
}

}  // namespace slurmctld::charm
