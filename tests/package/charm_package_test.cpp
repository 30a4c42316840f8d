// The packed charm (build/slurmctld_amd64.charm, the `charm` target) against charmcraft's rules
// that apply to it, and its layout against what charmcraft.yaml's parts would stage and prime.
// There is no charmcraft here: the parts are replayed from charmcraft.yaml the way craft-parts
// runs them (the cmake plugin's `cmake --install` into the part's install directory, the dump
// plugin's copy of the source; organize, then the stage and prime filters), and charmcraft's
// own additions (the three yaml files and manifest.yaml) are added as charmcraft adds them.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <fnmatch.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <slurmctld/util/process.hpp>

#include "support/temp_dir.hpp"

namespace {

namespace fs = std::filesystem;
using slurmctld::util::ProcessOptions;
using slurmctld::util::run_process;
using testing_support::TempDir;

const fs::path kSource = PROJECT_SOURCE_DIR;
const fs::path kCharm = CHARM_FILE;

/// One entry of a charm tree: a regular file (with its executable bit) or a symlink (target).
struct Entry {
    bool symlink = false;
    bool executable = false;
    std::string link_target;
    std::string content_digest;  ///< file size + content, to tell two parts' files apart

    bool operator==(const Entry& other) const {
        return symlink == other.symlink && executable == other.executable &&
               link_target == other.link_target;
    }
};
using Layout = std::map<std::string, Entry>;

std::ostream& operator<<(std::ostream& out, const Entry& entry) {
    if (entry.symlink) {
        return out << "symlink -> " << entry.link_target;
    }
    return out << (entry.executable ? "executable file" : "file");
}

std::string read_all(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// Files and symlinks under `root` (directories are implied by their contents, as in a zip).
/// `skip` prunes directories by their path relative to root.
Layout layout_of(
    const fs::path& root,
    const std::function<bool(const fs::path&)>& skip = [](const fs::path&) { return false; }) {
    Layout layout;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
         ++it) {
        // Lexically: fs::relative would resolve a symlink to its target.
        const fs::path relative = it->path().lexically_relative(root);
        const auto status = it->symlink_status();
        if (fs::is_directory(status)) {
            if (skip(relative)) {
                it.disable_recursion_pending();
            }
            continue;
        }
        Entry entry;
        if (fs::is_symlink(status)) {
            entry.symlink = true;
            entry.link_target = fs::read_symlink(it->path()).string();
        } else if (fs::is_regular_file(status)) {
            entry.executable = (status.permissions() & fs::perms::owner_exec) != fs::perms::none;
            entry.content_digest = read_all(it->path());
        } else {
            continue;
        }
        layout[relative.string()] = entry;
    }
    return layout;
}

/// craft-parts' filter rule: an entry names a path or a directory (and all under it), globs
/// allowed; entries starting with "-" exclude. No inclusion entry: everything is included.
bool passes_filter(const std::string& path, const YAML::Node& filter) {
    if (!filter || !filter.IsSequence() || filter.size() == 0) {
        return true;
    }
    const auto matches = [&](const std::string& pattern) {
        return ::fnmatch(pattern.c_str(), path.c_str(), FNM_PATHNAME) == 0 ||
               path.rfind(pattern + "/", 0) == 0;
    };
    bool any_include = false;
    bool included = false;
    for (const auto& item : filter) {
        const auto pattern = item.as<std::string>();
        if (pattern.rfind("-", 0) == 0) {
            if (matches(pattern.substr(1))) {
                return false;
            }
        } else {
            any_include = true;
            included = included || matches(pattern);
        }
    }
    return !any_include || included;
}

/// craft-parts' organize: a source path (or directory) renamed to its destination.
std::string organized(const std::string& path, const YAML::Node& organize) {
    if (!organize || !organize.IsMap()) {
        return path;
    }
    for (const auto& rename : organize) {
        const auto from = rename.first.as<std::string>();
        auto to = rename.second.as<std::string>();
        if (path == from) {
            return to;
        }
        if (path.rfind(from + "/", 0) == 0) {
            return (fs::path(to) / path.substr(from.size() + 1)).string();
        }
    }
    return path;
}

/// A build tree or VCS metadata in the source: craft-parts copies the source, but no part's
/// filter could want these, and walking them is slow.
bool not_source(const fs::path& relative) {
    const auto first = relative.begin()->string();
    return first == ".git" || fs::exists(kSource / relative / "CMakeCache.txt");
}

/// What one part puts into its install directory, by plugin.
Layout part_install(const std::string& name, const YAML::Node& part, const fs::path& scratch) {
    const auto plugin = part["plugin"].as<std::string>();
    if (part["source"].as<std::string>() != ".") {
        ADD_FAILURE() << "part " << name << ": only source '.' is replayed by this test";
        return {};
    }
    if (plugin == "dump") {
        return layout_of(kSource, not_source);
    }
    if (plugin == "cmake") {
        // The cmake plugin: configure with cmake-parameters, build, `cmake --install` with
        // DESTDIR set to the part's install directory. The configured build tree is ours; what
        // the install step puts there depends only on the install() rules and the prefix.
        std::string prefix = "/usr";
        for (const auto& parameter : part["cmake-parameters"]) {
            const auto text = parameter.as<std::string>();
            if (text.rfind("-DCMAKE_INSTALL_PREFIX=", 0) == 0) {
                prefix = text.substr(std::string("-DCMAKE_INSTALL_PREFIX=").size());
            }
        }
        const fs::path install = scratch / ("install-" + name);
        ProcessOptions options;
        options.env["DESTDIR"] = install.string();
        options.timeout = std::chrono::seconds(60);
        const auto result =
            run_process({CMAKE_COMMAND, "--install", BUILD_DIR, "--prefix", prefix}, options);
        EXPECT_EQ(result.exit_code, 0) << result.stdout_text << result.stderr_text;
        return layout_of(install);
    }
    ADD_FAILURE() << "part " << name << ": plugin " << plugin << " is not replayed by this test";
    return {};
}

/// charmcraft.yaml's parts, replayed: every part's install directory organized and filtered
/// into one stage (two parts staging different files at one path is craft-parts' error), then
/// the prime filters.
Layout primed_by_charmcraft_yaml(const YAML::Node& project, const fs::path& scratch) {
    Layout stage;
    std::map<std::string, std::string> staged_by;
    Layout prime;
    for (const auto& item : project["parts"]) {
        const auto name = item.first.as<std::string>();
        const auto& part = item.second;
        Layout staged_here;
        for (const auto& [path, entry] : part_install(name, part, scratch)) {
            const auto destination = organized(path, part["organize"]);
            if (passes_filter(destination, part["stage"])) {
                staged_here[destination] = entry;
            }
        }
        for (const auto& [path, entry] : staged_here) {
            const auto earlier = stage.find(path);
            if (earlier != stage.end()) {
                EXPECT_TRUE(earlier->second == entry &&
                            earlier->second.content_digest == entry.content_digest)
                    << "parts " << staged_by[path] << " and " << name
                    << " stage different files at " << path
                    << " (craft-parts refuses to stage them)";
            }
            stage[path] = entry;
            staged_by[path] = name;
            if (passes_filter(path, part["prime"])) {
                prime[path] = entry;
            }
        }
    }
    return prime;
}

/// The packed charm, unzipped (symlinks and modes as stored).
class PackedCharm : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(fs::exists(kCharm)) << kCharm << ": build the `charm` target";
        const auto result =
            run_process({"unzip", "-q", kCharm.string(), "-d", dir_.path() / "charm"});
        ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
        root_ = dir_.path() / "charm";
        project_ = YAML::LoadFile((kSource / "charmcraft.yaml").string());
    }

    YAML::Node load(const std::string& name) { return YAML::LoadFile((root_ / name).string()); }

    TempDir dir_{"charm-package"};
    fs::path root_;
    YAML::Node project_;
};

