// The configuration files (upstream.md §5), written by the unit roles.hpp names: slurm.conf and
// its includes, gres.conf, cgroup.conf, partitions from slurmd applications, accounting from
// slurmdbd, and the controller list. Every file is rewritten only when its bytes change; whether
// a controller must re-read them is decided later, by content (applied_config.hpp).
#include <algorithm>
#include <set>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/controller_probe.hpp>
#include <slurmctld/charm/integrations.hpp>
#include <slurmctld/charm/reconcile.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/host/virtualization.hpp>
#include <slurmctld/slurm/default_files.hpp>
#include <slurmctld/slurm/partitions.hpp>
#include <slurmctld/slurm/upstream_form.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;
using juju::WorkloadState;

/// The remote application on `relation`: the event's when it is this relation, else Juju's.
std::optional<std::string> remote_app(HookScope& scope, const juju::RelationId& relation) {
    const auto& event = scope.facts.context.relation;
    if (event && event->relation == relation && !event->remote_app.empty()) {
        return event->remote_app;
    }
    auto app = scope.tools.relation_list_app(relation);
    return app.empty() ? std::nullopt : std::optional<std::string>(std::move(app));
}

bool write_if_changed(host::Host& host, const std::string& path, const std::string& text,
                      const host::FileAttributes& attributes) {
    if (host.read_file(path) == text) {
        const auto status = host.status(path);
        if ((status.mode & 07777) == attributes.mode) {
            return false;
        }
    }
    host.write_file(path, text, attributes);
    log::debug("wrote {}", path);
    return true;
}

bool remove_if_present(host::Host& host, const std::string& path) {
    if (host.status(path).type == host::FileType::Missing) {
        return false;
    }
    host.remove_file(path);
    log::info("removed {}", path);
    return true;
}

