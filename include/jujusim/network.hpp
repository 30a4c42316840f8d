// A model's private network: a bridge (br0) in a network namespace of its own, held by a
// `jujusim-machine hold-network` process whose PID is recorded in the model's directory; each
// machine is cabled to it by a veth pair (machine side: eth0). IPv6 is off. Nothing links it to
// the host's network namespace, so machines reach each other and nothing else.
#pragma once

#include <filesystem>
#include <mutex>
#include <string>

#include <sys/types.h>

#include <slurmctld/util/proc.hpp>

namespace jujusim {

namespace fs = std::filesystem;

class Network {
  public:
    struct Config {
        /// Where the holder's PID is recorded (`<model>/network`).
        fs::path state_dir;
        /// jujusim-machine on the host (runs `hold-network`).
        fs::path machine_binary;
        /// First two octets of the /16 every model uses (models never share a network).
        std::string prefix = "10.77";
    };

    /// Attaches to the model's network when its holder is alive (PID and start time recorded).
    explicit Network(Config config);
    /// Leaves the network up: it lives as long as the model, not as this object.
    ~Network() = default;
    Network(const Network&) = delete;
    Network& operator=(const Network&) = delete;

    /// Creates the namespace and bridge unless they exist. Throws std::runtime_error.
    void up();
    /// Kills the holder: the namespace, the bridge and every veth end in it vanish; machines
    /// still running lose eth0.
    void down();
    bool is_up() const;
    pid_t holder_pid() const;

    /// Address of machine number `n` ("0", "1", ...): 10.77.<n / 200>.<n % 200 + 10>.
    std::string address_for(unsigned machine_number) const;
    int prefix_length() const { return 16; }

    /// Cables a running machine (its init's PID): a veth pair, the machine end renamed eth0 and
    /// given `address`, the bridge end enslaved to br0. Throws std::runtime_error.
    void attach(pid_t machine_pid, const std::string& machine_id, const std::string& address);

  private:
    fs::path pid_file() const;

    Config config_;
    mutable std::mutex mutex_;
    slurmctld::util::ProcessRecord holder_;  ///< pid 0: none
    bool holder_is_child_ = false;
};

}  // namespace jujusim
