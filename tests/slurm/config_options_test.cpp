#include <gtest/gtest.h>

#include <slurmctld/slurm/config_options.hpp>
#include <slurmctld/slurm/upstream_form.hpp>

#include "slurm/slurm_test_data.hpp"

using slurmctld::slurm::parse_cgroup_parameters;
using slurmctld::slurm::parse_slurm_conf_parameters;
using slurmctld::slurm::SlurmVersion;
using slurmctld::slurm::upstream_file_text;

TEST(SlurmConfParameters, OverridesFileIsUpstreamsDump) {
    const auto overrides =
        parse_slurm_conf_parameters(slurm_test::data_file("overrides-input.conf"));
    ASSERT_TRUE(overrides) << overrides.error().message;
    std::string golden = slurm_test::data_file("upstream-slurm.conf.overrides");
    const std::string cluster_name = "clustername=quoted\n";  // see data/README.md
    ASSERT_NE(golden.find(cluster_name), std::string::npos);
    golden.erase(golden.find(cluster_name), cluster_name.size());
    EXPECT_EQ(upstream_file_text(overrides.value()), golden);
}

TEST(SlurmConfParameters, TheIntegrationTestsValue) {
    const auto overrides = parse_slurm_conf_parameters("SlurmctldTimeout=10\n");
    ASSERT_TRUE(overrides);
    EXPECT_EQ(upstream_file_text(overrides.value()), "slurmctldtimeout=10\n");
}

TEST(SlurmConfParameters, EmptyGivesAFileWithOneNewline) {
    const auto overrides = parse_slurm_conf_parameters("");
    ASSERT_TRUE(overrides);
    EXPECT_EQ(upstream_file_text(overrides.value()), "\n");
}

TEST(SlurmConfParameters, KeysAreCaseInsensitiveAndRecordsAllowed) {
    const auto overrides = parse_slurm_conf_parameters(
        "slurmctldtimeout=10\nSLURMCTLDDEBUG=debug\nPartitionName=extra Nodes=x\n");
    ASSERT_TRUE(overrides) << overrides.error().message;
    EXPECT_EQ(overrides.value().get("slurmctlddebug"), "debug");
}

TEST(SlurmConfParameters, EnableConfiglessIsKeptOn) {
    auto with = [](std::string_view value) {
        auto document = parse_slurm_conf_parameters(value);
        EXPECT_TRUE(document);
        return document ? document.value().get("slurmctldparameters").value_or("-") : "";
    };
    EXPECT_EQ(with("SlurmctldParameters=idle_on_node_suspend"),
              "idle_on_node_suspend,enable_configless");
    EXPECT_EQ(with("SlurmctldParameters=enable_configless,x"), "enable_configless,x");
    EXPECT_EQ(with("SlurmctldParameters=a,enable_configless=no,b"), "a,enable_configless,b");
    EXPECT_EQ(with("SlurmctldTimeout=5"), "-");  // not added when the key is not set
}

TEST(SlurmConfParameters, ErrorsUseUpstreamsWordingAndNameTheLine) {
    struct Case {
        std::string value;
        std::string reason;
    };
    const std::vector<Case> cases{
        {"SlurmctldTimeout=10\nNoSuchKey=1",
         "line 2: unrecognized configuration field `NoSuchKey`"},
        {"SlurmctldTimeout 10", "line 1: missing '=' after `SlurmctldTimeout`"},
        {"UsePAM=yes", "line 1: invalid value for `UsePAM`: expected 0 or 1, not yes"},
        {"SlurmctldTimeout=1\nslurmctldtimeout=2",
         "line 2: configuration field `slurmctldtimeout` is given more than once"},
        {"Bogus=1 Nodes=x",
         "line 1: unexpected text after `Bogus=1`: \"Nodes=x\" (one Key=Value per line)"},
    };
    for (const Case& c : cases) {
        const auto result = parse_slurm_conf_parameters(c.value);
        ASSERT_FALSE(result) << c.value;
        EXPECT_EQ(result.error().message,
                  "Invalid slurm configuration override: " + c.value + ". Reason:\n" + c.reason);
    }
}

