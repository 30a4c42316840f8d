#include <gtest/gtest.h>

#include <slurmctld/slurm/config_keys.hpp>

using slurmctld::slurm::ConfigDialect;
using slurmctld::slurm::find_key;
using slurmctld::slurm::SlurmVersion;
using slurmctld::slurm::ValueKind;

TEST(ConfigKeys, LookupIsCaseInsensitiveAndGivesSlurmsSpelling) {
    const auto* info = find_key(ConfigDialect::SlurmConf, "slurmctldhost");
    ASSERT_NE(info, nullptr);
    EXPECT_EQ(info->name, "SlurmctldHost");
    EXPECT_EQ(info->kind, ValueKind::Multiline);
    EXPECT_TRUE(info->repeatable);
    EXPECT_EQ(find_key(ConfigDialect::SlurmConf, "REBOOTPROGRAM")->kind, ValueKind::Quoted);
    EXPECT_EQ(find_key(ConfigDialect::SlurmConf, "SlurmctldParameters")->kind,
              ValueKind::CommaDict);
    EXPECT_EQ(find_key(ConfigDialect::CgroupConf, "constraincores")->kind, ValueKind::YesNo);
    EXPECT_EQ(find_key(ConfigDialect::SlurmConf, "ConstrainCores"), nullptr);
    EXPECT_EQ(find_key(ConfigDialect::CgroupConf, "ClusterName"), nullptr);
    EXPECT_EQ(find_key(ConfigDialect::GresConf, "AutoDetect"), nullptr);
}

TEST(ConfigKeys, EveryKeyTheCharmWritesIsKnown) {
    for (const char* key : {"ClusterName",
                            "SlurmctldHost",
                            "AuthAltParameters",
                            "AuthAltTypes",
                            "AuthType",
                            "CredType",
                            "GresTypes",
                            "MaxNodeCount",
                            "MetricsType",
                            "PluginDir",
                            "PlugStackConfig",
                            "ProctrackType",
                            "RebootProgram",
                            "SelectType",
                            "SelectTypeParameters",
                            "SlurmctldParameters",
                            "SlurmctldPort",
                            "SlurmdPort",
                            "StateSaveLocation",
                            "SlurmdSpoolDir",
                            "SlurmctldLogFile",
                            "SlurmdLogFile",
                            "SlurmdPidFile",
                            "SlurmctldPidFile",
                            "SlurmUser",
                            "SlurmdUser",
                            "TaskPlugin",
                            "AccountingStorageHost",
                            "AccountingStoragePort",
                            "AccountingStorageType",
                            "AcctGatherProfileType",
                            "AcctGatherInterconnectType",
                            "AccountingStorageTRES",
                            "AcctGatherNodeFreq",
                            "JobAcctGatherFrequency",
                            "JobAcctGatherType",
                            "MailProg",
                            "SlurmctldTimeout"}) {
        EXPECT_NE(find_key(ConfigDialect::SlurmConf, key), nullptr) << key;
    }
}

TEST(ConfigKeys, ReleaseTablesDiffer) {
    const SlurmVersion slurm2411{24, 11, 5};
    const SlurmVersion slurm2511{25, 11, 1};
    const auto* metrics = find_key(ConfigDialect::SlurmConf, "MetricsType");
    EXPECT_FALSE(metrics->accepted_by(slurm2411));
    EXPECT_TRUE(metrics->accepted_by(slurm2511));
    const auto* frontend = find_key(ConfigDialect::SlurmConf, "FrontendName");
    EXPECT_TRUE(frontend->accepted_by(slurm2411));
    EXPECT_FALSE(frontend->accepted_by(slurm2511));
    EXPECT_TRUE(
        find_key(ConfigDialect::SlurmConf, "ClusterName")->accepted_by(SlurmVersion{23, 2, 0}));
}

TEST(ConfigKeys, RecordKindsDependOnTheFile) {
    using slurmctld::slurm::is_record_kind;
    EXPECT_TRUE(is_record_kind(ConfigDialect::SlurmConf, "partitionname"));
    EXPECT_TRUE(is_record_kind(ConfigDialect::SlurmConf, "NodeSet"));
    EXPECT_FALSE(is_record_kind(ConfigDialect::SlurmConf, "Name"));
    EXPECT_TRUE(is_record_kind(ConfigDialect::GresConf, "Name"));
    EXPECT_FALSE(is_record_kind(ConfigDialect::CgroupConf, "NodeName"));
    EXPECT_EQ(slurmctld::slurm::record_collection_name("PartitionName"), "partitions");
    EXPECT_EQ(slurmctld::slurm::record_field_kind("partitionname", "Nodes"), ValueKind::CommaList);
    EXPECT_EQ(slurmctld::slurm::record_field_kind("PartitionName", "MaxTime"),
              ValueKind::Automatic);
}
