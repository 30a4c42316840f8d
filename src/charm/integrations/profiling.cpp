// influxdb (upstream interface_influxdb.py and _on_influxdb_available/unavailable): the
// InfluxDB unit gives its API address and admin credentials; the leader creates the `slurm`
// user, the database named after the cluster and the `charmed-hpc` retention policy (7 days,
// default), and the configuration writer turns job profiling on: acct_gather.conf (0600, the
// `slurm` user's password) and slurm.conf.profiling. Job profiling needs accounting, so both
// files hold profiling only while a slurmdbd application provides it too (upstream waits on
// database_ready and keeps acct_gather.conf aside while slurmdbd is gone).
//
// Where upstream keeps the admin credentials in its own application databag (relation data
// anyone with access to the model can read), the `slurm` user's password and what is needed to
// drop the database when the integration goes live in an application-owned Juju secret.
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/integrations.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/host/virtualization.hpp>
#include <slurmctld/slurm/integration_files.hpp>
#include <slurmctld/util/digest.hpp>
#include <slurmctld/util/http.hpp>
#include <slurmctld/util/log.hpp>
#include <slurmctld/util/random.hpp>

namespace slurmctld::charm {

namespace log = util::log;
namespace http = util::http;

namespace {

constexpr std::string_view kInfluxdbSecretLabel = "slurmctld-influxdb";
constexpr std::string_view kInfluxdbUser = "slurm";
constexpr std::string_view kRetentionPolicy = "charmed-hpc";
/// Leader unit state: digest of what was last set up on the InfluxDB (endpoint, admin,
/// database, password), so a steady hook asks the InfluxDB nothing.
constexpr std::string_view kStateInfluxdbProvisioned = "influxdb_provisioned";
constexpr std::chrono::seconds kInfluxdbTimeout{10};

/// The InfluxDB API as the admin sees it: one InfluxQL statement per call.
class InfluxQl {
  public:
    InfluxQl(host::Host& host, std::string address, int port, std::string user,
             std::string password)
        : host_(host),
          address_(std::move(address)),
          port_(port),
          user_(std::move(user)),
          password_(std::move(password)) {}

    /// Runs `statement`; the failure is InfluxDB's error or the connection's, never the
    /// statement (it may carry a password).
    Expected<nlohmann::json> run(const std::string& statement) {
        http::Request request;
        request.method = "POST";
        request.target = "/query";
        request.headers = {{"Authorization", http::basic_authorization(user_, password_)},
                           {"Content-Type", "application/x-www-form-urlencoded"}};
        request.body = "q=" + http::url_encode(statement);
        auto response = host_.http_request(address_, port_, request, kInfluxdbTimeout);
        if (!response.has_value()) {
            return response.error();
        }
        const auto body = nlohmann::json::parse(response.value().body, nullptr, false);
        if (response.value().status != 200) {
            const auto error = body.is_object() ? body.value("error", "") : std::string();
            return Failure{"InfluxDB answered " + std::to_string(response.value().status) +
                           (error.empty() ? "" : ": " + error)};
        }
        if (!body.is_object() || !body.contains("results") || !body["results"].is_array() ||
            body["results"].empty()) {
            return Failure{"InfluxDB's answer is not a query result"};
        }
        const auto& result = body["results"][0];
        if (result.contains("error")) {
            return Failure{"InfluxDB: " + result["error"].get<std::string>()};
        }
        return result;
    }

    /// The first column of every row of a SHOW statement.
    Expected<std::vector<std::string>> names(const std::string& statement) {
        auto result = run(statement);
        if (!result.has_value()) {
            return result.error();
        }
        std::vector<std::string> names;
        for (const auto& series : result.value().value("series", nlohmann::json::array())) {
            for (const auto& row : series.value("values", nlohmann::json::array())) {
                if (row.is_array() && !row.empty() && row[0].is_string()) {
                    names.push_back(row[0].get<std::string>());
                }
            }
        }
        return names;
    }

