// The same tree on disk and in a FakeHost, the same copy_tree or rsync on both: the results must
// be the same tree (types, owners, modes, mtimes, contents, link targets). This keeps the fake
// honest about the two operations the HA migration relies on, and about every attack on a
// shared file system: the same planted symlinks and FIFOs end in the same refusal, word for
// word, and leave the same trees.
#include <algorithm>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <slurmctld/host/real_host.hpp>
#include <slurmctld/host/state_copy.hpp>

#include "host/require_root.hpp"
#include "host/tree_snapshot.hpp"
#include "support/fake_host.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace slurmctld::host;
using host_tests::snapshot_fake;
using host_tests::snapshot_real;
using testing_support::Clock;
using testing_support::FakeHost;
using testing_support::TempDir;

struct Entry {
    std::string path;   ///< relative to the tree's root; "." is the root
    char kind;          ///< 'd'irectory, 'f'ile, 'l'ink, 'p'ipe (FIFO)
    std::string data;   ///< content or link target
    std::string owner;  ///< "root" or "nobody" (group "root" or "nogroup")
    mode_t mode;
    std::time_t mtime;

    std::string group() const { return owner == "nobody" ? "nogroup" : "root"; }
};

constexpr std::time_t kOld = 1500000000;

Entry dir(std::string path, mode_t mode = 0755, std::time_t mtime = kOld,
          std::string owner = "root") {
    return {std::move(path), 'd', "", std::move(owner), mode, mtime};
}

Entry file(std::string path, std::string content, mode_t mode = 0644, std::time_t mtime = kOld,
           std::string owner = "root") {
    return {std::move(path), 'f', std::move(content), std::move(owner), mode, mtime};
}

Entry link(std::string path, std::string target) {
    return {std::move(path), 'l', std::move(target), "root", 0777, kOld};
}

Entry fifo(std::string path, mode_t mode = 0644) {
    return {std::move(path), 'p', "", "root", mode, kOld};
}

/// Builds `entries` under `root` on disk (parents before children, directory times last).
void build_real(const fs::path& root, const std::vector<Entry>& entries) {
    for (const auto& entry : entries) {
        const fs::path path = entry.path == "." ? root : root / entry.path;
        if (entry.kind == 'd') {
            fs::create_directories(path);
        } else if (entry.kind == 'f') {
            testing_support::write_text(path, entry.data);
        } else if (entry.kind == 'p') {
            ASSERT_EQ(::mkfifo(path.c_str(), entry.mode), 0) << path;
        } else {
            fs::create_symlink(entry.data, path);
        }
        const uid_t uid = entry.owner == "nobody" ? 65534 : 0;
        const gid_t gid = entry.group() == "nogroup" ? 65534 : 0;
        ASSERT_EQ(::lchown(path.c_str(), uid, gid), 0);
        if (entry.kind != 'l') {
            ASSERT_EQ(::chmod(path.c_str(), entry.mode), 0);
        }
    }
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
        const fs::path path = it->path == "." ? root : root / it->path;
        const timespec times[2] = {{it->mtime, 0}, {it->mtime, 0}};
        ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0);
    }
}

void build_fake(FakeHost& host, const fs::path& root, const std::vector<Entry>& entries) {
    for (const auto& entry : entries) {
        const fs::path path = entry.path == "." ? root : root / entry.path;
        const FileAttributes attributes{entry.owner, entry.group(), entry.mode};
        const auto time = Clock::from_time_t(entry.mtime);
        if (entry.kind == 'd') {
            host.add_directory(path, attributes).mtime = time;
        } else if (entry.kind == 'f') {
            host.add_file(path, entry.data, attributes).mtime = time;
        } else if (entry.kind == 'p') {
            host.add_fifo(path, attributes).mtime = time;
        } else {
            host.add_symlink(path, entry.data);
        }
    }
}

