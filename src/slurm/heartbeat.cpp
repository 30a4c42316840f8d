#include <slurmctld/slurm/heartbeat.hpp>

namespace slurmctld::slurm {

namespace {

std::uint64_t big_endian_u64(std::string_view bytes) {
    std::uint64_t value = 0;
    for (const char byte : bytes.substr(0, 8)) {
        value = (value << 8U) | static_cast<unsigned char>(byte);
    }
    return value;
}

}  // namespace

std::optional<Heartbeat> parse_heartbeat(std::string_view bytes) {
    if (bytes.size() != 16) {
        return std::nullopt;
    }
    const auto index = big_endian_u64(bytes.substr(8));
    if (index > 1024) {  // SlurmctldHost lists a handful of controllers, never more
        return std::nullopt;
    }
    return Heartbeat{static_cast<std::int64_t>(big_endian_u64(bytes)), static_cast<int>(index)};
}

}  // namespace slurmctld::slurm
