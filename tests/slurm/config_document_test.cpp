#include <stdexcept>

#include <gtest/gtest.h>

#include <slurmctld/slurm/config_document.hpp>

#include "slurm/slurm_test_data.hpp"

using slurmctld::slurm::ConfigDialect;
using slurmctld::slurm::ConfigDocument;
using slurmctld::slurm::Include;
using slurmctld::slurm::NewKeyPlacement;
using slurmctld::slurm::Record;
using slurmctld::slurm::Setting;

namespace {

ConfigDocument parse(std::string_view text, ConfigDialect dialect = ConfigDialect::SlurmConf) {
    auto document = ConfigDocument::parse(text, dialect);
    if (!document) {
        ADD_FAILURE() << "parse failed: " << document.error().describe();
        return ConfigDocument(dialect);
    }
    return std::move(document).value();
}

// The error of a text that must not parse.
slurmctld::slurm::ConfigParseError parse_error(std::string_view text,
                                               ConfigDialect dialect = ConfigDialect::SlurmConf) {
    auto document = ConfigDocument::parse(text, dialect);
    EXPECT_FALSE(document) << "parsed: " << text;
    return document ? slurmctld::slurm::ConfigParseError{} : document.error();
}

const std::string kAdmin = slurm_test::data_file("admin-slurm.conf");

}  // namespace

// ---- round trips
// ----------------------------------------------------------------------------------

TEST(ConfigDocumentParse, UntouchedDocumentsRenderTheirInputByteForByte) {
    for (const std::string& text : {std::string(""), std::string("\n"), std::string("a=1"),
                                    std::string("a=1\n\n"), std::string("  # only a comment\r\n"),
                                    kAdmin, slurm_test::data_file("upstream-1.2.0-slurm.conf"),
                                    slurm_test::data_file("upstream-slurm.conf.compute")}) {
        const ConfigDocument document = parse(text);
        EXPECT_EQ(document.render(), text);
        EXPECT_FALSE(document.modified());
    }
}

TEST(ConfigDocumentParse, ReadsKeysValuesIncludesAndRecordsLikeSlurm) {
    const ConfigDocument document = parse(kAdmin);
    EXPECT_EQ(document.get("clustername"), "lab");
    EXPECT_EQ(document.get("SLURMCTLDTIMEOUT"), "10");  // blanks around '=' are allowed
    EXPECT_EQ(document.get("RebootProgram"), "/usr/sbin/reboot --reboot");
    EXPECT_EQ(document.get("MailProg"), "/usr/bin/mail#not-a-comment");
    EXPECT_EQ(document.get_all("slurmctldhost"), (std::vector<std::string>{"ctl-0", "ctl-1"}));
    EXPECT_EQ(document.includes(), std::vector<std::string>{"slurm.conf.extra"});

    const auto node = document.record("nodename", "node[1-4]");
    ASSERT_TRUE(node);
    EXPECT_EQ(node->get("state"), "UNKNOWN");  // from the continued line
    EXPECT_EQ(node->get("CPUs"), "4");
    EXPECT_EQ(document.records("PartitionName").size(), 1U);
    EXPECT_FALSE(document.get("NodeName"));  // records are not settings
}

TEST(ConfigDocumentParse, EntriesCarryTheirLineNumbers) {
    const auto entries = parse(kAdmin).entries();
    ASSERT_EQ(entries.size(), 10U);
    EXPECT_EQ(entries[0].line, 2);
    EXPECT_EQ(std::get<Setting>(entries[0].item), (Setting{"ClusterName", "lab", false}));
    EXPECT_EQ(entries[3].line, 6);
    EXPECT_EQ(std::get<Setting>(entries[4].item).quoted, true);
    EXPECT_EQ(entries[7].line, 10);
    EXPECT_EQ(std::get<Record>(entries[7].item).kind(), "NodeName");
    EXPECT_EQ(entries[9].line, 13);
    EXPECT_EQ(std::get<Include>(entries[9].item).file, "slurm.conf.extra");
}

