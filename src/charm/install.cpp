// Installing Slurm's controller and fitting the machine for it (upstream.md §1.6 install, §5.2).
#include <array>
#include <sstream>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/integrations.hpp>
#include <slurmctld/charm/reconcile.hpp>
#include <slurmctld/charm/status.hpp>
#include <slurmctld/host/packages.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/slurm/auth_keys.hpp>
#include <slurmctld/slurm/default_files.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using juju::WorkloadState;

namespace {

// Reference §5.2: raised limits for slurmctld (many open sockets and state files).
constexpr std::string_view kLimitsContent =
    "\n"
    "* soft nofile  1048576\n"
    "* hard nofile  1048576\n"
    "* soft memlock unlimited\n"
    "* hard memlock unlimited\n"
    "* soft stack unlimited\n"
    "* hard stack unlimited\n";

constexpr std::string_view kDropInContent =
    "[Service]\n"
    "LimitMEMLOCK=infinity\n"
    "LimitNOFILE=1048576\n"
    "Restart=on-failure\n"
    "RestartSec=10\n";

// Upstream installs from the Ubuntu HPC team's PPAs on Ubuntu (upstream.md §6): Slurm on
// releases before 26.04 (since bececfe Slurm comes from the Ubuntu archive), and slurm-mail. This
// is those archives' public signing key, as Launchpad publishes it; apt reads it inline
// (Signed-By).
constexpr std::string_view kUbuntuHpcPpaBase = "https://ppa.launchpadcontent.net/ubuntu-hpc/";
constexpr std::string_view kUbuntuHpcPpaKey[] = {
    "-----BEGIN PGP PUBLIC KEY BLOCK-----",
    "",
    "xsFNBGTuZb8BEACtJ1CnZe6/hv84DceHv+a54y3Pqq0gqED0xhTKnbj/E2ByJpmT",
    "NlDNkpeITwPAAN1e3824Me76Qn31RkogTMoPJ2o2XfG253RXd67MPxYhfKTJcnM3",
    "CEkmeI4u2Lynh3O6RQ08nAFS2AGTeFVFH2GPNWrfOsGZW03Jas85TZ0k7LXVHiBs",
    "W6qonbsFJhshvwC3SryG4XYT+z/+35x5fus4rPtMrrEOD65hij7EtQNaE8owuAju",
    "Kcd0m2b+crMXNcllWFWmYMV0VjksQvYD7jwGrWeKs+EeHgU8ZuqaIP4pYHvoQjag",
    "umqnH9Qsaq5NAXiuAIAGDIIV4RdAfQIR4opGaVgIFJdvoSwYe3oh2JlrLPBlyxyY",
    "dayDifd3X8jxq6/oAuyH1h5K/QLs46jLSR8fUbG98SCHlRmvozTuWGk+e07ALtGe",
    "sGv78ToHKwoM2buXaTTHMwYwu7Rx8LZ4bZPHdersN1VW/m9yn1n5hMzwbFKy2s6/",
    "D4Q2ZBsqlN+5aW2q0IUmO+m0GhcdaDv8U7RVto1cWWPr50HhiCi7Yvei1qZiD9jq",
    "57oYZVqTUNCTPxi6NeTOdEc+YqNynWNArx4PHh38LT0bqKtlZCGHNfoAJLPVYhbB",
    "b2AHj9edYtHU9AAFSIy+HstET6P0UDxy02IeyE2yxoUBqdlXyv6FL44E+wARAQAB",
    "zRxMYXVuY2hwYWQgUFBBIGZvciBVYnVudHUgSFBDwsGOBBMBCgA4FiEErocSHcPk",
    "oLD4H/Aj9tDF1ca+s3sFAmTuZb8CGwMFCwkIBwIGFQoJCAsCBBYCAwECHgECF4AA",
    "CgkQ9tDF1ca+s3sz3w//RNawsgydrutcbKf0yphDhzWS53wgfrs2KF1KgB0u/H+u",
    "6Kn2C6jrVM0vuY4NKpbEPCduOj21pTCepL6PoCLv++tICOLVok5wY7Zn3WQFq0js",
    "Iy1wO5t3kA1cTD/05v/qQVBGZ2j4DsJo33iMcQS5AjHvSr0nu7XSvDDEE3cQE55D",
    "87vL7lgGjuTOikPh5FpCoS1gpemBfwm2Lbm4P8vGOA4/witRjGgfC1fv1idUnZLM",
    "TbGrDlhVie8pX2kgB6yTYbJ3P3kpC1ZPpXSRWO/cQ8xoYpLBTXOOtqwZZUnxyzHh",
    "gM+hv42vPTOnCo+apD97/VArsp59pDqEVoAtMTk72fdBqR+BB77g2hBkKESgQIEq",
    "EiE1/TOISioMkE0AuUdaJ2ebyQXugSHHuBaqbEC47v8t5DVN5Qr9OriuzCuSDNFn",
    "6SBHpahN9ZNi9w0A/Yh1+lFfpkVw2t04Q2LNuupqOpW+h3/62AeUqjUIAIrmfeML",
    "IDRE2VdquYdIXKuhNvfpJYGdyvx/wAbiAeBWg0uPSepwTfTG59VPQmj0FtalkMnN",
    "ya2212K5q68O5eXOfCnGeMvqIXxqzpdukxSZnLkgk40uFJnJVESd/CxHquqHPUDE",
    "fy6i2AnB3kUI27D4HY2YSlXLSRbjiSxTfVwNCzDsIh7Czefsm6ITK2+cVWs0hNQ=",
    "=cs1s",
    "-----END PGP PUBLIC KEY BLOCK-----",
};

/// Writes `text` to `path` (root-owned) unless it already holds exactly that. Returns whether it
/// wrote.
bool write_machine_file(host::Host& host, const std::string& path, std::string_view text) {
    if (host.read_file(path) == text) {
        return false;
    }
    const auto directory = std::filesystem::path(path).parent_path();
    if (host.status(directory).type == host::FileType::Missing) {
        host.make_directories(directory, {"root", "root", 0755});
    }
    host.write_file(path, text, {"root", "root", 0644});
    return true;
}

std::string ppa_sources_path(std::string_view ppa) {
    return "/etc/apt/sources.list.d/ubuntu-hpc-" + std::string(ppa) + ".sources";
}

/// Ubuntu releases before 26.04 take Slurm from the Ubuntu HPC team's PPA (upstream.md §6);
/// 26.04 and later, like upstream's current base, from the Ubuntu archive (upstream.md §10).
bool ubuntu_release_uses_hpc_ppa(const std::string& version_id) {
    int major = 0;
    std::istringstream(version_id) >> major;
    return major > 0 && major < 26;
}

/// Points apt at the PPA where the release needs it, and takes away a PPA source this charm
/// wrote before the machine moved to a release that uses the archive (a series upgrade). Debian
/// and other systems use their own archive as configured.
void configure_slurm_source(host::Host& host) {
    const auto platform = read_platform(host);
    if (platform.id != "ubuntu") {
        return;
    }
    if (!ubuntu_release_uses_hpc_ppa(platform.version_id)) {
        const std::string sources_path = ppa_sources_path(kUbuntuHpcSlurmPpa);
        if (host.status(sources_path).type != host::FileType::Missing) {
            host.remove_file(sources_path);
        }
        return;
    }
    add_ubuntu_hpc_ppa(host, kUbuntuHpcSlurmPpa);
}

/// A machine that had Slurm before this charm (or an older revision of it) may lack rsync;
/// asked only in the hooks that install.
void ensure_rsync(HookScope& scope) {
    const auto& hook = scope.facts.context.hook_name;
    if (hook != "install" && hook != "upgrade-charm") {
        return;
    }
    try {
        if (!host::installed_version(scope.host, kRsyncPackage)) {
            host::install_packages(scope.host, {std::string(kRsyncPackage)},
                                   host::AptUpdate::First);
        }
    } catch (const host::HostError& error) {
        // Only a migration needs it, and it reports its own failure; the controller runs.
        log::warning("failed to install rsync. reason: {}", error.what());
    }
}

/// The packages upstream installs with slurmctld (slurm_ops _ADDITIONAL_SLURM_PACKAGES), and
/// the plugins the charm's configuration can name where the platform packages them apart from
/// slurmctld (Debian's and Ubuntu's archive; the Ubuntu HPC PPA's slurmctld has them): auth/jwt
/// (AuthAltTypes=auth/jwt stays in slurm.conf) and acct_gather_profile/influxdb (the influxdb
/// integration's profiling).
std::vector<std::string> companion_packages(host::Host& host) {
    std::vector<std::string> wanted{"libpmix-dev"};
    const std::string plugin_dir(slurm::kAmd64PluginDir);
    for (const auto& [plugin, package] :
         {std::pair{"/auth_jwt.so", "slurm-wlm-jwt-plugin"},
          std::pair{"/acct_gather_profile_influxdb.so", "slurm-wlm-influxdb-plugin"}}) {
        if (host.status(plugin_dir + plugin).type == host::FileType::Missing) {
            wanted.emplace_back(package);
        }
    }
    return host::missing_packages(host, wanted);
}

/// Installs the companion packages once per install or upgrade; a platform without one
/// (a private mirror, no network) keeps the controller working without it, and says so.
void install_companion_packages(HookScope& scope) {
    // One at a time: a package this platform lacks must not keep the others out.
    for (const auto& package : companion_packages(scope.host)) {
        try {
            host::install_packages(scope.host, {package});
            log::info("installed {}", package);
        } catch (const host::HostError& error) {
            log::warning("could not install {}: {}", package, error.what());
        }
    }
}

}  // namespace

