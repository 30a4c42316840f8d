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
    EXPECT_TRUE(info->repeatable());
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

TEST(ConfigKeys, TheNearestReleaseAtOrBelowPicksTheTable) {
    using slurmctld::slurm::release_for;
    using slurmctld::slurm::release_name;
    namespace s = slurmctld::slurm;
    EXPECT_EQ(release_for(SlurmVersion{22, 5, 8}), s::kSlurm2205);
    EXPECT_EQ(release_for(SlurmVersion{21, 8, 0}), s::kSlurm2205);  // older: the oldest we carry
    EXPECT_EQ(release_for(SlurmVersion{23, 2, 0}), s::kSlurm2302);
    EXPECT_EQ(release_for(SlurmVersion{23, 11, 4}), s::kSlurm2311);
    EXPECT_EQ(release_for(SlurmVersion{24, 5, 0}), s::kSlurm2405);
    EXPECT_EQ(release_for(SlurmVersion{24, 11, 5}), s::kSlurm2411);
    EXPECT_EQ(release_for(SlurmVersion{25, 5, 1}), s::kSlurm2505);
    EXPECT_EQ(release_for(SlurmVersion{25, 11, 0}), s::kSlurm2511);
    EXPECT_EQ(release_for(SlurmVersion{26, 5, 0}), s::kSlurm2511);
    EXPECT_EQ(release_name(s::kSlurm2205), "22.05");
    EXPECT_EQ(release_name(s::kSlurm2511), "25.11");
}

TEST(ConfigKeys, EachReleaseHasItsOwnKeys) {
    const auto accepted = [](const char* key, SlurmVersion version) {
        const auto* info = find_key(ConfigDialect::SlurmConf, key);
        return info != nullptr && info->accepted_by(version);
    };
    // Read from read_config.c at each release's first tag.
    EXPECT_TRUE(accepted("DefCpuPerGPU", SlurmVersion{22, 5, 0}));
    EXPECT_TRUE(accepted("DefMemPerGPU", SlurmVersion{25, 11, 0}));
    EXPECT_TRUE(accepted("SlurmctldPlugstack", SlurmVersion{22, 5, 0}));
    EXPECT_FALSE(accepted("SlurmctldPlugstack", SlurmVersion{23, 2, 0}));
    EXPECT_FALSE(accepted("MaxBatchRequeue", SlurmVersion{22, 5, 0}));
    EXPECT_TRUE(accepted("MaxBatchRequeue", SlurmVersion{23, 2, 0}));
    EXPECT_FALSE(accepted("HashPlugin", SlurmVersion{23, 11, 0}));
    EXPECT_TRUE(accepted("HashPlugin", SlurmVersion{24, 5, 0}));
    EXPECT_FALSE(accepted("CertmgrType", SlurmVersion{24, 5, 0}));
    EXPECT_TRUE(accepted("CertmgrType", SlurmVersion{24, 11, 0}));
    EXPECT_FALSE(accepted("PrologTimeout", SlurmVersion{24, 11, 0}));
    EXPECT_TRUE(accepted("PrologTimeout", SlurmVersion{25, 5, 0}));
    EXPECT_FALSE(accepted("HttpParserType", SlurmVersion{25, 5, 0}));
    EXPECT_TRUE(accepted("HttpParserType", SlurmVersion{25, 11, 0}));
    EXPECT_TRUE(accepted("AccountingStorageLoc", SlurmVersion{25, 5, 0}));
    EXPECT_FALSE(accepted("AccountingStorageLoc", SlurmVersion{25, 11, 0}));
    // Defunct keys: parsed, ignored with an error.
    const auto* power = find_key(ConfigDialect::SlurmConf, "PowerPlugin");
    ASSERT_NE(power, nullptr);
    EXPECT_TRUE(power->accepted_by(SlurmVersion{23, 11, 0}));
    EXPECT_FALSE(power->accepted_by(SlurmVersion{24, 5, 0}));
    EXPECT_TRUE(power->defunct_in(SlurmVersion{24, 5, 0}));
    // cgroup.conf: SignalChildrenProcesses from 23.11, the kmem keys until 23.02.
    const auto* signal = find_key(ConfigDialect::CgroupConf, "SignalChildrenProcesses");
    EXPECT_FALSE(signal->accepted_by(SlurmVersion{23, 2, 0}));
    EXPECT_TRUE(signal->accepted_by(SlurmVersion{23, 11, 0}));
    const auto* kmem = find_key(ConfigDialect::CgroupConf, "ConstrainKmemSpace");
    EXPECT_TRUE(kmem->accepted_by(SlurmVersion{23, 2, 0}));
    EXPECT_FALSE(kmem->accepted_by(SlurmVersion{23, 11, 0}));
    EXPECT_TRUE(find_key(ConfigDialect::CgroupConf, "CgroupAutomount")
                    ->defunct_in(SlurmVersion{23, 11, 0}));
    // Prolog reads every line from 24.05 on.
    const auto* prolog = find_key(ConfigDialect::SlurmConf, "Prolog");
    EXPECT_FALSE(prolog->repeatable_in(SlurmVersion{23, 11, 0}));
    EXPECT_TRUE(prolog->repeatable_in(SlurmVersion{24, 5, 0}));
    EXPECT_TRUE(
        find_key(ConfigDialect::SlurmConf, "SlurmctldHost")->repeatable_in(SlurmVersion{22, 5, 0}));
}

