// The leader's configuration files (reference §5): slurm.conf and its includes, gres.conf,
// cgroup.conf, partitions from slurmd, accounting from slurmdbd, and the controller list.
// Every file is rewritten only when its bytes change, so a hook that changes nothing restarts
// nothing.
#include <algorithm>
#include <set>

#include <slurmctld/charm/charm.hpp>
#include <slurmctld/charm/constants.hpp>
#include <slurmctld/host/virtualization.hpp>
#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/slurm/default_files.hpp>
#include <slurmctld/slurm/partitions.hpp>
#include <slurmctld/slurm/upstream_form.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;

namespace {

constexpr mode_t kConfigFileMode = 0644;  // slurm:slurm, world-readable as Slurm expects
constexpr std::string_view kSlurmdbdPort = "6819";

std::string etc_path(std::string_view name) {
    return std::string(kEtcSlurm) + "/" + std::string(name);
}

/// "host(10.0.0.1)" -> "host" (pre-HA releases wrote addresses next to names).
std::string controller_name(const std::string& entry) {
    return entry.substr(0, entry.find('('));
}

}  // namespace

bool Charm::config_dir_ready() {
    if (!ha_enabled()) {
        return !config().use_network_state;
    }
    if (shared_fs_mounted() && etc_slurm_on_shared_fs()) {
        return true;
    }
    // The mount is requested but not there yet: a controller already serving from local disk
    // keeps its files current until it migrates; nothing new starts on local state.
    return !config().use_network_state &&
           host_.status(std::string(kSlurmConf)).type != host::FileType::Missing &&
           !etc_slurm_on_shared_fs();
}

std::optional<slurm::ConfigDocument> Charm::load_document(const std::filesystem::path& path,
                                                          slurm::ConfigDialect dialect) {
    const auto text = host_.read_file(path);
    if (!text) {
        return std::nullopt;
    }
    auto parsed = slurm::ConfigDocument::parse(*text, dialect);
    if (!parsed.has_value()) {
        throw std::runtime_error("cannot parse " + path.string() + ": " +
                                 parsed.error().describe());
    }
    return std::move(parsed).value();
}

bool Charm::save_document(const std::filesystem::path& path,
                          const slurm::ConfigDocument& document) {
    return write_text_if_changed(path, document.render(), kConfigFileMode);
}

bool Charm::write_text_if_changed(const std::filesystem::path& path, const std::string& text,
                                  mode_t mode) {
    const auto current = host_.read_file(path);
    if (current && *current == text) {
        return false;
    }
    if (host_.status(path.parent_path()).type == host::FileType::Missing) {
        host_.make_directories(path.parent_path(), {"root", "root", 0755});
    }
    const bool slurm_owned = path.string().rfind(std::string(kEtcSlurm), 0) == 0;
    host_.write_file(path, text,
                     slurm_owned ? host::FileAttributes{"slurm", "slurm", mode}
                                 : host::FileAttributes{"root", "root", mode});
    log::debug("wrote {}", path.string());
    return true;
}

bool Charm::cgroups_usable() {
    return !host::is_container(host_);
}

bool Charm::all_units_observed() {
    const auto& members = peers().members;
    const bool hostnames_known = std::all_of(members.begin(), members.end(),
                                             [](const auto& m) { return !m.hostname.empty(); });
    return hostnames_known &&
           tools_.goal_state().planned_units() == static_cast<int>(members.size());
}

