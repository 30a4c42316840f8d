// slurmd's `partition` value as a hostile application would send it. Each case names the reason
// the charm shows as "partition from `<app>` rejected: <reason>".
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/partitions.hpp>

namespace slurm = slurmctld::slurm;
using nlohmann::ordered_json;
using slurm::ConfigDocument;
using slurm::SlurmVersion;

namespace {

struct Refusal {
    std::string json;
    std::string reason;
};

void expect_refused(const std::vector<Refusal>& cases,
                    const std::optional<SlurmVersion>& version = std::nullopt) {
    for (const Refusal& c : cases) {
        const auto record = slurm::partition_record_from_text(c.json, version);
        ASSERT_FALSE(record) << c.json << " -> " << record.value().name();
        EXPECT_EQ(record.error().message, c.reason) << c.json;

        // apply_partition refuses it the same way and leaves the include alone.
        ConfigDocument include = ConfigDocument::parse(
                                     "nodeset=compute feature=compute\n"
                                     "partitionname=compute nodes=compute\n")
                                     .value();
        const std::string before = include.render();
        try {
            const auto applied =
                slurm::apply_partition(include, ordered_json::parse(c.json), false, version);
            EXPECT_FALSE(applied) << c.json;
        } catch (const ordered_json::exception&) {
            // not JSON: only the text form can be given
        }
        EXPECT_EQ(include.render(), before) << c.json;
    }
}

std::string rendered(const std::string& json, bool is_default = false,
                     const std::optional<SlurmVersion>& version = std::nullopt) {
    ConfigDocument include;
    const auto applied =
        slurm::apply_partition(include, ordered_json::parse(json), is_default, version);
    EXPECT_TRUE(applied) << json << ": " << (applied ? "" : applied.error().message);
    return include.render();
}

}  // namespace

TEST(PartitionData, TraversalAndHostileNamesAreRejected) {
    expect_refused({
        {R"({"partitionname": "x/../../../../etc/profile.d/zz.sh", "nodes": ["x"]})",
         "partition name contains '/'"},
        {R"({"partitionname": "../../../../root/zz"})", "partition name contains '/'"},
        {R"({"partitionname": ".."})", "partition name starts with '.'"},
        {R"({"partitionname": ""})", "partition name is empty"},
        {R"({"partitionname": "two words"})", "partition name contains a space"},
        {R"({"partitionname": "a\nNodeName=evil"})",
         "partition name contains a control character (0x0a)"},
        {R"({"partitionname": "a\u0000b"})", "partition name contains a control character (0x00)"},
        {R"({"partitionname": "a#b"})", "partition name contains '#'"},
        {R"({"partitionname": "a\"b"})", "partition name contains '\"'"},
        {R"({"partitionname": "DEFAULT"})",
         "partition name is reserved (a DEFAULT line sets defaults for every other line)"},
        {R"({"partitionname": "overrides"})",
         "partition name is reserved (the charm writes slurm.conf.overrides)"},
        {R"({"partitionname": "accounting"})",
         "partition name is reserved (the charm writes slurm.conf.accounting)"},
        {R"({"partitionname": "x.snapshot"})",
         "partition name ends with '.snapshot' (the suffix of the charm's backup copies)"},
        {R"({"partitionname": ")" + std::string(246, 'p') + R"("})",
         "partition name is longer than 64 bytes"},
        {R"({"partitionname": "caf\u00e9"})", "partition name contains a non-ASCII byte (0xc3)"},
    });
}

TEST(PartitionData, ShapesThatAreNotAPartitionAreRejected) {
    expect_refused({
        {R"(["x"])", "partition data is not a JSON object"},
        {R"("compute")", "partition data is not a JSON object"},
        {R"(null)", "partition data is not a JSON object"},
        {R"({})", "partition data has no `partitionname` string"},
        {R"({"nodes": ["x"]})", "partition data has no `partitionname` string"},
        {R"({"partitionname": 3})", "partition data has no `partitionname` string"},
        {R"({"partitionname": ["a"]})", "partition data has no `partitionname` string"},
        {R"({"partitionname": "a", "PartitionName": "b"})",
         "field `PartitionName` is given more than once"},
        {R"({"partitionname": "a", "nodes": ["a"], "Nodes": ["b"]})",
         "field `Nodes` is given more than once"},
    });
    expect_refused({{"{not json", "partition data is not JSON"},
                    {"", "partition data is not JSON"},
                    {R"({"partitionname": "a"} trailing)", "partition data is not JSON"}});
}

