#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <slurmctld/host/mounts.hpp>
#include <slurmctld/host/paths.hpp>
#include <slurmctld/host/real_host.hpp>
#include <slurmctld/util/fd.hpp>
#include <slurmctld/util/random.hpp>

namespace slurmctld::host {

namespace {

constexpr std::size_t kChunkSize = std::size_t{64} * 1024;
constexpr int kTempNameAttempts = 100;
/// Directory flags of every walk: readable (to list and fsync it), never a FIFO wait.
constexpr int kDirectoryFlags = O_RDONLY | O_DIRECTORY | O_NONBLOCK | O_CLOEXEC;
/// measure_write_latency's private directories start with this; ones older than an hour are
/// left over from a probe that was killed, and the next probe removes them.
constexpr std::string_view kProbePrefix = ".slurmctld-latency-probe";
constexpr std::chrono::hours kStaleProbeAge{1};

std::string errno_text(int error) {
    return std::generic_category().message(error);
}

[[noreturn]] void fail(const std::string& what, int error) {
    if (error == ELOOP) {
        throw HostError(what + ": the path goes through a symbolic link, which is not followed");
    }
    throw HostError(what + ": " + errno_text(error));
}

/// ENOTDIR from an O_DIRECTORY|O_NOFOLLOW open of a symlink is really "a symlink": say so.
int refined_error(int directory, const char* name, int error) {
    struct stat info {};
    if (error == ENOTDIR && ::fstatat(directory, name, &info, AT_SYMLINK_NOFOLLOW) == 0 &&
        S_ISLNK(info.st_mode)) {
        return ELOOP;
    }
    return error;
}

/// The id of a user or group by name (getpwnam_r / getgrnam_r with a buffer grown until the
/// entry fits).
template <class Entry, class Id>
Id id_of(const std::string& name, const std::string& kind,
         int (*lookup)(const char*, Entry*, char*, std::size_t, Entry**), int buffer_size_name,
         Id Entry::*id) {
    const long size = sysconf(buffer_size_name);
    std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
    Entry entry{};
    Entry* found = nullptr;
    int error = 0;
    while ((error = lookup(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) == ERANGE) {
        buffer.resize(buffer.size() * 2);
    }
    if (error != 0) {
        fail("cannot look up " + kind + " '" + name + "'", error);
    }
    if (found == nullptr) {
        throw HostError("no such " + kind + ": '" + name + "'");
    }
    return entry.*id;
}

uid_t user_id(const std::string& name) {
    return id_of(name, "user", getpwnam_r, _SC_GETPW_R_SIZE_MAX, &passwd::pw_uid);
}

gid_t group_id(const std::string& name) {
    return id_of(name, "group", getgrnam_r, _SC_GETGR_R_SIZE_MAX, &group::gr_gid);
}

struct Ownership {
    uid_t uid;
    gid_t gid;
};

Ownership ownership_of(const FileAttributes& attributes, const std::string& what) {
    try {
        return {user_id(attributes.owner), group_id(attributes.group)};
    } catch (const HostError& error) {
        throw HostError(what + ": " + error.what());
    }
}

/// ".<name>.tmp-Ab3xYz": hidden (so globs such as slurm.conf.* never match it) and random
/// (so two writers never share one).
std::string temp_name_for(const std::string& name) {
    return "." + name + ".tmp-" + util::random_alphanumeric(6);
}

FileType file_type_of(mode_t mode) {
    if (S_ISREG(mode)) {
        return FileType::Regular;
    }
    if (S_ISDIR(mode)) {
        return FileType::Directory;
    }
    if (S_ISLNK(mode)) {
        return FileType::Symlink;
    }
    return FileType::Other;
}

std::chrono::system_clock::time_point to_time_point(const timespec& time) {
    return std::chrono::system_clock::time_point(
        std::chrono::duration_cast<std::chrono::system_clock::duration>(
            std::chrono::seconds(time.tv_sec) + std::chrono::nanoseconds(time.tv_nsec)));
}

FileStatus status_of(const struct stat& info) {
    FileStatus result;
    result.type = file_type_of(info.st_mode);
    result.mode = info.st_mode & 07777;
    result.uid = info.st_uid;
    result.gid = info.st_gid;
    result.size = static_cast<std::uintmax_t>(info.st_size);
    result.mtime = to_time_point(info.st_mtim);
    return result;
}

util::UniqueFd open_child_directory(int directory, const std::string& name,
                                    const std::string& what) {
    util::UniqueFd fd(::openat(directory, name.c_str(), kDirectoryFlags | O_NOFOLLOW));
    if (!fd) {
        fail(what, refined_error(directory, name.c_str(), errno));
    }
    return fd;
}

std::optional<std::string> read_link_at(int directory, const std::string& name,
                                        const std::string& what) {
    char buffer[PATH_MAX];
    const ssize_t length = ::readlinkat(directory, name.c_str(), buffer, sizeof buffer);
    if (length < 0) {
        if (errno == EINVAL || errno == ENOENT || errno == ENOTDIR) {
            return std::nullopt;
        }
        fail(what, errno);
    }
    if (static_cast<std::size_t>(length) == sizeof buffer) {
        fail(what, ENAMETOOLONG);
    }
    return std::string(buffer, static_cast<std::size_t>(length));
}

/// Creates a symlink to `target` under a fresh temp name in `directory`; returns the name.
std::string create_temp_symlink(int directory, const std::string& name, const fs::path& target,
                                const std::string& what) {
    for (int attempt = 0; attempt < kTempNameAttempts; ++attempt) {
        std::string temp_name = temp_name_for(name);
        if (::symlinkat(target.c_str(), directory, temp_name.c_str()) == 0) {
            return temp_name;
        }
        if (errno != EEXIST) {
            fail(what, errno);
        }
    }
    fail(what, EEXIST);
}

// ---- the probes run in a forked child: system calls only, no allocation --------------------

/// The first bytes a probe child sends: how it ended and, on failure, where and why.
struct ProbeReport {
    char kind = 'E';  ///< 'O' ok, 'E' error
    int step = 0;
    int error = 0;
};

enum ProbeStep : int {
    kStepOpenDirectory = 1,
    kStepCreatePrivate,
    kStepCreateSample,
    kStepWriteSample,
    kStepRenameSample,
    kStepSyncDirectory,
    kStepCleanUp,
    kStepRead,
};

const char* probe_step_name(int step) {
    switch (step) {
        case kStepOpenDirectory:
            return "open";
        case kStepCreatePrivate:
            return "create its private directory";
        case kStepCreateSample:
            return "create a sample file";
        case kStepWriteSample:
            return "write and sync a sample file";
        case kStepRenameSample:
            return "rename a sample file";
        case kStepSyncDirectory:
            return "sync the directory";
        case kStepCleanUp:
            return "remove its private directory";
        default:
            return "read";
    }
}

int report_failure(int out, int step) {
    ProbeReport report;
    report.step = step;
    report.error = errno;
    util::write_fully(out, &report, sizeof report);
    return 1;
}

/// Opens a prepared path from "/" (absolute) or the working directory, in the child.
int open_prepared(const util::PreparedPath& path, bool absolute, int flags) {
    if (!absolute) {
        return path.open(AT_FDCWD, flags);
    }
    const int root = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root < 0) {
        return -1;
    }
    const int fd = path.open(root, flags);
    const int error = errno;
    ::close(root);
    errno = error;
    return fd;
}

std::int64_t elapsed_us(const timespec& start, const timespec& end) {
    return (static_cast<std::int64_t>(end.tv_sec) - start.tv_sec) * 1000000 +
           (end.tv_nsec - start.tv_nsec) / 1000;
}

Failure probe_failure(const std::string& what, const util::ChildResult& child,
                      std::chrono::milliseconds limit, ProbeReport& report) {
    if (child.timed_out) {
        return Failure{what + ": no answer within " + std::to_string(limit.count()) +
                       " ms (is the file system hung?)"};
    }
    if (child.output.size() < sizeof report) {
        return Failure{what + ": the probe ended without an answer (exit code " +
                       std::to_string(child.exit_code) + ")"};
    }
    std::memcpy(&report, child.output.data(), sizeof report);
    if (report.kind == 'O') {
        return Failure{};
    }
    const std::string reason = report.error == ELOOP
                                   ? "the path goes through a symbolic link, which is not followed"
                                   : errno_text(report.error);
    return Failure{what + ": cannot " + probe_step_name(report.step) + ": " + reason};
}

}  // namespace

RealHost::RealHost(RealHostOptions options) : options_(std::move(options)) {
}

// ---- resolving paths ---------------------------------------------------------------------

fs::path RealHost::through_trusted_links(const fs::path& path, bool follow_last) {
    fs::path normal = normalized_path(path);
    for (const auto& [link, trusted_target] : options_.trusted_links) {
        const auto rest = path_below(normal, link);
        if (!rest || (rest->empty() && !follow_last) || !link.has_filename()) {
            continue;
        }
        const std::string what = "cannot use " + path.string();
        util::UniqueFd directory = open_path(link.parent_path(), O_PATH | O_DIRECTORY);
        if (!directory) {
            if (errno == ENOENT || errno == ENOTDIR) {
                return normal;
            }
            fail(what, errno);
        }
        const auto target = read_link_at(directory.get(), link.filename().string(), what);
        if (!target) {
            return normal;  // not a link (yet): a real directory is used as it is
        }
        if (link_destination(link, *target) != normalized_path(trusted_target)) {
            throw HostError(what + ": " + link.string() + " points at " + *target +
                            ", not at its trusted target " + trusted_target.string());
        }
        return rest->empty() ? normalized_path(trusted_target)
                             : normalized_path(trusted_target) / *rest;
    }
    return normal;
}

util::UniqueFd RealHost::open_path(const fs::path& path, int flags) {
    if (!path.is_absolute()) {
        return util::open_beneath(AT_FDCWD, path, flags);
    }
    util::UniqueFd root(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!root) {
        return root;
    }
    return util::open_beneath(root.get(), path.relative_path(), flags);
}

std::optional<RealHost::Location> RealHost::locate(const fs::path& path, const std::string& what,
                                                   bool follow_last) {
    const fs::path resolved = through_trusted_links(path, follow_last);
    const std::string name = resolved.filename().string();
    if (!util::is_single_component(name)) {
        throw HostError(what + ": not a file name");
    }
    const fs::path directory = resolved.has_parent_path() ? resolved.parent_path() : ".";
    util::UniqueFd fd = open_path(directory, kDirectoryFlags);
    if (!fd) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return std::nullopt;
        }
        fail(what, errno);
    }
    return Location{std::move(fd), name};
}

