// End-to-end helpers: a jujusim model with namespace machines running the packed slurmctld
// charm, the filesystem-client, and the sackd/slurmd test charms with real Slurm daemons.
// Assertions follow upstream's integration tests (reference upstream-slurmctld.md §7.1): the
// controllers as `scontrol ping --json` on the login node reports them, mapped to units.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>

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
                      << model_.ok({"status"});
        return false;
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

    /// upstream's _get_slurm_controllers: `scontrol ping --json` on the login node, keyed by
    /// mode, each mapped to the unit whose machine has that hostname.
    std::map<std::string, Controller> controllers(const std::string& login_unit = "login/0") {
        std::map<std::string, Controller> result;
        const auto ping = exec(login_unit, "scontrol ping --json 2>/dev/null");
        if (ping.stdout_text.empty()) {
            return result;
        }
        json parsed;
        try {
            parsed = json::parse(ping.stdout_text);
        } catch (const std::exception&) {
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
        const json pings = parsed.value("pings", json::array());
        for (const auto& ping_entry : pings) {
            Controller c;
            c.hostname = ping_entry.value("hostname", "");
            c.mode = ping_entry.value("mode", "");
            c.pinged = ping_entry.value("pinged", "");
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

    /// Submits a batch job from the login node that writes "start", sleeps, writes "finished";
    /// returns its job id.
    std::string submit_job(int seconds, const std::string& name) {
        const auto out =
            exec_ok("login/0", "sbatch --parsable --chdir=/tmp -J " + name + " -o /tmp/" + name +
                                   ".out --wrap 'echo start; sleep " + std::to_string(seconds) +
                                   "; echo finished' 2>/dev/null");
        return out.substr(0, out.find_first_of(";\n"));
    }
    /// The job's output file on the compute node.
    std::string job_output(const std::string& name) {
        return exec("compute/0", "cat /tmp/" + name + ".out 2>/dev/null").stdout_text;
    }

  private:
    jujusim_test::SimModel model_;
};

}  // namespace e2e
