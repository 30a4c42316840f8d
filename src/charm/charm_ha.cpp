// High availability: the shared file system of the `mount` integration (design.md §3,
// reference §2.7-2.8). It holds /etc/slurm (config and keys, via a symlink on every unit) and
// StateSaveLocation; a single controller running on local disk is migrated onto it live.
#include <algorithm>
#include <cmath>
#include <ctime>

#include <slurmctld/charm/charm.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/host/mounts.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/auth_keys.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using juju::WorkloadState;

namespace {

/// A fsync+rename of a small file slower than this at the 99th percentile is reported.
/// slurmctld saves its state (about ten small files, each written, fsynced and renamed) at most
/// every 5 s, and Slurm 26.05 warns when one save takes over 0.5 s; at 50 ms per file a save
/// reaches that. The heartbeat file (every SlurmctldTimeout/4) pays the same cost.
constexpr std::chrono::microseconds kSlowStatefsP99{50000};
constexpr int kLatencySamples = 20;
constexpr std::int64_t kLatencyProbeEverySeconds = 600;

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

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
        text.pop_back();
    }
    return text;
}

}  // namespace

bool Charm::mount_related() {
    return !relations(kMountEndpoint).empty();
}

bool Charm::ha_enabled() {
    return mount_related() || etc_slurm_on_shared_fs();
}

bool Charm::shared_fs_mounted() {
    return host::is_mount_point(host_, std::string(kHaMountPoint));
}

bool Charm::etc_slurm_on_shared_fs() {
    const auto target = host_.read_symlink(std::string(kEtcSlurm));
    return target && *target == std::string(kHaEtcSlurm);
}

void Charm::request_mount() {
    const juju::Databag wanted{
        {"mountpoint", juju::codec::encode(std::string(kHaMountPoint))},
        {"noexec", "false"},
        {"nosuid", "false"},
        {"nodev", "false"},
        {"read_only", "false"},
    };
    for (const auto& relation : relations(kMountEndpoint)) {
        const auto current = tools_.relation_get_app(relation, context_.app_name);
        juju::Databag changes;
        for (const auto& [key, value] : wanted) {
            const auto found = current.find(key);
            if (found == current.end() || found->second != value) {
                changes[key] = value;
            }
        }
        if (!changes.empty()) {
            tools_.status_set(WorkloadState::Maintenance, kMsgRequestingMount, false);
            tools_.relation_set(relation, changes, /*app=*/true);
        }
    }
}

bool Charm::prepare_shared_fs() {
    if (!shared_fs_mounted()) {
        // A leader already serving from local disk keeps doing so until the mount arrives; a
        // unit that has nothing to serve waits (never local state with use-network-state).
        return leader() && !config().use_network_state;
    }
    if (!check_statefs_identity() || !link_etc_slurm()) {
        return false;
    }
    if (leader()) {
        migrate_state_save_location();
    }
    probe_shared_fs_latency();
    return !decided_;
}

bool Charm::check_statefs_identity() {
    auto& view = peers();
    if (!view.relation) {
        decided_ = DecidedStatus{WorkloadState::Waiting, "Waiting for the peer relation"};
        return false;
    }
    const auto on_disk = host_.read_file(std::string(kHaStatefsIdFile));
    const std::string found = on_disk ? trimmed(*on_disk) : std::string();
    if (view.statefs_id.empty()) {
        if (!leader()) {
            decided_ = DecidedStatus{WorkloadState::Waiting,
                                     "Waiting for the leader to set up the shared file system"};
            return false;
        }
        // The first leader to see the file system names it; a file system that already
        // carries a name (state from an earlier deployment) keeps it.
        std::string id = found;
        if (id.empty()) {
            id = slurm::random_uuid_v4();
            host_.write_file(std::string(kHaStatefsIdFile), id + "\n", {"root", "root", 0644});
        }
        tools_.relation_set(*view.relation,
                            {{std::string(kPeerStatefsIdKey), juju::codec::encode(id)}},
                            /*app=*/true);
        view.statefs_id = id;
        log::info("shared file system at {} has identity {}", kHaMountPoint, id);
        return true;
    }
    if (found == view.statefs_id) {
        return true;
    }
    // Two controllers on different "shared" file systems would both run as primary: refuse.
    log::error(
        "{} holds identity '{}' but the controllers share '{}': this unit's mount is not "
        "their file system (check the filesystem-client integration)",
        kHaStatefsIdFile, found.empty() ? "<none>" : found, view.statefs_id);
    if (host::service_is_active(host_, kService)) {
        host::stop_service(host_, kService);
    }
    decided_ = DecidedStatus{
        WorkloadState::Blocked,
        "The file system at /srv/slurmctld-statefs is not the one the other controllers use"};
    return false;
}

