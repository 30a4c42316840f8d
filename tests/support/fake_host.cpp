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

namespace testing_support {

namespace host = slurmctld::host;
using host::FileStatus;
using host::FileType;
using host::HostError;

namespace {

// 2025-06-20 16:14:37 UTC: a fixed start, so backup names and mtimes are reproducible.
constexpr std::time_t kStartTime = 1750436077;
constexpr uid_t kNobody = 65534;

[[noreturn]] void fail(const std::string& what, std::errc error) {
    throw HostError(what + ": " + std::make_error_code(error).message());
}

bool starts_with(const std::vector<std::string>& argv, const std::vector<std::string>& prefix) {
    return prefix.size() <= argv.size() && std::equal(prefix.begin(), prefix.end(), argv.begin());
}

std::string unit_name(std::string unit) {
    constexpr std::string_view kSuffix = ".service";
    if (unit.size() > kSuffix.size() && unit.ends_with(kSuffix)) {
        unit.resize(unit.size() - kSuffix.size());
    }
    return unit;
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

/// Values of `key` (case-insensitive, as Slurm reads it) in slurm.conf text, in order.
std::vector<std::string> slurm_conf_values(const std::string& text, const std::string& key) {
    std::vector<std::string> values;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        line = line.substr(0, line.find('#'));
        std::istringstream tokens(line);
        std::string token;
        while (tokens >> token) {
            const std::size_t equals = token.find('=');
            if (equals != std::string::npos && lower(token.substr(0, equals)) == key) {
                values.push_back(token.substr(equals + 1));
            }
        }
    }
    return values;
}

struct SlurmVersion {
    int major = 0;
    int minor = 0;
    int micro = 0;
};

SlurmVersion parse_slurm_version(const std::string& text) {
    SlurmVersion version;
    char dot = 0;
    std::istringstream in(text);
    in >> version.major >> dot >> version.minor >> dot >> version.micro;
    return version;
}

CommandResult ok(std::string out = {}) {
    return {0, std::move(out), {}};
}
CommandResult error(int code, std::string err) {
    return {code, {}, std::move(err)};
}

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

namespace {

[[noreturn]] void refuse_symlink(const std::string& what) {
    throw HostError(what + ": the path goes through a symbolic link, which is not followed");
}

std::string timeout_note(const std::string& program, std::chrono::milliseconds limit) {
    return program + ": no answer within " + std::to_string(limit.count()) +
           " ms; killed with its process group\n";
}

}  // namespace

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

FakeService& FakeHost::service(const std::string& unit) {
    return services[unit_name(unit)];
}

void FakeHost::add_to_archive(const std::string& name, FakePackage package) {
    archive.insert_or_assign(name, std::move(package));
}

void FakeHost::install_package(const std::string& name, const std::string& version) {
    packages.insert_or_assign(name, InstalledPackage{version, "installed"});
    const auto found = archive.find(name);
    if (found == archive.end()) {
        return;
    }
    for (const auto& user : found->second.system_users) {
        if (!users.contains(user)) {
            const auto id = static_cast<uid_t>(100 + users.size());  // a dynamic system id
            users.emplace(user, id);
            groups.emplace(user, static_cast<gid_t>(id));
        }
    }
    for (const auto& directory : found->second.directories) {
        if (!exists(directory)) {
            add_directory(directory);
        }
    }
    for (const auto& unit : found->second.units) {
        FakeService& entry = service(unit);
        entry.installed = true;
        const auto conditions = found->second.unit_conditions.find(unit);
        if (conditions != found->second.unit_conditions.end()) {
            entry.condition_path_exists = conditions->second;
        }
    }
}

void FakeHost::add_slurm_packages_to_archive(const std::string& version) {
    add_to_archive("munge", {"0.5.15-4", {"munge"}, {"/etc/munge"}, {}, {}, {"munge"}});
    add_to_archive("slurm-client", {version, {}, {"/etc/slurm"}, {}, {"munge"}, {}});
    add_to_archive("slurmctld", {version,
                                 {"slurmctld"},
                                 {"/etc/slurm"},
                                 {{"slurmctld", {"/etc/slurm/slurm.conf"}}},
                                 {"munge", "slurm-client"},
                                 {}});
    add_to_archive("libpmix-dev", {"5.0.1-4", {}, {}, {}, {}, {}});
    add_to_archive("slurm-mail", {"4.34-1", {}, {"/etc/slurm-mail"}, {}, {}, {}});
    add_to_archive("rsync", {"3.2.7-1", {}, {}, {}, {}, {}});
}

int FakeHost::count_commands(const std::vector<std::string>& argv) const {
    return static_cast<int>(std::count(commands.begin(), commands.end(), argv));
}

std::vector<std::vector<std::string>> FakeHost::commands_of(const std::string& program) const {
    std::vector<std::vector<std::string>> found;
    for (const auto& argv : commands) {
        if (!argv.empty() && argv.front() == program) {
            found.emplace_back(argv.begin() + 1, argv.end());
        }
    }
    return found;
}

void FakeHost::inject_failure(std::vector<std::string> argv_prefix, CommandResult result,
                              int times) {
    injected_failures.push_back({std::move(argv_prefix), std::move(result), times});
}

void FakeHost::inject_timeout(std::vector<std::string> argv_prefix, int times) {
    const std::string program = argv_prefix.empty() ? "program" : argv_prefix.front();
    // RealHost's time limits by program (RealHostOptions' defaults).
    const std::map<std::string, std::chrono::milliseconds> limits = {
        {"systemctl", std::chrono::seconds(90)},
        {"apt-get", std::chrono::minutes(10)},
        {"dpkg-query", std::chrono::seconds(30)},
        {"scontrol", std::chrono::seconds(15)},
        {"rsync", rsync_timeout},
        {"systemd-detect-virt", std::chrono::seconds(10)}};
    const auto found = limits.find(program);
    const auto limit = found == limits.end() ? std::chrono::milliseconds(60000) : found->second;
    inject_failure(std::move(argv_prefix),
                   {host::kCommandTimedOut, "", timeout_note(program, limit)}, times);
}

std::optional<std::vector<std::string>> FakeHost::configured_controllers() {
    const auto text = read_file("/etc/slurm/slurm.conf");
    if (!text) {
        return std::nullopt;
    }
    std::vector<std::string> controllers;
    for (const auto& value : slurm_conf_values(*text, "slurmctldhost")) {
        controllers.push_back(value.substr(0, value.find('(')));  // "host(10.0.0.1)"
    }
    return controllers;
}

bool FakeHost::controller_up(const std::string& name) {
    if (name == short_hostname()) {
        const auto found = services.find("slurmctld");
        return found != services.end() && found->second.active;
    }
    const auto found = slurm.remote_up.find(name);
    return found != slurm.remote_up.end() && found->second;
}

std::optional<std::string> FakeHost::controller_in_control() {
    const auto controllers = configured_controllers();
    if (!controllers) {
        return std::nullopt;
    }
    for (const auto& name : *controllers) {
        if (controller_up(name)) {
            return name;
        }
    }
    return std::nullopt;
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

// ---- Host: programs --------------------------------------------------------------------------

std::optional<CommandResult> FakeHost::log_command(const std::string& program,
                                                   const std::vector<std::string>& args) {
    std::vector<std::string> argv{program};
    argv.insert(argv.end(), args.begin(), args.end());
    commands.push_back(argv);
    for (auto it = injected_failures.begin(); it != injected_failures.end(); ++it) {
        if (starts_with(argv, it->argv_prefix)) {
            CommandResult result = it->result;
            if (it->times > 0 && --it->times == 0) {
                injected_failures.erase(it);
            }
            return result;
        }
    }
    return std::nullopt;
}

CommandResult FakeHost::systemctl(const std::vector<std::string>& args) {
    static const std::set<std::string> kQueries = {"is-active", "is-enabled", "status", "show"};
    if (!args.empty() && !kQueries.contains(args.front())) {
        changing("systemctl " + fmt::format("{}", fmt::join(args, " ")));
    }
    if (auto result = log_command("systemctl", args)) {
        return *result;
    }
    return run_systemctl(args);
}

CommandResult FakeHost::apt_get(const std::vector<std::string>& args) {
    changing("apt-get " + fmt::format("{}", fmt::join(args, " ")));
    if (auto result = log_command("apt-get", args)) {
        return *result;
    }
    return run_apt_get(args);
}

CommandResult FakeHost::dpkg_query(const std::vector<std::string>& args) {
    if (auto result = log_command("dpkg-query", args)) {
        return *result;
    }
    return run_dpkg_query(args);
}

CommandResult FakeHost::scontrol(const std::vector<std::string>& args) {
    static const std::set<std::string> kQueries = {"ping", "show", "--json"};
    if (!args.empty() && !kQueries.contains(args.front())) {
        changing("scontrol " + fmt::format("{}", fmt::join(args, " ")));
    }
    if (auto result = log_command("scontrol", args)) {
        return *result;
    }
    return run_scontrol(args);
}

CommandResult FakeHost::scontrol_with_config(const fs::path& slurm_conf,
                                             const std::vector<std::string>& args) {
    std::vector<std::string> logged{"SLURM_CONF=" + slurm_conf.string()};
    logged.insert(logged.end(), args.begin(), args.end());
    if (auto result = log_command("scontrol", logged)) {
        return *result;
    }
    const auto text = read_file(slurm_conf);
    if (!text) {
        return error(1, "scontrol: error: s_p_parse_file: unable to status file " +
                            slurm_conf.string() + ": No such file or directory\n");
    }
    std::vector<std::string> targets;
    for (const auto& value : slurm_conf_values(*text, "slurmctldhost")) {
        targets.push_back(value.substr(0, value.find('(')));
    }
    if (args.empty() || targets.empty()) {
        return error(1, "scontrol: no command given\n");
    }
    if (lower(args.front()) == "ping") {
        return scontrol_ping(targets, std::find(args.begin(), args.end(), "--json") != args.end());
    }
    if (lower(args.front()) != "show") {
        return error(1, "invalid keyword: " + args.front() + "\n");
    }
    // A client that knows one controller asks only it: the one in control answers, a standby
    // backup refuses, a dead one cannot be reached.
    const std::string& target = targets.front();
    if (controller_in_control() == target) {
        return ok("PartitionName=compute\n");
    }
    if (controller_up(target)) {
        return error(1, "slurm_load_partitions error: Slurm backup controller in standby mode\n");
    }
    return error(1,
                 "slurm_load_partitions error: Unable to contact slurm controller (connect "
                 "failure)\n");
}

CommandResult FakeHost::rsync(const std::vector<std::string>& args) {
    changing("rsync " + fmt::format("{}", fmt::join(args, " ")));
    if (auto result = log_command("rsync", args)) {
        return *result;
    }
    return run_rsync(args);
}

CommandResult FakeHost::systemd_detect_virt(const std::vector<std::string>& args) {
    if (auto result = log_command("systemd-detect-virt", args)) {
        return *result;
    }
    return run_systemd_detect_virt(args);
}

// ---- systemctl -------------------------------------------------------------------------------

CommandResult FakeHost::start_unit(const std::string& unit, FakeService& entry) {
    if (entry.active) {
        return ok();
    }
    for (const auto& condition : entry.condition_path_exists) {
        if (node_at(resolve(condition, true)) == nullptr) {
            return ok();  // systemd skips the start: "Condition check resulted in ... skipped"
        }
    }
    bool fails = entry.fails_to_start;
    if (unit == "slurmctld") {
        // slurmctld exits at once on a host that is not in SlurmctldHost ("This host not a
        // valid controller").
        const auto controllers = configured_controllers();
        fails = fails || (controllers && std::find(controllers->begin(), controllers->end(),
                                                   short_hostname()) == controllers->end());
    }
    if (fails) {
        return error(1, "Job for " + unit +
                            ".service failed because the control process exited with error "
                            "code.\nSee \"systemctl status " +
                            unit + ".service\" and \"journalctl -xeu " + unit +
                            ".service\" for details.\n");
    }
    entry.active = true;
    if (unit == "slurmctld") {
        entry.loaded_config = slurm_config_snapshot();
    }
    return ok();
}

CommandResult FakeHost::run_systemctl(const std::vector<std::string>& args) {
    bool quiet = false;
    bool now_flag = false;
    std::string verb;
    std::vector<std::string> units;
    for (const auto& arg : args) {
        if (arg == "--quiet" || arg == "-q") {
            quiet = true;
        } else if (arg == "--now") {
            now_flag = true;
        } else if (arg.starts_with("-")) {
            continue;  // --no-block, --no-pager, --system: no effect on the model
        } else if (verb.empty()) {
            verb = arg;
        } else {
            units.push_back(unit_name(arg));
        }
    }
    if (verb == "daemon-reload") {
        // systemd loads the unit files an admin (or a charm) put in /etc/systemd/system.
        for (auto& [name, entry] : services) {
            if (entry.from_unit_file && !exists("/etc/systemd/system/" + name + ".service")) {
                entry.installed = false;
            }
        }
        for (const auto& file : list_directory("/etc/systemd/system")) {
            if (file.size() > 8 && file.ends_with(".service") &&
                status("/etc/systemd/system/" + file).type == slurmctld::host::FileType::Regular) {
                auto& entry = services[file.substr(0, file.size() - 8)];
                if (!entry.installed) {
                    entry.installed = true;
                    entry.from_unit_file = true;
                }
            }
        }
        return ok();
    }
    if (verb == "is-active" || verb == "is-enabled") {
        const bool active_check = verb == "is-active";
        bool any = false;
        std::string out;
        for (const auto& unit : units) {
            const auto found = services.find(unit);
            const bool known = found != services.end() && found->second.installed;
            const bool yes = known && (active_check ? found->second.active : found->second.enabled);
            any = any || yes;
            out += active_check ? (yes ? "active\n" : "inactive\n")
                                : (yes ? "enabled\n" : (known ? "disabled\n" : ""));
            if (!active_check && !known) {
                return error(1, "Failed to get unit file state for " + unit +
                                    ".service: No such file or directory\n");
            }
        }
        CommandResult result = ok(quiet ? "" : out);
        result.exit_code = any ? 0 : (active_check ? 3 : 1);
        return result;
    }
    static const std::set<std::string> kUnitVerbs = {"enable", "disable", "start",
                                                     "stop",   "restart", "reload"};
    if (!kUnitVerbs.contains(verb)) {
        return error(1, "Unknown command verb " + verb + ".\n");
    }
    if (units.empty()) {
        return error(1, "Too few arguments.\n");
    }
    for (const auto& unit : units) {
        auto found = services.find(unit);
        if (found == services.end() || !found->second.installed) {
            if (verb == "enable" || verb == "disable") {
                return error(1, "Failed to " + verb + " unit: Unit file " + unit +
                                    ".service does not exist.\n");
            }
            return error(5, "Failed to " + verb + " " + unit + ".service: Unit " + unit +
                                ".service " + (verb == "stop" ? "not loaded" : "not found") +
                                ".\n");
        }
        FakeService& entry = found->second;
        CommandResult result = ok();
        if (verb == "enable") {
            entry.enabled = true;
            if (now_flag) {
                ++entry.starts;
                result = start_unit(unit, entry);
            }
        } else if (verb == "disable") {
            entry.enabled = false;
            if (now_flag) {
                ++entry.stops;
                entry.active = false;
            }
        } else if (verb == "start") {
            ++entry.starts;
            result = start_unit(unit, entry);
        } else if (verb == "stop") {
            ++entry.stops;
            entry.active = false;
        } else if (verb == "restart") {
            ++entry.restarts;
            entry.active = false;
            result = start_unit(unit, entry);
        } else if (verb == "reload") {
            if (!entry.active) {
                return error(1, "Failed to reload " + unit + ".service: Unit " + unit +
                                    ".service is not active.\n");
            }
            ++entry.reloads;
        }
        if (!result.ok()) {
            return result;
        }
    }
    return ok();
}

// ---- apt-get and dpkg-query ------------------------------------------------------------------

CommandResult FakeHost::run_apt_get(const std::vector<std::string>& args) {
    std::string verb;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "-o") {
            ++i;  // -o Dpkg::Options::=...: takes a value
        } else if (args[i].starts_with("-")) {
            continue;
        } else if (verb.empty()) {
            verb = args[i];
        } else {
            names.push_back(args[i]);
        }
    }
    if (verb == "update") {
        ++apt_updates;
        if (!archive_reachable) {
            // apt-get update only warns when it cannot fetch, and exits 0.
            return {0, "Err:1 http://archive.ubuntu.com/ubuntu noble InRelease\n",
                    "W: Failed to fetch http://archive.ubuntu.com/ubuntu/dists/noble/InRelease  "
                    "Temporary failure resolving 'archive.ubuntu.com'\nW: Some index files "
                    "failed to download. They have been ignored, or old ones used instead.\n"};
        }
        return ok("Reading package lists...\n");
    }
    if (verb == "install") {
        // apt resolves the whole request first: one unknown package and nothing is installed.
        std::vector<std::string> wanted;
        std::set<std::string> seen;
        std::vector<std::string> pending(names.rbegin(), names.rend());
        while (!pending.empty()) {
            const std::string name = pending.back();
            pending.pop_back();
            if (!seen.insert(name).second) {
                continue;
            }
            const auto found = archive.find(name);
            if (found == archive.end()) {
                return error(100, "E: Unable to locate package " + name + "\n");
            }
            wanted.push_back(name);
            const auto& depends = found->second.depends;
            pending.insert(pending.end(), depends.rbegin(), depends.rend());
        }
        std::string out = "Reading package lists...\n";
        std::vector<std::string> to_install;
        for (const auto& name : wanted) {
            const auto installed = packages.find(name);
            if (installed != packages.end() && installed->second.status == "installed" &&
                installed->second.version == archive.at(name).version) {
                out +=
                    name + " is already the newest version (" + installed->second.version + ").\n";
            } else {
                to_install.push_back(name);
            }
        }
        if (!to_install.empty() && !archive_reachable) {
            return {100, out,
                    "E: Failed to fetch http://archive.ubuntu.com/ubuntu/pool/main/" +
                        to_install.front() +
                        ".deb  Temporary failure resolving "
                        "'archive.ubuntu.com'\nE: Unable to fetch some archives, maybe run "
                        "apt-get update or try with --fix-missing?\n"};
        }
        for (const auto& name : to_install) {
            install_package(name, archive.at(name).version);
            // Debian's postinst enables the package's services and tries to start them.
            for (const auto& unit : archive.at(name).units) {
                FakeService& entry = service(unit);
                entry.enabled = true;
                start_unit(unit, entry);
            }
            out += "Setting up " + name + " (" + archive.at(name).version + ") ...\n";
        }
        return ok(out);
    }
    if (verb == "remove" || verb == "purge") {
        std::string out = "Reading package lists...\n";
        for (const auto& name : names) {
            const auto installed = packages.find(name);
            if (installed == packages.end() || installed->second.status != "installed") {
                out += "Package '" + name + "' is not installed, so not removed\n";
                if (verb == "purge" && installed != packages.end()) {
                    packages.erase(installed);
                }
                continue;
            }
            if (const auto found = archive.find(name); found != archive.end()) {
                for (const auto& unit : found->second.units) {
                    FakeService& entry = service(unit);
                    entry.active = false;
                    entry.enabled = false;
                    entry.installed = false;
                }
            }
            out += "Removing " + name + " (" + installed->second.version + ") ...\n";
            if (verb == "purge") {
                packages.erase(installed);
            } else {
                installed->second.status = "config-files";
            }
        }
        return ok(out);
    }
    return error(100, "E: Invalid operation " + verb + "\n");
}

namespace {

/// dpkg-query's --showformat: ${field} and the escapes \n, \t and \\.
std::string render_package(const std::string& format, const std::string& name,
                           const InstalledPackage& package) {
    const bool installed = package.status == "installed";
    const std::map<std::string, std::string> fields = {
        {"Package", name},
        {"binary:Package", name},
        {"Version", package.version},
        {"Status", installed ? "install ok installed" : "deinstall ok " + package.status},
        {"db:Status-Abbrev", installed ? "ii " : "rc "},
        {"db:Status-Want", installed ? "install" : "deinstall"},
        {"db:Status-Status", package.status},
    };
    std::string out;
    for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] == '\\' && i + 1 < format.size()) {
            const char next = format[++i];
            out += next == 'n' ? '\n' : next == 't' ? '\t' : next;
        } else if (format.compare(i, 2, "${") == 0 && format.find('}', i) != std::string::npos) {
            const std::size_t close = format.find('}', i);
            const auto found = fields.find(format.substr(i + 2, close - i - 2));
            if (found != fields.end()) {
                out += found->second;
            }
            i = close;
        } else {
            out += format[i];
        }
    }
    return out;
}

}  // namespace