TEST(PartitionData, OnlyFieldsOfSlurmsPartitionLine) {
    expect_refused({
        {R"({"partitionname": "p", "x": "a \"b\""})",
         "unknown field `x` (not an option of Slurm's PartitionName line)"},
        {R"({"partitionname": "p", "NodeName": "evil"})",
         "unknown field `NodeName` (not an option of Slurm's PartitionName line)"},
        {R"({"partitionname": "p", "include": "/etc/shadow"})",
         "unknown field `include` (not an option of Slurm's PartitionName line)"},
        {R"({"partitionname": "p", "a\nb": "1"})",
         "unknown field `a\\x0ab` (not an option of Slurm's PartitionName line)"},
        {R"({"partitionname": "p", "": "1"})",
         "unknown field `` (not an option of Slurm's PartitionName line)"},
    });
    // Per release: Topology is new in 25.05, PowerDownOnIdle in 23.02.
    expect_refused({{R"({"partitionname": "p", "topology": "t1"})",
                     "field `Topology` is not supported by Slurm 24.11"}},
                   SlurmVersion{24, 11, 5});
    expect_refused({{R"({"partitionname": "p", "powerdownonidle": true})",
                     "field `PowerDownOnIdle` is not supported by Slurm 22.05"}},
                   SlurmVersion{22, 5, 8});
    EXPECT_EQ(
        rendered(R"({"partitionname": "p", "topology": "t1"})", false, SlurmVersion{25, 11, 0}),
        "nodeset=p feature=p\npartitionname=p topology=t1\n");
}

TEST(PartitionData, ValuesMustBeTypesSlurmParses) {
    expect_refused({
        {R"({"partitionname": "p", "maxnodes": -1})", "field `MaxNodes`: -1 is less than zero"},
        {R"({"partitionname": "p", "maxnodes": 1.5})", "field `MaxNodes`: \"1.5\" is not a number"},
        {R"({"partitionname": "p", "maxnodes": "lots"})",
         "field `MaxNodes`: \"lots\" is not a number"},
        {R"({"partitionname": "p", "maxnodes": 4294967296})",
         "field `MaxNodes`: 4294967296 is greater than 4294967295"},
        {R"({"partitionname": "p", "priority": 65536})",
         "field `Priority`: 65536 is greater than 65535"},
        {R"({"partitionname": "p", "default": "maybe"})",
         "field `Default`: \"maybe\" is not yes/no, true/false, up/down or 1/0"},
        {R"({"partitionname": "p", "hidden": 2})",
         "field `Hidden`: \"2\" is not yes/no, true/false, up/down or 1/0"},
        {R"({"partitionname": "p", "maxtime": ["1", "2"]})", "field `MaxTime` is a list"},
        {R"({"partitionname": "p", "maxtime": {"a": 1}})", "field `MaxTime` is an object"},
        {R"({"partitionname": "p", "nodes": [["a"]]})",
         "field `Nodes` holds a nested list or object"},
        {R"({"partitionname": "p", "nodes": [{"a": 1}]})",
         "field `Nodes` holds a nested list or object"},
        {R"({"partitionname": "p", "nodes": [""]})", "field `Nodes` has an empty list item"},
        {R"({"partitionname": "p", "nodes": []})", "field `Nodes` is empty"},
        {R"({"partitionname": "p", "nodes": ["a,b"]})",
         "field `Nodes` has a list item that contains ','"},
        {R"({"partitionname": "p", "nodes": ["ALL"]})",
         "field `Nodes`: a node or node set name is reserved (ALL in a node list means every "
         "node)"},
        {R"({"partitionname": "p", "nodes": "a,,b"})",
         "field `Nodes`: a node or node set name is empty"},
        {R"({"partitionname": "p", "tresbillingweights": {"CPU=x": 1}})",
         "field `TRESBillingWeights` has a key that is empty or holds '=' or ','"},
        {R"({"partitionname": "p", "tresbillingweights": {"CPU": [1]}})",
         "field `TRESBillingWeights` holds a nested list or object"},
        {R"({"partitionname": "p", "maxtime": ""})", "field `MaxTime` is empty"},
    });
}

