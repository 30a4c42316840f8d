// What `scontrol ping` prints, JSON (Slurm >= 23.02) and text, as controller states; and the
// unit status built from them (upstream.md §1.5, §2.9; slurm-ha.md §4). And the nodes
// `scontrol -o show node` lists with the reason they were drained for.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <slurmctld/util/result.hpp>

namespace slurmctld::slurm {

/// One SlurmctldHost entry as `scontrol ping` reports it.
struct ControllerPing {
    std::string hostname;  ///< as listed in SlurmctldHost
    /// Position in SlurmctldHost, not the current role: "primary", "backup" (exactly two
    /// controllers), or "backup1", "backup2", ... (three or more).
    std::string mode;
    bool up = false;  ///< answered the ping

    friend bool operator==(const ControllerPing&, const ControllerPing&) = default;
};

/// `scontrol ping --json`: the "pings" array; each entry's hostname, mode, and "pinged" ("UP" or
/// "DOWN"; "responding" when pinged is absent). Fails on invalid JSON or a missing "pings".
Expected<std::vector<ControllerPing>> parse_ping_json(std::string_view text);

/// `scontrol ping` text: lines "Slurmctld(<mode>) at <host> is <UP|DOWN>"; the banner root gets
/// when a controller is down ("*****...", "** RESTORE SLURMCTLD DAEMON TO SERVICE **") and blank
/// lines are skipped. Fails on any other line, naming it.
Expected<std::vector<ControllerPing>> parse_ping_text(std::string_view text);

/// The unit's status message: "<mode> - <UP|DOWN>" of the entry for `hostname` ("primary - UP",
/// "backup1 - DOWN"); "" when it is not listed. An entry naming the host by its FQDN matches the
/// short name too.
std::string controller_status(const std::vector<ControllerPing>& pings, std::string_view hostname);

/// `scontrol -o show node` (one line per node, "NodeName=<name> ... Reason=<text> [<user>@<time>]"
/// with Reason last when set): the nodes whose reason starts with `reason`. A name that is not a
/// valid Slurm node name is left out (it would become an scontrol argument).
std::vector<std::string> nodes_with_reason(std::string_view text, std::string_view reason);

/// `scontrol -o show node`: the nodes whose State (`IDLE+DRAIN+DYNAMIC_NORM`: a base state and
/// `+`-joined flags) has none of `flags`. Names that are not valid Slurm node names are left out.
std::vector<std::string> nodes_without_state_flags(std::string_view text,
                                                   const std::vector<std::string_view>& flags);

}  // namespace slurmctld::slurm
