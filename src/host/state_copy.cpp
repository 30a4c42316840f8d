#include <slurmctld/host/state_copy.hpp>
#include <slurmctld/util/strings.hpp>

namespace slurmctld::host {

std::vector<std::string> staging_rsync_arguments(const fs::path& from, const fs::path& staging) {
    // Trailing slashes: the contents of `from` go straight into `staging`.
    return {"--archive",         "--delete",           "--safe-links",
            "--one-file-system", (from / "").string(), (staging / "").string()};
}

Expected<void> copy_directory_contents(Host& host, const fs::path& from, const fs::path& staging,
                                       Staging mode) {
    const std::string what = "cannot copy " + from.string() + " to " + staging.string();
    try {
        if (mode == Staging::Fresh) {
            host.remove_tree(staging);
            host.create_directory(staging, {"root", "root", 0700});
        } else if (host.status(staging).type != FileType::Directory) {
            return Failure{what + ": the staging directory is gone or is not a directory"};
        }
    } catch (const HostError& error) {
        return Failure{what + ": " + error.what()};
    }
    const CommandResult result = host.rsync(staging_rsync_arguments(from, staging));
    if (!result.ok()) {
        const std::string reason(util::trim(result.stderr_text));
        return Failure{what + ": rsync exited with " + std::to_string(result.exit_code) +
                       (reason.empty() ? std::string() : ": " + reason)};
    }
    return outcome::success();
}

}  // namespace slurmctld::host
