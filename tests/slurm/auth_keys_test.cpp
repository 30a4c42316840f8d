#include <algorithm>
#include <cctype>
#include <memory>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <slurmctld/slurm/auth_keys.hpp>

using slurmctld::slurm::AuthKey;
using slurmctld::slurm::Jwks;
using slurmctld::slurm::jwks_key_count;
using slurmctld::slurm::JwksError;
using slurmctld::slurm::SecretString;

namespace {

std::string plain(const SecretString& secret) {
    return {secret.begin(), secret.end()};
}

// 8-4-4-4-12 lower-case hex digits, version 4, RFC 4122 variant.
bool is_uuid_v4(const std::string& id) {
    if (id.size() != 36 || id[14] != '4' ||
        std::string_view("89ab").find(id[19]) == std::string_view::npos) {
        return false;
    }
    for (std::size_t i = 0; i < id.size(); ++i) {
        const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? id[i] != '-'
                 : std::string_view("0123456789abcdef").find(id[i]) == std::string_view::npos) {
            return false;
        }
    }
    return true;
}

AuthKey key(std::string_view value, std::string id) {
    return AuthKey{SecretString(value.begin(), value.end()), std::move(id)};
}

}  // namespace

// ---- auth key -----------------------------------------------------------------------------------

TEST(AuthKey, Is2048RandomBytesInPaddedBase64WithAUuidId) {
    const AuthKey generated = slurmctld::slurm::generate_auth_key();
    EXPECT_EQ(generated.key.size(), 2732U);
    EXPECT_EQ(generated.key.back(), '=');
    EXPECT_NE(generated.key[generated.key.size() - 2], '=');
    EXPECT_TRUE(std::all_of(generated.key.begin(), generated.key.end() - 1, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/';
    }));
    EXPECT_TRUE(is_uuid_v4(generated.keyid)) << generated.keyid;

    const auto bytes = slurmctld::slurm::slurm_key_bytes(plain(generated.key));
    ASSERT_TRUE(bytes);
    EXPECT_EQ(bytes.value().size(), 2048U);

    const AuthKey other = slurmctld::slurm::generate_auth_key();
    EXPECT_NE(plain(other.key), plain(generated.key));
    EXPECT_NE(other.keyid, generated.keyid);
}

TEST(SlurmKey, DecodesTheBase64KeyToItsRawBytes) {
    const auto bytes = slurmctld::slurm::slurm_key_bytes("AAEC/w==");
    ASSERT_TRUE(bytes);
    EXPECT_EQ(std::vector<unsigned char>(bytes.value().begin(), bytes.value().end()),
              (std::vector<unsigned char>{0x00, 0x01, 0x02, 0xff}));
    EXPECT_EQ(slurmctld::slurm::slurm_key_bytes("YWJj").value().size(), 3U);
    for (const char* bad : {"", "abc", "a=bc", "ab!c", "a===", "YWJj\n"}) {
        const auto result = slurmctld::slurm::slurm_key_bytes(bad);
        ASSERT_FALSE(result) << bad;
        EXPECT_EQ(result.error().message, "the auth key is not valid base64");  // no key bytes
    }
}

TEST(MungeKey, IsTheFirstKibOfTheAuthKeyBytes) {
    const AuthKey generated = slurmctld::slurm::generate_auth_key();
    const auto all = slurmctld::slurm::slurm_key_bytes(plain(generated.key));
    const auto munge = slurmctld::slurm::munge_key_bytes(plain(generated.key));
    ASSERT_TRUE(all);
    ASSERT_TRUE(munge);
    ASSERT_EQ(munge.value().size(), 1024U);
    EXPECT_TRUE(std::equal(munge.value().begin(), munge.value().end(), all.value().begin()));
    // A short key stays whole; invalid base64 is refused as for slurm.key.
    EXPECT_EQ(slurmctld::slurm::munge_key_bytes("YWJj").value().size(), 3U);
    ASSERT_FALSE(slurmctld::slurm::munge_key_bytes("ab!c"));
}

// ---- slurm.jwks
// -----------------------------------------------------------------------------------

TEST(Jwks, RendersExactlyAsUpstreamsJsonDumps) {
    Jwks jwks;
    EXPECT_EQ(plain(jwks.render()), R"({"keys": []})");
    ASSERT_TRUE(jwks.set(key("a2V5MQ==", "id-1")));
    EXPECT_EQ(plain(jwks.render()),
              R"({"keys": [{"alg": "HS256", "kty": "oct", "kid": "id-1", "k": "a2V5MQ=="}]})");
    ASSERT_TRUE(jwks.apply(key("a2V5Mg==", "id-2")));
    EXPECT_EQ(plain(jwks.render()),
              R"({"keys": [{"alg": "HS256", "kty": "oct", "kid": "id-1", "k": "a2V5MQ=="}, )"
              R"({"alg": "HS256", "kty": "oct", "kid": "id-2", "k": "a2V5Mg=="}]})");
}

TEST(Jwks, RotationAppendsThenKeepsTheLatest) {
    Jwks jwks;
    ASSERT_TRUE(jwks.set(key("b2xk", "old")));
    ASSERT_TRUE(jwks.apply(key("bmV3", "new")));
    EXPECT_EQ(jwks.size(), 2U);
    EXPECT_EQ(jwks_key_count(plain(jwks.render())).value(), 2U);
    ASSERT_TRUE(jwks.keep_latest());
    ASSERT_EQ(jwks.size(), 1U);
    EXPECT_EQ(jwks.keys()[0].keyid, "new");
    EXPECT_EQ(jwks_key_count(plain(jwks.render())).value(), 1U);
    ASSERT_TRUE(jwks.set(key("c2V0", "set")));
    EXPECT_EQ(jwks.size(), 1U);
}

