// cos-agent: the unit data (cos.cpp) and the charm's metrics exporter, a small HTTP service on
// port 9092 (the port upstream opens for a Prometheus exporter) that the cos-agent scrape job
// reads. It serves the measurements of high availability that only the charm knows, taken live
// every 15 s, not at hook times (a failover between hooks must show at once):
//   slurmctld_charm_controllers                      controllers in SlurmctldHost
//   slurmctld_charm_controller_up{hostname,mode}     answers `scontrol ping` (1) or not (0)
//   slurmctld_charm_in_control{hostname,mode}        the controller serving clients (1)
//   slurmctld_charm_controller_index_in_control      its place in SlurmctldHost, -1 for none
//   slurmctld_charm_local_controller_active          this machine's slurmctld service runs
//   slurmctld_charm_statefs_write_p99_seconds        the shared file system's write latency
//                                                    (StateSaveLocation), last probe's p99
//   slurmctld_charm_statefs_slow_probes              slow probes in a row
//   slurmctld_charm_scrape_timestamp_seconds         when these were taken
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <slurmctld/host/host.hpp>
#include <slurmctld/slurm/version.hpp>

namespace slurmctld::charm {

inline constexpr std::string_view kExporterCommand = "metrics-exporter";
inline constexpr std::string_view kExporterService = "slurmctld-charm-exporter";

/// cosl's JujuTopology as the rules see it.
struct CosTopology {
    std::string model;
    std::string model_uuid;
    std::string application;
    std::string charm;
    /// label_matcher_dict: juju_model, juju_model_uuid, juju_application, juju_charm, in order.
    std::vector<std::pair<std::string, std::string>> labels() const;
    /// "<model>_<uuid[:8]>_<application>" with '/' as '_'.
    std::string identifier() const;
};

/// The CosAgentProviderUnitData object (before pydantic's compact dump) for a charm whose files
/// are at `charm_dir`.
nlohmann::ordered_json cos_agent_unit_data(host::Host& host, const std::string& charm_dir,
                                           const CosTopology& topology,
                                           const std::optional<slurm::SlurmVersion>& slurm);

/// The exporter's page: the measurements above in the Prometheus text format, read from the
/// machine now.
std::string exporter_metrics(host::Host& host, const std::optional<slurm::SlurmVersion>& slurm);

/// `dispatch metrics-exporter <port>`: serves GET /metrics until killed. Returns the exit code.
int run_metrics_exporter(int argc, char** argv);

}  // namespace slurmctld::charm