namespace {

constexpr std::string_view kSlurmdbdPort = "6819";
/// How long the leader waits, within the hook's budget, for a controller leaving the list to
/// stop (its unit hands control over first, a few seconds).
constexpr std::chrono::seconds kLeavingControllerWait{20};
/// How long the leader holds additions back for units Juju plans but that have not shown up
/// (a machine still being provisioned) before it adds the ones it sees.
constexpr std::chrono::minutes kArrivalWait{10};

std::string etc_path(std::string_view name) {
    return std::string(kEtcSlurm) + "/" + std::string(name);
}

/// Parses a configuration file the charm wrote; a file that does not parse is left alone and
/// reported (nullopt and `problem` set), never overwritten with a guess.
std::optional<slurm::ConfigDocument> load_document(host::Host& host, const std::string& path,
                                                   std::optional<std::string>& problem) {
    const auto text = host.read_file(path);
    if (!text) {
        return slurm::ConfigDocument{};
    }
    auto parsed = slurm::ConfigDocument::parse_remembered(*text, slurm::ConfigDialect::SlurmConf);
    if (!parsed.has_value()) {
        problem = "Cannot parse " + path + ": " + parsed.error().describe();
        return std::nullopt;
    }
    return std::move(parsed).value();
}

struct PartitionsFromSlurmd {
    std::vector<PartitionInput> accepted;
    /// Some slurmd application's data could not be used: which include is whose is then unknown,
    /// so none is removed this time.
    bool incomplete = false;
};

PartitionsFromSlurmd read_partitions(HookScope& scope, Outcome& outcome) {
    PartitionsFromSlurmd result;
    for (const auto& relation : scope.tools.relation_ids(kSlurmdEndpoint)) {
        const auto app = remote_app(scope, relation);
        if (!app) {
            continue;
        }
        const auto data = scope.tools.relation_get_app(relation, *app);
        const auto raw = data.find("partition");
        if (raw == data.end() || raw->second.empty()) {
            continue;  // upstream's partition_ready: not yet
        }
        auto checked = slurmd_partition(*app, raw->second, scope.facts.slurm);
        if (!checked.has_value()) {
            log::error("{}", checked.error().describe());
            outcome.rejections.push_back(checked.error());
            result.incomplete = true;
            continue;
        }
        result.accepted.push_back(std::move(checked).value());
    }
    return result;
}

/// One include per partition (slurm.conf.<name>), prepended to slurm.conf's includes; the
/// includes of partitions no slurmd application provides any more are removed.
void write_partitions(HookScope& scope, Outcome& outcome, slurm::ConfigDocument& slurm_conf) {
    auto& host = scope.host;
    const auto partitions = read_partitions(scope, outcome);
    std::set<std::string> provided;
    for (const auto& partition : partitions.accepted) {
        const std::string include = slurm::partition_include_name(partition.name);
        std::optional<std::string> problem;
        auto document = load_document(host, etc_path(include), problem);
        if (!document) {
            log::error("{}", *problem);
            outcome.rejections.push_back({"partition from `" + partition.name + "`", *problem});
            continue;
        }
        const bool is_default = partition.name == scope.facts.config.default_partition;
        const auto applied =
            slurm::apply_partition(*document, partition.fields, is_default, scope.facts.slurm);
        if (!applied.has_value()) {
            outcome.rejections.push_back(
                {"partition `" + partition.name + "`", applied.error().message});
            continue;
        }
        provided.insert(partition.name);
        write_if_changed(host, etc_path(include), document->render());
        slurm_conf.prepend_include(include);
    }
    if (partitions.incomplete) {
        return;
    }
    for (const auto& include : slurm_conf.includes()) {
        const std::string prefix = "slurm.conf.";
        if (include.rfind(prefix, 0) != 0 || include == slurm::kAccountingInclude ||
            include == slurm::kProfilingInclude || include == slurm::kOverridesInclude) {
            continue;
        }
        const std::string name = include.substr(prefix.size());
        if (provided.count(name) != 0) {
            continue;
        }
        std::optional<std::string> problem;
        const auto document = load_document(host, etc_path(include), problem);
        if (document && document->record("PartitionName", name)) {
            slurm_conf.remove_include(include);
            host.remove_file(etc_path(include));
            log::info("removed partition {}", name);
        }
    }
}

/// Accounting turns on: a controller that ran without it minted a cluster ID of its own and
/// keeps it in <StateSaveLocation>/clustername; a slurmdbd that does not know the cluster yet
/// registers it under a new ID, and slurmctld then refuses the configuration ("fatal: CLUSTER
/// ID MISMATCH ... Remove .../clustername to override"). Removing the file, as Slurm's message
/// says, lets the controller take the database's ID when it re-reads the configuration. Done
/// only on the off -> on transition (a retried hook repeats it, harmlessly).
void forget_local_cluster_id(host::Host& host, const slurm::ConfigDocument& slurm_conf) {
    const auto state = slurm_conf.get("StateSaveLocation");
    if (!state || (*state != kLocalCheckpoint && *state != kHaCheckpoint)) {
        return;  // only the locations the charm configures
    }
    const std::string path = *state + "/clustername";
    if (host.status(path).type == host::FileType::Regular) {
        host.remove_file(path);
        log::info(
            "accounting turns on: removed {} so that slurmctld takes the cluster ID of "
            "the accounting database",
            path);
    }
}

/// AccountingStorage* from a slurmdbd application's hostname. Upstream also includes
/// slurm.conf.profiling while a slurmdbd application provides accounting (prepended when it
/// arrives) and drops that include when it leaves (job profiling needs accounting): the same
/// transitions here, read from the accounting file itself so that a retried hook sees them.
/// Returns the accounting file's new text, or nullopt when it cannot be read.
std::optional<std::string> plan_accounting(HookScope& scope, Outcome& outcome,
                                           slurm::ConfigDocument& slurm_conf) {
    std::string database_host;
    for (const auto& relation : scope.tools.relation_ids(kSlurmdbdEndpoint)) {
        const auto app = remote_app(scope, relation);
        if (!app) {
            continue;
        }
        const auto data = scope.tools.relation_get_app(relation, *app);
        const auto found = data.find("hostname");
        if (found == data.end() || found->second.empty()) {
            continue;
        }
        auto checked = slurmdbd_hostname(*app, found->second);
        if (!checked.has_value()) {
            log::error("{}", checked.error().describe());
            outcome.rejections.push_back(checked.error());
            continue;
        }
        database_host = std::move(checked).value();
    }
    const std::string path = etc_path(slurm::kAccountingInclude);
    std::optional<std::string> problem;
    auto document = load_document(scope.host, path, problem);
    if (!document) {
        outcome.rejections.push_back({"slurm.conf.accounting", *problem});
        return std::nullopt;
    }
    if (!database_host.empty()) {
        if (!document->contains("AccountingStorageHost")) {
            forget_local_cluster_id(scope.host, slurm_conf);
        }
        document->set("AccountingStorageHost", database_host);
        document->set("AccountingStoragePort", std::string(kSlurmdbdPort));
        document->set("AccountingStorageType", "accounting_storage/slurmdbd");
        slurm_conf.prepend_include(slurm::kProfilingInclude);
    } else if (document->contains("AccountingStorageHost")) {
        for (const char* key :
             {"AccountingStorageHost", "AccountingStoragePort", "AccountingStorageType"}) {
            document->remove(key);
        }
        slurm_conf.remove_include(slurm::kProfilingInclude);
    }
    return document->render();
}

/// Whether controllers may be added now: every planned unit is seen, or the leader has waited
/// kArrivalWait for the missing ones (the start of the wait is in unit state).
bool additions_may_proceed(HookScope& scope) {
    const auto arriving = arriving_units(scope.facts);
    const auto state = scope.tools.state_get();
    const auto since = state.find(std::string(kStateArrivalWaitSince));
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(scope.host.now().time_since_epoch());
    if (arriving.empty()) {
        if (since != state.end()) {
            scope.tools.state_delete(kStateArrivalWaitSince);
        }
        return true;
    }
    if (since == state.end()) {
        scope.tools.state_set({{std::string(kStateArrivalWaitSince), std::to_string(now.count())}});
        return false;
    }
    const auto waited = now - std::chrono::seconds(std::atoll(since->second.c_str()));
    if (waited < kArrivalWait) {
        return false;
    }
    log::warning("{} planned unit(s) still missing after {} s ({}): adding the controllers seen",
                 arriving.size(), waited.count(), fmt::join(arriving, ", "));
    return true;
}

/// The SlurmctldHost list: failover order, stable across scaling (controllers.hpp). A
/// controller leaves the list only once it has stopped: its unit hands control over first.
void update_controller_list(HookScope& scope, Outcome& outcome, const Placement& placement,
                            slurm::ConfigDocument& slurm_conf) {
    const auto& facts = scope.facts;
    std::vector<std::string> current;
    for (const auto& entry : slurm_conf.get_all("SlurmctldHost")) {
        current.push_back(entry.substr(0, entry.find('(')));
    }
    // Backups only make sense on a shared StateSaveLocation: without it this unit is the only
    // controller.
    std::vector<ControllerUnit> members{*facts.peers.member(facts.unit())};
    if (placement.etc_shared) {
        // Units going away leave the list at once; units arriving are added only when every
        // planned unit is seen (a new leader must not write a partial list), or when that has
        // taken longer than a machine should take to arrive.
        members = staying_members(facts);
        if (!additions_may_proceed(scope)) {
            std::erase_if(members, [&current](const ControllerUnit& member) {
                return std::find(current.begin(), current.end(), member.hostname) == current.end();
            });
        }
    }
    const auto current_entries = slurm_conf.get_all("SlurmctldHost");
    const auto planned = plan_controllers(current, members);
    const auto entries =
        controller_entries(planned, members, current_entries, facts.peers.controllers_by_name);
    if (planned.empty() || entries == current_entries) {
        return;
    }
    for (const auto& leaving : current) {
        if (std::find(planned.begin(), planned.end(), leaving) != planned.end()) {
            continue;
        }
        const auto stopped = [&] {
            const auto pings = ping_controllers(scope.host, facts.slurm);
            return std::none_of(pings.begin(), pings.end(),
                                [&](const auto& p) { return p.hostname == leaving && p.up; });
        };
        if (!scope.waits.wait_until(stopped, kLeavingControllerWait,
                                    std::chrono::milliseconds(500))) {
            log::warning("{} still answers; it stays listed until it stops", leaving);
            outcome.pending = "Waiting for " + leaving + " to stop before it leaves the list";
            return;
        }
    }
    slurm_conf.set_all("SlurmctldHost", entries);
    log::info("controllers (failover order): {}", fmt::join(entries, ", "));
}

/// A slurm.conf from upstream's defaults for a first start.
slurm::ConfigDocument fresh_slurm_conf(HookScope& scope, const Placement& placement) {
    const auto& facts = scope.facts;
    slurm::DefaultSlurmConf options;
    options.cluster_name = facts.peers.cluster_name;
    const auto* self = facts.peers.member(facts.unit());
    options.controllers = {ControllerEntry{facts.hostname, self->address}.str()};
    options.auth = slurm::auth_setup_for(*facts.slurm);
    options.cgroups_usable = !host::is_container(scope.host);
    options.openmetrics = slurm::supports_metrics_type(*facts.slurm);
    options.state_save_location =
        placement.etc_shared ? std::string(kHaCheckpoint) : std::string(kLocalCheckpoint);
    if (placement.etc_shared) {
        scope.host.make_directories(std::string(kHaCheckpoint), {"slurm", "slurm", 0755});
    }
    return slurm::default_slurm_conf(options);
}

/// cgroup.conf: the option's where cgroups work. In a container without a cgroup file system
/// of its own slurmd (configless: it gets this file from us) fails to initialise its cgroup
/// plugin ("No filesystem mounted on /sys/fs/cgroup", 24.11 and 22.05 alike): Slurm >= 23.11
/// gets the plugin disabled; older releases have no `disabled`, and get cgroup/v1 named, which
/// skips the detection that fails and is never used with proctrack/linuxproc and task/affinity.
void write_cgroup_conf(HookScope& scope) {
    const auto& facts = scope.facts;
    auto& host = scope.host;
    if (!host::is_container(host)) {
        if (facts.config.cgroup_valid()) {
            write_if_changed(host, std::string(kCgroupConf),
                             slurm::upstream_file_text(facts.config.cgroup_conf));
        }
        return;
    }
    bool cgroup_fs = false;
    for (const auto& mount : host.mounts()) {
        cgroup_fs |= (mount.fs_type == "cgroup2" || mount.fs_type == "cgroup") &&
                     mount.mount_point.rfind("/sys/fs/cgroup", 0) == 0;
    }
    if (!cgroup_fs) {
        write_if_changed(host, std::string(kCgroupConf),
                         *facts.slurm >= slurm::SlurmVersion{23, 11, 0}
                             ? "cgroupplugin=disabled\n"
                             : "cgroupplugin=cgroup/v1\n");
    } else if (!facts.config.cgroup_conf.empty()) {
        log::warning("cgroup-parameters ignored: cgroup.conf is not written in a container");
    }
}

/// auth/jwt (AuthAltTypes) needs Slurm built with libjwt; Debian's packages are not, and
/// slurmctld refuses to start with a plugin it cannot load.
void drop_unavailable_jwt(host::Host& host, slurm::ConfigDocument& slurm_conf) {
    const auto plugin_dir =
        slurm_conf.get("PluginDir").value_or(std::string(slurm::kAmd64PluginDir));
    if (slurm_conf.get("AuthAltTypes").value_or("").find("auth/jwt") == std::string::npos ||
        host.status(plugin_dir + "/auth_jwt.so").type != host::FileType::Missing) {
        return;
    }
    log::warning(
        "this Slurm has no auth/jwt plugin ({}/auth_jwt.so): JWT authentication is left out of "
        "slurm.conf",
        plugin_dir);
    slurm_conf.remove("AuthAltTypes");
    slurm_conf.remove("AuthAltParameters");
}

}  // namespace

