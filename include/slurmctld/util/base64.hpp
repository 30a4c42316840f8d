// Base64 (RFC 4648) through OpenSSL's EVP block coder.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <slurmctld/util/result.hpp>

namespace slurmctld::util {

enum class Base64Alphabet {
    Standard,  ///< A-Z a-z 0-9 + /   (RFC 4648 §4)
    Url,       ///< A-Z a-z 0-9 - _   (RFC 4648 §5, Python's urlsafe_b64encode)
};

struct Base64Options {
    Base64Alphabet alphabet = Base64Alphabet::Standard;
    /// Encoding: end with '=' to a multiple of 4 characters. Decoding: require it.
    bool padding = true;
    /// Decoding: skip '\r' and '\n' anywhere, as Go's base64.StdEncoding does.
    bool ignore_newlines = false;
};

std::string encode_base64(std::string_view bytes, const Base64Options& options = {});

/// Size of the standard, padded encoding of `size` bytes.
constexpr std::size_t encoded_size(std::size_t size) {
    return (size + 2) / 3 * 4;
}
/// Standard, padded encoding of `size` bytes written to `out`, which must hold
/// encoded_size(size) + 1 bytes (a NUL follows); returns the encoded length. For secrets that
/// must stay in wiped memory.
std::size_t encode_base64_into(const unsigned char* bytes, std::size_t size, unsigned char* out);

/// Strict decoding: only the alphabet's characters, padding only at the end. The output is
/// written to `out`, which must hold decoded_size_bound(text.size()) bytes (so secrets can be
/// decoded straight into wiped memory); returns the decoded length.
Expected<std::size_t> decode_base64_into(std::string_view text, unsigned char* out,
                                         const Base64Options& options = {});
/// Upper bound of the decoded size of `encoded_size` characters.
constexpr std::size_t decoded_size_bound(std::size_t encoded_size) {
    return (encoded_size + 3) / 4 * 3;
}
Expected<std::string> decode_base64(std::string_view text, const Base64Options& options = {});

}  // namespace slurmctld::util
