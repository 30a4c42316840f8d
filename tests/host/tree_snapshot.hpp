// A comparable picture of a directory tree (types, owners, modes, mtimes, contents, link
// targets), taken from the real file system or from a FakeHost, so tests can check that a copy
// kept everything and that the fake's operations end where the real ones do.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <variant>

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include "support/fake_host.hpp"
#include "support/temp_dir.hpp"

namespace host_tests {

namespace fs = std::filesystem;

struct EntrySnapshot {
    std::string type;  ///< "file", "dir", "link", "other"
    mode_t mode = 0;   ///< permission bits (0 for links)
    std::string owner;
    std::string group;
    std::string data;                ///< content of a file, target of a link
    std::int64_t mtime_seconds = 0;  ///< 0 for links (not compared)

    bool operator==(const EntrySnapshot&) const = default;
};

inline std::ostream& operator<<(std::ostream& out, const EntrySnapshot& entry) {
    return out << "{" << entry.type << " " << std::oct << entry.mode << std::dec << " "
               << entry.owner << ":" << entry.group << " mtime=" << entry.mtime_seconds << " '"
               << entry.data << "'}";
}

using TreeSnapshot = std::map<std::string, EntrySnapshot>;

inline std::string user_name(uid_t uid) {
    const passwd* entry = ::getpwuid(uid);
    return entry != nullptr ? entry->pw_name : std::to_string(uid);
}

inline std::string group_name(gid_t gid) {
    const group* entry = ::getgrgid(gid);
    return entry != nullptr ? entry->gr_name : std::to_string(gid);
}

/// Every entry under `root` (and `root` itself, as "."), by path relative to `root`.
inline TreeSnapshot snapshot_real(const fs::path& root) {
    TreeSnapshot tree;
    const auto add = [&tree, &root](const fs::path& path) {
        struct stat info {};
        if (::lstat(path.c_str(), &info) != 0) {
            throw std::runtime_error("lstat " + path.string());
        }
        EntrySnapshot entry;
        entry.owner = user_name(info.st_uid);
        entry.group = group_name(info.st_gid);
        if (S_ISLNK(info.st_mode)) {
            entry.type = "link";
            entry.data = fs::read_symlink(path).string();
        } else {
            entry.mode = info.st_mode & 07777;
            entry.mtime_seconds = info.st_mtim.tv_sec;
            if (S_ISREG(info.st_mode)) {
                entry.type = "file";
                entry.data = testing_support::read_text(path);
            } else {
                entry.type = S_ISDIR(info.st_mode) ? "dir" : "other";
            }
        }
        tree[path == root ? "." : path.lexically_relative(root).string()] = entry;
    };
    add(root);
    for (const auto& item : fs::recursive_directory_iterator(root)) {
        add(item.path());
    }
    return tree;
}

inline TreeSnapshot snapshot_fake(testing_support::FakeHost& host, const fs::path& root) {
    TreeSnapshot tree;
    const auto seconds = [](testing_support::Clock::time_point time) {
        return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
    };
    std::function<void(const fs::path&, const std::string&)> add = [&](const fs::path& path,
                                                                       const std::string& key) {
        EntrySnapshot entry;
        if (const auto* link = host.symlink(path)) {
            entry = {"link", 0, "root", "root", link->target.string(), 0};
        } else if (const auto* file = host.file(path)) {
            entry = {"file",      file->mode,    file->owner,
                     file->group, file->content, seconds(file->mtime)};
        } else if (const auto* fifo = host.fifo(path)) {
            entry = {"other", fifo->mode, fifo->owner, fifo->group, "", seconds(fifo->mtime)};
        } else if (const auto* directory = host.directory(path)) {
            entry = {"dir", directory->mode,          directory->owner, directory->group,
                     "",    seconds(directory->mtime)};
            for (const auto& name : host.list_directory(path)) {
                add(path / name, key == "." ? name : key + "/" + name);
            }
        } else {
            throw std::runtime_error("no entry at " + path.string());
        }
        tree[key] = entry;
    };
    add(root, ".");
    return tree;
}

}  // namespace host_tests
