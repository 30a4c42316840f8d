#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include <slurmctld/slurm/auth_keys.hpp>
#include <slurmctld/util/base64.hpp>

namespace slurmctld::slurm {

namespace {

// JSON whose strings (the parser's buffer included) live in wiped memory.
using SecretJson = nlohmann::basic_json<std::map, std::vector, SecretString>;

constexpr int kAuthKeyBytes = 2048;
constexpr int kJwtKeyBits = 2048;
constexpr std::size_t kMungeKeyMaxBytes = 1024;  // munge keys are at most 1 KiB

// Key and id characters render() can write without JSON escapes: base64, base64url, UUIDs.
bool is_plain_json_text(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return c >= 0x20 && c < 0x7f && c != '"' && c != '\\'; });
}

Result<void, Failure> check_key(const AuthKey& key) {
    if (key.key.empty()) {
        return Failure{"Empty key provided"};
    }
    if (key.keyid.empty()) {
        return Failure{"Empty key ID provided"};
    }
    if (!is_plain_json_text(std::string_view(key.key.data(), key.key.size())) ||
        !is_plain_json_text(key.keyid)) {
        return Failure{"Invalid key data"};
    }
    return outcome::success();
}

std::string openssl_reason() {
    const unsigned long code = ERR_get_error();
    if (code == 0) {
        return "unknown OpenSSL error";
    }
    std::array<char, 256> text{};
    ERR_error_string_n(code, text.data(), text.size());
    ERR_clear_error();
    return text.data();
}

std::string jwks_message(std::string_view detail) {
    return "Invalid key data in " + std::string(kJwksPath) + ": " + std::string(detail);
}

// The "keys" array of a jwks document, checked as upstream's auth_key_ready checks it.
Result<const SecretJson*, JwksError> keys_of(const SecretJson& document) {
    static const SecretJson kNoKeys = SecretJson::array();
    if (document.is_discarded()) {
        return JwksError{JwksError::Problem::NotJson, "Failed to parse " + std::string(kJwksPath)};
    }
    if (!document.is_object()) {
        return JwksError{JwksError::Problem::NotAnObject, jwks_message("expected a JSON object")};
    }
    const auto keys = document.find("keys");
    if (keys == document.end()) {
        return &kNoKeys;
    }
    if (!keys->is_array()) {
        return JwksError{JwksError::Problem::KeysNotAList, jwks_message("'keys' must be a list")};
    }
    return &*keys;
}

}  // namespace

void wipe(void* pointer, std::size_t size) noexcept {
    if (pointer != nullptr && size > 0) {
        OPENSSL_cleanse(pointer, size);
    }
}

// ---- auth key -------------------------------------------------------------------------------

AuthKey generate_auth_key() {
    SecretBytes random(kAuthKeyBytes);
    if (RAND_bytes(random.data(), kAuthKeyBytes) != 1) {
        throw std::runtime_error("cannot generate the auth key: " + openssl_reason());
    }
    SecretBytes encoded(util::encoded_size(random.size()) + 1);
    const auto length = util::encode_base64_into(random.data(), random.size(), encoded.data());
    AuthKey key;
    key.key.assign(encoded.begin(), encoded.begin() + static_cast<std::ptrdiff_t>(length));
    key.keyid = random_uuid_v4();
    return key;
}

Expected<SecretBytes> slurm_key_bytes(std::string_view base64_key) {
    SecretBytes bytes(util::decoded_size_bound(base64_key.size()));
    const auto length = util::decode_base64_into(base64_key, bytes.data());
    if (base64_key.empty() || !length.has_value()) {
        return Failure{"the auth key is not valid base64"};
    }
    bytes.resize(length.value());
    return bytes;
}

Expected<SecretBytes> munge_key_bytes(std::string_view base64_key) {
    auto bytes = slurm_key_bytes(base64_key);
    if (bytes.has_value() && bytes.value().size() > kMungeKeyMaxBytes) {
        bytes.value().resize(kMungeKeyMaxBytes);
    }
    return bytes;
}

// ---- slurm.jwks -------------------------------------------------------------------------------

