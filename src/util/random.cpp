#include <cerrno>
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

std::string random_alphanumeric(std::size_t length) {
    static constexpr std::string_view kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    // Straight from the kernel every time: a generator seeded once would hand processes
    // forked from one parent the same names (and their probes would collide).
    constexpr unsigned char kAccepted = 256 - 256 % kAlphabet.size();  // no modulo bias
    std::string text;
    text.reserve(length);
    unsigned char bytes[64];
    while (text.size() < length) {
        const ssize_t count = ::getrandom(bytes, sizeof bytes, 0);
        if (count < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw std::system_error(errno, std::generic_category(), "getrandom");
        }
        for (ssize_t i = 0; i < count && text.size() < length; ++i) {
            if (bytes[i] < kAccepted) {
                text += kAlphabet[bytes[i] % kAlphabet.size()];
            }
        }
    }
    return text;
}

}  // namespace slurmctld::util