TEST(ConfigKeys, RecordLinesHaveTheirOwnTables) {
    using slurmctld::slurm::find_record_field;
    const auto* def = find_record_field("PartitionName", "default");
    ASSERT_NE(def, nullptr);
    EXPECT_EQ(def->name, "Default");
    EXPECT_EQ(def->type, slurmctld::slurm::SlurmType::Boolean);
    EXPECT_NE(find_record_field("partitionname", "DefCpuPerGPU"), nullptr);
    EXPECT_EQ(find_record_field("PartitionName", "PartitionName"), nullptr);
    EXPECT_EQ(find_record_field("PartitionName", "NodeName"), nullptr);
    EXPECT_FALSE(
        find_record_field("PartitionName", "Topology")->accepted_by(SlurmVersion{24, 11, 0}));
    EXPECT_TRUE(
        find_record_field("PartitionName", "Topology")->accepted_by(SlurmVersion{25, 5, 0}));
    EXPECT_NE(find_record_field("NodeName", "RealMemory"), nullptr);
    EXPECT_NE(find_record_field("NodeSet", "Feature"), nullptr);
    EXPECT_EQ(find_record_field("NodeSet", "Weight"), nullptr);
    EXPECT_NE(find_record_field("DownNodes", "Reason"), nullptr);
    EXPECT_FALSE(find_record_field("FrontendName", "Port")->accepted_by(SlurmVersion{25, 5, 0}));
    EXPECT_EQ(find_record_field("ClusterName", "x"), nullptr);
}

TEST(ConfigKeys, SlurmTypesAreParsedAsParseValueDoes) {
    using slurmctld::slurm::slurm_type_error;
    using slurmctld::slurm::SlurmType;
    for (const char* good : {"0", "65535", "0xffff", "017", "+5", "UNLIMITED", "infinite"}) {
        EXPECT_EQ(slurm_type_error(SlurmType::UInt16, good), std::nullopt) << good;
    }
    for (const char* bad : {"65536", "-1", "", "1.0", "0x", "abc", "1k", "08", "1 2"}) {
        EXPECT_NE(slurm_type_error(SlurmType::UInt16, bad), std::nullopt) << bad;
    }
    EXPECT_EQ(slurm_type_error(SlurmType::UInt32, "4194303k"), std::nullopt);
    EXPECT_NE(slurm_type_error(SlurmType::UInt32, "4194304k"), std::nullopt);
    EXPECT_EQ(slurm_type_error(SlurmType::UInt64, "18446744073709551615"), std::nullopt);
    EXPECT_NE(slurm_type_error(SlurmType::UInt64, "18446744073709551616"), std::nullopt);
    EXPECT_NE(slurm_type_error(SlurmType::UInt64, "99999999999999999999999"), std::nullopt);
    for (const char* good : {"yes", "NO", "True", "false", "up", "DOWN", "1", "0"}) {
        EXPECT_EQ(slurm_type_error(SlurmType::Boolean, good), std::nullopt) << good;
    }
    for (const char* bad : {"y", "2", "", "enabled"}) {
        EXPECT_NE(slurm_type_error(SlurmType::Boolean, bad), std::nullopt) << bad;
    }
    for (const char* good : {"1", "1.5", ".5", "-2", "1e3", "INFINITE"}) {
        EXPECT_EQ(slurm_type_error(SlurmType::Float, good), std::nullopt) << good;
    }
    for (const char* bad : {"", ".", "1.5x", "e3", "one"}) {
        EXPECT_NE(slurm_type_error(SlurmType::Float, bad), std::nullopt) << bad;
    }
    EXPECT_EQ(slurm_type_error(SlurmType::String, ""), std::nullopt);
}
