// Shared set-up of the machine RootTests: root check, the prepared image (built once when
// missing), a throw-away model directory with its network, machines that power off with the
// fixture, and small helpers to run shell snippets inside a machine.
#pragma once

#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include <jujusim/image.hpp>
#include <jujusim/machine_namespaces.hpp>
#include <jujusim/network.hpp>

#include "support/temp_dir.hpp"

namespace machine_testing {

namespace fs = std::filesystem;

/// Empty when the test may run; otherwise why not (then the test fails, or skips when
/// SLURMCTLD_ALLOW_SKIP_ROOT=1).
inline std::string root_problem() {
    if (::geteuid() != 0) {
        return "this RootTest needs root and Linux namespaces (PID, mount, UTS, IPC, network); run "
               "it "
               "as root, or set SLURMCTLD_ALLOW_SKIP_ROOT=1 to skip it knowingly";
    }
    return {};
}

inline bool allow_skip_root() {
    const char* value = std::getenv("SLURMCTLD_ALLOW_SKIP_ROOT");
    return value != nullptr && std::string(value) == "1";
}

#define JUJUSIM_REQUIRE_ROOT()                                                          \
    do {                                                                                \
        if (const auto problem = ::machine_testing::root_problem(); !problem.empty()) { \
            if (::machine_testing::allow_skip_root()) {                                 \
                GTEST_SKIP() << problem;                                                \
            }                                                                           \
            GTEST_FAIL() << problem;                                                    \
        }                                                                               \
    } while (false)

inline fs::path machine_binary() {
    return fs::path(JUJUSIM_BINARY_DIR) / "jujusim-machine";
}

/// The prepared image, built on first use (about a minute) in the shared images directory.
inline const fs::path& test_image() {
    static const fs::path image = jujusim::ensure_image(
        jujusim::ImageSpec::debian13_slurm(),
        [](const std::string& line) { std::cerr << "[image] " << line << "\n"; });
    return image;
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes.
inline bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (condition()) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return condition();
}

class MachineFixture : public ::testing::Test {
  protected:
    void SetUp() override {
        JUJUSIM_REQUIRE_ROOT();
        model_ = std::make_unique<testing_support::TempDir>("jujusim-model");
        image_ = test_image();
        jujusim::Network::Config config;
        config.state_dir = model_->path() / "network";
        config.machine_binary = machine_binary();
        network_ = std::make_shared<jujusim::Network>(config);
    }

    void TearDown() override {
        machines_.clear();  // powers them off
        if (network_) {
            network_->down();
        }
        model_.reset();
    }

    /// A machine of this model, number `n` (hostname juju-7e57ab-<n>), booted unless asked not to.
    jujusim::NamespaceMachine& add_machine(unsigned n, bool boot = true) {
        jujusim::MachineConfig config;
        config.id = std::to_string(n);
        config.hostname = "juju-7e57ab-" + config.id;
        config.address = network_->address_for(n);
        config.machine_dir = model_->path() / "machines" / config.id;
        config.image = image_;
        config.machine_binary = machine_binary();
        config.network = network_;
        config.poweroff_on_destroy = true;
        machines_.push_back(std::make_unique<jujusim::NamespaceMachine>(config));
        if (boot) {
            machines_.back()->boot();
        }
        return *machines_.back();
    }

    /// Every machine's name in every machine's /etc/hosts (what the agent does).
    void publish_hosts() {
        std::vector<std::pair<std::string, std::string>> entries;
        for (const auto& machine : machines_) {
            entries.emplace_back(machine->address(), machine->hostname());
        }
        for (const auto& machine : machines_) {
            machine->set_hosts(entries);
        }
    }

    static jujusim::ExecResult sh(jujusim::Machine& machine, const std::string& script,
                                  std::optional<std::string> input = std::nullopt) {
        jujusim::ExecRequest request;
        request.argv = {"/bin/sh", "-c", script};
        request.env = {{"PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"},
                       {"LANG", "C.UTF-8"}};
        request.stdin_data = std::move(input);
        request.timeout = std::chrono::seconds(120);
        return machine.exec(request);
    }

    /// Writes a file inside the machine (through the machine's own `cat`).
    static void put_file(jujusim::Machine& machine, const std::string& path,
                         const std::string& content) {
        const auto result =
            sh(machine, "mkdir -p \"$(dirname '" + path + "')\" && cat > '" + path + "'", content);
        ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    }

    std::unique_ptr<testing_support::TempDir> model_;
    fs::path image_;
    std::shared_ptr<jujusim::Network> network_;
    std::vector<std::unique_ptr<jujusim::NamespaceMachine>> machines_;
};

}  // namespace machine_testing