TEST(ConfigDocumentParse, TheLastLineOfARepeatedKeyIsTheValueSlurmUses) {
    const ConfigDocument document = parse("SlurmctldTimeout=10\nslurmctldtimeout=20\n");
    EXPECT_EQ(document.get("SlurmctldTimeout"), "20");
}

TEST(ConfigDocumentParse, GresConfRecordsStartWithNodeNameOrName) {
    const ConfigDocument gres = parse(
        "AutoDetect=nvidia\nNodeName=n[1-2] Name=gpu Type=a100 File=/dev/nvidia[0-3]\n"
        "Name=shard Count=8\n",
        ConfigDialect::GresConf);
    EXPECT_EQ(gres.get("autodetect"), "nvidia");
    ASSERT_EQ(gres.records("nodename").size(), 1U);
    EXPECT_EQ(gres.records("NodeName")[0].get("name"), "gpu");
    EXPECT_EQ(gres.record("name", "shard")->get("count"), "8");
}

// ---- parse errors -----------------------------------------------------------------------------

TEST(ConfigDocumentParseError, NamesTheLineAndWhatIsWrong) {
    struct Case {
        std::string text;
        int line;
        std::string message;
    };
    const std::vector<Case> cases{
        {"ClusterName=lab\nSlurmUser slurm\n", 2, "missing '=' after `SlurmUser`"},
        {"# c\n\nClusterName=\n", 3, "missing value for `ClusterName`"},
        {"=lab\n", 1, "expected Key=Value, found \"=lab\""},
        {"ClusterName=a b\n", 1,
         "unexpected text after `ClusterName=a`: \"b\" (one Key=Value per line)"},
        {"a=1\nb=2\nFeatures+=gpu\n", 3,
         "`Features+=` is not supported in configuration files, only `=`"},
        {"include\tfoo bar\n", 1, "unexpected text after the include file name: \"bar\""},
        {"x=1\n  INCLUDE   \n", 2, "`INCLUDE` needs a file name"},
        {"NodeName=a \\\n  CPUs=2 \\\n  junk\n", 1, "missing '=' after `junk`"},
        {"PartitionName=p Nodes=\"a b\"x\n", 1, "missing '=' after `b`"},
    };
    for (const Case& c : cases) {
        const auto error = parse_error(c.text);
        EXPECT_EQ(error.line, c.line) << c.text;
        EXPECT_EQ(error.message, c.message) << c.text;
    }
}

TEST(ConfigDocumentParseError, DescribeStartsWithTheLine) {
    EXPECT_EQ(parse_error("a=1\nb\n").describe(), "line 2: missing '=' after `b`");
}

TEST(ConfigDocumentParseError, SeveralPairsAreOnlyAllowedOnRecordLines) {
    EXPECT_EQ(parse_error("Name=gpu Count=1\n").line, 1);  // slurm.conf has no Name records
    EXPECT_TRUE(ConfigDocument::parse("Name=gpu Count=1\n", ConfigDialect::GresConf));
    EXPECT_EQ(parse_error("NodeName=a CPUs=2\n", ConfigDialect::CgroupConf).line, 1);
}

// ---- single keys ------------------------------------------------------------------------------

TEST(ConfigDocumentEdit, SetKeepsPositionSpellingAndTrailingComment) {
    ConfigDocument document = parse(kAdmin);
    EXPECT_TRUE(document.set("clustername", "prod"));
    EXPECT_TRUE(document.set("slurmctldtimeout", "30"));
    std::string expected = kAdmin;
    expected.replace(expected.find("ClusterName=lab   #"), 15, "ClusterName=prod");
    expected.replace(expected.find("  SlurmctldTimeout = 10"), 23, "  SlurmctldTimeout=30");
    EXPECT_EQ(document.render(), expected);
    EXPECT_TRUE(document.modified());
}

TEST(ConfigDocumentEdit, SettingTheSameValueChangesNothing) {
    ConfigDocument document = parse(kAdmin);
    EXPECT_FALSE(document.set("CLUSTERNAME", "lab"));
    EXPECT_FALSE(document.set("RebootProgram", "/usr/sbin/reboot --reboot"));
    EXPECT_FALSE(document.modified());
    EXPECT_EQ(document.render(), kAdmin);
}

