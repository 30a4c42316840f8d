#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <system_error>
#include <thread>

#include <fcntl.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <slurmctld/host/mounts.hpp>
#include <slurmctld/host/real_host.hpp>

namespace slurmctld::host {

namespace {

constexpr std::size_t kChunkSize = std::size_t{64} * 1024;
constexpr int kTempNameAttempts = 100;

std::string errno_text(int error) {
    return std::generic_category().message(error);
}

[[noreturn]] void fail(const std::string& what, int error) {
    throw HostError(what + ": " + errno_text(error));
}

/// Owns a file descriptor; close errors are checked by close_checked where they matter.
class FileDescriptor {
  public:
    FileDescriptor() = default;
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() { reset(); }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }
    FileDescriptor& operator=(FileDescriptor&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = other.fd_;
            other.fd_ = -1;
        }
        return *this;
    }

    int get() const { return fd_; }
    explicit operator bool() const { return fd_ >= 0; }
    void reset() {
        if (fd_ >= 0) {
            ::close(fd_);
            fd_ = -1;
        }
    }
    /// close(2), returning its errno (0 on success): a failed close can mean lost data.
    int close_checked() {
        const int result = ::close(fd_);
        fd_ = -1;
        return result == 0 ? 0 : errno;
    }

  private:
    int fd_ = -1;
};

uid_t user_id(const std::string& name) {
    long size = sysconf(_SC_GETPW_R_SIZE_MAX);
    std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
    passwd entry{};
    passwd* found = nullptr;
    int error = 0;
    while ((error = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) ==
           ERANGE) {
        buffer.resize(buffer.size() * 2);
    }
    if (error != 0) {
        fail("cannot look up user '" + name + "'", error);
    }
    if (found == nullptr) {
        throw HostError("no such user: '" + name + "'");
    }
    return entry.pw_uid;
}

gid_t group_id(const std::string& name) {
    long size = sysconf(_SC_GETGR_R_SIZE_MAX);
    std::vector<char> buffer(size > 0 ? static_cast<std::size_t>(size) : 16384);
    group entry{};
    group* found = nullptr;
    int error = 0;
    while ((error = getgrnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) ==
           ERANGE) {
        buffer.resize(buffer.size() * 2);
    }
    if (error != 0) {
        fail("cannot look up group '" + name + "'", error);
    }
    if (found == nullptr) {
        throw HostError("no such group: '" + name + "'");
    }
    return entry.gr_gid;
}

struct Ownership {
    uid_t uid;
    gid_t gid;
};

Ownership ownership_of(const FileAttributes& attributes) {
    return {user_id(attributes.owner), group_id(attributes.group)};
}

/// ".<name>.tmp-Ab3xYz": hidden (so globs such as slurm.conf.* never match it) and random
/// (so two writers never share one).
std::string temp_name_for(const std::string& name) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    thread_local std::mt19937_64 generator{std::random_device{}()};
    std::uniform_int_distribution<std::size_t> pick(0, kAlphabet.size() - 1);
    std::string suffix(6, 'x');
    for (auto& c : suffix) {
        c = kAlphabet[pick(generator)];
    }
    return "." + name + ".tmp-" + suffix;
}

/// The directory part and the last component of `path`, refusing paths without a file name.
std::pair<fs::path, std::string> split(const fs::path& path, const std::string& what) {
    const std::string name = path.filename().string();
    if (name.empty() || name == "." || name == "..") {
        throw HostError(what + " " + path.string() + ": not a file name");
    }
    fs::path directory = path.parent_path();
    if (directory.empty()) {
        directory = ".";
    }
    return {directory, name};
}

FileDescriptor open_directory(const fs::path& directory, const std::string& what) {
    FileDescriptor fd(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!fd) {
        fail(what, errno);
    }
    return fd;
}

