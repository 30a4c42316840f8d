// A small model of a slurmctld application for state-transition tests: N units, each with its
// own Juju view (FakeHookTools State) and machine (FakeHost), a peer relation whose data is
// passed between them after each hook as Juju would after a commit, optionally a shared
// /srv/slurmctld-statefs (the filesystem-client mount) that all machines see.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <slurmctld/charm/charm.hpp>
#include <slurmctld/juju/caching_hook_tools.hpp>
#include <slurmctld/juju/context.hpp>
#include <slurmctld/juju/hook_runner.hpp>

#include "charms/common/influxdb_model.hpp"
#include "support/crash_plan.hpp"
#include "support/fake_hook_tools.hpp"
#include "support/fake_host.hpp"

namespace charm_tests {

inline constexpr int kPeerRelationId = 1;
inline constexpr int kMountRelationId = 2;
inline constexpr const char* kSlurmVersion = "24.11.5-4+deb13u1";
/// JUJU_CHARM_DIR of every unit; the machine holds the charm's files there.
inline constexpr const char* kCharmDir = "/var/lib/juju/agents/unit-slurmctld-0/charm";

struct TestUnit {
    std::string name;
    testing_support::State state;
    std::unique_ptr<testing_support::FakeHost> host;
    int last_exit_code = 0;
    int tool_calls = 0;  ///< hook-tool calls of the last hook
};

/// Where an event comes from (relation hooks).
struct EventSource {
    EventSource() = default;
    /// A relation hook: `{id, endpoint, remote app, remote unit, departing unit}`.
    EventSource(int id, std::string endpoint_name, std::string app, std::string unit,
                std::string departing)
        : relation_id(id),
          endpoint(std::move(endpoint_name)),
          remote_app(std::move(app)),
          remote_unit(std::move(unit)),
          departing_unit(std::move(departing)) {}
    /// A secret hook.
    static EventSource secret(std::string id, std::string label, int revision = 0) {
        EventSource source;
        source.secret_id = std::move(id);
        source.secret_label = std::move(label);
        source.secret_revision = revision;
        return source;
    }

    int relation_id = -1;
    std::string endpoint;
    std::string remote_app;
    std::string remote_unit;
    std::string departing_unit;
    std::string secret_id;
    std::string secret_label;
    int secret_revision = 0;
};

/// Makes `influxdb` answer HTTP requests to `endpoint` ("host:port") from `host`.
void serve_influxdb(testing_support::FakeHost& host, const std::string& endpoint,
                    std::shared_ptr<test_charms::InfluxdbModel> influxdb);

class TestCluster {
  public:
    /// `units` units of slurmctld; unit 0 leads. With `shared_fs`, every machine mounts one
    /// file system at /srv/slurmctld-statefs (as the filesystem-client subordinate would).
    explicit TestCluster(int units, bool shared_fs = false,
                         std::string slurm_package_version = kSlurmVersion);
    TestCluster(TestCluster&&) = default;
    TestCluster& operator=(TestCluster&&) = default;

    /// A deep copy: every unit's Juju view and machine, the shared file system shared by the
    /// copies as it is by the originals.
    TestCluster clone() const;

    /// When set, every hook-tool call and machine change of the hooks run() runs is a step of
    /// this plan (which may crash the hook at one of them).
    testing_support::CrashPlan* crash_plan = nullptr;

    TestUnit& unit(int index) { return units_.at(static_cast<std::size_t>(index)); }
    std::size_t size() const { return units_.size(); }
    std::shared_ptr<testing_support::FakeFileSystem> statefs() const { return statefs_; }

    /// Runs `hook` (e.g. "install", "slurmctld-peer-relation-changed", "actions/takeover" for an
    /// action) on one unit, then passes the peer data on. Returns dispatch's exit code.
    int run(int index, const std::string& hook, const EventSource& source = {},
            const nlohmann::json& action_params = nlohmann::json::object());

    /// install, peer relation-created, leader-elected / leader-settings-changed, config-changed,
    /// start on every unit, then peer relation-joined/changed rounds until nothing changes.
    void deploy();
    /// Runs update-status on every unit (a settle round).
    void settle(int rounds = 2);

    /// Integrates slurmctld:mount with a filesystem-client on every unit (relation-created and
    /// the subordinate's mounted=true), mounting the shared file system.
    void integrate_mount();
    /// Adds a unit (machine and Juju view) that joins the peer relation; returns its index.
    int add_unit();
    /// The unit enters the peer relation (before its relation-created hook): it sees the
    /// others and their committed data, they see it (with no data yet).
    void join_peers(int index);
    /// Removes a unit as Juju does: its departed/stop/remove hooks, then departed on the others.
    void remove_unit(int index);

    /// Copies peer data (unit databags, the app databag, app-owned secrets) from `from` to the
    /// other units, as Juju makes committed data visible.
    void propagate(int from);

    /// Makes every machine's scontrol see the others' controllers as their services are now
    /// (run() does it before and after each hook).
    void sync_controllers();

  private:
    TestCluster() = default;
    slurmctld::juju::HookContext context_for(const TestUnit& unit, const std::string& hook,
                                             const EventSource& source) const;
    std::vector<TestUnit> units_;
    std::shared_ptr<testing_support::FakeFileSystem> statefs_;
    int next_unit_number_ = 0;
    std::string slurm_package_version_ = kSlurmVersion;
};

/// A file's text on the unit's machine ("<missing>" when there is none).
inline std::string file_text(TestUnit& unit, const std::string& path) {
    return unit.host->read_file(path).value_or("<missing>");
}

/// One controller unit of cluster "polaris", deployed (install to the first update-status).
inline TestCluster deployed_controller() {
    TestCluster cluster(1);
    cluster.unit(0).state.config["cluster-name"] = "polaris";
    cluster.deploy();
    return cluster;
}

/// `units` controller units sharing a state file system (unit 0 leads): deployed, the mount
/// integrated, then `rounds` update-status rounds. Most HA tests start from it.
inline TestCluster settled_ha_cluster(int units, int rounds) {
    TestCluster cluster(units, /*shared_fs=*/true);
    cluster.deploy();
    cluster.integrate_mount();
    cluster.settle(rounds);
    return cluster;
}

/// The heartbeat slurmctld writes in StateSaveLocation when in control (slurm/heartbeat.hpp):
/// written now by the controller at `index` in SlurmctldHost order.
inline void write_heartbeat(testing_support::FakeHost& host, int index) {
    std::string bytes;
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(host.clock.time_since_epoch()).count();
    for (const std::uint64_t value :
         {static_cast<std::uint64_t>(now), static_cast<std::uint64_t>(index)}) {
        for (int shift = 56; shift >= 0; shift -= 8) {
            bytes.push_back(static_cast<char>((value >> static_cast<unsigned>(shift)) & 0xFFU));
        }
    }
    host.write_file("/srv/slurmctld-statefs/checkpoint/heartbeat", bytes, {"slurm", "slurm", 0600});
}

}  // namespace charm_tests

namespace slurmctld::juju {
/// Readable statuses in test failures.
inline void PrintTo(const Status& status, std::ostream* out) {
    *out << status.state << " \"" << status.message << "\"";
}
}  // namespace slurmctld::juju
