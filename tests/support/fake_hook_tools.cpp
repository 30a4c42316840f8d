// FakeHookTools: the in-memory model of Juju state (see the header).
#include "fake_hook_tools.hpp"

#include <algorithm>
#include <regex>
#include <stdexcept>

#include <fmt/format.h>

#include <slurmctld/juju/context.hpp>

namespace testing_support {

using nlohmann::json;
using slurmctld::juju::application_of;
using slurmctld::juju::HookToolError;
using slurmctld::juju::is_unit_name;

namespace {

constexpr const char* goal_state_since = "2025-01-01 00:00:00Z";

/// "ERROR <message>\n" with the exit code Juju's cmd.Main gives (1 runtime, 2 usage).
[[noreturn]] void fail(const std::string& tool, int exit_code, const std::string& message) {
    throw HookToolError(tool, exit_code, "ERROR " + message + "\n");
}

std::string bare_secret_id(std::string_view id) {
    const auto cut = id.find_last_of(":/");
    return std::string(cut == std::string_view::npos ? id : id.substr(cut + 1));
}

void merge(Databag& target, const Databag& changes) {
    for (const auto& [key, value] : changes) {
        if (value.empty()) {
            target.erase(key);
        } else {
            target[key] = value;
        }
    }
}

void validate_secret_keys(const std::string& tool, const SecretContent& content) {
    static const std::regex pattern("^([a-z](?:-?[a-z0-9]){2,})$");
    for (const auto& [key, value] : content) {
        if (!std::regex_match(key, pattern)) {
            fail(tool, 2, fmt::format("key \"{}\" not valid", key));
        }
    }
}

}  // namespace

// ---- State ---------------------------------------------------------------------------------

int FakeSecret::latest_revision() const {
    return revisions.empty() ? 0 : revisions.rbegin()->first;
}

std::string State::app_name() const {
    return application_of(unit_name);
}

FakeRelation& State::add_relation(FakeRelation relation) {
    if (relation.peer && relation.remote_app.empty()) {
        relation.remote_app = app_name();
    }
    relations.push_back(std::move(relation));
    return relations.back();
}

FakeRelation& State::add_relation(std::string endpoint, int id, std::string remote_app) {
    FakeRelation relation;
    relation.endpoint = std::move(endpoint);
    relation.id = id;
    relation.remote_app = std::move(remote_app);
    return add_relation(std::move(relation));
}

FakeRelation& State::add_peer_relation(std::string endpoint, int id) {
    FakeRelation relation;
    relation.endpoint = std::move(endpoint);
    relation.id = id;
    relation.peer = true;
    return add_relation(std::move(relation));
}

FakeSecret& State::add_owned_secret(std::string owner, std::string label, SecretContent content) {
    FakeSecret secret;
    secret.owner = std::move(owner);
    secret.label = std::move(label);
    secret.revisions[1] = std::move(content);
    return add_secret(std::move(secret));
}

FakeSecret& State::add_remote_secret(std::string id, std::map<int, SecretContent> revisions) {
    FakeSecret secret;
    secret.id = std::move(id);
    secret.revisions = std::move(revisions);
    return add_secret(std::move(secret));
}

FakeAction& State::start_action(std::string name, nlohmann::json params) {
    action = FakeAction{};
    action->name = std::move(name);
    action->params = std::move(params);
    return *action;
}

FakeRelation* State::find_relation(int id) {
    const auto found = std::find_if(relations.begin(), relations.end(),
                                    [&](const FakeRelation& r) { return r.id == id; });
    return found == relations.end() ? nullptr : &*found;
}

FakeRelation& State::relation(int id) {
    if (auto* found = find_relation(id)) {
        return *found;
    }
    throw std::out_of_range(fmt::format("no relation with id {} in the fake state", id));
}

const FakeRelation& State::relation(int id) const {
    const auto found = std::find_if(relations.begin(), relations.end(),
                                    [&](const FakeRelation& r) { return r.id == id; });
    if (found == relations.end()) {
        throw std::out_of_range(fmt::format("no relation with id {} in the fake state", id));
    }
    return *found;
}

FakeRelation* State::find_relation(const std::string& endpoint) {
    const auto found = std::find_if(relations.begin(), relations.end(),
                                    [&](const FakeRelation& r) { return r.endpoint == endpoint; });
    return found == relations.end() ? nullptr : &*found;
}

FakeSecret& State::add_secret(FakeSecret secret) {
    if (secret.id.empty()) {
        int n = static_cast<int>(secrets.size()) + 1;
        do {
            secret.id = fmt::format("cq{:018d}", n++);
        } while (find_secret(secret.id) != nullptr);
    }
    secrets.push_back(std::move(secret));
    return secrets.back();
}

FakeSecret* State::find_secret(std::string_view id_or_uri) {
    const auto bare = bare_secret_id(id_or_uri);
    const auto found = std::find_if(secrets.begin(), secrets.end(),
                                    [&](const FakeSecret& s) { return s.id == bare; });
    return found == secrets.end() ? nullptr : &*found;
}

const FakeSecret* State::find_secret(std::string_view id_or_uri) const {
    const auto bare = bare_secret_id(id_or_uri);
    const auto found = std::find_if(secrets.begin(), secrets.end(),
                                    [&](const FakeSecret& s) { return s.id == bare; });
    return found == secrets.end() ? nullptr : &*found;
}

FakeSecret* State::find_secret_by_label(std::string_view label) {
    for (auto& secret : secrets) {
        const auto consumer = secret.consumer_labels.find(unit_name);
        const bool owned = !secret.owner.empty();
        if ((owned && secret.label == label) ||
            (!owned && consumer != secret.consumer_labels.end() && consumer->second == label)) {
            return &secret;
        }
    }
    return nullptr;
}

// ---- JSON form of State (fake-hook-tool's world file) ----------------------------------------

namespace {

json status_json(const slurmctld::juju::Status& status) {
    return {{"status", status.state}, {"message", status.message}};
}

slurmctld::juju::Status status_from(const json& in) {
    return {in.value("status", "unknown"), in.value("message", "")};
}

}  // namespace

void to_json(json& out, const State& state) {
    out = json::object();
    out["unit_name"] = state.unit_name;
    out["model_name"] = state.model_name;
    out["model_uuid"] = state.model_uuid;
    out["leader"] = state.leader;
    out["config"] = state.config;
    json relations = json::array();
    for (const auto& r : state.relations) {
        relations.push_back({{"endpoint", r.endpoint},
                             {"id", r.id},
                             {"interface", r.interface},
                             {"remote_app", r.remote_app},
                             {"peer", r.peer},
                             {"local_app_data", r.local_app_data},
                             {"local_unit_data", r.local_unit_data},
                             {"remote_app_data", r.remote_app_data},
                             {"remote_units_data", r.remote_units_data},
                             {"departed_units_data", r.departed_units_data}});
    }
    out["relations"] = relations;
    json secrets = json::array();
    for (const auto& s : state.secrets) {
        json revisions = json::object();
        for (const auto& [revision, content] : s.revisions) {
            revisions[std::to_string(revision)] = content;
        }
        json grants = json::object();
        for (const auto& [relation, grantees] : s.grants) {
            grants[std::to_string(relation)] = grantees;
        }
        secrets.push_back({{"id", s.id},
                           {"owner", s.owner},
                           {"label", s.label},
                           {"description", s.description},
                           {"revisions", revisions},
                           {"tracked_revisions", s.tracked_revisions},
                           {"consumer_labels", s.consumer_labels},
                           {"grants", grants},
                           {"removed_revisions", s.removed_revisions}});
    }
    out["secrets"] = secrets;
    out["removed_secrets"] = state.removed_secrets;
    out["leader_settings"] = state.leader_settings;
    out["unit_state"] = state.unit_state;
    out["planned_units"] = state.planned_units;
    out["unit_status"] = status_json(state.unit_status);
    out["app_status"] = status_json(state.app_status);
    json unit_history = json::array();
    for (const auto& s : state.unit_status_history) {
        unit_history.push_back(status_json(s));
    }
    out["unit_status_history"] = unit_history;
    json app_history = json::array();
    for (const auto& s : state.app_status_history) {
        app_history.push_back(status_json(s));
    }
    out["app_status_history"] = app_history;
    out["workload_version"] = state.workload_version;
    json log = json::array();
    for (const auto& line : state.juju_log) {
        log.push_back({{"level", line.level}, {"message", line.message}});
    }
    out["juju_log"] = log;
    if (state.action) {
        out["action"] = {{"name", state.action->name},
                         {"params", state.action->params},
                         {"results", state.action->results},
                         {"logs", state.action->logs}};
        if (state.action->failure) {
            out["action"]["failure"] = *state.action->failure;
        }
    } else {
        out["action"] = nullptr;
    }
    out["opened_ports"] = state.opened_ports;
    out["private_address"] = state.private_address;
    out["public_address"] = state.public_address;
    json networks = json::object();
    for (const auto& [binding, info] : state.networks) {
        networks[binding] = {{"ingress_addresses", info.ingress_addresses},
                             {"egress_subnets", info.egress_subnets},
                             {"bind_addresses", info.bind_addresses}};
    }
    out["networks"] = networks;
    out["bindings"] = state.bindings;
    json failures = json::object();
    for (const auto& [tool, failure] : state.failures) {
        failures[tool] = {{"exit_code", failure.exit_code}, {"stderr", failure.stderr_text}};
    }
    out["failures"] = failures;
}

void from_json(const json& in, State& state) {
    state = State{};
    state.unit_name = in.value("unit_name", state.unit_name);
    state.model_name = in.value("model_name", state.model_name);
    state.model_uuid = in.value("model_uuid", state.model_uuid);
    state.leader = in.value("leader", false);
    state.config = in.value("config", json::object());
    for (const auto& r : in.value("relations", json::array())) {
        FakeRelation relation;
        relation.endpoint = r.value("endpoint", "");
        relation.id = r.value("id", 0);
        relation.interface = r.value("interface", "");
        relation.remote_app = r.value("remote_app", "");
        relation.peer = r.value("peer", false);
        relation.local_app_data = r.value("local_app_data", Databag{});
        relation.local_unit_data = r.value("local_unit_data", Databag{});
        relation.remote_app_data = r.value("remote_app_data", Databag{});
        relation.remote_units_data = r.value("remote_units_data", std::map<std::string, Databag>{});
        relation.departed_units_data =
            r.value("departed_units_data", std::map<std::string, Databag>{});
        state.add_relation(std::move(relation));
    }
    for (const auto& s : in.value("secrets", json::array())) {
        FakeSecret secret;
        secret.id = s.value("id", "");
        secret.owner = s.value("owner", "");
        secret.label = s.value("label", "");
        secret.description = s.value("description", "");
        const auto revisions = s.value("revisions", json::object());
        for (const auto& [revision, content] : revisions.items()) {
            secret.revisions[std::stoi(revision)] = content.get<SecretContent>();
        }
        secret.tracked_revisions = s.value("tracked_revisions", std::map<std::string, int>{});
        secret.consumer_labels = s.value("consumer_labels", std::map<std::string, std::string>{});
        const auto grants = s.value("grants", json::object());
        for (const auto& [relation, grantees] : grants.items()) {
            secret.grants[std::stoi(relation)] = grantees.get<std::set<std::string>>();
        }
        secret.removed_revisions = s.value("removed_revisions", std::vector<int>{});
        state.add_secret(std::move(secret));
    }
    state.removed_secrets = in.value("removed_secrets", std::vector<std::string>{});
    state.leader_settings = in.value("leader_settings", Databag{});
    state.unit_state = in.value("unit_state", std::map<std::string, std::string>{});
    state.planned_units = in.value("planned_units", std::map<std::string, std::string>{});
    state.unit_status = status_from(in.value("unit_status", json::object()));
    state.app_status = status_from(in.value("app_status", json::object()));
    for (const auto& s : in.value("unit_status_history", json::array())) {
        state.unit_status_history.push_back(status_from(s));
    }
    for (const auto& s : in.value("app_status_history", json::array())) {
        state.app_status_history.push_back(status_from(s));
    }
    state.workload_version = in.value("workload_version", "");
    for (const auto& line : in.value("juju_log", json::array())) {
        state.juju_log.push_back({line.value("level", ""), line.value("message", "")});
    }
    if (const auto action = in.find("action"); action != in.end() && action->is_object()) {
        FakeAction fake;
        fake.name = action->value("name", "");
        fake.params = action->value("params", json::object());
        fake.results = action->value("results", std::map<std::string, std::string>{});
        fake.logs = action->value("logs", std::vector<std::string>{});
        if (action->contains("failure")) {
            fake.failure = action->at("failure").get<std::string>();
        }
        state.action = std::move(fake);
    }
    state.opened_ports = in.value("opened_ports", std::set<std::string>{});
    state.private_address = in.value("private_address", state.private_address);
    state.public_address = in.value("public_address", state.public_address);
    state.bindings = in.value("bindings", std::set<std::string>{});
    const auto networks = in.value("networks", json::object());
    for (const auto& [binding, info] : networks.items()) {
        slurmctld::juju::NetworkInfo network;
        network.ingress_addresses = info.value("ingress_addresses", std::vector<std::string>{});
        network.egress_subnets = info.value("egress_subnets", std::vector<std::string>{});
        network.bind_addresses = info.value("bind_addresses", std::vector<std::string>{});
        state.networks[binding] = std::move(network);
    }
    const auto failures = in.value("failures", json::object());
    for (const auto& [tool, failure] : failures.items()) {
        state.failures[tool] = {failure.value("exit_code", 1), failure.value("stderr", "")};
    }
}

// ---- FakeHookTools: bookkeeping -----------------------------------------------------------

FakeHookTools::FakeHookTools(State state)
    : state_(std::move(state)), committed_ports_(state_.opened_ports) {
    for (auto& relation : state_.relations) {
        if (relation.peer && relation.remote_app.empty()) {
            relation.remote_app = state_.app_name();
        }
    }
}

int FakeHookTools::calls(const std::string& tool) const {
    const auto found = calls_.find(tool);
    return found == calls_.end() ? 0 : found->second;
}

int FakeHookTools::total_calls() const {
    int total = 0;
    for (const auto& [tool, count] : calls_) {
        total += count;
    }
    return total;
}

void FakeHookTools::enter(const std::string& tool) {
    if (before_call) {
        before_call(tool);
    }
    ++calls_[tool];
    const auto injected = state_.failures.find(tool);
    if (injected != state_.failures.end()) {
        throw HookToolError(tool, injected->second.exit_code, injected->second.stderr_text);
    }
}

FakeRelation& FakeHookTools::relation_or_fail(const std::string& tool, const RelationId& relation) {
    if (auto* found = state_.find_relation(relation.id)) {
        return *found;
    }
    fail(tool, 2,
         fmt::format("invalid value \"{}\" for option -r: relation not found", relation.str()));
}

void FakeHookTools::require_action(const std::string& tool) const {
    if (!state_.action) {
        fail(tool, 1, "not running an action");
    }
}

bool FakeHookTools::owns_metadata(const FakeSecret& secret) const {
    // Juju lists app-owned secrets' metadata to the leader only.
    return secret.owner == "unit" || (secret.owner == "application" && state_.leader);
}

FakeSecret& FakeHookTools::managed_secret_or_fail(const std::string& tool, std::string_view id) {
    auto* secret = state_.find_secret(id);
    if (secret == nullptr) {
        fail(tool, 1, fmt::format("secret \"{}\" not found", id));
    }
    if (secret->owner.empty()) {
        fail(tool, 1, "permission denied");
    }
    if (secret->owner == "application" && !state_.leader) {
        fail(tool, 1, "this unit is not the leader");
    }
    return *secret;
}

std::string FakeHookTools::secret_uri(const std::string& bare_id) const {
    return state_.model_uuid.empty() ? "secret:" + bare_id
                                     : fmt::format("secret://{}/{}", state_.model_uuid, bare_id);
}

// ---- relations -------------------------------------------------------------------------------

std::vector<FakeHookTools::RelationId> FakeHookTools::relation_ids(std::string_view endpoint) {
    enter("relation-ids");
    std::vector<std::string> names;
    for (const auto& relation : state_.relations) {
        if (relation.endpoint == endpoint) {
            names.push_back(fmt::format("{}:{}", relation.endpoint, relation.id));
        }
    }
    std::sort(names.begin(), names.end());  // Juju sorts them as strings
    std::vector<RelationId> ids;
    for (const auto& name : names) {
        ids.push_back(RelationId::parse(name));
    }
    return ids;
}

std::vector<std::string> FakeHookTools::relation_list(const RelationId& relation) {
    enter("relation-list");
    const auto& found = relation_or_fail("relation-list", relation);
    std::vector<std::string> units;
    for (const auto& [unit, data] : found.remote_units_data) {
        units.push_back(unit);
    }
    return units;
}

std::string FakeHookTools::relation_list_app(const RelationId& relation) {
    enter("relation-list");
    const auto& found = relation_or_fail("relation-list", relation);
    return found.peer ? state_.app_name() : found.remote_app;
}

namespace {

const Databag& read_unit_databag(const State& state, const FakeRelation& relation,
                                 const std::string& unit) {
    if (!is_unit_name(unit)) {
        if (unit.find('/') == std::string::npos) {
            fail("relation-get", 2,
                 fmt::format("expected unit name, got application name \"{}\"", unit));
        }
        fail("relation-get", 2, fmt::format("invalid unit name \"{}\"", unit));
    }
    if (unit == state.unit_name) {
        return relation.local_unit_data;
    }
    if (const auto found = relation.remote_units_data.find(unit);
        found != relation.remote_units_data.end()) {
        return found->second;
    }
    if (const auto found = relation.departed_units_data.find(unit);
        found != relation.departed_units_data.end()) {
        return found->second;
    }
    fail("relation-get", 1, "permission denied");
}

const Databag& read_app_databag(const State& state, const FakeRelation& relation,
                                const std::string& app) {
    if (app == state.app_name()) {
        if (!relation.peer && !state.leader) {
            fail("relation-get", 1, "permission denied");
        }
        return relation.local_app_data;
    }
    if (!relation.peer && app == relation.remote_app) {
        return relation.remote_app_data;
    }
    fail("relation-get", 1, "permission denied");
}

}  // namespace

Databag FakeHookTools::relation_get(const RelationId& relation, std::string_view unit) {
    enter("relation-get");
    return read_unit_databag(state_, relation_or_fail("relation-get", relation), std::string(unit));
}

Databag FakeHookTools::relation_get_app(const RelationId& relation, std::string_view app) {
    enter("relation-get");
    return read_app_databag(state_, relation_or_fail("relation-get", relation),
                            application_of(app));
}

std::optional<std::string> FakeHookTools::relation_get_key(const RelationId& relation,
                                                           std::string_view key,
                                                           std::string_view unit_or_app, bool app) {
    enter("relation-get");
    const auto& found = relation_or_fail("relation-get", relation);
    const auto& bag = app ? read_app_databag(state_, found, application_of(unit_or_app))
                          : read_unit_databag(state_, found, std::string(unit_or_app));
    const auto value = bag.find(std::string(key));
    if (value == bag.end()) {
        return std::nullopt;
    }
    return value->second;
}

void FakeHookTools::relation_set(const RelationId& relation, const Databag& changes, bool app) {
    enter("relation-set");
    auto& found = relation_or_fail("relation-set", relation);
    if (app && !state_.leader) {
        fail("relation-set", 1, "cannot write relation settings");
    }
    merge(app ? found.local_app_data : found.local_unit_data, changes);
}

// ---- leadership, config ----------------------------------------------------------------------

bool FakeHookTools::is_leader() {
    enter("is-leader");
    return state_.leader;
}

Databag FakeHookTools::leader_get() {
    enter("leader-get");
    return state_.leader_settings;
}

void FakeHookTools::leader_set(const Databag& changes) {
    enter("leader-set");
    if (!state_.leader) {
        fail("leader-set", 1,
             "cannot write leadership settings: cannot write settings: not the leader");
    }
    merge(state_.leader_settings, changes);
}

nlohmann::json FakeHookTools::config_get() {
    enter("config-get");
    return state_.config;
}

// ---- status, logs ----------------------------------------------------------------------------

void FakeHookTools::status_set(slurmctld::juju::WorkloadState state, std::string_view message,
                               bool application) {
    enter("status-set");
    if (application && !state_.leader) {
        fail("status-set", 1, "this unit is not the leader");
    }
    const slurmctld::juju::Status status{std::string(slurmctld::juju::to_string(state)),
                                         std::string(message)};
    if (application) {
        state_.app_status = status;
        state_.app_status_history.push_back(status);
    } else {
        state_.unit_status = status;
        state_.unit_status_history.push_back(status);
    }
}

slurmctld::juju::Status FakeHookTools::status_get(bool application) {
    enter("status-get");
    if (application && !state_.leader) {
        fail("status-get", 1, "this unit is not the leader");
    }
    return application ? state_.app_status : state_.unit_status;
}

void FakeHookTools::application_version_set(std::string_view version) {
    enter("application-version-set");
    state_.workload_version = std::string(version);
}

void FakeHookTools::juju_log(slurmctld::juju::LogLevel level, std::string_view message) {
    enter("juju-log");
    state_.juju_log.push_back(
        {std::string(slurmctld::juju::to_string(level)), std::string(message)});
}

// ---- actions ---------------------------------------------------------------------------------

nlohmann::json FakeHookTools::action_get() {
    enter("action-get");
    require_action("action-get");
    return state_.action->params;
}

void FakeHookTools::action_set(const std::map<std::string, std::string>& results) {
    enter("action-set");
    require_action("action-set");
    static const std::regex segment("^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$");
    static const std::set<std::string> reserved{"stdout", "stdout-encoding", "stderr",
                                                "stderr-encoding"};
    for (const auto& [key, value] : results) {
        std::size_t start = 0;
        while (true) {
            const auto dot = key.find('.', start);
            const auto part = key.substr(start, dot == std::string::npos ? dot : dot - start);
            if (!std::regex_match(part, segment)) {
                fail("action-set", 2,
                     fmt::format("key \"{}\" must start and end with lowercase alphanumeric, "
                                 "and contain only lowercase alphanumeric, hyphens and periods",
                                 part));
            }
            if (dot == std::string::npos) {
                break;
            }
            start = dot + 1;
        }
        if (reserved.contains(key)) {
            fail("action-set", 2, fmt::format("cannot set reserved action key \"{}\"", key));
        }
    }
    for (const auto& [key, value] : results) {
        state_.action->results[key] = value;
    }
}

void FakeHookTools::action_fail(std::string_view message) {
    enter("action-fail");
    require_action("action-fail");
    state_.action->failure = std::string(message);
}

void FakeHookTools::action_log(std::string_view message) {
    enter("action-log");
    require_action("action-log");
    state_.action->logs.emplace_back(message);
}

// ---- secrets ---------------------------------------------------------------------------------

std::string FakeHookTools::secret_add(const SecretContent& content,
                                      const slurmctld::juju::SecretAddOptions& options) {
    enter("secret-add");
    if (options.owner != "application" && options.owner != "unit") {
        fail("secret-add", 2, fmt::format("secret owner \"{}\" not valid", options.owner));
    }
    if (content.empty()) {
        fail("secret-add", 2, "missing secret value or filename");
    }
    validate_secret_keys("secret-add", content);
    if (options.owner == "application" && !state_.leader) {
        fail("secret-add", 1, "this unit is not the leader");
    }
    if (!options.label.empty()) {
        for (const auto& secret : state_.secrets) {
            if (!secret.owner.empty() && secret.label == options.label) {
                fail("secret-add", 1,
                     fmt::format("secret with label \"{}\" already exists", options.label));
            }
        }
    }
    FakeSecret secret;
    do {
        secret.id = fmt::format("cq{:018d}", next_secret_++);
    } while (state_.find_secret(secret.id) != nullptr);
    secret.owner = options.owner;
    secret.label = options.label;
    secret.description = options.description;
    secret.revisions[1] = content;
    return secret_uri(state_.add_secret(std::move(secret)).id);
}

std::optional<SecretContent> FakeHookTools::secret_get(
    const slurmctld::juju::SecretRef& ref, const slurmctld::juju::SecretGetOptions& options) {
    enter("secret-get");
    if (ref.id.empty() && ref.label.empty()) {
        fail("secret-get", 2, "require either a secret URI or label");
    }
    if (options.peek && options.refresh) {
        fail("secret-get", 2, "specify one of --peek or --refresh but not both");
    }
    FakeSecret* secret =
        ref.id.empty() ? state_.find_secret_by_label(ref.label) : state_.find_secret(ref.id);
    if (secret == nullptr || secret->revisions.empty()) {
        return std::nullopt;  // the interface's "not found" (the tool says `secret "x" not found`)
    }
    if (!ref.id.empty() && !ref.label.empty()) {
        // An id plus a label: the label is remembered (the consumer's, or the owner's).
        if (secret->owner.empty()) {
            secret->consumer_labels[state_.unit_name] = ref.label;
        } else {
            secret->label = ref.label;
        }
    }
    const int latest = secret->latest_revision();
    if (options.peek) {
        return secret->revisions.at(latest);
    }
    auto tracked = secret->tracked_revisions.find(state_.unit_name);
    if (options.refresh || tracked == secret->tracked_revisions.end() ||
        !secret->revisions.contains(tracked->second)) {
        secret->tracked_revisions[state_.unit_name] = latest;
        return secret->revisions.at(latest);
    }
    return secret->revisions.at(tracked->second);
}

void FakeHookTools::secret_set(std::string_view id, const SecretContent& content) {
    enter("secret-set");
    auto& secret = managed_secret_or_fail("secret-set", id);
    validate_secret_keys("secret-set", content);
    const int latest = secret.latest_revision();
    // Juju makes a new revision only when the content changed.
    if (!content.empty() && (latest == 0 || secret.revisions.at(latest) != content)) {
        secret.revisions[latest + 1] = content;
    }
}

void FakeHookTools::secret_grant(std::string_view id, const RelationId& relation,
                                 std::optional<std::string> unit) {
    enter("secret-grant");
    const auto& found = relation_or_fail("secret-grant", relation);
    const auto remote_app = found.peer ? state_.app_name() : found.remote_app;
    if (unit && application_of(*unit) != remote_app) {
        fail("secret-grant", 2,
             fmt::format("cannot specify unit \"{}\" in relation to application \"{}\"", *unit,
                         remote_app));
    }
    auto& secret = managed_secret_or_fail("secret-grant", id);
    secret.grants[relation.id].insert(unit ? *unit : remote_app);
}

void FakeHookTools::secret_revoke(std::string_view id, const RelationId& relation,
                                  std::optional<std::string> unit) {
    enter("secret-revoke");
    const auto& found = relation_or_fail("secret-revoke", relation);
    const auto remote_app = found.peer ? state_.app_name() : found.remote_app;
    auto& secret = managed_secret_or_fail("secret-revoke", id);
    const auto grants = secret.grants.find(relation.id);
    if (grants != secret.grants.end()) {
        grants->second.erase(unit ? *unit : remote_app);
        if (grants->second.empty()) {
            secret.grants.erase(grants);
        }
    }
}

void FakeHookTools::secret_remove(std::string_view id, std::optional<int> revision) {
    enter("secret-remove");
    auto& secret = managed_secret_or_fail("secret-remove", id);
    if (revision) {
        if (!secret.revisions.contains(*revision)) {
            fail("secret-remove", 1,
                 fmt::format("secret revision {} for \"{}\" not found", *revision, id));
        }
        secret.revisions.erase(*revision);
        secret.removed_revisions.push_back(*revision);
        return;
    }
    state_.removed_secrets.push_back(secret.id);
    std::erase_if(state_.secrets, [&](const FakeSecret& s) { return &s == &secret; });
}

std::optional<slurmctld::juju::SecretInfo> FakeHookTools::secret_info_get(
    const slurmctld::juju::SecretRef& ref) {
    enter("secret-info-get");
    if (ref.id.empty() && ref.label.empty()) {
        fail("secret-info-get", 2, "require either a secret URI or label");
    }
    const FakeSecret* secret = nullptr;
    if (!ref.id.empty()) {
        secret = state_.find_secret(ref.id);
    } else {
        for (const auto& candidate : state_.secrets) {
            if (!candidate.owner.empty() && candidate.label == ref.label) {
                secret = &candidate;
            }
        }
    }
    if (secret == nullptr || !owns_metadata(*secret)) {
        return std::nullopt;  // the interface's "not found" (the tool says `secret "x" not found`)
    }
    slurmctld::juju::SecretInfo info;
    info.id = secret->id;
    info.revision = secret->latest_revision();
    info.label = secret->label;
    info.owner = secret->owner;
    info.description = secret->description;
    return info;
}

std::vector<std::string> FakeHookTools::secret_ids() {
    enter("secret-ids");
    std::vector<std::string> ids;
    for (const auto& secret : state_.secrets) {
        if (owns_metadata(secret)) {
            ids.push_back(secret.id);
        }
    }
    return ids;
}

// ---- unit state ------------------------------------------------------------------------------

std::map<std::string, std::string> FakeHookTools::state_get() {
    enter("state-get");
    return state_.unit_state;
}

void FakeHookTools::state_set(const std::map<std::string, std::string>& changes) {
    enter("state-set");
    for (const auto& [key, value] : changes) {
        state_.unit_state[key] = value;
    }
}

void FakeHookTools::state_delete(std::string_view key) {
    enter("state-delete");
    state_.unit_state.erase(std::string(key));
}

// ---- model, network --------------------------------------------------------------------------

slurmctld::juju::GoalState FakeHookTools::goal_state() {
    enter("goal-state");
    slurmctld::juju::GoalState goal;
    if (!state_.planned_units.empty()) {
        for (const auto& [unit, status] : state_.planned_units) {
            goal.units[unit] = {status, goal_state_since};
        }
    } else {
        goal.units[state_.unit_name] = {"active", goal_state_since};
        for (const auto& relation : state_.relations) {
            if (relation.peer) {
                for (const auto& [unit, data] : relation.remote_units_data) {
                    goal.units[unit] = {"active", goal_state_since};
                }
            }
        }
    }
    for (const auto& relation : state_.relations) {
        if (relation.peer) {
            continue;  // Juju omits peer relations
        }
        auto& members = goal.relations[relation.endpoint];
        members[relation.remote_app] = {"joined", goal_state_since};
        for (const auto& [unit, data] : relation.remote_units_data) {
            members[unit] = {"active", goal_state_since};
        }
    }
    return goal;
}

void FakeHookTools::open_port(int port, std::string_view protocol) {
    enter("open-port");
    if (protocol != "tcp" && protocol != "udp") {
        fail("open-port", 2,
             fmt::format("invalid protocol \"{}\", expected \"tcp\", \"udp\", "
                         "or \"icmp\"",
                         protocol));
    }
    if (port < 1 || port > 65535) {
        fail("open-port", 2, fmt::format("port must be in the range [1, 65535]; got \"{}\"", port));
    }
    state_.opened_ports.insert(fmt::format("{}/{}", port, protocol));
}

void FakeHookTools::close_port(int port, std::string_view protocol) {
    enter("close-port");
    state_.opened_ports.erase(fmt::format("{}/{}", port, protocol));
}

std::vector<std::string> FakeHookTools::opened_ports() {
    enter("opened-ports");
    // Juju shows what was committed before the hook, not this hook's pending opens.
    return {committed_ports_.begin(), committed_ports_.end()};
}

std::string FakeHookTools::unit_get(std::string_view setting) {
    enter("unit-get");
    if (setting == "private-address") {
        return state_.private_address;
    }
    if (setting == "public-address") {
        return state_.public_address;
    }
    fail("unit-get", 2, fmt::format("unknown setting \"{}\"", setting));
}

slurmctld::juju::NetworkInfo FakeHookTools::network_get(std::string_view binding) {
    enter("network-get");
    if (!state_.bindings.empty() && !state_.bindings.contains(std::string(binding))) {
        fail("network-get", 1, fmt::format("no network config found for binding \"{}\"", binding));
    }
    const auto found = state_.networks.find(std::string(binding));
    if (found != state_.networks.end()) {
        return found->second;
    }
    slurmctld::juju::NetworkInfo info;
    info.ingress_addresses = {state_.private_address};
    info.egress_subnets = {state_.private_address + "/32"};
    info.bind_addresses = {state_.private_address};
    return info;
}

}  // namespace testing_support