CommandResult FakeHost::run_dpkg_query(const std::vector<std::string>& args) {
    bool show = false;
    std::string format = "${binary:Package}\\t${Version}\\n";
    std::vector<std::string> names;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "-W" || arg == "--show") {
            show = true;
        } else if (arg.starts_with("-f=") || arg.starts_with("--showformat=")) {
            format = arg.substr(arg.find('=') + 1);
        } else if ((arg == "-f" || arg == "--showformat") && i + 1 < args.size()) {
            format = args[++i];
        } else if (arg.starts_with("-")) {
            return error(2, "dpkg-query: error: unknown option " + arg + "\n");
        } else {
            names.push_back(arg);
        }
    }
    if (!show) {
        return error(2, "FakeHost models only dpkg-query -W (--show)\n");
    }
    CommandResult result = ok();
    for (const auto& name : names) {
        const auto found = packages.find(name);
        if (found == packages.end()) {
            result.exit_code = 1;
            result.stderr_text += "dpkg-query: no packages found matching " + name + "\n";
            continue;
        }
        result.stdout_text += render_package(format, name, found->second);
    }
    return result;
}

// ---- scontrol --------------------------------------------------------------------------------

CommandResult FakeHost::run_scontrol(const std::vector<std::string>& args) {
    bool json = false;
    std::vector<std::string> words;
    for (const auto& arg : args) {
        if (arg == "--json") {
            json = true;
        } else if (arg == "-V" || arg == "--version") {
            return ok("slurm " + slurm.version + "\n");
        } else if (arg.starts_with("-")) {
            return error(1, "scontrol: unrecognized option '" + arg +
                                "'\nTry \"scontrol --help\" for more information\n");
        } else {
            words.push_back(arg);
        }
    }
    const SlurmVersion version = parse_slurm_version(slurm.version);
    if (json && (version.major < 23 || (version.major == 23 && version.minor < 2))) {
        // --json arrived in 23.02.
        return error(1,
                     "scontrol: unrecognized option '--json'\nTry \"scontrol --help\" for more "
                     "information\n");
    }
    const auto controllers = configured_controllers();
    if (!controllers) {
        // No slurm.conf: the client tries configless mode (a DNS SRV lookup) and gives up.
        return error(1,
                     "scontrol: error: resolve_ctls_from_dns_srv: res_nsearch error: Unknown "
                     "host\nscontrol: error: fetch_config: DNS SRV lookup failed\nscontrol: "
                     "error: _establish_config_source: failed to fetch config\nscontrol: fatal: "
                     "Could not establish a configuration source\n");
    }
    if (words.empty()) {
        return error(1, "scontrol: no command given\n");
    }
    const std::string command = lower(words.front());
    // The controller in control: the first one up in SlurmctldHost order (the model assumes a
    // backup has finished taking over once the controllers before it are down).
    std::optional<std::size_t> in_control;
    if (const auto name = controller_in_control()) {
        in_control = static_cast<std::size_t>(
            std::find(controllers->begin(), controllers->end(), *name) - controllers->begin());
    }
    const std::string unreachable = "Unable to contact slurm controller (connect failure)\n";
    if (command == "ping") {
        return scontrol_ping(*controllers, json);
    }
    if (command == "reconfigure" || command == "reconfig") {
        if (!in_control) {
            return error(1, "slurm_reconfigure error:" + unreachable);
        }
        ++slurm.reconfigures;
        if (controller_in_control() == short_hostname()) {
            service("slurmctld").loaded_config = slurm_config_snapshot();
        }
        return ok();
    }
    if (command == "update") {
        if (!in_control) {
            return error(1, "slurm_update error: " + unreachable);
        }
        slurm.updates.emplace_back(words.begin() + 1, words.end());
        return ok();
    }
    if (command == "delete") {
        // `scontrol delete nodename=<node>` (dynamic nodes).
        if (!in_control) {
            return error(1, "scontrol_delete_nodes error: " + unreachable);
        }
        const std::string prefix = "nodename=";
        if (words.size() != 2 || lower(words[1]).rfind(prefix, 0) != 0) {
            return error(1, "invalid delete request\n");
        }
        const std::string node = words[1].substr(prefix.size());
        if (slurm.nodes.erase(node) == 0) {
            return error(1, "scontrol_delete_nodes error: Invalid node name specified\n");
        }
        slurm.deleted_nodes.push_back(node);
        return ok();
    }
    if (command == "takeover") {
        if (words.size() > 2) {
            return error(1, "takeover: too many arguments\n");
        }
        const int index = words.size() == 2 ? std::atoi(words[1].c_str()) : 1;
        if (index < 1 || index >= static_cast<int>(controllers->size())) {
            return error(
                1, "takeover: invalid backup controller index (" + std::to_string(index) + ")\n");
        }
        const auto backup = static_cast<std::size_t>(index);
        if (!controller_up((*controllers)[backup])) {
            return error(1, "slurm_takeover error: " + unreachable);
        }
        // The backup asks the controller in control to shut down; that daemon exits.
        if (in_control && *in_control < backup) {
            const std::string& name = (*controllers)[*in_control];
            if (name == short_hostname()) {
                service("slurmctld").active = false;
            } else {
                slurm.remote_up[name] = false;
            }
        }
        slurm.takeovers.push_back(index);
        return ok();
    }
    return error(1, "invalid keyword: " + words.front() + "\n");
}

