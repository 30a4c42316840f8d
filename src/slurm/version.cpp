#include <cctype>
#include <charconv>

#include <slurmctld/slurm/version.hpp>

namespace slurmctld::slurm {

namespace {

bool is_digit(char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
}

// Reads digits at `pos` into `number`; false when there are none.
bool read_number(std::string_view text, std::size_t& pos, int& number) {
    if (pos >= text.size() || !is_digit(text[pos])) {
        return false;
    }
    const char* begin = text.data() + pos;
    const char* end = text.data() + text.size();
    const auto [ptr, error] = std::from_chars(begin, end, number);
    if (error != std::errc{} || ptr == begin) {
        return false;
    }
    pos += static_cast<std::size_t>(ptr - begin);
    return true;
}

}  // namespace

Expected<SlurmVersion> SlurmVersion::parse(std::string_view text) {
    std::string_view rest = text;
    while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front())) != 0) {
        rest.remove_prefix(1);
    }
    // "slurm 24.11.5" / "slurm-wlm 24.11.5": skip the program name.
    if (!rest.empty() && !is_digit(rest.front())) {
        const std::size_t blank = rest.find(' ');
        if (blank == std::string_view::npos) {
            return Failure{"not a Slurm version: \"" + std::string(text) + "\""};
        }
        rest.remove_prefix(blank + 1);
    }
    // Debian epoch: "1:24.11.5-1".
    if (const std::size_t colon = rest.find(':');
        colon != std::string_view::npos && colon < rest.find('.')) {
        rest.remove_prefix(colon + 1);
    }

    SlurmVersion version;
    std::size_t pos = 0;
    if (!read_number(rest, pos, version.major) || pos >= rest.size() || rest[pos] != '.') {
        return Failure{"not a Slurm version: \"" + std::string(text) + "\""};
    }
    ++pos;
    if (!read_number(rest, pos, version.minor)) {
        return Failure{"not a Slurm version: \"" + std::string(text) + "\""};
    }
    if (pos < rest.size() && rest[pos] == '.') {
        ++pos;
        if (!read_number(rest, pos, version.micro)) {
            return Failure{"not a Slurm version: \"" + std::string(text) + "\""};
        }
    }
    return version;
}

std::string SlurmVersion::to_string() const {
    return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(micro);
}

AuthSetup auth_setup_for(const SlurmVersion& version) {
    if (version >= SlurmVersion{24, 5, 0}) {
        return AuthSetup::SlurmJwks;
    }
    if (version >= SlurmVersion{23, 11, 0}) {
        return AuthSetup::SlurmKey;
    }
    return AuthSetup::Munge;
}

bool supports_autodetect_nvidia(const SlurmVersion& version) {
    return version >= SlurmVersion{24, 11, 0};
}

bool supports_metrics_type(const SlurmVersion& version) {
    return version >= SlurmVersion{25, 11, 0};
}

}  // namespace slurmctld::slurm
