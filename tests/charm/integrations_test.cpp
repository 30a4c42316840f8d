// State-transition tests of the integrations beyond the Slurm services (issue 9): oci-runtime,
// influxdb, smtp + slurm-mail, cos-agent and departed slurmd nodes, each created, changed and
// broken, with the files, commands and relation data they produce.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <slurmctld/charm/exporter.hpp>
#include <slurmctld/juju/relation_codec.hpp>

#include "charm/charm_harness.hpp"

namespace charm_tests {
namespace {

using slurmctld::juju::Status;
using testing::HasSubstr;
using testing::Not;

constexpr int kOciRelationId = 20;
constexpr int kSmtpRelationId = 21;
constexpr int kInfluxRelationId = 22;
constexpr int kCosRelationId = 23;
constexpr int kSlurmdRelationId = 24;
constexpr int kSlurmdbdRelationId = 25;

/// Everything the unit told Juju and the world: logs, statuses, relation data.
std::string everything_said(const TestUnit& unit) {
    std::string said;
    for (const auto& line : unit.state.juju_log) {
        said += line.message + "\n";
    }
    for (const auto& status : unit.state.unit_status_history) {
        said += status.message + "\n";
    }
    for (const auto& relation : unit.state.relations) {
        for (const auto& [key, value] : relation.local_app_data) {
            said += key + "=" + value + "\n";
        }
        for (const auto& [key, value] : relation.local_unit_data) {
            said += key + "=" + value + "\n";
        }
    }
    return said;
}

// ---- oci-runtime
// ---------------------------------------------------------------------------------

constexpr const char* kApptainerOciConf =
    "ignorefileconfigjson=true\n"
    "envexclude=\"^(SLURM_CONF|SLURM_CONF_SERVER)=\"\n"
    "runtimeenvexclude=\"^(SLURM_CONF|SLURM_CONF_SERVER)=\"\n"
    "runtimerun=\"/usr/bin/apptainer exec --userns --bind /var/lib/slurm --bind /var/run/slurm "
    "%r %@\"\n"
    "runtimekill=\"kill -s SIGTERM %p\"\n"
    "runtimedelete=\"kill -s SIGKILL %p\"\n";

EventSource oci_source() {
    return {kOciRelationId, "oci-runtime", "apptainer", "", ""};
}

TEST(CharmOciRuntime, CreatedChangedAndBrokenWriteAndRemoveOciConf) {
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    auto& relation = unit.state.add_relation("oci-runtime", kOciRelationId, "apptainer");
    relation.remote_units_data["apptainer/0"] = {};
    cluster.run(0, "oci-runtime-relation-created", oci_source());
    EXPECT_EQ(file_text(unit, "/etc/slurm/oci.conf"), "<missing>");  // nothing sent yet

    relation.remote_app_data = {{"type", "\"apptainer\""},
                                {"executable_path", "\"/usr/bin/apptainer\""}};
    const auto reconfigures = unit.host->slurm.reconfigures;
    cluster.run(0, "oci-runtime-relation-changed", oci_source());
    EXPECT_EQ(file_text(unit, "/etc/slurm/oci.conf"), kApptainerOciConf);
    EXPECT_EQ(unit.host->file("/etc/slurm/oci.conf")->mode, 0644U);
    EXPECT_EQ(unit.host->file("/etc/slurm/oci.conf")->owner, "slurm");
    // The controller in control re-reads its configuration (oci.conf is served to slurmd).
    EXPECT_EQ(unit.host->slurm.reconfigures, reconfigures + 1);
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));

    relation.remote_app_data["executable_path"] = "\"/opt/apptainer/bin/apptainer\"";
    cluster.run(0, "oci-runtime-relation-changed", oci_source());
    EXPECT_THAT(file_text(unit, "/etc/slurm/oci.conf"),
                HasSubstr("runtimerun=\"/opt/apptainer/bin/apptainer exec --userns"));