void write_all(int fd, std::string_view content, const std::function<void()>& after_first_chunk,
               const std::string& what) {
    bool first = true;
    while (!content.empty() || first) {
        const std::size_t chunk = std::min(content.size(), kChunkSize);
        std::size_t done = 0;
        while (done < chunk) {
            const ssize_t written = ::write(fd, content.data() + done, chunk - done);
            if (written < 0) {
                if (errno == EINTR) {
                    continue;
                }
                fail(what, errno);
            }
            done += static_cast<std::size_t>(written);
        }
        content.remove_prefix(chunk);
        if (first && after_first_chunk) {
            after_first_chunk();
        }
        first = false;
    }
}

void sync_fd(int fd, const std::string& what) {
    if (::fsync(fd) != 0) {
        fail(what, errno);
    }
}

/// fsync of a directory makes a rename or a new entry durable. Some network and FUSE file
/// systems cannot sync a directory (EINVAL) and persist entries on their own terms; the
/// shared state directory may be any of them, so that one answer is not an error.
void sync_directory(int fd, const std::string& what) {
    if (::fsync(fd) != 0 && errno != EINVAL) {
        fail(what, errno);
    }
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

/// Copies one entry (and, for a directory, everything below it) to `to`, which must not exist.
/// Owner, group, mode and times are set last, after the content and the children: creating a
/// child changes a directory's mtime, and chown clears set-id bits that chmod then restores.
void copy_entry(const fs::path& from, const fs::path& to, bool follow) {
    const std::string what = "cannot copy " + from.string() + " to " + to.string();
    struct stat source {};
    if ((follow ? ::stat(from.c_str(), &source) : ::lstat(from.c_str(), &source)) != 0) {
        fail(what, errno);
    }
    const timespec times[2] = {source.st_atim, source.st_mtim};
    const mode_t permissions = source.st_mode & 07777;

    if (S_ISDIR(source.st_mode)) {
        if (::mkdir(to.c_str(), 0700) != 0) {
            fail(what, errno);
        }
        std::error_code error;
        std::vector<std::string> names;
        for (const auto& entry : fs::directory_iterator(from, error)) {
            names.push_back(entry.path().filename().string());
        }
        if (error) {
            fail(what, error.value());
        }
        for (const auto& name : names) {
            copy_entry(from / name, to / name, false);
        }
        FileDescriptor directory = open_directory(to, what);
        if (::fchown(directory.get(), source.st_uid, source.st_gid) != 0 ||
            ::fchmod(directory.get(), permissions) != 0 ||
            ::futimens(directory.get(), times) != 0) {
            fail(what, errno);
        }
        sync_directory(directory.get(), what);
        return;
    }
    if (S_ISREG(source.st_mode)) {
        FileDescriptor input(::open(from.c_str(), O_RDONLY | O_CLOEXEC));
        if (!input) {
            fail(what, errno);
        }
        FileDescriptor output(
            ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!output) {
            fail(what, errno);
        }
        std::vector<char> buffer(kChunkSize);
        for (;;) {
            const ssize_t count = ::read(input.get(), buffer.data(), buffer.size());
            if (count < 0) {
                if (errno == EINTR) {
                    continue;
                }
                fail(what, errno);
            }
            if (count == 0) {
                break;
            }
            write_all(output.get(),
                      std::string_view(buffer.data(), static_cast<std::size_t>(count)), {}, what);
        }
        if (::fchown(output.get(), source.st_uid, source.st_gid) != 0 ||
            ::fchmod(output.get(), permissions) != 0 || ::futimens(output.get(), times) != 0) {
            fail(what, errno);
        }
        sync_fd(output.get(), what);
        if (const int error = output.close_checked(); error != 0) {
            fail(what, error);
        }
        return;
    }
    if (S_ISLNK(source.st_mode)) {
        std::error_code error;
        const fs::path target = fs::read_symlink(from, error);
        if (error) {
            fail(what, error.value());
        }
        if (::symlink(target.c_str(), to.c_str()) != 0 ||
            ::lchown(to.c_str(), source.st_uid, source.st_gid) != 0 ||
            ::utimensat(AT_FDCWD, to.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
            fail(what, errno);
        }
        return;
    }
    // FIFOs, sockets and device nodes: recreated as cp -a does.
    if (::mknod(to.c_str(), source.st_mode, source.st_rdev) != 0 ||
        ::lchown(to.c_str(), source.st_uid, source.st_gid) != 0 ||
        ::chmod(to.c_str(), permissions) != 0 ||
        ::utimensat(AT_FDCWD, to.c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
        fail(what, errno);
    }
}

}  // namespace

RealHost::RealHost(RealHostOptions options) : options_(std::move(options)) {
}

void RealHost::notify(WriteStep step, const fs::path& temp_path) const {
    if (options_.on_write_step) {
        options_.on_write_step(step, temp_path);
    }
}

// ---- files -------------------------------------------------------------------------------

FileStatus RealHost::status(const fs::path& path) {
    struct stat info {};
    if (::lstat(path.c_str(), &info) != 0) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return {};
        }
        fail("cannot stat " + path.string(), errno);
    }
    FileStatus result;
    result.type = file_type_of(info.st_mode);
    result.mode = info.st_mode & 07777;
    result.uid = info.st_uid;
    result.gid = info.st_gid;
    result.size = static_cast<std::uintmax_t>(info.st_size);
    result.mtime = to_time_point(info.st_mtim);
    return result;
}

