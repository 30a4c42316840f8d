// FakeHost's rsync: the archive-mode copies the state migration makes, between the local disk and
// the shared file system.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <slurmctld/host/paths.hpp>

#include "support/fake_host.hpp"
#include "support/fake_host_internal.hpp"

namespace testing_support {

using namespace fake_host_internal;

CommandResult FakeHost::rsync(const std::vector<std::string>& args) {
    return call_program("rsync", args, true, &FakeHost::run_rsync);
}

// ---- rsync -----------------------------------------------------------------------------------

CommandResult FakeHost::run_rsync(const std::vector<std::string>& args) {
    const std::string usage_error =
        "rsync error: syntax or usage error (code 1) at main.c(1795) [client=3.2.7]\n";
    bool archive_mode = false;
    RsyncFlags flags;
    std::vector<std::string> paths;
    for (const auto& arg : args) {
        if (arg == "--archive") {
            archive_mode = true;
        } else if (arg == "--delete") {
            flags.remove_extraneous = true;
        } else if (arg == "--safe-links") {
            flags.safe_links = true;
        } else if (arg == "--one-file-system") {
            flags.one_file_system = true;
        } else if (arg.starts_with("--")) {
            return error(1, "rsync: " + arg + ": unknown option\n" + usage_error);
        } else if (arg.starts_with("-") && arg.size() > 1) {
            for (const char flag : arg.substr(1)) {
                if (flag == 'a') {
                    archive_mode = true;
                } else if (flag == 'x') {
                    flags.one_file_system = true;
                } else if (flag != 'v' && flag != 'q') {
                    return error(
                        1, "rsync: -" + std::string(1, flag) + ": unknown option\n" + usage_error);
                }
            }
        } else {
            paths.push_back(arg);
        }
    }
    if (paths.size() != 2 || !archive_mode) {
        return error(1,
                     "FakeHost models rsync --archive [--delete] [--safe-links] "
                     "[--one-file-system] SRC DST only\n" +
                         usage_error);
    }
    for (const auto& path : paths) {
        // rsync on a hung mount blocks until RealHost's time limit kills it.
        if (hung_under(resolve(path, true))) {
            pass_time(rsync_timeout);
            return error(host::kCommandTimedOut, timeout_note("rsync", rsync_timeout));
        }
    }
    const std::string& source_text = paths[0];
    const bool contents_only = source_text.ends_with("/");
    const fs::path source = resolve(source_text, contents_only);
    const FakeNode* source_node = node_at(source);
    if (source_node == nullptr) {
        return error(23, "rsync: [sender] link_stat \"" + source_text +
                             "\" failed: No such file or directory (2)\nrsync error: some "
                             "files/attrs were not transferred (see previous errors) (code 23) "
                             "at main.c(1338) [sender=3.2.7]\n");
    }
    if (contents_only && !std::holds_alternative<FakeDirectory>(*source_node)) {
        return error(23, "rsync: [sender] link_stat \"" + source_text +
                             "\" failed: Not a directory (20)\nrsync error: some files/attrs "
                             "were not transferred (see previous errors) (code 23) at "
                             "main.c(1338) [sender=3.2.7]\n");
    }
    const fs::path destination = resolve(paths[1], true);
    const FakeNode* destination_node = node_at(destination);
    const bool destination_is_directory =
        destination_node != nullptr && std::holds_alternative<FakeDirectory>(*destination_node);
    const std::string source_name = fs::path(source_text).filename().string();

    if (!std::holds_alternative<FakeDirectory>(*source_node)) {
        const fs::path target = destination_is_directory ? destination / source_name : destination;
        if (node_at(target.parent_path()) == nullptr) {
            return error(11, "rsync: [Receiver] change_dir#3 \"" + target.parent_path().string() +
                                 "\" failed: No such file or directory (2)\nrsync error: errors "
                                 "selecting input/output files, dirs (code 3) at main.c(829) "
                                 "[Receiver=3.2.7]\n");
        }
        put(target, *source_node);
        return ok();
    }
    if (destination_node == nullptr) {
        // rsync creates the destination directory itself, but not its parents.
        if (node_at(destination.parent_path()) == nullptr) {
            return error(11, "rsync: [Receiver] mkdir \"" + destination.string() +
                                 "\" failed: No such file or directory (2)\nrsync error: error in "
                                 "file IO (code 11) at main.c(791) [Receiver=3.2.7]\n");
        }
        put(destination, FakeDirectory{"root", "root", 0755, clock});
    } else if (!destination_is_directory) {
        return error(11,
                     "rsync: [Receiver] ERROR: destination must be a directory when copying "
                     "more than 1 file\nrsync error: errors selecting input/output files, "
                     "dirs (code 3) at main.c(763) [Receiver=3.2.7]\n");
    }
    rsync_tree(source, contents_only ? destination : destination / source_name, source, flags);
    return ok();
}

void FakeHost::rsync_tree(const fs::path& from, const fs::path& to, const fs::path& top,
                          const RsyncFlags& flags) {
    // The destination itself was resolved by the caller, following a symlink there as rsync
    // does; inside it, rsync replaces what is in the way and never follows a link.
    const FakeNode* existing = node_at(to);
    if (existing != nullptr && !std::holds_alternative<FakeDirectory>(*existing)) {
        erase_tree(to);
        existing = nullptr;
    }
    if (existing == nullptr) {
        put(to, FakeDirectory{"root", "root", 0700, clock});
    }
    const bool crosses_mount = flags.one_file_system && from != top && is_mount_point(from);
    std::vector<std::string> names;
    if (!crosses_mount) {
        for (const auto& name : child_names(from)) {
            const auto* link = std::get_if<FakeSymlink>(node_at(from / name));
            if (flags.safe_links && link != nullptr) {
                // --safe-links: a link that leaves the copied tree is left out.
                const fs::path target = link->target.is_absolute()
                                            ? link->target
                                            : (from / link->target).lexically_normal();
                if (link->target.is_absolute() || !host::path_below(target, top)) {
                    continue;
                }
            }
            names.push_back(name);
        }
    }
    for (const auto& name : names) {
        const FakeNode child = *node_at(from / name);
        if (std::holds_alternative<FakeDirectory>(child)) {
            rsync_tree(from / name, to / name, top, flags);
        } else {
            if (const FakeNode* old = node_at(to / name);
                old != nullptr && std::holds_alternative<FakeDirectory>(*old)) {
                erase_tree(to / name);
            }
            put(to / name, child);
        }
    }
    if (flags.remove_extraneous) {
        for (const auto& name : child_names(to)) {
            if (!std::binary_search(names.begin(), names.end(), name)) {
                erase_tree(to / name);
            }
        }
    }
    put(to, *node_at(from));  // owner, group, mode and mtime, after the children
}

}  // namespace testing_support