RealHost::Location RealHost::locate_existing(const fs::path& path, const std::string& what,
                                             bool follow_last) {
    auto location = locate(path, what, follow_last);
    if (!location) {
        fail(what, ENOENT);
    }
    return std::move(*location);
}

// ---- files -------------------------------------------------------------------------------

FileStatus RealHost::status(const fs::path& path) {
    const std::string what = "cannot stat " + path.string();
    struct stat info {};
    if (normalized_path(path) == path.root_path() && path.is_absolute()) {
        if (::stat("/", &info) != 0) {
            fail(what, errno);
        }
        return status_of(info);
    }
    const auto location = locate(path, what, false);
    if (!location) {
        return {};
    }
    if (::fstatat(location->directory.get(), location->name.c_str(), &info, AT_SYMLINK_NOFOLLOW) !=
        0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return {};
        }
        fail(what, errno);
    }
    return status_of(info);
}

std::optional<std::string> RealHost::read_file(const fs::path& path) {
    const std::string what = "cannot read " + path.string();
    const auto location = locate(path, what, true);
    if (!location) {
        return std::nullopt;
    }
    try {
        return util::read_regular_file_at(location->directory.get(), location->name, path.string(),
                                          options_.max_read_size);
    } catch (const util::FileError& error) {
        throw HostError(error.what());
    }
}

