#include <gtest/gtest.h>

#include <slurmctld/slurm/default_files.hpp>
#include <slurmctld/slurm/partitions.hpp>
#include <slurmctld/slurm/upstream_form.hpp>

#include "slurm/slurm_test_data.hpp"

using nlohmann::ordered_json;
using slurmctld::slurm::AuthSetup;
using slurmctld::slurm::ConfigDialect;
using slurmctld::slurm::ConfigDocument;
using slurmctld::slurm::DefaultSlurmConf;

namespace {

DefaultSlurmConf upstream_options() {
    DefaultSlurmConf options;
    options.cluster_name = "charmed-hpc-abcd";
    options.controllers = {"juju-abc-0", "juju-abc-1"};
    return options;
}

ConfigDocument parse(std::string_view text) {
    auto document = ConfigDocument::parse(text);
    EXPECT_TRUE(document) << document.error().describe();
    return document ? std::move(document).value() : ConfigDocument();
}

}  // namespace

// ---- default slurm.conf -------------------------------------------------------------------------

TEST(DefaultSlurmConf, IsUpstreamsFileByteForByte) {
    // slurmutils 1.2.0, which upstream pins, with MetricsType (Slurm 25.11).
    EXPECT_EQ(default_slurm_conf(upstream_options()).render(),
              slurm_test::data_file("upstream-1.2.0-slurm.conf"));
}

TEST(DefaultSlurmConf, WithoutOpenMetricsIsTheSlurmutils116File) {
    DefaultSlurmConf options = upstream_options();
    options.openmetrics = false;
    EXPECT_EQ(default_slurm_conf(options).render(),
              slurm_test::data_file("upstream-1.1.6-slurm.conf"));
}

TEST(DefaultSlurmConf, InAContainerUsesNoCgroupPlugins) {
    DefaultSlurmConf options = upstream_options();
    options.openmetrics = false;
    options.cgroups_usable = false;
    EXPECT_EQ(default_slurm_conf(options).render(),
              slurm_test::data_file("upstream-1.1.6-container-slurm.conf"));
}

TEST(DefaultSlurmConf, RoundTripsThroughTheDocumentAndSlurmutilsForms) {
    const std::string text = slurm_test::data_file("upstream-1.2.0-slurm.conf");
    const ConfigDocument document = parse(text);
    EXPECT_EQ(document.render(), text);
    EXPECT_EQ(slurmctld::slurm::upstream_file_text(document), text);
}

TEST(DefaultSlurmConf, MungeAndPathsAreParameters) {
    DefaultSlurmConf options = upstream_options();
    options.auth = AuthSetup::Munge;
    options.controllers = {"a", "b", "c"};
    options.plugin_dir = *slurmctld::slurm::plugin_dir_for("arm64");
    options.state_save_location = "/srv/slurmctld-statefs/checkpoint";
    const ConfigDocument conf = default_slurm_conf(options);
    EXPECT_EQ(conf.get("authtype"), "auth/munge");
    EXPECT_EQ(conf.get("credtype"), "cred/munge");
    EXPECT_EQ(conf.get("authalttypes"), "auth/jwt");
    EXPECT_EQ(conf.get_all("slurmctldhost"), (std::vector<std::string>{"a", "b", "c"}));
    EXPECT_EQ(conf.get("plugindir"), "/usr/lib/aarch64-linux-gnu/slurm-wlm");
    EXPECT_EQ(conf.get("statesavelocation"), "/srv/slurmctld-statefs/checkpoint");

    options.auth = AuthSetup::SlurmKey;  // slurm.key: the same slurm.conf as slurm.jwks
    EXPECT_EQ(default_slurm_conf(options).get("authtype"), "auth/slurm");
}

TEST(PluginDir, KnowsDebianAndKernelArchitectureNames) {
    using slurmctld::slurm::plugin_dir_for;
    EXPECT_EQ(plugin_dir_for("amd64"), "/usr/lib/x86_64-linux-gnu/slurm-wlm");
    EXPECT_EQ(plugin_dir_for("x86_64"), "/usr/lib/x86_64-linux-gnu/slurm-wlm");
    EXPECT_EQ(plugin_dir_for("ppc64el"), "/usr/lib/powerpc64le-linux-gnu/slurm-wlm");
    EXPECT_FALSE(plugin_dir_for("vax"));
}

// ---- gres.conf, cgroup.conf ---------------------------------------------------------------------

TEST(DefaultGresConf, IsAutodetectNvidia) {
    EXPECT_EQ(slurmctld::slurm::default_gres_conf().render(), "autodetect=nvidia\n");
    EXPECT_EQ(slurmctld::slurm::upstream_file_text(slurmctld::slurm::default_gres_conf()),
              "autodetect=nvidia\n");
    // Before 24.11 there is no `nvidia` detector.
    EXPECT_EQ(slurmctld::slurm::default_gres_conf(false).render(), "autodetect=off\n");
}

