// The charm's Slurm config options, checked as upstream checks them (upstream.md §1.2) but against
// the keys Slurm itself accepts (config_keys.hpp) rather than slurmutils' narrower model, and
// refusing the keys the charm itself manages. The charm writes the results with
// upstream_file_text(): slurm.conf.overrides and cgroup.conf.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/version.hpp>
#include <slurmctld/util/result.hpp>

namespace slurmctld::slurm {

/// A slurm.conf key the charm writes and keeps consistent across the controllers; setting it in
/// `slurm-conf-parameters` (whose file is included last, so it would win) would split the
/// controllers' view or cut clients off.
struct CharmOwnedKey {
    std::string_view name;    ///< Slurm's spelling ("StateSaveLocation"); "include" for includes
    std::string_view reason;  ///< why the charm must own it, for the log
};

/// Every charm-owned key: ClusterName; SlurmctldHost and its legacy forms (ControlMachine,
/// ControlAddr, BackupController, BackupAddr) and SlurmctldAddr; StateSaveLocation; AuthType,
/// AuthAltTypes, AuthAltParameters, AuthInfo, CredType; SlurmctldPort; SlurmUser; the
/// accounting keys the `slurmdbd` integration writes (AccountingStorageHost, -Port, -Type);
/// `include` lines.
std::span<const CharmOwnedKey> charm_owned_slurm_conf_keys();
/// The charm-owned key matching `key` case-insensitively; nullptr when the user may set it.
const CharmOwnedKey* find_charm_owned_key(std::string_view key);

/// Why a config option was refused, with the key at fault when there is one, so the charm can
/// name it in a status line.
struct ConfigOptionError {
    enum class Kind {
        Syntax,      ///< not Slurm's line syntax (no key)
        UnknownKey,  ///< Slurm (or the installed release) does not know the key
        Defunct,     ///< the installed release ignores the key (logs it as defunct)
        CharmOwned,  ///< see charm_owned_slurm_conf_keys()
        BadValue,    ///< Slurm would not parse the value (a number, yes/no, ...)
        Duplicate,   ///< a single-valued key given twice
        Unwritable,  ///< cannot be written back to a file so that Slurm reads the same value
    };
    std::string option;  ///< "slurm-conf-parameters" or "cgroup-parameters"
    Kind kind = Kind::Syntax;
    int line = 0;        ///< 1-based line of the option's value
    std::string key;     ///< Slurm's spelling when known, else as written; "" for Syntax
    std::string reason;  ///< "line 2: unrecognized configuration field `Foo`"

    /// Upstream's log text: "Invalid slurm configuration override: <value>. Reason:\n<reason>"
    /// (cgroup: "Invalid cgroup configuration: <value>. Reason:\n<reason>").
    std::string message;
    /// One line for the unit's status, e.g. "Configuration option 'slurm-conf-parameters' sets
    /// `StateSaveLocation`, which the charm manages"; "Configuration option
    /// 'slurm-conf-parameters' is invalid: line 2: ..." otherwise.
    std::string status() const;
};

/// `slurm-conf-parameters`: slurm.conf lines. Refuses a syntax error, a key Slurm does not know
/// (or that `version`'s Slurm does not know or ignores as defunct, when given), a charm-owned key,
/// a value Slurm's parser would refuse for the key's type (a number, a boolean), a single-valued
/// key given twice, a yes/no or 0/1 key with another value (slurmutils' rule, kept for the
/// slurmrestd data), and lines that would not come back the same through the overrides file.
/// When the lines set SlurmctldParameters, `enable_configless` is added to it (configless slurmd
/// and sackd need it). An empty value gives an empty document.
Result<ConfigDocument, ConfigOptionError> check_slurm_conf_parameters(
    std::string_view value, const std::optional<SlurmVersion>& version = std::nullopt);

/// check_slurm_conf_parameters with the error as upstream's message: "Invalid slurm
/// configuration override: <value>. Reason:\nline 2: unrecognized configuration field `Foo`".
Expected<ConfigDocument> parse_slurm_conf_parameters(
    std::string_view value, const std::optional<SlurmVersion>& version = std::nullopt);

/// `cgroup-parameters`: default_cgroup_conf() updated with the user's cgroup.conf lines (their
/// keys replace the defaults in place, new keys follow). Checked like the slurm.conf option (no
/// key of cgroup.conf is charm-owned); error "Invalid cgroup configuration: <value>. Reason:\n
/// <reason>".
Result<ConfigDocument, ConfigOptionError> check_cgroup_parameters(
    std::string_view value, const std::optional<SlurmVersion>& version = std::nullopt);

Expected<ConfigDocument> parse_cgroup_parameters(
    std::string_view value, const std::optional<SlurmVersion>& version = std::nullopt);

}  // namespace slurmctld::slurm