CommandResult FakeHost::scontrol_ping(const std::vector<std::string>& controllers, bool json) {
    const auto mode_of = [&](std::size_t index) {
        if (index == 0) {
            return std::string("primary");
        }
        if (index == 1 && controllers.size() == 2) {
            return std::string("backup");
        }
        return "backup" + std::to_string(index);
    };
    if (json) {
        const SlurmVersion version = parse_slurm_version(slurm.version);
        nlohmann::json pings = nlohmann::json::array();
        for (std::size_t i = 0; i < controllers.size(); ++i) {
            const bool up = controller_up(controllers[i]);
            pings.push_back({{"hostname", controllers[i]},
                             {"pinged", up ? "UP" : "DOWN"},
                             {"responding", up},
                             {"latency", up ? 1000 : 0},
                             {"mode", mode_of(i)},
                             {"primary", i == 0}});
        }
        const auto cluster =
            slurm_conf_values(read_file("/etc/slurm/slurm.conf").value_or(""), "clustername");
        const nlohmann::json document = {
            {"pings", pings},
            {"meta",
             {{"plugin",
               {{"type", ""},
                {"name", ""},
                {"data_parser", "data_parser/v0.0.42"},
                {"accounting_storage", ""}}},
              {"client", {{"source", ""}, {"user", "root"}, {"group", "root"}}},
              {"command", nlohmann::json::array()},
              {"slurm",
               {{"version",
                 {{"major", std::to_string(version.major)},
                  {"micro", std::to_string(version.micro)},
                  {"minor", std::to_string(version.minor)}}},
                {"release", slurm.version},
                {"cluster", cluster.empty() ? "" : cluster.front()}}}}},
            {"errors", nlohmann::json::array()},
            {"warnings", nlohmann::json::array()}};
        return ok(document.dump(2) + "\n");  // exit 0 even when every controller is down
    }
    CommandResult result = error(1, "");
    bool any_down = false;
    for (std::size_t i = 0; i < controllers.size(); ++i) {
        const bool up = controller_up(controllers[i]);
        if (up) {
            result.exit_code = 0;
        }
        any_down = any_down || !up;
        result.stdout_text += "Slurmctld(" + mode_of(i) + ") at " + controllers[i] + " is " +
                              (up ? "UP" : "DOWN") + "\n";
    }
    if (any_down) {  // printed for uid 0, which the charm is
        result.stdout_text +=
            "*****************************************\n"
            "** RESTORE SLURMCTLD DAEMON TO SERVICE **\n"
            "*****************************************\n";
    }
    return result;
}

