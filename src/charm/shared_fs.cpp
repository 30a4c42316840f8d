// High availability: the shared file system of the `mount` integration (design.md §3,
// upstream.md §2.7-2.8). It holds /etc/slurm (configuration and keys, through a link on every
// unit) and StateSaveLocation. The unit whose local controller holds the state seeds it: it
// copies its /etc/slurm and moves its state there live; the others wait for that, then link.
// Anyone who can write the file system is untrusted: nothing read from it is used unchecked.
#include <algorithm>
#include <cmath>
#include <ctime>

#include <nlohmann/json.hpp>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/reconcile.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/charm/status.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/host/state_copy.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/auth_keys.hpp>
#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using juju::WorkloadState;

namespace {

/// A fsync+rename of a small file slower than this at the 99th percentile is reported.
/// slurmctld saves its state (about ten small files, each written, fsynced and renamed) at most
/// every 5 s, and Slurm warns when one save takes over 0.5 s; at 50 ms per file a save reaches
/// that. The heartbeat file (every SlurmctldTimeout/4) pays the same cost.
constexpr std::chrono::microseconds kSlowStatefsP99{50000};
constexpr int kLatencySamples = 20;
constexpr std::int64_t kLatencyProbeEverySeconds = 600;
constexpr std::int64_t kLatencyRecheckSeconds = 60;
/// A shared file system that does not answer a stat and a small read within this is hung.
constexpr std::chrono::seconds kResponsiveTimeout{10};

std::string timestamp_suffix(std::chrono::system_clock::time_point when) {
    const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
    std::tm local{};
    localtime_r(&seconds, &local);
    char text[32];
    if (std::strftime(text, sizeof text, "%Y%m%d_%H%M%S", &local) == 0) {
        return "unknown";  // cannot happen with this format; never an uninitialised name
    }
    return text;
}

Stop waiting(std::string message) {
    return {WorkloadState::Waiting, std::move(message)};
}

Stop blocked(std::string message) {
    return {WorkloadState::Blocked, std::move(message)};
}

std::string seeder_name(const Facts& facts) {
    const auto unit = controller_unit(facts);
    return unit.empty() ? std::string("the leader") : unit;
}

StepResult check_statefs_identity(HookScope& scope, PeerFacts& peers) {
    const auto& facts = scope.facts;
    if (!peers.relation) {
        return waiting("Waiting for the peer relation");
    }
    std::string found;
    if (const auto text = scope.host.read_file(std::string(kHaStatefsIdFile))) {
        auto checked = statefs_identity(*text);
        if (!checked.has_value()) {
            log::error("{}", checked.error().describe());
            return blocked("The file system at /srv/slurmctld-statefs has an invalid " +
                           std::string(kHaStatefsIdFile) + ": " + checked.error().reason);
        }
        found = checked.value();
    }
    if (peers.statefs_id.empty()) {
        if (!facts.leader) {
            return waiting("Waiting for the leader to set up the shared file system");
        }
        // The first leader to see the file system names it; a file system that already carries
        // a name (state from an earlier deployment) keeps it.
        std::string id = found;
        if (id.empty()) {
            id = slurm::random_uuid_v4();
            scope.host.write_file(std::string(kHaStatefsIdFile), id + "\n", {"root", "root", 0644});
        }
        scope.tools.relation_set(*peers.relation,
                                 {{std::string(kPeerStatefsIdKey), juju::codec::encode(id)}},
                                 /*app=*/true);
        peers.statefs_id = id;
        log::info("shared file system at {} has identity {}", kHaMountPoint, id);
        return std::nullopt;
    }
    if (found == peers.statefs_id) {
        return std::nullopt;
    }
    // Two controllers on different "shared" file systems would both run as primary: refuse.
    log::error(
        "{} holds identity '{}' but the controllers share '{}': this unit's mount is not their "
        "file system (check the filesystem-client integration)",
        kHaStatefsIdFile, found.empty() ? "<none>" : found, peers.statefs_id);
    if (host::service_is_active(scope.host, kService)) {
        host::stop_service(scope.host, kService);
    }
    return blocked(
        "The file system at /srv/slurmctld-statefs is not the one the other controllers use");
}

StepResult link_etc_slurm(HookScope& scope, const Placement& placement) {
    const auto& facts = scope.facts;
    auto& host = scope.host;
    const std::string etc(kEtcSlurm);
    const std::string shared(kHaEtcSlurm);
    if (placement.etc_shared) {
        return std::nullopt;
    }
    const auto status = host.status(etc);
    if (host.status(shared).type == host::FileType::Missing) {
        if (!seeds_shared_fs(facts)) {
            return waiting("Waiting for " + seeder_name(facts) +
                           " to move its configuration to the shared file system");
        }
        host.make_directories(std::string(kHaMountPoint) + "/etc", {"root", "root", 0755});
        if (status.type == host::FileType::Directory) {
            // Config, includes, keys and the package's files (plugstack.conf) move as they are.
            host.copy_tree(etc, shared);
            log::info("copied {} to {}", etc, shared);
        } else {
            host.make_directories(shared, {"root", "root", 0755});
        }
    } else if (status.type == host::FileType::Directory && seeds_shared_fs(facts)) {
        log::warning("{} already exists. aborting copy from {}", shared, etc);
    }
    std::string backup = etc + "_" + timestamp_suffix(host.now());
    for (int n = 1; host.status(backup).type != host::FileType::Missing; ++n) {
        backup = etc + "_" + timestamp_suffix(host.now()) + "." + std::to_string(n);
    }
    if (status.type == host::FileType::Directory) {
        host.swap_directory_for_symlink(etc, shared, backup);
        log::info("{} now links to {}; the local copy is kept as {}", etc, shared, backup);
    } else {
        if (status.type != host::FileType::Missing) {
            host.rename(etc, backup);  // a symlink elsewhere or a stray file: kept, not lost
        }
        host.replace_with_symlink(etc, shared);
    }
    return std::nullopt;
}

/// The StateSaveLocation the shared slurm.conf names ("" without a slurm.conf).
std::string state_save_location(host::Host& host) {
    const auto document = read_slurm_conf(host);
    return document ? document->get("StateSaveLocation").value_or(std::string(kLocalCheckpoint))
                    : std::string();
}

StepResult migrate_state_save_location(HookScope& scope) {
    auto& host = scope.host;
    const auto text = host.read_file(std::string(kSlurmConf));
    if (!text) {
        return std::nullopt;  // nothing runs yet: the configuration is written with the shared one
    }
    auto parsed = slurm::ConfigDocument::parse_remembered(*text, slurm::ConfigDialect::SlurmConf);
    if (!parsed.has_value()) {
        return blocked("Cannot parse " + std::string(kSlurmConf) + ": " +
                       parsed.error().describe());
    }
    auto& document = parsed.value();
    const std::string current =
        document.get("StateSaveLocation").value_or(std::string(kLocalCheckpoint));
    const std::string target(kHaCheckpoint);
    if (current == target) {
        return std::nullopt;
    }
    if (host.status(target).type != host::FileType::Missing) {
        // State already on the shared file system wins: it is never overwritten.
        log::warning("{} already exists: switching to it without copying {}", target, current);
    } else {
        show_progress(scope.tools, std::string(kMsgMigrating));
        // Copy into a staging directory and rename it into place once complete, so a crash
        // mid-copy never leaves a partial StateSaveLocation under the final name. The staging
        // directory is made afresh by this hook: nothing planted there is written through.
        const std::string staging = target + ".migrating";
        const bool was_active = host::service_is_active(host, kService);
        bool staged = false;
        if (was_active) {
            // While running: the bulk of the state.
            const auto first = host::copy_directory_contents(host, current, staging);
            staged = first.has_value();
            if (!staged) {
                log::warning("first copy of {} failed ({}); copying after the stop", current,
                             first.error().message);
            }
            host::stop_service(host, kService);
        }
        // Stopped: what changed meanwhile.
        const auto delta = host::copy_directory_contents(
            host, current, staging, staged ? host::Staging::Continue : host::Staging::Fresh);
        if (!delta.has_value()) {
            log::error("failed to copy {} to {}: {}", current, staging, delta.error().message);
            if (was_active) {
                host::start_service(host, kService);  // never left stopped by the charm
            }
            return blocked("Failed to migrate " + current +
                           " to /srv/slurmctld-statefs. See `juju debug-log` for details");
        }
        host.rename(staging, target);
        log::info("migrated {} to {}", current, target);
    }
    document.set("StateSaveLocation", target);
    host.write_file(std::string(kSlurmConf), document.render(), {"slurm", "slurm", 0644});
    return std::nullopt;
}

}  // namespace

