// Unit files as a jujusim machine's init reads them: parsing, drop-ins, typed settings,
// command lines and variable expansion with systemd's rules. No root needed.
#include <cstdlib>
#include <optional>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <jujusim/image.hpp>
#include <jujusim/unit_file.hpp>

#include "support/temp_dir.hpp"

namespace {

using namespace jujusim::units;
using testing::ElementsAre;
using testing_support::TempDir;
using testing_support::write_text;

// The unit Debian 13 ships for slurmctld 24.11 (slurmctld.service in the trixie package).
constexpr const char* kDebianSlurmctldUnit = R"([Unit]
Description=Slurm controller daemon
After=network-online.target remote-fs.target munge.service sssd.service
Wants=network-online.target
ConditionPathExists=/etc/slurm/slurm.conf
Documentation=man:slurmctld(8)

[Service]
Type=notify
EnvironmentFile=-/etc/default/slurmctld
User=slurm
Group=slurm
RuntimeDirectory=slurmctld
RuntimeDirectoryMode=0755
ExecStart=/usr/sbin/slurmctld --systemd $SLURMCTLD_OPTIONS
ExecReload=/bin/kill -HUP $MAINPID
LimitNOFILE=65536
TasksMax=infinity

# Uncomment the following lines to disable logging through journald.
#StandardOutput=null
#StandardError=null

[Install]
WantedBy=multi-user.target
)";

SpecifierContext context(const std::string& unit) {
    SpecifierContext result;
    result.unit_name = unit;
    return result;
}

UnitFile parse(const std::string& text, const std::string& name = "test.service") {
    UnitFile unit;
    unit.name = name;
    parse_unit_text(text, unit);
    return unit;
}

TEST(UnitFileTest, ParsesTheDebianSlurmctldUnit) {
    const auto unit = parse(kDebianSlurmctldUnit, "slurmctld.service");
    const auto def = to_service_definition(unit, context("slurmctld.service"));
    EXPECT_EQ(def.description, "Slurm controller daemon");
    EXPECT_EQ(def.type, ServiceType::Notify);
    EXPECT_EQ(def.user, "slurm");
    EXPECT_EQ(def.group, "slurm");
    EXPECT_THAT(def.runtime_directories, ElementsAre("slurmctld"));
    EXPECT_EQ(def.runtime_directory_mode, 0755u);
    EXPECT_THAT(def.exec_start, ElementsAre("/usr/sbin/slurmctld --systemd $SLURMCTLD_OPTIONS"));
    EXPECT_THAT(def.exec_reload, ElementsAre("/bin/kill -HUP $MAINPID"));
    ASSERT_EQ(def.environment_files.size(), 1u);
    EXPECT_EQ(def.environment_files[0].first, "/etc/default/slurmctld");
    EXPECT_TRUE(def.environment_files[0].second);
    ASSERT_EQ(def.conditions.size(), 1u);
    EXPECT_EQ(def.conditions[0].path, "/etc/slurm/slurm.conf");
    EXPECT_FALSE(def.conditions[0].negate);
    EXPECT_EQ(def.limits.at(RLIMIT_NOFILE).soft, 65536u);
    EXPECT_THAT(def.after, ElementsAre("network-online.target", "remote-fs.target", "munge.service",
                                       "sssd.service"));
    EXPECT_THAT(def.wanted_by, ElementsAre("multi-user.target"));
    EXPECT_TRUE(def.has_install_section);
    EXPECT_EQ(def.timeout_start, std::chrono::microseconds(std::chrono::seconds(90)));
    EXPECT_TRUE(def.warnings.empty());
}

TEST(UnitFileTest, ContinuationLinesAndCommentsInsideThem) {
    const auto unit =
        parse("[Service]\nExecStart=/bin/echo one \\\n# a comment\n  two\n; another\nUser=x\n");
    EXPECT_EQ(unit.value("Service", "ExecStart"), "/bin/echo one  two");
    EXPECT_EQ(unit.value("Service", "User"), "x");
}

TEST(UnitFileTest, ListSettingsResetOnEmptyAssignment) {
    const auto unit = parse(
        "[Service]\nExecStart=/a\nExecStart=\nExecStart=/b\nExecStartPre=/p1\nExecStartPre=/p2\n");
    EXPECT_THAT(unit.values("Service", "ExecStart"), ElementsAre("/b"));
    EXPECT_THAT(unit.values("Service", "ExecStartPre"), ElementsAre("/p1", "/p2"));
}

