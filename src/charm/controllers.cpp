#include <algorithm>
#include <charconv>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/controllers.hpp>
#include <slurmctld/slurm/names.hpp>

namespace slurmctld::charm {

std::optional<int> unit_number(const std::string& unit) {
    const auto slash = unit.rfind('/');
    if (slash == std::string::npos || slash + 1 == unit.size()) {
        return std::nullopt;
    }
    int number = 0;
    const char* first = unit.data() + slash + 1;
    const char* last = unit.data() + unit.size();
    const auto [end, error] = std::from_chars(first, last, number);
    if (error != std::errc{} || end != last) {
        return std::nullopt;
    }
    return number;
}

std::vector<std::string> plan_controllers(const std::vector<std::string>& current,
                                          const std::vector<ControllerUnit>& members) {
    std::vector<ControllerUnit> known;
    std::copy_if(members.begin(), members.end(), std::back_inserter(known),
                 [](const ControllerUnit& member) { return !member.hostname.empty(); });
    const auto is_member = [&known](const std::string& hostname) {
        return std::any_of(known.begin(), known.end(),
                           [&hostname](const ControllerUnit& m) { return m.hostname == hostname; });
    };

    std::vector<std::string> planned;
    for (const auto& hostname : current) {
        if (is_member(hostname) &&
            std::find(planned.begin(), planned.end(), hostname) == planned.end()) {
            planned.push_back(hostname);
        }
    }
    // New members join in unit-number order, so every leader computes the same list.
    std::stable_sort(known.begin(), known.end(),
                     [](const ControllerUnit& a, const ControllerUnit& b) {
                         return unit_number(a.unit).value_or(-1) < unit_number(b.unit).value_or(-1);
                     });
    for (const auto& member : known) {
        if (std::find(planned.begin(), planned.end(), member.hostname) == planned.end()) {
            planned.push_back(member.hostname);
        }
    }
    return planned;
}

ControllerEntry parse_controller_entry(std::string_view entry) {
    const auto open = entry.find('(');
    if (open == std::string_view::npos) {
        return {std::string(entry), {}};
    }
    ControllerEntry parsed{std::string(entry.substr(0, open)), {}};
    const auto close = entry.rfind(')');
    if (close != std::string_view::npos && close > open) {
        const auto address = entry.substr(open + 1, close - open - 1);
        if (!slurm::ip_address_problem(address)) {
            parsed.address = std::string(address);
        }
    }
    return parsed;
}

std::vector<std::string> controller_entries(const std::vector<std::string>& planned,
                                            const std::vector<ControllerUnit>& members,
                                            const std::vector<std::string>& current_entries,
                                            bool by_name) {
    std::vector<std::string> entries;
    entries.reserve(planned.size());
    for (const auto& host : planned) {
        ControllerEntry entry{host, {}};
        if (by_name) {
            entries.push_back(entry.str());
            continue;
        }
        for (const auto& member : members) {
            if (member.hostname == host && !member.address.empty()) {
                entry.address = member.address;
            }
        }
        for (const auto& current : current_entries) {
            const auto known = parse_controller_entry(current);
            if (entry.address.empty() && known.host == host) {
                entry.address = known.address;
            }
        }
        entries.push_back(entry.str());
    }
    return entries;
}

std::vector<std::string> controller_endpoints(const std::vector<std::string>& entries) {
    std::vector<std::string> endpoints;
    endpoints.reserve(entries.size());
    for (const auto& text : entries) {
        const auto entry = parse_controller_entry(text);
        endpoints.push_back((entry.address.empty() ? entry.host : entry.address) + ":" +
                            std::to_string(kSlurmctldPort));
    }
    return endpoints;
}

}  // namespace slurmctld::charm
