// The mount table: parsing /proc/self/mountinfo and asking whether a path is a mount point.
#pragma once

#include <string_view>
#include <vector>

#include <slurmctld/host/host.hpp>

namespace slurmctld::host {

/// Parses /proc/<pid>/mountinfo (proc(5)): one MountInfo per line, octal escapes such as
/// `\040` (space) decoded in paths. Throws HostError naming the line when one is malformed.
std::vector<MountInfo> parse_mountinfo(std::string_view text);

/// True when something is mounted at `path`: the check upstream makes with Path.is_mount()
/// before it trusts /srv/slurmctld-statefs. An autofs mount point counts, as it does for
/// upstream. Only the mount table is read: nothing at `path` is touched (a hung network mount
/// would block the caller), so `path` must be given as the mount table names it (no symlinks).
bool is_mount_point(Host& host, const fs::path& path);

}  // namespace slurmctld::host
