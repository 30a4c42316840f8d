#include <cerrno>
#include <cstring>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jujusim/unix_socket.hpp>

namespace jujusim {

namespace {

/// Calls `operation` with an address for `path`. sun_path holds 107 bytes; a longer path is
/// reached through /proc/self/fd/<dir fd>/<name> (bind and connect resolve it like any path).
template <class Operation>
int with_address(const fs::path& path, Operation operation) {
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::string text = path.string();
    Fd directory;
    if (text.size() >= sizeof(address.sun_path)) {
        directory = Fd(::open(path.parent_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
        if (!directory) {
            throw std::system_error(errno, std::generic_category(),
                                    "open " + path.parent_path().string());
        }
        text = "/proc/self/fd/" + std::to_string(directory.get()) + "/" + path.filename().string();
        if (text.size() >= sizeof(address.sun_path)) {
            throw std::system_error(ENAMETOOLONG, std::generic_category(),
                                    "socket name too long: " + path.string());
        }
    }
    std::memcpy(address.sun_path, text.c_str(), text.size() + 1);
    return operation(reinterpret_cast<const sockaddr*>(&address),
                     static_cast<socklen_t>(sizeof address));
}

}  // namespace

Fd listen_unix(const fs::path& path) {
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) {
        throw std::system_error(errno, std::generic_category(), "socket");
    }
    ::unlink(path.c_str());
    if (with_address(path, [&](const sockaddr* address, socklen_t size) {
            return ::bind(fd.get(), address, size);
        }) != 0) {
        throw std::system_error(errno, std::generic_category(), "bind " + path.string());
    }
    if (::listen(fd.get(), 64) != 0) {
        throw std::system_error(errno, std::generic_category(), "listen");
    }
    return fd;
}

Fd connect_unix(const fs::path& path) {
    Fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) {
        throw std::system_error(errno, std::generic_category(), "socket");
    }
    if (with_address(path, [&](const sockaddr* address, socklen_t size) {
            return ::connect(fd.get(), address, size);
        }) != 0) {
        throw std::system_error(errno, std::generic_category(), "dial unix " + path.string());
    }
    return fd;
}

std::optional<Fd> accept_or_stop(int listen_fd, int stop_fd) {
    for (;;) {
        pollfd fds[2] = {{listen_fd, POLLIN, 0}, {stop_fd, POLLIN, 0}};
        const int ready = ::poll(fds, 2, -1);
        if (ready < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::system_error(errno, std::generic_category(), "poll");
        }
        if (fds[1].revents != 0) {
            return std::nullopt;
        }
        if (fds[0].revents != 0) {
            const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
            if (fd < 0) {
                if (errno == EINTR || errno == ECONNABORTED) {
                    continue;
                }
                throw std::system_error(errno, std::generic_category(), "accept");
            }
            return Fd(fd);
        }
    }
}

std::optional<std::string> read_line(int fd) {
    std::string line;
    char buffer[4096];
    for (;;) {
        // Byte-wise peeking would be slow; requests are single lines, so read until '\n'.
        const ssize_t got = ::recv(fd, buffer, sizeof buffer, MSG_PEEK);
        if (got < 0) {
            if (errno == EINTR) {
                continue;
            }
            return std::nullopt;
        }
        if (got == 0) {
            return std::nullopt;
        }
        const void* newline = std::memchr(buffer, '\n', static_cast<std::size_t>(got));
        const std::size_t take =
            newline != nullptr
                ? static_cast<std::size_t>(static_cast<const char*>(newline) - buffer) + 1
                : static_cast<std::size_t>(got);
        const ssize_t consumed = ::recv(fd, buffer, take, 0);
        if (consumed <= 0) {
            return std::nullopt;
        }
        line.append(buffer, static_cast<std::size_t>(consumed));
        if (line.size() > kMaxLineBytes) {
            return std::nullopt;  // no request is that long: a confused or hostile peer
        }
        if (newline != nullptr) {
            line.pop_back();
            return line;
        }
    }
}

void write_all(int fd, const std::string& data) {
    std::size_t sent = 0;
    while (sent < data.size()) {
        const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::system_error(errno, std::generic_category(), "send");
        }
        sent += static_cast<std::size_t>(n);
    }
}

nlohmann::json call_json(const fs::path& socket_path, const nlohmann::json& request) {
    Fd fd = connect_unix(socket_path);
    write_all(fd.get(),
              request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    const auto line = read_line(fd.get());
    if (!line) {
        throw std::runtime_error("connection closed by " + socket_path.string());
    }
    return nlohmann::json::parse(*line);
}

}  // namespace jujusim
