// The slurmctld charm. Every hook runs the same level-triggered reconcile: it re-derives what is
// pending from config, relation data, secrets and the machine, does what it can, and ends with
// one status from the ordered condition catalogue. Nothing depends on an event being seen once.
//
//   reconcile:  install/setup -> peer hostname -> (leader) cluster name, keys, mount request
//               -> shared file system (identity, /etc/slurm, state migration)
//               -> (leader) configuration files and the controller list
//               -> the slurmctld service (start; restart or reconfigure per restart signal)
//               -> (leader) data for sackd, slurmd, slurmdbd, slurmrestd
//   teardown:   a dying unit hands control to the next controller, then stops its own.
//   actions:    rotate-auth-key, rotate-jwt-key, show-current-config, set-node-state, takeover.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <slurmctld/charm/charm_config.hpp>
#include <slurmctld/charm/controllers.hpp>
#include <slurmctld/host/host.hpp>
#include <slurmctld/juju/context.hpp>
#include <slurmctld/juju/dispatcher.hpp>
#include <slurmctld/juju/hook_tools.hpp>
#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/scontrol_output.hpp>
#include <slurmctld/slurm/version.hpp>

namespace slurmctld::charm {

/// A status the reconcile decided on (overrides the catalogue for this hook).
struct DecidedStatus {
    juju::WorkloadState state = juju::WorkloadState::Active;
    std::string message;
};

class Charm {
  public:
    Charm(juju::HookTools& tools, host::Host& host, juju::HookContext context);

    /// Routes every hook to the reconcile (or teardown), actions to their handlers, and ends
    /// every event with the status.
    void register_handlers(juju::HandlerRegistry& registry);

    // The pieces, public for tests that drive one step.
    void reconcile();
    void teardown();
    void update_status();

  private:
    // ---- facts, read once per hook (tool calls go through CachingHookTools) --------------------
    struct PeerView {
        std::optional<juju::RelationId> relation;
        std::vector<ControllerUnit> members;  ///< this unit and the peers in scope
        std::string cluster_name;
        std::string restart_signal;
        std::string statefs_id;
    };
    void load_facts();
    const CharmConfig& config();
    bool leader();
    PeerView& peers();
    std::optional<slurm::SlurmVersion> slurm_version();
    bool dying();
    std::vector<juju::RelationId> relations(std::string_view endpoint);
    std::optional<std::string> remote_app(const juju::RelationId& relation);

    // ---- setup and keys (charm_setup.cpp) -------------------------------------------------
    bool ensure_installed();
    void configure_machine(bool fresh_install);
    void publish_hostname();
    void ensure_cluster_name();
    struct SecretIds {
        std::string auth;  ///< as ops' Secret.get_info().id gives it: secret://<model>/<id>
        std::string jwt;
    };
    /// The two app-owned key secrets, created when missing (memoized for the hook).
    const SecretIds& ensure_secrets();
    /// secret-changed: track the latest revision; secret-remove (leader): drop the old key.
    void handle_secret_event_before();
    void handle_secret_event_after();
    void restore_key_files(bool only_when_missing);
    std::string canonical_secret_id(const std::string& bare_or_uri) const;

    // ---- shared file system (charm_ha.cpp) -----------------------------------------------
    bool mount_related();
    /// High availability is on: the `mount` integration exists, or /etc/slurm already lives on
    /// the shared file system (HA stays on when the integration goes; the status says so).
    bool ha_enabled();
    bool shared_fs_mounted();
    void request_mount();
    /// Identity check, /etc/slurm symlink, state migration. False while the unit must wait.
    bool prepare_shared_fs();
    bool check_statefs_identity();
    bool link_etc_slurm();
    void migrate_state_save_location();
    void probe_shared_fs_latency();
    bool etc_slurm_on_shared_fs();

    // ---- configuration files (charm_files.cpp) -------------------------------------------
    /// Where the leader may write /etc/slurm now (never local state with use-network-state).
    bool config_dir_ready();
    std::optional<slurm::ConfigDocument> load_document(const std::filesystem::path& path,
                                                       slurm::ConfigDialect dialect);
    bool save_document(const std::filesystem::path& path, const slurm::ConfigDocument& document);
    bool write_text_if_changed(const std::filesystem::path& path, const std::string& text,
                               mode_t mode);
    void write_config_files();
    bool write_partitions(slurm::ConfigDocument& slurm_conf);
    bool write_accounting();
    bool update_controller_list(slurm::ConfigDocument& slurm_conf);
    bool all_units_observed();
    bool cgroups_usable();

    // ---- the service (charm_service.cpp) -----------------------------------------------
    bool can_run_controller();
    void run_controller();
    /// Restart a standby, or `scontrol reconfigure` when this controller is in control (a
    /// restart there would hand control away and back, with an outage).
    void apply_new_configuration();
    std::optional<bool> in_control(const std::string& hostname);
    /// The controller in control now, asked in failover order; nullopt during a hand-over.
    std::optional<std::string> serving_controller();
    std::vector<slurm::ControllerPing> ping();
    std::vector<std::string> configured_controllers();
    void hand_over_control();
    /// Waits (up to the hand-over timeout) until `hostname`'s controller stops answering.
    bool wait_for_controller_down(const std::string& hostname);
    void drop_self_from_controllers();
    std::string new_restart_signal();

    // ---- integrations (charm_relations.cpp) --------------------------------------------
    void update_integrations(bool require_local_controller = true);
    void write_controller_data(const juju::RelationId& relation, const nlohmann::ordered_json& data,
                               const std::vector<std::string>& grants);
    /// relation-set of the keys of `wanted` that differ from `current` (granting the secrets
    /// first); nothing when none does.
    void write_changes(const juju::RelationId& relation, const juju::Databag& wanted,
                       const juju::Databag& current, const std::vector<std::string>& grants);

    // ---- status (charm.cpp) ---------------------------------------------------------------
    DecidedStatus evaluate_status();
    void set_application_status();

    // ---- actions (charm_actions.cpp) -----------------------------------------------------
    void action_show_current_config();
    void action_set_node_state();
    void action_rotate_auth_key();
    void action_rotate_jwt_key();
    void action_takeover();

    juju::HookTools& tools_;
    host::Host& host_;
    juju::HookContext context_;

    std::optional<CharmConfig> config_;
    std::optional<bool> leader_;
    std::optional<PeerView> peers_;
    std::optional<std::optional<slurm::SlurmVersion>> slurm_version_;
    std::optional<bool> dying_;
    std::optional<std::vector<slurm::ControllerPing>> pings_;
    std::string hostname_;

    /// Set by a step that must stop the hook with a specific status (install failed, ...).
    std::optional<DecidedStatus> decided_;
    /// The leader changed a file the controllers read during this hook.
    bool configuration_changed_ = false;
    /// A controller-list change needs every controller restarted (and waited for).
    bool controllers_changed_ = false;
    std::optional<std::chrono::microseconds> slow_statefs_p99_;
    std::optional<SecretIds> secret_ids_;
};

}  // namespace slurmctld::charm