/// fsync+rename latency of the shared file system, measured every 10 minutes, and again a
/// minute after a slow measurement; reported (the p99) only when two measurements in a row were
/// slow, so a passing load spike on this machine does not flip the status. The bookkeeping is
/// the machine's (a record on tmpfs): nothing here needs Juju's commit.
std::optional<std::chrono::microseconds> probe_statefs_latency(host::Host& host) {
    const auto now_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(host.now().time_since_epoch()).count();
    std::int64_t last = -1;
    std::int64_t p99_us = 0;
    int slow_probes = 0;
    if (const auto text = host.read_file(std::string(kLatencyRecord))) {
        try {
            const auto record = nlohmann::json::parse(*text);
            last = record.at("at").get<std::int64_t>();
            p99_us = record.at("p99_us").get<std::int64_t>();
            slow_probes = record.at("slow_probes").get<int>();
        } catch (const nlohmann::json::exception& error) {
            log::warning("ignoring {}: {}", kLatencyRecord, error.what());
            last = -1;
        }
    }
    const std::int64_t every = slow_probes > 0 ? kLatencyRecheckSeconds : kLatencyProbeEverySeconds;
    if (last < 0 || now_seconds - last >= every) {
        auto measured = host.measure_write_latency(std::string(kHaMountPoint), kLatencySamples);
        if (!measured.has_value() || measured.value().empty()) {
            log::warning("cannot measure the shared file system's write latency: {}",
                         measured.has_value() ? "no samples" : measured.error().message);
            return std::nullopt;
        }
        auto& samples = measured.value();
        std::sort(samples.begin(), samples.end());
        const auto at = [&samples](double quantile) {
            const auto index = static_cast<std::size_t>(
                std::lround(quantile * static_cast<double>(samples.size() - 1)));
            return samples[std::min(index, samples.size() - 1)];
        };
        p99_us = at(0.99).count();
        slow_probes = p99_us > kSlowStatefsP99.count() ? slow_probes + 1 : 0;
        log::info(
            "shared file system write latency (fsync+rename, {} samples): p50 {} us, p99 {} us",
            samples.size(), at(0.5).count(), p99_us);
        const nlohmann::json record{
            {"at", now_seconds}, {"p99_us", p99_us}, {"slow_probes", slow_probes}};
        host.make_directories(std::string(kCharmRunDir), {"root", "root", 0755});
        host.write_file(std::string(kLatencyRecord), record.dump() + "\n", {"root", "root", 0644});
    }
    if (slow_probes < 2) {
        return std::nullopt;
    }
    log::warning(
        "the shared file system is slow for StateSaveLocation: p99 fsync+rename {} us "
        "(threshold {} us)",
        p99_us, kSlowStatefsP99.count());
    return std::chrono::microseconds(p99_us);
}

