// Test stand-in for a cos_agent consumer (grafana-agent, opentelemetry-collector): on every
// hook it reads the principal unit's `config`, decodes each dashboard (base64, then `xz -d`, as
// lzma.decompress would), and scrapes each scrape job's targets over HTTP, writing
//   /var/lib/cos-collector/config.json        the data as received
//   /var/lib/cos-collector/dashboards/<uid>.json
//   /var/lib/cos-collector/scrape/<n>.txt      each target's answer (status line first)
// Status: "<jobs> jobs, <ok> scraped, <dashboards> dashboards, <groups> rule groups".
#include <nlohmann/json.hpp>

#include <slurmctld/util/base64.hpp>
#include <slurmctld/util/http.hpp>
#include <slurmctld/util/process.hpp>

#include "common/client_charm.hpp"

namespace {

namespace juju = slurmctld::juju;
namespace host = slurmctld::host;
using nlohmann::json;

constexpr const char* kDir = "/var/lib/cos-collector";

juju::Status reconcile(const juju::HookContext&, juju::HookTools& tools, host::Host& machine) {
    const auto relations = tools.relation_ids("cos-agent");
    if (relations.empty()) {
        return {"blocked", "Waiting for integrations: [`cos-agent`]"};
    }
    json config;
    for (const auto& unit : tools.relation_list(relations.front())) {
        const auto data = tools.relation_get(relations.front(), unit);
        if (const auto found = data.find("config"); found != data.end()) {
            config = json::parse(found->second);
        }
    }
    if (config.is_null()) {
        return {"waiting", "Waiting for the principal's config"};
    }
    machine.make_directories(std::string(kDir) + "/dashboards", {"root", "root", 0755});
    machine.make_directories(std::string(kDir) + "/scrape", {"root", "root", 0755});
    machine.write_file(std::string(kDir) + "/config.json", config.dump(2) + "\n",
                       {"root", "root", 0644});
    int dashboards = 0;
    for (const auto& packed : config.value("dashboards", json::array())) {
        const auto compressed = slurmctld::util::decode_base64(packed.get<std::string>());
        if (!compressed.has_value()) {
            return {"blocked", "a dashboard is not base64"};
        }
        slurmctld::util::ProcessOptions options;
        options.stdin_data = compressed.value();
        const auto xz = slurmctld::util::run_process({"/usr/bin/xz", "-d", "-c"}, options);
        if (xz.exit_code != 0) {
            return {"blocked", "a dashboard is not LZMA: " + xz.stderr_text};
        }
        const auto dashboard = json::parse(xz.stdout_text);
        machine.write_file(
            std::string(kDir) + "/dashboards/" + dashboard.value("uid", "none") + ".json",
            xz.stdout_text, {"root", "root", 0644});
        ++dashboards;
    }
    int jobs = 0;
    int scraped = 0;
    for (const auto& job : config.value("metrics_scrape_jobs", json::array())) {
        for (const auto& target : job["static_configs"][0]["targets"]) {
            const std::string address = target.get<std::string>();
            const auto colon = address.rfind(':');
            slurmctld::util::http::Request request;
            request.target = job.value("metrics_path", "/metrics");
            const auto answer = slurmctld::util::http::send(address.substr(0, colon),
                                                            std::atoi(address.c_str() + colon + 1),
                                                            request, std::chrono::seconds(10));
            const std::string text = answer.has_value() ? std::to_string(answer.value().status) +
                                                              "\n" + answer.value().body
                                                        : "error " + answer.error().message + "\n";
            machine.write_file(std::string(kDir) + "/scrape/" + std::to_string(jobs) + ".txt",
                               request.target + "\n" + text, {"root", "root", 0644});
            scraped += answer.has_value() && answer.value().status == 200 ? 1 : 0;
            ++jobs;
        }
    }
    return {"active", std::to_string(jobs) + " jobs, " + std::to_string(scraped) + " scraped, " +
                          std::to_string(dashboards) + " dashboards, " +
                          std::to_string(config["metrics_alert_rules"]["groups"].size()) +
                          " rule groups"};
}

}  // namespace

int main(int argc, char** argv) {
    return test_charms::run_charm(argc, argv, reconcile);
}
