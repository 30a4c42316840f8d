// A seeded random generator throws random and mutated input at every parser and validator of the
// slurm layer: random bytes, configuration text with hostile lines, JSON with hostile names and
// values, huge strings, path traversal, control bytes. It asserts that nothing crashes, that no
// exception escapes an API that promises a Result (or escapes one of another type than the API
// documents), and that whatever is accepted keeps the invariants the charm relies on (no '/',
// no line break in an accepted name; accepted configuration reads back the same from the file
// the charm writes). The seed is fixed and the iterations bounded so the run is the same every
// time and takes well under a second; a failure prints the input.
#include <array>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <slurmctld/slurm/auth_keys.hpp>
#include <slurmctld/slurm/config_document.hpp>
#include <slurmctld/slurm/config_options.hpp>
#include <slurmctld/slurm/heartbeat.hpp>
#include <slurmctld/slurm/names.hpp>
#include <slurmctld/slurm/partitions.hpp>
#include <slurmctld/slurm/scontrol_output.hpp>
#include <slurmctld/slurm/upstream_form.hpp>
#include <slurmctld/slurm/version.hpp>

#include "slurm/slurm_test_data.hpp"

namespace slurm = slurmctld::slurm;
using nlohmann::ordered_json;
using slurm::ConfigDialect;
using slurm::ConfigDocument;
using slurm::SlurmVersion;

namespace {

constexpr std::uint64_t kSeed = 0x51u * 0x5eedu;
constexpr int kIterations = 1500;

// Bytes that mean something to one of the parsers.
constexpr std::string_view kSpecial = "=\"#\\ \t\n\r/.,[](){}&|*!:;$`'%~@-_+<>?";

const std::array<std::string_view, 28> kTokens = {
    "../",
    "/etc/passwd",
    "\\\n",
    "\"",
    "#",
    "\\#",
    "include ",
    "Include /etc/shadow",
    "PartitionName=",
    "NodeName=",
    "DEFAULT",
    "ALL",
    "overrides",
    ".snapshot",
    "StateSaveLocation=/x",
    "SlurmctldHost=evil",
    " Nodes=ALL",
    "\n",
    std::string_view("\0", 1),
    "\xff\xfe",
    "\xc3\xa9",
    "=",
    "\"a b\"",
    "0x10",
    "UNLIMITED",
    "\x1b[31m",
    "%c",
    "enable_configless",
};

const std::vector<std::optional<SlurmVersion>> kVersions = {
    std::nullopt,           SlurmVersion{22, 5, 8},
    SlurmVersion{23, 2, 7}, SlurmVersion{23, 11, 4},
    SlurmVersion{24, 5, 8}, SlurmVersion{24, 11, 5},
    SlurmVersion{25, 5, 3}, SlurmVersion{25, 11, 0},
    SlurmVersion{26, 5, 0}};

class Generator {
  public:
    explicit Generator(std::uint64_t seed) : random_(seed) {}

    std::size_t below(std::size_t n) { return static_cast<std::size_t>(random_() % n); }
    bool chance(unsigned percent) { return below(100) < percent; }

    char byte() {
        switch (below(4)) {
            case 0:
                return kSpecial[below(kSpecial.size())];
            case 1:
                return static_cast<char>(below(256));
            default:
                return "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[below(62)];
        }
    }

    std::string bytes(std::size_t max_length) {
        std::string out;
        const std::size_t length = chance(2) ? 20000 + below(5000) : below(max_length + 1);
        out.reserve(length);
        for (std::size_t i = 0; i < length; ++i) {
            out.push_back(byte());
        }
        return out;
    }

    std::string_view token() { return kTokens[below(kTokens.size())]; }