    unit.state.relations.erase(unit.state.relations.end() - 1);
    cluster.run(0, "oci-runtime-relation-broken", oci_source());
    EXPECT_FALSE(unit.host->exists("/etc/slurm/oci.conf"));
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

TEST(CharmOciRuntime, AnUnknownTypeOrABadPathIsAClearStatusNotACrash) {
    for (const auto& [type, path, reason] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"\"docker\"", "\"/usr/bin/docker\"",
              "runtime type `docker` is not supported (only apptainer)"},
             {"\"apptainer\"", "\"/usr/bin/x\\\" --bind /\"",
              "`executable_path` holds characters other than letters"},
             {"\"apptainer\"", "\"../../bin/sh\"", "`executable_path` is not an absolute path"},
             {"\"apptainer\"", "\"/usr/../bin/sh\"",
              "`executable_path` has an empty, `.` or `..` component"},
             {"apptainer", "\"/usr/bin/apptainer\"", "`type` is not a JSON string"},
         }) {
        auto cluster = deployed_controller();
        auto& unit = cluster.unit(0);
        auto& relation = unit.state.add_relation("oci-runtime", kOciRelationId, "apptainer");
        relation.remote_app_data = {{"type", type}, {"executable_path", path}};
        EXPECT_EQ(cluster.run(0, "oci-runtime-relation-changed", oci_source()), 0);
        EXPECT_EQ(unit.state.unit_status.state, "blocked") << type << path;
        EXPECT_THAT(unit.state.unit_status.message,
                    HasSubstr("oci runtime from `apptainer` rejected: " + reason));
        EXPECT_FALSE(unit.host->exists("/etc/slurm/oci.conf"));
        EXPECT_TRUE(unit.host->service("slurmctld").active);
    }
}

// ---- departed slurmd units
// -------------------------------------------------------------------------

/// Both controller units of a settled HA cluster related to the slurmd application `compute`
/// (partition `compute`, unit compute/0 still there), with nodes compute-0 and compute-1 in Slurm.
TestCluster ha_cluster_with_two_compute_nodes() {
    TestCluster cluster = settled_ha_cluster(2, 3);
    for (int i : {0, 1}) {
        auto& relation = cluster.unit(i).state.add_relation("slurmd", kSlurmdRelationId, "compute");
        relation.remote_app_data["partition"] =
            R"({"partitionname": "compute", "nodes": ["compute"]})";
        relation.remote_units_data["compute/0"] = {};
        cluster.unit(i).host->slurm.nodes = {"compute-0", "compute-1"};
    }
    return cluster;
}

TEST(CharmNodes, ADepartedSlurmdUnitsNodeIsDeletedOnceByTheLeader) {
    TestCluster cluster = ha_cluster_with_two_compute_nodes();
    const EventSource departed{kSlurmdRelationId, "slurmd", "compute", "compute/1", "compute/1"};
    cluster.run(1, "slurmd-relation-departed", departed);
    EXPECT_TRUE(
        cluster.unit(1).host->commands_of("scontrol").empty() ||
        cluster.unit(1).host->count_commands({"scontrol", "delete", "nodename=compute-1"}) == 0);
    cluster.run(0, "slurmd-relation-departed", departed);
    auto& leader = *cluster.unit(0).host;
    EXPECT_EQ(leader.count_commands({"scontrol", "delete", "nodename=compute-1"}), 1);
    // Later hooks do not delete it again, nor touch other nodes.
    cluster.run(0, "update-status");
    cluster.run(0, "slurmd-relation-changed",
                {kSlurmdRelationId, "slurmd", "compute", "compute/0", ""});
    int deletes = 0;
    for (const auto& args : leader.commands_of("scontrol")) {
        deletes += !args.empty() && args.front() == "delete" ? 1 : 0;
    }
    EXPECT_EQ(deletes, 1);
    EXPECT_EQ(leader.slurm.deleted_nodes, std::vector<std::string>{"compute-1"});
    EXPECT_EQ(leader.slurm.nodes, std::set<std::string>{"compute-0"});
    EXPECT_EQ(cluster.unit(0).state.unit_status.state, "active");
}

