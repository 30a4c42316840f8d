#include <algorithm>
#include <vector>

#include <openssl/evp.h>

#include <slurmctld/util/base64.hpp>

namespace slurmctld::util {

namespace {

bool in_alphabet(char c, Base64Alphabet alphabet) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return alphabet == Base64Alphabet::Standard ? (c == '+' || c == '/') : (c == '-' || c == '_');
}

}  // namespace

std::size_t encode_base64_into(const unsigned char* bytes, std::size_t size, unsigned char* out) {
    // EVP_EncodeBlock writes 4 characters per 3 bytes (padded) and a NUL.
    return static_cast<std::size_t>(EVP_EncodeBlock(out, bytes, static_cast<int>(size)));
}

std::string encode_base64(std::string_view bytes, const Base64Options& options) {
    std::string text(encoded_size(bytes.size()) + 1, '\0');
    text.resize(encode_base64_into(reinterpret_cast<const unsigned char*>(bytes.data()),
                                   bytes.size(), reinterpret_cast<unsigned char*>(text.data())));
    if (options.alphabet == Base64Alphabet::Url) {
        std::replace(text.begin(), text.end(), '+', '-');
        std::replace(text.begin(), text.end(), '/', '_');
    }
    if (!options.padding) {
        text.erase(text.find_last_not_of('=') + 1);
    }
    return text;
}

Expected<std::size_t> decode_base64_into(std::string_view text, unsigned char* out,
                                         const Base64Options& options) {
    // EVP_DecodeBlock knows only the standard alphabet with padding: normalise a copy.
    std::string normalised;
    normalised.reserve(text.size() + 3);
    for (const char c : text) {
        if (options.ignore_newlines && (c == '\r' || c == '\n')) {
            continue;
        }
        normalised += c;
    }
    const std::size_t data_end = normalised.find('=');
    const std::size_t padding = data_end == std::string::npos ? 0 : normalised.size() - data_end;
    const bool padding_ok =
        padding <= 2 &&
        normalised.find_first_not_of(
            '=', data_end == std::string::npos ? normalised.size() : data_end) == std::string::npos;
    const bool alphabet_ok =
        std::all_of(normalised.begin(),
                    normalised.begin() + static_cast<std::ptrdiff_t>(normalised.size() - padding),
                    [&](char c) { return in_alphabet(c, options.alphabet); });
    const bool length_ok =
        options.padding ? normalised.size() % 4 == 0 : (padding == 0 && normalised.size() % 4 != 1);
    if (!padding_ok || !alphabet_ok || !length_ok) {
        return Failure{"not valid base64"};
    }
    if (options.alphabet == Base64Alphabet::Url) {
        std::replace(normalised.begin(), normalised.end(), '-', '+');
        std::replace(normalised.begin(), normalised.end(), '_', '/');
    }
    std::size_t pad = padding;
    while (normalised.size() % 4 != 0) {
        normalised += '=';
        ++pad;
    }
    if (normalised.empty()) {
        return std::size_t{0};
    }
    const int length =
        EVP_DecodeBlock(out, reinterpret_cast<const unsigned char*>(normalised.data()),
                        static_cast<int>(normalised.size()));
    std::fill(normalised.begin(), normalised.end(), '\0');  // it may have been a secret
    if (length < 0) {
        return Failure{"not valid base64"};
    }
    // EVP_DecodeBlock counts the padding as zero bytes.
    return static_cast<std::size_t>(length) - pad;
}

Expected<std::string> decode_base64(std::string_view text, const Base64Options& options) {
    std::string bytes(decoded_size_bound(text.size()) + 3, '\0');
    const auto length =
        decode_base64_into(text, reinterpret_cast<unsigned char*>(bytes.data()), options);
    if (!length) {
        return length.error();
    }
    bytes.resize(length.value());
    return bytes;
}

}  // namespace slurmctld::util