Result<Jwks, JwksError> Jwks::parse(std::string_view text) {
    const SecretJson document = SecretJson::parse(text.begin(), text.end(), nullptr, false);
    auto keys = keys_of(document);
    if (!keys) {
        return keys.error();
    }
    Jwks jwks;
    for (const SecretJson& entry : *keys.value()) {
        const auto kid = entry.is_object() ? entry.find("kid") : entry.end();
        const auto k = entry.is_object() ? entry.find("k") : entry.end();
        if (!entry.is_object() || kid == entry.end() || k == entry.end() || !kid->is_string() ||
            !k->is_string()) {
            return JwksError{JwksError::Problem::BadKey,
                             jwks_message("each key needs string \"kid\" and \"k\"")};
        }
        AuthKey key;
        key.key = k->get_ref<const SecretString&>();
        const auto& id = kid->get_ref<const SecretString&>();
        key.keyid.assign(id.begin(), id.end());
        if (!check_key(key)) {
            return JwksError{JwksError::Problem::BadKey,
                             jwks_message("a key or key ID is empty or holds characters Slurm's "
                                          "keys never have")};
        }
        jwks.keys_.push_back(std::move(key));
    }
    return jwks;
}

Result<void, Failure> Jwks::set(AuthKey key) {
    BOOST_OUTCOME_TRY(check_key(key));
    keys_.clear();
    keys_.push_back(std::move(key));
    return outcome::success();
}

Result<void, Failure> Jwks::apply(AuthKey key) {
    BOOST_OUTCOME_TRY(check_key(key));
    keys_.push_back(std::move(key));
    return outcome::success();
}

Result<void, Failure> Jwks::keep_latest() {
    if (keys_.empty()) {
        return Failure{"No keys found in slurm.jwks"};
    }
    keys_.erase(keys_.begin(), keys_.end() - 1);
    return outcome::success();
}

SecretString Jwks::render() const {
    SecretString out = "{\"keys\": [";
    for (std::size_t i = 0; i < keys_.size(); ++i) {
        if (i > 0) {
            out += ", ";
        }
        out += "{\"alg\": \"HS256\", \"kty\": \"oct\", \"kid\": \"";
        out.append(keys_[i].keyid.begin(), keys_[i].keyid.end());
        out += "\", \"k\": \"";
        out += keys_[i].key;
        out += "\"}";
    }
    out += "]}";
    return out;
}

Result<std::size_t, JwksError> jwks_key_count(std::string_view jwks_text) {
    const SecretJson document =
        SecretJson::parse(jwks_text.begin(), jwks_text.end(), nullptr, false);
    const auto keys = keys_of(document);
    if (!keys) {
        return keys.error();
    }
    return keys.value()->size();
}

// ---- JWT key ----------------------------------------------------------------------------------

SecretString generate_jwt_key_pem() {
    const std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> context(
        EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), &EVP_PKEY_CTX_free);
    const std::unique_ptr<BIGNUM, decltype(&BN_free)> exponent(BN_new(), &BN_free);
    EVP_PKEY* generated = nullptr;
    if (!context || !exponent || BN_set_word(exponent.get(), RSA_F4) != 1 ||
        EVP_PKEY_keygen_init(context.get()) != 1 ||
        EVP_PKEY_CTX_set_rsa_keygen_bits(context.get(), kJwtKeyBits) != 1 ||
        EVP_PKEY_CTX_set1_rsa_keygen_pubexp(context.get(), exponent.get()) != 1 ||
        EVP_PKEY_generate(context.get(), &generated) != 1) {
        throw std::runtime_error("cannot generate the JWT key: " + openssl_reason());
    }
    const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(generated, &EVP_PKEY_free);

    // A secure-memory BIO wipes its buffer when freed.
    const std::unique_ptr<BIO, decltype(&BIO_free)> pem(BIO_new(BIO_s_secmem()), &BIO_free);
    if (!pem || PEM_write_bio_PrivateKey_traditional(pem.get(), key.get(), nullptr, nullptr, 0,
                                                     nullptr, nullptr) != 1) {
        throw std::runtime_error("cannot write the JWT key: " + openssl_reason());
    }
    SecretString out;
    std::array<char, 1024> chunk{};
    while (true) {
        const int read = BIO_read(pem.get(), chunk.data(), static_cast<int>(chunk.size()));
        if (read <= 0) {
            break;
        }
        out.append(chunk.data(), static_cast<std::size_t>(read));
    }
    wipe(chunk.data(), chunk.size());
    return out;
}

}  // namespace slurmctld::slurm