    // A few edits: insert a token or random bytes, delete, duplicate or overwrite a slice.
    std::string mutate(std::string text) {
        const std::size_t edits = 1 + below(4);
        for (std::size_t e = 0; e < edits; ++e) {
            const std::size_t at = text.empty() ? 0 : below(text.size() + 1);
            switch (below(5)) {
                case 0:
                    text.insert(at, token());
                    break;
                case 1:
                    text.insert(at, bytes(8));
                    break;
                case 2:
                    if (!text.empty() && at < text.size()) {
                        text.erase(at, 1 + below(std::min<std::size_t>(16, text.size() - at)));
                    }
                    break;
                case 3:
                    if (!text.empty() && at < text.size()) {
                        const std::string slice = text.substr(at, 1 + below(32));
                        text.insert(at, slice);
                    }
                    break;
                default:
                    if (at < text.size()) {
                        text[at] = byte();
                    }
                    break;
            }
        }
        return text;
    }

    std::string name() {
        switch (below(6)) {
            case 0:
                return "compute";
            case 1:
                return std::string(token());
            case 2:
                return "x/../../../../etc/profile.d/zz.sh";
            case 3:
                return std::string(below(300), 'p');
            default:
                return mutate("gpu-a100");
        }
    }

    ordered_json scalar() {
        switch (below(7)) {
            case 0:
                return name();
            case 1:
                return static_cast<std::int64_t>(random_());
            case 2:
                return random_() % 2 == 0;
            case 3:
                return static_cast<double>(random_() % 100000) / 7.0;
            case 4:
                return nullptr;
            case 5:
                return bytes(40);
            default:
                return below(70000);
        }
    }

    ordered_json json_value(int depth) {
        if (depth > 0 && chance(20)) {
            ordered_json list = ordered_json::array();
            for (std::size_t i = below(4); i > 0; --i) {
                list.push_back(json_value(depth - 1));
            }
            return list;
        }
        if (depth > 0 && chance(10)) {
            ordered_json object = ordered_json::object();
            for (std::size_t i = below(4); i > 0; --i) {
                object[name()] = json_value(depth - 1);
            }
            return object;
        }
        return scalar();
    }

    // A partition as slurmd sends it, with hostile names, fields and values mixed in.
    ordered_json partition() {
        static const std::array<const char*, 16> fields = {
            "nodes",         "maxtime",  "default", "defaulttime",
            "allowgroups",   "maxnodes", "state",   "tresbillingweights",
            "oversubscribe", "qos",      "hidden",  "priority",
            "nodename",      "include",  "Nodes",   "defcpupergpu"};
        ordered_json out = ordered_json::object();
        if (!chance(5)) {
            out["partitionname"] = chance(50) ? ordered_json("compute") : ordered_json(name());
        }
        for (std::size_t i = below(6); i > 0; --i) {
            const std::string field = chance(80) ? fields[below(fields.size())] : name();
            out[field] = json_value(2);
        }
        return out;
    }

  private:
    std::mt19937_64 random_;
};

std::string shown(std::string_view text) {
    return slurm::printable(text, 300);
}

bool is_name_byte(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

bool has_line_breaker(std::string_view text) {
    for (const char c : text) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20U && c != '\t') || u == 0x7fU) {
            return true;
        }
    }
    return false;
}

// What the charm relies on for a document it writes with upstream_file_text().
void expect_reads_back(const ConfigDocument& document, std::string_view input) {
    std::string text;
    try {
        text = slurm::upstream_file_text(document);
    } catch (const slurm::UnwritableValue&) {
        return;  // documented: the caller refuses such documents first
    }
    const auto reparsed = ConfigDocument::parse(text, document.dialect());
    ASSERT_TRUE(reparsed) << shown(input) << " -> " << shown(text);
    EXPECT_EQ(slurm::upstream_dict(reparsed.value()), slurm::upstream_dict(document))
        << shown(input) << " -> " << shown(text);
}