TEST(UnitFileTest, DropInsOverrideInFileNameOrderAndHigherDirectoriesWin) {
    TempDir root("unit-dirs");
    const auto dirs = default_unit_dirs(root.path());
    write_text(root / "usr/lib/systemd/system/slurmctld.service", kDebianSlurmctldUnit);
    // The charm's drop-in (as upstream writes it), one more in /run, and a lower-priority
    // drop-in with the same name as one in /etc (it must be hidden).
    write_text(root / "etc/systemd/system/slurmctld.service.d/10-charmed-hpc.conf",
               "[Service]\nLimitMEMLOCK=infinity\nLimitNOFILE=1048576\nRestart=on-"
               "failure\nRestartSec=10\n");
    write_text(root / "run/systemd/system/slurmctld.service.d/20-exec.conf",
               "[Service]\nExecStart=\nExecStart=/usr/sbin/slurmctld -D\n");
    write_text(root / "usr/lib/systemd/system/slurmctld.service.d/10-charmed-hpc.conf",
               "[Service]\nRestart=always\n");
    const auto unit = load_unit("slurmctld", dirs);
    ASSERT_TRUE(unit);
    EXPECT_EQ(unit->name, "slurmctld.service");
    EXPECT_EQ(unit->fragment_path, root / "usr/lib/systemd/system/slurmctld.service");
    ASSERT_EQ(unit->dropin_paths.size(), 2u);
    EXPECT_EQ(unit->dropin_paths[0],
              root / "etc/systemd/system/slurmctld.service.d/10-charmed-hpc.conf");
    EXPECT_EQ(unit->dropin_paths[1], root / "run/systemd/system/slurmctld.service.d/20-exec.conf");
    const auto def = to_service_definition(*unit, context("slurmctld.service"));
    EXPECT_EQ(def.restart, RestartPolicy::OnFailure);
    EXPECT_EQ(def.restart_sec, std::chrono::seconds(10));
    EXPECT_EQ(def.limits.at(RLIMIT_NOFILE).hard, 1048576u);
    EXPECT_EQ(def.limits.at(RLIMIT_MEMLOCK).soft, RLIM_INFINITY);
    EXPECT_THAT(def.exec_start, ElementsAre("/usr/sbin/slurmctld -D"));
}

TEST(UnitFileTest, EtcOverridesTheVendorUnitAndDevNullMasks) {
    TempDir root("unit-dirs");
    const auto dirs = default_unit_dirs(root.path());
    write_text(root / "usr/lib/systemd/system/a.service", "[Service]\nExecStart=/vendor\n");
    write_text(root / "etc/systemd/system/a.service", "[Service]\nExecStart=/local\n");
    auto unit = load_unit("a.service", dirs);
    ASSERT_TRUE(unit);
    EXPECT_EQ(unit->value("Service", "ExecStart"), "/local");

    write_text(root / "usr/lib/systemd/system/b.service", "[Service]\nExecStart=/vendor\n");
    std::filesystem::create_symlink("/dev/null", root / "etc/systemd/system/b.service");
    unit = load_unit("b", dirs);
    ASSERT_TRUE(unit);
    EXPECT_TRUE(unit->masked);

    EXPECT_FALSE(load_unit("missing.service", dirs));
}

TEST(UnitFileTest, NormalizesNames) {
    EXPECT_EQ(normalize_unit_name("slurmctld"), "slurmctld.service");
    EXPECT_EQ(normalize_unit_name("slurmctld.service"), "slurmctld.service");
    EXPECT_EQ(normalize_unit_name("multi-user.target"), "multi-user.target");
}

TEST(UnitCommandLineTest, DollarWordSplitsAndBracesKeepOneWord) {
    const Environment env = {
        {"OPTS", "--conf-server a:6817,b:6817  -Z"}, {"ONE", "x y"}, {"EMPTY", ""}};
    const auto commands =
        parse_commands("/usr/sbin/slurmd --systemd $OPTS ${ONE} pre${ONE}post $EMPTY $UNSET", env);
    ASSERT_EQ(commands.size(), 1u);
    EXPECT_EQ(commands[0].path, "/usr/sbin/slurmd");
    EXPECT_THAT(commands[0].argv, ElementsAre("/usr/sbin/slurmd", "--systemd", "--conf-server",
                                              "a:6817,b:6817", "-Z", "x y", "prex ypost"));
}