std::optional<std::string> RealHost::read_file(const fs::path& path) {
    const std::string what = "cannot read " + path.string();
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) {
        if (errno == ENOENT || errno == ENOTDIR) {
            return std::nullopt;
        }
        fail(what, errno);
    }
    std::string content;
    std::vector<char> buffer(kChunkSize);
    for (;;) {
        const ssize_t count = ::read(fd.get(), buffer.data(), buffer.size());
        if (count < 0) {
            if (errno == EINTR) {
                continue;
            }
            fail(what, errno);
        }
        if (count == 0) {
            return content;
        }
        content.append(buffer.data(), static_cast<std::size_t>(count));
    }
}

void RealHost::write_file(const fs::path& path, std::string_view content,
                          const FileAttributes& attributes) {
    const std::string what = "cannot write " + path.string();
    const auto [directory_path, name] = split(path, "cannot write");
    Ownership owner{};
    try {
        owner = ownership_of(attributes);
    } catch (const HostError& error) {
        throw HostError(what + ": " + error.what());
    }

    // Everything happens relative to one open directory, so a symlink in the path (such as
    // /etc/slurm -> /srv/slurmctld-statefs/etc/slurm) is resolved once, for all steps.
    FileDescriptor directory = open_directory(directory_path, what);
    FileDescriptor temp;
    std::string temp_name;
    for (int attempt = 0; attempt < kTempNameAttempts && !temp; ++attempt) {
        temp_name = temp_name_for(name);
        // 0600 from the first byte: the content may be a key.
        temp = FileDescriptor(::openat(directory.get(), temp_name.c_str(),
                                       O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!temp && errno != EEXIST) {
            fail(what, errno);
        }
    }
    if (!temp) {
        fail(what, EEXIST);
    }
    const fs::path temp_path = directory_path / temp_name;
    try {
        notify(WriteStep::TempCreated, temp_path);
        write_all(
            temp.get(), content, [&] { notify(WriteStep::PartlyWritten, temp_path); }, what);
        notify(WriteStep::Written, temp_path);
        if (::fchown(temp.get(), owner.uid, owner.gid) != 0 ||
            ::fchmod(temp.get(), attributes.mode) != 0) {
            fail(what, errno);
        }
        notify(WriteStep::AttributesSet, temp_path);
        sync_fd(temp.get(), what);
        if (const int error = temp.close_checked(); error != 0) {
            fail(what, error);
        }
        notify(WriteStep::Synced, temp_path);
        if (::renameat(directory.get(), temp_name.c_str(), directory.get(), name.c_str()) != 0) {
            fail(what, errno);
        }
    } catch (...) {
        temp.reset();
        ::unlinkat(directory.get(), temp_name.c_str(), 0);
        throw;
    }
    notify(WriteStep::Renamed, temp_path);
    sync_directory(directory.get(), what);
    notify(WriteStep::DirectorySynced, temp_path);
}

void RealHost::make_directories(const fs::path& path, const FileAttributes& attributes) {
    const std::string what = "cannot create directory " + path.string();
    Ownership owner{};
    try {
        owner = ownership_of(attributes);
    } catch (const HostError& error) {
        throw HostError(what + ": " + error.what());
    }
    fs::path current;
    for (const auto& component : path) {
        if (component.empty()) {
            continue;  // trailing slash
        }
        current /= component;
        if (::mkdir(current.c_str(), 0755) == 0) {
            // Parents are root 0755 whatever the umask.
            if (::chmod(current.c_str(), 0755) != 0) {
                fail(what, errno);
            }
            continue;
        }
        if (errno != EEXIST) {
            fail(what, errno);
        }
        struct stat info {};
        if (::stat(current.c_str(), &info) != 0) {
            fail(what, errno);
        }
        if (!S_ISDIR(info.st_mode)) {
            fail(what, ENOTDIR);
        }
    }
    if (::chown(path.c_str(), owner.uid, owner.gid) != 0 ||
        ::chmod(path.c_str(), attributes.mode) != 0) {
        fail(what, errno);
    }
}

void RealHost::remove_file(const fs::path& path) {
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
        fail("cannot remove " + path.string(), errno);
    }
}

