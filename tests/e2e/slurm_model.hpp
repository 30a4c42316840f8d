// End-to-end helpers: a jujusim model with namespace machines running the packed slurmctld
// charm, the filesystem-client, and the sackd/slurmd test charms with real Slurm daemons.
// Assertions follow upstream's integration tests (upstream.md §7.1): the
// controllers as `scontrol ping --json` on the login node reports them, mapped to units.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>

#include <slurmctld/slurm/scontrol_output.hpp>

#include "jujusim/agent/sim_fixture.hpp"

namespace e2e {

using jujusim_test::json;
using Clock = std::chrono::steady_clock;

inline std::string slurmctld_charm() {
    return std::string(JUJUSIM_BINARY_DIR) + "/slurmctld_amd64.charm";
}
inline std::string test_charm(const std::string& name) {
    return std::string(JUJUSIM_BINARY_DIR) + "/test-charms/" + name;
}

/// One controller as upstream's `_get_slurm_controllers` reports it.
struct Controller {
    std::string hostname;
    std::string mode;    ///< primary, backup, backup1, ...
    std::string pinged;  ///< UP or DOWN
    std::string unit;    ///< slurmctld/N on that host
    std::string machine;
};

/// The leadership lease a suite runs with: Fast (10 s, failover within seconds) or Juju's own
/// (jujusim's default: a minute, renewed every 30 s, as Juju 3.6's).
enum class Lease { Fast, Juju };

class SlurmModel {
  public:
    explicit SlurmModel(const std::string& name, Lease lease = Lease::Fast)
        : model_("namespace", name) {
        // Fast ticks (and, unless asked for Juju's, leases) so statuses and leadership follow
        // failures within seconds.
        model_.ok({"model-config", "update-status-hook-interval=10s"});
        if (lease == Lease::Fast) {
            model_.ok({"model-config", "leadership-lease-seconds=10"});
        }
    }

    jujusim_test::SimModel& sim() { return model_; }

    /// A login node (sackd) and a compute node (slurmd, idle, partition "compute"), both
    /// integrated with slurmctld.
    void deploy_clients() {
        ok({"deploy", test_charm("sackd"), "login"});
        ok({"deploy", test_charm("slurmd"), "compute", "--config", "default-node-state=idle"});
        ok({"integrate", "slurmctld", "login"});
        ok({"integrate", "slurmctld", "compute"});
    }
    /// The shared file system: a filesystem-client on slurmctld's mount endpoint.
    void integrate_mount() {
        ok({"deploy", "filesystem-client", "checkpoint"});
        ok({"integrate", "slurmctld:mount", "checkpoint:mount"});
    }
    std::string ok(const std::vector<std::string>& args) { return model_.ok(args); }
    json status() { return model_.status(); }

    /// `jujusim exec --unit U -- <command>` (run by a shell inside the machine, as juju exec).
    slurmctld::util::ProcessResult exec(const std::string& unit, const std::string& command) {
        return model_.run({"exec", "--unit", unit, "--", command});
    }
    std::string exec_ok(const std::string& unit, const std::string& command) {
        const auto result = exec(unit, command);
        EXPECT_EQ(result.exit_code, 0) << unit << ": " << command << "\n"
                                       << result.stdout_text << result.stderr_text;
        return result.stdout_text;
    }

    /// Polls `condition` until it holds; fails the test with `what` after `timeout`.
    bool wait_until(const std::string& what, const std::function<bool()>& condition,
                    std::chrono::seconds timeout = std::chrono::seconds(300)) {
        const auto deadline = Clock::now() + timeout;
        while (Clock::now() < deadline) {
            if (condition()) {
                return true;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(500));
        }
        ADD_FAILURE() << "timed out after " << timeout.count() << " s waiting for " << what
                      << "\nstatus:\n"
                      << model_.ok({"status"}) << failed_hook_logs();
        return false;
    }

    /// The end of the log of every unit whose hook failed: CI keeps no model, so why a hook
    /// failed must be in the test's own output.
    std::string failed_hook_logs() {
        std::string logs;
        const json apps = status().value("applications", json::object());
        for (const auto& [app_name, app] : apps.items()) {
            const json app_units = app.value("units", json::object());
            for (const auto& [name, unit] : app_units.items()) {
                if (unit["workload-status"].value("current", "") != "error") {
                    continue;
                }
                const auto log =
                    model_.run({"debug-log", "--replay", "--no-tail", "--include", name});
                const std::string& text = log.stdout_text;
                const auto cut = text.size() > 6000 ? text.size() - 6000 : 0;
                logs += "\ndebug-log of " + name + " (end):\n" + text.substr(cut);
            }
        }
        return logs;
    }

    /// Workload status message and state of a unit ("" when it does not exist).
    std::pair<std::string, std::string> workload(const std::string& unit) {
        const auto s = status();
        const std::string app = unit.substr(0, unit.find('/'));
        const auto apps = s.value("applications", json::object());
        if (!apps.contains(app) || !apps[app].contains("units") ||
            !apps[app]["units"].contains(unit)) {
            return {"", ""};
        }
        const auto& ws = apps[app]["units"][unit]["workload-status"];
        return {ws.value("current", ""), ws.value("message", "")};
    }

    /// Units of an application, with their machine and status.
    json units(const std::string& app) {
        const auto s = status();
        if (!s["applications"].contains(app)) {
            return json::object();
        }
        return s["applications"][app].value("units", json::object());
    }

    std::string machine_of(const std::string& unit) {
        return units(unit.substr(0, unit.find('/')))[unit].value("machine", "");
    }

