#include <algorithm>
#include <array>
#include <cctype>

#include <arpa/inet.h>

#include <slurmctld/slurm/config_keys.hpp>
#include <slurmctld/slurm/names.hpp>

namespace slurmctld::slurm {

namespace {

constexpr std::string_view kIncludePrefix = "slurm.conf.";
constexpr std::string_view kSnapshotSuffix = ".snapshot";
constexpr std::array<std::string_view, 3> kCharmIncludes = {
    "slurm.conf.accounting", "slurm.conf.profiling", "slurm.conf.overrides"};

bool is_ascii_alnum(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

bool is_ascii_digit(char c) {
    return c >= '0' && c <= '9';
}

std::string hex_byte(char c) {
    constexpr std::string_view kDigits = "0123456789abcdef";
    const auto u = static_cast<unsigned char>(c);
    return {'0', 'x', kDigits[u >> 4U], kDigits[u & 0x0fU]};
}

}  // namespace

std::string contains_reason(char c) {
    const auto u = static_cast<unsigned char>(c);
    if (c == ' ') {
        return "contains a space";
    }
    if (c == '\t') {
        return "contains a tab";
    }
    if (u < 0x20U || u == 0x7fU) {
        return "contains a control character (" + hex_byte(c) + ")";
    }
    if (u >= 0x80U) {
        return "contains a non-ASCII byte (" + hex_byte(c) + ")";
    }
    return std::string("contains '") + c + "'";
}

namespace {

std::string longer_than(std::size_t bytes) {
    return "is longer than " + std::to_string(bytes) + " bytes";
}

template <class Allowed>
NameProblem first_bad_byte(std::string_view name, Allowed allowed) {
    const auto bad = std::find_if_not(name.begin(), name.end(), allowed);
    if (bad != name.end()) {
        return contains_reason(*bad);
    }
    return std::nullopt;
}

bool is_slurm_name_char(char c) {
    return is_ascii_alnum(c) || c == '_' || c == '.' || c == '-';
}

// The shared rule of partition, node, node set and feature names.
NameProblem slurm_name_problem(std::string_view name, bool underscore_may_lead) {
    if (name.empty()) {
        return "is empty";
    }
    if (auto problem = first_bad_byte(name, is_slurm_name_char)) {
        return problem;
    }
    if (name.size() > kMaxSlurmNameBytes) {
        return longer_than(kMaxSlurmNameBytes);
    }
    const char first = name.front();
    if (!is_ascii_alnum(first) && !(underscore_may_lead && first == '_')) {
        return std::string("starts with '") + first + "'";
    }
    if (iequals(name, "DEFAULT")) {
        return "is reserved (a DEFAULT line sets defaults for every other line)";
    }
    if (iequals(name, "ALL")) {
        return "is reserved (ALL in a node list means every node)";
    }
    return std::nullopt;
}

NameProblem label_problem(std::string_view label) {
    if (label.empty()) {
        return "has an empty label";
    }
    if (auto problem =
            first_bad_byte(label, [](char c) { return is_ascii_alnum(c) || c == '-'; })) {
        return problem;
    }
    if (label.size() > kMaxHostLabelBytes) {
        return "has a label longer than " + std::to_string(kMaxHostLabelBytes) + " bytes";
    }
    if (label.front() == '-' || label.back() == '-') {
        return "has a label that starts or ends with '-'";
    }
    return std::nullopt;
}

}  // namespace

NameProblem file_name_component_problem(std::string_view name, std::string_view prefix) {
    if (name.empty()) {
        return "is empty";
    }
    if (auto problem = first_bad_byte(name, [](char c) {
            const auto u = static_cast<unsigned char>(c);
            return c != '/' && u >= 0x20U && u != 0x7fU;
        })) {
        return problem;
    }
    if (prefix.empty() && (name == "." || name == "..")) {
        return "is '" + std::string(name) + "'";
    }
    if (prefix.size() + name.size() > kMaxFileNameBytes) {
        return "makes a file name longer than " + std::to_string(kMaxFileNameBytes) + " bytes";
    }
    return std::nullopt;
}

NameProblem partition_name_problem(std::string_view name) {
    if (auto problem = slurm_name_problem(name, true)) {
        return problem;
    }
    if (auto problem = charm_include_collision(name)) {
        return problem;
    }
    return file_name_component_problem(name, kIncludePrefix);
}

NameProblem charm_include_collision(std::string_view partition) {
    const std::string include = std::string(kIncludePrefix) + std::string(partition);
    for (const std::string_view owned : kCharmIncludes) {
        if (iequals(include, owned)) {
            return "is reserved (the charm writes " + std::string(owned) + ")";
        }
    }
    if (include.size() >= kSnapshotSuffix.size() &&
        iequals(std::string_view(include).substr(include.size() - kSnapshotSuffix.size()),
                kSnapshotSuffix)) {
        return "ends with '.snapshot' (the suffix of the charm's backup copies)";
    }
    return std::nullopt;
}

std::span<const std::string_view> charm_owned_include_names() {
    return kCharmIncludes;
}

bool is_charm_owned_include(std::string_view file_name) {
    if (file_name.size() <= kIncludePrefix.size() ||
        file_name.substr(0, kIncludePrefix.size()) != kIncludePrefix) {
        return false;
    }
    return charm_include_collision(file_name.substr(kIncludePrefix.size())).has_value();
}

NameProblem node_name_problem(std::string_view name) {
    return slurm_name_problem(name, false);
}

NameProblem nodeset_name_problem(std::string_view name) {
    return slurm_name_problem(name, false);
}

NameProblem feature_name_problem(std::string_view name) {
    return slurm_name_problem(name, true);
}

NameProblem host_name_problem(std::string_view name) {
    if (name.empty()) {
        return "is empty";
    }
    if (name.size() > kMaxHostNameBytes) {
        // Look for a bad byte first: it says more than the length.
        if (auto problem = first_bad_byte(
                name, [](char c) { return is_ascii_alnum(c) || c == '-' || c == '.'; })) {
            return problem;
        }
        return longer_than(kMaxHostNameBytes);
    }
    std::string_view last;
    std::size_t start = 0;
    while (true) {
        const std::size_t dot = name.find('.', start);
        const std::string_view label = name.substr(start, dot - start);
        if (auto problem = label_problem(label)) {
            return problem;
        }
        last = label;
        if (dot == std::string_view::npos) {
            break;
        }
        start = dot + 1;
    }
    if (std::all_of(last.begin(), last.end(), is_ascii_digit)) {
        return "looks like a numeric address";
    }
    return std::nullopt;
}

NameProblem short_host_name_problem(std::string_view name) {
    if (name.find('.') != std::string_view::npos) {
        return "contains '.' (not a short host name)";
    }
    return host_name_problem(name);
}

NameProblem ip_address_problem(std::string_view address) {
    if (address.empty()) {
        return "is empty";
    }
    if (auto problem = first_bad_byte(address, [](char c) {
            return std::isxdigit(static_cast<unsigned char>(c)) != 0 || c == '.' || c == ':';
        })) {
        return problem;
    }
    if (address.size() > 45) {  // INET6_ADDRSTRLEN - 1
        return longer_than(45);
    }
    const std::string text(address);
    std::array<unsigned char, 16> buffer{};
    if (inet_pton(AF_INET, text.c_str(), buffer.data()) == 1 ||
        inet_pton(AF_INET6, text.c_str(), buffer.data()) == 1) {
        return std::nullopt;
    }
    return "is not an IPv4 or IPv6 address";
}

NameProblem host_or_address_problem(std::string_view value) {
    const bool looks_numeric =
        !value.empty() && (value.find(':') != std::string_view::npos ||
                           std::all_of(value.begin(), value.end(),
                                       [](char c) { return is_ascii_digit(c) || c == '.'; }));
    return looks_numeric ? ip_address_problem(value) : host_name_problem(value);
}

NameProblem slurmctld_host_problem(std::string_view value) {
    const std::size_t open = value.find('(');
    if (open == std::string_view::npos) {
        if (value.find(')') != std::string_view::npos) {
            return "contains ')' without '('";
        }
        return host_name_problem(value);
    }
    if (value.back() != ')' || value.find(')') != value.size() - 1 ||
        value.find('(', open + 1) != std::string_view::npos) {
        return "is not host(address)";
    }
    if (auto problem = host_name_problem(value.substr(0, open))) {
        return "host " + *problem;
    }
    if (auto problem = host_or_address_problem(value.substr(open + 1, value.size() - open - 2))) {
        return "address " + *problem;
    }
    return std::nullopt;
}

NameProblem cluster_name_problem(std::string_view name) {
    if (name.empty()) {
        return "is empty";
    }
    if (auto problem = first_bad_byte(
            name, [](char c) { return is_ascii_alnum(c) || c == '_' || c == '-'; })) {
        return problem;
    }
    if (name.size() > kMaxClusterNameBytes) {
        return longer_than(kMaxClusterNameBytes) + " (the accounting database's limit)";
    }
    if (!is_ascii_alnum(name.front())) {
        return std::string("starts with '") + name.front() + "'";
    }
    return std::nullopt;
}

std::string slurm_cluster_name(std::string_view name) {
    return to_lower(name);
}

std::string printable(std::string_view text, std::size_t max_bytes) {
    std::string out;
    const std::string_view shown = text.substr(0, max_bytes);
    for (const char c : shown) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x20U && u < 0x7fU && c != '\\') {
            out.push_back(c);
        } else if (c == '\\') {
            out += "\\\\";
        } else {
            out += "\\x" + hex_byte(c).substr(2);
        }
    }
    if (shown.size() < text.size()) {
        out += "...";
    }
    return out;
}

}  // namespace slurmctld::slurm
