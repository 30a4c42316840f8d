// Slurm's keys (upstream.md §3): the auth key and its files (slurm.jwks for Slurm >= 24.05,
// slurm.key for 23.11) and the JWT key. Key material lives in Secret* types whose memory is wiped
// before it is freed, and is never put into an error message.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <slurmctld/util/random.hpp>
#include <slurmctld/util/result.hpp>

namespace slurmctld::slurm {

/// Overwrites memory (OPENSSL_cleanse) before handing it back, so that key bytes do not linger
/// in freed heap blocks. Short strings live inside the string object (SSO) and are not covered;
/// key material is always longer than that.
template <class T>
struct WipingAllocator {
    using value_type = T;

    WipingAllocator() noexcept = default;
    template <class U>
    WipingAllocator(const WipingAllocator<U>& /*other*/) noexcept {}  // NOLINT: rebinding

    T* allocate(std::size_t count) { return std::allocator<T>{}.allocate(count); }
    void deallocate(T* pointer, std::size_t count) noexcept {
        wipe_memory(pointer, count * sizeof(T));
        std::allocator<T>{}.deallocate(pointer, count);
    }

    template <class U>
    bool operator==(const WipingAllocator<U>& /*other*/) const noexcept {
        return true;
    }

  private:
    static void wipe_memory(void* pointer, std::size_t size) noexcept;
};

using SecretString = std::basic_string<char, std::char_traits<char>, WipingAllocator<char>>;
using SecretBytes = std::vector<unsigned char, WipingAllocator<unsigned char>>;

/// Wipes memory the compiler cannot optimise away (OPENSSL_cleanse).
void wipe(void* pointer, std::size_t size) noexcept;

template <class T>
void WipingAllocator<T>::wipe_memory(void* pointer, std::size_t size) noexcept {
    wipe(pointer, size);
}

/// The content of the `slurm-auth-key` secret and one entry of slurm.jwks.
struct AuthKey {
    SecretString key;   ///< standard base64 (with padding) of 2048 random bytes: 2732 characters
    std::string keyid;  ///< a random UUID, e.g. "0b0f5a4e-6c1d-4f0e-9a53-3c2f0a1f9d2e"
};

/// A new auth key: 2048 bytes from OpenSSL's RAND_bytes, base64 by EVP_EncodeBlock, keyid a
/// random (version 4) UUID. Throws std::runtime_error when OpenSSL has no randomness.
AuthKey generate_auth_key();

/// A random (version 4) UUID in its 36-character form (the util toolkit's).
using util::random_uuid_v4;

/// slurm.key for Slurm 23.11: the raw bytes of the base64 `key`. Fails on invalid base64.
Expected<SecretBytes> slurm_key_bytes(std::string_view base64_key);

/// munge.key for Slurm before 23.11 (auth/munge), on controllers and clients alike: the first
/// KiB of slurm_key_bytes (munge keys are at most 1 KiB). Fails on invalid base64.
Expected<SecretBytes> munge_key_bytes(std::string_view base64_key);

/// Why slurm.jwks could not be read. Messages are upstream's `auth_key_ready` texts where it has
/// one (upstream.md §1.4).
struct JwksError {
    enum class Problem { NotJson, NotAnObject, KeysNotAList, BadKey };
    Problem problem;
    std::string message;
};

inline constexpr std::string_view kJwksPath = "/etc/slurm/slurm.jwks";

/// /etc/slurm/slurm.jwks: {"keys": [{"alg": "HS256", "kty": "oct", "kid": ..., "k": ...}, ...]},
/// most recent key last. Slurm verifies with any key of the list.
class Jwks {
  public:
    Jwks() = default;

    /// Reads a jwks document. Missing "keys" means none. Each key must be an object with string
    /// "kid" and "k" made of printable ASCII without quotes or backslashes (what base64 and UUIDs
    /// are), so that render() writes it back unchanged; other fields are dropped, as upstream
    /// drops them.
    static Result<Jwks, JwksError> parse(std::string_view text);

    std::size_t size() const { return keys_.size(); }
    const std::vector<AuthKey>& keys() const { return keys_; }

    /// Only this key (upstream's set()). Errors: "Empty key provided", "Empty key ID provided",
    /// "Invalid key data".
    Result<void, Failure> set(AuthKey key);
    /// Appends the key: the state during a rotation (upstream's apply()).
    Result<void, Failure> apply(AuthKey key);
    /// Keeps only the last key (upstream's keep_latest_key()). Error "No keys found in
    /// slurm.jwks" when there are none.
    Result<void, Failure> keep_latest();

    /// The file as upstream's json.dumps writes it: `{"keys": [{"alg": "HS256", "kty": "oct",
    /// "kid": "<keyid>", "k": "<key>"}]}`, separators ", " and ": ", no trailing newline.
    SecretString render() const;

  private:
    std::vector<AuthKey> keys_;
};

/// How many keys slurm.jwks holds (2 during a rotation), or why it cannot be read as one: the
/// facts behind upstream's `auth_key_ready` condition (the charm words the status).
Result<std::size_t, JwksError> jwks_key_count(std::string_view jwks_text);

/// A new JWT signing key: RSA 2048, e=65537, unencrypted PEM in the traditional PKCS#1 form
/// ("-----BEGIN RSA PRIVATE KEY-----"), as upstream writes /etc/slurm/jwt_hs256.key. Throws
/// std::runtime_error with OpenSSL's reason when generation fails.
SecretString generate_jwt_key_pem();

}  // namespace slurmctld::slurm
