// RealHost's program methods against stand-in scripts: argv passes through untouched (no
// shell), apt-get gets DEBIAN_FRONTEND, scontrol is killed when it hangs. The real systemctl,
// apt-get and scontrol never run here.
#include <chrono>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <slurmctld/host/real_host.hpp>

#include "support/temp_dir.hpp"

namespace {

using namespace slurmctld::host;
using testing_support::TempDir;
using testing_support::write_text;

/// Prints each argument on its own line and DEBIAN_FRONTEND on stderr, exits 3.
constexpr const char* kEchoScript =
    "#!/bin/sh\n"
    "for arg in \"$@\"; do printf '%s\\n' \"$arg\"; done\n"
    "printf 'program=%s frontend=%s\\n' \"$(basename \"$0\")\" \"${DEBIAN_FRONTEND-unset}\" >&2\n"
    "exit 3\n";

class RealHostPrograms : public ::testing::Test {
  protected:
    void SetUp() override {
        for (const char* program :
             {"systemctl", "apt-get", "dpkg-query", "rsync", "systemd-detect-virt"}) {
            install_script(program, kEchoScript);
        }
        install_script("scontrol", "#!/bin/sh\nexec sleep 30\n");
        options_.program_directory = bin_.path();
    }

    void install_script(const std::string& name, const std::string& text) {
        write_text(bin_ / name, text);
        ::chmod((bin_ / name).c_str(), 0755);
    }

