#pragma once

#include <filesystem>
#include <string>

namespace testing_support {

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
  public:
    explicit TempDir(const std::string& prefix = "slurmctld-test");
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const std::filesystem::path& path() const { return path_; }
    std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

  private:
    std::filesystem::path path_;
};

/// Writes `content` to `path`, creating parent directories (test fixtures only: not atomic).
void write_text(const std::filesystem::path& path, const std::string& content);
/// Whole file as a string; throws when it cannot be read.
std::string read_text(const std::filesystem::path& path);

}  // namespace testing_support