void RealHost::write_file(const fs::path& path, std::string_view content,
                          const FileAttributes& attributes) {
    const std::string what = "cannot write " + path.string();
    if (!util::is_single_component(path.filename().string())) {
        throw HostError(what + ": not a file name");
    }
    const Ownership owner = ownership_of(attributes, what);
    const Location location = locate_existing(path, what, false);
    const fs::path shown_directory = path.has_parent_path() ? path.parent_path() : ".";
    util::AtomicWriteOptions write;
    write.mode = attributes.mode;
    write.owner = owner.uid;
    write.group = owner.gid;
    if (options_.on_write_step) {
        write.on_step = [&](WriteStep step, const std::string& temp_name) {
            options_.on_write_step(step, shown_directory / temp_name);
        };
    }
    try {
        util::write_file_atomic_at(location.directory.get(), location.name, content, write,
                                   path.string());
    } catch (const util::FileError& error) {
        throw HostError(error.what());
    }
}

void RealHost::make_directories(const fs::path& path, const FileAttributes& attributes) {
    const std::string what = "cannot create directory " + path.string();
    const Ownership owner = ownership_of(attributes, what);
    const fs::path resolved = through_trusted_links(path, true);
    std::vector<std::string> components;
    for (const auto& component : resolved.relative_path()) {
        const std::string name = component.string();
        if (name == "..") {
            fail(what, EXDEV);
        }
        if (!name.empty() && name != ".") {
            components.push_back(name);
        }
    }
    util::UniqueFd current(::open(resolved.is_absolute() ? "/" : ".", kDirectoryFlags));
    if (!current) {
        fail(what, errno);
    }
    for (std::size_t i = 0; i < components.size(); ++i) {
        const char* name = components[i].c_str();
        // 0700 until the mode is set on the opened directory: never briefly open to others.
        const bool created = ::mkdirat(current.get(), name, 0700) == 0;
        if (!created && errno != EEXIST) {
            fail(what, errno);
        }
        util::UniqueFd next = open_child_directory(current.get(), components[i], what);
        if (i + 1 == components.size()) {
            if (::fchown(next.get(), owner.uid, owner.gid) != 0 ||
                ::fchmod(next.get(), attributes.mode & 07777) != 0) {
                fail(what, errno);
            }
        } else if (created && ::fchmod(next.get(), 0755) != 0) {
            fail(what, errno);  // parents are 0755 whatever the umask
        }
        current = std::move(next);
    }
}

