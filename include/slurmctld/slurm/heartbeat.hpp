// slurmctld's heartbeat file: <StateSaveLocation>/heartbeat, rewritten by the controller in
// control every min(SlurmctldTimeout/4, 30) s when there are backups (src/slurmctld/heartbeat.c):
// two big-endian 64-bit numbers, the time written and the writer's index in SlurmctldHost.
// Reading it tells who is in control without talking to any controller (no Slurm auth needed).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace slurmctld::slurm {

struct Heartbeat {
    std::int64_t written_at = 0;  ///< seconds since the epoch
    int controller_index = 0;     ///< position of the writer in SlurmctldHost (0 = primary)
};

/// The heartbeat in the file's bytes; nullopt when they are not one.
std::optional<Heartbeat> parse_heartbeat(std::string_view bytes);

}  // namespace slurmctld::slurm
