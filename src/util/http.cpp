#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <optional>
#include <system_error>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <slurmctld/util/base64.hpp>
#include <slurmctld/util/fd.hpp>
#include <slurmctld/util/http.hpp>

namespace slurmctld::util::http {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::max<long long>(0, left));
}

/// Waits until `fd` is ready for `events` or the deadline passes.
bool wait_for(int fd, short events, Clock::time_point deadline) {
    pollfd wait{fd, events, 0};
    for (;;) {
        const int ready = ::poll(&wait, 1, remaining_ms(deadline));
        if (ready > 0) {
            return true;
        }
        if (ready == 0 || errno != EINTR) {
            return false;
        }
    }
}

UniqueFd connect_to(const std::string& host, int port, Clock::time_point deadline,
                    std::string& problem) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (const int rc = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
        rc != 0) {
        problem = std::string("cannot resolve: ") + ::gai_strerror(rc);
        return {};
    }
    UniqueFd connected;
    problem = "connection refused";
    for (const addrinfo* address = found; address != nullptr; address = address->ai_next) {
        UniqueFd socket_fd(::socket(address->ai_family,
                                    address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                    address->ai_protocol));
        if (!socket_fd) {
            continue;
        }
        if (::connect(socket_fd.get(), address->ai_addr, address->ai_addrlen) != 0) {
            if (errno != EINPROGRESS || !wait_for(socket_fd.get(), POLLOUT, deadline)) {
                problem = errno == EINPROGRESS ? "connection timed out" : "connection refused";
                continue;
            }
            int error = 0;
            socklen_t size = sizeof error;
            if (::getsockopt(socket_fd.get(), SOL_SOCKET, SO_ERROR, &error, &size) != 0 ||
                error != 0) {
                continue;
            }
        }
        connected = std::move(socket_fd);
        break;
    }
    ::freeaddrinfo(found);
    return connected;
}

bool send_all(int fd, std::string_view data, Clock::time_point deadline) {
    while (!data.empty()) {
        const auto sent = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
        if (sent > 0) {
            data.remove_prefix(static_cast<std::size_t>(sent));
            continue;
        }
        if (sent < 0 && errno != EAGAIN && errno != EINTR) {
            return false;
        }
        if (!wait_for(fd, POLLOUT, deadline)) {
            return false;
        }
    }
    return true;
}

/// Reads until the peer closes (or, with `head_only`, until the end of the headers and
/// Content-Length bytes of body), within the deadline and the size limit.
std::optional<std::string> receive(int fd, Clock::time_point deadline, bool head_only) {
    std::string data;
    std::array<char, 16384> buffer{};
    for (;;) {
        if (head_only) {
            const auto end = data.find("\r\n\r\n");
            if (end != std::string::npos) {
                std::size_t length = 0;
                std::string lower = data.substr(0, end);
                std::transform(lower.begin(), lower.end(), lower.begin(),
                               [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
                if (const auto at = lower.find("\r\ncontent-length:"); at != std::string::npos) {
                    length = std::strtoul(lower.c_str() + at + 17, nullptr, 10);
                }
                if (length > kMaxBodyBytes) {
                    return std::nullopt;
                }
                if (data.size() >= end + 4 + length) {
                    return data;
                }
            }
        }
        const auto got = ::recv(fd, buffer.data(), buffer.size(), 0);
        if (got > 0) {
            data.append(buffer.data(), static_cast<std::size_t>(got));
            if (data.size() > kMaxBodyBytes + 65536) {
                return std::nullopt;
            }
            continue;
        }
        if (got == 0) {
            return data;
        }
        if (errno != EAGAIN && errno != EINTR) {
            return std::nullopt;
        }
        if (!wait_for(fd, POLLIN, deadline)) {
            return std::nullopt;
        }
    }
}

const char* reason_phrase(int status) {
    switch (status) {
        case 200:
            return "OK";
        case 204:
            return "No Content";
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        default:
            return status < 500 ? "Error" : "Internal Server Error";
    }
}

}  // namespace

Expected<Response> send(const std::string& host, int port, const Request& request,
                        std::chrono::milliseconds timeout) {
    const auto deadline = Clock::now() + timeout;
    const std::string endpoint = host + ":" + std::to_string(port);
    std::string problem;
    const auto fd = connect_to(host, port, deadline, problem);
    if (!fd) {
        return Failure{"cannot connect to " + endpoint + ": " + problem};
    }
    std::string head = request.method + " " + request.target + " HTTP/1.0\r\nHost: " + endpoint +
                       "\r\nConnection: close\r\n";
    for (const auto& [name, value] : request.headers) {
        head += name + ": " + value + "\r\n";
    }
    if (!request.body.empty() || request.method == "POST") {
        head += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
    }
    head += "\r\n";
    if (!send_all(fd.get(), head, deadline) || !send_all(fd.get(), request.body, deadline)) {
        return Failure{"cannot send a request to " + endpoint};
    }
    const auto raw = receive(fd.get(), deadline, /*head_only=*/false);
    if (!raw) {
        return Failure{"no complete answer from " + endpoint + " within " +
                       std::to_string(timeout.count()) + " ms"};
    }
    const auto header_end = raw->find("\r\n\r\n");
    if (raw->rfind("HTTP/", 0) != 0 || header_end == std::string::npos) {
        return Failure{"the answer of " + endpoint + " is not HTTP"};
    }
    Response response;
    const auto space = raw->find(' ');
    response.status = std::atoi(raw->c_str() + space + 1);
    response.body = raw->substr(header_end + 4);
    return response;
}

std::string url_encode(std::string_view value) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string encoded;
    for (const char c : value) {
        const auto byte = static_cast<unsigned char>(c);
        if (std::isalnum(byte) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
            encoded += c;
        } else {
            encoded += '%';
            encoded += kHex[byte >> 4];
            encoded += kHex[byte & 0xF];
        }
    }
    return encoded;
}

