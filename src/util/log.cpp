#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>

#include <spdlog/logger.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <slurmctld/juju/hook_tools.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::util::log {

namespace {

// Juju's juju-log takes the message as one argument; ops splits longer messages the same way.
constexpr std::size_t kMaxJujuLogMessage = 131071;

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

/// Sends warnings and errors through juju-log once HookTools are attached.
class JujuLogSink final : public spdlog::sinks::base_sink<std::mutex> {
  public:
    void attach(juju::HookTools* tools) {
        std::lock_guard lock(mutex_);
        tools_ = tools;
    }

  protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        // juju-log is itself a hook tool: a failure while logging must not log through it again.
        thread_local bool sending = false;
        if (tools_ == nullptr || sending) {
            return;
        }
        sending = true;
        const auto level =
            msg.level >= spdlog::level::err ? juju::LogLevel::Error : juju::LogLevel::Warning;
        std::string_view text(msg.payload.data(), msg.payload.size());
        try {
            do {
                tools_->juju_log(level, text.substr(0, kMaxJujuLogMessage));
                text.remove_prefix(std::min(text.size(), kMaxJujuLogMessage));
            } while (!text.empty());
        } catch (const std::exception& e) {
            // stderr lands in the unit log at WARNING: the line is not lost.
            static_cast<void>(std::fprintf(stderr, "juju-log failed: %s\n", e.what()));
        }
        sending = false;
    }
    void flush_() override {}

  private:
    juju::HookTools* tools_ = nullptr;
};

struct LoggerState {
    std::shared_ptr<JujuLogSink> juju_sink = std::make_shared<JujuLogSink>();
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
    current.juju_sink->set_level(spdlog::level::warn);
    current.juju_sink->set_pattern("%v");
    current.logger = std::make_shared<spdlog::logger>(
        "dispatch", spdlog::sinks_init_list{output, current.juju_sink});
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

void attach_hook_tools(juju::HookTools& tools) {
    state().juju_sink->attach(&tools);
}

void detach_hook_tools() {
    state().juju_sink->attach(nullptr);
}

void teardown() {
    detach_hook_tools();
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
