// Symlink resolution that works on any Host (real or fake), so that path checks such as
// is_mount_point see through /etc/slurm -> /srv/slurmctld-statefs/etc/slurm on both.
#pragma once

#include <filesystem>
#include <functional>
#include <optional>

#include <slurmctld/host/host.hpp>

namespace slurmctld::host {

/// Returns the target of `path` when it is a symlink, nullopt otherwise. It is only asked about
/// paths whose parent is already resolved.
using SymlinkReader = std::function<std::optional<fs::path>(const fs::path& path)>;

/// realpath(3) over `read_link`: every symlink component is replaced by its target and `.`
/// and `..` are resolved in the right order (after the symlink to their left). Components that
/// do not exist are kept as they are. With `follow_last` false a final symlink is kept
/// (as lstat sees it). Throws HostError for a relative path or a symlink loop (40 hops, as
/// Linux).
fs::path resolve_symlinks(const fs::path& path, const SymlinkReader& read_link,
                          bool follow_last = true);

/// resolve_symlinks through Host::read_symlink.
fs::path resolve_path(Host& host, const fs::path& path);

/// `path` with "." and ".." resolved lexically (what the kernel does when no symlink is
/// followed) and without a trailing slash.
fs::path normalized_path(const fs::path& path);
/// The components of `path` after `base` when `base` is `path` itself (an empty result) or
/// one of its directories; nullopt otherwise. Both are taken as given (normalise first).
std::optional<fs::path> path_below(const fs::path& path, const fs::path& base);
/// Where a symlink at `link` holding `content` points: absolute and normalised (a relative
/// link is taken from the link's directory).
fs::path link_destination(const fs::path& link, const fs::path& content);

/// Host::swap_directory_for_symlink's preconditions, for every Host: `directory` is a real
/// directory and nothing is at `backup`. Throws HostError starting with `what`.
void require_swappable(Host& host, const fs::path& directory, const fs::path& backup,
                       const std::string& what);

}  // namespace slurmctld::host
