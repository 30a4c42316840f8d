#include <algorithm>
#include <cctype>
#include <csignal>
#include <set>
#include <sstream>
#include <stdexcept>

#include <jujusim/unit_file.hpp>
#include <slurmctld/util/files.hpp>
#include <slurmctld/util/strings.hpp>

namespace jujusim::units {

namespace util = slurmctld::util;

namespace {

/// systemd's WHITESPACE: what unit files and values are trimmed of.
constexpr std::string_view kWhitespace = " \t\n\r";

std::string trimmed(std::string_view text) {
    return std::string(util::trim(text, kWhitespace));
}

bool is_name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_';
}

bool is_valid_env_name(std::string_view name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0])) != 0) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), is_name_char);
}

/// A unit file or drop-in, following links as systemd does (units are often links); one that
/// cannot be read is skipped, as systemd skips it with a warning.
std::optional<std::string> read_unit_text(const fs::path& path) {
    try {
        return util::read_regular_file_following(path);
    } catch (const util::FileError&) {
        return std::nullopt;
    }
}

/// A word of a command line and whether it was a bare ';' (a command separator).
struct Word {
    std::string text;
    bool separator = false;
};

/// Resolves one C escape at text[i] (just after the backslash); advances i.
void append_escape(const std::string& text, size_t& i, std::string& out) {
    if (i >= text.size()) {
        out += '\\';
        return;
    }
    const char c = text[i++];
    switch (c) {
        case 'n':
            out += '\n';
            break;
        case 't':
            out += '\t';
            break;
        case 'r':
            out += '\r';
            break;
        case 'a':
            out += '\a';
            break;
        case 'b':
            out += '\b';
            break;
        case 'f':
            out += '\f';
            break;
        case 'v':
            out += '\v';
            break;
        case 's':
            out += ' ';
            break;
        case 'x':
            if (i + 2 <= text.size() && std::isxdigit(static_cast<unsigned char>(text[i])) != 0 &&
                std::isxdigit(static_cast<unsigned char>(text[i + 1])) != 0) {
                out += static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16));
                i += 2;
            } else {
                out += 'x';
            }
            break;
        default:
            out += c;
            break;  // \\ \" \' \; \$ and anything else: the character itself
    }
}

std::vector<Word> split_command_words(const std::string& text) {
    std::vector<Word> words;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) {
            ++i;
        }
        if (i >= text.size()) {
            break;
        }
        Word word;
        bool plain = true;  // no quotes or escapes: a lone ';' separates commands
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) == 0) {
            const char c = text[i];
            if (c == '"' || c == '\'') {
                plain = false;
                ++i;
                while (i < text.size() && text[i] != c) {
                    if (text[i] == '\\') {
                        ++i;
                        append_escape(text, i, word.text);
                    } else {
                        word.text += text[i++];
                    }
                }
                ++i;  // closing quote
            } else if (c == '\\') {
                plain = false;
                ++i;
                append_escape(text, i, word.text);
            } else {
                word.text += c;
                ++i;
            }
        }
        word.separator = plain && word.text == ";";
        words.push_back(std::move(word));
    }
    return words;
}

/// ${NAME} anywhere in a word (one word, whitespace kept) and $$ -> $.
std::string replace_braced(const std::string& word, const Environment& env) {
    std::string out;
    for (size_t i = 0; i < word.size(); ++i) {
        if (word[i] == '$' && i + 1 < word.size()) {
            if (word[i + 1] == '$') {
                out += '$';
                ++i;
                continue;
            }
            if (word[i + 1] == '{') {
                const auto close = word.find('}', i + 2);
                if (close != std::string::npos) {
                    const auto name = word.substr(i + 2, close - i - 2);
                    if (const auto it = env.find(name); it != env.end()) {
                        out += it->second;
                    }
                    i = close;
                    continue;
                }
            }
        }
        out += word[i];
    }
    return out;
}

const std::vector<std::string>& unit_suffixes() {
    static const std::vector<std::string> suffixes = {".service", ".socket", ".target",   ".timer",
                                                      ".mount",   ".path",   ".slice",    ".scope",
                                                      ".device",  ".swap",   ".automount"};
    return suffixes;
}

}  // namespace

// ---- UnitFile -----------------------------------------------------------------------------