TEST(DefaultCgroupConf, IsUpstreamsDefaults) {
    const ConfigDocument cgroup = slurmctld::slurm::default_cgroup_conf();
    EXPECT_EQ(cgroup.dialect(), ConfigDialect::CgroupConf);
    EXPECT_EQ(cgroup.render(), slurm_test::data_file("upstream-default-cgroup.conf"));
    EXPECT_EQ(slurmctld::slurm::upstream_file_text(cgroup),
              slurm_test::data_file("upstream-default-cgroup.conf"));
}

// ---- partitions
// -----------------------------------------------------------------------------------

TEST(Partitions, SlurmdsPartitionBecomesUpstreamsIncludeFile) {
    ConfigDocument include;
    const auto name = slurmctld::slurm::apply_partition(
        include, ordered_json::parse(R"({"defaulttime": "45:00", "maxtime": "1:00:00",
                                "partitionname": "compute", "nodes": ["compute"]})"),
        true);
    ASSERT_TRUE(name) << name.error().message;
    EXPECT_EQ(name.value(), "compute");
    EXPECT_EQ(include.render(), slurm_test::data_file("upstream-slurm.conf.compute"));
    EXPECT_EQ(slurmctld::slurm::partition_include_name("compute"), "slurm.conf.compute");
}

TEST(Partitions, ThePlainPartitionOfTheReference) {
    ConfigDocument include;
    ASSERT_TRUE(slurmctld::slurm::apply_partition(
        include, ordered_json::parse(R"({"partitionname": "compute", "nodes": ["compute"]})"),
        false));
    EXPECT_EQ(include.render(),
              "nodeset=compute feature=compute\npartitionname=compute nodes=compute\n");
}

TEST(Partitions, ANewPartitionReplacesTheOldOneAndKeepsTheNodeSet) {
    ConfigDocument include = parse(slurm_test::data_file("upstream-slurm.conf.compute"));
    ASSERT_TRUE(slurmctld::slurm::apply_partition(
        include, ordered_json::parse(R"({"partitionname": "compute", "nodes": ["compute"],
                                "maxnodes": 4, "exclusiveuser": true, "allowgroups": ["a", "b"]})"),
        false));
    EXPECT_EQ(include.render(),
              "nodeset=compute feature=compute\n"
              "partitionname=compute nodes=compute maxnodes=4 exclusiveuser=True "
              "allowgroups=a,b\n");
}

TEST(Partitions, BadPartitionDataIsRefused) {
    ConfigDocument include;
    using slurmctld::slurm::apply_partition;
    EXPECT_FALSE(apply_partition(include, ordered_json::parse(R"({"nodes": ["x"]})"), false));
    EXPECT_FALSE(apply_partition(include, ordered_json::parse(R"({"partitionname": 3})"), false));
    EXPECT_FALSE(apply_partition(include, ordered_json::parse(R"(["x"])"), false));
    EXPECT_FALSE(apply_partition(
        include, ordered_json::parse(R"({"partitionname": "p", "x": "a \"b\""})"), false));
    EXPECT_TRUE(include.empty());
}

TEST(Partitions, DefaultPartitionIsFoundAndMovedByReapplying) {
    using slurmctld::slurm::apply_partition;
    using slurmctld::slurm::find_default_partition;
    ConfigDocument compute = parse(slurm_test::data_file("upstream-slurm.conf.compute"));
    ConfigDocument gpu = parse("nodeset=gpu feature=gpu\npartitionname=gpu nodes=gpu\n");
    EXPECT_EQ(find_default_partition({&gpu, &compute}), "compute");

    // default-partition=gpu: every partition is applied again from its relation data; the old
    // default loses default=True and gets no default=False (issue 9 item 7).
    ASSERT_TRUE(apply_partition(
        gpu, ordered_json::parse(R"({"partitionname": "gpu", "nodes": ["gpu"]})"), true));
    ASSERT_TRUE(apply_partition(compute, ordered_json::parse(R"({"defaulttime": "45:00",
        "maxtime": "1:00:00", "partitionname": "compute", "nodes": ["compute"]})"),
                                false));
    EXPECT_EQ(gpu.render(), "nodeset=gpu feature=gpu\npartitionname=gpu nodes=gpu default=True\n");
    EXPECT_EQ(compute.render(),
              "nodeset=compute feature=compute\n"
              "partitionname=compute defaulttime=45:00 maxtime=1:00:00 nodes=compute\n");
    EXPECT_EQ(find_default_partition({&compute, &gpu}), "gpu");
    EXPECT_EQ(find_default_partition({&compute}), "");
}

TEST(Partitions, SlurmBooleansCountAsDefault) {
    using slurmctld::slurm::is_true_value;
    EXPECT_TRUE(is_true_value("YES"));
    EXPECT_TRUE(is_true_value("True"));
    EXPECT_TRUE(is_true_value("1"));
    EXPECT_FALSE(is_true_value("False"));
    EXPECT_FALSE(is_true_value("NO"));
}
