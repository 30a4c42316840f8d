#include "support/fake_host.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>
#include <system_error>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <slurmctld/charm/main.hpp>
#include <slurmctld/host/paths.hpp>

#include "support/fake_host_internal.hpp"

namespace testing_support {

using namespace fake_host_internal;

namespace {

// 2025-06-20 16:14:37 UTC: a fixed start, so backup names and mtimes are reproducible.
constexpr std::time_t kStartTime = 1750436077;
constexpr uid_t kNobody = 65534;

}  // namespace

std::shared_ptr<FakeFileSystem> FakeHost::copy_of(const std::shared_ptr<FakeFileSystem>& files,
                                                  FileSystemCopies& copies) {
    if (!files) {
        return files;
    }
    auto& copy = copies[files.get()];
    if (!copy) {
        copy = std::make_shared<FakeFileSystem>(*files);
    }
    return copy;
}

FakeHost::FakeHost(const FakeHost& other, FileSystemCopies& copies)
    : hostname(other.hostname),
      clock(other.clock),
      steady_clock_time(other.steady_clock_time),
      sleeps(other.sleeps),
      trusted_links(other.trusted_links),
      max_read_size(other.max_read_size),
      hung_paths(other.hung_paths),
      latency_probe_timeout(other.latency_probe_timeout),
      rsync_timeout(other.rsync_timeout),
      users(other.users),
      groups(other.groups),
      archive(other.archive),
      archive_reachable(other.archive_reachable),
      apt_updates(other.apt_updates),
      packages(other.packages),
      services(other.services),
      slurm(other.slurm),
      container(other.container),
      virtualization(other.virtualization),
      commands(other.commands),
      injected_failures(other.injected_failures),
      write_latency(other.write_latency),
      root_(copy_of(other.root_, copies)),
      mount_table_(other.mount_table_) {
    for (auto& [point, mount] : mount_table_) {
        mount.files = copy_of(mount.files, copies);
    }
}

std::unique_ptr<FakeHost> FakeHost::clone(FileSystemCopies& copies) const {
    return std::unique_ptr<FakeHost>(new FakeHost(*this, copies));
}

void FakeHost::changing(const std::string& change) {
    if (before_change) {
        before_change(change);
    }
}

std::string FakeHost::slurm_config_snapshot() {
    std::string snapshot;
    for (const auto& name : list_directory("/etc/slurm")) {
        const std::string path = "/etc/slurm/" + name;
        if (name.front() == '.' || status(path).type != slurmctld::host::FileType::Regular) {
            continue;
        }
        snapshot += name + '\0' + read_file(path).value_or("") + '\0';
    }
    return snapshot;
}

FakeHost::FakeHost(std::string name)
    : hostname(std::move(name)),
      clock(Clock::from_time_t(kStartTime)),
      steady_clock_time(std::chrono::hours(1000)),
      trusted_links(slurmctld::charm::trusted_host_links()) {
    for (const char* path : {"/etc", "/run", "/srv", "/var", "/var/lib", "/var/log"}) {
        add_directory(path);
    }
    add_directory("/tmp", {"root", "root", 01777});
}

// ---- locating nodes --------------------------------------------------------------------------

FakeHost::Location FakeHost::locate(const fs::path& resolved) {
    const std::string path = resolved.string();
    Location location{root_.get(), path};
    std::size_t longest = 0;
    for (auto& [point, mount] : mount_table_) {
        if (point.size() > longest && (path == point || path.starts_with(point + "/"))) {
            longest = point.size();
            location = {mount.files.get(), path == point ? "/" : path.substr(point.size())};
        }
    }
    return location;
}

FakeNode* FakeHost::node_at(const fs::path& resolved) {
    const Location location = locate(resolved);
    const auto found = location.files->nodes.find(location.key);
    return found == location.files->nodes.end() ? nullptr : &found->second;
}

fs::path FakeHost::resolve(const fs::path& path, bool follow_last) {
    return host::resolve_symlinks(
        path,
        [this](const fs::path& candidate) -> std::optional<fs::path> {
            if (const auto* link = std::get_if<FakeSymlink>(node_at(candidate))) {
                return link->target;
            }
            return std::nullopt;
        },
        follow_last);
}

void FakeHost::require_directory(const fs::path& resolved_directory, const std::string& what) {
    const FakeNode* node = node_at(resolved_directory);
    if (node == nullptr) {
        fail(what, std::errc::no_such_file_or_directory);
    }
    if (!std::holds_alternative<FakeDirectory>(*node)) {
        fail(what, std::errc::not_a_directory);
    }
}

void FakeHost::check_owner(const FileAttributes& attributes, const std::string& what) const {
    if (!users.contains(attributes.owner)) {
        throw HostError(what + ": no such user: '" + attributes.owner + "'");
    }
    if (!groups.contains(attributes.group)) {
        throw HostError(what + ": no such group: '" + attributes.group + "'");
    }
}

void FakeHost::put(const fs::path& resolved, FakeNode node) {
    const Location location = locate(resolved);
    location.files->nodes.insert_or_assign(location.key, std::move(node));
}

std::vector<std::string> FakeHost::child_names(const fs::path& resolved_directory) {
    const Location location = locate(resolved_directory);
    const std::string prefix = location.key == "/" ? "/" : location.key + "/";
    std::vector<std::string> names;
    const auto& nodes = location.files->nodes;
    for (auto it = nodes.lower_bound(prefix); it != nodes.end() && it->first.starts_with(prefix);
         ++it) {
        const std::string rest = it->first.substr(prefix.size());
        if (!rest.empty() && rest.find('/') == std::string::npos) {
            names.push_back(rest);
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

void FakeHost::erase_tree(const fs::path& resolved) {
    const Location location = locate(resolved);
    auto& nodes = location.files->nodes;
    nodes.erase(location.key);
    const std::string prefix = location.key + "/";
    for (auto it = nodes.lower_bound(prefix); it != nodes.end() && it->first.starts_with(prefix);) {
        it = nodes.erase(it);
    }
}

bool FakeHost::is_mount_point(const fs::path& resolved) const {
    return mount_table_.contains(resolved.string());
}

void FakeHost::copy_node(const fs::path& from, const fs::path& to) {
    const FakeNode node = *node_at(from);
    put(to, node);
    if (std::holds_alternative<FakeDirectory>(node)) {
        for (const auto& name : child_names(from)) {
            copy_node(from / name, to / name);
        }
    }
}

// ---- test helpers ----------------------------------------------------------------------------

FakeFile* FakeHost::file(const fs::path& path) {
    return std::get_if<FakeFile>(node_at(resolve(path, true)));
}

FakeDirectory* FakeHost::directory(const fs::path& path) {
    return std::get_if<FakeDirectory>(node_at(resolve(path, true)));
}

FakeSymlink* FakeHost::symlink(const fs::path& path) {
    return std::get_if<FakeSymlink>(node_at(resolve(path, false)));
}

FakeFifo* FakeHost::fifo(const fs::path& path) {
    return std::get_if<FakeFifo>(node_at(resolve(path, false)));
}

bool FakeHost::exists(const fs::path& path) {
    return node_at(resolve(path, false)) != nullptr;
}

FakeFile& FakeHost::add_file(const fs::path& path, std::string content,
                             const FileAttributes& attributes) {
    add_directory_parents(path.parent_path());
    const fs::path resolved = resolve(path, false);
    if (const FakeNode* existing = node_at(resolved);
        existing != nullptr && std::holds_alternative<FakeDirectory>(*existing)) {
        fail("cannot add file " + path.string(), std::errc::is_a_directory);
    }
    put(resolved,
        FakeFile{std::move(content), attributes.owner, attributes.group, attributes.mode, clock});
    return std::get<FakeFile>(*node_at(resolved));
}

FakeDirectory& FakeHost::add_directory(const fs::path& path, const FileAttributes& attributes) {
    add_directory_parents(path);
    auto& directory = std::get<FakeDirectory>(*node_at(resolve(path, true)));
    directory.owner = attributes.owner;
    directory.group = attributes.group;
    directory.mode = attributes.mode;
    return directory;
}

void FakeHost::add_symlink(const fs::path& link, const fs::path& target) {
    add_directory_parents(link.parent_path());
    put(resolve(link, false), FakeSymlink{target});
}

FakeFifo& FakeHost::add_fifo(const fs::path& path, const FileAttributes& attributes) {
    add_directory_parents(path.parent_path());
    const fs::path resolved = resolve(path, false);
    put(resolved, FakeFifo{attributes.owner, attributes.group, attributes.mode, clock});
    return std::get<FakeFifo>(*node_at(resolved));
}

void FakeHost::add_directory_parents(const fs::path& path) {
    const std::string what = "cannot create directory " + path.string();
    fs::path current = "/";
    for (const auto& component : path.relative_path()) {
        if (component.empty()) {
            continue;
        }
        current /= component;
        const fs::path resolved = resolve(current, true);
        const FakeNode* node = node_at(resolved);
        if (node == nullptr) {
            require_directory(resolved.parent_path(), what);
            put(resolved, FakeDirectory{"root", "root", 0755, clock});
        } else if (!std::holds_alternative<FakeDirectory>(*node)) {
            fail(what, std::errc::not_a_directory);
        }
    }
}

std::shared_ptr<FakeFileSystem> FakeHost::mount(const fs::path& path,
                                                std::shared_ptr<FakeFileSystem> files,
                                                std::string fs_type, std::string source) {
    add_directory_parents(path);
    if (!files) {
        files = std::make_shared<FakeFileSystem>();
    }
    mount_table_.insert_or_assign(resolve(path, true).string(),
                                  FakeMount{files, std::move(fs_type), std::move(source)});
    return files;
}

void FakeHost::unmount(const fs::path& path) {
    mount_table_.erase(resolve(path, true).string());
}

// ---- Host: path rules ------------------------------------------------------------------------

std::optional<std::string> FakeHost::hung_under(const fs::path& resolved) const {
    const std::string path = resolved.string();
    for (const auto& hung : hung_paths) {
        if (path == hung || path.starts_with(hung == "/" ? hung : hung + "/")) {
            return hung;
        }
    }
    return std::nullopt;
}

void FakeHost::pass_time(std::chrono::milliseconds duration) {
    clock += duration;
    steady_clock_time += duration;
}

fs::path FakeHost::safe_path(const fs::path& path, bool trust_last, const std::string& what) {
    fs::path checked = host::normalized_path(path);
    const auto check_directories = [&](const fs::path& candidate) {
        fs::path prefix = candidate.root_path();
        const fs::path relative = candidate.relative_path();
        std::size_t left =
            static_cast<std::size_t>(std::distance(relative.begin(), relative.end()));
        for (const auto& component : relative) {
            if (--left == 0) {
                break;  // the last component is the operation's to judge
            }
            prefix /= component;
            const FakeNode* node = node_at(prefix);
            if (node == nullptr) {
                break;
            }
            if (std::holds_alternative<FakeSymlink>(*node)) {
                refuse_symlink(what);
            }
        }
    };
    for (const auto& [link, trusted_target] : trusted_links) {
        const auto rest = host::path_below(checked, link);
        if (!rest || (rest->empty() && !trust_last)) {
            continue;
        }
        check_directories(link);
        if (const auto* found = std::get_if<FakeSymlink>(node_at(link))) {
            if (host::link_destination(link, found->target) !=
                host::normalized_path(trusted_target)) {
                throw HostError("cannot use " + path.string() + ": " + link.string() +
                                " points at " + found->target.string() +
                                ", not at its trusted target " + trusted_target.string());
            }
            checked = rest->empty() ? host::normalized_path(trusted_target)
                                    : host::normalized_path(trusted_target) / *rest;
        }
        break;
    }
    check_directories(checked);
    if (const auto hung = hung_under(checked)) {
        throw HostError(what + ": FakeHost: " + *hung +
                        " does not answer (a real host would block here)");
    }
    return checked;
}

std::vector<host::MountInfo> FakeHost::mounts() {
    std::vector<host::MountInfo> table{{"/", "/", "ext4", "/dev/sda1", "rw,relatime"}};
    for (const auto& [point, mount] : mount_table_) {
        table.push_back({point, "/", mount.fs_type, mount.source, "rw,relatime"});
    }
    return table;
}

std::string FakeHost::short_hostname() {
    return hostname.substr(0, hostname.find('.'));
}

bool FakeHost::can_connect(const std::string& host_name, int port, std::chrono::milliseconds) {
    return port == 6817 && controller_up(host_name);
}

slurmctld::Expected<slurmctld::util::http::Response> FakeHost::http_request(
    const std::string& host_name, int port, const slurmctld::util::http::Request& request,
    std::chrono::milliseconds timeout) {
    const std::string endpoint = host_name + ":" + std::to_string(port);
    if (request.method != "GET") {
        changing("http " + request.method + " " + endpoint);
    }
    http_log.push_back(request.method + " " + endpoint + " " + request.target);
    const auto server = http_servers.find(endpoint);
    if (server == http_servers.end()) {
        return slurmctld::Failure{"cannot connect to " + endpoint + ": connection refused"};
    }
    (void)timeout;
    return server->second(request);
}

Clock::time_point FakeHost::now() {
    return clock;
}

std::chrono::steady_clock::time_point FakeHost::steady_now() {
    return steady_clock_time;
}

void FakeHost::sleep_for(std::chrono::milliseconds duration) {
    sleeps.push_back(duration);
    pass_time(duration);
}

}  // namespace testing_support
