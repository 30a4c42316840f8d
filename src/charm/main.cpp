#include <slurmctld/charm/main.hpp>

namespace slurmctld::charm {

int dispatch_main(int /*argc*/, char** /*argv*/) { return 0; }

}  // namespace slurmctld::charm