TEST_F(PackedCharm, DispatchIsAnExecutableAtTheRootAndEveryHookLinksToIt) {
    const auto entries = layout_of(root_);
    ASSERT_TRUE(entries.count("dispatch"));
    EXPECT_FALSE(entries.at("dispatch").symlink);
    EXPECT_TRUE(entries.at("dispatch").executable);
    EXPECT_EQ(entries.at("dispatch").content_digest.substr(0, 4),
              "\x7f"
              "ELF")
        << "dispatch is the native binary, not the development script";
    std::size_t hooks = 0;
    for (const auto& [path, entry] : entries) {
        if (path.rfind("hooks/", 0) == 0) {
            ++hooks;
            EXPECT_TRUE(entry.symlink) << path;
            EXPECT_EQ(entry.link_target, "../dispatch") << path;
        }
    }
    EXPECT_TRUE(entries.count("hooks/install"));
    EXPECT_GT(hooks, 10U);
}

/// manifest.yaml's bases are exactly charmcraft.yaml's platforms (multi-base notation:
/// `<base>:<arch>` keys, or build-for entries), and charmcraft.yaml then has no top-level base.
TEST_F(PackedCharm, ManifestBasesAreCharmcraftYamlsPlatforms) {
    EXPECT_EQ(project_["type"].as<std::string>(), "charm");
    std::set<std::string> platforms;
    for (const auto& platform : project_["platforms"]) {
        const auto name = platform.first.as<std::string>();
        if (platform.second && platform.second["build-for"]) {
            for (const auto& target : platform.second["build-for"]) {
                platforms.insert(target.as<std::string>());
            }
        } else {
            platforms.insert(name);
        }
    }
    for (const auto& platform : platforms) {
        EXPECT_THAT(platform, testing::MatchesRegex("ubuntu@[0-9]+\\.[0-9]+:amd64")) << platform;
    }
    EXPECT_EQ(platforms, (std::set<std::string>{"ubuntu@24.04:amd64", "ubuntu@26.04:amd64"}));
    EXPECT_FALSE(project_["base"]) << "multi-base platforms exclude a top-level base";
    EXPECT_FALSE(project_["build-base"]);

    const auto manifest = load("manifest.yaml");
    ASSERT_TRUE(manifest["bases"].IsSequence());
    std::set<std::string> bases;
    for (const auto& base : manifest["bases"]) {
        ASSERT_TRUE(base["name"].IsScalar() && base["channel"].IsScalar());
        ASSERT_TRUE(base["architectures"].IsSequence());
        for (const auto& arch : base["architectures"]) {
            bases.insert(base["name"].as<std::string>() + "@" + base["channel"].as<std::string>() +
                         ":" + arch.as<std::string>());
        }
    }
    EXPECT_EQ(bases, platforms);
    EXPECT_TRUE(manifest["charmcraft-version"].IsScalar());
    EXPECT_TRUE(manifest["charmcraft-started-at"].IsScalar());
}