std::optional<std::string> UnitFile::value(const std::string& section,
                                           const std::string& key) const {
    const auto it = sections.find(section);
    if (it == sections.end()) {
        return std::nullopt;
    }
    for (auto a = it->second.rbegin(); a != it->second.rend(); ++a) {
        if (a->key == key) {
            return a->value;
        }
    }
    return std::nullopt;
}

std::vector<std::string> UnitFile::values(const std::string& section,
                                          const std::string& key) const {
    std::vector<std::string> result;
    const auto it = sections.find(section);
    if (it == sections.end()) {
        return result;
    }
    for (const auto& a : it->second) {
        if (a.key != key) {
            continue;
        }
        if (a.value.empty()) {
            result.clear();
        } else {
            result.push_back(a.value);
        }
    }
    return result;
}

std::vector<fs::path> default_unit_dirs(const fs::path& root) {
    std::vector<fs::path> dirs;
    std::set<std::string> seen;
    for (const char* dir : {"etc/systemd/system", "run/systemd/system", "usr/lib/systemd/system",
                            "lib/systemd/system"}) {
        const fs::path path = root / dir;
        std::error_code ec;
        const auto canonical = fs::weakly_canonical(path, ec);
        const std::string key = ec ? path.string() : canonical.string();
        if (seen.insert(key).second) {
            dirs.push_back(path);
        }
    }
    return dirs;
}

std::string normalize_unit_name(const std::string& name) {
    for (const auto& suffix : unit_suffixes()) {
        if (name.size() > suffix.size() &&
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
            return name;
        }
    }
    return name + ".service";
}

void parse_unit_text(const std::string& text, UnitFile& into) {
    std::istringstream in(text);
    std::string raw;
    std::string section;
    std::string pending;  // a line continued with a trailing backslash
    while (std::getline(in, raw)) {
        std::string line = trimmed(raw);
        if (!pending.empty()) {
            if (!line.empty() && (line[0] == '#' || line[0] == ';')) {
                continue;  // comments inside continuations are skipped
            }
        } else if (line.empty() || line[0] == '#' || line[0] == ';') {
            continue;
        }
        if (!line.empty() && line.back() == '\\') {
            line.pop_back();
            pending += line + " ";
            continue;
        }
        line = pending + line;
        pending.clear();
        if (line.front() == '[' && line.back() == ']') {
            section = line.substr(1, line.size() - 2);
            into.sections[section];
            continue;
        }
        const auto equals = line.find('=');
        if (equals == std::string::npos || section.empty()) {
            continue;  // systemd warns and ignores it
        }
        into.sections[section].push_back(
            {trimmed(line.substr(0, equals)), trimmed(line.substr(equals + 1))});
    }
    if (!pending.empty()) {
        const auto equals = pending.find('=');
        if (equals != std::string::npos && !section.empty()) {
            into.sections[section].push_back(
                {trimmed(pending.substr(0, equals)), trimmed(pending.substr(equals + 1))});
        }
    }
}

std::optional<UnitFile> load_unit(const std::string& name, const std::vector<fs::path>& dirs) {
    UnitFile unit;
    unit.name = normalize_unit_name(name);
    bool found = false;
    for (const auto& dir : dirs) {
        const fs::path candidate = dir / unit.name;
        std::error_code ec;
        const auto status = fs::symlink_status(candidate, ec);
        if (ec || !fs::exists(status)) {
            continue;
        }
        found = true;
        if (fs::is_symlink(status)) {
            const auto target = fs::read_symlink(candidate, ec);
            if (!ec && target == "/dev/null") {
                unit.masked = true;
                unit.fragment_path = candidate;
                return unit;
            }
        }
        const auto text = read_unit_text(candidate);
        if (!text) {
            continue;
        }
        if (util::trim(*text, kWhitespace).empty()) {
            unit.masked = true;  // systemd treats an empty unit file as masked
            unit.fragment_path = candidate;
            return unit;
        }
        // A symlink to another directory's file: keep the link's path as the unit's address
        // when the target cannot be resolved inside this root.
        unit.fragment_path = candidate;
        if (fs::is_symlink(status)) {
            const auto target = fs::read_symlink(candidate, ec);
            if (!ec && target.is_relative()) {
                unit.fragment_path = fs::weakly_canonical(candidate.parent_path() / target, ec);
            } else if (!ec) {
                unit.fragment_path = target;
            }
        }
        parse_unit_text(*text, unit);
        break;
    }
    // Drop-ins: by file name across all directories; the first directory wins a name.
    std::map<std::string, fs::path> dropins;
    for (const auto& dir : dirs) {
        std::error_code ec;
        for (const auto& entry : fs::directory_iterator(dir / (unit.name + ".d"), ec)) {
            const auto file = entry.path().filename().string();
            if (entry.path().extension() == ".conf" && !dropins.count(file)) {
                dropins[file] = entry.path();
            }
        }
    }
    if (!found) {
        return std::nullopt;
    }
    for (const auto& [file, path] : dropins) {
        if (const auto text = read_unit_text(path)) {
            parse_unit_text(*text, unit);
            unit.dropin_paths.push_back(path);
        }
    }
    return unit;
}

