#include <slurmctld/host/packages.hpp>
#include <slurmctld/util/process.hpp>
#include <slurmctld/util/strings.hpp>

namespace slurmctld::host {

namespace {

std::string trimmed(std::string_view text) {
    return std::string(util::trim_right(text, "\n "));
}

/// Every apt-get waits for the dpkg lock (held by unattended-upgrades on a fresh machine)
/// instead of failing at once, for a bounded time, and retries a failed download itself.
std::vector<std::string> apt_arguments(std::initializer_list<std::string> verb_and_options) {
    std::vector<std::string> args(verb_and_options);
    args.insert(args.begin() + 1,
                {"-o", "DPkg::Lock::Timeout=" + std::to_string(kDpkgLockTimeout.count()), "-o",
                 "Acquire::Retries=" + std::to_string(kAptDownloadRetries)});
    return args;
}

/// apt-get's own words: its "E:" lines are on stderr; stdout only when stderr is empty.
std::string reason(const CommandResult& result) {
    std::string text = trimmed(result.stderr_text);
    if (text.empty()) {
        text = trimmed(result.stdout_text);
    }
    if (text.empty()) {
        text = "exit code " + std::to_string(result.exit_code);
    }
    return text;
}

std::string joined(const std::vector<std::string>& packages) {
    return util::describe_command(packages);
}

void apt_get_or_throw(Host& host, const std::vector<std::string>& args,
                      const std::string& failure) {
    const CommandResult result = host.apt_get(args);
    if (!result.ok()) {
        throw PackageError(failure + ". reason: " + reason(result));
    }
}

}  // namespace

std::optional<std::string> installed_version(Host& host, std::string_view package) {
    const CommandResult result =
        host.dpkg_query({"-W", "-f=${db:Status-Status}\\t${Version}", std::string(package)});
    if (result.exit_code == 1 &&
        result.stderr_text.find("no packages found matching") != std::string::npos) {
        return std::nullopt;
    }
    if (!result.ok()) {
        throw PackageError("unable to retrieve " + std::string(package) +
                           " version. reason: " + reason(result));
    }
    const std::string& text = result.stdout_text;
    const std::size_t tab = text.find('\t');
    if (tab == std::string::npos) {
        throw PackageError("unable to retrieve " + std::string(package) +
                           " version. reason: unexpected dpkg-query output '" + text + "'");
    }
    if (text.substr(0, tab) != "installed") {
        return std::nullopt;  // e.g. "config-files": removed, not purged
    }
    std::string version = trimmed(text.substr(tab + 1));
    if (version.empty()) {
        return std::nullopt;
    }
    return version;
}

std::vector<std::string> missing_packages(Host& host, const std::vector<std::string>& packages) {
    std::vector<std::string> missing;
    for (const auto& package : packages) {
        if (!installed_version(host, package)) {
            missing.push_back(package);
        }
    }
    return missing;
}

void install_packages(Host& host, const std::vector<std::string>& packages, AptUpdate update) {
    if (packages.empty()) {
        return;
    }
    std::vector<std::string> args =
        apt_arguments({"install", "-y", "--option=Dpkg::Options::=--force-confold"});
    args.insert(args.end(), packages.begin(), packages.end());
    // A lock still held after its timeout, or an index that missed a package because a mirror
    // failed (apt-get update only warns then): the whole step again, a bounded number of times.
    for (int attempt = 1;; ++attempt) {
        try {
            if (update == AptUpdate::First) {
                apt_get_or_throw(host, apt_arguments({"update"}),
                                 "failed to update the package index");
            }
            apt_get_or_throw(host, args, "failed to install " + joined(packages));
            return;
        } catch (const PackageError&) {
            if (attempt >= kAptAttempts) {
                throw;
            }
        }
    }
}

void remove_packages(Host& host, const std::vector<std::string>& packages) {
    if (packages.empty()) {
        return;
    }
    std::vector<std::string> args = apt_arguments({"remove", "-y"});
    args.insert(args.end(), packages.begin(), packages.end());
    apt_get_or_throw(host, args, "failed to remove " + joined(packages));
}

}  // namespace slurmctld::host