void Charm::write_config_files() {
    const auto& view = peers();
    const auto version = slurm_version();
    if (view.cluster_name.empty() || !version) {
        return;
    }
    bool changed = false;

    // Includes first: slurmctld refuses to start on a missing include.
    const std::string overrides = slurm::upstream_file_text(config().slurm_conf_overrides);
    changed |= write_text_if_changed(etc_path(slurm::kOverridesInclude), overrides, 0644);
    for (const auto include : {slurm::kAccountingInclude, slurm::kProfilingInclude}) {
        if (host_.status(etc_path(include)).type == host::FileType::Missing) {
            changed |= write_text_if_changed(etc_path(include), "", 0644);
        }
    }
    if (host_.status(std::string(kGresConf)).type == host::FileType::Missing) {
        changed |= write_text_if_changed(std::string(kGresConf),
                                         slurm::default_gres_conf().render(), 0644);
    }

    const bool usable = cgroups_usable();
    if (usable) {
        changed |= write_text_if_changed(std::string(kCgroupConf),
                                         slurm::upstream_file_text(config().cgroup_conf), 0644);
    } else if (*version >= slurm::SlurmVersion{23, 11, 0}) {
        // Slurm >= 23.11 always initialises a cgroup plugin, and a container without a cgroup
        // file system of its own makes slurmd (configless: it gets this file from us) fail.
        bool cgroup_fs = false;
        for (const auto& mount : host_.mounts()) {
            cgroup_fs |= (mount.fs_type == "cgroup2" || mount.fs_type == "cgroup") &&
                         mount.mount_point.rfind("/sys/fs/cgroup", 0) == 0;
        }
        if (!cgroup_fs) {
            changed |=
                write_text_if_changed(std::string(kCgroupConf), "cgroupplugin=disabled\n", 0644);
        } else if (!config().cgroup_conf.empty()) {
            log::warning("cgroup-parameters ignored: cgroup.conf is not written in a container");
        }
    }

    auto slurm_conf = load_document(std::string(kSlurmConf), slurm::ConfigDialect::SlurmConf);
    const bool fresh = !slurm_conf;
    if (fresh) {
        slurm::DefaultSlurmConf options;
        options.cluster_name = view.cluster_name;
        options.controllers = {hostname_};
        options.auth = slurm::auth_setup_for(*version);
        options.cgroups_usable = usable;
        options.openmetrics = slurm::supports_metrics_type(*version);
        options.state_save_location =
            etc_slurm_on_shared_fs() ? std::string(kHaCheckpoint) : std::string(kLocalCheckpoint);
        slurm_conf = slurm::default_slurm_conf(options);
        if (etc_slurm_on_shared_fs()) {
            host_.make_directories(std::string(kHaCheckpoint), {"slurm", "slurm", 0755});
        }
    }
    // auth/jwt (AuthAltTypes) needs Slurm built with libjwt; Debian's packages are not, and
    // slurmctld refuses to start with a plugin it cannot load.
    const auto plugin_dir =
        slurm_conf->get("PluginDir").value_or(std::string(slurm::kAmd64PluginDir));
    if (slurm_conf->get("AuthAltTypes").value_or("").find("auth/jwt") != std::string::npos &&
        host_.status(plugin_dir + "/auth_jwt.so").type == host::FileType::Missing) {
        log::warning(
            "this Slurm has no auth/jwt plugin ({}/auth_jwt.so): JWT authentication "
            "is left out of slurm.conf",
            plugin_dir);
        slurm_conf->remove("AuthAltTypes");
        slurm_conf->remove("AuthAltParameters");
    }
    changed |= write_partitions(*slurm_conf);
    changed |= write_accounting();
    update_controller_list(*slurm_conf);
    changed |= save_document(std::string(kSlurmConf), *slurm_conf) || fresh;
    if (changed) {
        configuration_changed_ = true;
    }
}

