// juju refresh --path: the new charm is unpacked into every unit's charm directory (files the
// old charm had and the new one lacks go, files the unit made stay), then upgrade-charm runs
// and config-changed after it; a charm that would break a relation is refused.
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sim_fixture.hpp"
#include "support/temp_dir.hpp"

namespace jujusim_test {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

/// A copy of the recorder charm with one extra file (and, unless `with_sink`, no sink endpoint).
fs::path recorder_variant(const testing_support::TempDir& scratch, const std::string& name,
                          bool with_sink = true) {
    const fs::path dir = scratch / name;
    fs::copy(recorder_charm(), dir, fs::copy_options::recursive);
    testing_support::write_text(dir / ("only-in-" + name), name + "\n");
    // Symlinks, as a packed charm's hooks/<name> -> ../dispatch: one in every variant (pointing
    // elsewhere in each), one only in this one.
    fs::create_directories(dir / "hooks");
    fs::create_symlink("../only-in-" + name, dir / "hooks" / "variant");
    fs::create_symlink("../only-in-" + name, dir / "hooks" / ("link-only-in-" + name));
    if (!with_sink) {
        std::string meta = testing_support::read_text(dir / "metadata.yaml");
        meta = meta.substr(0, meta.find("requires:"));
        testing_support::write_text(dir / "metadata.yaml", meta);
    }
    return dir;
}

TEST(RefreshTest, UpgradeCharmRunsOnTheNewFilesThenConfigChanged) {
    const testing_support::TempDir scratch("jujusim-refresh");
    SimModel model;
    model.ok({"deploy", recorder_variant(scratch, "v1").string(), "rec", "-n", "2"});
    model.wait();
    model.ok({"exec", "--unit", "rec/0", "--", "touch made-by-unit"});
    std::map<std::string, std::size_t> before;
    for (const std::string unit : {"rec/0", "rec/1"}) {
        before[unit] = model.hooks(unit).size();
    }
    const auto refreshed =
        model.run({"refresh", "rec", "--path", recorder_variant(scratch, "v2").string()});
    EXPECT_EQ(refreshed.exit_code, 0) << refreshed.stderr_text;
    EXPECT_THAT(refreshed.stderr_text, HasSubstr("Added local charm \"recorder\", revision 1"));
    model.wait();
    for (const std::string unit : {"rec/0", "rec/1"}) {
        const auto hooks = model.hooks(unit);
        EXPECT_THAT(
            std::vector<std::string>(hooks.begin() + static_cast<long>(before[unit]), hooks.end()),
            ElementsAre("upgrade-charm", "config-changed"))
            << unit;
        const fs::path charm = model.agent_dir(unit) / "charm";
        EXPECT_TRUE(fs::exists(charm / "only-in-v2")) << unit;
        EXPECT_FALSE(fs::exists(charm / "only-in-v1")) << unit;
        EXPECT_EQ(fs::read_symlink(charm / "hooks" / "variant"), "../only-in-v2") << unit;
        EXPECT_TRUE(fs::is_symlink(charm / "hooks" / "link-only-in-v2")) << unit;
        EXPECT_FALSE(fs::is_symlink(charm / "hooks" / "link-only-in-v1")) << unit;
    }
    EXPECT_TRUE(fs::exists(model.agent_dir("rec/0") / "charm" / "made-by-unit"));
    const json status = model.status();
    EXPECT_EQ(status["applications"]["rec"]["charm"], "local:recorder-1");
    EXPECT_EQ(status["applications"]["rec"]["charm-rev"], 1);
    // A unit added now starts on the new charm: no upgrade-charm.
    model.ok({"add-unit", "rec"});
    model.wait();
    const auto added = model.hooks("rec/2");
    EXPECT_EQ(std::count(added.begin(), added.end(), "upgrade-charm"), 0);
    EXPECT_TRUE(fs::exists(model.agent_dir("rec/2") / "charm" / "only-in-v2"));
}

TEST(RefreshTest, ACharmThatWouldBreakARelationIsRefused) {
    const testing_support::TempDir scratch("jujusim-refresh");
    SimModel model;
    model.ok({"deploy", recorder_charm(), "rec"});
    model.ok({"deploy", recorder_charm(), "src"});
    model.ok({"integrate", "src:source", "rec:sink"});
    model.wait();
    const auto refused = model.run(
        {"refresh", "rec", "--path", recorder_variant(scratch, "nosink", false).string()});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_EQ(refused.stderr_text,
              "ERROR cannot upgrade application \"rec\" to charm \"local:recorder-1\": would "
              "break relation \"rec:sink src:source\"\n");
    EXPECT_EQ(model.status()["applications"]["rec"]["charm-rev"], 0);
    const auto no_path = model.run({"refresh", "rec", "--channel", "edge"});
    EXPECT_EQ(no_path.exit_code, 1);
    EXPECT_THAT(no_path.stderr_text, HasSubstr("--path"));
}

}  // namespace
}  // namespace jujusim_test
