#include <gtest/gtest.h>

#include <slurmctld/juju/relation_codec.hpp>

namespace codec = slurmctld::juju::codec;
using codec::Value;
using slurmctld::juju::Databag;

// ---- upstream.md examples, byte for byte ---------------------------------------------

TEST(RelationCodec, ControllerDataMatchesUpstreamSection4_2) {
    // ControllerData as slurmctld writes it for slurmd/sackd in HA with two controllers.
    Value fields = Value::object();
    fields["slurmconfig"] = Value::object();
    fields["controllers"] = Value::array({"juju-abc-0:6817", "juju-abc-1:6817"});
    fields["auth_secret_id"] = "secret:d1a2b3c4d5e6f7g8h9i0";
    fields["jwt_secret_id"] = "";
    fields["auth_key"] = "";
    fields["jwt_key"] = "";
    fields["auth_key_id"] = "";
    const Databag expected{
        {"auth_key", R"("")"},
        {"auth_key_id", R"("")"},
        {"auth_secret_id", R"("secret:d1a2b3c4d5e6f7g8h9i0")"},
        {"controllers", R"(["juju-abc-0:6817", "juju-abc-1:6817"])"},
        {"jwt_key", R"("")"},
        {"jwt_secret_id", R"("")"},
        {"slurmconfig", "{}"},
    };
    EXPECT_EQ(codec::encode_fields(fields), expected);
    // Consumers compare these raw strings exactly (slurmd/sackd readiness).
    EXPECT_EQ(codec::encode(Value::array()), "[]");
    EXPECT_EQ(codec::encode(""), R"("")");
}

TEST(RelationCodec, EncodeFieldsSortsKeysLikeOpsSave) {
    // ops 3.7 Relation.save: `for attr, field in sorted(fields.items())`.
    Value fields = Value::object();
    fields["restart_signal"] = "";
    fields["cluster_name"] = "polaris";
    const auto databag = codec::encode_fields(fields);
    ASSERT_EQ(databag.size(), 2U);
    EXPECT_EQ(databag.begin()->first, "cluster_name");
    EXPECT_EQ(databag.at("cluster_name"), R"("polaris")");
    EXPECT_EQ(databag.at("restart_signal"), R"("")");
    EXPECT_THROW(codec::encode_fields(Value::array()), std::invalid_argument);
}

TEST(RelationCodec, PeerDataMatchesUpstreamSection2_1) {
    EXPECT_EQ(codec::encode("charmed-hpc-Ab3_"), R"("charmed-hpc-Ab3_")");
    EXPECT_EQ(codec::encode("charmed-hpc-xyz1"), R"("charmed-hpc-xyz1")");
    EXPECT_EQ(codec::encode("0b0f5a4e-6c1d-4f0e-9a53-3c2f0a1f9d2e"),
              R"("0b0f5a4e-6c1d-4f0e-9a53-3c2f0a1f9d2e")");
    EXPECT_EQ(codec::encode("juju-829e74-84"), R"("juju-829e74-84")");
}

TEST(RelationCodec, MountInfoMatchesUpstreamSection2_7) {
    Value mount = Value::object();
    mount["mountpoint"] = "/srv/slurmctld-statefs";
    mount["noexec"] = false;
    mount["nosuid"] = false;
    mount["nodev"] = false;
    mount["read_only"] = false;
    const Databag expected{{"mountpoint", R"("/srv/slurmctld-statefs")"},
                           {"nodev", "false"},
                           {"noexec", "false"},
                           {"nosuid", "false"},
                           {"read_only", "false"}};
    EXPECT_EQ(codec::encode_fields(mount), expected);
    EXPECT_EQ(codec::encode(true), "true");
}

TEST(RelationCodec, NestedObjectsKeepInsertionOrder) {
    // slurmd's ComputeData partition: user keys first, then partitionname and nodes (§4.3).
    Value partition = Value::object();
    partition["defaulttime"] = "45:00";
    partition["maxtime"] = "1:00:00";
    partition["partitionname"] = "compute";
    partition["nodes"] = Value::array({"compute"});
    EXPECT_EQ(codec::encode(partition),
              R"({"defaulttime": "45:00", "maxtime": "1:00:00", "partitionname": "compute", )"
              R"("nodes": ["compute"]})");

    // A slurmconfig fragment (§4.2): typed values, nested dicts, "slurm.conf" first.
    Value slurmconfig = Value::object();
    slurmconfig["slurm.conf"]["clustername"] = "charmed-hpc-Ab3_";
    slurmconfig["slurm.conf"]["slurmctldhost"] = Value::array({"juju-abc-0", "juju-abc-1"});
    slurmconfig["slurm.conf"]["slurmctldport"] = 6817;
    slurmconfig["slurm.conf"]["slurmctldparameters"]["enable_configless"] = true;
    slurmconfig["slurm.conf.accounting"]["accountingstoragehost"] = "juju-abc-3";
    slurmconfig["slurm.conf.accounting"]["accountingstorageport"] = 6819;
    slurmconfig["slurm.conf.profiling"] = Value::object();
    slurmconfig["slurm.conf.overrides"]["slurmctldtimeout"] = 10;
    EXPECT_EQ(codec::encode(slurmconfig),
              R"({"slurm.conf": {"clustername": "charmed-hpc-Ab3_", "slurmctldhost": )"
              R"(["juju-abc-0", "juju-abc-1"], "slurmctldport": 6817, "slurmctldparameters": )"
              R"({"enable_configless": true}}, "slurm.conf.accounting": )"
              R"({"accountingstoragehost": "juju-abc-3", "accountingstorageport": 6819}, )"
              R"("slurm.conf.profiling": {}, "slurm.conf.overrides": {"slurmctldtimeout": 10}})");
}