// ---- rsync -----------------------------------------------------------------------------------

CommandResult FakeHost::run_rsync(const std::vector<std::string>& args) {
    const std::string usage_error =
        "rsync error: syntax or usage error (code 1) at main.c(1795) [client=3.2.7]\n";
    bool archive_mode = false;
    RsyncFlags flags;
    std::vector<std::string> paths;
    for (const auto& arg : args) {
        if (arg == "--archive") {
            archive_mode = true;
        } else if (arg == "--delete") {
            flags.remove_extraneous = true;
        } else if (arg == "--safe-links") {
            flags.safe_links = true;
        } else if (arg == "--one-file-system") {
            flags.one_file_system = true;
        } else if (arg.starts_with("--")) {
            return error(1, "rsync: " + arg + ": unknown option\n" + usage_error);
        } else if (arg.starts_with("-") && arg.size() > 1) {
            for (const char flag : arg.substr(1)) {
                if (flag == 'a') {
                    archive_mode = true;
                } else if (flag == 'x') {
                    flags.one_file_system = true;
                } else if (flag != 'v' && flag != 'q') {
                    return error(
                        1, "rsync: -" + std::string(1, flag) + ": unknown option\n" + usage_error);
                }
            }
        } else {
            paths.push_back(arg);
        }
    }
    if (paths.size() != 2 || !archive_mode) {
        return error(1,
                     "FakeHost models rsync --archive [--delete] [--safe-links] "
                     "[--one-file-system] SRC DST only\n" +
                         usage_error);
    }
    for (const auto& path : paths) {
        // rsync on a hung mount blocks until RealHost's time limit kills it.
        if (hung_under(resolve(path, true))) {
            pass_time(rsync_timeout);
            return error(host::kCommandTimedOut, timeout_note("rsync", rsync_timeout));
        }
    }
    const std::string& source_text = paths[0];
    const bool contents_only = source_text.ends_with("/");
    const fs::path source = resolve(source_text, contents_only);
    const FakeNode* source_node = node_at(source);
    if (source_node == nullptr) {
        return error(23, "rsync: [sender] link_stat \"" + source_text +
                             "\" failed: No such file or directory (2)\nrsync error: some "
                             "files/attrs were not transferred (see previous errors) (code 23) "
                             "at main.c(1338) [sender=3.2.7]\n");
    }
    if (contents_only && !std::holds_alternative<FakeDirectory>(*source_node)) {
        return error(23, "rsync: [sender] link_stat \"" + source_text +
                             "\" failed: Not a directory (20)\nrsync error: some files/attrs "
                             "were not transferred (see previous errors) (code 23) at "
                             "main.c(1338) [sender=3.2.7]\n");
    }
    const fs::path destination = resolve(paths[1], true);
    const FakeNode* destination_node = node_at(destination);
    const bool destination_is_directory =
        destination_node != nullptr && std::holds_alternative<FakeDirectory>(*destination_node);
    const std::string source_name = fs::path(source_text).filename().string();

    if (!std::holds_alternative<FakeDirectory>(*source_node)) {
        const fs::path target = destination_is_directory ? destination / source_name : destination;
        if (node_at(target.parent_path()) == nullptr) {
            return error(11, "rsync: [Receiver] change_dir#3 \"" + target.parent_path().string() +
                                 "\" failed: No such file or directory (2)\nrsync error: errors "
                                 "selecting input/output files, dirs (code 3) at main.c(829) "
                                 "[Receiver=3.2.7]\n");
        }
        put(target, *source_node);
        return ok();
    }
    if (destination_node == nullptr) {
        // rsync creates the destination directory itself, but not its parents.
        if (node_at(destination.parent_path()) == nullptr) {
            return error(11, "rsync: [Receiver] mkdir \"" + destination.string() +
                                 "\" failed: No such file or directory (2)\nrsync error: error in "
                                 "file IO (code 11) at main.c(791) [Receiver=3.2.7]\n");
        }
        put(destination, FakeDirectory{"root", "root", 0755, clock});
    } else if (!destination_is_directory) {
        return error(11,
                     "rsync: [Receiver] ERROR: destination must be a directory when copying "
                     "more than 1 file\nrsync error: errors selecting input/output files, "
                     "dirs (code 3) at main.c(763) [Receiver=3.2.7]\n");
    }
    rsync_tree(source, contents_only ? destination : destination / source_name, source, flags);
    return ok();
}