TEST(CharmNodes, AFailedDeletionBlocksWithUpstreamsMessageAndIsRetried) {
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    auto& relation = unit.state.add_relation("slurmd", kSlurmdRelationId, "compute");
    relation.remote_app_data["partition"] = R"({"partitionname": "compute", "nodes": ["compute"]})";
    unit.host->slurm.nodes = {"compute-3"};
    unit.host->inject_failure({"scontrol", "delete"},
                              {1, "", "scontrol_delete_nodes error: Node has jobs running\n"});
    cluster.run(0, "slurmd-relation-departed",
                {kSlurmdRelationId, "slurmd", "compute", "compute/3", "compute/3"});
    EXPECT_EQ(unit.last_exit_code, 0);
    EXPECT_EQ(unit.state.unit_status,
              (Status{"blocked",
                      "Failed to delete departing compute node `compute-3` from Slurm. See "
                      "`juju debug-log` for details"}));
    cluster.run(0, "update-status");
    EXPECT_EQ(unit.host->count_commands({"scontrol", "delete", "nodename=compute-3"}), 2);
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
    cluster.run(0, "update-status");
    EXPECT_EQ(unit.host->count_commands({"scontrol", "delete", "nodename=compute-3"}), 2);
}

TEST(CharmNodes, ANewLeaderDeletesTheNodeTheOldLeaderNoted) {
    TestCluster cluster = ha_cluster_with_two_compute_nodes();
    // The old leader's controller does not answer: it notes the node and cannot delete it.
    cluster.unit(0).host->inject_failure(
        {"scontrol", "delete"}, {1, "", "Unable to contact slurm controller (connect failure)\n"});
    const EventSource departed{kSlurmdRelationId, "slurmd", "compute", "compute/1", "compute/1"};
    cluster.run(0, "slurmd-relation-departed", departed);
    EXPECT_EQ(cluster.unit(0).host->slurm.deleted_nodes, std::vector<std::string>{});
    EXPECT_EQ(
        cluster.unit(1).state.relation(kPeerRelationId).local_app_data.at("departed_slurmd_nodes"),
        R"(["compute-1"])");
    // Leadership moves before a later hook of the old leader could retry.
    cluster.unit(0).state.leader = false;
    cluster.unit(1).state.leader = true;
    cluster.run(1, "leader-elected");
    auto& new_leader = *cluster.unit(1).host;
    EXPECT_EQ(new_leader.count_commands({"scontrol", "delete", "nodename=compute-1"}), 1);
    EXPECT_EQ(new_leader.slurm.deleted_nodes, std::vector<std::string>{"compute-1"});
    EXPECT_EQ(cluster.unit(1)
                  .state.relation(kPeerRelationId)
                  .local_app_data.count("departed_slurmd_nodes"),
              0U);
    cluster.run(1, "update-status");
    EXPECT_EQ(new_leader.count_commands({"scontrol", "delete", "nodename=compute-1"}), 1);
}

TEST(CharmNodes, ANotedNodeThatIsNoNodeNameIsReportedAndLeftOut) {
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    unit.host->slurm.nodes = {"compute-0"};
    unit.state.relation(kPeerRelationId).local_app_data["departed_slurmd_nodes"] =
        R"(["compute-0", "a b;rm -rf /", 7])";
    cluster.run(0, "leader-elected");  // a new leader: the app databag as another left it
    EXPECT_EQ(unit.last_exit_code, 0);
    EXPECT_EQ(unit.host->slurm.deleted_nodes, std::vector<std::string>{"compute-0"});
    EXPECT_EQ(unit.state.unit_status,
              (Status{"blocked",
                      "primary - UP; peer data `departed_slurmd_nodes` rejected: node `a b;rm -rf "
                      "/` contains a space (and 1 more; see `juju debug-log`)"}));
    // The list the leader writes back holds what is left to do: nothing, the bad entries gone.
    EXPECT_EQ(unit.state.relation(kPeerRelationId).local_app_data.count("departed_slurmd_nodes"),
              0U);
    cluster.run(0, "update-status");
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
    EXPECT_EQ(unit.host->count_commands({"scontrol", "delete", "nodename=a b;rm -rf /"}), 0);
}

// ---- smtp + slurm-mail
// -------------------------------------------------------------------------------

constexpr const char* kPasswordSecret = "cr00000000000000smtp";

void relate_smtp(TestUnit& unit, const std::string& password = "s3cret pass!") {
    auto& relation = unit.state.add_relation("smtp", kSmtpRelationId, "smtp-integrator");
    relation.remote_units_data["smtp-integrator/0"] = {};
    relation.remote_app_data = {
        {"host", "mail.example.com"},  {"port", "587"},
        {"user", "slurm@example.com"}, {"password_id", std::string("secret:") + kPasswordSecret},
        {"auth_type", "plain"},        {"transport_security", "starttls"},
        {"skip_ssl_verify", "False"}};
    unit.state.add_remote_secret(kPasswordSecret, {{1, {{"password", password}}}});
}