StepResult prepare_shared_fs(HookScope& scope, Outcome& outcome) {
    const auto& facts = scope.facts;
    const auto placement = read_placement(scope.host);
    if (!placement.ha(facts)) {
        return std::nullopt;
    }
    if (!placement.mounted) {
        // A controller already serving from local disk keeps doing so until the mount arrives;
        // a unit that has nothing to serve waits (never local state with use-network-state).
        if (may_run_controller(facts, placement)) {
            return std::nullopt;
        }
        return blocked(std::string(kMsgNeedSharedFs));
    }
    // A hung mount would block the hook in the first operation on it: ask a child first.
    if (const auto responsive =
            scope.host.check_responsive(std::string(kHaMountPoint), kResponsiveTimeout);
        !responsive.has_value()) {
        log::error("the shared file system at {} does not respond: {}", kHaMountPoint,
                   responsive.error().message);
        outcome.shared_fs_unresponsive = true;
        return blocked(std::string(kMsgStatefsUnresponsive));
    }
    PeerFacts peers = facts.peers;
    if (auto stop = check_statefs_identity(scope, peers)) {
        return stop;
    }
    if (auto stop = link_etc_slurm(scope, placement)) {
        return stop;
    }
    if (state_save_location(scope.host) != kHaCheckpoint &&
        scope.host.status(std::string(kSlurmConf)).type != host::FileType::Missing) {
        if (!seeds_shared_fs(facts)) {
            // The seeding unit rewrites slurm.conf when its state has moved: no second writer
            // until then.
            return waiting("Waiting for " + seeder_name(facts) +
                           " to move its state to the shared file system");
        }
        if (auto stop = migrate_state_save_location(scope)) {
            return stop;
        }
    }
    outcome.slow_statefs_p99 = probe_statefs_latency(scope.host);
    return std::nullopt;
}

}  // namespace slurmctld::charm