TEST(ConfigDocumentEdit, NewKeysAreAppendedInLowerCaseAfterTheIncludesLikeUpstream) {
    ConfigDocument document = parse(slurm_test::data_file("upstream-1.2.0-slurm.conf"));
    EXPECT_TRUE(document.set("MailProg", "/usr/bin/slurm-spool-mail"));
    EXPECT_EQ(document.render(), slurm_test::data_file("upstream-1.2.0-slurm.conf") +
                                     "mailprog=/usr/bin/slurm-spool-mail\n");
}

TEST(ConfigDocumentEdit, NewKeysCanGoBeforeTheIncludes) {
    ConfigDocument document = parse("a=1\ninclude x\ninclude y\n");
    document.set("b", "2", NewKeyPlacement::BeforeIncludes);
    EXPECT_EQ(document.render(), "a=1\nb=2\ninclude x\ninclude y\n");
}

TEST(ConfigDocumentEdit, ValuesAreQuotedAndEscapedWhenTheyNeedIt) {
    ConfigDocument document;
    document.set("RebootProgram", "/usr/sbin/reboot --reboot");
    document.set("MailProg", "/bin/mail#x");
    document.set("Empty", "");
    EXPECT_EQ(document.render(),
              "rebootprogram=\"/usr/sbin/reboot --reboot\"\nmailprog=/bin/mail\\#x\nempty=\"\"\n");
    const ConfigDocument reparsed = parse(document.render());
    EXPECT_EQ(reparsed.get("mailprog"), "/bin/mail#x");
    EXPECT_EQ(reparsed.get("empty"), "");
}

TEST(ConfigDocumentEdit, RejectsValuesNoLineCanHold) {
    ConfigDocument document;
    EXPECT_THROW(document.set("a", "x\ny"), std::invalid_argument);
    EXPECT_THROW(document.set("a", "say \"hi\""), std::invalid_argument);
    EXPECT_THROW(document.set("not a key", "x"), std::invalid_argument);
    EXPECT_THROW(document.set("PartitionName", "x"), std::invalid_argument);
    EXPECT_THROW(document.set("include", "x"), std::invalid_argument);
    EXPECT_TRUE(document.empty());
}

TEST(ConfigDocumentEdit, SetCollapsesRepeatedLinesOfASingleKeyOntoTheFirst) {
    ConfigDocument document = parse("a=1\n# c\nb=2\nA=3\n");
    EXPECT_TRUE(document.set("a", "4"));
    EXPECT_EQ(document.render(), "a=4\n# c\nb=2\n");
}

TEST(ConfigDocumentEdit, RemoveDropsEveryLineOfTheKeyAndNothingElse) {
    ConfigDocument document = parse(kAdmin);
    EXPECT_TRUE(document.remove("slurmctldtimeout"));
    EXPECT_FALSE(document.remove("slurmctldtimeout"));
    std::string expected = kAdmin;
    expected.erase(expected.find("  SlurmctldTimeout = 10\n"), 24);
    EXPECT_EQ(document.render(), expected);
}

TEST(ConfigDocumentEdit, TheHaMigrationEditOfUpstreamsUnitTest) {
    ConfigDocument document =
        parse("slurmctldhost=hostname\nstatesavelocation=/var/lib/slurm/checkpoint\n");
    EXPECT_TRUE(document.set("StateSaveLocation", "/srv/slurmctld-statefs/checkpoint"));
    EXPECT_EQ(document.render(),
              "slurmctldhost=hostname\nstatesavelocation=/srv/slurmctld-statefs/checkpoint\n");
}

TEST(ConfigDocumentEdit, AFileEmptiedByEditsIsOneNewlineLikeUpstreams) {
    // slurmdbd_disconnected deletes the three accounting keys.
    ConfigDocument accounting = parse(slurm_test::data_file("upstream-slurm.conf.accounting"));
    for (const char* key :
         {"AccountingStorageHost", "AccountingStoragePort", "AccountingStorageType"}) {
        EXPECT_TRUE(accounting.remove(key));
    }
    EXPECT_TRUE(accounting.empty());
    EXPECT_EQ(accounting.render(), "\n");
    EXPECT_EQ(ConfigDocument().render(), "");  // a new, empty include is an empty file
}

