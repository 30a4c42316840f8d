// systemd services through Host::systemctl, with upstream's error messages.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <slurmctld/host/host.hpp>

namespace slurmctld::host {

/// A systemctl command failed. The message is upstream's (hpc-libs SystemdError):
/// "systemctl command 'systemctl restart slurmctld' failed with exit code 1. reason: <stderr>".
class ServiceError : public HostError {
  public:
    ServiceError(const std::vector<std::string>& args, const CommandResult& result);
    int exit_code() const { return exit_code_; }

  private:
    int exit_code_;
};

/// `systemctl <args>`; throws ServiceError when it exits non-zero.
void run_systemctl(Host& host, const std::vector<std::string>& args);

void enable_service(Host& host, std::string_view unit);
void disable_service(Host& host, std::string_view unit);
void start_service(Host& host, std::string_view unit);
void stop_service(Host& host, std::string_view unit);
void restart_service(Host& host, std::string_view unit);
void reload_service(Host& host, std::string_view unit);
void daemon_reload(Host& host);

/// `systemctl is-active --quiet <unit>` exited 0. Never throws for an inactive or unknown unit.
bool service_is_active(Host& host, std::string_view unit);

}  // namespace slurmctld::host
