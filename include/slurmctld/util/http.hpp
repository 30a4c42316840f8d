// Plain HTTP/1.0 over TCP, the little the charm needs: a client for an InfluxDB 1.x API on the
// model's network (influxdb integration) and a one-request-at-a-time server for the charm's
// metrics exporter (cos-agent scrape job) and the test charms. HTTP/1.0 with `Connection:
// close` keeps both sides simple: no chunked bodies, no keep-alive; the body ends with the
// connection. Every network wait is bounded.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <slurmctld/util/result.hpp>

namespace slurmctld::util::http {

struct Request {
    std::string method = "GET";
    std::string target = "/";  ///< path and query, already URL-encoded
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct Response {
    int status = 0;
    std::string content_type = "text/plain; charset=utf-8";
    std::string body;
};

/// Bodies larger than this are refused (a misbehaving server must not exhaust memory).
inline constexpr std::size_t kMaxBodyBytes = 4 * 1024 * 1024;

/// Sends `request` to host:port and reads the whole response, within `timeout` overall. The
/// failure names the endpoint and what went wrong, never the request (it may hold a password).
Expected<Response> send(const std::string& host, int port, const Request& request,
                        std::chrono::milliseconds timeout);

/// `application/x-www-form-urlencoded` encoding of one value (RFC 3986 unreserved kept).
std::string url_encode(std::string_view value);
/// "Basic <base64(user:password)>".
std::string basic_authorization(std::string_view user, std::string_view password);

/// The request line and headers of a received request, and its body.
struct ReceivedRequest {
    std::string method;
    std::string target;
    std::map<std::string, std::string> headers;  ///< names lower-cased
    std::string body;
};

/// A listening TCP socket that answers requests one at a time with `handler`.
class Server {
  public:
    using Handler = std::function<Response(const ReceivedRequest&)>;
    /// Binds `address`:`port` (port 0: any free port; see port()). Throws std::system_error.
    Server(const std::string& address, int port);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    int port() const { return port_; }
    /// Accepts and answers one connection (a client that sends nothing within `io_timeout` is
    /// dropped). Returns false when no connection came within `accept_timeout`.
    bool serve_one(const Handler& handler, std::chrono::milliseconds accept_timeout,
                   std::chrono::milliseconds io_timeout = std::chrono::seconds(5));

  private:
    int fd_ = -1;
    int port_ = 0;
};

}  // namespace slurmctld::util::http