bool Charm::link_etc_slurm() {
    const std::string etc(kEtcSlurm);
    const std::string shared(kHaEtcSlurm);
    const auto status = host_.status(etc);
    if (status.type == host::FileType::Symlink && etc_slurm_on_shared_fs()) {
        return true;
    }
    if (host_.status(shared).type == host::FileType::Missing) {
        if (!leader()) {
            decided_ =
                DecidedStatus{WorkloadState::Waiting, "Waiting for " + std::string(kSlurmConf)};
            return false;
        }
        host_.make_directories(std::string(kHaMountPoint) + "/etc", {"root", "root", 0755});
        if (status.type == host::FileType::Directory) {
            // Config, includes, keys and the package's files (plugstack.conf) move as they are.
            host_.copy_tree(etc, shared);
            log::info("copied {} to {}", etc, shared);
        } else {
            host_.make_directories(shared, {"root", "root", 0755});
        }
    } else if (status.type == host::FileType::Directory && leader()) {
        log::warning("{} already exists. aborting copy from {}", shared, etc);
    }
    std::string backup = etc + "_" + timestamp_suffix(host_.now());
    for (int n = 1; host_.status(backup).type != host::FileType::Missing; ++n) {
        backup = etc + "_" + timestamp_suffix(host_.now()) + "." + std::to_string(n);
    }
    if (status.type == host::FileType::Directory) {
        host_.swap_directory_for_symlink(etc, shared, backup);
        log::info("{} now links to {}; the local copy is kept as {}", etc, shared, backup);
    } else {
        if (status.type != host::FileType::Missing) {
            host_.rename(etc, backup);  // a symlink elsewhere or a stray file: kept, not lost
        }
        host_.replace_with_symlink(etc, shared);
    }
    return true;
}

void Charm::migrate_state_save_location() {
    auto document = load_document(std::string(kSlurmConf), slurm::ConfigDialect::SlurmConf);
    if (!document) {
        return;  // nothing runs yet: the configuration is written with the shared location
    }
    const std::string current =
        document->get("StateSaveLocation").value_or(std::string(kLocalCheckpoint));
    const std::string target(kHaCheckpoint);
    if (current == target) {
        return;
    }
    if (host_.status(target).type != host::FileType::Missing) {
        // State already on the shared file system wins: it is never overwritten.
        log::warning("{} already exists: switching to it without copying {}", target, current);
    } else {
        tools_.status_set(WorkloadState::Maintenance, kMsgMigrating, false);
        // Copy into a staging directory and rename it into place once complete, so a crash
        // mid-copy never leaves a partial StateSaveLocation under the final name.
        const std::string staging = target + ".migrating";
        const std::vector<std::string> copy{"--archive", "--delete", current + "/", staging};
        const bool was_active = host::service_is_active(host_, kService);
        if (was_active) {
            const auto first = host_.rsync(copy);  // while running: the bulk of the state
            if (!first.ok()) {
                log::warning("first copy of {} failed ({}); copying after the stop", current,
                             first.stderr_text);
            }
            host::stop_service(host_, kService);
        }
        const auto delta = host_.rsync(copy);  // stopped: what changed meanwhile
        if (!delta.ok()) {
            log::error("failed to copy {} to {}: {}", current, staging, delta.stderr_text);
            if (was_active) {
                host::start_service(host_, kService);
            }
            decided_ = DecidedStatus{WorkloadState::Blocked,
                                     "Failed to migrate " + current +
                                         " to /srv/slurmctld-statefs. See `juju debug-log` for "
                                         "details"};
            return;
        }
        host_.rename(staging, target);
        log::info("migrated {} to {}", current, target);
    }
    document->set("StateSaveLocation", target);
    if (save_document(std::string(kSlurmConf), *document)) {
        configuration_changed_ = true;
    }
}

void Charm::probe_shared_fs_latency() {
    const auto state = tools_.state_get();
    const auto now_seconds =
        std::chrono::duration_cast<std::chrono::seconds>(host_.now().time_since_epoch()).count();
    std::int64_t last = 0;
    std::int64_t p99_us = -1;
    if (const auto found = state.find(std::string(kStateLatencyProbeAt)); found != state.end()) {
        last = std::atoll(found->second.c_str());
    }
    if (const auto found = state.find(std::string(kStateLatencyP99)); found != state.end()) {
        p99_us = std::atoll(found->second.c_str());
    }
    if (p99_us < 0 || now_seconds - last >= kLatencyProbeEverySeconds) {
        auto measured = host_.measure_write_latency(std::string(kHaMountPoint), kLatencySamples);
        if (!measured) {
            log::warning("{}", measured.error().message);
            return;
        }
        auto samples = std::move(measured).value();
        if (samples.empty()) {
            return;
        }
        std::sort(samples.begin(), samples.end());
        const auto at = [&samples](double quantile) {
            const auto index = static_cast<std::size_t>(
                std::lround(quantile * static_cast<double>(samples.size() - 1)));
            return samples[std::min(index, samples.size() - 1)];
        };
        p99_us = at(0.99).count();
        log::info(
            "shared file system write latency (fsync+rename, {} samples): p50 {} us, "
            "p99 {} us",
            samples.size(), at(0.5).count(), p99_us);
        tools_.state_set({{std::string(kStateLatencyProbeAt), std::to_string(now_seconds)},
                          {std::string(kStateLatencyP99), std::to_string(p99_us)}});
    }
    if (p99_us > kSlowStatefsP99.count()) {
        slow_statefs_p99_ = std::chrono::microseconds(p99_us);
        log::warning(
            "the shared file system is slow for StateSaveLocation: p99 fsync+rename {} "
            "us (threshold {} us)",
            p99_us, kSlowStatefsP99.count());
    }
}

}  // namespace slurmctld::charm