TEST(ConfigDocumentEdit, AQuotedValueStaysQuoted) {
    ConfigDocument document = parse("rebootprogram=\"/usr/sbin/reboot --reboot\"\n");
    EXPECT_TRUE(document.set("RebootProgram", "/sbin/reboot"));
    EXPECT_EQ(document.render(), "rebootprogram=\"/sbin/reboot\"\n");
}

TEST(ConfigDocumentEdit, ADocumentWithoutFinalNewlineKeepsIt) {
    ConfigDocument document = parse("a=1");
    document.set("b", "2");
    EXPECT_EQ(document.render(), "a=1\nb=2");
}

// ---- SlurmctldHost --------------------------------------------------------------------------

TEST(ConfigDocumentList, RemovingAControllerKeepsTheOthersAndTheirComments) {
    ConfigDocument document =
        parse("SlurmctldHost=a\nSlurmctldHost=b # first backup\nSlurmctldHost=c\nx=1\n");
    EXPECT_TRUE(document.set_all("slurmctldhost", {"b", "c"}));
    EXPECT_EQ(document.render(), "SlurmctldHost=b # first backup\nSlurmctldHost=c\nx=1\n");
    EXPECT_EQ(document.get_all("SlurmctldHost"), (std::vector<std::string>{"b", "c"}));
}

TEST(ConfigDocumentList, NewControllersAreAppendedAfterTheLastOne) {
    ConfigDocument document = parse("a=1\nslurmctldhost=h0\nslurmctldhost=h1\nb=2\n");
    EXPECT_TRUE(document.set_all("SlurmctldHost", {"h0", "h1", "h2", "h3"}));
    EXPECT_EQ(document.render(),
              "a=1\nslurmctldhost=h0\nslurmctldhost=h1\nslurmctldhost=h2\nslurmctldhost=h3\nb=2\n");
}

TEST(ConfigDocumentList, DropAndAppendInOneStepKeepsFailoverOrder) {
    ConfigDocument document = parse("SlurmctldHost=h0\nSlurmctldHost=h1\nSlurmctldHost=h2\n");
    EXPECT_TRUE(document.set_all("slurmctldhost", {"h0", "h2", "h3"}));
    EXPECT_EQ(document.render(), "SlurmctldHost=h0\nSlurmctldHost=h2\nSlurmctldHost=h3\n");
    EXPECT_TRUE(document.set_all("slurmctldhost", {"h4", "h2"}));
    EXPECT_EQ(document.render(), "SlurmctldHost=h4\nSlurmctldHost=h2\n");
}

TEST(ConfigDocumentList, ReorderingRewritesTheLinesInPlace) {
    ConfigDocument document = parse("SlurmctldHost=a #p\nx=1\nSlurmctldHost=b #b\n");
    EXPECT_TRUE(document.set_all("slurmctldhost", {"b", "a"}));
    EXPECT_EQ(document.render(), "SlurmctldHost=b #p\nx=1\nSlurmctldHost=a #b\n");
}

TEST(ConfigDocumentList, TheSameListChangesNothingAndAnEmptyOneRemovesTheKey) {
    ConfigDocument document = parse("SlurmctldHost=a\nSlurmctldHost=b\n");
    EXPECT_FALSE(document.set_all("slurmctldhost", {"a", "b"}));
    EXPECT_FALSE(document.modified());
    EXPECT_TRUE(document.set_all("slurmctldhost", {}));
    EXPECT_EQ(document.render(), "\n");  // an emptied file, as slurmutils writes it
}

TEST(ConfigDocumentList, ANewKeyGoesAtTheEnd) {
    ConfigDocument document = parse("clustername=c\ninclude x\n");
    document.set_all("SlurmctldHost", {"a", "b"});
    EXPECT_EQ(document.render(), "clustername=c\ninclude x\nslurmctldhost=a\nslurmctldhost=b\n");
}