TEST(UnitCommandLineTest, EmbeddedDollarWithoutBracesIsLiteralAndDoubleDollarEscapes) {
    const auto commands = parse_commands("/bin/echo a$HOME $$HOME", {{"HOME", "/root"}});
    ASSERT_EQ(commands.size(), 1u);
    EXPECT_THAT(commands[0].argv, ElementsAre("/bin/echo", "a$HOME", "$HOME"));
}

TEST(UnitCommandLineTest, MainpidForExecReload) {
    const auto commands = parse_commands("/bin/kill -HUP $MAINPID", {{"MAINPID", "4242"}});
    ASSERT_EQ(commands.size(), 1u);
    EXPECT_THAT(commands[0].argv, ElementsAre("/bin/kill", "-HUP", "4242"));
}

TEST(UnitCommandLineTest, PrefixesQuotesAndSeparators) {
    const auto commands = parse_commands(
        R"(-@/bin/sh mysh -c "echo 'a b'; true" ; :/bin/echo $X \; "c\td")", {{"X", "no"}});
    ASSERT_EQ(commands.size(), 2u);
    EXPECT_TRUE(commands[0].ignore_failure);
    EXPECT_EQ(commands[0].path, "/bin/sh");
    EXPECT_THAT(commands[0].argv, ElementsAre("mysh", "-c", "echo 'a b'; true"));
    EXPECT_FALSE(commands[1].ignore_failure);
    EXPECT_THAT(commands[1].argv, ElementsAre("/bin/echo", "$X", ";", "c\td"));
}

TEST(UnitCommandLineTest, PlusPrefixRunsPrivileged) {
    const auto commands = parse_commands("+/bin/true", {});
    ASSERT_EQ(commands.size(), 1u);
    EXPECT_TRUE(commands[0].privileged);
}

TEST(UnitEnvironmentTest, EnvironmentAssignments) {
    EXPECT_THAT(parse_environment_assignments(R"(A=1 "B=two words" C='x y' bad-name=1 D=)"),
                ElementsAre(std::pair<std::string, std::string>{"A", "1"},
                            std::pair<std::string, std::string>{"B", "two words"},
                            std::pair<std::string, std::string>{"C", "x y"},
                            std::pair<std::string, std::string>{"D", ""}));
}

TEST(UnitEnvironmentTest, EnvironmentFileLikeDebianDefaults) {
    const auto vars = parse_environment_file(
        "# Additional options that are passed to the slurmd daemon\n"
        "#SLURMD_OPTIONS=\"\"\n"
        "SLURMD_OPTIONS=\"--conf-server juju-1:6817,juju-2:6817 -Z --conf "
        "\\\"Features=compute\\\"\"\n"
        "  PLAIN=value with spaces   \n"
        "SINGLE='it''s'\n"
        "export EXPORTED=yes\n"
        "CONT=a\\\nb\n"
        "; comment\n"
        "NOEQUALS\n");
    ASSERT_EQ(vars.size(), 5u);
    EXPECT_EQ(vars[0].first, "SLURMD_OPTIONS");
    EXPECT_EQ(vars[0].second,
              "--conf-server juju-1:6817,juju-2:6817 -Z --conf \"Features=compute\"");
    EXPECT_EQ(vars[1].second, "value with spaces");
    EXPECT_EQ(vars[2].second, "its");
    EXPECT_EQ(vars[3].first, "EXPORTED");
    EXPECT_EQ(vars[4].second, "ab");
}

TEST(UnitEnvironmentTest, SpecifiersInSettings) {
    SpecifierContext context{"foo@bar.service", "slurm", "/var/lib/slurm", "juju-1"};
    EXPECT_EQ(expand_specifiers("%n %N %p %i %t/%p %% %H", context),
              "foo@bar.service foo@bar foo bar /run/foo % juju-1");
}