/// The name and endpoint rules Juju's charm metadata parser and charmcraft's model apply.
TEST_F(PackedCharm, MetadataIsValid) {
    const auto metadata = load("metadata.yaml");
    const std::regex charm_name("[a-z][a-z0-9]*(-[a-z0-9]*[a-z][a-z0-9]*)*");
    const std::regex endpoint_name("[a-z][a-z0-9]*([-_][a-z0-9]+)*");
    EXPECT_TRUE(std::regex_match(metadata["name"].as<std::string>(), charm_name));
    EXPECT_EQ(metadata["name"].as<std::string>(), "slurmctld");
    EXPECT_FALSE(metadata["summary"].as<std::string>("").empty());
    EXPECT_FALSE(metadata["description"].as<std::string>("").empty());
    EXPECT_FALSE(metadata["series"]) << "bases come from the manifest; series is refused";
    std::set<std::string> endpoints;
    bool container_scoped_require = false;
    for (const char* role : {"provides", "requires", "peers"}) {
        for (const auto& endpoint : metadata[role]) {
            const auto name = endpoint.first.as<std::string>();
            EXPECT_TRUE(std::regex_match(name, endpoint_name)) << name;
            EXPECT_NE(name.rfind("juju", 0), 0U) << name << ": the juju- prefix is reserved";
            EXPECT_TRUE(endpoints.insert(name).second) << name << " declared twice";
            ASSERT_TRUE(endpoint.second["interface"].IsScalar()) << name;
            const auto scope = endpoint.second["scope"].as<std::string>("global");
            EXPECT_TRUE(scope == "global" || scope == "container") << name;
            if (endpoint.second["limit"]) {
                EXPECT_GT(endpoint.second["limit"].as<int>(), 0) << name;
            }
            container_scoped_require = container_scoped_require ||
                                       (std::string(role) == "requires" && scope == "container");
        }
    }
    EXPECT_TRUE(endpoints.count("slurmctld-peer"));
    if (metadata["subordinate"].as<bool>(false)) {
        EXPECT_TRUE(container_scoped_require) << "a subordinate needs a container-scoped require";
    }
    // charmcraft refuses metadata keys in charmcraft.yaml when metadata.yaml exists.
    for (const char* key :
         {"name", "summary", "description", "provides", "requires", "peers", "config", "actions"}) {
        EXPECT_FALSE(project_[key]) << "charmcraft.yaml repeats " << key;
    }
}

