// An owned file descriptor, and pipes made of them.
#pragma once

#include <string_view>
#include <utility>

#include <sys/types.h>

namespace slurmctld::util {

/// Owns a file descriptor: closed on destruction, moved not copied.
class UniqueFd {
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd) noexcept : fd_(fd) {}
    ~UniqueFd() { reset(); }
    UniqueFd(UniqueFd&& other) noexcept : fd_(other.release()) {}
    UniqueFd& operator=(UniqueFd&& other) noexcept {
        if (this != &other) {
            reset(other.release());
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }
    /// Gives the descriptor up without closing it.
    int release() noexcept { return std::exchange(fd_, -1); }
    /// Closes the descriptor held (errors ignored) and takes `fd`.
    void reset(int fd = -1) noexcept;
    /// close(2), returning its errno (0 on success): on NFS a failed close can mean lost data.
    int close_checked() noexcept;

  private:
    int fd_ = -1;
};

/// pipe2(O_CLOEXEC): {read end, write end}. Throws std::system_error.
std::pair<UniqueFd, UniqueFd> make_pipe();

/// Sets O_NONBLOCK on `fd` (errors ignored: the caller's reads and writes report them).
void set_nonblocking(int fd) noexcept;

/// pidfd_open(2): a descriptor that becomes readable when `pid` exits (-1 and errno on failure:
/// kernels before 5.3).
int pidfd_open(pid_t pid) noexcept;

/// Writes all `size` bytes, going on after short writes and EINTR; false (errno set) on an
/// error. Async-signal-safe: a child between fork and exec may call it.
bool write_fully(int fd, const void* data, std::size_t size) noexcept;

/// write(2) to a pipe whose reader may be gone: EPIPE instead of a SIGPIPE that would kill the
/// calling program. The signal is blocked in this thread only and a pending one is consumed.
ssize_t write_without_sigpipe(int fd, std::string_view data) noexcept;

}  // namespace slurmctld::util