std::string config_seed(Generator& generator) {
    static const std::array<std::string, 4> files = {
        slurm_test::data_file("admin-slurm.conf"), slurm_test::data_file("overrides-input.conf"),
        slurm_test::data_file("upstream-1.2.0-slurm.conf"),
        slurm_test::data_file("cgroup-input.conf")};
    switch (generator.below(3)) {
        case 0:
            return generator.bytes(200);
        default:
            return generator.mutate(files[generator.below(files.size())]);
    }
}

}  // namespace

TEST(HostileInputFuzz, ConfigDocumentParsesOrRefusesAndRendersWhatItRead) {
    Generator generator(kSeed);
    for (int i = 0; i < kIterations; ++i) {
        const std::string text = config_seed(generator);
        for (const ConfigDialect dialect :
             {ConfigDialect::SlurmConf, ConfigDialect::CgroupConf, ConfigDialect::GresConf}) {
            try {
                const auto document = ConfigDocument::parse(text, dialect);
                if (!document) {
                    EXPECT_GT(document.error().line, 0) << shown(text);
                    continue;
                }
                EXPECT_EQ(document.value().render(), text.empty() ? "" : text) << shown(text);
                for (const auto& entry : document.value().entries()) {
                    if (const auto* setting = std::get_if<slurm::Setting>(&entry.item)) {
                        EXPECT_FALSE(setting->key.empty()) << shown(text);
                        EXPECT_EQ(setting->value.find('\n'), std::string::npos) << shown(text);
                    }
                }
                expect_reads_back(document.value(), text);
            } catch (const std::exception& error) {
                ADD_FAILURE() << "exception " << error.what() << " for " << shown(text);
            }
        }
    }
}

TEST(HostileInputFuzz, ConfigOptionsNeverThrowAndWhatTheyAcceptIsSafe) {
    Generator generator(kSeed + 1);
    for (int i = 0; i < kIterations; ++i) {
        const std::string text = config_seed(generator);
        const auto& version = kVersions[generator.below(kVersions.size())];
        try {
            const auto overrides = slurm::check_slurm_conf_parameters(text, version);
            if (overrides) {
                for (const auto& entry : overrides.value().entries()) {
                    EXPECT_FALSE(std::holds_alternative<slurm::Include>(entry.item)) << shown(text);
                    if (const auto* setting = std::get_if<slurm::Setting>(&entry.item)) {
                        EXPECT_EQ(slurm::find_charm_owned_key(setting->key), nullptr)
                            << shown(text);
                        const auto* info = slurm::find_key(ConfigDialect::SlurmConf, setting->key);
                        if (info == nullptr) {
                            // Only a release newer than the key tables may get keys unknown
                            // here, and only keys shaped like Slurm's.
                            ASSERT_TRUE(version && slurm::newer_than_every_table(*version))
                                << shown(text);
                            EXPECT_TRUE(std::all_of(
                                setting->key.begin(), setting->key.end(),
                                [](char c) {
                                    return std::isalnum(static_cast<unsigned char>(c)) != 0;
                                }))
                                << shown(text);
                        } else if (version) {
                            EXPECT_TRUE(info->accepted_by(*version)) << shown(text);
                        }
                        EXPECT_FALSE(has_line_breaker(setting->value)) << shown(text);
                    }
                }
                // What the charm writes reads back the same (quotes, escapes, '#').
                const std::string file = slurm::upstream_file_text(overrides.value());
                const auto reread = ConfigDocument::parse(file);
                ASSERT_TRUE(reread) << shown(text) << " -> " << shown(file);
                EXPECT_EQ(slurm::upstream_dict(reread.value()),
                          slurm::upstream_dict(overrides.value()))
                    << shown(text) << " -> " << shown(file);
            } else {
                EXPECT_FALSE(overrides.error().status().empty());
                EXPECT_FALSE(overrides.error().message.empty());
            }
            const auto cgroup = slurm::check_cgroup_parameters(text, version);
            if (cgroup) {
                const std::string file = slurm::upstream_file_text(cgroup.value());
                const auto reread = ConfigDocument::parse(file, ConfigDialect::CgroupConf);
                ASSERT_TRUE(reread) << shown(text) << " -> " << shown(file);
            }
        } catch (const std::exception& error) {
            ADD_FAILURE() << "exception " << error.what() << " for " << shown(text);
        }
    }
}

