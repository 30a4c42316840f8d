// Installing Slurm's controller, fitting the machine for it, the peer data and the keys.
#include <array>
#include <sstream>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <slurmctld/charm/charm.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/host/packages.hpp>
#include <slurmctld/host/services.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/auth_keys.hpp>
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

// Upstream installs from the Ubuntu HPC team's PPA on Ubuntu (reference §6). This is that
// archive's public signing key, as Launchpad publishes it; apt reads it inline (Signed-By).
constexpr std::string_view kUbuntuHpcPpaUri =
    "https://ppa.launchpadcontent.net/ubuntu-hpc/slurm-wlm-25.11/ubuntu";
constexpr std::string_view kUbuntuHpcPpaSources =
    "/etc/apt/sources.list.d/ubuntu-hpc-slurm-wlm-25.11.sources";
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

/// KEY=value lines of /etc/os-release (quotes removed).
std::string os_release_value(const std::string& text, const std::string& key) {
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        if (line.rfind(key + "=", 0) == 0) {
            std::string value = line.substr(key.size() + 1);
            if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
                value = value.substr(1, value.size() - 2);
            }
            return value;
        }
    }
    return {};
}

/// secrets.token_urlsafe(3) as upstream uses for cluster names: 3 random bytes, base64url.
std::string token_urlsafe_3() {
    std::array<unsigned char, 3> bytes{};
    if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
        throw std::runtime_error("OpenSSL has no randomness for a cluster name");
    }
    std::array<unsigned char, 5> encoded{};
    EVP_EncodeBlock(encoded.data(), bytes.data(), static_cast<int>(bytes.size()));
    std::string token(reinterpret_cast<const char*>(encoded.data()), 4);
    for (char& c : token) {
        c = c == '+' ? '-' : (c == '/' ? '_' : c);
    }
    return token;
}

}  // namespace

bool Charm::ensure_installed() {
    if (slurm_version()) {
        return true;
    }
    tools_.status_set(WorkloadState::Maintenance, kMsgInstalling, /*application=*/false);
    try {
        if (const auto os_release = host_.read_file("/etc/os-release");
            os_release && os_release_value(*os_release, "ID") == "ubuntu") {
            const auto codename = os_release_value(*os_release, "VERSION_CODENAME");
            std::string sources = "Types: deb\nURIs: " + std::string(kUbuntuHpcPpaUri) +
                                  "\nSuites: " + codename + "\nComponents: main\nSigned-By:\n";
            for (const auto line : kUbuntuHpcPpaKey) {
                sources += line.empty() ? " .\n" : " " + std::string(line) + "\n";
            }
            write_text_if_changed(std::string(kUbuntuHpcPpaSources), sources, 0644);
        }
        host::install_packages(host_, {std::string(kPackage)}, host::AptUpdate::First);
    } catch (const std::exception& error) {
        log::error("failed to install slurmctld. reason: {}", error.what());
        decided_ = DecidedStatus{WorkloadState::Blocked, std::string(kMsgInstallFailed)};
        return false;
    }
    slurm_version_.reset();
    if (!slurm_version()) {
        log::error("slurmctld is still not installed after apt-get install");
        decided_ = DecidedStatus{WorkloadState::Blocked, std::string(kMsgInstallFailed)};
        return false;
    }
    return true;
}

void Charm::configure_machine(bool fresh_install) {
    write_text_if_changed(std::string(kLimitsFile), std::string(kLimitsContent), 0644);
    host_.make_directories(std::string(kLocalStateDir), {"slurm", "slurm", 0755});
    if (host_.status(std::string(kLocalCheckpoint)).type == host::FileType::Missing) {
        host_.make_directories(std::string(kLocalCheckpoint), {"slurm", "slurm", 0755});
    }
    if (write_text_if_changed(std::string(kSystemdDropIn), std::string(kDropInContent), 0644)) {
        host::daemon_reload(host_);
    }
    if (!fresh_install) {
        return;
    }
    if (context_.hook_name == "install") {
        // The package may have started (and enabled) the daemon with its own defaults; it runs
        // only once this charm has written its configuration.
        try {
            host::stop_service(host_, kService);
            host::disable_service(host_, kService);
        } catch (const host::ServiceError& error) {
            log::warning("{}", error.what());
        }
        const auto version = slurm_version();
        if (version && slurm::auth_setup_for(*version) != slurm::AuthSetup::Munge) {
            const auto result = host_.systemctl({"disable", "--now", "munge"});
            if (!result.ok()) {
                log::debug("munge not disabled (not installed?): {}", result.stderr_text);
            }
        }
    }
    tools_.open_port(kSlurmctldPort, "tcp");
    tools_.open_port(kPrometheusExporterPort, "tcp");
    if (const auto installed = host::installed_version(host_, kPackage)) {
        tools_.application_version_set(*installed);
    }
}

void Charm::publish_hostname() {
    auto& view = peers();
    if (!view.relation) {
        return;
    }
    const auto mine = tools_.relation_get(*view.relation, context_.unit_name);
    const std::string wanted = juju::codec::encode(hostname_);
    const auto found = mine.find(std::string(kPeerHostnameKey));
    if (found == mine.end() || found->second != wanted) {
        tools_.relation_set(*view.relation, {{std::string(kPeerHostnameKey), wanted}}, false);
    }
}