bool Charm::update_controller_list(slurm::ConfigDocument& slurm_conf) {
    std::vector<std::string> current;
    for (const auto& entry : slurm_conf.get_all("SlurmctldHost")) {
        current.push_back(controller_name(entry));
    }
    // Backups only make sense on a shared StateSaveLocation: without the mount integration the
    // leader is the only controller.
    std::vector<ControllerUnit> members{{context_.unit_name, hostname_}};
    if (ha_enabled()) {
        // A new leader must not write a partial list: wait until every planned unit is seen.
        if (!all_units_observed()) {
            return false;
        }
        members = peers().members;
    }
    const auto planned = plan_controllers(current, members);
    if (planned.empty() || planned == slurm_conf.get_all("SlurmctldHost")) {
        return false;
    }
    // A controller leaves the list only once it has stopped: its unit hands control over
    // first (a few seconds). Rewriting earlier would restart the others while it still serves.
    for (const auto& host : current) {
        if (std::find(planned.begin(), planned.end(), host) != planned.end()) {
            continue;
        }
        if (!wait_for_controller_down(host)) {
            log::warning("{} still answers; it stays listed until it stops", host);
            return false;
        }
    }
    slurm_conf.set_all("SlurmctldHost", planned);
    controllers_changed_ = true;
    log::info("controllers (failover order): {}", fmt::join(planned, ", "));
    return true;
}

bool Charm::write_partitions(slurm::ConfigDocument& slurm_conf) {
    bool changed = false;
    std::set<std::string> provided;
    for (const auto& relation : relations(kSlurmdEndpoint)) {
        const auto app = remote_app(relation);
        if (!app) {
            continue;
        }
        const auto data = tools_.relation_get_app(relation, *app);
        const auto raw = data.find("partition");
        if (raw == data.end() || raw->second.empty()) {
            continue;  // upstream's partition_ready: not yet
        }
        nlohmann::ordered_json partition;
        try {
            partition = nlohmann::ordered_json::parse(raw->second);
        } catch (const std::exception& error) {
            log::error("ignoring the partition of {}: not JSON ({})", *app, error.what());
            continue;
        }
        const auto name_field = partition.find("partitionname");
        if (name_field == partition.end() || !name_field->is_string()) {
            log::error("ignoring the partition of {}: no partitionname", *app);
            continue;
        }
        const std::string name = name_field->get<std::string>();
        const std::string include = slurm::partition_include_name(name);
        auto document = load_document(etc_path(include), slurm::ConfigDialect::SlurmConf)
                            .value_or(slurm::ConfigDocument{});
        const bool is_default = name == config().default_partition;
        const auto applied = slurm::apply_partition(document, partition, is_default);
        if (!applied.has_value()) {
            log::error("ignoring the partition of {}: {}", *app, applied.error().message);
            continue;
        }
        provided.insert(name);
        changed |= save_document(etc_path(include), document);
        changed |= slurm_conf.prepend_include(include);
    }
    // Partitions of slurmd applications that are gone: their include and file go too.
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
        const auto document = load_document(etc_path(include), slurm::ConfigDialect::SlurmConf);
        if (document && document->record("PartitionName", name)) {
            slurm_conf.remove_include(include);
            host_.remove_file(etc_path(include));
            log::info("removed partition {}", name);
            changed = true;
        }
    }
    return changed;
}

bool Charm::write_accounting() {
    std::string database_host;
    for (const auto& relation : relations(kSlurmdbdEndpoint)) {
        const auto app = remote_app(relation);
        if (!app) {
            continue;
        }
        const auto data = tools_.relation_get_app(relation, *app);
        if (const auto found = data.find("hostname");
            found != data.end() && !found->second.empty()) {
            try {
                database_host = juju::codec::decode_string("hostname", found->second);
            } catch (const std::exception& error) {
                log::error("ignoring slurmdbd data: {}", error.what());
            }
        }
    }
    const std::string path = etc_path(slurm::kAccountingInclude);
    auto document =
        load_document(path, slurm::ConfigDialect::SlurmConf).value_or(slurm::ConfigDocument{});
    if (!database_host.empty()) {
        document.set("AccountingStorageHost", database_host);
        document.set("AccountingStoragePort", kSlurmdbdPort);
        document.set("AccountingStorageType", "accounting_storage/slurmdbd");
    } else {
        for (const char* key :
             {"AccountingStorageHost", "AccountingStoragePort", "AccountingStorageType"}) {
            document.remove(key);
        }
    }
    return save_document(path, document);
}

}  // namespace slurmctld::charm
