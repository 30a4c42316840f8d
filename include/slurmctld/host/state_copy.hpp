// Copying a directory into a staging directory with rsync where others can write (the shared
// file system, the slurm user's state): the staging directory is made fresh by the caller's
// process, exclusively and root 0700, so a directory or symlink planted under its name is
// never written into; rsync then replaces, never follows, links inside it.
#pragma once

#include <string>
#include <vector>

#include <slurmctld/host/host.hpp>

namespace slurmctld::host {

enum class Staging {
    /// Remove whatever is at `staging` (without following links) and create it anew.
    Fresh,
    /// Copy again into the staging directory a Fresh pass made (the delta pass after the
    /// source's writer stopped). It must still be a real directory.
    Continue,
};

/// rsync's arguments: `--archive --delete` (a mirror with owners, modes and times),
/// `--safe-links` (links that point out of the copied tree are left out),
/// `--one-file-system` (nothing mounted inside `from` is copied), `from/ staging/`.
std::vector<std::string> staging_rsync_arguments(const fs::path& from, const fs::path& staging);

/// Copies the contents of `from` into `staging` with Host::rsync (and its time limit). A
/// failure, a refused staging path or a timeout is a Failure naming the reason; nothing throws
/// for a bad state of the file system.
Expected<void> copy_directory_contents(Host& host, const fs::path& from, const fs::path& staging,
                                       Staging mode = Staging::Fresh);

}  // namespace slurmctld::host