// ---- includes -----------------------------------------------------------------------------------

TEST(ConfigDocumentIncludes, PrependGoesBeforeTheFirstIncludeAndIgnoresDuplicates) {
    ConfigDocument document = parse(slurm_test::data_file("upstream-1.2.0-slurm.conf"));
    EXPECT_TRUE(document.prepend_include("slurm.conf.compute"));
    EXPECT_FALSE(document.prepend_include("slurm.conf.compute"));
    EXPECT_TRUE(document.prepend_include("slurm.conf.gpu"));
    EXPECT_EQ(
        document.includes(),
        (std::vector<std::string>{"slurm.conf.gpu", "slurm.conf.compute", "slurm.conf.accounting",
                                  "slurm.conf.profiling", "slurm.conf.overrides"}));
    std::string expected = slurm_test::data_file("upstream-1.2.0-slurm.conf");
    expected.insert(expected.find("include slurm.conf.accounting"),
                    "include slurm.conf.gpu\ninclude slurm.conf.compute\n");
    EXPECT_EQ(document.render(), expected);
}

TEST(ConfigDocumentIncludes, RemoveAndAppend) {
    ConfigDocument document = parse("include a\n# keep\ninclude b\nx=1\n");
    EXPECT_TRUE(document.remove_include("a"));
    EXPECT_FALSE(document.remove_include("a"));
    EXPECT_TRUE(document.append_include("c"));
    EXPECT_EQ(document.render(), "# keep\ninclude b\ninclude c\nx=1\n");
    EXPECT_TRUE(document.set_includes({"z", "b", "c"}));
    EXPECT_EQ(document.render(), "# keep\ninclude z\ninclude b\ninclude c\nx=1\n");
}

TEST(ConfigDocumentIncludes, KeywordSpellingIsKeptWhenRewritten) {
    ConfigDocument document = parse("Include a # x\n");
    EXPECT_TRUE(document.set_includes({"b"}));
    EXPECT_EQ(document.render(), "include b\n");  // a different file: a new line where a was
    document = parse("Include a # x\nInclude b\n");
    EXPECT_TRUE(document.set_includes({"b", "a"}));
    EXPECT_EQ(document.render(), "Include b # x\nInclude a\n");
}

// ---- records ------------------------------------------------------------------------------------

TEST(ConfigDocumentRecords, ReplacingARecordKeepsItsLineIndentAndComment) {
    ConfigDocument document = parse("a=1\n  NodeSet=gpu Feature=gpu # gpus\nb=2\n");
    Record nodeset("NodeSet", "gpu");
    nodeset.set("Feature", "gpu,a100");
    EXPECT_TRUE(document.set_record(nodeset));
    EXPECT_EQ(document.render(), "a=1\n  NodeSet=gpu Feature=gpu,a100 # gpus\nb=2\n");
    EXPECT_FALSE(document.set_record(nodeset));
}

TEST(ConfigDocumentRecords, NewRecordsFollowTheirKindOrGoAtTheEnd) {
    ConfigDocument document;
    Record nodeset("nodeset", "compute");
    nodeset.set("feature", "compute");
    Record partition("PartitionName", "compute");
    partition.set("Nodes", "compute");
    document.set_record(nodeset);
    document.set_record(partition);
    Record second("nodeset", "gpu");
    second.set("feature", "gpu");
    document.set_record(second);
    EXPECT_EQ(document.render(),
              "nodeset=compute feature=compute\nnodeset=gpu feature=gpu\n"
              "partitionname=compute nodes=compute\n");
}

TEST(ConfigDocumentRecords, EditingARecordKeepsTheFileSpellingOfItsKeys) {
    ConfigDocument document = parse(kAdmin);
    auto partition = document.record("partitionname", "debug");
    ASSERT_TRUE(partition);
    partition->set("default", "NO");
    partition->set("MaxNodes", "2");
    EXPECT_TRUE(document.set_record(*partition));
    std::string expected = kAdmin;
    expected.replace(expected.find("PartitionName=debug"),
                     std::string("PartitionName=debug Nodes=node[1-4] Default=YES MaxTime=INFINITE "
                                 "State=UP")
                         .size(),
                     "PartitionName=debug Nodes=node[1-4] Default=NO MaxTime=INFINITE State=UP "
                     "maxnodes=2");
    EXPECT_EQ(document.render(), expected);
}

