#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <slurmctld/slurm/names.hpp>

namespace slurm = slurmctld::slurm;
using slurm::NameProblem;

namespace {

struct Bad {
    std::string name;
    std::string reason;
};

// Each bad name is refused with exactly the reason a status line would show.
void expect_refused(NameProblem (*check)(std::string_view), const std::vector<Bad>& cases) {
    for (const Bad& bad : cases) {
        const NameProblem problem = check(bad.name);
        ASSERT_TRUE(problem.has_value()) << slurm::printable(bad.name);
        EXPECT_EQ(*problem, bad.reason) << slurm::printable(bad.name);
    }
}

void expect_accepted(NameProblem (*check)(std::string_view),
                     const std::vector<std::string>& names) {
    for (const std::string& name : names) {
        const NameProblem problem = check(name);
        EXPECT_FALSE(problem.has_value()) << name << ": " << problem.value_or("");
    }
}

// The prefix argument defaults to "" here.
NameProblem file_component(std::string_view name) {
    return slurm::file_name_component_problem(name);
}

}  // namespace

TEST(PartitionNames, JujuApplicationNamesAndSlurmsUsualNamesPass) {
    expect_accepted(slurm::partition_name_problem,
                    {"compute", "gpu-a100", "batch", "debug_2", "_hidden", "p.1", "Compute", "a",
                     std::string(64, 'x')});
}

TEST(PartitionNames, PathTraversalAndLineBreakersAreRefused) {
    expect_refused(slurm::partition_name_problem,
                   {
                       {"x/../../../../etc/profile.d/zz.sh", "contains '/'"},
                       {"../../../../root/zz", "contains '/'"},
                       {"..", "starts with '.'"},
                       {".", "starts with '.'"},
                       {".hidden", "starts with '.'"},
                       {"-rf", "starts with '-'"},
                       {"", "is empty"},
                       {"two words", "contains a space"},
                       {"tab\there", "contains a tab"},
                       {"new\nline", "contains a control character (0x0a)"},
                       {"cr\rhere", "contains a control character (0x0d)"},
                       {std::string("nul\0byte", 8), "contains a control character (0x00)"},
                       {"del\x7f", "contains a control character (0x7f)"},
                       {"caf\xc3\xa9", "contains a non-ASCII byte (0xc3)"},
                       {"hash#comment", "contains '#'"},
                       {"quote\"d", "contains '\"'"},
                       {"single'q", "contains '''"},
                       {"back\\slash", "contains '\\'"},
                       {"eq=Nodes", "contains '='"},
                       {"a,b", "contains ','"},
                       {"n[1-2]", "contains '['"},
                       {"a:b", "contains ':'"},
                       {"a&b", "contains '&'"},
                       {"a|b", "contains '|'"},
                       {"!a", "contains '!'"},
                       {"a*2", "contains '*'"},
                       {"(a)", "contains '('"},
                       {"$(id)", "contains '$'"},
                       {"`id`", "contains '`'"},
                       {"a;b", "contains ';'"},
                       {"%c", "contains '%'"},
                       {"~root", "contains '~'"},
                       {std::string(65, 'x'), "is longer than 64 bytes"},
                       {std::string(246, 'x'), "is longer than 64 bytes"},
                       {std::string(300, 'x') + "/", "contains '/'"},
                   });
}

TEST(PartitionNames, NamesSlurmTreatsSpeciallyAreRefused) {
    const std::string defaults = "is reserved (a DEFAULT line sets defaults for every other line)";
    const std::string all = "is reserved (ALL in a node list means every node)";
    expect_refused(slurm::partition_name_problem, {{"DEFAULT", defaults},
                                                   {"default", defaults},
                                                   {"Default", defaults},
                                                   {"ALL", all},
                                                   {"all", all}});
}