void FakeHost::rsync_tree(const fs::path& from, const fs::path& to, const fs::path& top,
                          const RsyncFlags& flags) {
    // The destination itself was resolved by the caller, following a symlink there as rsync
    // does; inside it, rsync replaces what is in the way and never follows a link.
    const FakeNode* existing = node_at(to);
    if (existing != nullptr && !std::holds_alternative<FakeDirectory>(*existing)) {
        erase_tree(to);
        existing = nullptr;
    }
    if (existing == nullptr) {
        put(to, FakeDirectory{"root", "root", 0700, clock});
    }
    const bool crosses_mount = flags.one_file_system && from != top && is_mount_point(from);
    std::vector<std::string> names;
    if (!crosses_mount) {
        for (const auto& name : child_names(from)) {
            const auto* link = std::get_if<FakeSymlink>(node_at(from / name));
            if (flags.safe_links && link != nullptr) {
                // --safe-links: a link that leaves the copied tree is left out.
                const fs::path target = link->target.is_absolute()
                                            ? link->target
                                            : (from / link->target).lexically_normal();
                if (link->target.is_absolute() || !host::path_below(target, top)) {
                    continue;
                }
            }
            names.push_back(name);
        }
    }
    for (const auto& name : names) {
        const FakeNode child = *node_at(from / name);
        if (std::holds_alternative<FakeDirectory>(child)) {
            rsync_tree(from / name, to / name, top, flags);
        } else {
            if (const FakeNode* old = node_at(to / name);
                old != nullptr && std::holds_alternative<FakeDirectory>(*old)) {
                erase_tree(to / name);
            }
            put(to / name, child);
        }
    }
    if (flags.remove_extraneous) {
        for (const auto& name : child_names(to)) {
            if (!std::binary_search(names.begin(), names.end(), name)) {
                erase_tree(to / name);
            }
        }
    }
    put(to, *node_at(from));  // owner, group, mode and mtime, after the children
}

// ---- systemd-detect-virt ---------------------------------------------------------------------

CommandResult FakeHost::run_systemd_detect_virt(const std::vector<std::string>& args) {
    bool quiet = false;
    std::optional<bool> container_only;
    for (const auto& arg : args) {
        if (arg == "--container" || arg == "-c") {
            container_only = true;
        } else if (arg == "--vm" || arg == "-v") {
            container_only = false;
        } else if (arg == "--quiet" || arg == "-q") {
            quiet = true;
        }
    }
    std::string answer;
    if (!container_only) {
        answer = !container.empty() ? container : virtualization;
    } else {
        answer = *container_only ? container : virtualization;
    }
    if (answer.empty()) {
        return {1, quiet ? "" : "none\n", ""};
    }
    return ok(quiet ? "" : answer + "\n");
}

}  // namespace testing_support
