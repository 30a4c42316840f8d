// Whether a controller must re-read its configuration is decided by content, not by "this hook
// changed a file": the charm records, on the machine, the digest of the files the controller was
// last started or reconfigured with, and compares it with the files on disk. A hook that wrote
// new files and then failed, or was killed, leaves the record behind the files, so the next
// hook applies them; nothing is lost with the hook's discarded writes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <slurmctld/host/host.hpp>

namespace slurmctld::charm {

/// What a controller runs with.
struct AppliedConfig {
    std::string digest;                    ///< configuration_digest() at the time
    std::vector<std::string> controllers;  ///< its SlurmctldHost list
    bool operator==(const AppliedConfig&) const = default;
};

/// Digest of every file a controller reads from /etc/slurm (slurm.conf and its includes,
/// gres.conf, cgroup.conf, the key files, ...: every regular file but hidden temp files), by
/// name and content. "" when /etc/slurm has no slurm.conf.
std::string configuration_digest(host::Host& host);

/// The record (kAppliedConfigRecord; on tmpfs, so it goes with the controller at a reboot).
std::optional<AppliedConfig> read_applied_config(host::Host& host);
void record_applied_config(host::Host& host, const AppliedConfig& applied);

}  // namespace slurmctld::charm