TEST(ConfigDocumentRecords, RemoveRecordAndNamesAreExact) {
    ConfigDocument document = parse("PartitionName=a Nodes=x\nPartitionName=A Nodes=y\n");
    EXPECT_EQ(document.record("partitionname", "A")->get("nodes"), "y");
    EXPECT_TRUE(document.remove_record("PARTITIONNAME", "a"));
    EXPECT_EQ(document.render(), "PartitionName=A Nodes=y\n");
    EXPECT_THROW(document.set_record(Record("ClusterName", "x")), std::invalid_argument);
}

TEST(ConfigDocumentRecords, ARecordNeedsItsNamingPair) {
    EXPECT_THROW(Record(std::vector<Setting>{}), std::invalid_argument);
    Record record("nodeset", "a");
    EXPECT_FALSE(record.remove("nodeset"));
}

// ---- comments and unrelated lines survive every edit ----------------------------------------

TEST(ConfigDocumentEdit, EveryEditLeavesOtherLinesByteForByte) {
    ConfigDocument document = parse(kAdmin);
    document.set("SlurmctldParameters", "enable_configless");
    document.set_all("SlurmctldHost", {"ctl-0", "ctl-1", "ctl-2"});
    document.prepend_include("slurm.conf.compute");
    document.set("StateSaveLocation", "/srv/slurmctld-statefs/checkpoint");
    EXPECT_EQ(document.render(),
              "# slurm.conf written by hand: comments, blank lines and CamelCase keys\n"
              "ClusterName=lab   # the cluster\n"
              "SlurmctldHost=ctl-0\n"
              "SlurmctldHost=ctl-1 # backup\n"
              "SlurmctldHost=ctl-2\n"
              "\n"
              "  SlurmctldTimeout = 10\n"
              "RebootProgram=\"/usr/sbin/reboot --reboot\"\n"
              "MailProg=/usr/bin/mail\\#not-a-comment\n"
              "SlurmctldParameters=enable_configless\n"
              "NodeName=node[1-4] CPUs=4 RealMemory=8000 \\\n"
              "    State=UNKNOWN # four nodes\n"
              "PartitionName=debug Nodes=node[1-4] Default=YES MaxTime=INFINITE State=UP\n"
              "include slurm.conf.compute\n"
              "Include slurm.conf.extra\n"
              "# end\n"
              "statesavelocation=/srv/slurmctld-statefs/checkpoint\n");
}

TEST(ConfigDocumentEdit, AContinuedLineIsJoinedWhenRewritten) {
    ConfigDocument document = parse(kAdmin);
    auto node = document.record("NodeName", "node[1-4]");
    node->set("State", "CLOUD");
    document.set_record(*node);
    EXPECT_NE(document.render().find(
                  "NodeName=node[1-4] CPUs=4 RealMemory=8000 State=CLOUD # four nodes\n"),
              std::string::npos);
}

// ---- merge --------------------------------------------------------------------------------------

TEST(ConfigDocumentMerge, ActsLikeADictUpdate) {
    ConfigDocument base =
        parse("a=1\nSlurmctldHost=x\nSlurmctldHost=y\nb=2\nNodeSet=n Feature=n\n");
    const ConfigDocument overrides =
        parse("B=3\nc=4\nSlurmctldHost=z\nNodeSet=n Feature=m\nNodeSet=o Feature=o\n");
    EXPECT_TRUE(base.merge(overrides));
    EXPECT_EQ(base.render(),
              "a=1\nSlurmctldHost=z\nb=3\nNodeSet=n Feature=m\nnodeset=o feature=o\nc=4\n");
    EXPECT_FALSE(base.merge(overrides));
}

