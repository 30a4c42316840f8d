#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <system_error>

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>
#include <sys/random.h>

#include <slurmctld/util/random.hpp>

namespace slurmctld::util {

std::string random_uuid_v4() {
    boost::uuids::random_generator generate;
    return boost::uuids::to_string(generate());
}

namespace {

/// Up to `size` random bytes straight from the kernel (a generator seeded once would hand
/// processes forked from one parent the same values, and their names would collide).
std::size_t random_bytes(unsigned char* bytes, std::size_t size) {
    for (;;) {
        const ssize_t count = ::getrandom(bytes, size, 0);
        if (count >= 0) {
            return static_cast<std::size_t>(count);
        }
        if (errno != EINTR) {
            throw std::system_error(errno, std::generic_category(), "getrandom");
        }
    }
}

}  // namespace

std::string random_alphanumeric(std::size_t length) {
    return random_string(length, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
}

std::string random_string(std::size_t length, std::string_view alphabet) {
    if (alphabet.empty() || alphabet.size() > 256) {
        throw std::invalid_argument("random_string: the alphabet must have 1 to 256 characters");
    }
    const unsigned accepted = 256 - 256 % alphabet.size();  // no modulo bias
    std::string text;
    text.reserve(length);
    unsigned char bytes[64];
    while (text.size() < length) {
        const std::size_t count = random_bytes(bytes, sizeof bytes);
        for (std::size_t i = 0; i < count && text.size() < length; ++i) {
            if (bytes[i] < accepted) {
                text += alphabet[bytes[i] % alphabet.size()];
            }
        }
    }
    return text;
}

std::uint64_t random_uint64() {
    unsigned char bytes[sizeof(std::uint64_t)];
    std::size_t filled = 0;
    while (filled < sizeof bytes) {
        filled += random_bytes(bytes + filled, sizeof bytes - filled);
    }
    std::uint64_t value = 0;
    std::memcpy(&value, bytes, sizeof value);
    return value;
}

}  // namespace slurmctld::util