EventSource smtp_source() {
    return {kSmtpRelationId, "smtp", "smtp-integrator", "", ""};
}

TEST(CharmMail, OnUbuntuSlurmMailIsInstalledFromThePpaConfiguredAndRemovedOnBroken) {
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    unit.host->add_file("/etc/os-release",
                        "ID=ubuntu\nVERSION_ID=\"24.04\"\nVERSION_CODENAME=noble\n");
    relate_smtp(unit);
    cluster.run(0, "smtp-relation-changed", smtp_source());
    EXPECT_THAT(file_text(unit, "/etc/apt/sources.list.d/ubuntu-hpc-slurm-mail.sources"),
                HasSubstr("URIs: https://ppa.launchpadcontent.net/ubuntu-hpc/slurm-mail/ubuntu\n"
                          "Suites: noble\n"));
    EXPECT_TRUE(unit.host->packages.count("slurm-mail"));
    const auto* conf = unit.host->file("/etc/slurm-mail/slurm-mail.conf");
    ASSERT_NE(conf, nullptr);
    EXPECT_EQ(conf->mode, 0640U);
    EXPECT_EQ(conf->owner, "root");
    EXPECT_EQ(conf->group, "slurm");
    EXPECT_THAT(conf->content, HasSubstr("[slurm-send-mail]\n"));
    EXPECT_THAT(conf->content, HasSubstr("\nsmtpServer = mail.example.com\nsmtpPort = 587\n"
                                         "smtpUseTls = yes\n"));
    EXPECT_THAT(conf->content, HasSubstr("\nsmtpUserName = slurm@example.com\n"
                                         "smtpPassword = s3cret pass!\n"));
    EXPECT_THAT(conf->content, HasSubstr("\nemailFromName = Charmed HPC Admin\n"));
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf"),
                HasSubstr("\nmailprog=/usr/bin/slurm-spool-mail\n"));
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
    EXPECT_THAT(everything_said(unit), Not(HasSubstr("s3cret")));

    unit.state.config["email-from-name"] = "HPC team";
    cluster.run(0, "config-changed");
    EXPECT_THAT(file_text(unit, "/etc/slurm-mail/slurm-mail.conf"),
                HasSubstr("\nemailFromName = HPC team\n"));

    unit.state.relations.erase(unit.state.relations.end() - 1);
    cluster.run(0, "smtp-relation-broken", smtp_source());
    EXPECT_FALSE(unit.host->exists("/etc/slurm-mail/slurm-mail.conf"));
    EXPECT_EQ(unit.host->packages.at("slurm-mail").status, "config-files");
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf"), Not(HasSubstr("mailprog")));
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

TEST(CharmMail, WhereSlurmMailIsNotPackagedTheStatusSaysJobMailIsOff) {
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    unit.host->add_file("/etc/os-release",
                        "ID=debian\nVERSION_ID=\"13\"\nVERSION_CODENAME=trixie\n");
    relate_smtp(unit);
    cluster.run(0, "smtp-relation-changed", smtp_source());
    EXPECT_EQ(unit.state.unit_status,
              (Status{"active",
                      "primary - UP; job e-mail off: slurm-mail is not packaged for Debian 13"}));
    EXPECT_EQ(unit.host->count_commands({"apt-get", "-o", "DPkg::Lock::Timeout=300", "update"}), 0);
    EXPECT_THAT(file_text(unit, "/etc/slurm-mail/slurm-mail.conf"),
                HasSubstr("smtpServer = mail.example.com"));
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf"), Not(HasSubstr("mailprog")));
    // An admin installs slurm-mail by hand: the next hook turns job e-mail on.
    unit.host->add_file("/usr/bin/slurm-spool-mail", "#!/bin/sh\n", {"root", "root", 0755});
    cluster.run(0, "update-status");
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf"),
                HasSubstr("\nmailprog=/usr/bin/slurm-spool-mail\n"));
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

