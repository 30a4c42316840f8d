#include <gtest/gtest.h>

#include <slurmctld/juju/context.hpp>

using slurmctld::juju::ContextError;
using slurmctld::juju::Environment;
using slurmctld::juju::HookContext;
using slurmctld::juju::RelationEventKind;

namespace {

/// The variables Juju sets for every hook (juju.md §1.2), for a plain hook.
Environment hook_env(const std::string& hook) {
    return {
        {"JUJU_DISPATCH_PATH", "hooks/" + hook},
        {"JUJU_HOOK_NAME", hook},
        {"JUJU_UNIT_NAME", "slurmctld/0"},
        {"JUJU_MODEL_NAME", "hpc"},
        {"JUJU_MODEL_UUID", "cdac5656-2423-4388-8f30-41854b4cca7d"},
        {"JUJU_VERSION", "3.6.12"},
        {"JUJU_CHARM_DIR", "/var/lib/juju/agents/unit-slurmctld-0/charm"},
        {"CHARM_DIR", "/var/lib/juju/agents/unit-slurmctld-0/charm"},
        {"JUJU_CONTEXT_ID", "slurmctld/0-install-5577006791947779410"},
    };
}

/// A relation hook: Juju exports all four relation variables, empty where not applicable.
Environment relation_env(const std::string& endpoint, const std::string& kind, int id,
                         const std::string& remote_app, const std::string& remote_unit,
                         const std::string& departing = "") {
    auto env = hook_env(endpoint + "-relation-" + kind);
    env["JUJU_RELATION"] = endpoint;
    env["JUJU_RELATION_ID"] = endpoint + ":" + std::to_string(id);
    env["JUJU_REMOTE_APP"] = remote_app;
    env["JUJU_REMOTE_UNIT"] = remote_unit;
    env["JUJU_DEPARTING_UNIT"] = departing;
    return env;
}

const char* const dispatch_argv0 = "/var/lib/juju/agents/unit-slurmctld-0/charm/dispatch";

}  // namespace

TEST(HookContext, DecodesAPlainHook) {
    const auto ctx = HookContext::from_environment(hook_env("install"), dispatch_argv0);
    EXPECT_EQ(ctx.dispatch_path, "hooks/install");
    EXPECT_EQ(ctx.hook_name, "install");
    EXPECT_EQ(ctx.event_name(), "install");
    EXPECT_FALSE(ctx.is_action());
    EXPECT_EQ(ctx.unit_name, "slurmctld/0");
    EXPECT_EQ(ctx.app_name, "slurmctld");
    EXPECT_EQ(ctx.model_name, "hpc");
    EXPECT_EQ(ctx.model_uuid, "cdac5656-2423-4388-8f30-41854b4cca7d");
    EXPECT_EQ(ctx.juju_version, "3.6.12");
    EXPECT_EQ(ctx.charm_dir, "/var/lib/juju/agents/unit-slurmctld-0/charm");
    EXPECT_FALSE(ctx.relation);
    EXPECT_FALSE(ctx.secret);
    EXPECT_FALSE(ctx.action);
    EXPECT_EQ(ctx.describe(), "install");
}

TEST(HookContext, AppNameIsTheUnitPrefixEvenWithDashes) {
    auto env = hook_env("update-status");
    env["JUJU_UNIT_NAME"] = "slurm-ctld-ha/12";
    const auto ctx = HookContext::from_environment(env, dispatch_argv0);
    EXPECT_EQ(ctx.app_name, "slurm-ctld-ha");
    EXPECT_EQ(ctx.hook_name, "update-status");
}

TEST(HookContext, FallsBackToLegacyCharmDir) {
    auto env = hook_env("start");
    env.erase("JUJU_CHARM_DIR");
    env["CHARM_DIR"] = "/srv/charm";
    EXPECT_EQ(HookContext::from_environment(env, dispatch_argv0).charm_dir, "/srv/charm");
}

