// Build tool: packs the Grafana dashboards of src/cos/grafana_dashboards the way cos-lib's
// COSAgentProvider sends them (cos_agent.py _dashboards): each dashboard gets cosl's path uid
// (DashboardPath40UID: shake_256("<charm>-<path relative to the charm>") as 20 bytes of hex) and
// the `charm: <charm>` tag, is serialised with Python's json.dumps defaults, LZMA-compressed as
// lzma.compress does (xz container, CRC64, preset 6, one block) and base64-encoded. The charm
// reads the resulting JSON list at run time (it has no LZMA library of its own).
//
//   cos-pack-dashboards <xz program> <charm name> <output.json> <relative dir> <dashboard>...
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>
#include <openssl/evp.h>

#include <slurmctld/juju/relation_codec.hpp>
#include <slurmctld/util/base64.hpp>
#include <slurmctld/util/process.hpp>

namespace {

std::string shake256_hex(const std::string& text, std::size_t bytes) {
    std::string digest(bytes, '\0');
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    EVP_DigestInit_ex(context, EVP_shake256(), nullptr);
    EVP_DigestUpdate(context, text.data(), text.size());
    EVP_DigestFinalXOF(context, reinterpret_cast<unsigned char*>(digest.data()), bytes);
    EVP_MD_CTX_free(context);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string hex;
    for (const char c : digest) {
        const auto byte = static_cast<unsigned char>(c);
        hex += kHex[byte >> 4];
        hex += kHex[byte & 0xF];
    }
    return hex;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 5) {
        std::cerr
            << "usage: cos-pack-dashboards XZ CHARM OUTPUT RELATIVE_DIR [DASHBOARD.json...]\n";
        return 2;
    }
    const std::string xz_program = argv[1];
    const std::string charm = argv[2];
    const std::string output = argv[3];
    const std::string relative_dir = argv[4];
    std::vector<std::filesystem::path> files(argv + 5, argv + argc);
    std::sort(files.begin(), files.end());
    nlohmann::ordered_json packed = nlohmann::ordered_json::array();
    for (const auto& file : files) {
        std::ifstream in(file);
        auto dashboard = nlohmann::ordered_json::parse(in);
        const std::string path = relative_dir + "/" + file.filename().string();
        dashboard["uid"] = shake256_hex(charm + "-" + path, 20);
        auto tags = dashboard.value("tags", nlohmann::ordered_json::array());
        const bool tagged = std::any_of(tags.begin(), tags.end(), [](const auto& tag) {
            return tag.is_string() && tag.template get<std::string>().rfind("charm: ", 0) == 0;
        });
        if (!tagged) {
            tags.push_back("charm: " + charm);
        }
        dashboard["tags"] = tags;
        slurmctld::util::ProcessOptions options;
        options.stdin_data = slurmctld::juju::codec::encode(dashboard);
        const auto xz =
            slurmctld::util::run_process({xz_program, "--compress", "--stdout", "--format=xz",
                                          "--check=crc64", "-6", "--threads=1"},
                                         options);
        if (xz.exit_code != 0) {
            std::cerr << "xz failed on " << file << ": " << xz.stderr_text << "\n";
            return 1;
        }
        packed.push_back(slurmctld::util::encode_base64(xz.stdout_text));
    }
    std::ofstream(output) << packed.dump() << "\n";
    return 0;
}