TEST(ConfigDocumentMerge, IncludesOfTheOverridesReplaceOurs) {
    ConfigDocument base = parse("include a\ninclude b\n");
    base.merge(parse("include b\ninclude c\n"));
    EXPECT_EQ(base.includes(), (std::vector<std::string>{"b", "c"}));
}

TEST(ConfigDocumentValues, OnlyWhatSlurmReadsBackUnchangedCanBeWritten) {
    using slurmctld::slurm::can_write_value;
    using slurmctld::slurm::format_slurm_value;
    EXPECT_EQ(format_slurm_value("plain"), "plain");
    EXPECT_EQ(format_slurm_value("/usr/bin/mail -x"), "\"/usr/bin/mail -x\"");
    EXPECT_EQ(format_slurm_value(""), "\"\"");
    EXPECT_EQ(format_slurm_value("a#b"), "a\\#b");
    EXPECT_EQ(format_slurm_value("a\\b"), "a\\\\b");
    EXPECT_EQ(format_slurm_value("ends\\"), "ends\\\\");  // no line continuation
    EXPECT_EQ(format_slurm_value("a\tb"), "\"a\tb\"");
    EXPECT_EQ(format_slurm_value("x", true), "\"x\"");
    EXPECT_EQ(format_slurm_value("a\"b"), "a\"b");
    for (const std::string& bad :
         {std::string("a\nb"), std::string("a\rb"), std::string("a\0b", 3), std::string("\x1b[31m"),
          std::string("a\x7f"), std::string("\"a b\""), std::string("\"a\""),
          std::string("a \"b")}) {
        EXPECT_FALSE(can_write_value(bad)) << slurmctld::slurm::to_lower(bad);
        EXPECT_EQ(format_slurm_value(bad), std::nullopt);
    }
    EXPECT_FALSE(can_write_value("a\"b", true));  // a quoted value cannot hold a quote

    // Each writable value reads back the same from a line.
    for (const std::string& value :
         std::initializer_list<std::string>{"plain", "with space", "", "a#b", "a\\#b", "x\\",
                                            "tab\there", "a\"b", "=", "k=v,k2"}) {
        ConfigDocument document;
        document.set("MailProg", value);
        const auto reread = ConfigDocument::parse(document.render());
        ASSERT_TRUE(reread) << document.render();
        EXPECT_EQ(reread.value().get("MailProg"), value) << document.render();
    }
}

TEST(ConfigDocumentValues, SetRefusesWhatItCannotWrite) {
    ConfigDocument document;
    EXPECT_THROW(document.set("MailProg", "a\nb"), std::invalid_argument);
    EXPECT_THROW(document.set("MailProg", std::string("a\0b", 3)), std::invalid_argument);
    EXPECT_THROW(document.set_all("SlurmctldHost", {"a", "b\rc"}), std::invalid_argument);
    EXPECT_THROW(document.set_includes({"a\x01"}), std::invalid_argument);
    slurmctld::slurm::Record record("PartitionName", "p");
    record.set("MaxTime", "1\n");
    EXPECT_THROW(document.set_record(record), std::invalid_argument);
    EXPECT_TRUE(document.empty());
}

TEST(ConfigDocumentTest, ARememberedParseIsTheParseAndEachCallerGetsItsOwnCopy) {
    const std::string text = "ClusterName=polaris\nSlurmctldHost=a(10.0.0.1)\n";
    auto first = ConfigDocument::parse_remembered(text);
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first.value().render(), ConfigDocument::parse(text).value().render());
    first.value().set("ClusterName", "changed");
    const auto again = ConfigDocument::parse_remembered(text);
    ASSERT_TRUE(again.has_value());
    EXPECT_EQ(again.value().get("ClusterName"), "polaris");
    // A bad text is remembered as the same error.
    EXPECT_FALSE(ConfigDocument::parse_remembered("Include\n").has_value());
    EXPECT_FALSE(ConfigDocument::parse_remembered("Include\n").has_value());
    // Other dialects are kept apart.
    EXPECT_EQ(ConfigDocument::parse_remembered("", ConfigDialect::CgroupConf).value().dialect(),
              ConfigDialect::CgroupConf);
}
