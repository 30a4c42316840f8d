// Logging for `dispatch`. Every line goes to stdout, which Juju keeps in the unit log (at DEBUG);
// warnings and errors also go to a forwarder when one is set (the juju layer forwards them to
// `juju-log`, juju/log_forwarding.hpp, so they show at their own level in `juju debug-log`).
// Usable before setup() and before any forwarder exists (stdout only).
//
// Secrets: nothing here formats secret content. The formatting functions refuse map arguments
// at compile time (SecretContent and Databag are the same std::map type, so a map is never
// logged whole), and callers must never pass a secret value as an argument: log the secret's
// label or id instead. Hook-tool argv never holds secret content (it travels in files).
#pragma once

#include <functional>
#include <ostream>
#include <string_view>
#include <type_traits>

#include <fmt/format.h>

namespace slurmctld::util::log {

enum class Level { Debug, Info, Warning, Error };

struct Options {
    Level level = Level::Debug;  ///< lines below this level are dropped
    /// nullptr: the process's stdout. Tests pass a stream, which must live until the next
    /// setup() or teardown().
    std::ostream* output = nullptr;
};

/// (Re)creates the logger. Call first thing in main; logging before it goes to stdout.
void setup(const Options& options = {});
/// Receives every warning and error line (already formatted). It may throw: the failure is
/// reported on stderr and never reaches the caller; lines it logs itself are not forwarded again.
using Forwarder = std::function<void(Level level, std::string_view message)>;
/// From now on warnings and errors also go to `forwarder`.
void set_forwarder(Forwarder forwarder);
/// Stops forwarding (call before what the forwarder uses is destroyed).
void clear_forwarder();
/// Flushes and detaches; logging afterwards still works (stdout only).
void teardown();

/// setup() on construction, teardown() on destruction: for dispatch's main.
class Session {
  public:
    explicit Session(const Options& options = {}) { setup(options); }
    ~Session() { teardown(); }
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
};

/// One already-formatted line.
void write(Level level, std::string_view message);

namespace detail {

template <class T, class = void>
struct IsMapLike : std::false_type {};
template <class T>
struct IsMapLike<T, std::void_t<typename T::key_type, typename T::mapped_type>> : std::true_type {};

template <class... Args>
constexpr void check_arguments() {
    static_assert(!(IsMapLike<std::remove_cvref_t<Args>>::value || ...),
                  "log functions do not format maps: a SecretContent (std::map) must never be "
                  "logged; log the keys you need one by one, never secret values");
}

void vwrite(Level level, fmt::string_view format, fmt::format_args args);

}  // namespace detail

template <class... Args>
void debug(fmt::format_string<Args...> format, Args&&... args) {
    detail::check_arguments<Args...>();
    detail::vwrite(Level::Debug, format, fmt::make_format_args(args...));
}

template <class... Args>
void info(fmt::format_string<Args...> format, Args&&... args) {
    detail::check_arguments<Args...>();
    detail::vwrite(Level::Info, format, fmt::make_format_args(args...));
}

template <class... Args>
void warning(fmt::format_string<Args...> format, Args&&... args) {
    detail::check_arguments<Args...>();
    detail::vwrite(Level::Warning, format, fmt::make_format_args(args...));
}

template <class... Args>
void error(fmt::format_string<Args...> format, Args&&... args) {
    detail::check_arguments<Args...>();
    detail::vwrite(Level::Error, format, fmt::make_format_args(args...));
}

}  // namespace slurmctld::util::log