void RealHost::create_directory(const fs::path& path, const FileAttributes& attributes) {
    const std::string what = "cannot create directory " + path.string();
    const Ownership owner = ownership_of(attributes, what);
    const Location location = locate_existing(path, what, false);
    if (::mkdirat(location.directory.get(), location.name.c_str(), 0700) != 0) {
        fail(what, errno);
    }
    const util::UniqueFd created =
        open_child_directory(location.directory.get(), location.name, what);
    if (::fchown(created.get(), owner.uid, owner.gid) != 0 ||
        ::fchmod(created.get(), attributes.mode & 07777) != 0) {
        fail(what, errno);
    }
    util::sync_directory(location.directory.get(), path.parent_path().string());
}

void RealHost::remove_file(const fs::path& path) {
    const std::string what = "cannot remove " + path.string();
    const auto location = locate(path, what, false);
    if (location && ::unlinkat(location->directory.get(), location->name.c_str(), 0) != 0 &&
        errno != ENOENT) {
        fail(what, errno);
    }
}

void RealHost::remove_tree(const fs::path& path) {
    const std::string what = "cannot remove " + path.string();
    const auto location = locate(path, what, false);
    if (!location) {
        return;
    }
    try {
        util::remove_tree_at(location->directory.get(), location->name, path.string());
    } catch (const util::FileError& error) {
        throw HostError(error.what());
    }
}

void RealHost::rename(const fs::path& from, const fs::path& to) {
    const std::string what = "cannot rename " + from.string() + " to " + to.string();
    const Location source = locate_existing(from, what, false);
    const Location target = locate_existing(to, what, false);
    if (::renameat(source.directory.get(), source.name.c_str(), target.directory.get(),
                   target.name.c_str()) != 0) {
        fail(what, errno);
    }
}

std::vector<std::string> RealHost::list_directory(const fs::path& path) {
    const std::string what = "cannot list " + path.string();
    const util::UniqueFd directory = open_path(through_trusted_links(path, true), kDirectoryFlags);
    if (!directory) {
        if (errno == ENOENT) {
            return {};
        }
        fail(what, errno);
    }
    try {
        return util::list_directory_fd(directory.get(), path.string());
    } catch (const util::FileError& error) {
        throw HostError(error.what());
    }
}