void RealHost::rename(const fs::path& from, const fs::path& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) {
        fail("cannot rename " + from.string() + " to " + to.string(), errno);
    }
}

std::vector<std::string> RealHost::list_directory(const fs::path& path) {
    std::vector<std::string> names;
    std::error_code error;
    fs::directory_iterator entries(path, error);
    if (error) {
        if (error == std::errc::no_such_file_or_directory) {
            return names;
        }
        fail("cannot list " + path.string(), error.value());
    }
    for (const auto& entry : entries) {
        names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::optional<fs::path> RealHost::read_symlink(const fs::path& path) {
    std::error_code error;
    fs::path target = fs::read_symlink(path, error);
    if (!error) {
        return target;
    }
    if (error == std::errc::invalid_argument || error == std::errc::no_such_file_or_directory ||
        error == std::errc::not_a_directory) {
        return std::nullopt;
    }
    fail("cannot read symlink " + path.string(), error.value());
}

void RealHost::replace_with_symlink(const fs::path& link, const fs::path& target) {
    const std::string what = "cannot point " + link.string() + " at " + target.string();
    const auto [directory_path, name] = split(link, "cannot create symlink");
    if (status(link).type == FileType::Directory) {
        throw HostError(what + ": it is a directory (move it away first)");
    }
    FileDescriptor directory = open_directory(directory_path, what);
    std::string temp_name;
    bool created = false;
    for (int attempt = 0; attempt < kTempNameAttempts && !created; ++attempt) {
        temp_name = temp_name_for(name);
        created = ::symlinkat(target.c_str(), directory.get(), temp_name.c_str()) == 0;
        if (!created && errno != EEXIST) {
            fail(what, errno);
        }
    }
    if (!created) {
        fail(what, EEXIST);
    }
    // rename(2) swaps the link in one step; it also refuses (EISDIR) if a directory appeared
    // at `link` since the check above.
    if (::renameat(directory.get(), temp_name.c_str(), directory.get(), name.c_str()) != 0) {
        const int error = errno;
        ::unlinkat(directory.get(), temp_name.c_str(), 0);
        fail(what, error);
    }
    sync_directory(directory.get(), what);
}

void RealHost::swap_directory_for_symlink(const fs::path& directory, const fs::path& target,
                                          const fs::path& backup) {
    const std::string what =
        "cannot replace " + directory.string() + " with a symlink to " + target.string();
    if (status(directory).type != FileType::Directory) {
        throw HostError(what + ": it is not a directory");
    }
    if (status(backup).type != FileType::Missing) {
        fail(what + " (backup " + backup.string() + ")", EEXIST);
    }
    const auto [directory_path, name] = split(directory, what);
    FileDescriptor parent = open_directory(directory_path, what);
    std::string temp_name;
    bool created = false;
    for (int attempt = 0; attempt < kTempNameAttempts && !created; ++attempt) {
        temp_name = temp_name_for(name);
        created = ::symlinkat(target.c_str(), parent.get(), temp_name.c_str()) == 0;
        if (!created && errno != EEXIST) {
            fail(what, errno);
        }
    }
    if (!created) {
        fail(what, EEXIST);
    }
    // After the exchange `name` is the symlink and `temp_name` the old directory.
    if (::renameat2(parent.get(), temp_name.c_str(), parent.get(), name.c_str(), RENAME_EXCHANGE) !=
        0) {
        const int error = errno;
        ::unlinkat(parent.get(), temp_name.c_str(), 0);
        if (error != EXDEV && error != EINVAL) {
            fail(what, error);
        }
        // The file system cannot exchange (or move) this directory (overlayfs without
        // redirect_dir, some network file systems): copy it aside, then replace it, as
        // Python's shutil.move does. Not atomic, but never leaves the data behind.
        copy_tree(directory, backup);
        std::error_code removed;
        std::filesystem::remove_all(directory, removed);
        if (removed) {
            fail(what + ": the copy is at " + backup.string(), removed.value());
        }
        replace_with_symlink(directory, target);
        return;
    }
    if (::renameat(parent.get(), temp_name.c_str(), AT_FDCWD, backup.c_str()) != 0) {
        fail(what + ": the old directory is left at " + (directory_path / temp_name).string(),
             errno);
    }
    sync_directory(parent.get(), what);
}

std::vector<std::chrono::microseconds> RealHost::measure_write_latency(const fs::path& directory,
                                                                       int samples) {
    using Clock = std::chrono::steady_clock;
    const std::string what = "cannot measure write latency in " + directory.string();
    FileDescriptor parent = open_directory(directory, what);
    const std::string payload(4096, 'x');  // about one small Slurm state file
    const std::string final_name = ".slurmctld-latency-probe";
    std::vector<std::chrono::microseconds> latencies;
    latencies.reserve(static_cast<std::size_t>(std::max(samples, 0)));
    for (int i = 0; i < samples; ++i) {
        const std::string temp_name = final_name + ".new";
        const auto started = Clock::now();
        const int fd = ::openat(parent.get(), temp_name.c_str(),
                                O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            fail(what, errno);
        }
        FileDescriptor file(fd);
        if (::write(file.get(), payload.data(), payload.size()) !=
                static_cast<ssize_t>(payload.size()) ||
            ::fsync(file.get()) != 0) {
            fail(what, errno);
        }
        file.reset();
        if (::renameat(parent.get(), temp_name.c_str(), parent.get(), final_name.c_str()) != 0) {
            fail(what, errno);
        }
        sync_directory(parent.get(), what);
        latencies.push_back(
            std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started));
    }
    ::unlinkat(parent.get(), final_name.c_str(), 0);
    return latencies;
}

void RealHost::copy_tree(const fs::path& from, const fs::path& to) {
    const std::string what = "cannot copy " + from.string() + " to " + to.string();
    const auto [directory_path, name] = split(to, "cannot copy to");
    if (status(to).type != FileType::Missing) {
        fail(what, EEXIST);
    }
    FileDescriptor directory = open_directory(directory_path, what);
    fs::path temp_path;
    for (int attempt = 0; attempt < kTempNameAttempts; ++attempt) {
        temp_path = directory_path / temp_name_for(name);
        if (status(temp_path).type == FileType::Missing) {
            break;
        }
    }
    if (status(temp_path).type != FileType::Missing) {
        fail(what, EEXIST);
    }
    try {
        copy_entry(from, temp_path, true);
        if (::renameat(directory.get(), temp_path.filename().c_str(), directory.get(),
                       name.c_str()) != 0) {
            fail(what, errno);
        }
    } catch (...) {
        std::error_code ignored;
        fs::remove_all(temp_path, ignored);
        throw;
    }
    sync_directory(directory.get(), what);
}

std::vector<MountInfo> RealHost::mounts() {
    std::ifstream in(options_.mountinfo_path);
    if (!in) {
        fail("cannot read " + options_.mountinfo_path.string(), errno);
    }
    std::ostringstream text;
    text << in.rdbuf();
    return parse_mountinfo(text.str());
}

std::string RealHost::short_hostname() {
    char name[HOST_NAME_MAX + 1] = {};
    if (::gethostname(name, sizeof(name) - 1) != 0) {
        fail("cannot read the host name", errno);
    }
    const std::string hostname(name);
    return hostname.substr(0, hostname.find('.'));
}

std::chrono::system_clock::time_point RealHost::now() {
    return std::chrono::system_clock::now();
}

// ---- programs ----------------------------------------------------------------------------

std::chrono::steady_clock::time_point RealHost::steady_now() {
    return std::chrono::steady_clock::now();
}

void RealHost::sleep_for(std::chrono::milliseconds duration) {
    std::this_thread::sleep_for(duration);
}

bool RealHost::can_connect(const std::string& host_name, int port,
                           std::chrono::milliseconds timeout) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host_name.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
        return false;
    }
    bool connected = false;
    for (const addrinfo* address = found; address != nullptr && !connected;
         address = address->ai_next) {
        FileDescriptor socket_fd(::socket(address->ai_family,
                                          address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                          address->ai_protocol));
        if (!socket_fd) {
            continue;
        }
        if (::connect(socket_fd.get(), address->ai_addr, address->ai_addrlen) == 0) {
            connected = true;
            break;
        }
        if (errno != EINPROGRESS) {
            continue;
        }
        pollfd wait{socket_fd.get(), POLLOUT, 0};
        if (::poll(&wait, 1, static_cast<int>(timeout.count())) == 1) {
            int error = 0;
            socklen_t size = sizeof error;
            connected = ::getsockopt(socket_fd.get(), SOL_SOCKET, SO_ERROR, &error, &size) == 0 &&
                        error == 0;
        }
    }
    ::freeaddrinfo(found);
    return connected;
}