TEST(HostileInputFuzz, PartitionsFromSlurmdAreSafeOrRejected) {
    Generator generator(kSeed + 2);
    int accepted = 0;
    for (int i = 0; i < kIterations; ++i) {
        std::string text;
        switch (generator.below(3)) {
            case 0:
                text = generator.bytes(120);
                break;
            case 1:
                text = generator.mutate(R"({"partitionname": "compute", "nodes": ["compute"],)"
                                        R"( "maxtime": "1:00:00", "default": true})");
                break;
            default:
                text = generator.partition().dump(-1, ' ', false,
                                                  ordered_json::error_handler_t::replace);
                break;
        }
        const auto& version = kVersions[generator.below(kVersions.size())];
        try {
            const auto record = slurm::partition_record_from_text(text, version);
            if (!record) {
                EXPECT_FALSE(record.error().message.empty());
                EXPECT_FALSE(has_line_breaker(record.error().message)) << shown(text);
                continue;
            }
            ++accepted;
            const std::string& name = record.value().name();
            EXPECT_EQ(slurm::partition_name_problem(name), std::nullopt) << shown(text);
            EXPECT_EQ(name.find('/'), std::string::npos) << shown(text);
            EXPECT_LE(name.size(), slurm::kMaxSlurmNameBytes);
            for (const auto& setting : record.value().settings()) {
                EXPECT_LE(setting.value.size(), slurm::kMaxPartitionValueBytes) << shown(text);
                for (const char c : setting.value) {
                    EXPECT_TRUE(is_name_byte(c) ||
                                std::string_view(",:=/[]").find(c) != std::string_view::npos)
                        << shown(text);
                }
            }
            // apply_partition writes a line that reads back as the same record.
            ConfigDocument include;
            const auto applied =
                slurm::apply_partition(include, ordered_json::parse(text), false, version);
            ASSERT_TRUE(applied) << shown(text);
            const auto reread = ConfigDocument::parse(include.render());
            ASSERT_TRUE(reread) << shown(include.render());
            const auto written = reread.value().record("PartitionName", name);
            ASSERT_TRUE(written) << shown(include.render());
            EXPECT_TRUE(written->same_as(record.value())) << shown(include.render());
            EXPECT_TRUE(reread.value().record("NodeSet", name)) << shown(include.render());
        } catch (const std::exception& error) {
            ADD_FAILURE() << "exception " << error.what() << " for " << shown(text);
        }
    }
    EXPECT_GT(accepted, 0);  // the generator also makes good partitions
}