TEST(UnitValueTest, TimeSpans) {
    using std::chrono::microseconds;
    EXPECT_EQ(parse_timespan("90"), microseconds(90'000'000));
    EXPECT_EQ(parse_timespan("1min 30s"), microseconds(90'000'000));
    EXPECT_EQ(parse_timespan("1min30s"), microseconds(90'000'000));
    EXPECT_EQ(parse_timespan("500ms"), microseconds(500'000));
    EXPECT_EQ(parse_timespan("2h"), microseconds(7'200'000'000));
    EXPECT_EQ(parse_timespan("infinity"), std::nullopt);
    EXPECT_THROW(parse_timespan("soon"), std::invalid_argument);
}

TEST(UnitValueTest, ResourceLimits) {
    EXPECT_EQ(parse_resource_limit("65536")->soft, 65536u);
    EXPECT_EQ(parse_resource_limit("infinity")->hard, RLIM_INFINITY);
    const auto pair = parse_resource_limit("1024:4096");
    EXPECT_EQ(pair->soft, 1024u);
    EXPECT_EQ(pair->hard, 4096u);
    EXPECT_EQ(parse_resource_limit("8M")->soft, 8u << 20);
    EXPECT_FALSE(parse_resource_limit("lots"));
}

TEST(UnitServiceDefinitionTest, DefaultsAndTypes) {
    auto def =
        to_service_definition(parse("[Service]\nExecStart=/bin/true\n"), context("t.service"));
    EXPECT_EQ(def.type, ServiceType::Simple);
    EXPECT_EQ(def.restart, RestartPolicy::No);
    EXPECT_EQ(def.kill_mode, KillMode::ControlGroup);
    EXPECT_EQ(def.restart_sec, std::chrono::milliseconds(100));
    def = to_service_definition(parse("[Service]\nExecStop=/bin/true\n"), context("t.service"));
    EXPECT_EQ(def.type, ServiceType::Oneshot);  // no ExecStart and no Type=
    def = to_service_definition(
        parse("[Service]\nType=forking\nPIDFile=/run/%N.pid\nKillMode=process\nKillSignal=SIGINT\n"
              "TimeoutStopSec=5\nTimeoutStartSec=infinity\nRestart=on-abort\nSuccessExitStatus=3 "
              "SIGUSR1\n"
              "WorkingDirectory=-/nonexistent\n[Unit]\nConditionPathExists=!/etc/skip\n"),
        context("munge.service"));
    EXPECT_EQ(def.type, ServiceType::Forking);
    EXPECT_EQ(def.pid_file, "/run/munge.pid");
    EXPECT_EQ(def.kill_mode, KillMode::Process);
    EXPECT_EQ(def.kill_signal, SIGINT);
    EXPECT_EQ(def.timeout_stop, std::chrono::microseconds(5'000'000));
    EXPECT_EQ(def.timeout_start, std::nullopt);
    EXPECT_EQ(def.restart, RestartPolicy::OnAbort);
    EXPECT_THAT(def.success_exit_status, ElementsAre(3, 128 + SIGUSR1));
    EXPECT_TRUE(def.working_directory_optional);
    ASSERT_EQ(def.conditions.size(), 1u);
    EXPECT_TRUE(def.conditions[0].negate);
    EXPECT_EQ(def.conditions[0].path, "/etc/skip");
}

TEST(UnitServiceDefinitionTest, InvalidValuesAreIgnoredWithAWarning) {
    const auto def = to_service_definition(
        parse("[Service]\nExecStart=/bin/true\nRestart=sometimes\nLimitNOFILE=many\n"),
        context("t.service"));
    EXPECT_EQ(def.restart, RestartPolicy::No);
    EXPECT_EQ(def.limits.count(RLIMIT_NOFILE), 0u);
    EXPECT_EQ(def.warnings.size(), 2u);
}

TEST(MachineImageTest, StampDecidesWhetherTheImageIsCurrent) {
    TempDir images("images");
    auto spec = jujusim::ImageSpec::debian13_slurm();
    EXPECT_FALSE(jujusim::image_is_current(spec, images.path()));
    EXPECT_EQ(jujusim::image_path(spec, images.path()), images / "debian-13-slurm");
    auto sorted = spec.packages;
    std::sort(sorted.begin(), sorted.end());
    std::string packages;
    for (const auto& p : sorted) {
        packages += (packages.empty() ? "\"" : ",\"") + p + "\"";
    }
    write_text(images / "debian-13-slurm/etc/jujusim-image.json",
               R"({"recipe": )" + std::to_string(jujusim::kImageRecipe) +
                   R"(, "name": "debian-13-slurm", "suite": "trixie", "packages": [)" + packages +
                   R"(], "versions": {"slurmctld": "24.11.5-4+deb13u1"}})");
    EXPECT_TRUE(jujusim::image_is_current(spec, images.path()));
    EXPECT_EQ(jujusim::read_image_stamp(images / "debian-13-slurm").versions.front().second,
              "24.11.5-4+deb13u1");
    spec.packages.push_back("htop");  // a changed package list means a rebuild
    EXPECT_FALSE(jujusim::image_is_current(spec, images.path()));
}

TEST(MachineImageTest, TheAptImageHasNoSlurmAndARepositoryForIt) {
    const auto apt = jujusim::ImageSpec::debian13_apt();
    EXPECT_EQ(apt.name, "debian-13-apt");
    for (const auto* package : {"slurmctld", "slurmd", "munge", "rsync"}) {
        EXPECT_EQ(std::count(apt.packages.begin(), apt.packages.end(), package), 0) << package;
        EXPECT_EQ(
            std::count(apt.repository_packages.begin(), apt.repository_packages.end(), package), 1)
            << package;
    }
    EXPECT_TRUE(jujusim::ImageSpec::debian13_slurm().repository_packages.empty());
    EXPECT_EQ(jujusim::ImageSpec::named("debian-13-apt")->name, "debian-13-apt");
    EXPECT_EQ(jujusim::ImageSpec::named("debian-13-build")->name, "debian-13-build");
    EXPECT_FALSE(jujusim::ImageSpec::named("ubuntu-24.04"));
}

TEST(MachineImageTest, TheRepositoryPackagesAreInTheStamp) {
    TempDir images("images");
    auto spec = jujusim::ImageSpec::debian13_apt();
    const auto quoted = [](std::vector<std::string> names) {
        std::sort(names.begin(), names.end());
        std::string text;
        for (const auto& name : names) {
            text += (text.empty() ? "\"" : ",\"") + name + "\"";
        }
        return text;
    };
    const std::string head = R"({"recipe": )" + std::to_string(jujusim::kImageRecipe) +
                             R"(, "name": "debian-13-apt", "suite": "trixie", "packages": [)" +
                             quoted(spec.packages) + "]";
    write_text(images / "debian-13-apt/etc/jujusim-image.json", head + "}");
    EXPECT_FALSE(jujusim::image_is_current(spec, images.path()));  // built without a repository
    write_text(images / "debian-13-apt/etc/jujusim-image.json",
               head + R"(, "repository_packages": [)" + quoted(spec.repository_packages) + "]}");
    EXPECT_TRUE(jujusim::image_is_current(spec, images.path()));
    spec.repository_packages.push_back("slurmdbd");
    EXPECT_FALSE(jujusim::image_is_current(spec, images.path()));
}

/// Restores an environment variable when the test ends.
class SavedVariable {
  public:
    explicit SavedVariable(const char* name) : name_(name) {
        if (const char* value = std::getenv(name)) {
            value_ = value;
        }
    }
    ~SavedVariable() {
        if (value_) {
            ::setenv(name_, value_->c_str(), 1);
        } else {
            ::unsetenv(name_);
        }
    }
    SavedVariable(const SavedVariable&) = delete;
    SavedVariable& operator=(const SavedVariable&) = delete;

  private:
    const char* name_;
    std::optional<std::string> value_;
};

TEST(MachineImageTest, ImagesDirectoryFollowsTheEnvironment) {
    SavedVariable images("JUJUSIM_IMAGES");
    SavedVariable home("JUJUSIM_HOME");
    ::setenv("JUJUSIM_IMAGES", "/srv/images", 1);
    EXPECT_EQ(jujusim::default_images_dir(), "/srv/images");
    ::unsetenv("JUJUSIM_IMAGES");
    ::setenv("JUJUSIM_HOME", "/tmp/jh", 1);
    EXPECT_EQ(jujusim::default_images_dir(), "/tmp/jh/images");
    ::unsetenv("JUJUSIM_HOME");
    EXPECT_EQ(jujusim::default_images_dir(), "/var/lib/jujusim/images");
    const auto mirror = jujusim::host_debian_mirror();
    EXPECT_EQ(mirror.substr(mirror.size() - 7), "/debian");
}

}  // namespace
