// Debian packages through Host::dpkg_query and Host::apt_get.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <slurmctld/host/host.hpp>

namespace slurmctld::host {

/// dpkg-query or apt-get failed; the message says which packages and apt's reason.
class PackageError : public HostError {
  public:
    using HostError::HostError;
};

/// Version of an installed package (e.g. "23.11.4-1.2ubuntu5"), nullopt when it is not
/// installed. Asks `dpkg-query -W -f=${db:Status-Status}\t${Version} <package>` rather than
/// the version alone, because a removed but not purged package still has a version there.
std::optional<std::string> installed_version(Host& host, std::string_view package);

/// The packages of `packages` that are not installed, in the given order.
std::vector<std::string> missing_packages(Host& host, const std::vector<std::string>& packages);

enum class AptUpdate { Skip, First };

/// How long every apt-get waits for the dpkg lock (`-o DPkg::Lock::Timeout=300`, after the
/// verb): unattended-upgrades holds it for minutes on a fresh machine. Well inside
/// RealHostOptions::apt_get_timeout.
inline constexpr std::chrono::seconds kDpkgLockTimeout{300};
/// apt's own retries of a failed download (`-o Acquire::Retries=3`, after the lock timeout).
inline constexpr int kAptDownloadRetries = 3;
/// How many times install_packages runs its apt-get steps before it gives up.
inline constexpr int kAptAttempts = 3;

/// `apt-get update -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3` (with AptUpdate::First)
/// then `apt-get install -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3 -y
/// --option=Dpkg::Options::=--force-confold <packages>`: keep a locally changed conffile rather
/// than stop on a prompt no one can answer. When either fails, both run again, up to
/// kAptAttempts times in all. Throws PackageError with the last failure.
void install_packages(Host& host, const std::vector<std::string>& packages,
                      AptUpdate update = AptUpdate::Skip);

/// `apt-get remove -o DPkg::Lock::Timeout=300 -o Acquire::Retries=3 -y <packages>`. Throws
/// PackageError.
void remove_packages(Host& host, const std::vector<std::string>& packages);

}  // namespace slurmctld::host