TEST(SlurmConfParameters, RepeatableKeysMayRepeat) {
    EXPECT_TRUE(parse_slurm_conf_parameters("Prolog=/a\nProlog=/b\n"));
    EXPECT_TRUE(parse_slurm_conf_parameters("Epilog=/a\nEpilog=/b\n"));
}

TEST(SlurmConfParameters, KeysAreCheckedAgainstTheInstalledRelease) {
    const SlurmVersion slurm2411{24, 11, 5};
    const SlurmVersion slurm2511{25, 11, 0};
    EXPECT_TRUE(parse_slurm_conf_parameters("MetricsType=metrics/openmetrics", slurm2511));
    const auto old = parse_slurm_conf_parameters("MetricsType=metrics/openmetrics", slurm2411);
    ASSERT_FALSE(old);
    EXPECT_NE(old.error().message.find(
                  "line 1: configuration field `MetricsType` is not supported by Slurm 24.11"),
              std::string::npos);
    EXPECT_TRUE(parse_slurm_conf_parameters("GetEnvTimeout=2", slurm2411));
    EXPECT_FALSE(parse_slurm_conf_parameters("GetEnvTimeout=2", slurm2511));
    EXPECT_FALSE(parse_slurm_conf_parameters("FrontendName=f", slurm2511));
    // Without a version, either release's keys pass.
    EXPECT_TRUE(parse_slurm_conf_parameters("MetricsType=metrics/openmetrics\nGetEnvTimeout=2"));
}

TEST(SlurmConfParameters, AReleaseNewerThanTheKeyTablesIsTheJudgeOfKeysItMayHaveAdded) {
    const SlurmVersion slurm2605{26, 5, 0};
    const SlurmVersion slurm2511{25, 11, 0};
    EXPECT_FALSE(parse_slurm_conf_parameters("SomeNewKey=1", slurm2511));
    EXPECT_FALSE(parse_slurm_conf_parameters("SomeNewKey=1"));
    EXPECT_TRUE(parse_slurm_conf_parameters("SomeNewKey=1", slurm2605));
    // Keys known here are still checked as the newest table has them.
    EXPECT_FALSE(parse_slurm_conf_parameters("GetEnvTimeout=2", slurm2605));
    EXPECT_FALSE(parse_slurm_conf_parameters("MessageTimeout=soon", slurm2605));
    // The charm's own keys stay the charm's.
    EXPECT_FALSE(parse_slurm_conf_parameters("SlurmctldHost=x", slurm2605));
}

TEST(CgroupParameters, UserKeysOverrideTheDefaultsLikeUpstream) {
    const auto cgroup = parse_cgroup_parameters(slurm_test::data_file("cgroup-input.conf"));
    ASSERT_TRUE(cgroup) << cgroup.error().message;
    EXPECT_EQ(upstream_file_text(cgroup.value()), slurm_test::data_file("upstream-cgroup.conf"));
}

TEST(CgroupParameters, EmptyGivesTheDefaults) {
    const auto cgroup = parse_cgroup_parameters("");
    ASSERT_TRUE(cgroup);
    EXPECT_EQ(upstream_file_text(cgroup.value()),
              slurm_test::data_file("upstream-default-cgroup.conf"));
}

TEST(CgroupParameters, ErrorsUseUpstreamsWording) {
    const auto bad_key = parse_cgroup_parameters("ConstrainCores=yes\nSlurmctldTimeout=3");
    ASSERT_FALSE(bad_key);
    EXPECT_EQ(bad_key.error().message,
              "Invalid cgroup configuration: ConstrainCores=yes\nSlurmctldTimeout=3. Reason:\n"
              "line 2: unrecognized configuration field `SlurmctldTimeout`");
    const auto bad_value = parse_cgroup_parameters("ConstrainCores=maybe");
    ASSERT_FALSE(bad_value);
    EXPECT_EQ(bad_value.error().message,
              "Invalid cgroup configuration: ConstrainCores=maybe. Reason:\n"
              "line 1: invalid value for `ConstrainCores`: expected yes or no, not maybe");
    EXPECT_FALSE(parse_cgroup_parameters("include other.conf"));
    EXPECT_FALSE(parse_cgroup_parameters("CgroupSlice=x", SlurmVersion{24, 11, 0}));
    EXPECT_TRUE(parse_cgroup_parameters("CgroupSlice=x", SlurmVersion{25, 11, 1}));
}

