// Slurm versions as scontrol and dpkg report them, and what the charm derives from them.
#pragma once

#include <compare>
#include <string>
#include <string_view>

#include <slurmctld/util/result.hpp>

namespace slurmctld::slurm {

/// A Slurm release: 24.11.5 is {24, 11, 5}. Ordered like Slurm's own comparisons.
struct SlurmVersion {
    int major = 0;
    int minor = 0;
    int micro = 0;

    /// Reads `scontrol --version` output ("slurm 24.11.5"), a Debian package version
    /// ("24.11.5-4+deb13u1", "23.11.7-2ubuntu1", "1:25.11.0-1") or a bare "25.11". Anything after
    /// the numbers (Debian revision, "-0rc1") is ignored.
    static Expected<SlurmVersion> parse(std::string_view text);

    std::string to_string() const;  ///< "24.11.5"

    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    friend auto operator<=>(const SlurmVersion&, const SlurmVersion&) = default;
};

/// How Slurm daemons and clients authenticate (design.md §2).
enum class AuthSetup {
    SlurmJwks,  ///< auth/slurm with /etc/slurm/slurm.jwks (multi-key): Slurm >= 24.05, upstream's
    SlurmKey,   ///< auth/slurm with /etc/slurm/slurm.key (raw key bytes): Slurm 23.11
    Munge,      ///< auth/munge: older releases
};

AuthSetup auth_setup_for(const SlurmVersion& version);

/// gres.conf `AutoDetect=nvidia` (the gpu/nvidia plugin, upstream's default) exists from 24.11
/// on; older slurmd logs "unknown autodetect flag 'nvidia'" at every start.
bool supports_autodetect_nvidia(const SlurmVersion& version);

/// slurm.conf MetricsType (upstream's `metrics/openmetrics`) exists from 25.11 on; older
/// slurmctld refuses to start on the unknown key.
bool supports_metrics_type(const SlurmVersion& version);

}  // namespace slurmctld::slurm
