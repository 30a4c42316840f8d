// The hook-tool contract: the same tool invocations, against the same model state, through the
// fake (run_fake_tool over FakeHookTools: what the charm's unit tests and fake-hook-tool answer)
// and through jujusim's tool server. Both must print exactly what Juju 3.6 prints (the expected
// values, from juju.md §2 and juju/juju's jujuc sources), so they agree with
// Juju and with each other. Each case runs in a fresh world; a case may take several steps in
// one hook (a write, then a read that must see it).
#include "tool_contract.hpp"

#include <regex>

#include <gtest/gtest.h>

#include <jujusim/tool_server.hpp>

#include "support/fake_tool_server.hpp"

namespace contract {

namespace {

using jujusim::HookKind;
using jujusim::RelationRole;
using jujusim::RelationScope;
using nlohmann::json;
using testing_support::ToolAnswer;

constexpr const char* kUuid = "cdac5656-2423-4388-8f30-41854b4cca7d";
constexpr double kSince = 1735689600;  // 2025-01-01 00:00:00Z, the fake's goal-state "since"

// ---- the world, once -------------------------------------------------------------------------

using Bag = std::map<std::string, std::string>;

Bag addresses(const std::string& address) {
    return {{"egress-subnets", address + "/32"},
            {"ingress-address", address},
            {"private-address", address}};
}
Bag with(Bag bag, const Bag& more) {
    bag.insert(more.begin(), more.end());
    return bag;
}

const Bag kPeerAppData{{"cluster_name", "\"osd\""}};
const Bag kOwnPeerData = with(addresses("10.0.0.10"), {{"hostname", "\"juju-abc-0\""}});
const Bag kPeerUnitData = with(addresses("10.0.0.11"), {{"hostname", "\"juju-abc-1\""}});
const Bag kSlurmdAppData{{"partition", R"({"partitionname": "batch", "x": "<&>"})"}};
const Bag kSlurmd0Data = with(addresses("10.0.0.12"), {{"node", "n0"}});
const Bag kSlurmd1Data = with(addresses("10.0.0.13"), {{"node", "n1"}});
const Bag kOwnSlurmdData = addresses("10.0.0.10");
const Bag kOwnSlurmdAppData{{"cluster_name", "\"osd\""}};
const json kConfigSet{{"default-partition", "batch"}};
const json kConfigEffective{{"cluster-name", "osd"},
                            {"default-partition", "batch"},
                            {"port", 6817},
                            {"use-network-state", false}};
const json kActionParams{{"format", "yaml"}, {"nested", {{"a", "b"}}}};

testing_support::State fake_world(const Hook& hook) {
    testing_support::State state;
    state.unit_name = "slurmctld/0";
    state.model_uuid = kUuid;
    state.leader = hook.leader;
    state.config = kConfigEffective;
    auto& peer = state.add_peer_relation("slurmctld-peer", 1);
    peer.local_app_data = kPeerAppData;
    peer.local_unit_data = kOwnPeerData;
    peer.remote_units_data["slurmctld/1"] = kPeerUnitData;
    auto& slurmd = state.add_relation("slurmd", 3, "slurmd");
    slurmd.local_app_data = kOwnSlurmdAppData;
    slurmd.local_unit_data = kOwnSlurmdData;
    slurmd.remote_app_data = kSlurmdAppData;
    slurmd.remote_units_data["slurmd/0"] = kSlurmd0Data;
    slurmd.remote_units_data["slurmd/1"] = kSlurmd1Data;
    state.leader_settings = {{"leader", "slurmctld/0"}};
    state.unit_state = {{"alpha", "1"}};
    state.unit_status = {"active", "ready"};
    state.app_status = {"active", "ready"};
    state.opened_ports = {"6817/tcp"};
    state.private_address = "10.0.0.10";
    state.bindings = {"slurmctld-peer", "slurmd"};
    state.public_address = "10.0.0.10";
    state.planned_units = {{"slurmctld/0", "active"}, {"slurmctld/1", "active"}};
    testing_support::FakeSecret own;
    own.id = kOwnSecret;
    own.owner = "application";
    own.label = "auth-key";
    own.revisions[1] = {{"key", "s3cret!"}};
    state.add_secret(own);
    auto& remote =
        state.add_remote_secret(kRemoteSecret, {{1, {{"token", "t1"}}}, {2, {{"token", "t2"}}}});
    remote.tracked_revisions["slurmctld/0"] = 1;
    remote.grants[3] = {"slurmctld"};
    if (hook.action) {
        state.start_action("show", kActionParams);
    }
    return state;
}

testing_support::HookEnv fake_env(const Hook& hook) {
    if (hook.relation_id < 0) {
        return {};
    }
    return {{"JUJU_RELATION", "slurmd"},
            {"JUJU_RELATION_ID", "slurmd:" + std::to_string(hook.relation_id)},
            {"JUJU_REMOTE_UNIT", hook.remote_unit},
            {"JUJU_REMOTE_APP", "slurmd"}};
}

jujusim::Unit sim_unit(const std::string& name, const std::string& machine) {
    jujusim::Unit unit;
    unit.name = name;
    unit.app = jujusim::app_of(name);
    unit.number = jujusim::number_of(name);
    unit.machine = machine;
    unit.workload = jujusim::StatusValue{"active", "ready", kSince, json::object()};
    unit.installed = unit.started = true;
    return unit;
}

jujusim::Relation sim_relation(int id, std::vector<jujusim::RelationEnd> ends) {
    jujusim::Relation relation;
    relation.id = id;
    relation.ends = std::move(ends);
    relation.created_at = kSince;
    return relation;
}

jujusim::CharmMetas sim_metas() {
    jujusim::CharmMeta slurmctld;
    slurmctld.name = "slurmctld";
    slurmctld.endpoints["slurmctld-peer"] = {
        "slurmctld-peer", "slurmctld-peer", RelationRole::Peer, RelationScope::Global, 0, false};
    slurmctld.endpoints["slurmd"] = {
        "slurmd", "slurmd", RelationRole::Provider, RelationScope::Global, 0, false};
    slurmctld.config["cluster-name"] = {"string", "osd", ""};
    slurmctld.config["port"] = {"int", 6817, ""};
    slurmctld.config["default-partition"] = {"string", nullptr, ""};
    slurmctld.config["use-network-state"] = {"boolean", false, ""};
    slurmctld.config["extra"] = {"string", nullptr, ""};
    jujusim::CharmMeta slurmd;
    slurmd.name = "slurmd";
    slurmd.endpoints["slurmctld"] = {"slurmctld",           "slurmd", RelationRole::Requirer,
                                     RelationScope::Global, 0,        false};
    return {{"slurmctld", slurmctld}, {"slurmd", slurmd}};
}

jujusim::Model sim_world(const Hook& hook) {
    jujusim::Model model;
    model.name = "hpc";
    model.uuid = kUuid;
    model.machine_type = jujusim::MachineType::Host;
    for (const auto& [id, address] : {std::pair{"0", "10.0.0.10"},
                                      {"1", "10.0.0.11"},
                                      {"2", "10.0.0.12"},
                                      {"3", "10.0.0.13"}}) {
        jujusim::MachineRecord machine;
        machine.id = id;
        machine.address = address;
        model.machines[id] = machine;
    }
    auto& slurmctld = model.apps["slurmctld"];
    slurmctld.name = "slurmctld";
    slurmctld.leader = hook.leader ? "slurmctld/0" : "slurmctld/1";
    slurmctld.leader_settings = {{"leader", "slurmctld/0"}};
    slurmctld.config = kConfigSet;
    slurmctld.status_set = true;
    slurmctld.status = jujusim::StatusValue{"active", "ready", kSince, json::object()};
    model.apps["slurmd"].name = "slurmd";
    model.units["slurmctld/0"] = sim_unit("slurmctld/0", "0");
    model.units["slurmctld/1"] = sim_unit("slurmctld/1", "1");
    model.units["slurmd/0"] = sim_unit("slurmd/0", "2");
    model.units["slurmd/1"] = sim_unit("slurmd/1", "3");

    auto peer = sim_relation(1, {{"slurmctld", "slurmctld-peer", "slurmctld-peer",
                                  RelationRole::Peer, RelationScope::Global}});
    peer.app_data["slurmctld"] = kPeerAppData;
    peer.unit_data = {{"slurmctld/0", kOwnPeerData}, {"slurmctld/1", kPeerUnitData}};
    peer.in_scope = {"slurmctld/0", "slurmctld/1"};
    model.relations[1] = peer;
    auto slurmd = sim_relation(
        3, {{"slurmctld", "slurmd", "slurmd", RelationRole::Provider, RelationScope::Global},
            {"slurmd", "slurmctld", "slurmd", RelationRole::Requirer, RelationScope::Global}});
    slurmd.app_data = {{"slurmctld", kOwnSlurmdAppData}, {"slurmd", kSlurmdAppData}};
    slurmd.unit_data = {
        {"slurmctld/0", kOwnSlurmdData}, {"slurmd/0", kSlurmd0Data}, {"slurmd/1", kSlurmd1Data}};
    slurmd.in_scope = {"slurmctld/0", "slurmd/0", "slurmd/1"};
    model.relations[3] = slurmd;
    auto& seen = model.units["slurmctld/0"].relations;
    seen[1].created = true;
    seen[1].joined = {"slurmctld/1"};
    seen[3].created = true;
    seen[3].joined = {"slurmd/0", "slurmd/1"};
    model.units["slurmctld/0"].state = {{"alpha", "1"}};
    model.units["slurmctld/0"].ports = {"6817/tcp"};

    jujusim::Secret own;
    own.id = kOwnSecret;
    own.owner = "slurmctld";
    own.label = "auth-key";
    own.revisions["1"] = json{{"key", "s3cret!"}};
    own.latest = 1;
    model.secrets[kOwnSecret] = own;
    jujusim::Secret remote;
    remote.id = kRemoteSecret;
    remote.owner = "slurmd";
    remote.revisions = {{"1", json{{"token", "t1"}}}, {"2", json{{"token", "t2"}}}};
    remote.latest = 2;
    remote.grants = {jujusim::SecretGrant{3, "slurmctld"}};
    remote.consumers["slurmctld/0"] = jujusim::ConsumedSecret{1, "", 1};
    model.secrets[kRemoteSecret] = remote;

    if (hook.action) {
        jujusim::Action action;
        action.id = 1;
        action.unit = "slurmctld/0";
        action.name = "show";
        action.params = kActionParams;
        model.actions[1] = action;
    }
    return model;
}

jujusim::HookContext sim_context(const Hook& hook) {
    jujusim::HookContext ctx;
    ctx.unit = "slurmctld/0";
    ctx.context_id = "slurmctld/0-contract-1";
    if (hook.action) {
        ctx.is_action = true;
        ctx.op.kind = HookKind::Action;
        ctx.op.hook = "show";
        ctx.op.action_id = 1;
    } else if (hook.relation_id >= 0) {
        ctx.op.kind = HookKind::RelationChanged;
        ctx.op.hook = jujusim::hook_name(HookKind::RelationChanged, "slurmd");
        ctx.op.relation_id = hook.relation_id;
        ctx.op.endpoint = "slurmd";
        ctx.op.remote_unit = hook.remote_unit;
        ctx.op.remote_app = "slurmd";
    } else {
        ctx.op.kind = HookKind::UpdateStatus;
        ctx.op.hook = "update-status";
    }
    return ctx;
}

class QuietEffects final : public jujusim::ToolEffects {
  public:
    void changed() override {}
    void log(const std::string&, const std::string&, const std::string&,
             const std::string&) override {}
    double now() const override { return kSince; }
};

// ---- running a case through both -------------------------------------------------------------

/// Secret ids are made up by each implementation: compare them as <id>.
std::string normalised(std::string text) {
    static const std::regex kNewSecret(std::string("secret://") + kUuid + "/[0-9a-z]{20}");
    return std::regex_replace(text, kNewSecret, "secret://<uuid>/<id>");
}

std::vector<ToolAnswer> run_fake(const Case& c) {
    testing_support::FakeHookTools tools(fake_world(c.hook));
    std::vector<ToolAnswer> answers;
    for (const auto& step : c.steps) {
        const std::vector<std::string> args(step.argv.begin() + 1, step.argv.end());
        auto answer = testing_support::run_fake_tool(tools, step.argv[0], args, fake_env(c.hook),
                                                     [&] { return step.stdin_text.value_or(""); });
        answer.stdin_text.reset();
        answers.push_back(answer);
    }
    return answers;
}

std::vector<ToolAnswer> run_jujusim(const Case& c) {
    auto model = sim_world(c.hook);
    const auto metas = sim_metas();
    QuietEffects effects;
    jujusim::ToolServer server(model, metas, effects);
    auto ctx = sim_context(c.hook);
    std::vector<ToolAnswer> answers;
    for (const auto& step : c.steps) {
        const std::vector<std::string> args(step.argv.begin() + 1, step.argv.end());
        bool needs_stdin = false;
        auto result = server.run(ctx, step.argv[0], args, std::nullopt, &needs_stdin);
        if (needs_stdin) {  // what jujuc does: send stdin and ask again
            needs_stdin = false;
            result =
                server.run(ctx, step.argv[0], args, step.stdin_text.value_or(""), &needs_stdin);
        }
        answers.push_back(ToolAnswer{result.exit_code, result.out, result.err, std::nullopt});
    }
    return answers;
}

void expect_juju_answers(const Case& c, const std::vector<ToolAnswer>& answers,
                         const std::string& who) {
    ASSERT_EQ(answers.size(), c.steps.size());
    for (std::size_t i = 0; i < c.steps.size(); ++i) {
        const auto& step = c.steps[i];
        std::string command;
        for (const auto& word : step.argv) {
            command += word + " ";
        }
        EXPECT_EQ(answers[i].exit_code, step.exit_code) << who << ": " << command;
        EXPECT_EQ(normalised(answers[i].stdout_text), step.out) << who << ": " << command;
        EXPECT_EQ(answers[i].stderr_text, step.err) << who << ": " << command;
    }
}

class ToolContractTest : public ::testing::TestWithParam<Case> {};

TEST_P(ToolContractTest, FakeAndJujusimAnswerAsJujuDoes) {
    const Case& c = GetParam();
    const auto fake = run_fake(c);
    const auto sim = run_jujusim(c);
    expect_juju_answers(c, fake, "fake");
    expect_juju_answers(c, sim, "jujusim");
}

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
    return info.param.name;
}

// network-get's whole answer through jujusim only: the fake's network model holds addresses
// but no MAC address or CIDR. Juju prints its display structs in field order; JSON has no
// legacy keys, YAML keeps macaddress, interfacename and address.
TEST(ToolContractTest, JujusimNetworkGetPrintsJujusStructs) {
    const std::string bind =
        R"({"mac-address":"00:16:3e:00:00:00","interface-name":"eth0","addresses":)"
        R"([{"hostname":"","value":"10.0.0.10","cidr":"10.0.0.0/24"}]})";
    Case c{"NetworkGetAll",
           {},
           {call({"network-get", "--format=json", "slurmd"},
                 R"({"bind-addresses":[)" + bind +
                     R"(],"egress-subnets":["10.0.0.10/32"],"ingress-addresses":["10.0.0.10"]})" +
                     "\n")}};
    expect_juju_answers(c, run_jujusim(c), "jujusim");
    const auto yaml = run_jujusim(Case{"NetworkGetYaml", {}, {call({"network-get", "slurmd"})}});
    EXPECT_NE(yaml[0].stdout_text.find("macaddress: 00:16:3e:00:00:00"), std::string::npos)
        << yaml[0].stdout_text;
    EXPECT_NE(yaml[0].stdout_text.find("address: 10.0.0.10"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Juju36, ToolContractTest, ::testing::ValuesIn(contract_cases()),
                         case_name);

}  // namespace

}  // namespace contract
