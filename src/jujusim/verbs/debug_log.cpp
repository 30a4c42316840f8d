#include <array>
#include <fstream>

#include <jujusim/charm.hpp>
#include <jujusim/debug_log.hpp>
#include <jujusim/model.hpp>

namespace jujusim {

namespace {

constexpr std::array<const char*, 6> kLevels{"TRACE",   "DEBUG", "INFO",
                                             "WARNING", "ERROR", "CRITICAL"};

int level_rank(const std::string& level) {
    for (std::size_t i = 0; i < kLevels.size(); ++i) {
        if (level == kLevels[i]) {
            return static_cast<int>(i);
        }
    }
    return -1;
}

}  // namespace

void declare_debug_log_flags(FlagSet& flags) {
    flags.value({"n", "lines"})
        .value({"limit"})
        .boolean({"replay"})
        .boolean({"tail"})
        .boolean({"no-tail"})
        .value({"include", "i"})
        .value({"level", "l"})
        .boolean({"color"})
        .boolean({"utc"})
        .value({"include-module"})
        .value({"exclude-module"})
        .boolean({"ms"});
}

DebugLogFilter DebugLogFilter::from_flags(const FlagSet& flags) {
    DebugLogFilter filter;
    filter.includes = flags.all("include");
    if (flags.is_set("level")) {
        std::string level = flags.get("level");
        for (auto& c : level) {
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        }
        filter.min_level = level_rank(level == "WARN" ? "WARNING" : level);
        if (filter.min_level < 0) {
            throw UserError("level value \"" + flags.get("level") +
                            "\" is not one of \"TRACE\", "
                            "\"DEBUG\", \"INFO\", \"WARNING\", \"ERROR\", \"CRITICAL\"");
        }
    }
    return filter;
}

bool DebugLogFilter::keep(const std::string& line) const {
    if (min_level > 0) {
        // "<tag>: <hh:mm:ss> <LEVEL> ...": the third word.
        const auto first = line.find(' ');
        const auto second = first == std::string::npos ? first : line.find(' ', first + 1);
        const auto third = second == std::string::npos ? second : line.find(' ', second + 1);
        if (third == std::string::npos ||
            level_rank(line.substr(second + 1, third - second - 1)) < min_level) {
            return false;
        }
    }
    if (includes.empty()) {
        return true;
    }
    for (const auto& include : includes) {
        const std::string tag =
            include.find('/') != std::string::npos ? unit_tag(include) : include;
        if (line.starts_with(tag + ":") || line.starts_with("unit-" + include + "-")) {
            return true;
        }
    }
    return false;
}

std::vector<std::string> read_debug_log(const std::filesystem::path& path,
                                        const DebugLogFilter& filter, std::uintmax_t& offset) {
    std::vector<std::string> lines;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        return lines;
    }
    in.seekg(static_cast<std::streamoff>(offset));
    std::string line;
    while (std::getline(in, line)) {
        if (in.eof()) {
            break;  // no newline yet: still being written
        }
        offset += line.size() + 1;
        if (filter.keep(line)) {
            lines.push_back(line);
        }
    }
    return lines;
}

std::size_t debug_log_backlog(const FlagSet& flags, std::size_t all, std::size_t tail_default) {
    if (flags.is_set("n")) {
        return std::stoul(flags.get("n"));
    }
    if (flags.is_set("limit")) {
        return std::stoul(flags.get("limit"));
    }
    return flags.on("replay") ? all : tail_default;
}

}  // namespace jujusim
