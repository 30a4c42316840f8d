// What the upstream sackd and slurmd charms do with slurmctld's data
// (upstream.md §4.2), shared by the two test charms that stand in for them in
// jujusim: read ControllerData from the slurmctld application databag with ops' decoding and
// upstream's readiness rule, fetch the auth key secret by ID (giving it upstream's label), and
// write what the daemons read (slurm.jwks, /etc/default/<service>; before Slurm 23.11, which
// upstream's charms no longer support, munge.key from the same secret, as slurmctld writes it).
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <slurmctld/host/host.hpp>
#include <slurmctld/juju/context.hpp>
#include <slurmctld/juju/hook_tools.hpp>
#include <slurmctld/slurm/version.hpp>

namespace test_charms {

struct ControllerData {
    std::string auth_secret_id;
    std::vector<std::string> controllers;  ///< "host:6817", first = primary
};

/// The relation on `endpoint` (limit 1) and its remote application, if any.
struct Integration {
    slurmctld::juju::RelationId relation;
    std::string remote_app;
};
std::optional<Integration> find_integration(slurmctld::juju::HookTools& tools,
                                            std::string_view endpoint);

/// ControllerData when upstream's consumers consider it ready: keys `auth_secret_id` and
/// `controllers` present, raw values not `""` and not `[]` (exact string compares).
std::optional<ControllerData> ready_controller_data(slurmctld::juju::HookTools& tools,
                                                    const Integration& integration);

/// Config option `lightweight` (test only): the charm does its relation side alone and touches
/// nothing on the machine (scale benchmarks put many such units on host-directory machines).
bool lightweight(slurmctld::juju::HookTools& tools);

/// slurm.jwks holding only the key of the `slurm-auth-key` secret, fetched by ID with
/// upstream's label (so later secret-changed events carry that label).
std::string auth_key_jwks(slurmctld::juju::HookTools& tools, const std::string& secret_id,
                          bool refresh);

/// Writes /etc/slurm/slurm.jwks holding only the key of the `slurm-auth-key` secret, fetched
/// by ID with upstream's label (so later secret-changed events carry that label). Returns
/// whether the file changed.
bool write_auth_key(slurmctld::juju::HookTools& tools, slurmctld::host::Host& host,
                    const std::string& secret_id, const slurmctld::host::FileAttributes& owner,
                    bool refresh);

/// The Slurm release of the installed `package` (slurmd, slurm-client), nullopt when absent.
std::optional<slurmctld::slurm::SlurmVersion> installed_slurm(slurmctld::host::Host& host,
                                                              std::string_view package);

/// Slurm before 23.11 (auth/munge): writes /etc/munge/munge.key (munge, 0400) as the slurmctld
/// charm writes it on its controllers (the first KiB of the `slurm-auth-key` secret's key,
/// slurm::munge_key_bytes) and (re)starts munged when the key changed or munged is not running.
/// Returns whether the key file changed.
bool run_munge(slurmctld::juju::HookTools& tools, slurmctld::host::Host& host,
               const std::string& secret_id, bool refresh);

/// A Slurm client connected to its controllers: the auth key in place, and the controllers to
/// name in --conf-server.
struct ControllerConnection {
    bool key_changed = false;
    std::string conf_servers;  ///< "juju-abc-0,juju-abc-1"
};

/// What sackd and slurmd do alike once integrated with slurmctld: wait for ready ControllerData,
/// then write the auth key owned by `key_owner` (munge.key before
/// Slurm 23.11, by the installed `daemon` package's release) (refreshed on secret-changed). A
/// lightweight unit only reads the key. Returns the status the hook ends with when it ends here
/// ("waiting", or the lightweight "active: lightweight: no <daemon>"), else the connection.
std::variant<slurmctld::juju::Status, ControllerConnection> connect_to_controller(
    const slurmctld::juju::HookContext& context, slurmctld::juju::HookTools& tools,
    slurmctld::host::Host& host, const Integration& integration, bool light,
    const std::string& daemon, const slurmctld::host::FileAttributes& key_owner);

/// Sets `<VAR>_OPTIONS=<options>` in /etc/default/<service> (unquoted, as upstream writes it).
/// Returns whether the file changed.
bool write_service_options(slurmctld::host::Host& host, const std::string& service,
                           const std::string& options);

/// A Type=notify Slurm daemon (slurmd, sackd) as systemd has it.
enum class DaemonState { Active, Changing, Down };  ///< Changing: activating or deactivating
DaemonState daemon_state(slurmctld::host::Host& host, const std::string& service);

/// (Re)starts `service` (enabling it) without holding the hook on it: a slurmd or sackd that
/// cannot reach a controller yet does not report ready, and one that re-executes itself for a
/// reconfigure while it is being stopped keeps the stop waiting (systemd follows MAINPID= in
/// the stop states); either holds a blocking `systemctl restart` for TimeoutStartSec or
/// TimeoutStopSec, 90 s, and fails the hook. Waits at most `wait` for it to become active;
/// returns its state then (a later hook looks again).
DaemonState restart_daemon(slurmctld::host::Host& host, const std::string& service,
                           std::chrono::seconds wait = std::chrono::seconds(20));

/// The status of a unit whose daemon is `state` (nothing to do when active).
slurmctld::juju::Status daemon_status(const std::string& service, DaemonState state);

/// Runs a test charm: decodes the hook context, connects hook tools and the host, calls
/// `reconcile`, sets the status it returns. Exit code as dispatch's.
using Reconcile = std::function<slurmctld::juju::Status(
    const slurmctld::juju::HookContext&, slurmctld::juju::HookTools&, slurmctld::host::Host&)>;
int run_charm(int argc, char** argv, const Reconcile& reconcile);

}  // namespace test_charms