bool add_ubuntu_hpc_ppa(host::Host& host, std::string_view ppa) {
    const auto platform = read_platform(host);
    if (platform.id != "ubuntu") {
        return false;
    }
    std::string sources = "Types: deb\nURIs: " + std::string(kUbuntuHpcPpaBase) + std::string(ppa) +
                          "/ubuntu\nSuites: " + platform.codename +
                          "\nComponents: main\nSigned-By:\n";
    // deb822 continuation lines; appended piecewise (`" " + std::string(line)` trips GCC 12's
    // -Wrestrict false positive, bug 105651, at -O3).
    for (const auto line : kUbuntuHpcPpaKey) {
        sources.append(1, ' ').append(line.empty() ? std::string_view(".") : line).append(1, '\n');
    }
    write_machine_file(host, ppa_sources_path(ppa), sources);
    return true;
}

Result<slurm::SlurmVersion, Stop> ensure_installed(HookScope& scope) {
    if (scope.facts.slurm) {
        ensure_rsync(scope);
        return *scope.facts.slurm;
    }
    const Stop failed{WorkloadState::Blocked, std::string(kMsgInstallFailed)};
    show_progress(scope.tools, std::string(kMsgInstalling));
    try {
        configure_slurm_source(scope.host);
        // rsync: the live migration of a running controller's state (shared_fs.cpp) runs it.
        host::install_packages(scope.host, {std::string(kPackage), std::string(kRsyncPackage)},
                               host::AptUpdate::First);
    } catch (const host::HostError& error) {
        log::error("failed to install slurmctld. reason: {}", error.what());
        return failed;
    }
    auto version = installed_slurm(scope.host);
    if (!version) {
        log::error("slurmctld is still not installed after apt-get install");
        return failed;
    }
    return *version;
}

