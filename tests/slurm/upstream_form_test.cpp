#include <gtest/gtest.h>

#include <slurmctld/slurm/upstream_form.hpp>

#include "slurm/slurm_test_data.hpp"

using nlohmann::ordered_json;
using slurmctld::slurm::ConfigDialect;
using slurmctld::slurm::ConfigDocument;
using slurmctld::slurm::upstream_dict;
using slurmctld::slurm::upstream_file_text;
using slurmctld::slurm::upstream_text;
using slurmctld::slurm::ValueKind;

namespace {

ConfigDocument parse(std::string_view text, ConfigDialect dialect = ConfigDialect::SlurmConf) {
    auto document = ConfigDocument::parse(text, dialect);
    EXPECT_TRUE(document) << document.error().describe();
    return document ? std::move(document).value() : ConfigDocument(dialect);
}

ConfigDocument data(std::string_view name) {
    return parse(slurm_test::data_file(name));
}

}  // namespace

TEST(UpstreamText, FilesUpstreamWroteComeBackUnchanged) {
    for (const char* name : {"upstream-1.1.6-slurm.conf", "upstream-1.2.0-slurm.conf",
                             "upstream-1.1.6-container-slurm.conf", "upstream-slurm.conf.compute",
                             "upstream-slurm.conf.accounting", "upstream-slurm.conf.profiling",
                             "upstream-slurm.conf.overrides"}) {
        EXPECT_EQ(upstream_file_text(data(name)), slurm_test::data_file(name)) << name;
    }
    const std::string cgroup = slurm_test::data_file("upstream-cgroup.conf");
    EXPECT_EQ(upstream_file_text(parse(cgroup, ConfigDialect::CgroupConf)), cgroup);
}

TEST(UpstreamText, AnEmptyDocumentIsOneNewline) {
    EXPECT_EQ(upstream_text(ConfigDocument()), "");
    EXPECT_EQ(upstream_file_text(ConfigDocument()), "\n");
    EXPECT_EQ(upstream_file_text(parse("# only a comment\n\n")), "\n");
}

TEST(UpstreamText, DropsCommentsLowerCasesKeysAndGroupsRepeatedLines) {
    const ConfigDocument document = parse(
        "# comment\nClusterName=lab # trailing\nSlurmctldHost=a\nInclude x\nSlurmctldTimeout=5\n"
        "SlurmctldHost=b\nPartitionName=p Nodes=a,b Default=YES\nNodeSet=n Feature=n\n"
        "PartitionName=q Nodes=c\ninclude y\nslurmctldtimeout=7\n");
    EXPECT_EQ(upstream_text(document),
              "clustername=lab\nslurmctldhost=a\nslurmctldhost=b\ninclude x\ninclude y\n"
              "slurmctldtimeout=7\npartitionname=p nodes=a,b default=YES\npartitionname=q nodes=c\n"
              "nodeset=n feature=n");
}

TEST(UpstreamText, ValuesAreReadAsPythonLiteralsAndWrittenBackByKind) {
    const ConfigDocument document = parse(
        "a=1_000\nb=0x10\nc=007\nd=1.50\ne=1e16\nf=.5\ng=True\nh=true\ni='abc'\nj=-0\nk=1e-05\n"
        "l=1.\nm=0o17\nn=1__0\no=0_0\np=+5\nq=--5\nr=1E5\ns=0x_ff\nt=0.0001\n"
        "u=123456789.123456789\nv=\"quoted value\"\nw=12345678901234567890123\n"
        "RebootProgram=/sbin/reboot\nSlurmctldParameters=a,b=2,c=False,d=True\n"
        "PluginDir=/a:/b\nUsePAM=1\nTrackWCKey=Yes\nLicenses=fluent:30,ansys\n"
        "SwitchParameters=a=1:2,b\nMCSParameters=ondemand,select:privatedata|x\n");
    // As slurmutils, except v: slurmutils drops the quotes (`v=quoted value`), which Slurm
    // cannot read back.
    EXPECT_EQ(upstream_text(document),
              "a=1000\nb=16\nc=007\nd=1.5\ne=1e+16\nf=0.5\ng=True\nh=true\ni=abc\nj=0\nk=1e-05\n"
              "l=1.0\nm=15\nn=1__0\no=0\np=5\nq=--5\nr=100000.0\ns=255\nt=0.0001\n"
              "u=123456789.12345679\nv=\"quoted value\"\nw=12345678901234567890123\n"
              "rebootprogram=\"/sbin/reboot\"\nslurmctldparameters=a,b=2,d\n"
              "plugindir=/a:/b\nusepam=1\ntrackwckey=yes\nlicenses=fluent:30,ansys\n"
              "switchparameters=a=1:2,b\nmcsparameters=ondemand,select:privatedata|x");
}

