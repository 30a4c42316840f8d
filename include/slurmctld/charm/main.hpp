#pragma once

#include <filesystem>
#include <map>

namespace slurmctld::charm {

/// The only symlinks the charm's file operations go through (RealHostOptions::trusted_links),
/// each only while it points at its target: /etc/slurm -> the shared file system's copy (HA),
/// and /etc/os-release -> /usr/lib/os-release (os-release(5); a relative link on Debian and
/// Ubuntu). FakeHost trusts the same by default.
std::map<std::filesystem::path, std::filesystem::path> trusted_host_links();

/// The whole of `dispatch`: decode the hook context, run its handler, set the status.
/// Returns the process exit code (see docs/exit-codes in README).
int dispatch_main(int argc, char** argv);

}  // namespace slurmctld::charm
