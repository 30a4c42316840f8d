#include <algorithm>
#include <cerrno>
#include <system_error>

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <slurmctld/util/fd.hpp>
#include <slurmctld/util/files.hpp>
#include <slurmctld/util/random.hpp>

namespace slurmctld::util {

namespace {

constexpr std::size_t kChunkSize = std::size_t{64} * 1024;
constexpr int kTempNameAttempts = 100;
/// remove_tree_at refuses deeper trees: each level holds a descriptor.
constexpr int kMaxTreeDepth = 256;

std::string errno_text(int error) {
    return std::generic_category().message(error);
}

[[noreturn]] void fail(const std::string& what, int error) {
    throw FileError(what + ": " + errno_text(error), error);
}

bool is_symlink_at(int dir_fd, const char* name) {
    struct stat info {};
    return ::fstatat(dir_fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(info.st_mode);
}

/// openat2(2) through syscall(2): glibc 2.36 has no wrapper.
int openat2_call(int dir_fd, const char* path, int flags, mode_t mode) {
    open_how how{};
    how.flags = static_cast<std::uint64_t>(flags) | O_CLOEXEC;
    how.mode = (flags & (O_CREAT | O_TMPFILE)) != 0 ? mode : 0;
    how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH;
    for (int attempt = 0;; ++attempt) {
        const long fd = ::syscall(SYS_openat2, dir_fd, path, &how, sizeof how);
        // EAGAIN: a concurrent rename made the kernel unsure; it asks for a retry.
        if (fd >= 0 || errno != EAGAIN || attempt == 8) {
            return static_cast<int>(fd);
        }
    }
}

int walk_open(int dir_fd, const std::vector<std::string>& components, int flags, mode_t mode) {
    UniqueFd holder;
    int current = dir_fd;
    for (std::size_t i = 0; i + 1 < components.size(); ++i) {
        const char* name = components[i].c_str();
        const int next = ::openat(current, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (next < 0) {
            if (errno == ENOTDIR && is_symlink_at(current, name)) {
                errno = ELOOP;
            }
            return -1;
        }
        holder.reset(next);
        current = next;
    }
    const char* last = components.back().c_str();
    const int fd = ::openat(current, last, flags | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        if (errno == ENOTDIR && is_symlink_at(current, last)) {
            errno = ELOOP;
        }
        return -1;
    }
    if ((flags & O_PATH) != 0 && (flags & O_NOFOLLOW) == 0) {
        // O_PATH|O_NOFOLLOW opened the link itself; the caller did not ask for that.
        struct stat info {};
        if (::fstat(fd, &info) == 0 && S_ISLNK(info.st_mode)) {
            ::close(fd);
            errno = ELOOP;
            return -1;
        }
    }
    return fd;
}

std::string temp_name_for(const std::string& name) {
    // Hidden (globs such as slurm.conf.* never match it) and random (writers never share one).
    return "." + name + ".tmp-" + random_alphanumeric(6);
}

}  // namespace

bool is_single_component(std::string_view name) {
    return !name.empty() && name != "." && name != ".." &&
           name.find('/') == std::string_view::npos && name.find('\0') == std::string_view::npos;
}

std::string file_type_name(mode_t mode) {
    switch (mode & S_IFMT) {
        case S_IFREG:
            return "a regular file";
        case S_IFDIR:
            return "a directory";
        case S_IFLNK:
            return "a symbolic link";
        case S_IFIFO:
            return "a FIFO";
        case S_IFSOCK:
            return "a socket";
        case S_IFCHR:
            return "a character device";
        case S_IFBLK:
            return "a block device";
        default:
            return "a file of unknown type";
    }
}

std::string read_to_end(int fd, const std::string& shown, std::size_t max_bytes) {
    const std::string what = "cannot read " + shown;
    std::string content;
    std::vector<char> buffer(kChunkSize);
    for (;;) {
        const ssize_t count = ::read(fd, buffer.data(), buffer.size());
        if (count < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail(what, errno);
        }
        if (count == 0) {
            return content;
        }
        if (content.size() + static_cast<std::size_t>(count) > max_bytes) {
            throw FileError(what + ": larger than " + std::to_string(max_bytes) + " bytes", EFBIG);
        }
        content.append(buffer.data(), static_cast<std::size_t>(count));
    }
}

namespace {

std::optional<std::string> read_regular_file_with(int dir_fd, const std::string& name,
                                                  const std::string& shown, std::size_t max_bytes,
                                                  int link_flags) {
    const std::string what = "cannot read " + shown;
    UniqueFd fd(
        ::openat(dir_fd, name.c_str(), O_RDONLY | link_flags | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
    if (!fd) {
        const int error = errno;
        if (error == ENOENT || error == ENOTDIR) {
            return std::nullopt;
        }
        if (error == ELOOP) {
            throw FileError(what + ": it is a symbolic link, which is not followed", error);
        }
        fail(what, error);
    }
    struct stat info {};
    if (::fstat(fd.get(), &info) != 0) {
        fail(what, errno);
    }
    if (!S_ISREG(info.st_mode)) {
        throw FileError(what + ": it is " + file_type_name(info.st_mode) + ", not a regular file",
                        0);
    }
    if (static_cast<std::uintmax_t>(info.st_size) > max_bytes) {
        throw FileError(what + ": larger than " + std::to_string(max_bytes) + " bytes", EFBIG);
    }
    return read_to_end(fd.get(), shown, max_bytes);
}

}  // namespace

std::optional<std::string> read_regular_file_at(int dir_fd, const std::string& name,
                                                const std::string& shown, std::size_t max_bytes) {
    return read_regular_file_with(dir_fd, name, shown, max_bytes, O_NOFOLLOW);
}

std::optional<std::string> read_regular_file(const fs::path& path, std::size_t max_bytes) {
    return read_regular_file_at(AT_FDCWD, path.string(), path.string(), max_bytes);
}

std::optional<std::string> read_regular_file_following(const fs::path& path,
                                                       std::size_t max_bytes) {
    return read_regular_file_with(AT_FDCWD, path.string(), path.string(), max_bytes, 0);
}

void write_all(int fd, std::string_view data, const std::string& shown,
               const std::function<void()>& after_first_chunk) {
    const std::string what = "cannot write " + shown;
    bool first = true;
    while (!data.empty() || first) {
        const std::size_t chunk = std::min(data.size(), kChunkSize);
        if (!write_fully(fd, data.data(), chunk)) {
            fail(what, errno);
        }
        data.remove_prefix(chunk);
        if (first && after_first_chunk) {
            after_first_chunk();
        }
        first = false;
    }
}

void sync_directory(int dir_fd, const std::string& shown) {
    if (::fsync(dir_fd) != 0 && errno != EINVAL) {
        fail("cannot sync directory " + shown, errno);
    }
}

void write_file_atomic_at(int dir_fd, const std::string& name, std::string_view content,
                          const AtomicWriteOptions& options, const std::string& shown) {
    const std::string what = "cannot write " + shown;
    if (!is_single_component(name)) {
        throw FileError(what + ": not a file name", EINVAL);
    }
    const auto notify = [&](AtomicWriteStep step, const std::string& temp_name) {
        if (options.on_step) {
            options.on_step(step, temp_name);
        }
    };
    UniqueFd temp;
    std::string temp_name;
    for (int attempt = 0; attempt < kTempNameAttempts && !temp; ++attempt) {
        temp_name = temp_name_for(name);
        // 0600 from the first byte: the content may be a key.
        temp.reset(::openat(dir_fd, temp_name.c_str(),
                            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!temp && errno != EEXIST) {
            fail(what, errno);
        }
    }
    if (!temp) {
        fail(what, EEXIST);
    }
    try {
        notify(AtomicWriteStep::TempCreated, temp_name);
        write_all(temp.get(), content, shown,
                  [&] { notify(AtomicWriteStep::PartlyWritten, temp_name); });
        notify(AtomicWriteStep::Written, temp_name);
        if (options.owner || options.group) {
            if (::fchown(temp.get(), options.owner.value_or(static_cast<uid_t>(-1)),
                         options.group.value_or(static_cast<gid_t>(-1))) != 0) {
                fail(what, errno);
            }
        }
        if (::fchmod(temp.get(), options.mode & 07777) != 0) {
            fail(what, errno);
        }
        notify(AtomicWriteStep::AttributesSet, temp_name);
        if (options.durable && ::fsync(temp.get()) != 0) {
            fail(what, errno);
        }
        if (const int error = temp.close_checked(); error != 0) {
            fail(what, error);
        }
        notify(AtomicWriteStep::Synced, temp_name);
        if (::renameat(dir_fd, temp_name.c_str(), dir_fd, name.c_str()) != 0) {
            fail(what, errno);
        }
    } catch (...) {
        temp.reset();
        ::unlinkat(dir_fd, temp_name.c_str(), 0);
        throw;
    }
    notify(AtomicWriteStep::Renamed, temp_name);
    if (options.durable) {
        sync_directory(dir_fd, shown);
        notify(AtomicWriteStep::DirectorySynced, temp_name);
    }
}

void write_file_atomic(const fs::path& path, std::string_view content,
                       const AtomicWriteOptions& options) {
    fs::path directory = path.parent_path();
    if (directory.empty()) {
        directory = ".";
    }
    UniqueFd dir_fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dir_fd) {
        fail("cannot write " + path.string(), errno);
    }
    write_file_atomic_at(dir_fd.get(), path.filename().string(), content, options, path.string());
}

PreparedPath::PreparedPath(const fs::path& relative) {
    if (relative.is_absolute()) {
        throw FileError(relative.string() + ": not a relative path", EXDEV);
    }
    fs::path normal;
    for (const auto& component : relative) {
        const std::string name = component.string();
        if (name == "..") {
            throw FileError(relative.string() + ": '..' is not allowed", EXDEV);
        }
        if (!name.empty() && name != ".") {
            components_.push_back(name);
            normal /= name;
        }
    }
    joined_ = components_.empty() ? std::string(".") : normal.string();
}

int PreparedPath::open(int dir_fd, int flags, mode_t mode, Resolver resolver) const noexcept {
    if (components_.empty()) {
        return ::openat(dir_fd, ".", flags | O_CLOEXEC, mode);
    }
    if (resolver != Resolver::Walk) {
        const int fd = openat2_call(dir_fd, joined_.c_str(), flags, mode);
        if (fd >= 0 || errno != ENOSYS || resolver == Resolver::Openat2) {
            return fd;
        }
    }
    return walk_open(dir_fd, components_, flags, mode);
}

UniqueFd open_beneath(int dir_fd, const fs::path& relative, int flags, mode_t mode,
                      Resolver resolver) {
    try {
        return UniqueFd(PreparedPath(relative).open(dir_fd, flags, mode, resolver));
    } catch (const FileError& error) {
        errno = error.error_number();
        return UniqueFd();
    }
}

std::vector<std::string> list_directory_fd(int dir_fd, const std::string& shown) {
    const std::string what = "cannot list " + shown;
    const int copy = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (copy < 0) {
        fail(what, errno);
    }
    DIR* directory = ::fdopendir(copy);
    if (directory == nullptr) {
        const int error = errno;
        ::close(copy);
        fail(what, error);
    }
    ::rewinddir(directory);  // the fd's offset is shared with the caller's
    std::vector<std::string> names;
    errno = 0;
    // readdir(3) is safe on a stream no other thread uses.
    while (const dirent* entry = ::readdir(directory)) {  // NOLINT(concurrency-mt-unsafe)
        const std::string_view name = entry->d_name;
        if (name != "." && name != "..") {
            names.emplace_back(name);
        }
        errno = 0;
    }
    const int error = errno;
    ::closedir(directory);
    if (error != 0) {
        fail(what, error);
    }
    std::sort(names.begin(), names.end());
    return names;
}

namespace {

void remove_entry(int dir_fd, dev_t device, const std::string& name, const std::string& shown,
                  int depth) {
    const std::string what = "cannot remove " + shown;
    struct stat info {};
    if (::fstatat(dir_fd, name.c_str(), &info, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) {
            return;
        }
        fail(what, errno);
    }
    if (S_ISDIR(info.st_mode)) {
        if (info.st_dev != device) {
            throw FileError(what + ": another file system is mounted there", EXDEV);
        }
        if (depth >= kMaxTreeDepth) {
            throw FileError(what + ": more than " + std::to_string(kMaxTreeDepth) + " levels deep",
                            ELOOP);
        }
        UniqueFd child(::openat(dir_fd, name.c_str(),
                                O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
        if (!child) {
            if (errno == ENOENT) {
                return;
            }
            fail(what, errno);
        }
        for (const auto& entry : list_directory_fd(child.get(), shown)) {
            std::string shown_entry = shown;
            shown_entry.append("/").append(entry);
            remove_entry(child.get(), device, entry, shown_entry, depth + 1);
        }
        if (::unlinkat(dir_fd, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
            fail(what, errno);
        }
        return;
    }
    if (::unlinkat(dir_fd, name.c_str(), 0) != 0 && errno != ENOENT) {
        fail(what, errno);
    }
}

}  // namespace

void remove_tree_at(int dir_fd, const std::string& name, const std::string& shown) {
    if (!is_single_component(name)) {
        throw FileError("cannot remove " + shown + ": not a file name", EINVAL);
    }
    struct stat parent {};
    if (::fstat(dir_fd, &parent) != 0) {
        fail("cannot remove " + shown, errno);
    }
    remove_entry(dir_fd, parent.st_dev, name, shown, 0);
}

}  // namespace slurmctld::util
