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
    EXPECT_EQ(upstream_file_text(overrides.value()),
              slurm_test::data_file("upstream-slurm.conf.overrides"));
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

TEST(SlurmConfParameters, KeysAreCaseInsensitiveAndRecordsAndIncludesAllowed) {
    const auto overrides = parse_slurm_conf_parameters(
        "slurmctldtimeout=10\nSLURMCTLDDEBUG=debug\nPartitionName=extra Nodes=x\n"
        "include slurm.conf.site\n");
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
        {"ControlMachine=x\nCoreSpecPlugin=x",  // defunct: slurmctld would refuse it
         "line 2: unrecognized configuration field `CoreSpecPlugin`"},
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
    EXPECT_TRUE(parse_slurm_conf_parameters("SlurmctldHost=a\nSlurmctldHost=b\n"));
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
