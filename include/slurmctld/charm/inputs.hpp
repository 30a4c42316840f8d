// The edge: every value that comes from outside the charm — relation data of every endpoint
// (the peer relation included), secret content, files read from the shared file system — is
// decoded and checked here, with Slurm's own rules (slurm/names.hpp), before any other code sees
// it. A bad value becomes a Rejection: logged, shown in the status, and left out; the rest of
// the hook goes on. Nothing here throws on bad input.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <slurmctld/juju/hook_tools.hpp>
#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/version.hpp>
#include <slurmctld/util/result.hpp>

namespace slurmctld::charm {

/// A remote value the charm refused: where it came from and why, for the log and the status.
struct Rejection {
    std::string source;  ///< "partition from `compute`", "hostname of slurmctld/2", ...
    std::string reason;  ///< "name contains '/'"
    /// "partition from `compute` rejected: name contains '/'"
    std::string describe() const;
    bool operator==(const Rejection&) const = default;
};

template <class T>
using Checked = Result<T, Rejection>;

// ---- the peer relation (written by other units of this application) -------------------------

/// A peer's `hostname` (JSON-quoted or bare, as upstream's tolerant reader takes it): a host name
/// Slurm can use in SlurmctldHost.
Checked<std::string> peer_hostname(std::string_view unit, std::string_view raw);
/// A peer's `takeover` token (JSON-quoted): 1 to 20 decimal digits.
Checked<std::string> peer_takeover(std::string_view unit, std::string_view raw);
/// A unit's address from the keys Juju sets in its databag (ingress-address, else
/// private-address): an IP address, or "" when there is none.
Checked<std::string> peer_address(std::string_view unit, const juju::Databag& data);
/// The peer application data this charm reads, each key checked on its own.
struct PeerAppData {
    std::string cluster_name;
    std::string restart_signal;
    std::string statefs_id;
    std::string controller_unit;
    std::string controller_form;  ///< kControllerFormNames, kControllerFormAddresses or ""
    std::vector<std::string> departed_nodes;  ///< kPeerDepartedNodesKey, each a node name
};
PeerAppData peer_app_data(const juju::Databag& data, std::string_view app_name,
                          std::vector<Rejection>& rejections);

// ---- integrations -----------------------------------------------------------------------------

/// A slurmd application's `partition`: the PartitionName record for `slurm.conf.<name>`.
struct PartitionInput {
    std::string name;
    nlohmann::ordered_json fields;  ///< the object slurmd sent, checked field by field
};
Checked<PartitionInput> slurmd_partition(std::string_view app, std::string_view raw,
                                         const std::optional<slurm::SlurmVersion>& slurm);
/// A slurmdbd application's `hostname`.
Checked<std::string> slurmdbd_hostname(std::string_view app, std::string_view raw);
/// The filesystem-client unit's `mounted` flag ("true" is the only true value).
bool mount_reported(const juju::Databag& data);

/// An oci-runtime provider's application data (interface 1.0, upstream aee39d4): the runtime
/// `type` (only "apptainer" is known) and its `executable_path`, both JSON strings.
struct OciRuntimeInput {
    std::string type;
    std::string executable_path;
};
/// nullopt while the provider has sent nothing (upstream waits); a Rejection for an unknown
/// type or a path that is not a plain absolute path (it becomes part of RunTimeRun).
Checked<std::optional<OciRuntimeInput>> oci_runtime(std::string_view app,
                                                    const juju::Databag& data);

/// The smtp-integrator's application data (smtp interface, plain strings): where to relay job
/// e-mail and how. The password itself is in the secret `password_id` names (smtp_password).
struct SmtpInput {
    std::string host;
    int port = 0;
    std::string user;
    std::string password_id;
    std::string auth_type;           ///< none, not_provided, plain
    std::string transport_security;  ///< none, starttls, tls
};
/// nullopt while the integrator has sent nothing; a Rejection for a value that could not be
/// written to slurm-mail.conf as it is or is not one the smtp interface allows.
Checked<std::optional<SmtpInput>> smtp_settings(std::string_view app, const juju::Databag& data);
/// The SMTP password secret's `password`: one line of printable text.
Checked<std::string> smtp_password(const juju::SecretContent& content);

/// An influxdb-api provider unit's data (plain strings): the InfluxDB API's address (the unit's
/// `ingress-address`), `port`, and the admin `user` and `password` the charm creates its own
/// user and database with (upstream's InfluxDB interface). nullopt until all four are there.
struct InfluxdbAdmin {
    std::string host;
    int port = 0;
    std::string user;
    std::string password;
};
Checked<std::optional<InfluxdbAdmin>> influxdb_admin(std::string_view unit,
                                                     const juju::Databag& data);

/// A unit of a slurmd application: the Slurm node name it registered as (upstream's
/// SlurmdNodeDepartedEvent.departing_node: the unit name with '/' replaced by '-').
Checked<std::string> departed_node_name(std::string_view unit);

// ---- secret content -------------------------------------------------------------------------

/// The `slurm-auth-key` secret: `key` (base64 of Slurm's key bytes) and `keyid`.
struct AuthKeyContent {
    std::string key;
    std::string keyid;
};
Checked<AuthKeyContent> auth_key_content(const juju::SecretContent& content);
/// The `slurm-jwt-key` secret: `key`, an RSA private key in PEM.
Checked<std::string> jwt_key_content(const juju::SecretContent& content);

// ---- files on the shared file system --------------------------------------------------------

/// The identity token file: a UUID on its first line.
Checked<std::string> statefs_identity(std::string_view text);

}  // namespace slurmctld::charm