// ---- values ------------------------------------------------------------------------------

std::optional<std::chrono::microseconds> parse_timespan(const std::string& input) {
    const std::string text = trimmed(input);
    if (text == "infinity") {
        return std::nullopt;
    }
    static const std::vector<std::pair<std::string, double>> units = {
        {"usec", 1},         {"us", 1},          {"µs", 1},        {"msec", 1e3},
        {"ms", 1e3},         {"seconds", 1e6},   {"second", 1e6},  {"sec", 1e6},
        {"s", 1e6},          {"minutes", 60e6},  {"minute", 60e6}, {"min", 60e6},
        {"m", 60e6},         {"hours", 3600e6},  {"hour", 3600e6}, {"hr", 3600e6},
        {"h", 3600e6},       {"days", 86400e6},  {"day", 86400e6}, {"d", 86400e6},
        {"weeks", 604800e6}, {"week", 604800e6}, {"w", 604800e6}};
    if (text.empty()) {
        throw std::invalid_argument("empty time span");
    }
    double total = 0;
    size_t i = 0;
    while (i < text.size()) {
        while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) {
            ++i;
        }
        if (i >= text.size()) {
            break;
        }
        size_t used = 0;
        const double number = std::stod(text.substr(i), &used);
        if (used == 0 || number < 0) {
            throw std::invalid_argument("bad time span: " + text);
        }
        i += used;
        while (i < text.size() && text[i] == ' ') {
            ++i;
        }
        size_t unit_end = i;
        while (unit_end < text.size() &&
               std::isalpha(static_cast<unsigned char>(text[unit_end])) != 0) {
            ++unit_end;
        }
        const std::string unit = text.substr(i, unit_end - i);
        double factor = 1e6;  // a bare number is seconds
        if (!unit.empty()) {
            const auto it = std::find_if(units.begin(), units.end(),
                                         [&](const auto& u) { return u.first == unit; });
            if (it == units.end()) {
                throw std::invalid_argument("bad time unit '" + unit + "' in " + text);
            }
            factor = it->second;
        }
        total += number * factor;
        i = unit_end;
    }
    return std::chrono::microseconds(static_cast<long long>(total));
}

namespace {

/// The signals units and systemctl name, by name without "SIG".
const std::map<std::string, int>& signal_numbers() {
    static const std::map<std::string, int> numbers = {
        {"HUP", SIGHUP},   {"INT", SIGINT},    {"QUIT", SIGQUIT}, {"ABRT", SIGABRT},
        {"KILL", SIGKILL}, {"USR1", SIGUSR1},  {"USR2", SIGUSR2}, {"PIPE", SIGPIPE},
        {"ALRM", SIGALRM}, {"TERM", SIGTERM},  {"CONT", SIGCONT}, {"STOP", SIGSTOP},
        {"SEGV", SIGSEGV}, {"BUS", SIGBUS},    {"FPE", SIGFPE},   {"ILL", SIGILL},
        {"TRAP", SIGTRAP}, {"WINCH", SIGWINCH}};
    return numbers;
}

}  // namespace

int parse_signal(const std::string& text) {
    const std::string name = text.rfind("SIG", 0) == 0 ? text.substr(3) : text;
    if (const auto it = signal_numbers().find(name); it != signal_numbers().end()) {
        return it->second;
    }
    return std::stoi(text);  // throws for junk
}

