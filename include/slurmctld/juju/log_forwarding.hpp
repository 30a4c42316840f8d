// Warnings and errors of the charm's log also go through `juju-log`, so `juju debug-log` shows
// them at their own level (everything else reaches the unit log through stdout).
#pragma once

#include <slurmctld/juju/hook_tools.hpp>

namespace slurmctld::juju {

/// Forwards util::log's warnings and errors to tools.juju_log() while it lives.
class JujuLogForwarding {
  public:
    explicit JujuLogForwarding(HookTools& tools);
    ~JujuLogForwarding();
    JujuLogForwarding(const JujuLogForwarding&) = delete;
    JujuLogForwarding& operator=(const JujuLogForwarding&) = delete;
};

}  // namespace slurmctld::juju