StepResult write_configuration(HookScope& scope, Outcome& outcome) {
    const auto& facts = scope.facts;
    auto& host = scope.host;
    const auto placement = read_placement(host);
    if (!writes_configuration(facts, placement) || facts.peers.cluster_name.empty()) {
        return std::nullopt;
    }
    // Includes first: slurmctld refuses to start on a missing include.
    if (facts.config.slurm_conf_parameters_valid()) {
        write_if_changed(host, etc_path(slurm::kOverridesInclude),
                         slurm::upstream_file_text(facts.config.slurm_conf_overrides));
    } else if (host.status(etc_path(slurm::kOverridesInclude)).type == host::FileType::Missing) {
        write_if_changed(host, etc_path(slurm::kOverridesInclude), "\n");
    }
    // An empty include makes every Slurm client that reads it print `s_p_parse_file: file
    // "..." is empty` (parse_config.c checks st_size == 0). Upstream creates these two empty;
    // one newline (what upstream's own editor writes for an empty file) parses the same for
    // Slurm and for upstream's readers, and keeps the clients quiet.
    for (const auto include : {slurm::kAccountingInclude, slurm::kProfilingInclude}) {
        const auto text = host.read_file(etc_path(include));
        if (!text || text->empty()) {
            write_if_changed(host, etc_path(include), "\n");
        }
    }
    if (host.status(std::string(kGresConf)).type == host::FileType::Missing) {
        write_if_changed(
            host, std::string(kGresConf),
            slurm::default_gres_conf(slurm::supports_autodetect_nvidia(*scope.facts.slurm))
                .render());
    }
    write_cgroup_conf(scope);

    std::optional<std::string> problem;
    auto slurm_conf = load_document(host, std::string(kSlurmConf), problem);
    if (!slurm_conf) {
        log::error("{}", *problem);
        return Stop{WorkloadState::Blocked, *problem};
    }
    if (host.status(std::string(kSlurmConf)).type == host::FileType::Missing) {
        slurm_conf = fresh_slurm_conf(scope, placement);
    }
    drop_unavailable_jwt(host, *slurm_conf);
    write_partitions(scope, outcome, *slurm_conf);
    const auto accounting = plan_accounting(scope, outcome, *slurm_conf);
    update_controller_list(scope, outcome, placement, *slurm_conf);
    // slurm.conf before the accounting file: the profiling include follows the accounting keys,
    // and a hook killed in between must still see the accounting change to make.
    write_if_changed(host, std::string(kSlurmConf), slurm_conf->render());
    if (accounting) {
        write_if_changed(host, etc_path(slurm::kAccountingInclude), *accounting);
    }
    return std::nullopt;
}

}  // namespace slurmctld::charm