void configure_machine(HookScope& scope, const slurm::SlurmVersion& version) {
    auto& host = scope.host;
    write_machine_file(host, std::string(kLimitsFile), kLimitsContent);
    host.make_directories(std::string(kLocalStateDir), {"slurm", "slurm", 0755});
    if (host.status(std::string(kLocalCheckpoint)).type == host::FileType::Missing) {
        host.make_directories(std::string(kLocalCheckpoint), {"slurm", "slurm", 0755});
    }
    if (write_machine_file(host, std::string(kSystemdDropIn), kDropInContent)) {
        host::daemon_reload(host);
    }
    const auto& hook = scope.facts.context.hook_name;
    if (hook != "install" && hook != "upgrade-charm") {
        return;
    }
    if (hook == "install") {
        // The package may have started (and enabled) the daemon with its own defaults; it runs
        // only once this charm has written its configuration.
        try {
            host::stop_service(host, kService);
            host::disable_service(host, kService);
        } catch (const host::ServiceError& error) {
            log::warning("{}", error.what());
        }
        if (slurm::auth_setup_for(version) != slurm::AuthSetup::Munge) {
            const auto result = host.systemctl({"disable", "--now", "munge"});
            if (!result.ok()) {
                log::debug("munge not disabled (not installed?): {}", result.stderr_text);
            }
        }
    }
    install_companion_packages(scope);
    scope.tools.open_port(kSlurmctldPort, "tcp");
    scope.tools.open_port(kPrometheusExporterPort, "tcp");
    if (const auto installed = host::installed_version(host, kPackage)) {
        scope.tools.application_version_set(*installed);
    }
}

}  // namespace slurmctld::charm