const std::vector<Entry> kCheckpoint = {
    dir(".", 0750, 1600000100, "nobody"),
    file("job_state", "jobs", 0600, 1600000200, "nobody"),
    dir("hash.0", 0700, 1600000300, "nobody"),
    file("hash.0/script", "#!/bin/sh\n", 0644, 1600000400, "nobody"),
    link("job_state.old", "job_state"),
    dir("empty", 02755, 1600000500),
    fifo("fifo", 0600),
};

const std::vector<std::string> kCheckpointNames = {
    ".", "empty", "fifo", "hash.0", "hash.0/script", "job_state", "job_state.old"};

/// A shared file system as an attacker left it (links are relative, so they point at the same
/// place in the temp directory and in the fake): the checkpoint directory is a symlink to a
/// victim, the heartbeat a FIFO; /etc/slurm is the trusted link, /etc/evil is not.
const std::vector<Entry> kPlanted = {
    dir("."),
    dir("victim", 0700),
    file("victim/heartbeat", "precious", 0600),
    dir("statefs"),
    link("statefs/checkpoint", "../victim"),
    fifo("statefs/heartbeat"),
    dir("statefs/etc"),
    dir("statefs/etc/slurm"),
    file("statefs/etc/slurm/slurm.conf", "clustername=x\n"),
    dir("etc"),
    link("etc/slurm", "../statefs/etc/slurm"),
    link("etc/evil", "../victim"),
};

class FakeMatchesReal : public ::testing::Test {
  protected:
    void SetUp() override {
        fake_.users["nobody"] = 65534;
        fake_.groups["nogroup"] = 65534;
        RealHostOptions options;
        options.trusted_links[dir_ / "etc/slurm"] = dir_ / "statefs/etc/slurm";
        real_ = RealHost(options);
        fake_.trusted_links = {{"/etc/slurm", "/statefs/etc/slurm"}};
    }

    /// Runs `operation` on both hosts (given the path prefix: the temp directory or "/"); both
    /// must fail with the same message (paths shown from the tree's root) or both succeed.
    /// Returns that message ("" for success).
    std::string same_outcome(
        const std::function<void(Host& host, const fs::path& root)>& operation) {
        const auto outcome = [&](Host& host, const fs::path& root) {
            try {
                operation(host, root);
            } catch (const HostError& error) {
                return std::string(error.what());
            }
            return std::string();
        };
        std::string real = outcome(real_, dir_.path());
        for (std::size_t at = 0; (at = real.find(dir_.path().string(), at)) != std::string::npos;) {
            real.erase(at, dir_.path().string().size());
        }
        const std::string fake = outcome(fake_, "/");
        EXPECT_EQ(fake, real);
        return real;
    }

    /// Both trees are equal (whatever they hold). With `directory_times` false the mtimes of
    /// directories are not compared: the fake does not model what adding or removing an entry
    /// does to them.
    void expect_same_tree(const std::string& path, bool directory_times = true) {
        auto real = snapshot_real(dir_ / path);
        auto fake = snapshot_fake(fake_, "/" + path);
        if (!directory_times) {
            for (auto* tree : {&real, &fake}) {
                for (auto& [name, entry] : *tree) {
                    if (entry.type == "dir") {
                        entry.mtime_seconds = 0;
                    }
                }
            }
        }
        EXPECT_EQ(fake, real) << path;
    }

    /// Builds the same tree at <temp>/<path> and at /<path> in the fake.
    void build(const std::string& path, const std::vector<Entry>& entries) {
        build_real(dir_ / path, entries);
        build_fake(fake_, "/" + path, entries);
    }

    /// Both trees are equal and hold exactly `names` (so an empty result cannot pass).
    void expect_same_tree(const std::string& path, const std::vector<std::string>& names) {
        const auto real = snapshot_real(dir_ / path);
        EXPECT_EQ(snapshot_fake(fake_, "/" + path), real) << path;
        std::vector<std::string> real_names;
        for (const auto& [name, entry] : real) {
            real_names.push_back(name);
        }
        EXPECT_EQ(real_names, names) << path;
    }