TEST(Jwks, ParsesWhatItRendersAndWhatOthersWrite) {
    Jwks jwks;
    ASSERT_TRUE(jwks.set(slurmctld::slurm::generate_auth_key()));
    ASSERT_TRUE(jwks.apply(slurmctld::slurm::generate_auth_key()));
    const auto parsed = Jwks::parse(plain(jwks.render()));
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed.value().size(), 2U);
    EXPECT_EQ(plain(parsed.value().render()), plain(jwks.render()));
    EXPECT_EQ(plain(parsed.value().keys()[1].key), plain(jwks.keys()[1].key));

    // Compact JSON with extra fields (as Slurm's docs show) is read; the extras are dropped.
    const auto other = Jwks::parse(
        R"({"keys":[{"kty":"oct","alg":"HS256","kid":"k1","k":"c2VjcmV0c2VjcmV0c2VjcmV0","use":"default"}]})");
    ASSERT_TRUE(other);
    EXPECT_EQ(
        plain(other.value().render()),
        R"({"keys": [{"alg": "HS256", "kty": "oct", "kid": "k1", "k": "c2VjcmV0c2VjcmV0c2VjcmV0"}]})");

    // The JSON form agrees with a general JSON reader.
    const auto json = nlohmann::json::parse(plain(jwks.render()));
    EXPECT_EQ(json["keys"][0]["kid"], jwks.keys()[0].keyid);
}

TEST(Jwks, ParseErrorsSayWhatIsWrong) {
    const auto problem = [](std::string_view text) {
        const auto parsed = Jwks::parse(text);
        EXPECT_FALSE(parsed) << text;
        return parsed ? JwksError::Problem::NotJson : parsed.error().problem;
    };
    EXPECT_EQ(problem("{"), JwksError::Problem::NotJson);
    EXPECT_EQ(problem("[]"), JwksError::Problem::NotAnObject);
    EXPECT_EQ(problem(R"({"keys": {}})"), JwksError::Problem::KeysNotAList);
    EXPECT_EQ(problem(R"({"keys": [{"kid": "a"}]})"), JwksError::Problem::BadKey);
    EXPECT_EQ(problem(R"({"keys": [{"kid": "a", "k": "x\"y"}]})"), JwksError::Problem::BadKey);
    EXPECT_EQ(Jwks::parse(R"({"keys": [{"kid": "a", "k": "x\"y"}]})").error().message.find("x\"y"),
              std::string::npos);  // key material never appears in messages
    EXPECT_EQ(Jwks::parse("{}").value().size(), 0U);
}

TEST(Jwks, RefusesEmptyKeysAndIdsWithUpstreamsMessages) {
    Jwks jwks;
    EXPECT_EQ(jwks.set(key("", "id")).error().message, "Empty key provided");
    EXPECT_EQ(jwks.apply(key("a2V5", "")).error().message, "Empty key ID provided");
    EXPECT_EQ(jwks.apply(key("a2V5", "bad\"id")).error().message, "Invalid key data");
    EXPECT_EQ(jwks.keep_latest().error().message, "No keys found in slurm.jwks");
    EXPECT_EQ(jwks.size(), 0U);
}

TEST(JwksKeyCount, CountsKeysAndSaysWhyAFileCannotBeRead) {
    EXPECT_EQ(jwks_key_count(R"({"keys": []})").value(), 0U);
    EXPECT_EQ(jwks_key_count(R"({"keys": [{"kid": "a", "k": "b"}]})").value(), 1U);
    EXPECT_EQ(jwks_key_count("not json").error().message, "Failed to parse /etc/slurm/slurm.jwks");
    EXPECT_EQ(jwks_key_count("[1]").error().message,
              "Invalid key data in /etc/slurm/slurm.jwks: expected a JSON object");
    EXPECT_EQ(jwks_key_count(R"({"keys": "x"})").error().message,
              "Invalid key data in /etc/slurm/slurm.jwks: 'keys' must be a list");
}

// ---- JWT key ------------------------------------------------------------------------------------

TEST(JwtKey, IsAnRsa2048Pkcs1PemThatOpenSslReadsBack) {
    const SecretString pem = slurmctld::slurm::generate_jwt_key_pem();
    const std::string text = plain(pem);
    EXPECT_TRUE(text.starts_with("-----BEGIN RSA PRIVATE KEY-----\n"));
    EXPECT_TRUE(text.ends_with("-----END RSA PRIVATE KEY-----\n"));
    EXPECT_EQ(text.find("ENCRYPTED"), std::string::npos);

    const std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(text.data(), static_cast<int>(text.size())), &BIO_free);
    const std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
    ASSERT_TRUE(key);
    EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_RSA);
    EXPECT_EQ(EVP_PKEY_get_bits(key.get()), 2048);
    BIGNUM* exponent = nullptr;
    ASSERT_EQ(EVP_PKEY_get_bn_param(key.get(), "e", &exponent), 1);
    EXPECT_EQ(BN_get_word(exponent), 65537U);
    BN_free(exponent);

    EXPECT_NE(plain(slurmctld::slurm::generate_jwt_key_pem()), text);
}

TEST(SecretMemory, WipeClearsBytes) {
    std::array<unsigned char, 4> bytes{1, 2, 3, 4};
    slurmctld::slurm::wipe(bytes.data(), bytes.size());
    EXPECT_EQ(bytes, (std::array<unsigned char, 4>{0, 0, 0, 0}));
}
