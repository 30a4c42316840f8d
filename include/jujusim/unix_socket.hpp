// Line-delimited JSON over unix stream sockets: the CLI <-> controller and the jujuc <-> agent
// transports. One request line, one reply line per connection.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include <slurmctld/util/fd.hpp>

namespace jujusim {

namespace fs = std::filesystem;

/// The util toolkit's owned file descriptor, as the transports hand connections around.
using Fd = slurmctld::util::UniqueFd;

/// Binds and listens (removing a stale socket file first). Throws std::system_error.
Fd listen_unix(const fs::path& path);
/// Connects; throws std::system_error (errno kept: ENOENT, ECONNREFUSED, ...).
Fd connect_unix(const fs::path& path);

/// Waits for a connection or for `stop_fd` to become readable; nullopt when stopped.
std::optional<Fd> accept_or_stop(int listen_fd, int stop_fd);

/// The longest line read_line accepts.
inline constexpr std::size_t kMaxLineBytes = std::size_t{1} << 20;
/// Reads up to and excluding '\n', no byte past it; nullopt on EOF before a full line or past
/// kMaxLineBytes.
std::optional<std::string> read_line(int fd);
/// Writes everything (throws on error; ignores SIGPIPE by using MSG_NOSIGNAL).
void write_all(int fd, const std::string& data);

/// Sends one JSON line and reads one JSON line back.
nlohmann::json call_json(const fs::path& socket_path, const nlohmann::json& request);

}  // namespace jujusim
