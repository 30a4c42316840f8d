// Juju's commit-on-success for the fakes: a hook that exits non-zero (or dies) has its
// transactional writes discarded — relation data, unit state, secrets (content, labels, grants,
// removals, tracked revisions) and ports — while what Juju applies at once stays: statuses,
// juju-log lines, the workload version, leader settings, action results
// (reference docs/reference/juju.md "Hook failures").
#pragma once

#include "support/fake_hook_tools.hpp"

namespace testing_support {

/// `after` is the state a failed hook left; `before` the state it started from. Puts back
/// everything Juju would not have committed.
void discard_failed_hook_writes(State& after, const State& before);

}  // namespace testing_support