std::string basic_authorization(std::string_view user, std::string_view password) {
    std::string credentials(user);
    credentials += ':';
    credentials += password;
    return "Basic " + encode_base64(credentials);
}

Server::Server(const std::string& address, int port) {
    UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) {
        throw std::system_error(errno, std::generic_category(), "socket");
    }
    const int on = 1;
    ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
    sockaddr_in bound{};
    bound.sin_family = AF_INET;
    bound.sin_port = htons(static_cast<std::uint16_t>(port));
    if (::inet_pton(AF_INET, address.c_str(), &bound.sin_addr) != 1) {
        throw std::system_error(EINVAL, std::generic_category(), "bad address " + address);
    }
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&bound), sizeof bound) != 0 ||
        ::listen(fd.get(), 16) != 0) {
        throw std::system_error(errno, std::generic_category(),
                                "bind " + address + ":" + std::to_string(port));
    }
    socklen_t size = sizeof bound;
    ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&bound), &size);
    port_ = ntohs(bound.sin_port);
    fd_ = fd.release();
}

Server::~Server() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

bool Server::serve_one(const Handler& handler, std::chrono::milliseconds accept_timeout,
                       std::chrono::milliseconds io_timeout) {
    if (!wait_for(fd_, POLLIN, Clock::now() + accept_timeout)) {
        return false;
    }
    UniqueFd client(::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!client) {
        return true;
    }
    const auto deadline = Clock::now() + io_timeout;
    const auto raw = receive(client.get(), deadline, /*head_only=*/true);
    if (!raw) {
        return true;
    }
    ReceivedRequest request;
    const auto header_end = raw->find("\r\n\r\n");
    const auto line_end = raw->find("\r\n");
    const std::string line = raw->substr(0, line_end);
    const auto first = line.find(' ');
    const auto second = line.find(' ', first + 1);
    Response response;
    if (first == std::string::npos || second == std::string::npos) {
        response = {400, "text/plain; charset=utf-8", "bad request\n"};
    } else {
        request.method = line.substr(0, first);
        request.target = line.substr(first + 1, second - first - 1);
        std::size_t at = line_end + 2;
        while (at < header_end) {
            const auto end = raw->find("\r\n", at);
            const std::string header = raw->substr(at, end - at);
            at = end + 2;
            const auto colon = header.find(':');
            if (colon == std::string::npos) {
                continue;
            }
            std::string name = header.substr(0, colon);
            std::transform(name.begin(), name.end(), name.begin(),
                           [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
            auto value = header.substr(colon + 1);
            value.erase(0, value.find_first_not_of(' '));
            request.headers[name] = value;
        }
        request.body = raw->substr(header_end + 4);
        response = handler(request);
    }
    const std::string head = "HTTP/1.0 " + std::to_string(response.status) + " " +
                             reason_phrase(response.status) +
                             "\r\nContent-Type: " + response.content_type +
                             "\r\nContent-Length: " + std::to_string(response.body.size()) +
                             "\r\nConnection: close\r\n\r\n";
    send_all(client.get(), head + response.body, deadline);
    return true;
}

}  // namespace slurmctld::util::http
