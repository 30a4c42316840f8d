#include <string>

#include <gtest/gtest.h>

#include <slurmctld/slurm/heartbeat.hpp>

using slurmctld::slurm::parse_heartbeat;

namespace {

std::string big_endian(std::uint64_t value) {
    std::string bytes(8, '\0');
    for (int i = 7; i >= 0; --i) {
        bytes[static_cast<std::size_t>(i)] = static_cast<char>(value & 0xFFU);
        value >>= 8U;
    }
    return bytes;
}

TEST(Heartbeat, ReadsTheTimeAndTheWritersIndex) {
    const auto heartbeat = parse_heartbeat(big_endian(1795901961) + big_endian(1));
    ASSERT_TRUE(heartbeat.has_value());
    EXPECT_EQ(heartbeat->written_at, 1795901961);
    EXPECT_EQ(heartbeat->controller_index, 1);
}

TEST(Heartbeat, RejectsWhatIsNotAHeartbeat) {
    EXPECT_FALSE(parse_heartbeat(big_endian(1)).has_value());            // short
    EXPECT_FALSE(parse_heartbeat(big_endian(1) + big_endian(1) + "x"));  // long
    EXPECT_FALSE(
        parse_heartbeat(big_endian(1) + big_endian(std::uint64_t{1} << 40U)));  // absurd index
}

}  // namespace