// ---- charm-owned keys, release tables, values, round trips
// ---------------------------------------

using slurmctld::slurm::check_cgroup_parameters;
using slurmctld::slurm::check_slurm_conf_parameters;
using slurmctld::slurm::ConfigOptionError;

TEST(SlurmConfParameters, CharmOwnedKeysAreRefusedByName) {
    for (const char* key :
         {"ClusterName", "SlurmctldHost", "ControlMachine", "ControlAddr", "BackupController",
          "BackupAddr", "SlurmctldAddr", "StateSaveLocation", "AuthType", "AuthAltTypes",
          "AuthAltParameters", "AuthInfo", "CredType", "SlurmctldPort", "SlurmUser",
          "AccountingStorageHost", "AccountingStoragePort", "AccountingStorageType"}) {
        for (const std::string& spelling : {std::string(key), slurmctld::slurm::to_lower(key)}) {
            const std::string value = "SlurmctldTimeout=10\n" + spelling + "=1\n";
            const auto result = check_slurm_conf_parameters(value, SlurmVersion{25, 11, 0});
            ASSERT_FALSE(result) << value;
            EXPECT_EQ(result.error().kind, ConfigOptionError::Kind::CharmOwned) << key;
            EXPECT_EQ(result.error().key, key);
            EXPECT_EQ(result.error().line, 2);
            EXPECT_EQ(result.error().option, "slurm-conf-parameters");
            EXPECT_EQ(result.error().status(),
                      "Configuration option 'slurm-conf-parameters' sets `" + std::string(key) +
                          "`, which the charm manages");
            EXPECT_NE(result.error().message.find("Invalid slurm configuration override: " + value +
                                                  ". Reason:\nline 2: `" + key +
                                                  "` is managed by the charm ("),
                      std::string::npos)
                << result.error().message;
        }
        EXPECT_NE(slurmctld::slurm::find_charm_owned_key(key), nullptr) << key;
    }
    EXPECT_EQ(slurmctld::slurm::find_charm_owned_key("SlurmctldTimeout"), nullptr);
    EXPECT_GE(slurmctld::slurm::charm_owned_slurm_conf_keys().size(), 19U);
}

TEST(SlurmConfParameters, IncludeLinesAreTheCharms) {
    for (const char* value : {"include slurm.conf.site", "Include /etc/passwd", "INCLUDE x"}) {
        const auto result = check_slurm_conf_parameters(value);
        ASSERT_FALSE(result) << value;
        EXPECT_EQ(result.error().kind, ConfigOptionError::Kind::CharmOwned);
        EXPECT_EQ(result.error().key, "include");
        EXPECT_EQ(result.error().status(),
                  "Configuration option 'slurm-conf-parameters' sets `include`, which the charm "
                  "manages");
    }
}

TEST(SlurmConfParameters, EveryKeyOfEveryReleaseIsAccepted) {
    // The DefCpuPerGPU regression (issue 9 item 6), in every release we carry.
    for (const SlurmVersion version :
         {SlurmVersion{22, 5, 8}, SlurmVersion{23, 2, 7}, SlurmVersion{23, 11, 4},
          SlurmVersion{24, 5, 8}, SlurmVersion{24, 11, 5}, SlurmVersion{25, 5, 3},
          SlurmVersion{25, 11, 0}, SlurmVersion{26, 5, 0}}) {
        const auto result =
            check_slurm_conf_parameters("DefCpuPerGPU=4\nDefMemPerGPU=1024\n", version);
        EXPECT_TRUE(result) << version.to_string() << ": "
                            << (result ? "" : result.error().message);
    }
}

