#include <array>
#include <cstdint>
#include <stdexcept>

#include <openssl/evp.h>

#include <slurmctld/util/digest.hpp>

namespace slurmctld::util {

namespace {

EVP_MD_CTX* context_of(void* context) {
    return static_cast<EVP_MD_CTX*>(context);
}

}  // namespace

Sha256::Sha256() : context_(EVP_MD_CTX_new()) {
    if (context_ == nullptr ||
        EVP_DigestInit_ex(context_of(context_), EVP_sha256(), nullptr) != 1) {
        EVP_MD_CTX_free(context_of(context_));
        throw std::runtime_error("OpenSSL cannot start a SHA-256 digest");
    }
}

Sha256::~Sha256() {
    EVP_MD_CTX_free(context_of(context_));
}

Sha256& Sha256::add(std::string_view bytes) {
    if (EVP_DigestUpdate(context_of(context_), bytes.data(), bytes.size()) != 1) {
        throw std::runtime_error("OpenSSL SHA-256 update failed");
    }
    return *this;
}

Sha256& Sha256::add_field(std::string_view bytes) {
    std::array<unsigned char, 8> length{};
    auto size = static_cast<std::uint64_t>(bytes.size());
    for (auto& byte : length) {
        byte = static_cast<unsigned char>(size & 0xffU);
        size >>= 8U;
    }
    return add(std::string_view(reinterpret_cast<const char*>(length.data()), length.size()))
        .add(bytes);
}

std::string Sha256::hex() {
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(context_of(context_), digest.data(), &size) != 1) {
        throw std::runtime_error("OpenSSL SHA-256 final failed");
    }
    static constexpr std::string_view kHex = "0123456789abcdef";
    std::string text;
    text.reserve(static_cast<std::size_t>(size) * 2);
    for (unsigned int i = 0; i < size; ++i) {
        text += kHex[digest[i] >> 4U];
        text += kHex[digest[i] & 0x0fU];
    }
    return text;
}

std::string sha256_hex(std::string_view bytes) {
    Sha256 digest;
    return digest.add(bytes).hex();
}

}  // namespace slurmctld::util