CommandResult RealHost::run(const std::string& program, const std::vector<std::string>& args,
                            const util::ProcessOptions& process_options) {
    std::vector<std::string> argv;
    argv.reserve(args.size() + 1);
    argv.push_back(options_.program_directory.empty()
                       ? program
                       : (options_.program_directory / program).string());
    argv.insert(argv.end(), args.begin(), args.end());
    util::ProcessResult process;
    try {
        process = util::run_process(argv, process_options);
    } catch (const std::system_error& error) {
        return {127, "", std::string(error.what()) + "\n"};
    }
    CommandResult result{process.exit_code, std::move(process.stdout_text),
                         std::move(process.stderr_text)};
    if (process.timed_out && process_options.timeout) {
        result.stderr_text += program + ": no answer within " +
                              std::to_string(process_options.timeout->count()) + " ms; killed\n";
    }
    return result;
}

CommandResult RealHost::systemctl(const std::vector<std::string>& args) {
    return run("systemctl", args);
}

CommandResult RealHost::apt_get(const std::vector<std::string>& args) {
    util::ProcessOptions options;
    options.env["DEBIAN_FRONTEND"] = "noninteractive";
    return run("apt-get", args, options);
}

CommandResult RealHost::dpkg_query(const std::vector<std::string>& args) {
    return run("dpkg-query", args);
}

CommandResult RealHost::scontrol(const std::vector<std::string>& args) {
    util::ProcessOptions options;
    options.timeout = options_.scontrol_timeout;
    return run("scontrol", args, options);
}

CommandResult RealHost::scontrol_with_config(const fs::path& slurm_conf,
                                             const std::vector<std::string>& args) {
    util::ProcessOptions options;
    options.timeout = options_.scontrol_timeout;
    options.env["SLURM_CONF"] = slurm_conf.string();
    return run("scontrol", args, options);
}

CommandResult RealHost::rsync(const std::vector<std::string>& args) {
    return run("rsync", args);
}

CommandResult RealHost::systemd_detect_virt(const std::vector<std::string>& args) {
    return run("systemd-detect-virt", args);
}

}  // namespace slurmctld::host
