// What every Host shares: checks run one after the other where a host does not run them at
// the same time.
#include <exception>

#include <slurmctld/host/host.hpp>

namespace slurmctld::host {

void Host::run_concurrently(const std::vector<std::function<void()>>& tasks) {
    std::exception_ptr first;
    for (const auto& task : tasks) {
        try {
            task();
        } catch (...) {
            if (!first) {
                first = std::current_exception();
            }
        }
    }
    if (first) {
        std::rethrow_exception(first);
    }
}

}  // namespace slurmctld::host
