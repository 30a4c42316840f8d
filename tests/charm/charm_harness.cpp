#include "charm/charm_harness.hpp"

#include <filesystem>
#include <fstream>

#include <slurmctld/juju/log_forwarding.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/util/log.hpp>

#include "support/juju_commit.hpp"

namespace charm_tests {

using slurmctld::juju::HookContext;
using testing_support::FakeHost;
using testing_support::FakeRelation;
using testing_support::State;

namespace {

nlohmann::json default_config() {
    return {{"cluster-name", ""},
            {"default-partition", ""},
            {"slurm-conf-parameters", ""},
            {"cgroup-parameters", ""},
            {"email-from-name", "Charmed HPC Admin"},
            {"use-network-state", false}};
}

/// The charm's own files a unit reads from its charm directory (cos-agent rules and
/// dashboards), as pack-charm.sh lays them out.
void add_charm_files(FakeHost& host) {
    const std::filesystem::path source = std::filesystem::path(PROJECT_SOURCE_DIR) / "src/cos";
    for (const auto& entry : std::filesystem::recursive_directory_iterator(source)) {
        if (entry.is_regular_file()) {
            std::ifstream in(entry.path());
            const std::string text((std::istreambuf_iterator<char>(in)),
                                   std::istreambuf_iterator<char>());
            host.add_file(std::string(kCharmDir) + "/src/cos/" +
                              entry.path().lexically_relative(source).string(),
                          text);
        }
    }
    std::ifstream packed(std::string(TEST_BINARY_DIR) + "/../cos/grafana_dashboards.packed.json");
    const std::string text((std::istreambuf_iterator<char>(packed)),
                           std::istreambuf_iterator<char>());
    host.add_file(std::string(kCharmDir) + "/src/cos/grafana_dashboards.packed.json", text);
}

}  // namespace

void serve_influxdb(FakeHost& host, const std::string& endpoint,
                    std::shared_ptr<test_charms::InfluxdbModel> influxdb) {
    host.http_servers[endpoint] = [influxdb](const slurmctld::util::http::Request& request) {
        std::string authorization;
        for (const auto& [name, value] : request.headers) {
            if (name == "Authorization") {
                authorization = value;
            }
        }
        return influxdb->handle(request.method, request.target, authorization, request.body);
    };
}

TestCluster::TestCluster(int units, bool shared_fs, std::string slurm_package_version)
    : slurm_package_version_(std::move(slurm_package_version)) {
    if (shared_fs) {
        statefs_ = std::make_shared<testing_support::FakeFileSystem>();
    }
    for (int i = 0; i < units; ++i) {
        add_unit();
    }
    units_.front().state.leader = true;
}

int TestCluster::add_unit() {
    const int number = next_unit_number_++;
    TestUnit unit;
    unit.name = "slurmctld/" + std::to_string(number);
    unit.host = std::make_unique<FakeHost>("juju-5f2a1c-" + std::to_string(number));
    unit.host->add_slurm_packages_to_archive(slurm_package_version_);
    // scontrol answers as that release does ("22.05.8-4+deb12u3" -> "22.05.8").
    unit.host->slurm.version = slurm_package_version_.substr(0, slurm_package_version_.find('-'));
    unit.host->container = "lxc";  // jujusim and LXD machines are containers
    add_charm_files(*unit.host);
    unit.state.unit_name = unit.name;
    unit.state.config = default_config();
    if (!units_.empty()) {
        // Same application: the same app-owned secrets.
        unit.state.secrets = units_.front().state.secrets;
    }
    units_.push_back(std::move(unit));
    for (auto& each : units_) {
        each.state.planned_units.clear();
        for (const auto& member : units_) {
            each.state.planned_units[member.name] = "active";
        }
    }
    return static_cast<int>(units_.size()) - 1;
}

void TestCluster::join_peers(int index) {
    auto& unit = this->unit(index);
    if (unit.state.find_relation(kPeerRelationId) != nullptr) {
        return;
    }
    auto& peer = unit.state.add_peer_relation("slurmctld-peer", kPeerRelationId);
    peer.interface = "slurmctld-peer";
    // Juju puts the unit's addresses in its databag.
    const std::string address = "10.0.0." + std::to_string(10 + index);
    peer.local_unit_data["ingress-address"] = address;
    peer.local_unit_data["private-address"] = address;
    peer.local_unit_data["egress-subnets"] = address + "/32";
    for (auto& other : units_) {
        auto* other_peer = other.state.find_relation(kPeerRelationId);
        if (other.name == unit.name || other_peer == nullptr) {
            continue;
        }
        // Both sides see each other in scope from now on (joined), data as committed.
        peer.local_app_data = other_peer->local_app_data;
        peer.remote_units_data[other.name] = other_peer->local_unit_data;
        other_peer->remote_units_data[unit.name] = {};
    }
    if (auto* mount = units_.front().state.find_relation(kMountRelationId);
        mount != nullptr && unit.state.find_relation(kMountRelationId) == nullptr) {
        auto copy = *mount;
        copy.remote_units_data.clear();
        copy.local_app_data.clear();
        unit.state.add_relation(copy);
    }
}

HookContext TestCluster::context_for(const TestUnit& unit, const std::string& hook,
                                     const EventSource& source) const {
    slurmctld::juju::Environment env{
        {"JUJU_UNIT_NAME", unit.name},
        {"JUJU_MODEL_NAME", unit.state.model_name},
        {"JUJU_MODEL_UUID", unit.state.model_uuid},
        {"JUJU_VERSION", "3.6.12"},
        {"JUJU_CHARM_DIR", kCharmDir},
    };
    if (hook.rfind("actions/", 0) == 0) {
        env["JUJU_DISPATCH_PATH"] = hook;
        env["JUJU_HOOK_NAME"] = "";
        env["JUJU_ACTION_NAME"] = hook.substr(8);
        env["JUJU_ACTION_UUID"] = "1";
    } else {
        env["JUJU_DISPATCH_PATH"] = "hooks/" + hook;
        env["JUJU_HOOK_NAME"] = hook;
    }
    if (source.relation_id >= 0) {
        env["JUJU_RELATION"] = source.endpoint;
        env["JUJU_RELATION_ID"] = source.endpoint + ":" + std::to_string(source.relation_id);
        env["JUJU_REMOTE_APP"] = source.remote_app;
        env["JUJU_REMOTE_UNIT"] = source.remote_unit;
        env["JUJU_DEPARTING_UNIT"] = source.departing_unit;
    }
    if (!source.secret_id.empty()) {
        env["JUJU_SECRET_ID"] = source.secret_id;
        env["JUJU_SECRET_LABEL"] = source.secret_label;
        if (source.secret_revision > 0) {
            env["JUJU_SECRET_REVISION"] = std::to_string(source.secret_revision);
        }
    }
    return HookContext::from_environment(env, "dispatch");
}

TestCluster TestCluster::clone() const {
    TestCluster copy;
    testing_support::FakeHost::FileSystemCopies copies;
    copy.statefs_ = testing_support::FakeHost::copy_of(statefs_, copies);
    for (const auto& unit : units_) {
        TestUnit each;
        each.name = unit.name;
        each.state = unit.state;
        each.host = unit.host->clone(copies);
        each.last_exit_code = unit.last_exit_code;
        each.tool_calls = unit.tool_calls;
        copy.units_.push_back(std::move(each));
    }
    copy.next_unit_number_ = next_unit_number_;
    return copy;
}

void TestCluster::sync_controllers() {
    // Every machine's scontrol sees the others' controllers as they are now.
    for (auto& each : units_) {
        for (auto& other : units_) {
            if (&each != &other) {
                const auto found = other.host->services.find("slurmctld");
                each.host->slurm.remote_up[other.host->short_hostname()] =
                    found != other.host->services.end() && found->second.active;
            }
        }
    }
}

int TestCluster::run(int index, const std::string& hook, const EventSource& source,
                     const nlohmann::json& action_params) {
    sync_controllers();
    auto& unit = this->unit(index);
    if (hook.rfind("actions/", 0) == 0) {
        unit.state.start_action(hook.substr(8), action_params);
    } else {
        unit.state.action.reset();
    }
    const testing_support::State before = unit.state;
    testing_support::FakeHookTools fake(unit.state);
    if (crash_plan != nullptr) {
        fake.before_call = [this](const std::string& tool) { crash_plan->step("tool " + tool); };
        unit.host->before_change = [this](const std::string& change) {
            crash_plan->step("host " + change);
        };
    }
    slurmctld::juju::CachingHookTools tools(fake, unit.name);
    const auto context = context_for(unit, hook, source);
    try {
        const slurmctld::juju::JujuLogForwarding forwarding(tools);  // warnings reach juju-log
        std::function<void()> after_commit;
        unit.last_exit_code = slurmctld::juju::run_hook(
            context, tools,
            [&] { after_commit = slurmctld::charm::run_charm(context, tools, *unit.host); },
            [&] {
                if (after_commit) {
                    after_commit();
                }
            });
    } catch (const testing_support::InjectedCrash&) {
        unit.last_exit_code = 137;  // killed: what Juju sees of a hook that died
    }
    if (crash_plan != nullptr && crash_plan->crashed()) {
        unit.last_exit_code = 137;  // an action's runner reports failures itself: it died
    }
    unit.host->before_change = nullptr;
    unit.tool_calls = fake.total_calls();
    unit.state = fake.state();
    if (unit.last_exit_code != 0) {
        testing_support::discard_failed_hook_writes(unit.state, before);
    }
    propagate(index);
    sync_controllers();
    return unit.last_exit_code;
}

void TestCluster::propagate(int from) {
    auto& source = unit(from);
    if (source.state.leader) {
        for (auto& other : units_) {
            if (other.name != source.name) {
                other.state.secrets = source.state.secrets;
            }
        }
    }
    auto* source_peer = source.state.find_relation(kPeerRelationId);
    if (source_peer == nullptr) {
        return;
    }
    const auto& peer = *source_peer;
    for (auto& other : units_) {
        auto* found = other.state.find_relation(kPeerRelationId);
        if (other.name == source.name || found == nullptr) {
            continue;
        }
        auto& other_peer = *found;
        if (other_peer.remote_units_data.count(source.name) != 0) {
            other_peer.remote_units_data[source.name] = peer.local_unit_data;
        }
        if (source.state.leader) {
            other_peer.local_app_data = peer.local_app_data;
        }
    }
}

void TestCluster::deploy() {
    for (std::size_t i = 0; i < units_.size(); ++i) {
        const int index = static_cast<int>(i);
        run(index, "install");
        join_peers(index);
        run(index, "slurmctld-peer-relation-created",
            {kPeerRelationId, "slurmctld-peer", "slurmctld", "", ""});
        run(index, unit(index).state.leader ? "leader-elected" : "leader-settings-changed");
        run(index, "config-changed");
        run(index, "start");
    }
    settle();
}

void TestCluster::settle(int rounds) {
    for (int round = 0; round < rounds; ++round) {
        for (std::size_t i = 0; i < units_.size(); ++i) {
            const int index = static_cast<int>(i);
            // Peer data changed by the others reaches this unit as relation-changed.
            auto* peer = unit(index).state.find_relation(kPeerRelationId);
            for (const auto& other : units_) {
                if (peer != nullptr && other.name != unit(index).name &&
                    peer->remote_units_data.count(other.name) != 0) {
                    run(index, "slurmctld-peer-relation-changed",
                        {kPeerRelationId, "slurmctld-peer", "slurmctld", other.name, ""});
                }
            }
            run(index, "update-status");
        }
    }
}

void TestCluster::integrate_mount() {
    for (std::size_t i = 0; i < units_.size(); ++i) {
        auto& unit = units_[i];
        FakeRelation relation;
        relation.endpoint = "mount";
        relation.id = kMountRelationId;
        relation.interface = "mount_info";
        relation.remote_app = "checkpoint";
        relation.remote_units_data["checkpoint/" + std::to_string(i)] = {};
        if (unit.state.find_relation(kMountRelationId) == nullptr) {
            unit.state.add_relation(relation);
        }
        run(static_cast<int>(i), "mount-relation-created",
            {kMountRelationId, "mount", "checkpoint", "", ""});
    }
    for (std::size_t i = 0; i < units_.size(); ++i) {
        auto& unit = units_[i];
        unit.host->mount("/srv/slurmctld-statefs", statefs_);
        const std::string sub = "checkpoint/" + std::to_string(i);
        unit.state.relation(kMountRelationId).remote_units_data[sub] = {{"mounted", "true"}};
        run(static_cast<int>(i), "mount-relation-changed",
            {kMountRelationId, "mount", "checkpoint", sub, ""});
    }
}

void TestCluster::remove_unit(int index) {
    const std::string name = unit(index).name;
    for (const auto& other : units_) {
        if (other.name != name) {
            run(index, "slurmctld-peer-relation-departed",
                {kPeerRelationId, "slurmctld-peer", "slurmctld", other.name, name});
        }
    }
    run(index, "stop");
    run(index, "remove");
    units_.erase(units_.begin() + index);
    for (auto& each : units_) {
        each.state.relation(kPeerRelationId).remote_units_data.erase(name);
        each.state.planned_units.erase(name);
    }
    for (std::size_t i = 0; i < units_.size(); ++i) {
        run(static_cast<int>(i), "slurmctld-peer-relation-departed",
            {kPeerRelationId, "slurmctld-peer", "slurmctld", name, name});
    }
}

}  // namespace charm_tests
