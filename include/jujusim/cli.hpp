// The `jujusim` command line: model management on the client side, everything else forwarded
// to the model's controller daemon (started on demand).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace jujusim {

namespace fs = std::filesystem;

/// $JUJUSIM_HOME, default /var/lib/jujusim.
fs::path jujusim_home();

/// Runs the CLI (argv without the program name); returns the exit code.
int run_cli(const std::vector<std::string>& args);

/// The hidden `jujusim controller --model-dir DIR` daemon body (already detached).
int run_controller(const std::vector<std::string>& args);

/// Starts the controller of `model_dir` unless it answers already; throws on failure.
void ensure_controller(const fs::path& model_dir);

}  // namespace jujusim
