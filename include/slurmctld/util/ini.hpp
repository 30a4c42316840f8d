// INI files as Python's configparser (RawConfigParser, optionxform=str) reads and writes them:
// upstream's slurm-mail.conf editor. Parsing keeps sections and keys in order and drops comment
// and blank lines (configparser does not keep them); writing gives `[section]`, `key = value`
// lines and a blank line after each section, byte for byte as RawConfigParser.write.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <slurmctld/util/result.hpp>

namespace slurmctld::util {

class IniDocument {
  public:
    /// Parses `text`; a key outside a section or a line that is neither is a Failure.
    static Expected<IniDocument> parse(std::string_view text);

    bool has_section(std::string_view section) const;
    void add_section(std::string_view section);
    std::optional<std::string> get(std::string_view section, std::string_view key) const;
    /// Sets the key (adding the section at the end when missing). Returns whether it changed.
    bool set(std::string_view section, std::string_view key, std::string_view value);

    /// RawConfigParser.write: "[s]\nk = v\n...\n\n" per section.
    std::string render() const;

  private:
    struct Section {
        std::string name;
        std::vector<std::pair<std::string, std::string>> entries;
    };
    std::vector<Section> sections_;
    Section* find(std::string_view section);
    const Section* find(std::string_view section) const;
};

}  // namespace slurmctld::util
