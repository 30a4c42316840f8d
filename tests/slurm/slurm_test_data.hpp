// Files under tests/slurm/data/.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "support/temp_dir.hpp"

namespace slurm_test {

inline std::string data_file(std::string_view name) {
    return testing_support::read_text(std::filesystem::path(TEST_SOURCE_DIR) / "slurm" / "data" /
                                      name);
}

}  // namespace slurm_test
