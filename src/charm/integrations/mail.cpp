// smtp + slurm-mail (upstream mail.py): with an smtp integration every unit has slurm-mail
// (upstream installs it from the Ubuntu HPC team's slurm-mail PPA) configured from the
// integrator's data and the password secret it names, and the configuration writer sets
// MailProg=/usr/bin/slurm-spool-mail, so every controller that takes over sends job e-mail.
// Without the integration all of it goes: MailProg, the configuration file (it holds the
// password) and the package the charm installed.
//
// Where slurm-mail is not packaged (Debian), the configuration is still written, so that a
// slurm-mail an admin installs works at once; MailProg is set only where slurm-spool-mail
// exists, and the status says job e-mail is off and why.
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/integrations.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/charm/status.hpp>
#include <slurmctld/host/packages.hpp>
#include <slurmctld/util/ini.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using juju::WorkloadState;

namespace {

/// Unit state key: this charm installed the slurm-mail package (so it removes it, and only it).
constexpr std::string_view kStateInstalledSlurmMail = "installed_slurm_mail";
constexpr std::string_view kSendMailSection = "slurm-send-mail";
/// root:slurm 0640: slurmctld runs MailProg as the slurm user, and the file holds a password.
const host::FileAttributes kSlurmMailConfAttributes{"root", "slurm", 0640};

/// Upstream's DEFAULT_SLURM_MAIL_CONFIG: the file it starts from when slurm-mail left none.
util::IniDocument default_slurm_mail_conf() {
    util::IniDocument conf;
    conf.set("common", "spoolDir", "/var/spool/slurm-mail");
    conf.set("slurm-spool-mail", "logFile", "/var/log/slurm-mail/slurm-spool-mail.log");
    conf.set("slurm-spool-mail", "verbose", "false");
    const std::pair<const char*, const char*> send_mail[] = {
        {"logFile", "/var/log/slurm-mail/slurm-send-mail.log"},
        {"verbose", "false"},
        {"arrayMaxNotifications", "0"},
        {"emailFromUserAddress", "root"},
        {"emailFromName", "Slurm Admin"},
        {"emailRegEx", R"(\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Z|a-z]{2,}\b)"},
        {"emailSubject", "Job $CLUSTER.$JOB_ID: $STATE"},
        {"gecosNameField", "0"},
        {"validateEmail", "false"},
        {"datetimeFormat", "%d/%m/%Y %H:%M:%S"},
        {"sacctExe", "/usr/bin/sacct"},
        {"scontrolExe", "/usr/bin/scontrol"},
        {"smtpServer", "localhost"},
        {"smtpPort", "25"},
        {"smtpUseTls", "no"},
        {"smtpUseSsl", "no"},
        {"smtpUserName", ""},
        {"smtpPassword", ""},
        {"retryOnFailure", "yes"},
        {"retryDelay", "0"},
        {"tailExe", "/usr/bin/tail"},
        {"includeOutputLines", "0"},
    };
    for (const auto& [key, value] : send_mail) {
        conf.set(kSendMailSection, key, value);
    }
    return conf;
}

/// What the smtp integration provides, with the password; nullopt when there is nothing (yet)
/// or it was refused (reported in `outcome`).
struct MailSettings {
    SmtpInput smtp;
    std::string password;
};

std::optional<MailSettings> read_mail_settings(HookScope& scope, Outcome& outcome,
                                               const juju::RelationId& relation) {
    const auto app = remote_app(scope, relation);
    if (!app) {
        return std::nullopt;
    }
    auto settings = smtp_settings(*app, scope.tools.relation_get_app(relation, *app));
    if (!settings.has_value()) {
        log::error("{}", settings.error().describe());
        outcome.rejections.push_back(settings.error());
        return std::nullopt;
    }
    if (!settings.value()) {
        return std::nullopt;
    }
    MailSettings mail{*settings.value(), ""};
    if (!mail.smtp.password_id.empty()) {
        std::optional<juju::SecretContent> content;
        try {
            content = scope.tools.secret_get(juju::SecretRef::by_id(mail.smtp.password_id),
                                             juju::SecretGetOptions::refreshing());
        } catch (const juju::HookToolError& error) {
            log::warning("cannot read the smtp password secret: {}", error.what());
        }
        if (!content) {
            Rejection missing{"smtp settings from `" + *app + "`",
                              "the password secret is not granted to this application"};
            log::error("{}", missing.describe());
            outcome.rejections.push_back(std::move(missing));
            return std::nullopt;
        }
        auto password = smtp_password(*content);
        if (!password.has_value()) {
            log::error("{}", password.error().describe());
            outcome.rejections.push_back(password.error());
            return std::nullopt;
        }
        mail.password = std::move(password).value();
    }
    return mail;
}

/// slurm-mail installed: already, or from the PPA on Ubuntu. False (and a notice) where the
/// platform does not package it.
bool ensure_slurm_mail(HookScope& scope, Outcome& outcome) {
    auto& host = scope.host;
    if (host::installed_version(host, kSlurmMailPackage) ||
        host.status(std::string(kSlurmMailProg)).type == host::FileType::Regular) {
        return true;
    }
    const auto platform = read_platform(host);
    if (!add_ubuntu_hpc_ppa(host, kUbuntuHpcSlurmMailPpa)) {
        log::warning("slurm-mail is not packaged for {}: job e-mail is off until it is installed",
                     platform.describe());
        outcome.notices.push_back("job e-mail off: slurm-mail is not packaged for " +
                                  platform.describe());
        return false;
    }
    show_progress(scope.tools, "Installing slurm-mail package");
    // Noted first: a hook killed after apt-get must still know the package is the charm's.
    scope.tools.state_set({{std::string(kStateInstalledSlurmMail), "true"}});
    try {
        host::install_packages(host, {std::string(kSlurmMailPackage)}, host::AptUpdate::First);
    } catch (const host::HostError& error) {
        log::error("Failed to install slurm-mail package. Reason: {}", error.what());
        outcome.stopped = Stop{WorkloadState::Blocked,
                               "Failed to install slurm-mail package. See `juju debug-log` for "
                               "details"};
        return false;
    }
    return true;
}

/// slurm-mail.conf: the file slurm-mail left (or upstream's defaults) with the relay settings.
void write_slurm_mail_conf(HookScope& scope, Outcome& outcome, const MailSettings& mail) {
    auto& host = scope.host;
    const std::string path(kSlurmMailConf);
    util::IniDocument conf = default_slurm_mail_conf();
    if (const auto text = host.read_file(path)) {
        auto parsed = util::IniDocument::parse(*text);
        if (parsed.has_value() && parsed.value().has_section(kSendMailSection)) {
            conf = std::move(parsed).value();
        } else {
            log::warning(
                "configuration file damaged: missing required section '{}'. "
                "reinitializing",
                kSendMailSection);
        }
    }
    conf.set(kSendMailSection, "smtpServer", mail.smtp.host);
    conf.set(kSendMailSection, "smtpPort", std::to_string(mail.smtp.port));
    const bool tls =
        mail.smtp.transport_security == "starttls" || mail.smtp.transport_security == "tls";
    conf.set(kSendMailSection, "smtpUseTls", tls ? "yes" : "no");
    // Upstream leaves a key alone when the integration does not give it.
    if (!mail.smtp.user.empty()) {
        conf.set(kSendMailSection, "smtpUserName", mail.smtp.user);
    }
    if (!mail.smtp.password_id.empty()) {
        conf.set(kSendMailSection, "smtpPassword", mail.password);
    }
    if (scope.facts.config.option_valid("email-from-name")) {
        conf.set(kSendMailSection, "emailFromName", scope.facts.config.email_from_name);
    }
    if (host.status("/etc/slurm-mail").type == host::FileType::Missing) {
        host.make_directories("/etc/slurm-mail", {"root", "root", 0755});
    }
    if (write_if_changed(host, path, conf.render(), kSlurmMailConfAttributes)) {
        log::info("slurm-mail configured (relay {}:{})", mail.smtp.host, mail.smtp.port);
    }
    (void)outcome;
}

/// MailProg in slurm.conf (writer unit): set while slurm-mail can run, removed otherwise.
void write_mail_prog(HookScope& scope, bool wanted) {
    const auto& facts = scope.facts;
    if (!writes_configuration(facts, read_placement(scope.host)) ||
        facts.peers.cluster_name.empty()) {
        return;
    }
    auto document = read_slurm_conf(scope.host);
    if (!document) {
        return;
    }
    const auto current = document->get("MailProg");
    if (wanted && current != kSlurmMailProg) {
        document->set("MailProg", kSlurmMailProg);
    } else if (!wanted && current == kSlurmMailProg) {
        document->remove("MailProg");
    } else {
        return;
    }
    write_if_changed(scope.host, std::string(kSlurmConf), document->render());
}

void remove_slurm_mail(HookScope& scope, Outcome& outcome) {
    auto& host = scope.host;
    write_mail_prog(scope, false);
    remove_if_present(host, std::string(kSlurmMailConf));
    const auto state = scope.tools.state_get();
    if (state.count(std::string(kStateInstalledSlurmMail)) == 0) {
        return;
    }
    if (host::installed_version(host, kSlurmMailPackage)) {
        show_progress(scope.tools, "Uninstalling slurm-mail package");
        try {
            host::remove_packages(host, {std::string(kSlurmMailPackage)});
        } catch (const host::HostError& error) {
            log::error("Failed to uninstall slurm-mail package. Reason: {}", error.what());
            outcome.stopped = Stop{WorkloadState::Blocked,
                                   "Failed to uninstall slurm-mail package. See `juju "
                                   "debug-log` for details"};
            return;
        }
    }
    scope.tools.state_delete(kStateInstalledSlurmMail);
}

}  // namespace

void configure_mail(HookScope& scope, Outcome& outcome) {
    const auto relations = scope.tools.relation_ids(kSmtpEndpoint);
    if (relations.empty()) {
        remove_slurm_mail(scope, outcome);
        return;
    }
    const auto mail = read_mail_settings(scope, outcome, relations.front());
    if (!mail) {
        return;  // nothing yet, or refused: what is configured stays
    }
    const bool installed = ensure_slurm_mail(scope, outcome);
    write_slurm_mail_conf(scope, outcome, *mail);
    write_mail_prog(scope, installed);
}

}  // namespace slurmctld::charm