    TempDir bin_{"slurmctld-bin"};
    RealHostOptions options_;
};

TEST_F(RealHostPrograms, PassesArgumentsVerbatimWithoutAShell) {
    TempDir dir;
    const std::string dangerous = "$(touch " + (dir / "pwned").string() + "); *";
    RealHost host(options_);
    const CommandResult result = host.systemctl({"restart", "a unit with spaces", dangerous});
    EXPECT_EQ(result.exit_code, 3);
    EXPECT_EQ(result.stdout_text, "restart\na unit with spaces\n" + dangerous + "\n");
    EXPECT_FALSE(std::filesystem::exists(dir / "pwned"));
}

TEST_F(RealHostPrograms, EachMethodRunsItsProgram) {
    RealHost host(options_);
    EXPECT_NE(host.systemctl({}).stderr_text.find("program=systemctl "), std::string::npos);
    EXPECT_NE(host.apt_get({}).stderr_text.find("program=apt-get "), std::string::npos);
    EXPECT_NE(host.dpkg_query({}).stderr_text.find("program=dpkg-query "), std::string::npos);
    EXPECT_NE(host.rsync({}).stderr_text.find("program=rsync "), std::string::npos);
    EXPECT_NE(host.systemd_detect_virt({}).stderr_text.find("program=systemd-detect-virt "),
              std::string::npos);
}

TEST_F(RealHostPrograms, AptGetRunsNonInteractively) {
    RealHost host(options_);
    const CommandResult result = host.apt_get({"install", "-y", "slurmctld"});
    EXPECT_EQ(result.stdout_text, "install\n-y\nslurmctld\n");
    EXPECT_NE(result.stderr_text.find("frontend=noninteractive"), std::string::npos);
}

TEST_F(RealHostPrograms, AHungScontrolIsKilledAfterTheTimeout) {
    options_.scontrol_timeout = std::chrono::milliseconds(300);
    RealHost host(options_);
    const auto started = std::chrono::steady_clock::now();
    const CommandResult result = host.scontrol({"ping"});
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(result.exit_code, kCommandTimedOut);
    EXPECT_NE(result.stderr_text.find("scontrol: no answer within 300 ms; killed"),
              std::string::npos)
        << result.stderr_text;
    EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST_F(RealHostPrograms, EveryProgramIsKilledAtItsOwnTimeLimit) {
    for (const char* program :
         {"systemctl", "apt-get", "dpkg-query", "rsync", "systemd-detect-virt"}) {
        install_script(program, "#!/bin/sh\nsleep 30 & wait\n");
    }
    options_.systemctl_timeout = std::chrono::milliseconds(100);
    options_.apt_get_timeout = std::chrono::milliseconds(110);
    options_.dpkg_query_timeout = std::chrono::milliseconds(120);
    options_.rsync_timeout = std::chrono::milliseconds(130);
    options_.systemd_detect_virt_timeout = std::chrono::milliseconds(140);
    RealHost host(options_);
    const auto started = std::chrono::steady_clock::now();
    const std::vector<std::pair<CommandResult, std::string>> results = {
        {host.systemctl({"start", "slurmctld"}), "systemctl: no answer within 100 ms"},
        {host.apt_get({"install", "-y", "slurmctld"}), "apt-get: no answer within 110 ms"},
        {host.dpkg_query({"-W", "slurmctld"}), "dpkg-query: no answer within 120 ms"},
        {host.rsync({"-a", "a/", "b/"}), "rsync: no answer within 130 ms"},
        {host.systemd_detect_virt({"--container"}), "systemd-detect-virt: no answer within 140 ms"},
    };
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
    for (const auto& [result, note] : results) {
        EXPECT_EQ(result.exit_code, kCommandTimedOut) << note;
        EXPECT_NE(result.stderr_text.find(note), std::string::npos) << result.stderr_text;
    }
}

TEST_F(RealHostPrograms, TheDefaultTimeLimitsAreBoundedAndScontrolsIsShort) {
    const RealHostOptions defaults;
    EXPECT_EQ(defaults.scontrol_timeout, std::chrono::seconds(15));
    EXPECT_EQ(defaults.systemctl_timeout, std::chrono::seconds(90));
    EXPECT_EQ(defaults.apt_get_timeout, std::chrono::minutes(10));
    EXPECT_EQ(defaults.dpkg_query_timeout, std::chrono::seconds(30));
    EXPECT_EQ(defaults.rsync_timeout, std::chrono::minutes(5));
    EXPECT_EQ(defaults.systemd_detect_virt_timeout, std::chrono::seconds(10));
}

TEST_F(RealHostPrograms, IndependentChecksRunAtTheSameTimeEachWithItsTimeLimit) {
    // Each program marks that it runs, then waits up to 5 s for the other's mark: only when
    // they run at the same time do both find it.
    TempDir marks;
    const auto meet = [&](const std::string& mine, const std::string& theirs) {
        return "#!/bin/sh\ntouch " + (marks / mine).string() + "\nfor i in $(seq 50); do [ -e " +
               (marks / theirs).string() + " ] && exit 0; sleep 0.1; done\nexit 1\n";
    };
    install_script("systemctl", meet("a", "b"));
    install_script("dpkg-query", meet("b", "a"));
    install_script("scontrol", "#!/bin/sh\nexec sleep 30\n");
    options_.scontrol_timeout = std::chrono::milliseconds(300);
    RealHost host(options_);
    CommandResult first;
    CommandResult second;
    CommandResult hung;
    const auto started = std::chrono::steady_clock::now();
    host.run_concurrently({[&] {
                               first = host.systemctl({"is-active", "slurmctld"});
                           },
                           [&] {
                               second = host.dpkg_query({"-W", "slurmctld"});
                           },
                           [&] { hung = host.scontrol({"ping"}); }});
    const auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(first.exit_code, 0);
    EXPECT_EQ(second.exit_code, 0);
    EXPECT_EQ(hung.exit_code, kCommandTimedOut) << "the hung one ends at its own limit";
    EXPECT_LT(elapsed, std::chrono::seconds(10));
    // A task that throws: the others still run to their end, then the first error is rethrown.
    bool other_ran = false;
    EXPECT_THROW(host.run_concurrently({[] { throw HostError("first"); },
                                        [&] { other_ran = host.rsync({}).exit_code == 3; }}),
                 HostError);
    EXPECT_TRUE(other_ran);
}

TEST_F(RealHostPrograms, AMissingProgramEndsWithExitCode127) {
    std::filesystem::remove(bin_ / "rsync");
    RealHost host(options_);
    const CommandResult result = host.rsync({"--archive", "a", "b"});
    EXPECT_EQ(result.exit_code, 127);
    EXPECT_NE(result.stderr_text.find("rsync"), std::string::npos);
    EXPECT_TRUE(result.stdout_text.empty());
}

TEST(RealHostProgramsOnPath, LooksProgramsUpOnPathByDefault) {
    // rsync in two temp directories is harmless; skip where it is not installed.
    RealHost host;
    if (host.rsync({"--version"}).exit_code == 127) {
        GTEST_SKIP() << "rsync is not installed";
    }
    TempDir dir;
    write_text(dir / "src/file", "content");
    const CommandResult result =
        host.rsync({"--archive", (dir / "src").string(), (dir / "dst").string()});
    ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    EXPECT_EQ(testing_support::read_text(dir / "dst/src/file"), "content");
}

}  // namespace