TEST(CharmMail, AHostileSmtpValueOrPasswordIsLeftOutAndNeverShown) {
    for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
             {"host", "mail.example.com\nsmtpServer = evil"},
             {"port", "0"},
             {"user", "me\n[common]"},
             {"transport_security", "ssl3"},
             {"password_id", "/etc/shadow"},
         }) {
        auto cluster = deployed_controller();
        auto& unit = cluster.unit(0);
        relate_smtp(unit);
        unit.state.relation(kSmtpRelationId).remote_app_data[key] = value;
        EXPECT_EQ(cluster.run(0, "smtp-relation-changed", smtp_source()), 0);
        EXPECT_EQ(unit.state.unit_status.state, "blocked") << key;
        EXPECT_THAT(unit.state.unit_status.message,
                    HasSubstr("smtp settings from `smtp-integrator` rejected"));
        EXPECT_FALSE(unit.host->exists("/etc/slurm-mail/slurm-mail.conf")) << key;
    }
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    relate_smtp(unit, "line one\nsmtpServer = evil");
    EXPECT_EQ(cluster.run(0, "smtp-relation-changed", smtp_source()), 0);
    EXPECT_EQ(unit.state.unit_status.state, "blocked");
    EXPECT_THAT(unit.state.unit_status.message,
                HasSubstr("smtp password secret rejected: `password` holds a line break"));
    EXPECT_THAT(everything_said(unit), Not(HasSubstr("line one")));
    EXPECT_FALSE(unit.host->exists("/etc/slurm-mail/slurm-mail.conf"));
}

// ---- influxdb
// -----------------------------------------------------------------------------------------

struct InfluxFixture {
    TestCluster cluster = deployed_controller();
    std::shared_ptr<test_charms::InfluxdbModel> influx =
        std::make_shared<test_charms::InfluxdbModel>("admin", "adminpass");

    InfluxFixture() {
        auto& unit = cluster.unit(0);
        serve_influxdb(*unit.host, "10.1.2.3:8086", influx);
        for (const auto* name : {"lo", "eth0"}) {
            unit.host->add_directory(std::string("/sys/class/net/") + name);
        }
    }
    void relate_influxdb() {
        auto& relation =
            cluster.unit(0).state.add_relation("influxdb", kInfluxRelationId, "influxdb");
        relation.remote_units_data["influxdb/0"] = {{"ingress-address", "10.1.2.3"},
                                                    {"port", "8086"},
                                                    {"user", "admin"},
                                                    {"password", "adminpass"}};
        cluster.run(0, "influxdb-relation-joined", source("influxdb/0"));
    }
    void relate_slurmdbd() {
        auto& relation =
            cluster.unit(0).state.add_relation("slurmdbd", kSlurmdbdRelationId, "slurmdbd");
        relation.remote_app_data["hostname"] = "\"juju-db-0\"";
        relation.remote_units_data["slurmdbd/0"] = {};
        // The application data arrives with an application-level relation-changed, as in Juju.
        cluster.run(0, "slurmdbd-relation-changed",
                    {kSlurmdbdRelationId, "slurmdbd", "slurmdbd", "", ""});
    }
    static EventSource source(const std::string& remote_unit) {
        return {kInfluxRelationId, "influxdb", "influxdb", remote_unit, ""};
    }
};