// ---- json.dumps details ------------------------------------------------------------------------

TEST(RelationCodec, EscapesLikePythonWithEnsureAscii) {
    EXPECT_EQ(codec::encode("a\"b\\c"), R"("a\"b\\c")");
    EXPECT_EQ(codec::encode("line\nnext\ttab\rcr\bb\ff"), R"("line\nnext\ttab\rcr\bb\ff")");
    EXPECT_EQ(codec::encode(std::string("\x01\x1f\x7f", 3)), R"("\u0001\u001f\u007f")");
    EXPECT_EQ(codec::encode("caf\xc3\xa9"), R"("caf\u00e9")");
    EXPECT_EQ(codec::encode("\xe2\x82\xac"), R"("\u20ac")");
    EXPECT_EQ(codec::encode("\xf0\x9f\x98\x80"), R"("\ud83d\ude00")");
    EXPECT_EQ(codec::encode("</script>&"), R"("</script>&")");  // no HTML escaping (not Go)
    EXPECT_THROW(codec::encode(std::string("\xff")), std::invalid_argument);
}

TEST(RelationCodec, NumbersLikePythonRepr) {
    EXPECT_EQ(codec::encode(0), "0");
    EXPECT_EQ(codec::encode(-42), "-42");
    EXPECT_EQ(codec::encode(18446744073709551615ULL), "18446744073709551615");
    EXPECT_EQ(codec::encode(1.0), "1.0");
    EXPECT_EQ(codec::encode(60.5), "60.5");
    EXPECT_EQ(codec::encode(0.1), "0.1");
    EXPECT_EQ(codec::encode(-0.0), "-0.0");
    EXPECT_EQ(codec::encode(0.0001), "0.0001");
    EXPECT_EQ(codec::encode(0.00001), "1e-05");
    EXPECT_EQ(codec::encode(1e15), "1000000000000000.0");
    EXPECT_EQ(codec::encode(1e16), "1e+16");
    EXPECT_EQ(codec::encode(1.5e16), "1.5e+16");
    EXPECT_EQ(codec::encode(1e100), "1e+100");
    EXPECT_EQ(codec::encode(123456.789), "123456.789");
    EXPECT_EQ(codec::encode(nullptr), "null");
}

TEST(RelationCodec, SeparatorsAreCommaSpaceAndColonSpace) {
    Value value = Value::object();
    value["a"] = Value::array({1, 2, Value::object()});
    value["b"] = Value::object();
    value["b"]["c"] = Value::array();
    EXPECT_EQ(codec::encode(value), R"({"a": [1, 2, {}], "b": {"c": []}})");
}

TEST(RelationCodec, RoundTripsThroughDecode) {
    const std::string raw = R"({"z": 1, "a": [true, null, "x"], "m": {"k": 1.5}})";
    EXPECT_EQ(codec::encode(codec::decode("k", raw)), raw);  // key order kept
}

// ---- decoding ----------------------------------------------------------------------------------

TEST(RelationCodec, DecodesStrictly) {
    EXPECT_EQ(codec::decode("controllers", R"(["a:6817"])"), Value::array({"a:6817"}));
    EXPECT_EQ(codec::decode_string("cluster_name", R"("osd")"), "osd");
    try {
        codec::decode("ingress-address", "10.5.0.12");  // Juju's own keys are not JSON
        FAIL() << "expected RelationDataError";
    } catch (const codec::RelationDataError& e) {
        EXPECT_EQ(e.key(), "ingress-address");
        EXPECT_NE(std::string(e.what()).find("relation data key \"ingress-address\""),
                  std::string::npos);
        EXPECT_EQ(std::string(e.what()).find("10.5.0.12"), std::string::npos);
    }
    EXPECT_THROW(codec::decode("cluster_name", "osd"), codec::RelationDataError);
    EXPECT_THROW(codec::decode("x", ""), codec::RelationDataError);
    EXPECT_THROW(codec::decode("x", "[1, 2"), codec::RelationDataError);
    EXPECT_THROW(codec::decode_string("controllers", "[]"), codec::RelationDataError);
}

TEST(RelationCodec, DecodeKeyIsNulloptWhenAbsent) {
    const Databag databag{{"cluster_name", R"("osd")"}, {"broken", "{"}};
    EXPECT_EQ(codec::decode_key(databag, "cluster_name"), Value("osd"));
    EXPECT_FALSE(codec::decode_key(databag, "restart_signal"));
    EXPECT_THROW(codec::decode_key(databag, "broken"), codec::RelationDataError);
}

TEST(RelationCodec, HostnameIsDecodedTolerantlyLikeUpstream) {
    EXPECT_EQ(codec::decode_string_tolerant("hostname", R"("juju-abc-0")"), "juju-abc-0");
    EXPECT_EQ(codec::decode_string_tolerant("hostname", "juju-abc-0"), "juju-abc-0");
    EXPECT_EQ(codec::decode_string_tolerant("ingress-address", "10.5.0.12"), "10.5.0.12");
    EXPECT_EQ(codec::decode_string_tolerant("hostname", ""), "");
    // Wrapped before json.loads, as upstream does: escapes in a bare value are JSON escapes.
    EXPECT_EQ(codec::decode_string_tolerant("hostname", R"(a\u0041)"), "aA");
    EXPECT_THROW(codec::decode_string_tolerant("hostname", R"(")"), codec::RelationDataError);
    EXPECT_THROW(codec::decode_string_tolerant("hostname", R"("a" "b")"), codec::RelationDataError);
}