TEST(PartitionData, NothingCanBreakOrExtendTheLine) {
    expect_refused({
        {R"({"partitionname": "p", "maxtime": "1:00 Nodes=ALL"})",
         "field `MaxTime` contains a space"},
        {R"({"partitionname": "p", "maxtime": "1:00\nNodeName=evil"})",
         "field `MaxTime` contains a control character (0x0a)"},
        {R"({"partitionname": "p", "maxtime": "1:00\rx"})",
         "field `MaxTime` contains a control character (0x0d)"},
        {R"({"partitionname": "p", "maxtime": "1:00\u0000x"})",
         "field `MaxTime` contains a control character (0x00)"},
        {R"({"partitionname": "p", "maxtime": "1:00#x"})", "field `MaxTime` contains '#'"},
        {R"({"partitionname": "p", "maxtime": "\"1:00\""})", "field `MaxTime` contains '\"'"},
        {R"({"partitionname": "p", "maxtime": "1:00\\"})", "field `MaxTime` contains '\\'"},
        {R"({"partitionname": "p", "qos": "a'b"})", "field `QOS` contains '''"},
        {R"j({"partitionname": "p", "qos": "$(id)"})j", "field `QOS` contains '$'"},
        {R"({"partitionname": "p", "allowgroups": ["a b"]})",
         "field `AllowGroups` contains a space"},
        {R"({"partitionname": "p", "allowgroups": ["\u00e9"]})",
         "field `AllowGroups` contains a non-ASCII byte (0xc3)"},
        {R"({"partitionname": "p", "maxtime": ")" + std::string(1025, '1') + R"("})",
         "field `MaxTime` is longer than 1024 bytes"},
    });
}

TEST(PartitionData, SizesAreBounded) {
    // Many allowed fields each under the value limit still cannot make a line over 8 KiB.
    std::string json = R"({"partitionname": "p", "allowaccounts": [)";
    for (int i = 0; i < 200; ++i) {
        json += std::string(i == 0 ? "" : ",") + "\"" + std::string(20, 'a') + "\"";
    }
    json += "]}";
    expect_refused({{json, "field `AllowAccounts` is longer than 1024 bytes"}});

    std::string wide = R"({"partitionname": "p")";
    for (const char* key : {"allowaccounts", "allowgroups", "allowqos", "denyaccounts", "denyqos",
                            "allocnodes", "alternate", "cpubind", "defaulttime", "maxtime",
                            "overtimelimit", "preemptmode", "qos"}) {
        wide += std::string(R"(, ")") + key + R"(": ")" + std::string(1000, 'a') + "\"";
    }
    wide += "}";
    expect_refused({{wide, "partition line is longer than 8192 bytes"}});

    const std::string huge =
        R"({"partitionname": "p", "maxtime": ")" + std::string(20000, '1') + R"("})";
    expect_refused({{huge, "partition data is larger than 16384 bytes"}});
}

TEST(PartitionData, UpstreamsFormsAreAccepted) {
    EXPECT_EQ(rendered(R"({"partitionname": "compute", "nodes": ["compute"]})"),
              "nodeset=compute feature=compute\npartitionname=compute nodes=compute\n");
    EXPECT_EQ(rendered(R"({"defaulttime": "45:00", "maxtime": "1:00:00",
                           "partitionname": "compute", "nodes": ["compute"]})"),
              "nodeset=compute feature=compute\n"
              "partitionname=compute defaulttime=45:00 maxtime=1:00:00 nodes=compute\n");
    // slurmutils' forms: a TRES mapping, booleans as Python writes them, numbers, lists.
    EXPECT_EQ(rendered(R"({"partitionname": "gpu", "nodes": ["gpu"],
                           "tresbillingweights": {"CPU": 1.0, "Mem": "0.25G", "GRES/gpu": 2},
                           "exclusiveuser": true, "hidden": false, "maxnodes": "UNLIMITED",
                           "maxmempernode": "64k", "oversubscribe": "FORCE:4",
                           "allocnodes": ["login[1-2]"], "defcpupergpu": 4, "defmempergpu": 1024,
                           "state": "UP", "allowqos": ["normal", "high"], "unused": null})"),
              "nodeset=gpu feature=gpu\n"
              "partitionname=gpu nodes=gpu tresbillingweights=CPU=1.0,Mem=0.25G,GRES/gpu=2 "
              "exclusiveuser=True hidden=False maxnodes=UNLIMITED maxmempernode=64k "
              "oversubscribe=FORCE:4 allocnodes=login[1-2] defcpupergpu=4 defmempergpu=1024 "
              "state=UP allowqos=normal,high\n");
}

TEST(PartitionData, DefaultIsSetOnlyForTheDefaultPartitionAndNeverAddedAsFalse) {
    // Not the default partition: nothing added, and the app's own Default= is kept as sent.
    EXPECT_EQ(rendered(R"({"partitionname": "p", "nodes": ["p"]})", false),
              "nodeset=p feature=p\npartitionname=p nodes=p\n");
    EXPECT_EQ(rendered(R"({"partitionname": "p", "nodes": ["p"], "default": true})", false),
              "nodeset=p feature=p\npartitionname=p nodes=p default=True\n");
    EXPECT_EQ(rendered(R"({"partitionname": "p", "default": "NO", "nodes": ["p"]})", false),
              "nodeset=p feature=p\npartitionname=p default=NO nodes=p\n");
    // The configured default partition: default=True added; a Default= the app sent is never
    // overridden (upstream overrides it; issue 9 item 7 keeps the slurmd operator's choice).
    EXPECT_EQ(rendered(R"({"partitionname": "p", "nodes": ["p"]})", true),
              "nodeset=p feature=p\npartitionname=p nodes=p default=True\n");
    EXPECT_EQ(rendered(R"({"partitionname": "p", "default": false, "nodes": ["p"]})", true),
              "nodeset=p feature=p\npartitionname=p default=False nodes=p\n");
}

TEST(PartitionData, IncludeNameIsThePrefixedPartitionName) {
    EXPECT_EQ(slurm::partition_include_name("compute"), "slurm.conf.compute");
}