TEST(HookContext, RelationEndpointComesFromJujuRelationNotTheHookName) {
    // "slurmctld-peer-relation-joined" would be mis-split by parsing the hook name.
    const auto ctx = HookContext::from_environment(
        relation_env("slurmctld-peer", "joined", 3, "slurmctld", "slurmctld/1"), dispatch_argv0);
    ASSERT_TRUE(ctx.relation);
    EXPECT_EQ(ctx.relation->endpoint, "slurmctld-peer");
    EXPECT_EQ(ctx.relation->kind, RelationEventKind::Joined);
    EXPECT_EQ(ctx.relation->relation.endpoint, "slurmctld-peer");
    EXPECT_EQ(ctx.relation->relation.id, 3);
    EXPECT_EQ(ctx.relation->remote_app, "slurmctld");
    EXPECT_EQ(ctx.relation->remote_unit, "slurmctld/1");
    EXPECT_EQ(ctx.relation->departing_unit, "");
    EXPECT_EQ(ctx.hook_name, "slurmctld-peer-relation-joined");
    EXPECT_EQ(ctx.describe(),
              "slurmctld-peer-relation-joined (slurmctld-peer:3, remote slurmctld/1)");
}

TEST(HookContext, EndpointWhoseNameContainsRelation) {
    // An endpoint named like a relation hook suffix must still decode.
    const auto ctx = HookContext::from_environment(
        relation_env("my-relation-changed", "changed", 7, "other", "other/0"), dispatch_argv0);
    ASSERT_TRUE(ctx.relation);
    EXPECT_EQ(ctx.relation->endpoint, "my-relation-changed");
    EXPECT_EQ(ctx.relation->kind, RelationEventKind::Changed);
}

TEST(HookContext, DecodesEveryRelationKind) {
    const std::vector<std::pair<std::string, RelationEventKind>> kinds{
        {"created", RelationEventKind::Created},
        {"joined", RelationEventKind::Joined},
        {"changed", RelationEventKind::Changed},
        {"departed", RelationEventKind::Departed},
        {"broken", RelationEventKind::Broken}};
    for (const auto& [name, kind] : kinds) {
        const bool has_unit = name == "joined" || name == "changed" || name == "departed";
        const auto env = relation_env("slurmd", name, 4, "slurmd", has_unit ? "slurmd/2" : "",
                                      name == "departed" ? "slurmd/2" : "");
        const auto ctx = HookContext::from_environment(env, dispatch_argv0);
        ASSERT_TRUE(ctx.relation) << name;
        EXPECT_EQ(ctx.relation->kind, kind) << name;
        EXPECT_EQ(slurmctld::juju::to_string(kind), name);
    }
}

TEST(HookContext, CreatedAndBrokenHaveNoRemoteUnit) {
    const auto created = HookContext::from_environment(
        relation_env("slurmd", "created", 4, "slurmd", ""), dispatch_argv0);
    EXPECT_EQ(created.relation->remote_unit, "");
    EXPECT_EQ(created.relation->remote_app, "slurmd");
    const auto broken = HookContext::from_environment(
        relation_env("slurmd", "broken", 4, "slurmd", ""), dispatch_argv0);
    EXPECT_EQ(broken.relation->kind, RelationEventKind::Broken);
    EXPECT_EQ(broken.describe(), "slurmd-relation-broken (slurmd:4, remote app slurmd)");
}

TEST(HookContext, AppDataChangedHasAnEmptyRemoteUnit) {
    const auto ctx = HookContext::from_environment(
        relation_env("slurmd", "changed", 4, "slurmd", ""), dispatch_argv0);
    EXPECT_EQ(ctx.relation->kind, RelationEventKind::Changed);
    EXPECT_EQ(ctx.relation->remote_unit, "");
    EXPECT_EQ(ctx.relation->remote_app, "slurmd");
}

