#include <sstream>

#include <slurmctld/util/ini.hpp>
#include <slurmctld/util/strings.hpp>

namespace slurmctld::util {

namespace {

std::string strip(std::string_view text) {
    return std::string(trim(text));
}

}  // namespace

Expected<IniDocument> IniDocument::parse(std::string_view text) {
    IniDocument document;
    std::istringstream lines{std::string(text)};
    std::string line;
    int number = 0;
    std::pair<std::string, std::string>* last = nullptr;
    while (std::getline(lines, line)) {
        ++number;
        const std::string stripped = strip(line);
        if (stripped.empty() || stripped.front() == '#' || stripped.front() == ';') {
            if (stripped.empty()) {
                last = nullptr;  // configparser: a blank line ends a continued value
            }
            continue;
        }
        if ((line.front() == ' ' || line.front() == '\t') && last != nullptr) {
            last->second += "\n" + stripped;  // a continuation line
            continue;
        }
        if (stripped.front() == '[' && stripped.back() == ']') {
            document.add_section(stripped.substr(1, stripped.size() - 2));
            last = nullptr;
            continue;
        }
        const auto delimiter = stripped.find_first_of("=:");
        if (delimiter == std::string::npos || delimiter == 0) {
            return Failure{"line " + std::to_string(number) + ": not `key = value`"};
        }
        if (document.sections_.empty()) {
            return Failure{"line " + std::to_string(number) + ": a key before any section"};
        }
        auto& entries = document.sections_.back().entries;
        const std::string key = strip(stripped.substr(0, delimiter));
        const std::string value = strip(stripped.substr(delimiter + 1));
        bool replaced = false;
        for (auto& entry : entries) {
            if (entry.first == key) {
                entry.second = value;
                last = &entry;
                replaced = true;
            }
        }
        if (!replaced) {
            entries.emplace_back(key, value);
            last = &entries.back();
        }
    }
    return document;
}

IniDocument::Section* IniDocument::find(std::string_view section) {
    for (auto& each : sections_) {
        if (each.name == section) {
            return &each;
        }
    }
    return nullptr;
}

const IniDocument::Section* IniDocument::find(std::string_view section) const {
    for (const auto& each : sections_) {
        if (each.name == section) {
            return &each;
        }
    }
    return nullptr;
}

bool IniDocument::has_section(std::string_view section) const {
    return find(section) != nullptr;
}

void IniDocument::add_section(std::string_view section) {
    if (find(section) == nullptr) {
        sections_.push_back({std::string(section), {}});
    }
}

std::optional<std::string> IniDocument::get(std::string_view section, std::string_view key) const {
    if (const auto* found = find(section)) {
        for (const auto& [name, value] : found->entries) {
            if (name == key) {
                return value;
            }
        }
    }
    return std::nullopt;
}

bool IniDocument::set(std::string_view section, std::string_view key, std::string_view value) {
    add_section(section);
    auto& entries = find(section)->entries;
    for (auto& [name, current] : entries) {
        if (name == key) {
            if (current == value) {
                return false;
            }
            current = std::string(value);
            return true;
        }
    }
    entries.emplace_back(std::string(key), std::string(value));
    return true;
}

std::string IniDocument::render() const {
    std::string text;
    for (const auto& section : sections_) {
        text += "[" + section.name + "]\n";
        for (const auto& [key, value] : section.entries) {
            std::string shown = value;
            for (std::size_t at = shown.find('\n'); at != std::string::npos;
                 at = shown.find('\n', at + 2)) {
                shown.insert(at + 1, "\t");
            }
            text += key + " = " + shown + "\n";
        }
        text += "\n";
    }
    return text;
}

}  // namespace slurmctld::util
