// Content digests (SHA-256, OpenSSL): to tell whether bytes changed without keeping them.
#pragma once

#include <string>
#include <string_view>

namespace slurmctld::util {

/// Incremental SHA-256; hex() ends it.
class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    Sha256& add(std::string_view bytes);
    /// Adds `bytes` with a length prefix, so ("ab","c") and ("a","bc") differ.
    Sha256& add_field(std::string_view bytes);
    std::string hex();

  private:
    void* context_;
};

/// SHA-256 of `bytes`, lower-case hex.
std::string sha256_hex(std::string_view bytes);

}  // namespace slurmctld::util