TEST(HookContext, DepartedCarriesTheDepartingUnit) {
    const auto remote_leaving = HookContext::from_environment(
        relation_env("slurmctld-peer", "departed", 1, "slurmctld", "slurmctld/2", "slurmctld/2"),
        dispatch_argv0);
    EXPECT_EQ(remote_leaving.relation->departing_unit, "slurmctld/2");
    EXPECT_EQ(remote_leaving.relation->remote_unit, "slurmctld/2");
    // This unit is the one dying: Juju names itself as the departing unit.
    const auto self_leaving = HookContext::from_environment(
        relation_env("slurmctld-peer", "departed", 1, "slurmctld", "slurmctld/1", "slurmctld/0"),
        dispatch_argv0);
    EXPECT_EQ(self_leaving.relation->departing_unit, self_leaving.unit_name);
    EXPECT_EQ(self_leaving.describe(),
              "slurmctld-peer-relation-departed (slurmctld-peer:1, remote slurmctld/1, departing "
              "slurmctld/0)");
}

TEST(HookContext, RemoteAppFallsBackToTheRemoteUnitsApplication) {
    auto env = relation_env("slurmd", "joined", 4, "", "slurmd/3");
    EXPECT_EQ(HookContext::from_environment(env, dispatch_argv0).relation->remote_app, "slurmd");
}

TEST(HookContext, DecodesSecretHooks) {
    auto env = hook_env("secret-changed");
    env["JUJU_SECRET_ID"] = "secret://cdac5656-2423-4388-8f30-41854b4cca7d/d1a2b3c4d5e6f7g8h9i0";
    env["JUJU_SECRET_LABEL"] = "slurm-auth-key";
    env["JUJU_SECRET_REVISION"] = "";
    const auto changed = HookContext::from_environment(env, dispatch_argv0);
    ASSERT_TRUE(changed.secret);
    EXPECT_EQ(changed.secret->id, env["JUJU_SECRET_ID"]);
    EXPECT_EQ(changed.secret->label, "slurm-auth-key");
    EXPECT_FALSE(changed.secret->revision);

    env = hook_env("secret-remove");
    env["JUJU_SECRET_ID"] = "secret:d1a2b3c4d5e6f7g8h9i0";
    env["JUJU_SECRET_LABEL"] = "";
    env["JUJU_SECRET_REVISION"] = "3";
    const auto removed = HookContext::from_environment(env, dispatch_argv0);
    ASSERT_TRUE(removed.secret);
    EXPECT_EQ(removed.secret->label, "");
    EXPECT_EQ(removed.secret->revision, 3);
    EXPECT_EQ(removed.describe(), "secret-remove (secret:d1a2b3c4d5e6f7g8h9i0 revision 3)");

    env["JUJU_DISPATCH_PATH"] = "hooks/secret-rotate";
    env["JUJU_HOOK_NAME"] = "secret-rotate";
    env.erase("JUJU_SECRET_REVISION");
    EXPECT_TRUE(HookContext::from_environment(env, dispatch_argv0).secret);
}

TEST(HookContext, DecodesAnActionWithEmptyHookName) {
    auto env = hook_env("");
    env["JUJU_DISPATCH_PATH"] = "actions/show-current-config";
    env["JUJU_HOOK_NAME"] = "";
    env["JUJU_ACTION_NAME"] = "show-current-config";
    env["JUJU_ACTION_UUID"] = "7";
    env["JUJU_ACTION_TAG"] = "action-7";
    const auto ctx = HookContext::from_environment(env, dispatch_argv0);
    EXPECT_TRUE(ctx.is_action());
    ASSERT_TRUE(ctx.action);
    EXPECT_EQ(ctx.action->name, "show-current-config");
    EXPECT_EQ(ctx.action->uuid, "7");
    EXPECT_EQ(ctx.hook_name, "");
    EXPECT_EQ(ctx.event_name(), "show-current-config");
    EXPECT_EQ(ctx.describe(), "action show-current-config");
}

TEST(HookContext, ActionNameDefaultsToTheDispatchPath) {
    auto env = hook_env("");
    env["JUJU_DISPATCH_PATH"] = "actions/rotate-auth-key";
    env["JUJU_HOOK_NAME"] = "";
    EXPECT_EQ(HookContext::from_environment(env, dispatch_argv0).action->name, "rotate-auth-key");
}