std::string signal_name(int signal) {
    for (const auto& [name, number] : signal_numbers()) {
        if (number == signal) {
            return name;
        }
    }
    return std::to_string(signal);
}

bool parse_boolean(const std::string& input, bool fallback) {
    const std::string text = util::to_lower(util::trim(input, kWhitespace));
    if (text == "1" || text == "yes" || text == "true" || text == "on" || text == "y") {
        return true;
    }
    if (text == "0" || text == "no" || text == "false" || text == "off" || text == "n") {
        return false;
    }
    return fallback;
}

std::optional<ResourceLimit> parse_resource_limit(const std::string& input) {
    auto parse_one = [](const std::string& part) -> std::optional<rlim_t> {
        const std::string text = trimmed(part);
        if (text == "infinity") {
            return RLIM_INFINITY;
        }
        if (text.empty()) {
            return std::nullopt;
        }
        size_t used = 0;
        unsigned long long value = 0;
        try {
            value = std::stoull(text, &used);
        } catch (const std::exception&) {
            return std::nullopt;
        }
        const std::string suffix = text.substr(used);
        static const std::map<std::string, unsigned long long> factors = {
            {"", 1},           {"B", 1},          {"K", 1ULL << 10},
            {"M", 1ULL << 20}, {"G", 1ULL << 30}, {"T", 1ULL << 40}};
        const auto it = factors.find(suffix);
        if (it == factors.end()) {
            return std::nullopt;
        }
        return static_cast<rlim_t>(value * it->second);
    };
    const auto colon = input.find(':');
    const auto soft = parse_one(input.substr(0, colon));
    const auto hard = colon == std::string::npos ? soft : parse_one(input.substr(colon + 1));
    if (!soft || !hard) {
        return std::nullopt;
    }
    return ResourceLimit{*soft, *hard};
}

std::vector<std::string> split_words(const std::string& text) {
    std::vector<std::string> words;
    for (auto& word : split_command_words(text)) {
        words.push_back(std::move(word.text));
    }
    return words;
}

std::vector<std::pair<std::string, std::string>> parse_environment_assignments(
    const std::string& text) {
    std::vector<std::pair<std::string, std::string>> result;
    for (const auto& word : split_words(text)) {
        const auto equals = word.find('=');
        if (equals == std::string::npos || !is_valid_env_name(word.substr(0, equals))) {
            continue;
        }
        result.emplace_back(word.substr(0, equals), word.substr(equals + 1));
    }
    return result;
}

std::vector<std::pair<std::string, std::string>> parse_environment_file(const std::string& text) {
    std::vector<std::pair<std::string, std::string>> result;
    size_t i = 0;
    const size_t n = text.size();
    auto skip_line = [&] {
        while (i < n && text[i] != '\n') {
            ++i;
        }
        ++i;
    };
    while (i < n) {
        while (i < n && (text[i] == ' ' || text[i] == '\t' || text[i] == '\r' || text[i] == '\n')) {
            ++i;
        }
        if (i >= n) {
            break;
        }
        if (text[i] == '#' || text[i] == ';') {
            skip_line();
            continue;
        }
        size_t key_start = i;
        while (i < n && text[i] != '=' && text[i] != '\n') {
            ++i;
        }
        if (i >= n || text[i] != '=') {
            ++i;
            continue;
        }
        std::string key = trimmed(std::string_view(text).substr(key_start, i - key_start));
        if (key.rfind("export ", 0) == 0) {
            key = trimmed(std::string_view(key).substr(7));
        }
        ++i;  // '='
        while (i < n && (text[i] == ' ' || text[i] == '\t')) {
            ++i;
        }
        std::string value;
        size_t last_significant = 0;  // length of value up to the last quoted/escaped char
        while (i < n && text[i] != '\n') {
            const char c = text[i];
            if (c == '"') {
                ++i;
                while (i < n && text[i] != '"') {
                    if (text[i] == '\\' && i + 1 < n) {
                        const char next = text[i + 1];
                        if (next == '\n') {
                            i += 2;
                            continue;
                        }
                        if (next == '"' || next == '\\' || next == '`' || next == '$') {
                            value += next;
                            i += 2;
                            continue;
                        }
                    }
                    value += text[i++];
                }
                ++i;
                last_significant = value.size();
            } else if (c == '\'') {
                ++i;
                while (i < n && text[i] != '\'') {
                    value += text[i++];
                }
                ++i;
                last_significant = value.size();
            } else if (c == '\\' && i + 1 < n) {
                if (text[i + 1] != '\n') {
                    value += text[i + 1];
                    last_significant = value.size();
                }
                i += 2;
            } else {
                value += c;
                ++i;
            }
        }
        // Unquoted trailing whitespace is dropped.
        while (value.size() > last_significant &&
               (value.back() == ' ' || value.back() == '\t' || value.back() == '\r')) {
            value.pop_back();
        }
        if (is_valid_env_name(key)) {
            result.emplace_back(key, value);
        }
    }
    return result;
}