std::optional<fs::path> RealHost::read_symlink(const fs::path& path) {
    const std::string what = "cannot read symlink " + path.string();
    if (!normalized_path(path).has_filename()) {
        return std::nullopt;  // "/"
    }
    const auto location = locate(path, what, false);
    if (!location) {
        return std::nullopt;
    }
    return read_link_at(location->directory.get(), location->name, what);
}

void RealHost::replace_with_symlink(const fs::path& link, const fs::path& target) {
    const std::string what = "cannot point " + link.string() + " at " + target.string();
    if (!util::is_single_component(link.filename().string())) {
        throw HostError("cannot create symlink " + link.string() + ": not a file name");
    }
    const Location location = locate_existing(link, what, false);
    struct stat info {};
    if (::fstatat(location.directory.get(), location.name.c_str(), &info, AT_SYMLINK_NOFOLLOW) ==
            0 &&
        S_ISDIR(info.st_mode)) {
        throw HostError(what + ": it is a directory (move it away first)");
    }
    const std::string temp_name =
        create_temp_symlink(location.directory.get(), location.name, target, what);
    // rename(2) swaps the link in one step; it also refuses (EISDIR) if a directory appeared
    // at `link` since the check above.
    if (::renameat(location.directory.get(), temp_name.c_str(), location.directory.get(),
                   location.name.c_str()) != 0) {
        const int error = errno;
        ::unlinkat(location.directory.get(), temp_name.c_str(), 0);
        fail(what, error);
    }
    util::sync_directory(location.directory.get(), link.parent_path().string());
}

void RealHost::swap_directory_for_symlink(const fs::path& directory, const fs::path& target,
                                          const fs::path& backup) {
    const std::string what =
        "cannot replace " + directory.string() + " with a symlink to " + target.string();
    require_swappable(*this, directory, backup, what);
    const Location location = locate_existing(directory, what, false);
    const Location backup_location = locate_existing(backup, what, false);
    const int parent = location.directory.get();
    const std::string temp_name = create_temp_symlink(parent, location.name, target, what);
    // After the exchange `name` is the symlink and `temp_name` the old directory.
    if (::renameat2(parent, temp_name.c_str(), parent, location.name.c_str(), RENAME_EXCHANGE) !=
        0) {
        const int error = errno;
        ::unlinkat(parent, temp_name.c_str(), 0);
        if (error != EXDEV && error != EINVAL) {
            fail(what, error);
        }
        // The file system cannot exchange (or move) this directory (overlayfs without
        // redirect_dir, some network file systems): copy it aside, then replace it, as
        // Python's shutil.move does. Not atomic, but never leaves the data behind.
        copy_tree(directory, backup);
        try {
            remove_tree(directory);
        } catch (const HostError& removed) {
            throw HostError(std::string(removed.what()) + " (the copy is at " + backup.string() +
                            ")");
        }
        replace_with_symlink(directory, target);
        return;
    }
    if (::renameat(parent, temp_name.c_str(), backup_location.directory.get(),
                   backup_location.name.c_str()) != 0) {
        fail(what + ": the old directory is left at " +
                 (directory.parent_path() / temp_name).string(),
             errno);
    }
    util::sync_directory(parent, directory.parent_path().string());
    util::sync_directory(backup_location.directory.get(), backup.parent_path().string());
}