TEST(HookContext, FallsBackToArgv0WhenDispatchPathIsUnset) {
    auto env = hook_env("config-changed");
    env.erase("JUJU_DISPATCH_PATH");
    const auto ctx = HookContext::from_environment(
        env, "/var/lib/juju/agents/unit-slurmctld-0/charm/hooks/config-changed");
    EXPECT_EQ(ctx.dispatch_path, "hooks/config-changed");
    EXPECT_EQ(ctx.hook_name, "config-changed");
    // A relative hooks/<name>, as charmcraft's `$0` fallback may give it.
    EXPECT_EQ(HookContext::from_environment(env, "hooks/config-changed").hook_name,
              "config-changed");
    // An empty JUJU_DISPATCH_PATH counts as unset.
    env["JUJU_DISPATCH_PATH"] = "";
    EXPECT_EQ(HookContext::from_environment(env, "./hooks/config-changed").hook_name,
              "config-changed");
}

TEST(HookContext, RefusesToGuessWithoutDispatchPathOrHookArgv0) {
    auto env = hook_env("install");
    env.erase("JUJU_DISPATCH_PATH");
    EXPECT_THROW(HookContext::from_environment(env, dispatch_argv0), ContextError);
    EXPECT_THROW(HookContext::from_environment(env, "hooks/"), ContextError);
    EXPECT_THROW(HookContext::from_environment(env, "install"), ContextError);
}

TEST(HookContext, ReadsFromAnEnvironBlock) {
    const char* envp[] = {"JUJU_DISPATCH_PATH=hooks/stop", "JUJU_HOOK_NAME=stop",
                          "JUJU_UNIT_NAME=slurmctld/3",    "NOT_A_PAIR",
                          "JUJU_VERSION=3.6.1=x",          nullptr};
    const auto ctx = HookContext::from_environ(envp, dispatch_argv0);
    EXPECT_EQ(ctx.hook_name, "stop");
    EXPECT_EQ(ctx.unit_name, "slurmctld/3");
    EXPECT_EQ(ctx.juju_version, "3.6.1=x");  // only the first '=' separates
}

