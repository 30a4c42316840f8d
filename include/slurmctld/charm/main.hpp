#pragma once

namespace slurmctld::charm {

/// The whole of `dispatch`: decode the hook context, run its handler, set the status.
/// Returns the process exit code (see docs/exit-codes in README).
int dispatch_main(int argc, char** argv);

}  // namespace slurmctld::charm
