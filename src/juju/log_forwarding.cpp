#include <algorithm>

#include <slurmctld/juju/log_forwarding.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::juju {

namespace {
// Juju's juju-log takes the message as one argument; ops splits longer messages the same way.
constexpr std::size_t kMaxJujuLogMessage = 131071;
}  // namespace

JujuLogForwarding::JujuLogForwarding(HookTools& tools) {
    util::log::set_forwarder([&tools](util::log::Level level, std::string_view text) {
        const auto juju_level =
            level == util::log::Level::Error ? LogLevel::Error : LogLevel::Warning;
        do {
            tools.juju_log(juju_level, text.substr(0, kMaxJujuLogMessage));
            text.remove_prefix(std::min(text.size(), kMaxJujuLogMessage));
        } while (!text.empty());
    });
}

JujuLogForwarding::~JujuLogForwarding() {
    util::log::clear_forwarder();
}

}  // namespace slurmctld::juju
