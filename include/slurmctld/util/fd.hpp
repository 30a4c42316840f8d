// An owned file descriptor, and pipes made of them.
#pragma once

#include <utility>

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

}  // namespace slurmctld::util
