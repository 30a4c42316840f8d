#include <algorithm>
#include <charconv>

#include <slurmctld/charm/constants.hpp>
#include <slurmctld/charm/controllers.hpp>

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

std::vector<std::string> controller_endpoints(const std::vector<std::string>& controllers) {
    std::vector<std::string> endpoints;
    endpoints.reserve(controllers.size());
    for (const auto& hostname : controllers) {
        endpoints.push_back(hostname + ":" + std::to_string(kSlurmctldPort));
    }
    return endpoints;
}

}  // namespace slurmctld::charm
