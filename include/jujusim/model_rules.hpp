// Juju's rules over the model, as pure functions of the model's data (no controller, no I/O):
// who leads, who takes part in a relation and who is in its scope, what status Juju shows, the
// config a unit sees, the goal state. The controller, the verbs and the tool server all ask here.
#pragma once

#include <map>
#include <string>
#include <vector>

#include <jujusim/charm.hpp>
#include <jujusim/go_format.hpp>
#include <jujusim/model.hpp>

namespace jujusim {

/// Each application's charm metadata, by application name.
using CharmMetas = std::map<std::string, CharmMeta>;

/// The unit leads its application and its machine is up (a powered-off leader answers nothing).
bool is_leader_now(const Model& model, const Unit& unit);

/// Juju's application leadership lease (model-config leadership-lease-seconds, default 60 s, as
/// Juju's): the leader's agent claims it for that long and renews it every half of it while it
/// runs (Juju's leadership tracker claims twice its 30 s guarantee and renews every 30 s), so a
/// dead leader is replaced between half the lease and the lease after it dies.
double leadership_lease_seconds(const Model& model);
/// The lease's expiry after a running leader's agent looks at it at `now`: renewed (now +
/// lease) once half of it has passed, else unchanged.
double renewed_lease(double expires, double now, double lease);

/// Juju's secret retry delays: secret-rotate runs again this long after a rotation that made no
/// new revision, secret-expired this long after the last run until the revision is removed.
inline constexpr double kSecretRotateRetryDelay = 300;
inline constexpr double kSecretExpireRetryDelay = 300;

/// When a secret with rotation `policy` rotates after `from` (Juju's RotatePolicy.NextRotateTime:
/// hourly, daily, weekly, monthly, quarterly, yearly, in calendar terms); 0 for never or none.
double next_rotate_time(const std::string& policy, double from);
/// The expiry of the secret's latest revision (0: none).
double latest_expiry(const Secret& secret);
/// When secret-rotate runs next after it ran, queued at `base_revision` (Juju's SecretRotated):
/// the policy's next time after the scheduled one, but the retry delay after it when the hook
/// made no new revision, or when the latest revision expires before the next rotation.
double next_rotate_after_hook(const Secret& secret, long base_revision, double now);

/// The unit takes part in the relation: its end is not implicit (juju-info on principals), and
/// on a container-scoped relation it is (or has) the co-located unit of the other side.
bool participates(const Model& model, const CharmMetas& metas, const Relation& relation,
                  const Unit& unit);

/// Remote units in scope of the relation as `unit` sees them, naturally sorted.
std::vector<std::string> relation_members(const Model& model, const Relation& relation,
                                          const Unit& unit);

/// The workload status Juju shows for the unit (lost machine, error state, else the charm's).
StatusValue displayed_workload(const Model& model, const Unit& unit);
/// The agent status Juju shows for the unit.
StatusValue displayed_agent(const Model& model, const Unit& unit);
/// The application's status: set by its leader, else derived from its units (most severe).
StatusValue app_status(const Model& model, const App& app, double now);

/// config-get: every option set or with a default; `all` adds those without one as null.
json effective_config(const CharmMeta& meta, const App& app, bool all);

/// goal-state: the unit's application's units and, per endpoint, the related units and apps,
/// in the order Juju prints them.
ordered_json goal_state(const Model& model, const Unit& unit);

/// Sets the unit's workload (or agent) status and records it in the unit's status history.
void set_unit_status(Unit& unit, const std::string& current, const std::string& message, bool agent,
                     double now);

}  // namespace jujusim