  private:
    host::Host& host_;
    std::string address_;
    int port_;
    std::string user_;
    std::string password_;
};

bool contains(const std::vector<std::string>& names, std::string_view name) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

/// Upstream's set-up, made idempotent: the user (its password set to ours when it exists), the
/// database, the grant, the retention policy.
Expected<void> provision(InfluxQl& influx, const std::string& database,
                         const std::string& password) {
    const std::string user = "\"" + std::string(kInfluxdbUser) + "\"";
    const std::string db = "\"" + database + "\"";
    auto users = influx.names("SHOW USERS");
    if (!users.has_value()) {
        return users.error();
    }
    const std::string set_password =
        contains(users.value(), kInfluxdbUser)
            ? "SET PASSWORD FOR " + user + " = '" + password + "'"
            : "CREATE USER " + user + " WITH PASSWORD '" + password + "'";
    const std::vector<std::string> statements{set_password, "CREATE DATABASE " + db,
                                              "GRANT ALL ON " + db + " TO " + user};
    for (const auto& statement : statements) {
        if (auto done = influx.run(statement); !done.has_value()) {
            return done.error();
        }
    }
    auto policies = influx.names("SHOW RETENTION POLICIES ON " + db);
    if (!policies.has_value()) {
        return policies.error();
    }
    if (!contains(policies.value(), kRetentionPolicy)) {
        auto created = influx.run("CREATE RETENTION POLICY \"" + std::string(kRetentionPolicy) +
                                  "\" ON " + db + " DURATION 7d REPLICATION 1 DEFAULT");
        if (!created.has_value()) {
            return created.error();
        }
    }
    return outcome::success();
}

/// The admin data of the first InfluxDB unit that gave all of it.
std::optional<InfluxdbAdmin> read_admin(HookScope& scope, Outcome& outcome) {
    for (const auto& relation : scope.tools.relation_ids(kInfluxdbEndpoint)) {
        for (const auto& unit : scope.tools.relation_list(relation)) {
            auto admin = influxdb_admin(unit, scope.tools.relation_get(relation, unit));
            if (!admin.has_value()) {
                log::error("{}", admin.error().describe());
                outcome.rejections.push_back(admin.error());
                continue;
            }
            if (admin.value()) {
                return admin.value();
            }
        }
    }
    return std::nullopt;
}

std::optional<juju::SecretContent> read_secret(HookScope& scope) {
    try {
        return scope.tools.secret_get(juju::SecretRef::by_label(std::string(kInfluxdbSecretLabel)),
                                      juju::SecretGetOptions::refreshing());
    } catch (const juju::HookToolError&) {
        return std::nullopt;
    }
}

/// Leader: the secret and the InfluxDB set up for the admin data the relation gives.
void provision_influxdb(HookScope& scope, Outcome& outcome, const InfluxdbAdmin& admin) {
    const auto& database = scope.facts.peers.cluster_name;
    auto secret = read_secret(scope);
    const juju::SecretContent wanted_admin{{"host", admin.host},
                                           {"port", std::to_string(admin.port)},
                                           {"admin-user", admin.user},
                                           {"admin-password", admin.password}};
    if (!secret) {
        juju::SecretContent content = wanted_admin;
        content["password"] = util::random_alphanumeric(32);
        scope.tools.secret_add(
            content, juju::SecretAddOptions::app_owned(std::string(kInfluxdbSecretLabel)));
        secret = content;
    } else {
        juju::SecretContent content = *secret;
        for (const auto& [key, value] : wanted_admin) {
            content[key] = value;
        }
        if (content != *secret) {
            const auto info = scope.tools.secret_info_get(
                juju::SecretRef::by_label(std::string(kInfluxdbSecretLabel)));
            if (info) {
                scope.tools.secret_set(info->id, content);
                secret = content;
            }
        }
    }
    const auto& password = secret->at("password");
    const std::string digest =
        util::sha256_hex(admin.host + "\n" + std::to_string(admin.port) + "\n" + admin.user + "\n" +
                         admin.password + "\n" + database + "\n" + password);
    const auto state = scope.tools.state_get();
    const auto done = state.find(std::string(kStateInfluxdbProvisioned));
    if (done != state.end() && done->second == digest) {
        return;
    }
    InfluxQl influx(scope.host, admin.host, admin.port, admin.user, admin.password);
    if (auto provisioned = provision(influx, database, password); !provisioned.has_value()) {
        log::error("cannot set up InfluxDB at {}:{}: {}", admin.host, admin.port,
                   provisioned.error().message);
        outcome.pending = "Waiting for InfluxDB at " + admin.host + ":" +
                          std::to_string(admin.port) + " to accept the profiling user";
        return;
    }
    log::info("InfluxDB at {}:{}: user {}, database {}, retention policy {} ready", admin.host,
              admin.port, kInfluxdbUser, database, kRetentionPolicy);
    scope.tools.state_set({{std::string(kStateInfluxdbProvisioned), digest}});
}

/// Leader, integration gone: upstream drops the database, the user and the policy; then the
/// secret goes. An InfluxDB that cannot be reached is left as it is (upstream does the same).
void retire_influxdb(HookScope& scope) {
    const auto secret = read_secret(scope);
    if (!secret) {
        return;
    }
    const auto get = [&](const char* key) {
        const auto found = secret->find(key);
        return found == secret->end() ? std::string() : found->second;
    };
    const int port = std::atoi(get("port").c_str());
    if (!get("host").empty() && port > 0) {
        InfluxQl influx(scope.host, get("host"), port, get("admin-user"), get("admin-password"));
        const std::string db = "\"" + scope.facts.peers.cluster_name + "\"";
        for (const std::string& statement :
             {"DROP DATABASE " + db, "DROP USER \"" + std::string(kInfluxdbUser) + "\""}) {
            if (auto dropped = influx.run(statement); !dropped.has_value()) {
                log::warning("InfluxDB clean-up: {}", dropped.error().message);
            }
        }
    }
    const auto info =
        scope.tools.secret_info_get(juju::SecretRef::by_label(std::string(kInfluxdbSecretLabel)));
    if (info) {
        scope.tools.secret_remove(info->id, std::nullopt);
    }
    scope.tools.state_delete(kStateInfluxdbProvisioned);
    log::info("job profiling to InfluxDB disabled");
}

std::vector<std::string> network_interfaces(host::Host& host) {
    std::vector<std::string> names;
    for (const auto& name : host.list_directory("/sys/class/net")) {
        if (!name.empty() && name.front() != '.' && name.size() <= 15 &&
            std::all_of(name.begin(), name.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' ||
                       c == '.' || c == '@';
            })) {
            names.push_back(name);
        }
    }
    return names;
}

/// Writer: acct_gather.conf and slurm.conf.profiling as profiling is on or off now.
void write_profiling_files(HookScope& scope, bool on) {
    auto& host = scope.host;
    const std::string profiling = std::string(kEtcSlurm) + "/slurm.conf.profiling";
    std::optional<juju::SecretContent> secret;
    if (on) {
        secret = read_secret(scope);
        on = secret && secret->count("password") != 0 && secret->count("host") != 0;
    }
    if (!on) {
        remove_if_present(host, std::string(kAcctGatherConf));
        const auto text = host.read_file(profiling);
        if (text && !text->empty() && *text != "\n") {
            // Upstream clears the keys: its editor then writes an empty model, "\n".
            write_if_changed(host, profiling, "\n");
        }
        return;
    }
    slurm::InfluxdbProfiling settings;
    settings.host = secret->at("host") + ":" + secret->at("port");
    settings.user = std::string(kInfluxdbUser);
    settings.password = secret->at("password");
    settings.database = scope.facts.peers.cluster_name;
    settings.retention_policy = std::string(kRetentionPolicy);
    settings.interfaces = network_interfaces(host);
    std::string acct_gather;
    try {
        acct_gather = slurm::influxdb_acct_gather_conf(settings);
    } catch (const std::invalid_argument& error) {
        log::error("failed to update `acct_gather.conf`. reason:\n{}", error.what());
        return;
    }
    // The file holds the InfluxDB password: slurm's alone.
    write_if_changed(host, std::string(kAcctGatherConf), acct_gather, slurm_secret_file());
    write_if_changed(host, profiling, slurm::influxdb_profiling_include(!host::is_container(host)));
}

bool accounting_configured(host::Host& host) {
    const auto text = host.read_file(std::string(kEtcSlurm) + "/slurm.conf.accounting");
    if (!text) {
        return false;
    }
    const auto document = slurm::ConfigDocument::parse(*text);
    return document.has_value() && document.value().contains("AccountingStorageHost");
}

}  // namespace

void configure_profiling(HookScope& scope, Outcome& outcome) {
    const auto& facts = scope.facts;
    if (facts.peers.cluster_name.empty()) {
        return;
    }
    const auto admin = read_admin(scope, outcome);
    const bool related = !scope.tools.relation_ids(kInfluxdbEndpoint).empty();
    if (facts.leader) {
        if (admin) {
            provision_influxdb(scope, outcome, *admin);
        } else if (!related) {
            retire_influxdb(scope);
        }
    }
    if (!writes_configuration(facts, read_placement(scope.host))) {
        return;
    }
    write_profiling_files(scope, related && admin && accounting_configured(scope.host) &&
                                     (!facts.leader || !outcome.pending));
}

}  // namespace slurmctld::charm
