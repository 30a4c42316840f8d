// Test stand-in for an InfluxDB charm. `dispatch serve <port> <admin> <password>` is the API
// service (systemd unit fake-influxdb); as a charm it writes that unit, keeps it running and
// puts `port`, `user` and `password` in its unit databag on every `query` relation.
#include <fstream>

#include <nlohmann/json.hpp>

#include <slurmctld/host/services.hpp>
#include <slurmctld/util/http.hpp>

#include "common/client_charm.hpp"
#include "common/influxdb_model.hpp"

namespace {

namespace juju = slurmctld::juju;
namespace host = slurmctld::host;

constexpr int kPort = 8086;
constexpr const char* kAdmin = "admin";
constexpr const char* kAdminPassword = "influx-admin-password";
constexpr const char* kStateFile = "/var/lib/fake-influxdb/state.json";

int serve(int port, const std::string& admin, const std::string& password) {
    test_charms::InfluxdbModel model(admin, password);
    slurmctld::util::http::Server server("0.0.0.0", port);
    for (;;) {
        server.serve_one(
            [&](const slurmctld::util::http::ReceivedRequest& request) {
                const auto found = request.headers.find("authorization");
                auto response =
                    model.handle(request.method, request.target,
                                 found == request.headers.end() ? "" : found->second, request.body);
                nlohmann::json state = {{"users", model.users},
                                        {"policies", nlohmann::json::object()},
                                        {"points", model.points},
                                        {"statements", model.statements}};
                for (const auto& [database, names] : model.policies) {
                    state["policies"][database] = names;
                }
                std::ofstream(std::string(kStateFile) + ".tmp") << state.dump(2) << "\n";
                std::rename((std::string(kStateFile) + ".tmp").c_str(), kStateFile);
                return response;
            },
            std::chrono::seconds(60));
    }
}

juju::Status reconcile(const juju::HookContext& context, juju::HookTools& tools,
                       host::Host& machine) {
    const std::string unit_file =
        "[Unit]\nDescription=InfluxDB API stand-in\n\n[Service]\nExecStart=" + context.charm_dir +
        "/dispatch serve " + std::to_string(kPort) + " " + kAdmin + " " + kAdminPassword +
        "\nRestart=always\n\n[Install]\nWantedBy=multi-user.target\n";
    const std::string path = "/etc/systemd/system/fake-influxdb.service";
    if (machine.read_file(path) != unit_file) {
        machine.make_directories("/var/lib/fake-influxdb", {"root", "root", 0755});
        machine.write_file(path, unit_file, {"root", "root", 0644});
        host::daemon_reload(machine);
        host::enable_service(machine, "fake-influxdb");
        host::restart_service(machine, "fake-influxdb");
    } else if (!host::service_is_active(machine, "fake-influxdb")) {
        host::start_service(machine, "fake-influxdb");
    }
    for (const auto& relation : tools.relation_ids("query")) {
        const juju::Databag wanted{
            {"port", std::to_string(kPort)}, {"user", kAdmin}, {"password", kAdminPassword}};
        const auto mine = tools.relation_get(relation, context.unit_name);
        bool same = true;
        for (const auto& [key, value] : wanted) {
            same = same && mine.count(key) != 0 && mine.at(key) == value;
        }
        if (!same) {
            tools.relation_set(relation, wanted, /*app=*/false);
        }
    }
    return {"active", "InfluxDB API on port " + std::to_string(kPort)};
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 5 && std::string(argv[1]) == "serve") {
        return serve(std::atoi(argv[2]), argv[3], argv[4]);
    }
    return test_charms::run_charm(argc, argv, reconcile);
}