TEST(UpstreamDict, TypesValuesLikeSlurmutils) {
    const ConfigDocument document = parse(
        "SlurmctldPort=6817\nRebootProgram=\"/usr/sbin/reboot --reboot\"\nTaskPlugin=task/cgroup\n"
        "SlurmctldParameters=enable_configless,x=3,y=False\nUsePAM=0\nTrackWCKey=no\n"
        "JobAcctGatherFrequency=task=5,network=5\nLicenses=fluent:30\nSwitchParameters=a=1:2\n"
        "MCSParameters=ondemand,select:privatedata\nDownNodes=n1,n2 Reason=\"broken fan\"\n"
        "NodeName=n[1-2] CPUs=4 Features=a,b Reason=x\n");
    const ordered_json expected = ordered_json::parse(R"({
        "slurmctldport": 6817,
        "rebootprogram": "/usr/sbin/reboot --reboot",
        "taskplugin": ["task/cgroup"],
        "slurmctldparameters": {"enable_configless": true, "x": 3, "y": false},
        "usepam": false,
        "trackwckey": false,
        "jobacctgatherfrequency": {"task": 5, "network": 5},
        "licenses": {"fluent": 30},
        "switchparameters": {"a": [1, 2]},
        "mcsparameters": {"ondemand": true, "select": true,
                          "mcs_plugin_parameters": ["privatedata"]},
        "downnodes": [{"downnodes": ["n1", "n2"], "reason": "broken fan"}],
        "nodes": {"n[1-2]": {"nodename": "n[1-2]", "cpus": 4, "features": ["a", "b"],
                             "reason": "x"}}
    })");
    EXPECT_EQ(upstream_dict(document).dump(), expected.dump());
}

TEST(UpstreamDict, ALaterRecordOfTheSameNameReplacesTheFirstInPlace) {
    const ConfigDocument document =
        parse("PartitionName=a Nodes=x\nPartitionName=b Nodes=y\nPartitionName=a Nodes=z\n");
    EXPECT_EQ(upstream_dict(document).dump(),
              R"({"partitions":{"a":{"partitionname":"a","nodes":["z"]},)"
              R"("b":{"partitionname":"b","nodes":["y"]}}})");
}

TEST(SlurmconfigJson, MatchesWhatUpstreamSendsToSlurmrestd) {
    ConfigDocument main = data("upstream-1.1.6-slurm.conf");
    main.prepend_include("slurm.conf.compute");
    const ConfigDocument accounting = data("upstream-slurm.conf.accounting");
    const ConfigDocument profiling;
    const ConfigDocument overrides = data("upstream-slurm.conf.overrides");
    const ConfigDocument compute = data("upstream-slurm.conf.compute");
    const ordered_json slurmconfig = slurmctld::slurm::slurmconfig_json({
        {"slurm.conf", &main},
        {"slurm.conf.accounting", &accounting},
        {"slurm.conf.profiling", &profiling},
        {"slurm.conf.overrides", &overrides},
        {"slurm.conf.compute", &compute},
    });
    const ordered_json golden =
        ordered_json::parse(slurm_test::data_file("upstream-slurmconfig.json"));
    EXPECT_EQ(slurmconfig.dump(), golden.dump());
}

TEST(UpstreamValueText, WritesTypedValuesAsSlurmutilsDoes) {
    using slurmctld::slurm::upstream_value_text;
    EXPECT_EQ(upstream_value_text(ValueKind::CommaList, ordered_json::parse(R"(["a", 1])")), "a,1");
    EXPECT_EQ(upstream_value_text(ValueKind::Automatic, ordered_json(true)), "True");
    EXPECT_EQ(upstream_value_text(ValueKind::Automatic, ordered_json(2.5)), "2.5");
    EXPECT_EQ(upstream_value_text(ValueKind::Quoted, ordered_json("x y")), "\"x y\"");
    EXPECT_EQ(upstream_value_text(ValueKind::CommaDict,
                                  ordered_json::parse(R"({"a": true, "b": false, "c": 1})")),
              "a,c=1");
    EXPECT_EQ(upstream_value_text(ValueKind::YesNo, ordered_json(true)), "yes");
}

TEST(ValueKindError, UsesSlurmutilsWording) {
    using slurmctld::slurm::value_kind_error;
    EXPECT_EQ(value_kind_error(ValueKind::YesNo, "maybe"), "expected yes or no, not maybe");
    EXPECT_EQ(value_kind_error(ValueKind::ZeroOne, "yes"), "expected 0 or 1, not yes");
    EXPECT_FALSE(value_kind_error(ValueKind::YesNo, "YES"));
    EXPECT_FALSE(value_kind_error(ValueKind::Automatic, "anything"));
}