    /// Runs rsync with these options on both; `source` and `destination` are relative paths.
    void rsync_both(std::vector<std::string> options, const std::string& source,
                    const std::string& destination) {
        std::vector<std::string> real_args = options;
        real_args.push_back((dir_ / source).string() + (source.ends_with("/") ? "/" : ""));
        real_args.push_back((dir_ / destination).string());
        const CommandResult real = real_.rsync(real_args);
        ASSERT_EQ(real.exit_code, 0) << real.stderr_text;
        options.push_back("/" + source);
        options.push_back("/" + destination);
        const CommandResult fake = fake_.rsync(options);
        ASSERT_EQ(fake.exit_code, 0) << fake.stderr_text;
    }

    TempDir dir_;
    RealHost real_;
    FakeHost fake_;
};

/// `root / relative`, where a root of "/" gives "/relative" (as the fake's paths are).
fs::path under(const fs::path& root, const std::string& relative) {
    return root / relative;
}

const std::string kNotFollowed = ": the path goes through a symbolic link, which is not followed";

TEST_F(FakeMatchesReal, PlantedSymlinksAndFifosAreRefusedAlike) {
    REQUIRE_ROOT();
    build("", kPlanted);
    const FileAttributes root_file{"root", "root", 0644};
    EXPECT_EQ(same_outcome(
                  [](Host& h, const fs::path& r) { h.read_file(under(r, "statefs/heartbeat")); }),
              "cannot read /statefs/heartbeat: it is a FIFO, not a regular file");
    EXPECT_EQ(same_outcome([](Host& h, const fs::path& r) {
                  h.read_file(under(r, "statefs/checkpoint/heartbeat"));
              }),
              "cannot read /statefs/checkpoint/heartbeat" + kNotFollowed);
    EXPECT_EQ(same_outcome(
                  [](Host& h, const fs::path& r) { h.read_file(under(r, "statefs/checkpoint")); }),
              "cannot read /statefs/checkpoint: it is a symbolic link, which is not followed");
    EXPECT_EQ(same_outcome([&](Host& h, const fs::path& r) {
                  h.write_file(under(r, "statefs/checkpoint/heartbeat"), "x", root_file);
              }),
              "cannot write /statefs/checkpoint/heartbeat" + kNotFollowed);
    EXPECT_EQ(same_outcome([&](Host& h, const fs::path& r) {
                  h.make_directories(under(r, "statefs/checkpoint"), {"nobody", "nogroup", 0777});
              }),
              "cannot create directory /statefs/checkpoint" + kNotFollowed);
    EXPECT_EQ(same_outcome([&](Host& h, const fs::path& r) {
                  h.make_directories(under(r, "statefs/checkpoint/sub"), root_file);
              }),
              "cannot create directory /statefs/checkpoint/sub" + kNotFollowed);
    EXPECT_EQ(same_outcome([](Host& h, const fs::path& r) {
                  h.remove_file(under(r, "statefs/checkpoint/heartbeat"));
              }),
              "cannot remove /statefs/checkpoint/heartbeat" + kNotFollowed);
    EXPECT_EQ(same_outcome([](Host& h, const fs::path& r) {
                  h.list_directory(under(r, "statefs/checkpoint"));
              }),
              "cannot list /statefs/checkpoint" + kNotFollowed);
    EXPECT_EQ(same_outcome([](Host& h, const fs::path& r) {
                  h.rename(under(r, "statefs/checkpoint/heartbeat"), under(r, "statefs/moved"));
              }),
              "cannot rename /statefs/checkpoint/heartbeat to /statefs/moved" + kNotFollowed);
    EXPECT_EQ(same_outcome([](Host& h, const fs::path& r) {
                  h.copy_tree(under(r, "statefs/checkpoint"), under(r, "statefs/copy"));
              }),
              "cannot copy /statefs/checkpoint to /statefs/copy" + kNotFollowed);
    EXPECT_EQ(same_outcome([](Host& h, const fs::path& r) {
                  h.status(under(r, "statefs/checkpoint/heartbeat"));
              }),
              "cannot stat /statefs/checkpoint/heartbeat" + kNotFollowed);
    EXPECT_EQ(same_outcome(
                  [](Host& h, const fs::path& r) { h.read_file(under(r, "etc/evil/heartbeat")); }),
              "cannot read /etc/evil/heartbeat" + kNotFollowed);
    EXPECT_EQ(same_outcome([&](Host& h, const fs::path& r) {
                  h.create_directory(under(r, "statefs/heartbeat"), root_file);
              }),
              "cannot create directory /statefs/heartbeat: File exists");
    expect_same_tree("victim");
    expect_same_tree("statefs");
}