void Charm::ensure_cluster_name() {
    auto& view = peers();
    if (!view.relation || !view.cluster_name.empty()) {
        return;
    }
    // Set once and never changed: StateSaveLocation belongs to this name.
    const std::string name =
        !config().cluster_name.empty() ? config().cluster_name : "charmed-hpc-" + token_urlsafe_3();
    tools_.relation_set(
        *view.relation,
        {{std::string(kPeerClusterNameKey), juju::codec::encode(name)},
         {std::string(kPeerRestartSignalKey), juju::codec::encode(view.restart_signal)}},
        /*app=*/true);
    view.cluster_name = name;
    log::info("cluster name set to {}", name);
}

std::string Charm::canonical_secret_id(const std::string& bare_or_uri) const {
    if (bare_or_uri.rfind("secret:", 0) == 0) {
        return bare_or_uri;
    }
    // What ops' Secret.get_info().id gives for the bare id secret-info-get reports.
    return "secret://" + context_.model_uuid + "/" + bare_or_uri;
}

const Charm::SecretIds& Charm::ensure_secrets() {
    if (secret_ids_) {
        return *secret_ids_;
    }
    SecretIds ids;
    // The secrets are the source of truth: a new leader never regenerates keys that exist.
    if (const auto info =
            tools_.secret_info_get(juju::SecretRef::by_label(std::string(kAuthKeyLabel)))) {
        ids.auth = canonical_secret_id(info->id);
    } else {
        const auto key = slurm::generate_auth_key();
        ids.auth = canonical_secret_id(
            tools_.secret_add({{"key", std::string(key.key)}, {"keyid", key.keyid}},
                              juju::SecretAddOptions::app_owned(std::string(kAuthKeyLabel))));
        log::info("created the auth key secret {}", ids.auth);
    }
    if (const auto info =
            tools_.secret_info_get(juju::SecretRef::by_label(std::string(kJwtKeyLabel)))) {
        ids.jwt = canonical_secret_id(info->id);
    } else {
        const auto pem = slurm::generate_jwt_key_pem();
        ids.jwt = canonical_secret_id(
            tools_.secret_add({{"key", std::string(pem)}},
                              juju::SecretAddOptions::app_owned(std::string(kJwtKeyLabel))));
        log::info("created the JWT key secret {}", ids.jwt);
    }
    secret_ids_ = std::move(ids);
    return *secret_ids_;
}

void Charm::restore_key_files(bool only_when_missing) {
    const auto version = slurm_version();
    const auto auth = version ? slurm::auth_setup_for(*version) : slurm::AuthSetup::SlurmJwks;
    const auto missing = [this](std::string_view path) {
        return host_.status(std::string(path)).type == host::FileType::Missing;
    };
    const auto secret_content = [this](std::string_view label) {
        return tools_.secret_get(juju::SecretRef::by_label(std::string(label)),
                                 juju::SecretGetOptions::peeking());
    };

    const std::string_view auth_file = auth == slurm::AuthSetup::SlurmJwks  ? kJwksFile
                                       : auth == slurm::AuthSetup::SlurmKey ? kSlurmKeyFile
                                                                            : kMungeKeyFile;
    if (only_when_missing && !missing(auth_file) && !missing(kJwtKeyFile)) {
        return;  // the usual case: nothing to ask Juju for
    }
    ensure_secrets();  // creates them on the first run
    if (!only_when_missing || missing(auth_file)) {
        if (const auto content = secret_content(kAuthKeyLabel)) {
            log::info("{} key file not found. restoring from secret", "auth");
            slurm::AuthKey key{slurm::SecretString(content->at("key")), content->at("keyid")};
            if (auth == slurm::AuthSetup::SlurmJwks) {
                slurm::Jwks jwks;
                if (const auto set = jwks.set(std::move(key)); !set.has_value()) {
                    throw std::runtime_error("auth key secret: " + set.error().message);
                }
                const auto text = jwks.render();
                host_.write_file(std::string(kJwksFile), std::string_view(text.data(), text.size()),
                                 slurm_secret_file());
            } else {
                auto bytes =
                    slurm::slurm_key_bytes(std::string_view(key.key.data(), key.key.size()));
                if (!bytes.has_value()) {
                    throw std::runtime_error("auth key secret: " + bytes.error().message);
                }
                const auto& raw = bytes.value();
                // munge keys are at most 1 KiB; the first KiB of the 2 KiB key is plenty.
                const std::size_t size = auth == slurm::AuthSetup::Munge
                                             ? std::min<std::size_t>(raw.size(), 1024)
                                             : raw.size();
                host_.write_file(std::string(auth_file),
                                 std::string_view(reinterpret_cast<const char*>(raw.data()), size),
                                 auth == slurm::AuthSetup::Munge
                                     ? host::FileAttributes{"munge", "munge", 0400}
                                     : slurm_secret_file());
            }
        }
    }
    if (!only_when_missing || missing(kJwtKeyFile)) {
        if (const auto content = secret_content(kJwtKeyLabel)) {
            log::info("{} key file not found. restoring from secret", "JWT");
            host_.write_file(std::string(kJwtKeyFile), content->at("key"), slurm_secret_file());
        }
    }
}

}  // namespace slurmctld::charm