TEST_F(PackedCharm, ConfigOptionsHaveJujusTypesAndMatchingDefaults) {
    const auto config = load("config.yaml");
    ASSERT_TRUE(config["options"].IsMap());
    for (const auto& option : config["options"]) {
        const auto name = option.first.as<std::string>();
        const auto type = option.second["type"].as<std::string>("");
        EXPECT_THAT(type, testing::AnyOf("string", "int", "float", "boolean", "secret")) << name;
        EXPECT_TRUE(option.second["description"].IsScalar()) << name;
        const auto default_value = option.second["default"];
        if (!default_value || default_value.IsNull()) {
            continue;
        }
        ASSERT_TRUE(default_value.IsScalar()) << name;
        if (type == "int") {
            EXPECT_NO_THROW(default_value.as<long long>()) << name;
        } else if (type == "float") {
            EXPECT_NO_THROW(default_value.as<double>()) << name;
        } else if (type == "boolean") {
            EXPECT_NO_THROW(default_value.as<bool>()) << name;
        }
    }
}

TEST_F(PackedCharm, ActionsHaveJujusNamesAndJsonSchemaParams) {
    const auto actions = load("actions.yaml");
    ASSERT_TRUE(actions.IsMap());
    const std::regex action_name("[a-z](?:[a-z-]*[a-z])?");
    const std::set<std::string> schema_types = {"string", "integer", "number", "boolean",
                                                "object", "array",   "null"};
    for (const auto& action : actions) {
        const auto name = action.first.as<std::string>();
        EXPECT_TRUE(std::regex_match(name, action_name)) << name;
        EXPECT_TRUE(action.second["description"].IsScalar()) << name;
        std::set<std::string> params;
        for (const auto& param : action.second["params"]) {
            params.insert(param.first.as<std::string>());
            EXPECT_TRUE(schema_types.count(param.second["type"].as<std::string>("")))
                << name << "." << param.first.as<std::string>();
        }
        for (const auto& required : action.second["required"]) {
            EXPECT_TRUE(params.count(required.as<std::string>()))
                << name << " requires an undeclared param " << required.as<std::string>();
        }
    }
}

/// The `charm` target's tree is charmcraft.yaml's primed parts plus what charmcraft adds.
TEST_F(PackedCharm, LayoutIsWhatCharmcraftYamlsPartsPrime) {
    auto expected = primed_by_charmcraft_yaml(project_, dir_.path());
    for (const char* added : {"metadata.yaml", "config.yaml", "actions.yaml", "manifest.yaml"}) {
        EXPECT_FALSE(expected.count(added)) << added << " would be primed by a part as well";
        expected[added] = Entry{};
    }
    const auto packed = layout_of(root_);
    std::set<std::string> paths;
    for (const auto& layout : {expected, packed}) {
        for (const auto& [path, entry] : layout) {
            paths.insert(path);
        }
    }
    for (const auto& path : paths) {
        const auto want = expected.find(path);
        const auto got = packed.find(path);
        if (want == expected.end()) {
            ADD_FAILURE() << path << ": in the packed charm, not primed by charmcraft.yaml";
        } else if (got == packed.end()) {
            ADD_FAILURE() << path << ": primed by charmcraft.yaml, missing from the packed charm";
        } else {
            EXPECT_EQ(got->second, want->second) << path;
        }
    }
}

}  // namespace
