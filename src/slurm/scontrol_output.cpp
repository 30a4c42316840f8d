#include <algorithm>

#include <nlohmann/json.hpp>

#include <slurmctld/slurm/names.hpp>
#include <slurmctld/slurm/scontrol_output.hpp>
#include <slurmctld/util/strings.hpp>

namespace slurmctld::slurm {

namespace {

std::string_view short_name(std::string_view hostname) {
    return hostname.substr(0, hostname.find('.'));
}

}  // namespace

Expected<std::vector<ControllerPing>> parse_ping_json(std::string_view text) {
    const auto document = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
    if (document.is_discarded() || !document.is_object()) {
        return Failure{"scontrol ping --json did not print a JSON object"};
    }
    const auto pings = document.find("pings");
    if (pings == document.end() || !pings->is_array()) {
        return Failure{"scontrol ping --json printed no \"pings\" list"};
    }
    std::vector<ControllerPing> out;
    for (const auto& entry : *pings) {
        if (!entry.is_object() || !entry.contains("hostname") || !entry["hostname"].is_string() ||
            !entry.contains("mode") || !entry["mode"].is_string()) {
            return Failure{"scontrol ping --json: an entry lacks hostname or mode"};
        }
        ControllerPing ping;
        ping.hostname = entry["hostname"].get<std::string>();
        ping.mode = entry["mode"].get<std::string>();
        if (const auto pinged = entry.find("pinged");
            pinged != entry.end() && pinged->is_string()) {
            ping.up = pinged->get<std::string>() == "UP";
        } else if (const auto responding = entry.find("responding");
                   responding != entry.end() && responding->is_boolean()) {
            ping.up = responding->get<bool>();
        } else {
            return Failure{"scontrol ping --json: the entry for " + ping.hostname +
                           " says neither pinged nor responding"};
        }
        out.push_back(std::move(ping));
    }
    return out;
}

Expected<std::vector<ControllerPing>> parse_ping_text(std::string_view text) {
    constexpr std::string_view kPrefix = "Slurmctld(";
    constexpr std::string_view kAt = ") at ";
    constexpr std::string_view kIs = " is ";
    std::vector<ControllerPing> out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = std::min(text.find('\n', start), text.size());
        const std::string_view line = util::trim(text.substr(start, end - start));
        start = end + 1;
        if (line.empty() || line.front() == '*') {
            continue;  // the RESTORE SLURMCTLD DAEMON TO SERVICE banner
        }
        const std::size_t at = line.find(kAt);
        const std::size_t is = line.rfind(kIs);
        if (!line.starts_with(kPrefix) || at == std::string_view::npos ||
            is == std::string_view::npos || is < at) {
            return Failure{"unexpected line from scontrol ping: \"" + std::string(line) + "\""};
        }
        ControllerPing ping;
        ping.mode = std::string(line.substr(kPrefix.size(), at - kPrefix.size()));
        ping.hostname = std::string(line.substr(at + kAt.size(), is - at - kAt.size()));
        const std::string_view state = line.substr(is + kIs.size());
        if (state != "UP" && state != "DOWN") {
            return Failure{"unexpected line from scontrol ping: \"" + std::string(line) + "\""};
        }
        ping.up = state == "UP";
        out.push_back(std::move(ping));
    }
    return out;
}

std::string controller_status(const std::vector<ControllerPing>& pings, std::string_view hostname) {
    if (hostname.empty()) {
        return "";
    }
    const ControllerPing* match = nullptr;
    for (const ControllerPing& ping : pings) {
        if (ping.hostname == hostname) {
            match = &ping;
            break;
        }
        if (match == nullptr && short_name(ping.hostname) == short_name(hostname)) {
            match = &ping;
        }
    }
    if (match == nullptr) {
        return "";
    }
    return match->mode + " - " + (match->up ? "UP" : "DOWN");
}

std::vector<std::string> nodes_without_state_flags(std::string_view text,
                                                   const std::vector<std::string_view>& flags) {
    std::vector<std::string> nodes;
    constexpr std::string_view kName = "NodeName=";
    constexpr std::string_view kState = " State=";
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        const auto state_at = line.find(kState);
        if (!line.starts_with(kName) || state_at == std::string_view::npos) {
            continue;
        }
        auto state = line.substr(state_at + kState.size());
        state = state.substr(0, state.find(' '));
        bool flagged = false;
        std::size_t start = state.find('+');
        while (start != std::string_view::npos && !flagged) {
            const auto next = state.find('+', start + 1);
            const auto flag =
                state.substr(start + 1, next == std::string_view::npos ? std::string_view::npos
                                                                       : next - start - 1);
            flagged = std::find(flags.begin(), flags.end(), flag) != flags.end();
            start = next;
        }
        const auto name = line.substr(kName.size(), line.find(' ') - kName.size());
        if (!flagged && !node_name_problem(name)) {
            nodes.emplace_back(name);
        }
    }
    return nodes;
}

std::vector<std::string> nodes_with_reason(std::string_view text, std::string_view reason) {
    std::vector<std::string> nodes;
    constexpr std::string_view kName = "NodeName=";
    const std::string marker = " Reason=" + std::string(reason);
    while (!text.empty()) {
        const auto end = text.find('\n');
        const auto line = text.substr(0, end);
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
        if (!line.starts_with(kName) || line.find(marker) == std::string_view::npos) {
            continue;
        }
        const auto name = line.substr(kName.size(), line.find(' ') - kName.size());
        if (!node_name_problem(name)) {
            nodes.emplace_back(name);
        }
    }
    return nodes;
}

}  // namespace slurmctld::slurm