    /// Every unit of every application active and every agent idle.
    bool all_active(const std::vector<std::string>& apps) {
        const auto s = status();
        for (const auto& app : apps) {
            if (!s["applications"].contains(app)) {
                return false;
            }
            const json app_units = s["applications"][app].value("units", json::object());
            for (const auto& [name, unit] : app_units.items()) {
                if (unit["workload-status"].value("current", "") != "active" ||
                    unit["juju-status"].value("current", "") != "idle") {
                    return false;
                }
            }
        }
        return true;
    }

    /// The unit client commands (sbatch, scontrol ping, sinfo) run on: the login node, or a
    /// compute node where there is no login node (Slurm before 23.11 has no sackd; slurmd's
    /// configless cache serves the clients there).
    void set_client_unit(const std::string& unit) { client_unit_ = unit; }
    const std::string& client_unit() const { return client_unit_; }
    /// Whether this Slurm has `scontrol ping --json` (23.02 and later); the text form otherwise.
    void set_ping_json(bool json_form) { ping_json_ = json_form; }

    /// upstream's _get_slurm_controllers: `scontrol ping --json` (the text form before 23.02)
    /// on the client unit, keyed by mode, each mapped to the unit whose machine has that
    /// hostname.
    std::map<std::string, Controller> controllers() {
        std::map<std::string, Controller> result;
        const auto ping = exec(client_unit_, ping_json_ ? "scontrol ping --json 2>/dev/null"
                                                        : "scontrol ping 2>/dev/null");
        if (ping.stdout_text.empty()) {
            return result;
        }
        auto parsed = ping_json_ ? slurmctld::slurm::parse_ping_json(ping.stdout_text)
                                 : slurmctld::slurm::parse_ping_text(ping.stdout_text);
        if (!parsed.has_value()) {
            return result;
        }
        const auto s = status();
        std::map<std::string, std::string> machine_by_host;
        const json machines = s.value("machines", json::object());
        for (const auto& [id, machine] : machines.items()) {
            machine_by_host[machine.value("instance-id", "")] = id;
        }
        std::map<std::string, std::string> unit_by_machine;
        const json controller_units = units("slurmctld");
        for (const auto& [name, unit] : controller_units.items()) {
            unit_by_machine[unit.value("machine", "")] = name;
        }
        for (const auto& ping_entry : parsed.value()) {
            Controller c;
            c.hostname = ping_entry.hostname;
            c.mode = ping_entry.mode;
            c.pinged = ping_entry.up ? "UP" : "DOWN";
            c.machine = machine_by_host[c.hostname];
            c.unit = unit_by_machine[c.machine];
            result[c.mode] = c;
        }
        return result;
    }

    /// `systemctl status slurmctld` on a unit contains `text` (upstream greps it for
    /// "Running as primary controller" / "slurmctld running in background mode").
    bool service_log_says(const std::string& unit, const std::string& text) {
        const auto out = exec(unit, "systemctl status slurmctld -n 200 2>&1 | tail -n 40");
        // The last role line wins: a restarted daemon logs the new role after the old one.
        const auto primary = out.stdout_text.rfind("Running as primary controller");
        const auto background = out.stdout_text.rfind("slurmctld running in background mode");
        if (text == "Running as primary controller") {
            return primary != std::string::npos &&
                   (background == std::string::npos || background < primary);
        }
        return background != std::string::npos &&
               (primary == std::string::npos || primary < background);
    }

    /// Submits a batch job from the client unit that writes "start", sleeps, writes "finished";
    /// returns its job id.
    std::string submit_job(int seconds, const std::string& name) {
        const auto out =
            exec_ok(client_unit_, "sbatch --parsable --chdir=/tmp -J " + name + " -o /tmp/" + name +
                                      ".out --wrap 'echo start; sleep " + std::to_string(seconds) +
                                      "; echo finished' 2>/dev/null");
        return out.substr(0, out.find_first_of(";\n"));
    }
    /// The job's output file on the compute node.
    std::string job_output(const std::string& name) {
        return exec("compute/0", "cat /tmp/" + name + ".out 2>/dev/null").stdout_text;
    }

    /// The HA cluster upstream's test_ha.py deploys: two controllers (SlurmctldTimeout=5) on a
    /// filesystem-client mount, a login node (sackd; left out with `login = false`) and an idle
    /// compute node (slurmd); returns once every application is active.
    void deploy_ha_cluster(bool login = true) {
        ok({"deploy", slurmctld_charm(), "slurmctld", "-n", "2", "--config",
            "slurm-conf-parameters=SlurmctldTimeout=5\n", "--config", "default-partition=compute"});
        ok({"deploy", "filesystem-client", "checkpoint"});
        ok({"integrate", "slurmctld:mount", "checkpoint:mount"});
        if (login) {
            ok({"deploy", test_charm("sackd"), "login"});
        }
        ok({"deploy", test_charm("slurmd"), "compute", "--config", "default-node-state=idle"});
        if (login) {
            ok({"integrate", "slurmctld", "login"});
        }
        ok({"integrate", "slurmctld", "compute"});
        std::vector<std::string> apps{"slurmctld", "checkpoint", "compute"};
        if (login) {
            apps.emplace_back("login");
        }
        wait_until("all applications active", [&] { return all_active(apps); });
    }

  private:
    jujusim_test::SimModel model_;
    std::string client_unit_ = "login/0";
    bool ping_json_ = true;
};

}  // namespace e2e
