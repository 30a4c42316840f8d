// The cases: every tool the charm uses (ops' forms), with the error cases Juju documents.
#include <string>

#include "tool_contract.hpp"

namespace contract {

namespace {

std::string secret(const char* id) {
    return std::string("secret:") + id;
}

std::vector<Case> relation_cases() {
    const std::string slurmd0 =
        R"({"egress-subnets":"10.0.0.12/32","ingress-address":"10.0.0.12","node":"n0",)"
        R"("private-address":"10.0.0.12"})"
        "\n";
    return {
        {"RelationIdsOfAnEndpoint",
         {},
         {call({"relation-ids", "slurmd", "--format=json"}, "[\"slurmd:3\"]\n")}},
        {"RelationIdsSmart", {}, {call({"relation-ids", "slurmctld-peer"}, "slurmctld-peer:1\n")}},
        {"RelationIdsNeedAnEndpointOutsideRelationHooks",
         {},
         {fails({"relation-ids", "--format=json"}, 2, "ERROR no endpoint name specified\n")}},
        {"RelationIdsDefaultToTheHooksEndpoint",
         relation_changed("slurmd/0"),
         {call({"relation-ids", "--format=json"}, "[\"slurmd:3\"]\n")}},
        {"RelationListUnits",
         {},
         {call({"relation-list", "--format=json", "-r", "slurmd:3"},
               "[\"slurmd/0\",\"slurmd/1\"]\n")}},
        {"RelationListPeers",
         {},
         {call({"relation-list", "--format=json", "-r", "slurmctld-peer:1"},
               "[\"slurmctld/1\"]\n")}},
        {"RelationListApp",
         {},
         {call({"relation-list", "--format=json", "-r", "3", "--app"}, "\"slurmd\"\n")}},
        {"RelationListBadRelationId",
         {},
         {fails({"relation-list", "--format=json", "-r", "one"}, 2,
                "ERROR invalid value \"one\" for option -r: invalid relation id\n")}},
        {"RelationListRelationNotFound",
         {},
         {fails({"relation-list", "--format=json", "-r", "slurmd:9"}, 2,
                "ERROR invalid value \"slurmd:9\" for option -r: relation not found\n")}},
        {"RelationListNeedsARelation",
         {},
         {fails({"relation-list", "--format=json"}, 2, "ERROR no relation id specified\n")}},
        {"RelationGetUnitDatabag",
         {},
         {call({"relation-get", "--format=json", "-r", "slurmd:3", "-", "slurmd/0"}, slurmd0)}},
        {"RelationGetAppDatabagIsHtmlEscaped",
         {},
         {call({"relation-get", "--format=json", "-r", "slurmd:3", "--app", "-", "slurmd"},
               R"({"partition":"{\"partitionname\": \"batch\", \"x\": \"\u003c\u0026\u003e\"}"})"
               "\n")}},
        {"RelationGetOneKey",
         {},
         {call({"relation-get", "--format=json", "-r", "slurmd:3", "node", "slurmd/1"},
               "\"n1\"\n")}},
        {"RelationGetMissingKeyIsNull",
         {},
         {call({"relation-get", "--format=json", "-r", "slurmd:3", "nope", "slurmd/0"}, "null\n"),
          call({"relation-get", "-r", "slurmd:3", "nope", "slurmd/0"}, "")}},
        {"RelationGetWantsAUnitWithoutApp",
         {},
         {fails({"relation-get", "--format=json", "-r", "slurmd:3", "-", "slurmd"}, 2,
                "ERROR expected unit name, got application name \"slurmd\"\n")}},
        {"RelationGetNeedsATarget",
         {},
         {fails({"relation-get", "--format=json", "-r", "3", "-"}, 2,
                "ERROR no unit or application specified\n")}},
        {"RelationGetDefaultsToTheRemoteUnit",
         relation_changed("slurmd/0"),
         {call({"relation-get", "--format=json", "node"}, "\"n0\"\n")}},
        {"RelationGetOwnAppBagNeedsLeadership",
         non_leader(),
         {fails({"relation-get", "--format=json", "-r", "slurmd:3", "--app", "-", "slurmctld"}, 1,
                "ERROR permission denied\n")}},
        {"RelationGetPeerAppBagForEveryone",
         non_leader(),
         {call(
             {"relation-get", "--format=json", "-r", "slurmctld-peer:1", "--app", "-", "slurmctld"},
             "{\"cluster_name\":\"\\\"osd\\\"\"}\n")}},
        {"RelationSetFromStdinIsSeenByTheWriter",
         {},
         {with_stdin({"relation-set", "-r", "slurmd:3", "--file", "-"},
                     R"({"a": "b", "node": ""})"),
          call({"relation-get", "--format=json", "-r", "slurmd:3", "a", "slurmctld/0"},
               "\"b\"\n")}},
        {"RelationSetKeyValues",
         {},
         {call({"relation-set", "-r", "3", "x= 1 ", "egress-subnets="}),
          call({"relation-get", "--format=json", "-r", "3", "-", "slurmctld/0"},
               R"({"ingress-address":"10.0.0.10","private-address":"10.0.0.10","x":"1"})"
               "\n")}},
        {"RelationSetAppNeedsLeadership",
         non_leader(),
         {fails({"relation-set", "-r", "slurmd:3", "--app", "a=b"}, 1,
                "ERROR cannot write relation settings\n")}},
        {"RelationSetFormatIsDeprecated",
         {},
         {Step{{"relation-set", "-r", "3", "--format=json", "a=b"},
               std::nullopt,
               0,
               "",
               "--format flag deprecated for command \"relation-set\""}}},
        {"RelationSetDuplicateKey",
         {},
         {fails({"relation-set", "-r", "3", "a=1", "a=2"}, 2,
                "ERROR key \"a\" specified more than once\n")}},
    };
}

std::vector<Case> unit_cases() {
    return {
        {"IsLeader",
         {},
         {call({"is-leader", "--format=json"}, "true\n"), call({"is-leader"}, "True\n")}},
        {"IsNotLeader", non_leader(), {call({"is-leader", "--format=json"}, "false\n")}},
        {"LeaderGet",
         {},
         {call({"leader-get", "--format=json"}, "{\"leader\":\"slurmctld/0\"}\n"),
          call({"leader-get", "--format=json", "nope"}, "null\n")}},
        {"LeaderSetIsImmediate",
         {},
         {call({"leader-set", "a=b"}), call({"leader-get", "--format=json", "a"}, "\"b\"\n")}},
        {"LeaderSetNeedsLeadership",
         non_leader(),
         {fails(
             {"leader-set", "a=b"}, 1,
             "ERROR cannot write leadership settings: cannot write settings: not the leader\n")}},
        {"ConfigGet",
         {},
         {call(
              {"config-get", "--format=json"},
              R"({"cluster-name":"osd","default-partition":"batch","port":6817,"use-network-state":false})"
              "\n"),
          call({"config-get", "--format=json", "port"}, "6817\n"),
          call({"config-get", "--format=json", "nope"}, "null\n")}},
        {"ConfigGetAllWithAKey",
         {},
         {fails({"config-get", "--all", "port"}, 2,
                "ERROR cannot use argument --all together with key \"port\"\n")}},
        {"StatusSetThenGet",
         {},
         {call({"status-set", "--application=False", "maintenance", "--", "-busy"}),
          call({"status-get", "--include-data", "--format=json", "--application=false"},
               R"({"message":"-busy","status":"maintenance","status-data":{}})"
               "\n"),
          call({"status-get"}, "maintenance\n"),
          call({"status-get", "--format=json"}, "{\"status\":\"maintenance\"}\n")}},
        {"StatusSetInvalidStatus",
         {},
         {fails({"status-set", "error"}, 2,
                "ERROR invalid status \"error\", expected one of [maintenance blocked waiting "
                "active]\n")}},
        {"StatusSetNoArgs",
         {},
         {fails({"status-set"}, 2, "ERROR invalid args, require <status> [message]\n")}},
        {"StatusSetTooManyArgs",
         {},
         {fails({"status-set", "active", "a", "b"}, 2, "ERROR unrecognized args: [\"b\"]\n")}},
        {"StatusSetApplicationNeedsLeadership",
         non_leader(),
         {fails({"status-set", "--application=True", "blocked", "x"}, 1,
                "ERROR this unit is not the leader\n")}},
        {"ApplicationVersionSet",
         {},
         {call({"application-version-set", "--", "24.11"}),
          fails({"application-version-set"}, 2, "ERROR no version specified\n")}},
        {"JujuLog",
         {},
         {call({"juju-log", "--log-level", "INFO", "--", "hello", "world"}),
          fails({"juju-log", "--log-level", "INFO"}, 2, "ERROR no message specified\n")}},
        {"StateGet",
         {},
         {call({"state-get", "--format=json"}, "{\"alpha\":\"1\"}\n"),
          call({"state-get", "--format=json", "alpha"}, "\"1\"\n"),
          call({"state-get", "--format=json", "nope"}, "\"\"\n"),
          fails({"state-get", "--strict", "nope"}, 1, "ERROR \"nope\" not found\n")}},
        {"StateSetFromStdin",
         {},
         {with_stdin({"state-set", "--file", "-"}, R"({"beta": "2"})"),
          call({"state-get", "--format=json", "beta"}, "\"2\"\n")}},
        {"StateDelete",
         {},
         {call({"state-delete", "alpha"}),
          call({"state-get", "--format=json", "alpha"}, "\"\"\n")}},
        {"GoalState",
         {},
         {call(
             {"goal-state", "--format=json"},
             R"({"units":{"slurmctld/0":{"status":"active","since":"2025-01-01 00:00:00Z"},)"
             R"("slurmctld/1":{"status":"active","since":"2025-01-01 00:00:00Z"}},)"
             R"("relations":{"slurmd":{"slurmd":{"status":"joined","since":"2025-01-01 00:00:00Z"},)"
             R"("slurmd/0":{"status":"active","since":"2025-01-01 00:00:00Z"},)"
             R"("slurmd/1":{"status":"active","since":"2025-01-01 00:00:00Z"}}}})"
             "\n")}},
    };
}

std::vector<Case> action_cases() {
    return {
        {"ActionToolsOutsideAnAction",
         {},
         {fails({"action-get", "--format=json"}, 1, "ERROR not running an action\n")}},
        {"ActionGet",
         in_action(),
         {call({"action-get", "--format=json"}, R"({"format":"yaml","nested":{"a":"b"}})"
                                                "\n"),
          call({"action-get", "--format=json", "nested.a"}, "\"b\"\n"),
          call({"action-get", "--format=json", "nested.x"}, "null\n")}},
        {"ActionSet",
         in_action(),
         {call({"action-set", "result=ok", "detail.count=2"}), call({"action-set"})}},
        {"ActionSetBadKey",
         in_action(),
         {fails({"action-set", "Foo=1"}, 2,
                "ERROR key \"Foo\" must start and end with lowercase alphanumeric, and contain "
                "only lowercase alphanumeric, hyphens and periods\n")}},
        {"ActionSetReservedKey",
         in_action(),
         {fails({"action-set", "stdout=1"}, 2,
                "ERROR cannot set reserved action key \"stdout\"\n")}},
        {"ActionFailAndLog",
         in_action(),
         {call({"action-log", "--", "step", "one"}), call({"action-fail", "--", "broken"})}},
    };
}

std::vector<Case> secret_cases() {
    const std::string own = secret(kOwnSecret);
    const std::string remote = secret(kRemoteSecret);
    return {
        {"SecretIds",
         {},
         {call({"secret-ids", "--format=json"}, std::string("[\"") + kOwnSecret + "\"]\n")}},
        {"SecretGetOwn",
         {},
         {call({"secret-get", "--format=json", own}, "{\"key\":\"s3cret!\"}\n"),
          call({"secret-get", "--format=json", "--label", "auth-key"}, "{\"key\":\"s3cret!\"}\n"),
          call({"secret-get", "--format=json", own, "key"}, "\"s3cret!\"\n")}},
        {"SecretGetTracksTheConsumersRevision",
         {},
         {call({"secret-get", "--format=json", remote}, "{\"token\":\"t1\"}\n"),
          call({"secret-get", "--format=json", remote, "--peek"}, "{\"token\":\"t2\"}\n"),
          call({"secret-get", "--format=json", remote}, "{\"token\":\"t1\"}\n"),
          call({"secret-get", "--format=json", remote, "--refresh"}, "{\"token\":\"t2\"}\n"),
          call({"secret-get", "--format=json", remote}, "{\"token\":\"t2\"}\n")}},
        {"SecretGetNotFound",
         {},
         {fails({"secret-get", "--format=json", "secret:nope"}, 1,
                "ERROR secret \"nope\" not found\n")}},
        {"SecretGetPeekAndRefresh",
         {},
         {fails({"secret-get", own, "--peek", "--refresh"}, 2,
                "ERROR specify one of --peek or --refresh but not both\n")}},
        {"SecretGetNeedsAnIdOrLabel",
         {},
         {fails({"secret-get", "--format=json"}, 2,
                "ERROR require either a secret URI or label\n")}},
        {"SecretInfoGet",
         {},
         {call({"secret-info-get", "--format=json", own},
               std::string("{\"") + kOwnSecret +
                   R"(":{"revision":1,"label":"auth-key","owner":"application"}})" + "\n")}},
        {"SecretInfoGetIdAndLabel",
         {},
         {fails({"secret-info-get", own, "--label", "auth-key"}, 2,
                "ERROR specify either a secret URI or label but not both\n")}},
        {"SecretAdd",
         {},
         {call({"secret-add", "--label", "new-key", "--owner", "application", "key=v1"},
               "secret://<uuid>/<id>\n")}},
        {"SecretAddNeedsContent",
         {},
         {fails({"secret-add", "--owner", "application"}, 2,
                "ERROR missing secret value or filename\n")}},
        {"SecretAddAppOwnedNeedsLeadership",
         non_leader(),
         {fails({"secret-add", "--owner", "application", "key=v1"}, 1,
                "ERROR this unit is not the leader\n")}},
        {"SecretAddDuplicateLabel",
         {},
         {fails({"secret-add", "--label", "auth-key", "key=v1"}, 1,
                "ERROR secret with label \"auth-key\" already exists\n")}},
        {"SecretSet", {}, {call({"secret-set", "--owner", "application", own, "key=v2"})}},
        {"SecretSetNeedsLeadership",
         non_leader(),
         {fails({"secret-set", "--owner", "application", own, "key=v2"}, 1,
                "ERROR this unit is not the leader\n")}},
        {"SecretGrantAndRevoke",
         {},
         {call({"secret-grant", "--relation", "3", own}),
          call({"secret-grant", "--relation", "3", "--unit", "slurmd/0", own}),
          call({"secret-revoke", "--relation", "3", own})}},
        {"SecretGrantUnitOfAnotherApp",
         {},
         {fails({"secret-grant", "--relation", "3", "--unit", "other/0", own}, 2,
                "ERROR cannot specify unit \"other/0\" in relation to application \"slurmd\"\n")}},
        {"SecretGrantDefaultsToTheHooksRelation",
         relation_changed("slurmd/0"),
         {call({"secret-grant", own})}},
        {"SecretGrantNeedsARelation",
         {},
         {fails({"secret-grant", own}, 2, "ERROR no relation id specified\n")}},
        {"SecretRemove", {}, {call({"secret-remove", own})}},
    };
}

std::vector<Case> network_cases() {
    return {
        {"OpenedPorts", {}, {call({"opened-ports", "--format=json"}, "[\"6817/tcp\"]\n")}},
        {"OpenPortIsNotShownUntilCommitted",
         {},
         {call({"open-port", "8080/tcp"}), call({"close-port", "6817/tcp"}),
          call({"opened-ports", "--format=json"}, "[\"6817/tcp\"]\n")}},
        {"OpenPortBadSpec",
         {},
         {fails({"open-port", "bogus"}, 2,
                "ERROR expected <port>[/<protocol>] or <from>-<to>[/<protocol>] or icmp; got "
                "\"bogus\"\n")}},
        {"OpenPortDefaultsToTcp",
         {},
         {call({"open-port", "8080"}), call({"close-port", "8080/UDP"})}},
        {"UnitGet",
         {},
         {call({"unit-get", "private-address"}, "10.0.0.10\n"),
          call({"unit-get", "--format=json", "public-address"}, "\"10.0.0.10\"\n")}},
        {"UnitGetUnknownSetting",
         {},
         {fails({"unit-get", "nope"}, 2, "ERROR unknown setting \"nope\"\n")}},
        {"NetworkGetOneValue",
         {},
         {call({"network-get", "--format=json", "slurmd", "--ingress-address"}, "\"10.0.0.10\"\n"),
          call({"network-get", "--format=json", "slurmd", "--egress-subnets"},
               "[\"10.0.0.10/32\"]\n"),
          call({"network-get", "slurmd", "--bind-address"}, "10.0.0.10\n")}},
        {"NetworkGetSeveralValues",
         {},
         {call({"network-get", "--format=json", "slurmd", "--ingress-address", "--bind-address"},
               R"({"bind-address":"10.0.0.10","ingress-address":"10.0.0.10"})"
               "\n")}},
        {"NetworkGetPrimaryAddressAlone",
         {},
         {call({"network-get", "slurmd", "--primary-address"}, "10.0.0.10\n"),
          fails({"network-get", "slurmd", "--primary-address", "--bind-address"}, 1,
                "ERROR --primary-address must be the only flag specified\n")}},
        {"NetworkGetUnknownBinding",
         {},
         {fails({"network-get", "--format=json", "nope"}, 1,
                "ERROR no network config found for binding \"nope\"\n")}},
        {"UnknownFlag",
         {},
         {fails({"relation-ids", "--bogus"}, 2, "ERROR flag provided but not defined: --bogus\n"),
          fails({"is-leader", "-x"}, 2, "ERROR flag provided but not defined: -x\n")}},
        {"UnknownFormat",
         {},
         {fails({"is-leader", "--format", "xml"}, 2,
                "ERROR invalid value \"xml\" for option --format: unknown format \"xml\"\n")}},
    };
}

}  // namespace

std::vector<Case> contract_cases() {
    std::vector<Case> all;
    for (auto part :
         {relation_cases(), unit_cases(), action_cases(), secret_cases(), network_cases()}) {
        all.insert(all.end(), part.begin(), part.end());
    }
    return all;
}

}  // namespace contract