TEST(HostileInputFuzz, AcceptedNamesKeepTheirInvariants) {
    Generator generator(kSeed + 3);
    for (int i = 0; i < kIterations * 2; ++i) {
        const std::string text = generator.chance(50) ? generator.name() : generator.bytes(80);
        const auto only = [&](std::string_view allowed_extra) {
            for (const char c : text) {
                const bool alnum =
                    (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
                EXPECT_TRUE(alnum || allowed_extra.find(c) != std::string_view::npos)
                    << shown(text);
            }
        };
        if (!slurm::partition_name_problem(text)) {
            only("_.-");
            EXPECT_FALSE(text.empty());
            EXPECT_LE(text.size(), slurm::kMaxSlurmNameBytes);
            EXPECT_FALSE(slurm::is_charm_owned_include(slurm::partition_include_name(text)));
            EXPECT_FALSE(slurm::file_name_component_problem(slurm::partition_include_name(text)));
        }
        if (!slurm::node_name_problem(text) || !slurm::nodeset_name_problem(text) ||
            !slurm::feature_name_problem(text)) {
            only("_.-");
        }
        if (!slurm::host_name_problem(text)) {
            only(".-");
            EXPECT_LE(text.size(), slurm::kMaxHostNameBytes);
            EXPECT_FALSE(slurm::slurmctld_host_problem(text)) << shown(text);
            EXPECT_FALSE(slurm::host_or_address_problem(text)) << shown(text);
        }
        if (!slurm::ip_address_problem(text)) {
            only(".:");
        }
        if (!slurm::slurmctld_host_problem(text)) {
            only(".-:()");
        }
        if (!slurm::cluster_name_problem(text)) {
            only("_-");
            EXPECT_LE(text.size(), slurm::kMaxClusterNameBytes);
        }
        if (!slurm::file_name_component_problem(text)) {
            EXPECT_EQ(text.find('/'), std::string::npos);
            EXPECT_FALSE(has_line_breaker(text));
            EXPECT_NE(text, ".");
            EXPECT_NE(text, "..");
        }
        // Reasons are safe in a status line whatever the input.
        for (const auto& problem :
             {slurm::partition_name_problem(text), slurm::host_name_problem(text),
              slurm::slurmctld_host_problem(text), slurm::cluster_name_problem(text),
              slurm::file_name_component_problem(text)}) {
            if (problem) {
                EXPECT_FALSE(has_line_breaker(*problem)) << shown(text);
                EXPECT_LT(problem->size(), 120U) << shown(text);
            }
        }
        EXPECT_FALSE(has_line_breaker(slurm::printable(text)));
    }
}

TEST(HostileInputFuzz, DocumentEditsWriteWhatReadsBackOrRefuse) {
    Generator generator(kSeed + 4);
    for (int i = 0; i < kIterations; ++i) {
        const std::string value =
            generator.chance(50) ? generator.mutate("/usr/bin/mail -x") : generator.bytes(40);
        ConfigDocument document;
        try {
            document.set("MailProg", value);
        } catch (const std::invalid_argument&) {
            EXPECT_FALSE(slurm::can_write_value(value)) << shown(value);
            continue;
        } catch (const std::exception& error) {
            ADD_FAILURE() << "exception " << error.what() << " for " << shown(value);
            continue;
        }
        const auto reread = ConfigDocument::parse(document.render());
        ASSERT_TRUE(reread) << shown(document.render());
        EXPECT_EQ(reread.value().get("MailProg"), value) << shown(document.render());
        EXPECT_EQ(reread.value().entries().size(), 1U) << shown(document.render());
    }
}

TEST(HostileInputFuzz, OtherSlurmReadersNeverThrow) {
    Generator generator(kSeed + 5);
    const std::array<std::string, 3> seeds = {
        slurm_test::data_file("ping-upstream-example.json"),
        slurm_test::data_file("ping-three.txt"),
        R"({"keys": [{"alg": "HS256", "kty": "oct", "kid": "a", "k": "Ym9ndXM="}]})"};
    for (int i = 0; i < kIterations; ++i) {
        const std::string text = generator.chance(30) ? generator.bytes(100)
                                                      : generator.mutate(seeds[generator.below(3)]);
        try {
            (void)slurm::parse_ping_json(text);
            (void)slurm::parse_ping_text(text);
            (void)slurm::parse_heartbeat(text);
            (void)slurm::SlurmVersion::parse(text);
            (void)slurm::slurm_key_bytes(text);
            (void)slurm::jwks_key_count(std::string_view(text));
            const auto jwks = slurm::Jwks::parse(text);
            if (jwks) {
                const auto again = slurm::Jwks::parse(std::string_view(jwks.value().render()));
                ASSERT_TRUE(again) << shown(text);
                EXPECT_EQ(again.value().size(), jwks.value().size());
            }
        } catch (const std::exception& error) {
            ADD_FAILURE() << "exception " << error.what() << " for " << shown(text);
        }
    }
}