TEST_F(FakeMatchesReal, TheTrustedLinkIsFollowedOnlyWhileItPointsAtItsTarget) {
    REQUIRE_ROOT();
    build("", kPlanted);
    EXPECT_EQ(same_outcome([](Host& h, const fs::path& r) {
                  EXPECT_EQ(h.read_file(under(r, "etc/slurm/slurm.conf")), "clustername=x\n");
                  h.write_file(under(r, "etc/slurm/slurm.key"), "key", {"root", "root", 0600});
                  EXPECT_EQ(h.list_directory(under(r, "etc/slurm")),
                            (std::vector<std::string>{"slurm.conf", "slurm.key"}));
                  EXPECT_EQ(h.status(under(r, "etc/slurm")).type, FileType::Symlink);
              }),
              "");
    EXPECT_EQ(same_outcome([](Host& h, const fs::path& r) {
                  h.replace_with_symlink(under(r, "etc/slurm"), "../victim");
                  h.read_file(under(r, "etc/slurm/heartbeat"));
              }),
              "cannot use /etc/slurm/heartbeat: /etc/slurm points at ../victim, not at its trusted "
              "target /statefs/etc/slurm");
    EXPECT_EQ(fake_.file("/statefs/etc/slurm/slurm.key")->content, "key");
    EXPECT_EQ(testing_support::read_text(dir_ / "statefs/etc/slurm/slurm.key"), "key");
    expect_same_tree("victim");
}

TEST_F(FakeMatchesReal, RemoveTreeTakesTheLinkAndLeavesItsTarget) {
    REQUIRE_ROOT();
    build("", kPlanted);
    EXPECT_EQ(same_outcome([](Host& h, const fs::path& r) {
                  h.remove_tree(under(r, "statefs/checkpoint"));
                  h.remove_tree(under(r, "statefs/etc"));
                  h.remove_tree(under(r, "statefs/missing"));
              }),
              "");
    expect_same_tree("victim");
    expect_same_tree("statefs", /*directory_times=*/false);
}

TEST_F(FakeMatchesReal, ProbesOfARefusedPathFailAlike) {
    REQUIRE_ROOT();
    build("", kPlanted);
    const auto real = real_.measure_write_latency(dir_ / "statefs/checkpoint", 1);
    const auto fake = fake_.measure_write_latency("/statefs/checkpoint", 1);
    ASSERT_FALSE(real);
    ASSERT_FALSE(fake);
    EXPECT_EQ(fake.error().message,
              "cannot measure write latency in /statefs/checkpoint: cannot open" + kNotFollowed);
    EXPECT_EQ(real.error().message, "cannot measure write latency in " +
                                        (dir_ / "statefs/checkpoint").string() + ": cannot open" +
                                        kNotFollowed);
    const auto real_check =
        real_.check_responsive(dir_ / "statefs/missing", std::chrono::seconds(5));
    const auto fake_check = fake_.check_responsive("/statefs/missing", std::chrono::seconds(5));
    ASSERT_FALSE(real_check);
    ASSERT_FALSE(fake_check);
    EXPECT_EQ(fake_check.error().message,
              "/statefs/missing is not usable: cannot open: No such file or directory");
    EXPECT_TRUE(real_.check_responsive(dir_ / "statefs", std::chrono::seconds(5)));
    EXPECT_TRUE(fake_.check_responsive("/statefs", std::chrono::seconds(5)));
    expect_same_tree("statefs");
}