namespace {

std::string error_of(const Environment& env, const std::string& argv0 = dispatch_argv0) {
    try {
        HookContext::from_environment(env, argv0);
    } catch (const ContextError& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(HookContext, MalformedInputGivesErrorsNamingTheVariable) {
    auto env = hook_env("install");
    env["JUJU_DISPATCH_PATH"] = "events/install";
    EXPECT_NE(error_of(env).find("JUJU_DISPATCH_PATH \"events/install\""), std::string::npos);
    env["JUJU_DISPATCH_PATH"] = "hooks/";
    EXPECT_NE(error_of(env).find("JUJU_DISPATCH_PATH"), std::string::npos);
    env["JUJU_DISPATCH_PATH"] = "hooks/a/b";
    EXPECT_NE(error_of(env).find("JUJU_DISPATCH_PATH"), std::string::npos);

    env = hook_env("install");
    env.erase("JUJU_UNIT_NAME");
    EXPECT_NE(error_of(env).find("JUJU_UNIT_NAME is not set"), std::string::npos);
    for (const auto* bad : {"slurmctld", "slurmctld/", "/0", "slurmctld/x", "slurmctld/0/1"}) {
        env["JUJU_UNIT_NAME"] = bad;
        EXPECT_NE(error_of(env).find("JUJU_UNIT_NAME"), std::string::npos) << bad;
    }

    env = hook_env("install");
    env["JUJU_HOOK_NAME"] = "start";
    EXPECT_NE(error_of(env).find("JUJU_HOOK_NAME \"start\""), std::string::npos);
}

TEST(HookContext, MalformedRelationHooks) {
    auto env = relation_env("slurmd", "joined", 4, "slurmd", "slurmd/0");
    env["JUJU_RELATION_ID"] = "slurmd:four";
    EXPECT_NE(error_of(env).find("JUJU_RELATION_ID \"slurmd:four\""), std::string::npos);
    env["JUJU_RELATION_ID"] = "";
    EXPECT_NE(error_of(env).find("JUJU_RELATION_ID is not set"), std::string::npos);
    env["JUJU_RELATION_ID"] = "sackd:4";
    EXPECT_NE(error_of(env).find("does not belong to JUJU_RELATION"), std::string::npos);
    env["JUJU_RELATION_ID"] = "4";  // a bare id is accepted; the endpoint is JUJU_RELATION's
    EXPECT_EQ(error_of(env), "");

    env = relation_env("slurmd", "joined", 4, "slurmd", "");
    EXPECT_NE(error_of(env).find("JUJU_REMOTE_UNIT is not set"), std::string::npos);
    env["JUJU_REMOTE_UNIT"] = "slurmd";
    EXPECT_NE(error_of(env).find("JUJU_REMOTE_UNIT \"slurmd\""), std::string::npos);

    env = relation_env("slurmd", "departed", 4, "slurmd", "slurmd/1", "");
    EXPECT_NE(error_of(env).find("JUJU_DEPARTING_UNIT is not set"), std::string::npos);

    // The hook is not <JUJU_RELATION>-relation-<kind>.
    env = relation_env("slurmd", "joined", 4, "slurmd", "slurmd/1");
    env["JUJU_RELATION"] = "sackd";
    env["JUJU_RELATION_ID"] = "sackd:4";
    EXPECT_NE(error_of(env).find("not a relation hook of JUJU_RELATION \"sackd\""),
              std::string::npos);
    env = relation_env("slurmd", "exploded", 4, "slurmd", "slurmd/1");
    EXPECT_NE(error_of(env).find("unknown relation event kind \"exploded\""), std::string::npos);

    // A relation hook without JUJU_RELATION.
    env = hook_env("slurmd-relation-changed");
    EXPECT_NE(error_of(env).find("JUJU_RELATION is not set"), std::string::npos);
}

TEST(HookContext, MalformedSecretAndActionHooks) {
    auto env = hook_env("secret-changed");
    EXPECT_NE(error_of(env).find("JUJU_SECRET_ID is not set"), std::string::npos);
    env["JUJU_SECRET_ID"] = "secret:abc";
    env["JUJU_SECRET_REVISION"] = "two";
    EXPECT_NE(error_of(env).find("JUJU_SECRET_REVISION \"two\""), std::string::npos);
    env["JUJU_SECRET_REVISION"] = "0";
    EXPECT_NE(error_of(env).find("JUJU_SECRET_REVISION \"0\""), std::string::npos);

    env = hook_env("secret-expired");
    env["JUJU_SECRET_ID"] = "secret:abc";
    EXPECT_NE(error_of(env).find("JUJU_SECRET_REVISION is not set"), std::string::npos);

    env = hook_env("");
    env["JUJU_DISPATCH_PATH"] = "actions/show-current-config";
    env["JUJU_HOOK_NAME"] = "";
    env["JUJU_ACTION_NAME"] = "rotate-auth-key";
    EXPECT_NE(error_of(env).find("JUJU_ACTION_NAME \"rotate-auth-key\""), std::string::npos);
}

TEST(HookContext, UnitNameHelpers) {
    EXPECT_TRUE(slurmctld::juju::is_unit_name("slurmctld/0"));
    EXPECT_TRUE(slurmctld::juju::is_unit_name("filesystem-client/12"));
    EXPECT_FALSE(slurmctld::juju::is_unit_name("slurmctld"));
    EXPECT_FALSE(slurmctld::juju::is_unit_name("unit//0"));
    EXPECT_EQ(slurmctld::juju::application_of("slurmctld/0"), "slurmctld");
    EXPECT_EQ(slurmctld::juju::application_of("slurmd"), "slurmd");
}