TEST(SlurmConfParameters, DefunctAndUnknownKeysNameTheRelease) {
    const auto defunct = check_slurm_conf_parameters("CoreSpecPlugin=x", SlurmVersion{25, 11, 0});
    ASSERT_FALSE(defunct);
    EXPECT_EQ(defunct.error().kind, ConfigOptionError::Kind::Defunct);
    EXPECT_EQ(defunct.error().reason,
              "line 1: configuration field `CoreSpecPlugin` is defunct in Slurm 25.11 (it is "
              "ignored)");
    EXPECT_TRUE(
        check_slurm_conf_parameters("CoreSpecPlugin=core_spec/none", SlurmVersion{23, 11, 4}));
    const auto newer = check_slurm_conf_parameters("HashPlugin=hash/k12", SlurmVersion{23, 2, 7});
    ASSERT_FALSE(newer);
    EXPECT_EQ(newer.error().kind, ConfigOptionError::Kind::UnknownKey);
    EXPECT_EQ(newer.error().key, "HashPlugin");
    EXPECT_EQ(newer.error().reason,
              "line 1: configuration field `HashPlugin` is not supported by Slurm 23.02");
    const auto unknown = check_slurm_conf_parameters("NoSuchKey=1");
    ASSERT_FALSE(unknown);
    EXPECT_EQ(unknown.error().status(),
              "Configuration option 'slurm-conf-parameters' is invalid: line 1: unrecognized "
              "configuration field `NoSuchKey`");
}

TEST(SlurmConfParameters, ValuesSlurmsParserWouldRefuse) {
    struct Case {
        const char* value;
        const char* reason;
    };
    for (const Case& c : {
             Case{"SlurmctldTimeout=abc",
                  "line 1: invalid value for `SlurmctldTimeout`: \"abc\" "
                  "is not a number"},
             Case{"SlurmctldTimeout=65536",
                  "line 1: invalid value for `SlurmctldTimeout`: 65536 is greater than 65535"},
             Case{"SlurmctldTimeout=-1",
                  "line 1: invalid value for `SlurmctldTimeout`: -1 is less than zero"},
             Case{"MaxJobCount=4294967296",
                  "line 1: invalid value for `MaxJobCount`: 4294967296 is greater than 4294967295"},
             Case{"DefMemPerCPU=1.5",
                  "line 1: invalid value for `DefMemPerCPU`: \"1.5\" is not a "
                  "number"},
             Case{"DisableRootJobs=maybe",
                  "line 1: invalid value for `DisableRootJobs`: \"maybe\" "
                  "is not yes/no, true/false, up/down or 1/0"},
             Case{"PartitionName=p Bogus=1",
                  "line 1: unrecognized field `Bogus` on a `PartitionName` line"},
             Case{"PartitionName=p MaxNodes=x",
                  "line 1: invalid value for `MaxNodes` on a `PartitionName` line: \"x\" is not a "
                  "number"},
             Case{
                 "NodeName=n1 CPUs=lots",
                 "line 1: invalid value for `CPUs` on a `NodeName` line: \"lots\" is not a number"},
             Case{"NodeSet=s Weight=1", "line 1: unrecognized field `Weight` on a `NodeSet` line"},
         }) {
        const auto result = check_slurm_conf_parameters(c.value);
        ASSERT_FALSE(result) << c.value;
        EXPECT_EQ(result.error().reason, c.reason) << c.value;
    }
    for (const char* good : {"SlurmctldTimeout=0x10", "MaxJobCount=10k", "MaxJobCount=UNLIMITED",
                             "DisableRootJobs=YES", "DefMemPerCPU=INFINITE",
                             "PartitionName=p MaxNodes=INFINITE Default=yes",
                             "NodeName=n[1-4] CPUs=8 RealMemory=1000 State=CLOUD"}) {
        const auto result = check_slurm_conf_parameters(good);
        EXPECT_TRUE(result) << good << ": " << (result ? "" : result.error().message);
    }
    // Records keep to the installed release's table too.
    EXPECT_FALSE(
        check_slurm_conf_parameters("PartitionName=p Topology=t", SlurmVersion{24, 11, 0}));
    EXPECT_TRUE(check_slurm_conf_parameters("PartitionName=p Topology=t", SlurmVersion{25, 5, 0}));
}

TEST(SlurmConfParameters, RepeatedKeysFollowTheRelease) {
    // Prolog reads every line from 24.05 on; before, a second line silently replaced the first.
    EXPECT_TRUE(check_slurm_conf_parameters("Prolog=/a\nProlog=/b", SlurmVersion{24, 5, 0}));
    const auto old = check_slurm_conf_parameters("Prolog=/a\nProlog=/b", SlurmVersion{23, 11, 4});
    ASSERT_FALSE(old);
    EXPECT_EQ(old.error().kind, ConfigOptionError::Kind::Duplicate);
}

