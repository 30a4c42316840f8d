#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <slurmctld/util/log.hpp>

namespace slurmctld::util::log {

namespace {

spdlog::level::level_enum to_spdlog(Level level) {
    switch (level) {
        case Level::Debug:
            return spdlog::level::debug;
        case Level::Info:
            return spdlog::level::info;
        case Level::Warning:
            return spdlog::level::warn;
        case Level::Error:
            return spdlog::level::err;
    }
    return spdlog::level::info;
}

/// Sends warnings and errors to the forwarder, if one is set.
class ForwardingSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    void set(Forwarder forwarder) {
        std::lock_guard lock(mutex_);
        forwarder_ = std::move(forwarder);
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        // The forwarder may log itself (juju-log is a hook tool): never forward that again.
        thread_local bool sending = false;
        if (!forwarder_ || sending) {
            return;
        }
        struct Sending {
            bool& flag;
            explicit Sending(bool& f) : flag(f) { flag = true; }
            ~Sending() { flag = false; }  // also when the forwarder throws something unexpected
            Sending(const Sending&) = delete;
            Sending& operator=(const Sending&) = delete;
        } guard(sending);
        try {
            forwarder_(msg.level >= spdlog::level::err ? Level::Error : Level::Warning,
                       std::string_view(msg.payload.data(), msg.payload.size()));
        } catch (const std::exception& e) {
            // stderr lands in the unit log at WARNING: the line is not lost.
            static_cast<void>(std::fprintf(stderr, "log forwarding failed: %s\n", e.what()));
        }
    }
    void flush_() override {}

  private:
    Forwarder forwarder_;
};

struct LoggerState {
    std::shared_ptr<ForwardingSink> forwarding_sink = std::make_shared<ForwardingSink>();
    std::shared_ptr<spdlog::logger> logger;
};

LoggerState& state() {
    static LoggerState instance;
    return instance;
}

void build_logger(const Options& options) {
    auto& current = state();
    spdlog::sink_ptr output;
    if (options.output != nullptr) {
        output = std::make_shared<spdlog::sinks::ostream_sink_mt>(*options.output, true);
    } else {
        output = std::make_shared<spdlog::sinks::stdout_sink_mt>();
    }
    output->set_pattern("%l: %v");
    output->set_level(spdlog::level::trace);
    current.forwarding_sink->set_level(spdlog::level::warn);
    current.forwarding_sink->set_pattern("%v");
    current.logger = std::make_shared<spdlog::logger>(
        "dispatch", spdlog::sinks_init_list{output, current.forwarding_sink});
    current.logger->set_level(to_spdlog(options.level));
    // Every line is flushed: a hook that crashes must not lose its last lines.
    current.logger->flush_on(spdlog::level::trace);
}

spdlog::logger& logger() {
    auto& current = state();
    if (!current.logger) {
        build_logger({});
    }
    return *current.logger;
}

}  // namespace

void setup(const Options& options) {
    build_logger(options);
}

void set_forwarder(Forwarder forwarder) {
    state().forwarding_sink->set(std::move(forwarder));
}

void clear_forwarder() {
    state().forwarding_sink->set(nullptr);
}

void teardown() {
    clear_forwarder();
    // Every line was flushed as it was written (flush_on), so there is nothing to flush here and
    // no need to touch a caller's stream that may be gone. Back to a plain stdout logger: nothing
    // keeps a reference to that stream afterwards.
    build_logger({});
}

void write(Level level, std::string_view message) {
    logger().log(to_spdlog(level), fmt::string_view(message.data(), message.size()));
}

namespace detail {

void vwrite(Level level, fmt::string_view format, fmt::format_args args) {
    auto& target = logger();
    if (!target.should_log(to_spdlog(level))) {
        return;
    }
    fmt::memory_buffer buffer;
    try {
        fmt::vformat_to(std::back_inserter(buffer), format, args);
    } catch (const fmt::format_error& e) {
        target.log(spdlog::level::err, "log format error: {}", e.what());
        return;
    }
    target.log(to_spdlog(level), fmt::string_view(buffer.data(), buffer.size()));
}

}  // namespace detail

}  // namespace slurmctld::util::log
