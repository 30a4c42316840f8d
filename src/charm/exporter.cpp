#include <algorithm>
#include <csignal>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <slurmctld/charm/charm.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/controller_probe.hpp>
#include <slurmctld/charm/exporter.hpp>
#include <slurmctld/charm/facts.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/host/real_host.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/util/http.hpp>

namespace slurmctld::charm {

namespace {

/// How often the exporter takes its measurements (a scrape gets the latest, at once).
constexpr std::chrono::seconds kRefreshInterval{15};

std::string label_value(std::string_view text) {
    std::string out;
    for (const char c : text) {
        if (c == '\\' || c == '"') {
            out += '\\';
        }
        out += c == '\n' ? ' ' : c;
    }
    return out;
}

void gauge(std::string& page, std::string_view name, std::string_view help) {
    page += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
}

}  // namespace

std::string exporter_metrics(host::Host& host, const std::optional<slurm::SlurmVersion>& slurm) {
    std::string page;
    const auto hostname = host.short_hostname();
    const auto controllers = configured_controllers(host);
    const auto pings = ping_controllers(host, slurm);
    const auto serving = pings.empty() ? std::nullopt : serving_controller(host, pings, hostname);

    gauge(page, "slurmctld_charm_controllers", "Controllers listed in SlurmctldHost.");
    page += fmt::format("slurmctld_charm_controllers {}\n", controllers.size());
    gauge(page, "slurmctld_charm_controller_up",
          "Whether a listed controller answers scontrol ping (1) or not (0).");
    for (const auto& ping : pings) {
        page += fmt::format("slurmctld_charm_controller_up{{hostname=\"{}\",mode=\"{}\"}} {}\n",
                            label_value(ping.hostname), label_value(ping.mode), ping.up ? 1 : 0);
    }
    gauge(page, "slurmctld_charm_in_control",
          "Whether a listed controller is the one serving clients (1) or not (0).");
    long index_in_control = -1;
    for (std::size_t i = 0; i < pings.size(); ++i) {
        const bool in_control = serving && pings[i].hostname == *serving;
        if (in_control) {
            index_in_control = static_cast<long>(i);
        }
        page += fmt::format("slurmctld_charm_in_control{{hostname=\"{}\",mode=\"{}\"}} {}\n",
                            label_value(pings[i].hostname), label_value(pings[i].mode),
                            in_control ? 1 : 0);
    }
    gauge(page, "slurmctld_charm_controller_index_in_control",
          "Position in SlurmctldHost of the controller in control (0: primary), -1 for none.");
    page += fmt::format("slurmctld_charm_controller_index_in_control {}\n", index_in_control);
    gauge(page, "slurmctld_charm_local_controller_active",
          "Whether this machine's slurmctld service runs.");
    page += fmt::format("slurmctld_charm_local_controller_active {}\n",
                        slurm && host::service_is_active(host, kService) ? 1 : 0);
    if (const auto text = host.read_file(std::string(kLatencyRecord))) {
        const auto record = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
        if (record.is_object() && record.value("p99_us", nlohmann::json()).is_number()) {
            gauge(page, "slurmctld_charm_statefs_write_p99_seconds",
                  "99th percentile of fsync+rename on the shared StateSaveLocation, last probe.");
            page += fmt::format("slurmctld_charm_statefs_write_p99_seconds {:.6f}\n",
                                record["p99_us"].get<double>() / 1e6);
            gauge(page, "slurmctld_charm_statefs_slow_probes",
                  "Slow shared file system probes in a row.");
            page += fmt::format("slurmctld_charm_statefs_slow_probes {}\n",
                                record.value("slow_probes", 0));
        }
    }
    gauge(page, "slurmctld_charm_scrape_timestamp_seconds",
          "When these measurements were taken (Unix time).");
    page += fmt::format(
        "slurmctld_charm_scrape_timestamp_seconds {}\n",
        std::chrono::duration_cast<std::chrono::seconds>(host.now().time_since_epoch()).count());
    return page;
}

int run_metrics_exporter(int argc, char** argv) {
    const int port = argc > 2 ? std::atoi(argv[2]) : kPrometheusExporterPort;
    (void)std::signal(SIGPIPE, SIG_IGN);  // a closed scrape connection is not fatal
    host::RealHost host(real_host_options());
    util::http::Server server("0.0.0.0", port);
    std::string page;
    auto next_refresh = host.steady_now();
    for (;;) {
        const auto now = host.steady_now();
        if (now >= next_refresh) {
            try {
                page = exporter_metrics(host, installed_slurm(host));
            } catch (const std::exception& error) {
                page = fmt::format("# measurement failed: {}\n", label_value(error.what()));
            }
            next_refresh = host.steady_now() + kRefreshInterval;
        }
        const auto wait =
            std::chrono::duration_cast<std::chrono::milliseconds>(next_refresh - host.steady_now());
        server.serve_one(
            [&](const util::http::ReceivedRequest& request) {
                if (request.method != "GET") {
                    return util::http::Response{405, "text/plain; charset=utf-8",
                                                "method not allowed\n"};
                }
                if (request.target != "/metrics" && request.target.rfind("/metrics?", 0) != 0) {
                    return util::http::Response{404, "text/plain; charset=utf-8", "not found\n"};
                }
                return util::http::Response{200, "text/plain; version=0.0.4; charset=utf-8", page};
            },
            std::max(wait, std::chrono::milliseconds(1)));
    }
}

}  // namespace slurmctld::charm
