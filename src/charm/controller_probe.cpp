#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/controller_probe.hpp>
#include <slurmctld/charm/roles.hpp>
#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/names.hpp>
#include <slurmctld/util/log.hpp>

namespace slurmctld::charm {

namespace log = util::log;

std::vector<slurm::ControllerPing> ping_controllers(
    host::Host& host, const std::optional<slurm::SlurmVersion>& slurm) {
    if (!slurm || host.status(std::string(kSlurmConf)).type == host::FileType::Missing) {
        return {};
    }
    // The text form on every release: the same answer as --json (both print
    // ping_all_controllers(), scontrol.c) in a format unchanged since 22.05, without loading
    // the data_parser plugins, which cost a fifth of each tick's ping (BENCHMARKS.md).
    const auto result = host.scontrol({"ping"});
    // rc 1 means no controller answered, but the output still lists them all as DOWN.
    auto parsed = slurm::parse_ping_text(result.stdout_text);
    if (!parsed.has_value()) {
        log::debug("scontrol ping gave nothing usable (exit {}): {}", result.exit_code,
                   result.stderr_text);
        return {};
    }
    return std::move(parsed).value();
}

std::optional<slurm::Heartbeat> read_heartbeat(host::Host& host) {
    const auto document = read_slurm_conf(host);
    const std::string state =
        document ? document->get("StateSaveLocation").value_or(std::string(kHaCheckpoint))
                 : std::string(kHaCheckpoint);
    try {
        return slurm::parse_heartbeat(host.read_file(state + "/heartbeat").value_or(""));
    } catch (const host::HostError& error) {
        log::warning("cannot read the heartbeat: {}", error.what());
        return std::nullopt;
    }
}

std::optional<bool> in_control(host::Host& host, const std::string& hostname) {
    // A client that knows only one controller asks only it: the controller in control answers,
    // a standby refuses ("backup controller in standby mode"), a dead one is unreachable.
    auto parsed = read_slurm_conf(host);
    if (!parsed) {
        return std::nullopt;
    }
    auto& document = *parsed;
    std::string entry = hostname;
    for (const auto& configured : configured_controller_entries(host)) {
        if (parse_controller_entry(configured).host == hostname) {
            entry = configured;  // with its address: no name lookup needed
        }
    }
    document.set_all("SlurmctldHost", {entry});
    std::vector<std::string> includes;
    for (const auto& include : document.includes()) {
        includes.push_back(include.front() == '/' ? include
                                                  : std::string(kEtcSlurm) + "/" + include);
    }
    document.set_includes(includes);
    host.make_directories(std::string(kCharmRunDir), {"root", "root", 0755});
    // One fixed name: the host name comes from a file others may write, never from a path.
    const std::string probe = std::string(kCharmRunDir) + "/probe.conf";
    const auto rendered = document.render();
    if (host.read_file(probe) != rendered) {
        host.write_file(probe, rendered, {"root", "root", 0644});
    }
    const auto result = host.scontrol_with_config(probe, {"show", "partition"});
    if (result.ok()) {
        return true;
    }
    if (result.stderr_text.find("standby") != std::string::npos ||
        result.stderr_text.find("Unable to contact") != std::string::npos ||
        result.stderr_text.find("connect failure") != std::string::npos) {
        return false;
    }
    log::debug("cannot tell whether {} is in control: {}", hostname, result.stderr_text);
    return std::nullopt;
}

std::optional<std::string> heartbeat_controller(host::Host& host) {
    const auto heartbeat = read_heartbeat(host);
    if (!heartbeat) {
        return std::nullopt;
    }
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(host.now().time_since_epoch()).count();
    if (now - heartbeat->written_at > kHeldBackHeartbeatAge.count()) {
        return std::nullopt;
    }
    const auto document = read_slurm_conf(host);
    if (!document) {
        return std::nullopt;
    }
    // By position as written: configured_controllers() leaves bad entries out, which would
    // shift every later position onto the wrong host.
    const auto entries = document->get_all("SlurmctldHost");
    if (heartbeat->controller_index < 0 ||
        static_cast<std::size_t>(heartbeat->controller_index) >= entries.size()) {
        return std::nullopt;
    }
    auto name = parse_controller_entry(entries[heartbeat->controller_index]).host;
    if (slurm::host_name_problem(name)) {
        return std::nullopt;
    }
    return name;
}

std::optional<std::string> serving_controller(host::Host& host,
                                              const std::vector<slurm::ControllerPing>& pings,
                                              const std::string& self) {
    // A recent heartbeat from a controller that answers: the common case, with no RPC. A
    // heartbeat can outlive its writer by up to kHeldBackHeartbeatAge, hence the ping.
    if (auto writer = heartbeat_controller(host)) {
        for (const auto& entry : pings) {
            if (entry.up && entry.hostname == *writer) {
                return writer;
            }
        }
    }
    if (in_control(host, self).value_or(false)) {
        return self;
    }
    for (const auto& entry : pings) {
        if (entry.up && entry.hostname != self &&
            in_control(host, entry.hostname).value_or(false)) {
            return entry.hostname;
        }
    }
    return std::nullopt;
}

}  // namespace slurmctld::charm
