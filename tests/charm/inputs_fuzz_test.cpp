// A seeded generator over the charm's edge (inputs.hpp and the config options): random bytes,
// mutated good values and hostile strings. Nothing may throw, and whatever is accepted keeps the
// promises later code relies on (no '/', no control characters, bounded sizes). Deterministic
// and bounded (a fraction of a second), so it runs in every CI build.
#include <random>

#include <gtest/gtest.h>

#include <slurmctld/charm/charm_config.hpp>
#include <slurmctld/charm/inputs.hpp>
#include <slurmctld/slurm/version.hpp>

namespace {

using namespace slurmctld::charm;

constexpr int kIterations = 4000;

class Generator {
  public:
    explicit Generator(std::uint32_t seed) : random_(seed) {}

    std::string bytes(std::size_t max) {
        std::string text(pick(max), '\0');
        for (char& c : text) {
            c = static_cast<char>(pick(256));
        }
        return text;
    }
    /// A good value with a few bytes replaced, inserted or cut, or a hostile fragment added.
    std::string mutate(std::string text) {
        static const std::vector<std::string> kFragments = {
            "/",       "..",        "../../../../etc/x",
            "\n",      "\r",        std::string(1, '\0'),
            "\"",      "\\",        "#",
            " ",       "=",         "NodeName=evil",
            "DEFAULT", "overrides", std::string(300, 'a'),
            "\xff",    "$(id)",     ","};
        const int edits = static_cast<int>(pick(4)) + 1;
        for (int i = 0; i < edits; ++i) {
            const std::size_t at = text.empty() ? 0 : pick(text.size() + 1);
            switch (pick(3)) {
                case 0:
                    text.insert(at, kFragments[pick(kFragments.size())]);
                    break;
                case 1:
                    if (!text.empty() && at < text.size()) {
                        text[at] = static_cast<char>(pick(256));
                    }
                    break;
                default:
                    text = text.substr(0, at);
                    break;
            }
        }
        return text;
    }
    std::size_t pick(std::size_t bound) {
        return bound == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, bound - 1)(random_);
    }

  private:
    std::mt19937 random_;
};

bool clean_name(const std::string& value) {
    for (const unsigned char c : value) {
        if (c < 0x20 || c == 0x7f || c == '/' || c == ' ' || c == '#' || c == '"' || c == '\\') {
            return false;
        }
    }
    return !value.empty() && value != "." && value != ".." && value.size() <= 253;
}

TEST(InputsFuzz, RelationDataNeverThrowsAndWhatPassesIsClean) {
    Generator generate(20261203);
    const std::vector<std::string> good = {
        R"("juju-5f2a1c-1")", R"({"partitionname": "compute", "nodes": ["compute"]})",
        R"({"partitionname": "gpu", "maxtime": "1:00:00", "default": "YES"})", R"("db-0")",
        R"("10.0.0.5")"};
    for (int i = 0; i < kIterations; ++i) {
        const std::string raw =
            i % 3 == 0 ? generate.bytes(200) : generate.mutate(good[generate.pick(good.size())]);
        const auto check = [&] {
            if (auto host = peer_hostname("slurmctld/1", raw); host.has_value()) {
                EXPECT_TRUE(clean_name(host.value())) << raw;
            }
            if (auto partition =
                    slurmd_partition("compute", raw, slurmctld::slurm::SlurmVersion{24, 11, 5});
                partition.has_value()) {
                EXPECT_TRUE(clean_name(partition.value().name)) << raw;
                EXPECT_LE(partition.value().name.size(), 64U) << raw;
            }
            if (auto db = slurmdbd_hostname("database", raw); db.has_value()) {
                EXPECT_TRUE(clean_name(db.value())) << raw;
            }
            std::vector<Rejection> rejections;
            const auto peer = peer_app_data({{"cluster_name", raw},
                                             {"restart_signal", raw},
                                             {"statefs_id", raw},
                                             {"controller_unit", raw},
                                             {"controller_form", raw},
                                             {"departed_slurmd_nodes", raw}},
                                            "slurmctld", rejections);
            for (const auto* value : {&peer.cluster_name, &peer.restart_signal, &peer.statefs_id}) {
                EXPECT_TRUE(value->empty() || clean_name(*value)) << raw;
            }
            if (!peer.controller_unit.empty()) {
                EXPECT_EQ(peer.controller_unit.rfind("slurmctld/", 0), 0U) << raw;
            }
            EXPECT_TRUE(peer.controller_form.empty() || peer.controller_form == "names" ||
                        peer.controller_form == "addresses")
                << raw;
            for (const auto& node : peer.departed_nodes) {
                EXPECT_TRUE(clean_name(node)) << raw;
            }
            if (auto id = statefs_identity(raw); id.has_value()) {
                EXPECT_TRUE(id.value().empty() || clean_name(id.value())) << raw;
            }
            (void)auth_key_content({{"key", raw}, {"keyid", raw}});
            (void)jwt_key_content({{"key", raw}});
        };
        ASSERT_NO_THROW(check()) << "input #" << i;
    }
}

TEST(InputsFuzz, ConfigOptionsNeverThrow) {
    Generator generate(1203);
    const std::vector<std::string> good = {"SlurmctldTimeout=10", "MailProg=\"/usr/bin/mail -x\"",
                                           "polaris", "compute", "ConstrainCores=yes"};
    for (int i = 0; i < kIterations / 4; ++i) {
        const std::string value =
            i % 3 == 0 ? generate.bytes(120) : generate.mutate(good[generate.pick(good.size())]);
        const auto check = [&] {
            const nlohmann::json config{{"cluster-name", value},
                                        {"default-partition", value},
                                        {"slurm-conf-parameters", value},
                                        {"cgroup-parameters", value},
                                        {"email-from-name", value}};
            const auto parsed =
                CharmConfig::from_json(config, slurmctld::slurm::SlurmVersion{24, 11, 5});
            if (parsed.cluster_name_valid() && !parsed.cluster_name.empty()) {
                EXPECT_TRUE(clean_name(parsed.cluster_name)) << value;
            }
            EXPECT_EQ(parsed.valid(), parsed.invalid_options.empty());
            EXPECT_FALSE(parsed.blocked_message().empty());
        };
        ASSERT_NO_THROW(check()) << "input #" << i;
    }
}

TEST(InputsFuzz, TheControllerFormIsNamesOrAddressesElseRejected) {
    std::vector<Rejection> rejections;
    EXPECT_EQ(
        peer_app_data({{"controller_form", "\"names\""}}, "slurmctld", rejections).controller_form,
        "names");
    EXPECT_TRUE(rejections.empty());
    EXPECT_EQ(peer_app_data({{"controller_form", "\"sideways\""}}, "slurmctld", rejections)
                  .controller_form,
              "");
    EXPECT_EQ(rejections.size(), 1U);
}

}  // namespace