TEST(SlurmConfParameters, QuotesAndEscapesSurviveTheOverridesFile) {
    struct Case {
        const char* value;
        const char* file;  // what the charm writes to slurm.conf.overrides
    };
    for (const Case& c : {
             Case{R"(MailProg="/usr/bin/mail -x")", "mailprog=\"/usr/bin/mail -x\"\n"},
             Case{R"(MailDomain=example.org\#frag)", "maildomain=example.org\\#frag\n"},
             Case{R"(MailProg="/usr/bin/mail \# not a comment")",
                  "mailprog=\"/usr/bin/mail \\# not a comment\"\n"},
             Case{R"(MailProg=C:\\mail)", "mailprog=C:\\\\mail\n"},
             Case{"SchedulerParameters=\"bf_interval=30 , x\"",
                  "schedulerparameters=\"bf_interval=30 , x\"\n"},
             Case{"SchedulerParameters=\"bf_interval=30,bf_max_job_test=100\"",
                  "schedulerparameters=\"bf_interval=30,bf_max_job_test=100\"\n"},
             Case{"RebootProgram=\"/usr/sbin/reboot --reboot\"",
                  "rebootprogram=\"/usr/sbin/reboot --reboot\"\n"},
             Case{"RebootProgram=/sbin/reboot#comment", "rebootprogram=\"/sbin/reboot\"\n"},
             Case{"SlurmctldTimeout=10 \\\n# continued\n", "slurmctldtimeout=10\n"},
             Case{"Epilog=\"\"", "epilog=\"\"\n"},
         }) {
        const auto overrides = parse_slurm_conf_parameters(c.value);
        ASSERT_TRUE(overrides) << c.value << ": " << overrides.error().message;
        const std::string file = upstream_file_text(overrides.value());
        EXPECT_EQ(file, c.file) << c.value;
        // The file reads back to the same values, and writing it again changes nothing.
        const auto reread = parse_slurm_conf_parameters(file);
        ASSERT_TRUE(reread) << file;
        EXPECT_EQ(upstream_file_text(reread.value()), file);
        EXPECT_EQ(slurmctld::slurm::upstream_dict(reread.value()),
                  slurmctld::slurm::upstream_dict(overrides.value()));
    }
}

TEST(SlurmConfParameters, ValuesThatCannotBeWrittenBackAreErrors) {
    for (const char* value :
         {"MailProg=\"a\"b\"", "MailProg=\"unterminated", "MailProg=a\x01z", "MailProg=a\x7fz"}) {
        const auto result = check_slurm_conf_parameters(value);
        ASSERT_FALSE(result) << slurmctld::slurm::to_lower(value);
        EXPECT_EQ(result.error().kind, ConfigOptionError::Kind::Unwritable) << value;
        EXPECT_EQ(result.error().key, "MailProg") << value;
    }
}

TEST(CgroupParameters, DefaultsTheInstalledReleaseDoesNotKnowAreLeftOut) {
    // SignalChildrenProcesses is 23.11's: Slurm 22.05 stops on it.
    const auto old = parse_cgroup_parameters("", SlurmVersion{22, 5, 8});
    ASSERT_TRUE(old);
    EXPECT_FALSE(old.value().contains("SignalChildrenProcesses"));
    EXPECT_TRUE(old.value().contains("ConstrainCores"));
    const auto current = parse_cgroup_parameters("", SlurmVersion{25, 11, 0});
    ASSERT_TRUE(current);
    EXPECT_TRUE(current.value().contains("SignalChildrenProcesses"));
    const auto user =
        check_cgroup_parameters("SignalChildrenProcesses=yes", SlurmVersion{22, 5, 8});
    ASSERT_FALSE(user);
    EXPECT_EQ(user.error().key, "SignalChildrenProcesses");
    EXPECT_EQ(user.error().option, "cgroup-parameters");
}

TEST(CgroupParameters, ValuesAreCheckedByType) {
    EXPECT_FALSE(parse_cgroup_parameters("AllowedRAMSpace=lots"));
    EXPECT_TRUE(parse_cgroup_parameters("AllowedRAMSpace=98.5"));
    EXPECT_TRUE(parse_cgroup_parameters("MaxRAMPercent=100"));
    EXPECT_FALSE(parse_cgroup_parameters("MinRAMSpace=-3"));
}
