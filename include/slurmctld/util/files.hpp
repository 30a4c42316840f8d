// Files in directories others may write to (a shared file system, the slurm user's state):
// nothing here follows a symlink it was not asked to, blocks on a FIFO, reads without a bound,
// or leaves a half-written file. The *_at functions work relative to an open directory, so a
// path is resolved once and cannot be redirected between two steps.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <sys/types.h>

#include <slurmctld/util/fd.hpp>

namespace slurmctld::util {

namespace fs = std::filesystem;

/// A file operation failed or was refused. The message names the operation, the path and the
/// reason; error_number() is the errno, or 0 when the refusal is ours (say, a FIFO where a
/// regular file must be).
class FileError : public std::runtime_error {
  public:
    FileError(const std::string& message, int error_number)
        : std::runtime_error(message), error_number_(error_number) {}
    int error_number() const noexcept { return error_number_; }

  private:
    int error_number_;
};

/// The most read_regular_file reads: far above any config or state file the charm reads, far
/// below what would hurt a machine if someone planted a huge file.
inline constexpr std::size_t kMaxReadSize = std::size_t{16} * 1024 * 1024;

/// "a FIFO", "a directory", "a symbolic link", ... for messages.
std::string file_type_name(mode_t mode);

/// Reads the regular file `name` in the directory `dir_fd` (AT_FDCWD: the working directory):
/// opened with O_NOFOLLOW|O_NONBLOCK (a symlink is refused, a FIFO never blocks), checked with
/// fstat (anything but a regular file is refused) and read up to `max_bytes` (more is refused).
/// nullopt when it does not exist. Throws FileError naming `shown`.
std::optional<std::string> read_regular_file_at(int dir_fd, const std::string& name,
                                                const std::string& shown,
                                                std::size_t max_bytes = kMaxReadSize);
/// read_regular_file_at for a path whose directories are trusted (they are followed; only the
/// last component must not be a symlink): /proc files, the caller's own state directory.
std::optional<std::string> read_regular_file(const fs::path& path,
                                             std::size_t max_bytes = kMaxReadSize);
/// read_regular_file for a path whose every component is trusted, including a symbolic link at
/// the end, which is followed: where links are the normal case (a service manager's unit files
/// and the files they name). What it reaches must still be a regular file: a FIFO never blocks,
/// the size is bounded.
std::optional<std::string> read_regular_file_following(const fs::path& path,
                                                       std::size_t max_bytes = kMaxReadSize);

/// Reads from `fd` to its end, refusing more than `max_bytes`. Throws FileError.
std::string read_to_end(int fd, const std::string& shown, std::size_t max_bytes = kMaxReadSize);
/// Writes all of `data` (retrying short writes and EINTR). `after_first_chunk` runs once,
/// after the first 64 KiB (or the empty content) is written: tests stop a write there.
void write_all(int fd, std::string_view data, const std::string& shown,
               const std::function<void()>& after_first_chunk = {});

/// fsync(2) of a directory, which makes a new entry or a rename durable. Some network and FUSE
/// file systems cannot sync a directory (EINVAL) and persist entries on their own terms; that
/// one answer is not an error.
void sync_directory(int dir_fd, const std::string& shown);

/// The steps of write_file_atomic_at, in order. Tests stop the write at each step to show that
/// a crash leaves the old file or the new one, never a mix.
enum class AtomicWriteStep {
    TempCreated,      ///< empty temp file, 0600, next to the target
    PartlyWritten,    ///< first chunk of the content written
    Written,          ///< all content written
    AttributesSet,    ///< owner, group and mode applied to the temp file
    Synced,           ///< temp file fsynced and closed
    Renamed,          ///< temp file renamed over the target
    DirectorySynced,  ///< directory fsynced: the write is durable
};

struct AtomicWriteOptions {
    mode_t mode = 0644;
    std::optional<uid_t> owner;  ///< nullopt: the writer's
    std::optional<gid_t> group;
    /// false: no fsync of the file or the directory. Still atomic for readers (the old file or
    /// the new one), but a crash may leave the old one: for files rebuilt anyway at every start.
    bool durable = true;
    /// Called after each step with the temp file's name (in the same directory).
    std::function<void(AtomicWriteStep step, const std::string& temp_name)> on_step;
};

/// Replaces `name` in `dir_fd` atomically: a temp file ".<name>.tmp-XXXXXX" created O_EXCL
/// and 0600 beside it, written, owner and mode set on its fd, fsynced, renamed over `name`
/// (a symlink there is replaced, never followed), and the directory fsynced. Readers see the
/// old file or the new one, never a mix; a failure removes the temp file. Throws FileError.
void write_file_atomic_at(int dir_fd, const std::string& name, std::string_view content,
                          const AtomicWriteOptions& options, const std::string& shown);
/// write_file_atomic_at in the directory of `path`, which is trusted (followed).
void write_file_atomic(const fs::path& path, std::string_view content,
                       const AtomicWriteOptions& options = {});

enum class Resolver {
    Auto,     ///< openat2 where the kernel has it (5.6+), else the walk
    Openat2,  ///< openat2 only (ENOSYS where missing)
    Walk,     ///< one component at a time with O_NOFOLLOW
};

/// openat(2) of `relative` below `dir_fd` without following any symlink, in the directories on
/// the way or at the end (RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_BENEATH), and
/// never leaving `dir_fd` (an absolute path or a ".." component is refused with EXDEV). An
/// empty path or "." opens `dir_fd` itself again. As openat, returns an invalid fd and sets
/// errno on failure; a symlink anywhere gives ELOOP, except that O_PATH|O_NOFOLLOW opens a
/// final symlink itself.
UniqueFd open_beneath(int dir_fd, const fs::path& relative, int flags, mode_t mode = 0,
                      Resolver resolver = Resolver::Auto);

/// A relative path checked and split ahead of time, so that a forked child can open it with
/// open_beneath's rules without allocating memory (only async-signal-safe calls).
class PreparedPath {
  public:
    /// Throws FileError (EXDEV) for an absolute path or a ".." component.
    explicit PreparedPath(const fs::path& relative);
    /// open_beneath(dir_fd, relative, ...): the descriptor, or -1 with errno set.
    int open(int dir_fd, int flags, mode_t mode = 0,
             Resolver resolver = Resolver::Auto) const noexcept;

  private:
    std::string joined_;                   ///< "a/b/c"; "." for the directory itself
    std::vector<std::string> components_;  ///< without "." and empty ones
};

/// Entry names of an open directory (without "." and ".."), sorted. Throws FileError.
std::vector<std::string> list_directory_fd(int dir_fd, const std::string& shown);

/// Removes `name` in `dir_fd` and, for a directory, everything below it: unlinkat(2) entry by
/// entry, never following a symlink (a link is removed, not its target) and never entering
/// another file system mounted inside. Nothing to do when it does not exist. Throws FileError.
void remove_tree_at(int dir_fd, const std::string& name, const std::string& shown);

/// True when `name` is a single path component (not empty, ".", ".." and without '/').
bool is_single_component(std::string_view name);

}  // namespace slurmctld::util
