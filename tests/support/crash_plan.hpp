// Fault injection: a hook that dies at a chosen step. Every hook-tool call and every change to
// the machine is a step; a CrashPlan counts them and, at the chosen one, throws InjectedCrash
// (not a std::exception, so no handler in the charm can catch it by accident). The hook runner
// then ends the hook as failed, and the test harness discards what Juju would discard.
#pragma once

#include <string>
#include <vector>

namespace testing_support {

struct InjectedCrash {
    std::string step;
};

class CrashPlan {
  public:
    /// Crash at step `crash_at` (0-based); -1: only count the steps.
    explicit CrashPlan(int crash_at = -1) : crash_at_(crash_at) {}

    /// A step is about to happen.
    void step(const std::string& what) {
        steps_.push_back(what);
        if (static_cast<int>(steps_.size()) - 1 == crash_at_) {
            crashed_ = true;
            crash_step_ = what;
            throw InjectedCrash{what};
        }
    }

    int steps() const { return static_cast<int>(steps_.size()); }
    const std::vector<std::string>& seen() const { return steps_; }
    bool crashed() const { return crashed_; }
    /// The step it crashed at ("tool relation-set", "host write /etc/slurm/slurm.conf").
    const std::string& crash_step() const { return crash_step_; }

  private:
    int crash_at_;
    std::vector<std::string> steps_;
    bool crashed_ = false;
    std::string crash_step_;
};

}  // namespace testing_support
