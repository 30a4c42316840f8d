// The same tree on disk and in a FakeHost, the same copy_tree or rsync on both: the results must
// be the same tree (types, owners, modes, mtimes, contents, link targets). This keeps the fake
// honest about the two operations the HA migration relies on.
#include <algorithm>

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <slurmctld/host/real_host.hpp>

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
    char kind;          ///< 'd'irectory, 'f'ile, 'l'ink
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

/// Builds `entries` under `root` on disk (parents before children, directory times last).
void build_real(const fs::path& root, const std::vector<Entry>& entries) {
    for (const auto& entry : entries) {
        const fs::path path = entry.path == "." ? root : root / entry.path;
        if (entry.kind == 'd') {
            fs::create_directories(path);
        } else if (entry.kind == 'f') {
            testing_support::write_text(path, entry.data);
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
};

const std::vector<std::string> kCheckpointNames = {
    ".", "empty", "hash.0", "hash.0/script", "job_state", "job_state.old"};

class FakeMatchesReal : public ::testing::Test {
  protected:
    void SetUp() override {
        fake_.users["nobody"] = 65534;
        fake_.groups["nogroup"] = 65534;
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
