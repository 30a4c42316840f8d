// FakeHost's file system as Host sees it: stat, read, atomic write, directories, rename,
// links, tree copies, and the shared file system's latency and responsiveness.
#include <algorithm>

#include <slurmctld/host/paths.hpp>

#include "support/fake_host.hpp"
#include "support/fake_host_internal.hpp"

namespace testing_support {

using namespace fake_host_internal;

namespace {

constexpr uid_t kNobody = 65534;

}  // namespace

// ---- Host: files -----------------------------------------------------------------------------

FileStatus FakeHost::status(const fs::path& path) {
    const FakeNode* node = node_at(safe_path(path, false, "cannot stat " + path.string()));
    FileStatus result;
    if (node == nullptr) {
        return result;
    }
    const auto uid_of = [this](const std::string& user) {
        const auto found = users.find(user);
        return found == users.end() ? kNobody : found->second;
    };
    const auto gid_of = [this](const std::string& group) {
        const auto found = groups.find(group);
        return found == groups.end() ? static_cast<gid_t>(kNobody) : found->second;
    };
    if (const auto* regular = std::get_if<FakeFile>(node)) {
        result = {FileType::Regular,      regular->mode,           uid_of(regular->owner),
                  gid_of(regular->group), regular->content.size(), regular->mtime};
    } else if (const auto* directory = std::get_if<FakeDirectory>(node)) {
        result = {FileType::Directory,
                  directory->mode,
                  uid_of(directory->owner),
                  gid_of(directory->group),
                  4096,
                  directory->mtime};
    } else if (const auto* fifo = std::get_if<FakeFifo>(node)) {
        result = {FileType::Other,     fifo->mode, uid_of(fifo->owner),
                  gid_of(fifo->group), 0,          fifo->mtime};
    } else {
        const auto& link = std::get<FakeSymlink>(*node);
        result = {FileType::Symlink, 0777, 0, 0, link.target.string().size(), {}};
    }
    return result;
}

std::optional<std::string> FakeHost::read_file(const fs::path& path) {
    const std::string what = "cannot read " + path.string();
    const FakeNode* node = node_at(safe_path(path, true, what));
    if (node == nullptr) {
        return std::nullopt;
    }
    if (const auto* regular = std::get_if<FakeFile>(node)) {
        if (regular->content.size() > max_read_size) {
            throw HostError(what + ": larger than " + std::to_string(max_read_size) + " bytes");
        }
        return regular->content;
    }
    if (std::holds_alternative<FakeSymlink>(*node)) {
        throw HostError(what + ": it is a symbolic link, which is not followed");
    }
    throw HostError(what + ": it is " +
                    (std::holds_alternative<FakeFifo>(*node) ? "a FIFO" : "a directory") +
                    ", not a regular file");
}

void FakeHost::write_file(const fs::path& path, std::string_view content,
                          const FileAttributes& attributes) {
    changing("write " + path.string());
    const std::string what = "cannot write " + path.string();
    if (path.filename().empty()) {
        throw HostError(what + ": not a file name");
    }
    check_owner(attributes, what);
    const fs::path resolved = safe_path(path, false, what);
    require_directory(resolved.parent_path(), what);
    if (const FakeNode* existing = node_at(resolved);
        existing != nullptr && std::holds_alternative<FakeDirectory>(*existing)) {
        fail(what, std::errc::is_a_directory);
    }
    // rename(2) over the name: a symlink or FIFO there is replaced, never written through.
    put(resolved, FakeFile{std::string(content), attributes.owner, attributes.group,
                           static_cast<mode_t>(attributes.mode & 07777), clock});
}

void FakeHost::make_directories(const fs::path& path, const FileAttributes& attributes) {
    changing("mkdir -p " + path.string());
    const std::string what = "cannot create directory " + path.string();
    check_owner(attributes, what);
    const fs::path resolved = safe_path(path, true, what);
    fs::path current = resolved.root_path();
    for (const auto& component : resolved.relative_path()) {
        current /= component;
        const FakeNode* node = node_at(current);
        if (node == nullptr) {
            require_directory(current.parent_path(), what);
            put(current, FakeDirectory{"root", "root", 0755, clock});
        } else if (std::holds_alternative<FakeSymlink>(*node)) {
            refuse_symlink(what);
        } else if (!std::holds_alternative<FakeDirectory>(*node)) {
            fail(what, std::errc::not_a_directory);
        }
    }
    auto& directory = std::get<FakeDirectory>(*node_at(resolved));
    directory.owner = attributes.owner;
    directory.group = attributes.group;
    directory.mode = attributes.mode & 07777;
}

void FakeHost::create_directory(const fs::path& path, const FileAttributes& attributes) {
    changing("mkdir " + path.string());
    const std::string what = "cannot create directory " + path.string();
    check_owner(attributes, what);
    const fs::path resolved = safe_path(path, false, what);
    require_directory(resolved.parent_path(), what);
    if (node_at(resolved) != nullptr) {
        fail(what, std::errc::file_exists);
    }
    put(resolved, FakeDirectory{attributes.owner, attributes.group,
                                static_cast<mode_t>(attributes.mode & 07777), clock});
}

void FakeHost::remove_file(const fs::path& path) {
    changing("rm " + path.string());
    const fs::path resolved = safe_path(path, false, "cannot remove " + path.string());
    const FakeNode* node = node_at(resolved);
    if (node == nullptr) {
        return;
    }
    if (std::holds_alternative<FakeDirectory>(*node)) {
        fail("cannot remove " + path.string(), std::errc::is_a_directory);
    }
    erase_tree(resolved);
}

void FakeHost::remove_tree(const fs::path& path) {
    changing("rm -r " + path.string());
    const std::string what = "cannot remove " + path.string();
    const fs::path resolved = safe_path(path, false, what);
    if (node_at(resolved) == nullptr) {
        return;
    }
    for (const auto& [point, mount] : mount_table_) {
        if (point == resolved.string() || point.starts_with(resolved.string() + "/")) {
            throw HostError(what +
                            ": another file system is mounted there: Invalid cross-device link");
        }
    }
    erase_tree(resolved);  // the tree's own nodes only: a symlink goes, its target stays
}

void FakeHost::rename(const fs::path& from, const fs::path& to) {
    changing("mv " + from.string() + " " + to.string());
    const std::string what = "cannot rename " + from.string() + " to " + to.string();
    const fs::path source = safe_path(from, false, what);
    const fs::path target = safe_path(to, false, what);
    const FakeNode* source_node = node_at(source);
    if (source_node == nullptr) {
        fail(what, std::errc::no_such_file_or_directory);
    }
    require_directory(target.parent_path(), what);
    if (is_mount_point(source) || is_mount_point(target)) {
        fail(what, std::errc::device_or_resource_busy);
    }
    const Location from_location = locate(source);
    const Location to_location = locate(target);
    if (from_location.files != to_location.files) {
        fail(what, std::errc::cross_device_link);
    }
    if (source == target) {
        return;
    }
    const bool source_is_directory = std::holds_alternative<FakeDirectory>(*source_node);
    if (source_is_directory && target.string().starts_with(source.string() + "/")) {
        fail(what, std::errc::invalid_argument);
    }
    if (const FakeNode* target_node = node_at(target)) {
        const bool target_is_directory = std::holds_alternative<FakeDirectory>(*target_node);
        if (source_is_directory && !target_is_directory) {
            fail(what, std::errc::not_a_directory);
        }
        if (!source_is_directory && target_is_directory) {
            fail(what, std::errc::is_a_directory);
        }
        if (target_is_directory && !child_names(target).empty()) {
            fail(what, std::errc::directory_not_empty);
        }
        erase_tree(target);
    }
    auto& nodes = from_location.files->nodes;
    const std::string prefix = from_location.key + "/";
    std::vector<std::pair<std::string, FakeNode>> moved;
    moved.emplace_back(to_location.key, std::move(nodes.at(from_location.key)));
    for (auto it = nodes.lower_bound(prefix); it != nodes.end() && it->first.starts_with(prefix);
         ++it) {
        moved.emplace_back(to_location.key + it->first.substr(from_location.key.size()),
                           std::move(it->second));
    }
    erase_tree(source);
    for (auto& [key, node] : moved) {
        nodes.insert_or_assign(key, std::move(node));
    }
}

std::vector<std::string> FakeHost::list_directory(const fs::path& path) {
    const std::string what = "cannot list " + path.string();
    const fs::path resolved = safe_path(path, true, what);
    const FakeNode* node = node_at(resolved);
    if (node == nullptr) {
        return {};
    }
    if (std::holds_alternative<FakeSymlink>(*node)) {
        refuse_symlink(what);
    }
    if (!std::holds_alternative<FakeDirectory>(*node)) {
        fail(what, std::errc::not_a_directory);
    }
    return child_names(resolved);
}

std::optional<fs::path> FakeHost::read_symlink(const fs::path& path) {
    const fs::path resolved = safe_path(path, false, "cannot read symlink " + path.string());
    if (const auto* link = std::get_if<FakeSymlink>(node_at(resolved))) {
        return link->target;
    }
    return std::nullopt;
}

void FakeHost::replace_with_symlink(const fs::path& link, const fs::path& target) {
    changing("ln -sf " + target.string() + " " + link.string());
    const std::string what = "cannot point " + link.string() + " at " + target.string();
    const fs::path resolved = safe_path(link, false, what);
    require_directory(resolved.parent_path(), what);
    if (const FakeNode* node = node_at(resolved);
        node != nullptr && std::holds_alternative<FakeDirectory>(*node)) {
        throw HostError(what + ": it is a directory (move it away first)");
    }
    put(resolved, FakeSymlink{target});
}

void FakeHost::copy_tree(const fs::path& from, const fs::path& to) {
    changing("cp -a " + from.string() + " " + to.string());
    const std::string what = "cannot copy " + from.string() + " to " + to.string();
    const fs::path source = safe_path(from, true, what);
    const fs::path target = safe_path(to, false, what);
    const FakeNode* source_node = node_at(source);
    if (source_node == nullptr) {
        fail(what, std::errc::no_such_file_or_directory);
    }
    if (std::holds_alternative<FakeSymlink>(*source_node)) {
        refuse_symlink(what);
    }
    if (node_at(target) != nullptr) {
        fail(what, std::errc::file_exists);
    }
    require_directory(target.parent_path(), what);
    if (target.string().starts_with(source.string() + "/")) {
        fail(what, std::errc::invalid_argument);  // cp: cannot copy a directory into itself
    }
    copy_node(source, target);
}

void FakeHost::swap_directory_for_symlink(const fs::path& directory, const fs::path& target,
                                          const fs::path& backup) {
    changing("swap " + directory.string() + " for a link");
    const std::string what =
        "cannot replace " + directory.string() + " with a symlink to " + target.string();
    host::require_swappable(*this, directory, backup, what);
    rename(directory, backup);
    put(safe_path(directory, false, what), FakeSymlink{target});
}

slurmctld::Expected<std::vector<std::chrono::microseconds>> FakeHost::measure_write_latency(
    const fs::path& directory, int samples) {
    changing("latency probe in " + directory.string());
    const std::string what = "cannot measure write latency in " + directory.string();
    const fs::path resolved = host::normalized_path(directory);
    if (hung_under(resolved)) {
        pass_time(latency_probe_timeout);
        return slurmctld::Failure{what + ": no answer within " +
                                  std::to_string(latency_probe_timeout.count()) +
                                  " ms (is the file system hung?)"};
    }
    fs::path checked;
    try {
        checked = safe_path(directory, true, what);
    } catch (const HostError& error) {
        return slurmctld::Failure{error.what()};
    }
    const FakeNode* node = node_at(checked);
    if (node == nullptr || std::holds_alternative<FakeSymlink>(*node)) {
        return slurmctld::Failure{
            what + ": cannot open: " +
            (node == nullptr ? std::string("No such file or directory")
                             : std::string("the path goes through a symbolic link, which is not "
                                           "followed"))};
    }
    std::chrono::microseconds latency{500};
    std::size_t best = 0;
    for (const auto& [prefix, value] : write_latency) {
        if (directory.string().starts_with(prefix) && prefix.size() >= best) {
            best = prefix.size();
            latency = value;
        }
    }
    // The samples live in a private directory that is gone again when the probe returns.
    return std::vector<std::chrono::microseconds>(static_cast<std::size_t>(std::max(samples, 0)),
                                                  latency);
}

slurmctld::Expected<void> FakeHost::check_responsive(const fs::path& path,
                                                     std::chrono::milliseconds timeout) {
    const std::string what = path.string() + " is not usable";
    if (hung_under(host::normalized_path(path))) {
        pass_time(timeout);
        return slurmctld::Failure{path.string() + " did not answer within " +
                                  std::to_string(timeout.count()) +
                                  " ms (is the file system hung?)"};
    }
    fs::path checked;
    try {
        checked = safe_path(path, true, what);
    } catch (const HostError& error) {
        return slurmctld::Failure{error.what()};
    }
    const FakeNode* node = node_at(checked);
    if (node == nullptr) {
        return slurmctld::Failure{what + ": cannot open: No such file or directory"};
    }
    if (std::holds_alternative<FakeSymlink>(*node)) {
        return slurmctld::Failure{
            what + ": cannot open: the path goes through a symbolic link, which is not followed"};
    }
    return slurmctld::outcome::success();
}

}  // namespace testing_support