TEST(PartitionNames, CharmOwnedIncludesAreRefused) {
    expect_refused(
        slurm::partition_name_problem,
        {
            {"accounting", "is reserved (the charm writes slurm.conf.accounting)"},
            {"profiling", "is reserved (the charm writes slurm.conf.profiling)"},
            {"overrides", "is reserved (the charm writes slurm.conf.overrides)"},
            {"Overrides", "is reserved (the charm writes slurm.conf.overrides)"},
            {"x.snapshot", "ends with '.snapshot' (the suffix of the charm's backup copies)"},
            {"x.SNAPSHOT", "ends with '.snapshot' (the suffix of the charm's backup copies)"},
        });
    EXPECT_TRUE(slurm::is_charm_owned_include("slurm.conf.overrides"));
    EXPECT_TRUE(slurm::is_charm_owned_include("slurm.conf.compute.snapshot"));
    EXPECT_FALSE(slurm::is_charm_owned_include("slurm.conf.compute"));
    EXPECT_FALSE(slurm::is_charm_owned_include("slurm.conf."));
    EXPECT_FALSE(slurm::is_charm_owned_include("slurm.conf"));
    EXPECT_EQ(slurm::charm_owned_include_names().size(), 3U);
    for (const auto include : slurm::charm_owned_include_names()) {
        EXPECT_TRUE(slurm::is_charm_owned_include(include)) << include;
    }
    EXPECT_EQ(slurm::charm_include_collision("compute"), std::nullopt);
}

TEST(NodeNames, NodesNodeSetsAndFeaturesFollowHostlistAndConstraintRules) {
    expect_accepted(slurm::node_name_problem, {"compute-0", "node001", "n1.cluster", "a_b"});
    expect_accepted(slurm::nodeset_name_problem, {"compute", "gpu-a100"});
    expect_accepted(slurm::feature_name_problem, {"compute", "gpu", "_x", "ib.hdr"});
    expect_refused(slurm::node_name_problem,
                   {{"n[1-3]", "contains '['"},
                    {"a,b", "contains ','"},
                    {"_x", "starts with '_'"},
                    {"DEFAULT", "is reserved (a DEFAULT line sets defaults for every other line)"},
                    {"node 1", "contains a space"},
                    {std::string(65, 'n'), "is longer than 64 bytes"}});
    expect_refused(
        slurm::nodeset_name_problem,
        {{"all", "is reserved (ALL in a node list means every node)"}, {"a/b", "contains '/'"}});
    expect_refused(slurm::feature_name_problem, {{"a&b", "contains '&'"},
                                                 {"a|b", "contains '|'"},
                                                 {"a*2", "contains '*'"},
                                                 {"[a]", "contains '['"},
                                                 {"(a)", "contains '('"},
                                                 {"!a", "contains '!'"},
                                                 {"a,b", "contains ','"},
                                                 {"", "is empty"}});
}

TEST(HostNames, Rfc1123NamesPass) {
    expect_accepted(slurm::host_name_problem,
                    {"juju-abc-0", "node1", "a", "1node", "ctl.example.com",
                     "xn--bcher-kva.example", std::string(63, 'a'),
                     std::string(63, 'a') + "." + std::string(63, 'b') + "." +
                         std::string(63, 'c') + "." + std::string(61, 'd')});
    expect_accepted(slurm::short_host_name_problem, {"juju-abc-0", "node1"});
}

TEST(HostNames, AnythingThatCouldBreakALineOrAnAddressIsRefused) {
    expect_refused(slurm::host_name_problem,
                   {
                       {"", "is empty"},
                       {"host\nname", "contains a control character (0x0a)"},
                       {"host\"", "contains '\"'"},
                       {"host'", "contains '''"},
                       {"host name", "contains a space"},
                       {"host#x", "contains '#'"},
                       {"host_name", "contains '_'"},
                       {"host(1.2.3.4)", "contains '('"},
                       {"a/b", "contains '/'"},
                       {"-host", "has a label that starts or ends with '-'"},
                       {"host-", "has a label that starts or ends with '-'"},
                       {"a..b", "has an empty label"},
                       {".a", "has an empty label"},
                       {"a.", "has an empty label"},
                       {std::string(64, 'a'), "has a label longer than 63 bytes"},
                       {std::string(254, 'a'), "is longer than 253 bytes"},
                       {"1.2.3.4", "looks like a numeric address"},
                       {"123", "looks like a numeric address"},
                       {"h\xc3\xb6st", "contains a non-ASCII byte (0xc3)"},
                   });
    expect_refused(
        slurm::short_host_name_problem,
        {{"ctl.example.com", "contains '.' (not a short host name)"}, {"a b", "contains a space"}});
}

