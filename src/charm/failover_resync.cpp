#include <algorithm>
#include <charconv>
#include <sstream>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/controller_probe.hpp>
#include <slurmctld/charm/failover_resync.hpp>
#include <slurmctld/charm/reconcile.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/slurm/scontrol_output.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;

namespace {

constexpr std::chrono::seconds kResyncMargin{10};
/// The reason slurmctld drains a node with when it refuses a job it already runs (agent.c).
constexpr std::string_view kDuplicateJobIdReason = "Duplicate jobid";

struct ResyncRecord {
    std::int64_t first_seen = 0;
    bool done = false;
};

/// One scontrol node list. The names are Slurm's own, checked by the scontrol_output readers,
/// so none holds the list's comma.
std::string join_node_names(const std::vector<std::string>& names) {
    std::string list;
    for (const auto& name : names) {
        list += (list.empty() ? "" : ",") + name;
    }
    return list;
}

std::int64_t seconds_now(host::Host& host) {
    return std::chrono::duration_cast<std::chrono::seconds>(host.now().time_since_epoch()).count();
}

std::optional<ResyncRecord> read_record(host::Host& host) {
    const auto text = host.read_file(std::string(kFailoverResyncRecord));
    if (!text) {
        return std::nullopt;
    }
    std::istringstream fields(*text);
    ResyncRecord record;
    int done = 0;
    if (!(fields >> record.first_seen >> done) || (done != 0 && done != 1)) {
        log::warning("ignoring {}: not `<seconds> <0|1>`", kFailoverResyncRecord);
        return std::nullopt;
    }
    record.done = done == 1;
    return record;
}

/// A whole number of seconds from slurm.conf, or `fallback` (Slurm's default) when unset or not
/// one: the configuration was validated when written, this only must not throw.
std::int64_t seconds_option(const std::optional<slurm::ConfigDocument>& document,
                            std::string_view key, std::int64_t fallback) {
    if (!document) {
        return fallback;
    }
    const auto text = document->get(key);
    std::int64_t value = 0;
    if (!text || text->empty() ||
        std::from_chars(text->data(), text->data() + text->size(), value).ec != std::errc{} ||
        value < 0 || value > 65535) {
        return fallback;
    }
    return value;
}

}  // namespace

std::chrono::seconds failover_resync_grace(host::Host& host) {
    const auto document = read_slurm_conf(host);
    return std::chrono::seconds(seconds_option(document, "BatchStartTimeout", 10) +
                                seconds_option(document, "MessageTimeout", 10)) +
           kResyncMargin;
}

void record_failover_resync(host::Host& host, bool done) {
    host.make_directories(std::string(kCharmRunDir), {"root", "root", 0755});
    host.write_file(std::string(kFailoverResyncRecord),
                    std::to_string(seconds_now(host)) + (done ? " 1\n" : " 0\n"),
                    {"root", "root", 0600});
}

FailoverResync failover_resync_step(host::Host& host, const std::string& hostname) {
    const bool in_control = heartbeat_controller(host) == hostname;
    const auto now = seconds_now(host);
    const auto record = read_record(host);
    if (!in_control) {
        if (record) {
            host.remove_file(std::string(kFailoverResyncRecord));
        }
        return FailoverResync::None;
    }
    if (!record) {
        return FailoverResync::Observe;
    }
    if (record->done || now - record->first_seen < failover_resync_grace(host).count()) {
        return FailoverResync::None;
    }
    return FailoverResync::Due;
}

void resync_nodes_after_failover(HookScope& scope) {
    auto& host = scope.host;
    const auto& hostname = scope.facts.hostname;
    switch (failover_resync_step(host, hostname)) {
        case FailoverResync::None:
            return;
        case FailoverResync::Observe:
            log::info("this controller is in control: the nodes register again in {} s",
                      failover_resync_grace(host).count());
            record_failover_resync(host, /*done=*/false);
            return;
        case FailoverResync::Due:
            break;
    }
    // Every node registers again now, when Slurm's rule can apply: the new controller loaded the
    // jobs at least the grace ago (it sets each job's time_last_active when it loads the state,
    // job_mgr.c, so a registration sooner cannot end a job). Not `scontrol reconfigure`: on 24.11
    // it restarts slurmctld, which loads the state again and so moves that time to now.
    // `update state=resume` and `state=undrain` each have Slurm ask the node to register at once
    // (node_mgr.c _require_node_reg); neither changes the state of a node that is not drained.
    const auto listed = host.scontrol({"-o", "show", "node"});
    if (!listed.ok()) {
        log::warning("scontrol show node failed (the next hook tries again): {}",
                     listed.stderr_text);
        return;
    }
    // A node Slurm drained because the new controller relaunched a job whose first run, started
    // by the lost one after its last save, was still going there ("Duplicate jobid", agent.c):
    // the lost state, not a fault of the node; resumed (a drained node takes no job). The job
    // itself stays held ("launch failed requeued held"): it ran once; its owner decides.
    const auto duplicate =
        join_node_names(slurm::nodes_with_reason(listed.stdout_text, kDuplicateJobIdReason));
    // Every other node that is not drained (a drain is someone's decision: undrain would end
    // it) and not refused by Slurm for its registration (where undrain is refused).
    const auto others = join_node_names(
        slurm::nodes_without_state_flags(listed.stdout_text, {"DRAIN", "INVALID_REG"}));
    bool asked = true;
    for (const auto& [nodes, state] :
         {std::pair{duplicate, "resume"}, std::pair{others, "undrain"}}) {
        if (nodes.empty()) {
            continue;
        }
        const auto result =
            host.scontrol({"update", "nodename=" + nodes, std::string("state=") + state});
        if (result.ok()) {
            log::info("asked node(s) {} to register again ({})", nodes, state);
        } else {
            log::warning("scontrol update nodename={} state={} failed: {}", nodes, state,
                         result.stderr_text);
            asked = false;
        }
    }
    if (!asked) {
        return;  // the next hook tries again
    }
    record_failover_resync(host, /*done=*/true);
    log::info(
        "took control from another controller: every node registered again, so Slurm requeues "
        "or ends a job whose end only the other controller saw");
}

}  // namespace slurmctld::charm