TEST_F(FakeMatchesReal, StagingACopyOverAPlantedSymlinkLeavesTheVictimAlike) {
    REQUIRE_ROOT();
    if (real_.rsync({"--version"}).exit_code == 127) {
        GTEST_SKIP() << "rsync is not installed";
    }
    build("", kPlanted);
    build("src/checkpoint", {dir(".", 0750, 1600000100, "nobody"),
                             file("job_state", "jobs", 0600, 1600000200, "nobody"),
                             link("escape", "/etc/shadow"), link("job_state.old", "job_state")});
    ASSERT_TRUE(
        copy_directory_contents(real_, dir_ / "src/checkpoint", dir_ / "statefs/checkpoint"));
    ASSERT_TRUE(copy_directory_contents(fake_, "/src/checkpoint", "/statefs/checkpoint"));
    expect_same_tree("victim");
    expect_same_tree("statefs/checkpoint");
    EXPECT_EQ(snapshot_real(dir_ / "statefs/checkpoint").size(), 3U)
        << "job_state and job_state.old copied, the escaping link left out";
}

TEST_F(FakeMatchesReal, CopyTree) {
    REQUIRE_ROOT();
    build("src/checkpoint", kCheckpoint);
    build("dst", {dir(".")});
    real_.copy_tree(dir_ / "src/checkpoint", dir_ / "dst/copy");
    fake_.copy_tree("/src/checkpoint", "/dst/copy");
    expect_same_tree("dst/copy", kCheckpointNames);
}

TEST_F(FakeMatchesReal, RsyncArchiveDeleteIntoAnExistingCopy) {
    REQUIRE_ROOT();
    if (real_.rsync({"--version"}).exit_code == 127) {
        GTEST_SKIP() << "rsync is not installed";
    }
    build("src/checkpoint", kCheckpoint);
    // An earlier pass left a copy that has since gone stale.
    build("statefs", {dir("."), dir("checkpoint", 0777), file("checkpoint/job_state", "older jobs"),
                      file("checkpoint/stale", "gone from the source"),
                      file("checkpoint/hash.0", "was a file"), dir("checkpoint/stale-dir"),
                      file("checkpoint/stale-dir/x", "x")});
    rsync_both({"--archive", "--delete"}, "src/checkpoint", "statefs");
    std::vector<std::string> names{"."};
    for (const auto& name : kCheckpointNames) {
        names.push_back(name == "." ? "checkpoint" : "checkpoint/" + name);
    }
    expect_same_tree("statefs", names);
}

TEST_F(FakeMatchesReal, RsyncArchiveWithATrailingSlashIntoANewDirectory) {
    REQUIRE_ROOT();
    if (real_.rsync({"--version"}).exit_code == 127) {
        GTEST_SKIP() << "rsync is not installed";
    }
    build("src/checkpoint", kCheckpoint);
    build("statefs", {dir(".")});
    build("kept", {dir("."), file("extra", "not deleted without --delete")});
    rsync_both({"-a"}, "src/checkpoint/", "statefs/checkpoint");
    rsync_both({"-a"}, "src/checkpoint/", "kept");
    expect_same_tree("statefs/checkpoint", kCheckpointNames);
    auto kept_names = kCheckpointNames;
    kept_names.push_back("extra");
    std::sort(kept_names.begin(), kept_names.end());
    expect_same_tree("kept", kept_names);
}

}  // namespace