/// Copies one entry (and, for a directory, everything below it) to `to_name`, which must not
/// exist. Owner, group, mode and times are set last, after the content and the children:
/// creating a child changes a directory's mtime, and chown clears set-id bits that chmod then
/// restores. Symlinks are copied as symlinks; nothing is followed.
void RealHost::copy_entry(int from_directory, const std::string& from_name, int to_directory,
                          const std::string& to_name, const std::string& what) {
    struct stat source {};
    if (::fstatat(from_directory, from_name.c_str(), &source, AT_SYMLINK_NOFOLLOW) != 0) {
        fail(what, errno);
    }
    const timespec times[2] = {source.st_atim, source.st_mtim};
    const mode_t permissions = source.st_mode & 07777;

    if (S_ISDIR(source.st_mode)) {
        if (::mkdirat(to_directory, to_name.c_str(), 0700) != 0) {
            fail(what, errno);
        }
        const util::UniqueFd input = open_child_directory(from_directory, from_name, what);
        const util::UniqueFd output = open_child_directory(to_directory, to_name, what);
        std::vector<std::string> names;
        try {
            names = util::list_directory_fd(input.get(), from_name);
        } catch (const util::FileError& error) {
            throw HostError(what + ": " + error.what());
        }
        for (const auto& name : names) {
            copy_entry(input.get(), name, output.get(), name, what);
        }
        if (::fchown(output.get(), source.st_uid, source.st_gid) != 0 ||
            ::fchmod(output.get(), permissions) != 0 || ::futimens(output.get(), times) != 0) {
            fail(what, errno);
        }
        util::sync_directory(output.get(), to_name);
        return;
    }
    if (S_ISREG(source.st_mode)) {
        const util::UniqueFd input(::openat(from_directory, from_name.c_str(),
                                            O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        struct stat opened {};
        if (!input || ::fstat(input.get(), &opened) != 0) {
            fail(what, errno);
        }
        if (!S_ISREG(opened.st_mode)) {
            throw HostError(what + ": " + from_name + " changed while it was copied");
        }
        util::UniqueFd output(::openat(to_directory, to_name.c_str(),
                                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!output) {
            fail(what, errno);
        }
        std::vector<char> buffer(kChunkSize);
        try {
            for (;;) {
                const ssize_t count = ::read(input.get(), buffer.data(), buffer.size());
                if (count < 0 && errno == EINTR) {
                    continue;
                }
                if (count < 0) {
                    fail(what, errno);
                }
                if (count == 0) {
                    break;
                }
                util::write_all(output.get(),
                                std::string_view(buffer.data(), static_cast<std::size_t>(count)),
                                to_name);
            }
        } catch (const util::FileError& error) {
            throw HostError(what + ": " + error.what());
        }
        if (::fchown(output.get(), source.st_uid, source.st_gid) != 0 ||
            ::fchmod(output.get(), permissions) != 0 || ::futimens(output.get(), times) != 0 ||
            ::fsync(output.get()) != 0) {
            fail(what, errno);
        }
        if (const int error = output.close_checked(); error != 0) {
            fail(what, error);
        }
        return;
    }
    if (S_ISLNK(source.st_mode)) {
        const auto target = read_link_at(from_directory, from_name, what);
        if (!target) {
            fail(what, ENOENT);
        }
        if (::symlinkat(target->c_str(), to_directory, to_name.c_str()) != 0 ||
            ::fchownat(to_directory, to_name.c_str(), source.st_uid, source.st_gid,
                       AT_SYMLINK_NOFOLLOW) != 0 ||
            ::utimensat(to_directory, to_name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
            fail(what, errno);
        }
        return;
    }
    // FIFOs, sockets and device nodes: recreated as cp -a does (never opened).
    if (::mknodat(to_directory, to_name.c_str(), source.st_mode, source.st_rdev) != 0 ||
        ::fchownat(to_directory, to_name.c_str(), source.st_uid, source.st_gid,
                   AT_SYMLINK_NOFOLLOW) != 0 ||
        ::fchmodat(to_directory, to_name.c_str(), permissions, 0) != 0 ||
        ::utimensat(to_directory, to_name.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        fail(what, errno);
    }
}

void RealHost::copy_tree(const fs::path& from, const fs::path& to) {
    const std::string what = "cannot copy " + from.string() + " to " + to.string();
    if (!util::is_single_component(to.filename().string())) {
        throw HostError("cannot copy to " + to.string() + ": not a file name");
    }
    const Location source = locate_existing(from, what, true);
    struct stat info {};
    if (::fstatat(source.directory.get(), source.name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
        fail(what, errno);
    }
    if (S_ISLNK(info.st_mode)) {
        fail(what, ELOOP);
    }
    const Location target = locate_existing(to, what, false);
    const int directory = target.directory.get();
    if (::fstatat(directory, target.name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0) {
        fail(what, EEXIST);
    }
    std::string temp_name;
    for (int attempt = 0; attempt < kTempNameAttempts; ++attempt) {
        temp_name = temp_name_for(target.name);
        if (::fstatat(directory, temp_name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
            break;
        }
    }
    try {
        copy_entry(source.directory.get(), source.name, directory, temp_name, what);
        if (::renameat(directory, temp_name.c_str(), directory, target.name.c_str()) != 0) {
            fail(what, errno);
        }
    } catch (...) {
        try {
            util::remove_tree_at(directory, temp_name, temp_name);
        } catch (const util::FileError&) {
            // the copy's own error is the one to report
        }
        throw;
    }
    util::sync_directory(directory, to.parent_path().string());
}

Expected<RealHost::ProbeTarget> RealHost::probe_target(const fs::path& path,
                                                       const std::string& what) {
    try {
        fs::path resolved = through_trusted_links(path, true);
        util::PreparedPath prepared(resolved.relative_path());
        return ProbeTarget{std::move(resolved), std::move(prepared)};
    } catch (const std::exception& error) {
        return Failure{what + ": " + error.what()};
    }
}

Expected<std::vector<std::chrono::microseconds>> RealHost::measure_write_latency(
    const fs::path& directory, int samples) {
    const std::string what = "cannot measure write latency in " + directory.string();
    const auto count = static_cast<std::size_t>(std::max(samples, 0));
    auto target = probe_target(directory, what);
    if (!target) {
        return target.error();
    }
    // Everything the child needs is made here: it only makes system calls.
    const fs::path& resolved = target.value().resolved;
    const util::PreparedPath& prepared = target.value().prepared;
    const bool absolute = resolved.is_absolute();
    const std::string private_name =
        std::string(kProbePrefix) + "-" + util::random_alphanumeric(12);
    const std::string payload(4096, 'x');  // about one small Slurm state file
    std::vector<std::int64_t> latencies(count);
    const auto probe = [&](int out) -> int {
        if (options_.in_probe_child) {
            options_.in_probe_child();
        }
        const int parent = open_prepared(prepared, absolute, kDirectoryFlags);
        if (parent < 0) {
            return report_failure(out, kStepOpenDirectory);
        }
        // A directory of its own, made exclusively: probes of other units never meet its
        // files, and a link planted in it cannot be there before it exists.
        if (::mkdirat(parent, private_name.c_str(), 0700) != 0) {
            return report_failure(out, kStepCreatePrivate);
        }
        const int own = ::openat(parent, private_name.c_str(), kDirectoryFlags | O_NOFOLLOW);
        if (own < 0) {
            return report_failure(out, kStepCreatePrivate);
        }
        int failed_step = 0;
        for (std::size_t i = 0; i < count && failed_step == 0; ++i) {
            timespec start{};
            timespec end{};
            ::clock_gettime(CLOCK_MONOTONIC, &start);
            const int file = ::openat(own, "sample.new",
                                      O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
            if (file < 0) {
                failed_step = kStepCreateSample;
                break;
            }
            const bool written = util::write_fully(file, payload.data(), payload.size()) &&
                                 ::fsync(file) == 0 && ::close(file) == 0;
            if (!written) {
                failed_step = kStepWriteSample;
            } else if (::renameat(own, "sample.new", own, "sample") != 0) {
                failed_step = kStepRenameSample;
            } else if (::fsync(own) != 0 && errno != EINVAL) {
                failed_step = kStepSyncDirectory;
            }
            ::clock_gettime(CLOCK_MONOTONIC, &end);
            latencies[i] = elapsed_us(start, end);
        }
        const int error = errno;
        ::unlinkat(own, "sample.new", 0);
        ::unlinkat(own, "sample", 0);
        ::close(own);
        if (::unlinkat(parent, private_name.c_str(), AT_REMOVEDIR) != 0 && failed_step == 0) {
            return report_failure(out, kStepCleanUp);
        }
        if (failed_step != 0) {
            errno = error;
            return report_failure(out, failed_step);
        }
        ProbeReport report;
        report.kind = 'O';
        return util::write_fully(out, &report, sizeof report) &&
                       util::write_fully(out, latencies.data(),
                                         latencies.size() * sizeof(std::int64_t))
                   ? 0
                   : 1;
    };
    util::ChildResult child;
    try {
        child = util::run_in_child(probe, options_.latency_probe_timeout);
    } catch (const std::system_error& error) {
        return Failure{what + ": " + error.what()};
    }
    ProbeReport report;
    Failure failure = probe_failure(what, child, options_.latency_probe_timeout, report);
    if (report.kind != 'O') {
        return failure;
    }
    if (child.output.size() != sizeof report + count * sizeof(std::int64_t)) {
        return Failure{what + ": the probe's answer is incomplete"};
    }
    std::memcpy(latencies.data(), child.output.data() + sizeof report,
                count * sizeof(std::int64_t));
    std::vector<std::chrono::microseconds> result;
    result.reserve(count);
    for (const auto latency : latencies) {
        result.emplace_back(latency);
    }
    remove_stale_probes(resolved);
    return result;
}

void RealHost::remove_stale_probes(const fs::path& directory) {
    // The file system just answered the probe; anything failing here is left for next time.
    try {
        const util::UniqueFd fd = open_path(directory, kDirectoryFlags);
        if (!fd) {
            return;
        }
        const auto cutoff = std::chrono::system_clock::now() - kStaleProbeAge;
        for (const auto& name : util::list_directory_fd(fd.get(), directory.string())) {
            struct stat info {};
            if (name.starts_with(kProbePrefix) &&
                ::fstatat(fd.get(), name.c_str(), &info, AT_SYMLINK_NOFOLLOW) == 0 &&
                to_time_point(info.st_mtim) < cutoff) {
                util::remove_tree_at(fd.get(), name, (directory / name).string());
            }
        }
    } catch (const std::exception&) {
    }
}

Expected<void> RealHost::check_responsive(const fs::path& path, std::chrono::milliseconds timeout) {
    const std::string what = path.string() + " is not usable";
    auto target = probe_target(path, what);
    if (!target) {
        return target.error();
    }
    const util::PreparedPath& prepared = target.value().prepared;
    const bool absolute = target.value().resolved.is_absolute();
    const auto check = [&](int out) -> int {
        if (options_.in_probe_child) {
            options_.in_probe_child();
        }
        const int fd = open_prepared(prepared, absolute, O_RDONLY | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
            return report_failure(out, kStepOpenDirectory);
        }
        struct stat info {};
        char buffer[4096];
        if (::fstat(fd, &info) != 0 ||
            (S_ISDIR(info.st_mode) && ::syscall(SYS_getdents64, fd, buffer, sizeof buffer) < 0) ||
            (S_ISREG(info.st_mode) && ::read(fd, buffer, sizeof buffer) < 0)) {
            return report_failure(out, kStepRead);
        }
        ProbeReport report;
        report.kind = 'O';
        return util::write_fully(out, &report, sizeof report) ? 0 : 1;
    };
    util::ChildResult child;
    try {
        child = util::run_in_child(check, timeout);
    } catch (const std::system_error& error) {
        return Failure{what + ": " + error.what()};
    }
    if (child.timed_out) {
        return Failure{path.string() + " did not answer within " + std::to_string(timeout.count()) +
                       " ms (is the file system hung?)"};
    }
    ProbeReport report;
    Failure failure = probe_failure(what, child, timeout, report);
    if (report.kind != 'O') {
        return failure;
    }
    return outcome::success();
}

std::vector<MountInfo> RealHost::mounts() {
    // /proc/self is a symlink the kernel owns: this one path is trusted as it is.
    std::optional<std::string> text;
    try {
        text = util::read_regular_file(options_.mountinfo_path);
    } catch (const util::FileError& error) {
        throw HostError(error.what());
    }
    if (!text) {
        fail("cannot read " + options_.mountinfo_path.string(), ENOENT);
    }
    return parse_mountinfo(*text);
}

std::string RealHost::short_hostname() {
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof(name) - 1) != 0) {
        fail("cannot read the host name", errno);
    }
    const std::string hostname(name);
    return hostname.substr(0, hostname.find('.'));
}

}  // namespace slurmctld::host