TEST(CharmInfluxdb, CreatesItsUserAndDatabaseAndProfilesJobsWhileAccountingIsThere) {
    InfluxFixture f;
    auto& unit = f.cluster.unit(0);
    f.relate_influxdb();
    // The user, the database named after the cluster and the 7-day default policy.
    ASSERT_TRUE(f.influx->users.count("slurm"));
    EXPECT_TRUE(f.influx->grants["slurm"].count("polaris"));
    EXPECT_TRUE(f.influx->policies["polaris"].count("charmed-hpc"));
    const auto* secret = unit.state.find_secret_by_label("slurmctld-influxdb");
    ASSERT_NE(secret, nullptr);
    EXPECT_EQ(secret->owner, "application");
    const std::string password = secret->revisions.rbegin()->second.at("password");
    EXPECT_EQ(f.influx->users.at("slurm"), password);
    // No accounting yet: no profiling (upstream waits for slurmdbd).
    EXPECT_FALSE(unit.host->exists("/etc/slurm/acct_gather.conf"));

    f.relate_slurmdbd();
    const auto* acct_gather = unit.host->file("/etc/slurm/acct_gather.conf");
    ASSERT_NE(acct_gather, nullptr);
    EXPECT_EQ(acct_gather->mode, 0600U);
    EXPECT_EQ(acct_gather->owner, "slurm");
    EXPECT_EQ(acct_gather->content,
              "profileinfluxdbdefault=all\n"
              "profileinfluxdbhost=10.1.2.3:8086\n"
              "profileinfluxdbuser=slurm\n"
              "profileinfluxdbpass=" +
                  password +
                  "\n"
                  "profileinfluxdbdatabase=polaris\n"
                  "profileinfluxdbrtpolicy=charmed-hpc\n"
                  "sysfsinterfaces=eth0,lo\n");
    EXPECT_EQ(file_text(unit, "/etc/slurm/slurm.conf.profiling"),
              "acctgatherprofiletype=acct_gather_profile/influxdb\n"
              "acctgatherinterconnecttype=acct_gather_interconnect/sysfs\n"
              "accountingstoragetres=ic/sysfs\n"
              "acctgathernodefreq=30\n"
              "jobacctgatherfrequency=task=5,network=5\n"
              "jobacctgathertype=jobacct_gather/linux\n");
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf"),
                HasSubstr("include slurm.conf.profiling\n"));
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
    EXPECT_THAT(everything_said(unit), Not(HasSubstr(password)));
    EXPECT_THAT(everything_said(unit), Not(HasSubstr("adminpass")));

    // A steady hook asks the InfluxDB nothing.
    const auto asked = f.influx->statements.size();
    f.cluster.run(0, "update-status");
    EXPECT_EQ(f.influx->statements.size(), asked);

    // Broken: the database and user dropped, the files cleared, the secret gone.
    unit.state.relations.erase(
        std::find_if(unit.state.relations.begin(), unit.state.relations.end(),
                     [](const auto& r) { return r.id == kInfluxRelationId; }));
    f.cluster.run(0, "influxdb-relation-broken", InfluxFixture::source(""));
    EXPECT_FALSE(f.influx->users.count("slurm"));
    EXPECT_FALSE(f.influx->policies.count("polaris"));
    EXPECT_FALSE(unit.host->exists("/etc/slurm/acct_gather.conf"));
    EXPECT_EQ(file_text(unit, "/etc/slurm/slurm.conf.profiling"), "\n");
    EXPECT_EQ(unit.state.find_secret_by_label("slurmctld-influxdb"), nullptr);
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

TEST(CharmInfluxdb, SlurmdbdLeavingTakesProfilingAndItsIncludeAndComingBackRestoresThem) {
    InfluxFixture f;
    auto& unit = f.cluster.unit(0);
    f.relate_influxdb();
    f.relate_slurmdbd();
    ASSERT_TRUE(unit.host->exists("/etc/slurm/acct_gather.conf"));
    unit.state.relations.erase(
        std::find_if(unit.state.relations.begin(), unit.state.relations.end(),
                     [](const auto& r) { return r.id == kSlurmdbdRelationId; }));
    f.cluster.run(0, "slurmdbd-relation-broken",
                  {kSlurmdbdRelationId, "slurmdbd", "slurmdbd", "", ""});
    EXPECT_FALSE(unit.host->exists("/etc/slurm/acct_gather.conf"));
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf"),
                Not(HasSubstr("include slurm.conf.profiling")));
    EXPECT_EQ(file_text(unit, "/etc/slurm/slurm.conf.accounting"), "\n");
    f.relate_slurmdbd();
    EXPECT_TRUE(unit.host->exists("/etc/slurm/acct_gather.conf"));
    EXPECT_THAT(file_text(unit, "/etc/slurm/slurm.conf"),
                HasSubstr("include slurm.conf.profiling\n"));
}

TEST(CharmInfluxdb, AnUnreachableInfluxdbWaitsAndHostileDataIsLeftOut) {
    InfluxFixture f;
    auto& unit = f.cluster.unit(0);
    unit.host->http_servers.clear();
    f.relate_influxdb();
    EXPECT_EQ(
        unit.state.unit_status,
        (Status{"waiting", "Waiting for InfluxDB at 10.1.2.3:8086 to accept the profiling user"}));
    EXPECT_EQ(unit.last_exit_code, 0);
    unit.state.relation(kInfluxRelationId).remote_units_data["influxdb/0"]["ingress-address"] =
        "10.1.2.3\nprofileinfluxdbhost=evil";
    f.cluster.run(0, "influxdb-relation-changed", InfluxFixture::source("influxdb/0"));
    EXPECT_EQ(unit.state.unit_status.state, "blocked");
    EXPECT_THAT(unit.state.unit_status.message,
                HasSubstr("influxdb data of influxdb/0 rejected: ingress-address"));
}

