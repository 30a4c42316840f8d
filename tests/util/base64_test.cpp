#include <gtest/gtest.h>

#include <slurmctld/util/base64.hpp>

namespace {

using namespace slurmctld::util;

// RFC 4648 §10.
const std::vector<std::pair<std::string, std::string>> kVectors = {{"", ""},
                                                                   {"f", "Zg=="},
                                                                   {"fo", "Zm8="},
                                                                   {"foo", "Zm9v"},
                                                                   {"foob", "Zm9vYg=="},
                                                                   {"fooba", "Zm9vYmE="},
                                                                   {"foobar", "Zm9vYmFy"}};

TEST(Base64, EncodesAndDecodesTheRfcVectors) {
    for (const auto& [bytes, text] : kVectors) {
        EXPECT_EQ(encode_base64(bytes), text);
        const auto decoded = decode_base64(text);
        ASSERT_TRUE(decoded) << text;
        EXPECT_EQ(decoded.value(), bytes);
    }
}

TEST(Base64, RoundTripsEveryByteValue) {
    std::string bytes;
    for (int i = 0; i < 256; ++i) {
        bytes += static_cast<char>(i);
    }
    EXPECT_EQ(decode_base64(encode_base64(bytes)).value(), bytes);
}

TEST(Base64, UrlAlphabetWithoutPaddingAsPythonsTokenUrlsafe) {
    const std::string bytes("\xfb\xff\xfe", 3);
    EXPECT_EQ(encode_base64(bytes), "+//+");
    const Base64Options url{Base64Alphabet::Url, false, false};
    EXPECT_EQ(encode_base64(bytes, url), "-__-");
    EXPECT_EQ(encode_base64("f", url), "Zg");
    EXPECT_EQ(decode_base64("Zg", url).value(), "f");
    EXPECT_EQ(decode_base64("-__-", url).value(), bytes);
    EXPECT_FALSE(decode_base64("+//+", url));
}

TEST(Base64, RefusesWhatIsNotStrictBase64) {
    for (const char* bad : {"Zg", "Zg=", "Z===", "Zm9v!", "Zg==Zg==", "=Zg=", "Zm 9v", "Zm9v\n"}) {
        EXPECT_FALSE(decode_base64(bad)) << bad;
    }
}

TEST(Base64, NewlinesAreSkippedOnlyWhenAskedAsGoDoes) {
    Base64Options go;
    go.ignore_newlines = true;
    EXPECT_EQ(decode_base64("Zm9v\r\nYmFy\n", go).value(), "foobar");
    EXPECT_FALSE(decode_base64("Zm9v YmFy", go));
}

TEST(Base64, DecodesIntoCallerMemory) {
    unsigned char out[decoded_size_bound(8)] = {};
    const auto length = decode_base64_into("Zm9vYg==", out);
    ASSERT_TRUE(length);
    EXPECT_EQ(length.value(), 4U);
    EXPECT_EQ(std::string(reinterpret_cast<const char*>(out), 4), "foob");
}

}  // namespace