TEST(HostNames, AddressesWhereSlurmTakesThem) {
    expect_accepted(slurm::ip_address_problem, {"10.0.0.1", "192.168.1.254", "::1", "fe80::1",
                                                "2001:db8::8a2e:370:7334", "::ffff:10.0.0.1"});
    expect_refused(slurm::ip_address_problem,
                   {{"", "is empty"},
                    {"10.0.0", "is not an IPv4 or IPv6 address"},
                    {"10.0.0.256", "is not an IPv4 or IPv6 address"},
                    {"1:2:3:4:5:6:7:8:9", "is not an IPv4 or IPv6 address"},
                    {"fe80::1%eth0", "contains '%'"},
                    {"[::1]", "contains '['"},
                    {"10.0.0.1\n", "contains a control character (0x0a)"},
                    {"10.0.0.1 ", "contains a space"}});
    expect_accepted(slurm::host_or_address_problem,
                    {"juju-abc-3", "10.1.2.3", "fd00::3", "db.example.org"});
    expect_refused(slurm::host_or_address_problem,
                   {{"10.1.2", "is not an IPv4 or IPv6 address"},
                    {"juju\n", "contains a control character (0x0a)"},
                    {"\"juju\"", "contains '\"'"}});
}

TEST(HostNames, SlurmctldHostTakesHostOrHostWithAddress) {
    expect_accepted(slurm::slurmctld_host_problem,
                    {"juju-abc-0", "juju-abc-0(10.0.0.5)", "ctl(fe80::1)", "ctl(ctl.example.com)"});
    expect_refused(slurm::slurmctld_host_problem,
                   {{"ctl(10.0.0.5", "is not host(address)"},
                    {"ctl10.0.0.5)", "contains ')' without '('"},
                    {"ctl(10.0.0.5)x", "is not host(address)"},
                    {"ctl((10.0.0.5))", "is not host(address)"},
                    {"(10.0.0.5)", "host is empty"},
                    {"ctl()", "address is empty"},
                    {"ctl(10.0.0)", "address is not an IPv4 or IPv6 address"},
                    {"c tl(10.0.0.5)", "host contains a space"},
                    {"ctl\n", "contains a control character (0x0a)"}});
}

TEST(ClusterNames, SlurmLowerCasesAndTheDatabaseLimitsThem) {
    expect_accepted(slurm::cluster_name_problem, {"charmed-hpc-Ab3_", "charmed-hpc--a_b", "c",
                                                  "cluster1", std::string(40, 'c')});
    expect_refused(
        slurm::cluster_name_problem,
        {{"", "is empty"},
         {"cluster\nname", "contains a control character (0x0a)"},
         {"a b", "contains a space"},
         {"a.b", "contains '.'"},
         {"a/b", "contains '/'"},
         {"%c", "contains '%'"},
         {"-x", "starts with '-'"},
         {"_x", "starts with '_'"},
         {std::string(41, 'c'), "is longer than 40 bytes (the accounting database's limit)"}});
    EXPECT_EQ(slurm::slurm_cluster_name("Charmed-HPC-Ab3_"), "charmed-hpc-ab3_");
}

TEST(FileNames, OneSafePathComponent) {
    expect_accepted(file_component,
                    {"slurm.conf", "a", "..a", "a..", "...", std::string(255, 'x')});
    expect_refused(file_component,
                   {{"", "is empty"},
                    {".", "is '.'"},
                    {"..", "is '..'"},
                    {"a/b", "contains '/'"},
                    {"/", "contains '/'"},
                    {std::string("a\0b", 3), "contains a control character (0x00)"},
                    {"a\nb", "contains a control character (0x0a)"},
                    {std::string(256, 'x'), "makes a file name longer than 255 bytes"}});
    // The prefix counts towards the limit: slurm.conf. is 11 bytes.
    EXPECT_FALSE(slurm::file_name_component_problem(std::string(244, 'x'), "slurm.conf."));
    EXPECT_EQ(slurm::file_name_component_problem(std::string(245, 'x'), "slurm.conf."),
              "makes a file name longer than 255 bytes");
    // With a prefix, "." and ".." are ordinary names (slurm.conf.. is a file).
    EXPECT_FALSE(slurm::file_name_component_problem("..", "slurm.conf."));
}

TEST(Printable, HostileTextIsSafeInALogLine) {
    EXPECT_EQ(slurm::printable("compute"), "compute");
    EXPECT_EQ(slurm::printable("a\nb\\c\x01\xff"), "a\\x0ab\\\\c\\x01\\xff");
    EXPECT_EQ(slurm::printable(std::string(100, 'x'), 4), "xxxx...");
    EXPECT_EQ(slurm::contains_reason('/'), "contains '/'");
    EXPECT_EQ(slurm::contains_reason('\0'), "contains a control character (0x00)");
}