std::string expand_specifiers(const std::string& text, const SpecifierContext& context) {
    if (text.find('%') == std::string::npos) {
        return text;
    }
    const std::string& name = context.unit_name;
    const auto dot = name.rfind('.');
    const std::string without_suffix = name.substr(0, dot);
    const auto at = without_suffix.find('@');
    const std::string prefix = without_suffix.substr(0, at);
    const std::string instance = at == std::string::npos ? "" : without_suffix.substr(at + 1);
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] != '%' || i + 1 >= text.size()) {
            out += text[i];
            continue;
        }
        const char s = text[++i];
        switch (s) {
            case '%':
                out += '%';
                break;
            case 'n':
                out += name;
                break;
            case 'N':
                out += without_suffix;
                break;
            case 'p':
                out += prefix;
                break;
            case 'i':
            case 'I':
                out += instance;
                break;
            case 't':
                out += "/run";
                break;
            case 'S':
                out += "/var/lib";
                break;
            case 'C':
                out += "/var/cache";
                break;
            case 'L':
                out += "/var/log";
                break;
            case 'h':
                out += context.home;
                break;
            case 'u':
                out += context.user;
                break;
            case 'H':
            case 'l':
                out += context.hostname;
                break;
            default:
                out += '%';
                out += s;
                break;
        }
    }
    return out;
}

std::vector<Command> parse_commands(const std::string& value, const Environment& env) {
    std::vector<Command> commands;
    const auto words = split_command_words(value);
    size_t i = 0;
    while (i < words.size()) {
        size_t end = i;
        while (end < words.size() && !words[end].separator) {
            ++end;
        }
        if (end > i) {
            Command command;
            bool expand = true;
            bool argv0_from_next = false;
            std::string first = words[i].text;
            size_t p = 0;
            while (p < first.size() &&
                   std::string_view("-@:+!").find(first[p]) != std::string_view::npos) {
                switch (first[p]) {
                    case '-':
                        command.ignore_failure = true;
                        break;
                    case '@':
                        argv0_from_next = true;
                        break;
                    case ':':
                        expand = false;
                        break;
                    default:
                        command.privileged = true;
                        break;
                }
                ++p;
            }
            std::vector<std::string> args;
            args.push_back(first.substr(p));
            for (size_t w = i + 1; w < end; ++w) {
                args.push_back(words[w].text);
            }
            std::vector<std::string> expanded;
            for (size_t a = 0; a < args.size(); ++a) {
                const auto& word = args[a];
                if (!expand || a == 0) {
                    expanded.push_back(expand ? replace_braced(word, env) : word);
                    continue;
                }
                if (word.size() > 1 && word[0] == '$' &&
                    is_valid_env_name(std::string_view(word).substr(1))) {
                    if (const auto it = env.find(word.substr(1)); it != env.end()) {
                        for (const auto part : util::split_fields(it->second)) {
                            expanded.emplace_back(part);
                        }
                    }
                    continue;
                }
                expanded.push_back(replace_braced(word, env));
            }
            command.path = expanded.front();
            if (argv0_from_next && expanded.size() > 1) {
                expanded.erase(expanded.begin());
            }
            command.argv = std::move(expanded);
            if (!command.path.empty()) {
                commands.push_back(std::move(command));
            }
        }
        i = end + 1;
    }
    return commands;
}

// ---- ServiceDefinition -------------------------------------------------------------------

const char* to_string(ServiceType type) {
    return name_of(kServiceTypes, type);
}

const char* to_string(RestartPolicy policy) {
    return name_of(kRestartPolicies, policy);
}

}  // namespace jujusim::units