// ---- cos-agent
// ----------------------------------------------------------------------------------------

TEST(CharmCosAgent, TheUnitDataIsCosAgentProvidersAndTheExporterRuns) {
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    auto& relation =
        unit.state.add_relation("cos-agent", kCosRelationId, "opentelemetry-collector");
    relation.remote_units_data["opentelemetry-collector/0"] = {};
    cluster.run(
        0, "cos-agent-relation-joined",
        {kCosRelationId, "cos-agent", "opentelemetry-collector", "opentelemetry-collector/0", ""});
    const auto raw = relation.local_unit_data.at("config");
    // pydantic's compact dump, in the model's field order.
    EXPECT_EQ(raw.rfind("{\"metrics_alert_rules\":{\"groups\":[", 0), 0U) << raw.substr(0, 80);
    const auto config = nlohmann::ordered_json::parse(raw);
    std::vector<std::string> keys;
    for (const auto& [key, value] : config.items()) {
        keys.push_back(key);
    }
    EXPECT_EQ(keys,
              (std::vector<std::string>{"metrics_alert_rules", "log_alert_rules", "dashboards",
                                        "subordinate", "metrics_scrape_jobs", "log_slots",
                                        "include_log_files", "tracing_protocols"}));
    std::vector<std::string> groups;
    for (const auto& group : config["metrics_alert_rules"]["groups"]) {
        groups.push_back(group["name"]);
    }
    EXPECT_EQ(groups,
              (std::vector<std::string>{"hpc_cdac5656_slurmctld_SlurmctldHighAvailability_rules",
                                        "hpc_cdac5656_slurmctld_SlurmJobs_rules",
                                        "hpc_cdac5656_slurmctld_SlurmPartition_rules",
                                        "hpc_cdac5656_slurmctld_SlurmScheduler_rules",
                                        "hpc_cdac5656_slurmctld_HostHealth_rules"}));
    const auto& rule = config["metrics_alert_rules"]["groups"][0]["rules"][0];
    EXPECT_EQ(rule["alert"], "SlurmctldNoControllerInControl");
    EXPECT_EQ(
        rule["labels"].dump(),
        R"({"severity":"critical","juju_model":"hpc","juju_model_uuid":"cdac5656-2423-4388-8f30-41854b4cca7d","juju_application":"slurmctld","juju_charm":"slurmctld"})");
    EXPECT_EQ(config["log_alert_rules"], nlohmann::ordered_json::object());
    EXPECT_EQ(config["dashboards"].size(), 3U);
    EXPECT_TRUE(config["subordinate"].is_null());
    EXPECT_TRUE(config["tracing_protocols"].is_null());
    // Slurm 24.11 has no MetricsType: only the charm's exporter is scraped, and the status says.
    EXPECT_EQ(config["metrics_scrape_jobs"].dump(),
              R"([{"metrics_path":"/metrics","static_configs":[{"targets":["localhost:9092"]}]}])");
    EXPECT_EQ(unit.state.unit_status,
              (Status{"active",
                      "primary - UP; no Slurm metrics: MetricsType needs Slurm 25.11, "
                      "this is 24.11.5"}));
    EXPECT_THAT(
        file_text(unit, "/etc/systemd/system/slurmctld-charm-exporter.service"),
        HasSubstr(std::string("ExecStart=") + kCharmDir + "/dispatch metrics-exporter 9092\n"));
    EXPECT_TRUE(unit.host->service("slurmctld-charm-exporter").active);
    EXPECT_TRUE(unit.host->service("slurmctld-charm-exporter").enabled);

    // Steady: nothing rewritten.
    const auto writes = unit.tool_calls;
    (void)writes;
    cluster.run(0, "update-status");
    EXPECT_EQ(relation.local_unit_data.at("config"), raw);

    unit.state.relations.erase(unit.state.relations.end() - 1);
    cluster.run(0, "cos-agent-relation-broken",
                {kCosRelationId, "cos-agent", "opentelemetry-collector", "", ""});
    EXPECT_FALSE(unit.host->exists("/etc/systemd/system/slurmctld-charm-exporter.service"));
    EXPECT_FALSE(unit.host->service("slurmctld-charm-exporter").active);
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

TEST(CharmCosAgent, OnSlurm2511SlurmsOwnEndpointsAreScrapedAsUpstreamDoes) {
    testing_support::FakeHost host;
    const slurmctld::charm::CosTopology topology{"m", "0123456789ab", "ctl", "slurmctld"};
    const auto data = slurmctld::charm::cos_agent_unit_data(
        host, "/charm", topology, slurmctld::slurm::SlurmVersion{25, 11, 2});
    std::vector<std::string> paths;
    for (const auto& job : data["metrics_scrape_jobs"]) {
        paths.push_back(job["metrics_path"].get<std::string>() + " " +
                        job["static_configs"][0]["targets"][0].get<std::string>());
    }
    EXPECT_EQ(paths, (std::vector<std::string>{
                         "/metrics/jobs localhost:6817", "/metrics/nodes localhost:6817",
                         "/metrics/partitions localhost:6817", "/metrics/scheduler localhost:6817",
                         "/metrics/jobs-users-accts localhost:6817", "/metrics localhost:9092"}));
    // Without rule files only cosl's generic group is there, named after the topology.
    EXPECT_EQ(data["metrics_alert_rules"]["groups"][0]["name"], "m_01234567_ctl_HostHealth_rules");
}

TEST(CharmCosAgent, TheExporterReportsControllersAndTheOneInControl) {
    TestCluster cluster = settled_ha_cluster(2, 3);
    auto& host = *cluster.unit(1).host;
    cluster.sync_controllers();
    const auto page =
        slurmctld::charm::exporter_metrics(host, slurmctld::slurm::SlurmVersion{24, 11, 5});
    EXPECT_THAT(page, HasSubstr("slurmctld_charm_controllers 2\n"));
    EXPECT_THAT(
        page,
        HasSubstr(
            "slurmctld_charm_controller_up{hostname=\"juju-5f2a1c-0\",mode=\"primary\"} 1\n"));
    EXPECT_THAT(
        page,
        HasSubstr("slurmctld_charm_controller_up{hostname=\"juju-5f2a1c-1\",mode=\"backup\"} 1\n"));
    EXPECT_THAT(
        page,
        HasSubstr("slurmctld_charm_in_control{hostname=\"juju-5f2a1c-0\",mode=\"primary\"} 1\n"));
    EXPECT_THAT(page, HasSubstr("slurmctld_charm_controller_index_in_control 0\n"));
    EXPECT_THAT(page, HasSubstr("slurmctld_charm_local_controller_active 1\n"));
    EXPECT_THAT(page, HasSubstr("# TYPE slurmctld_charm_statefs_write_p99_seconds gauge\n"));
    // The primary stops: the backup takes over.
    cluster.unit(0).host->service("slurmctld").active = false;
    cluster.sync_controllers();
    const auto after =
        slurmctld::charm::exporter_metrics(host, slurmctld::slurm::SlurmVersion{24, 11, 5});
    EXPECT_THAT(
        after,
        HasSubstr(
            "slurmctld_charm_controller_up{hostname=\"juju-5f2a1c-0\",mode=\"primary\"} 0\n"));
    EXPECT_THAT(after, HasSubstr("slurmctld_charm_controller_index_in_control 1\n"));
}

// ---- slurm-conf-parameters: every key the installed Slurm accepts (issue 9 item 6) --------------

TEST(CharmConfigKeys, DefCpuPerGpuAndDefMemPerGpuReachTheOverridesFile) {
    auto cluster = deployed_controller();
    auto& unit = cluster.unit(0);
    unit.state.config["slurm-conf-parameters"] = "DefCpuPerGPU=4\nDefMemPerGPU=2048\n";
    cluster.run(0, "config-changed");
    EXPECT_EQ(file_text(unit, "/etc/slurm/slurm.conf.overrides"),
              "defcpupergpu=4\ndefmempergpu=2048\n");
    EXPECT_EQ(unit.state.unit_status, (Status{"active", "primary - UP"}));
}

}  // namespace
}  // namespace charm_tests
