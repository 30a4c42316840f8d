// The machine's init as a small systemd, driven through `systemctl` inside a real machine:
// start/stop/restart/reload/enable/status of simple, notify, forking and oneshot services,
// Restart=on-failure, drop-ins, users and runtime directories, exit codes and messages as
// systemd's. Needs root.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "machine_fixture.hpp"

namespace {

using machine_testing::MachineFixture;
using machine_testing::wait_until;
using testing::HasSubstr;
using testing::Not;
using namespace std::chrono_literals;

class ServicesRootTest : public MachineFixture {
  protected:
    void SetUp() override {
        MachineFixture::SetUp();
        if (!HasFatalFailure() && !IsSkipped()) {
            machine_ = &add_machine(0);
        }
    }
    jujusim::ExecResult run(const std::string& script) { return sh(*machine_, script); }
    std::string out(const std::string& script) { return run(script).stdout_text; }
    void unit(const std::string& name, const std::string& text) {
        put_file(*machine_, "/etc/systemd/system/" + name, text);
    }
    std::string property(const std::string& unit_name, const std::string& name) {
        auto text = out("systemctl show -p " + name + " --value " + unit_name);
        if (!text.empty() && text.back() == '\n') {
            text.pop_back();
        }
        return text;
    }
    jujusim::NamespaceMachine* machine_ = nullptr;
};

TEST_F(ServicesRootTest, SimpleServiceStartStatusStop) {
    unit("hello.service",
         "[Unit]\nDescription=Hello service\n[Service]\n"
         "ExecStart=/bin/sh -c 'echo hello from $NAME; echo to stderr >&2; exec sleep infinity'\n"
         "Environment=NAME=jujusim\n[Install]\nWantedBy=multi-user.target\n");
    EXPECT_EQ(run("systemctl is-active hello").exit_code, 3);
    EXPECT_EQ(out("systemctl is-active hello"), "inactive\n");
    auto result = run("systemctl start hello");
    ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    EXPECT_EQ(out("systemctl is-active hello.service"), "active\n");
    EXPECT_EQ(run("systemctl is-active --quiet hello").stdout_text, "");
    EXPECT_EQ(run("systemctl is-active --quiet hello").exit_code, 0);
    const auto main_pid = property("hello", "MainPID");
    EXPECT_NE(main_pid, "0");
    EXPECT_EQ(out("cat /proc/" + main_pid + "/comm"), "sleep\n");
    ASSERT_TRUE(wait_until(
        [&] { return out("systemctl status hello").find("to stderr") != std::string::npos; }, 5s));
    result = run("systemctl status hello");
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_THAT(result.stdout_text, HasSubstr("\u25cf hello.service - Hello service"));
    EXPECT_THAT(result.stdout_text,
                HasSubstr("Loaded: loaded (/etc/systemd/system/hello.service; disabled;"));
    EXPECT_THAT(result.stdout_text, HasSubstr("Active: active (running) since"));
    EXPECT_THAT(result.stdout_text, HasSubstr("Main PID: " + main_pid + " (sleep)"));
    EXPECT_THAT(result.stdout_text,
                HasSubstr("juju-7e57ab-0 sh[" + main_pid + "]: hello from jujusim"));
    EXPECT_THAT(result.stdout_text,
                HasSubstr("systemd[1]: Started hello.service - Hello service."));
    EXPECT_THAT(out("journalctl -u hello --no-pager"), HasSubstr("hello from jujusim"));

    ASSERT_EQ(run("systemctl stop hello").exit_code, 0);
    EXPECT_EQ(out("systemctl is-active hello"), "inactive\n");
    EXPECT_EQ(run("test -e /proc/" + main_pid + " || echo gone").stdout_text, "gone\n");
    result = run("systemctl status hello");
    EXPECT_EQ(result.exit_code, 3);
    EXPECT_THAT(result.stdout_text, HasSubstr("Active: inactive (dead)"));
    EXPECT_THAT(result.stdout_text, HasSubstr("Stopped hello.service - Hello service."));
}

TEST_F(ServicesRootTest, RestartGivesANewMainProcessAndTryRestartOnlyRunsWhenActive) {
    unit("r.service", "[Service]\nExecStart=/bin/sleep infinity\n");
    EXPECT_EQ(run("systemctl try-restart r").exit_code, 0);
    EXPECT_EQ(out("systemctl is-active r"), "inactive\n");
    ASSERT_EQ(run("systemctl restart r").exit_code, 0);  // restart of a stopped unit starts it
    const auto first = property("r", "MainPID");
    ASSERT_EQ(run("systemctl restart r.service").exit_code, 0);
    const auto second = property("r", "MainPID");
    EXPECT_NE(first, second);
    EXPECT_EQ(run("test -e /proc/" + first + " || echo gone").stdout_text, "gone\n");
    ASSERT_EQ(run("systemctl try-restart r").exit_code, 0);
    EXPECT_NE(property("r", "MainPID"), second);
}

TEST_F(ServicesRootTest, EnableDisableAndIsEnabledAsSystemd) {
    unit("e.service",
         "[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n");
    unit("static.service", "[Service]\nExecStart=/bin/sleep infinity\n");
    EXPECT_EQ(out("systemctl is-enabled e"), "disabled\n");
    EXPECT_EQ(run("systemctl is-enabled e").exit_code, 1);
    auto result = run("systemctl enable e");
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.stderr_text,
              "Created symlink '/etc/systemd/system/multi-user.target.wants/e.service' \u2192 "
              "'/etc/systemd/system/e.service'.\n");
    EXPECT_EQ(out("systemctl is-enabled e"), "enabled\n");
    EXPECT_EQ(out("systemctl is-active e"), "inactive\n");  // enable alone starts nothing
    EXPECT_EQ(out("systemctl is-enabled static"), "static\n");
    EXPECT_EQ(run("systemctl is-enabled static").exit_code, 0);
    result = run("systemctl disable --now e");
    EXPECT_EQ(result.stderr_text,
              "Removed '/etc/systemd/system/multi-user.target.wants/e.service'.\n");
    ASSERT_EQ(run("systemctl enable --now e").exit_code, 0);
    EXPECT_EQ(out("systemctl is-active e"), "active\n");
    result = run("systemctl disable --now e");
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(out("systemctl is-active e; systemctl is-enabled e"), "inactive\ndisabled\n");
    // The packages' units: Slurm's are installed, disabled in the image, enable-able.
    EXPECT_EQ(out("systemctl is-enabled slurmctld slurmd sackd munge"),
              "disabled\ndisabled\ndisabled\ndisabled\n");
    result = run("systemctl enable slurmctld");
    EXPECT_THAT(result.stderr_text, HasSubstr("/usr/lib/systemd/system/slurmctld.service"));
    EXPECT_EQ(out("systemctl is-enabled slurmctld"), "enabled\n");
    result = run("systemctl mask munge; systemctl is-enabled munge; systemctl start munge");
    EXPECT_THAT(result.stdout_text, HasSubstr("masked"));
    EXPECT_THAT(result.stderr_text,
                HasSubstr("Failed to start munge.service: Unit munge.service is masked."));
    EXPECT_EQ(run("systemctl unmask munge && systemctl is-enabled munge").stdout_text,
              "disabled\n");
}

TEST_F(ServicesRootTest, UnknownUnitsAnswerLikeSystemd) {
    auto result = run("systemctl start nosuch");
    EXPECT_EQ(result.exit_code, 5);
    EXPECT_EQ(result.stderr_text,
              "Failed to start nosuch.service: Unit nosuch.service not found.\n");
    result = run("systemctl stop nosuch");
    EXPECT_EQ(result.exit_code, 5);
    EXPECT_EQ(result.stderr_text,
              "Failed to stop nosuch.service: Unit nosuch.service not loaded.\n");
    result = run("systemctl is-active nosuch");
    EXPECT_EQ(result.exit_code, 3);
    EXPECT_EQ(result.stdout_text, "inactive\n");
    result = run("systemctl status nosuch");
    EXPECT_EQ(result.exit_code, 4);
    EXPECT_EQ(result.stderr_text, "Unit nosuch.service could not be found.\n");
    result = run("systemctl enable nosuch");
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.stderr_text,
              "Failed to enable unit: Unit file nosuch.service does not exist.\n");
    result = run("systemctl is-enabled nosuch");
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.stderr_text,
              "Failed to get unit file state for nosuch.service: No such file or directory\n");
    result = run("systemctl frobnicate x");
    EXPECT_EQ(result.exit_code, 1);
}

TEST_F(ServicesRootTest, NotifyServiceIsActiveOnlyAfterReadyAndHonoursMainpid) {
    unit("n.service",
         "[Service]\nType=notify\n"
         "ExecStart=/bin/sh -c 'sleep 0.6; sleep infinity & systemd-notify --ready --pid=$! "
         "--status=serving; wait'\n");
    const auto start = std::chrono::steady_clock::now();
    const auto result = run("systemctl start n");
    const auto took = std::chrono::steady_clock::now() - start;
    ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    EXPECT_GE(took, 550ms);  // systemctl start waited for READY=1
    EXPECT_EQ(out("systemctl is-active n"), "active\n");
    const auto main_pid = property("n", "MainPID");
    EXPECT_EQ(out("cat /proc/" + main_pid + "/comm"), "sleep\n");  // MAINPID= was honoured
    EXPECT_THAT(out("systemctl status n"), HasSubstr("Status: \"serving\""));
    EXPECT_EQ(property("n", "SubState"), "running");
}

TEST_F(ServicesRootTest, NotifyServiceThatNeverGetsReadyTimesOut) {
    unit("slow.service",
         "[Service]\nType=notify\nTimeoutStartSec=1\nExecStart=/bin/sleep infinity\n");
    const auto result = run("systemctl start slow");
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.stderr_text,
              "Job for slow.service failed because a timeout was exceeded.\n"
              "See \"systemctl status slow.service\" and \"journalctl -xeu slow.service\" for "
              "details.\n");
    EXPECT_EQ(out("systemctl is-active slow"), "failed\n");
    EXPECT_EQ(run("systemctl is-failed slow").exit_code, 0);
    EXPECT_THAT(out("systemctl status slow"), HasSubstr("Active: failed (Result: timeout)"));
    EXPECT_EQ(out("pgrep -c -x sleep"), "0\n");  // what it started was killed
}

TEST_F(ServicesRootTest, ForkingServiceWithPidFile) {
    unit("f.service",
         "[Service]\nType=forking\nPIDFile=/run/f/f.pid\nRuntimeDirectory=f\n"
         "ExecStart=/bin/sh -c 'setsid sleep infinity >/dev/null 2>&1 & echo $! > /run/f/f.pid'\n");
    ASSERT_EQ(run("systemctl start f").exit_code, 0);
    EXPECT_EQ(out("systemctl is-active f"), "active\n");
    const auto main_pid = property("f", "MainPID");
    EXPECT_EQ(out("cat /run/f/f.pid"), main_pid + "\n");
    EXPECT_TRUE(
        wait_until([&] { return out("cat /proc/" + main_pid + "/comm") == "sleep\n"; }, 3s));
    ASSERT_EQ(run("systemctl stop f").exit_code, 0);
    EXPECT_EQ(run("test -e /proc/" + main_pid + " || echo gone").stdout_text, "gone\n");
    EXPECT_EQ(run("test -e /run/f || echo removed").stdout_text, "removed\n");  // RuntimeDirectory
    // The daemon dying on its own is noticed (it is the init's child after the fork).
    ASSERT_EQ(run("systemctl start f").exit_code, 0);
    run("kill -9 $(cat /run/f/f.pid)");
    EXPECT_TRUE(wait_until([&] { return out("systemctl is-active f") == "failed\n"; }, 5s));
    EXPECT_THAT(out("systemctl status f"), HasSubstr("status=9/KILL"));
}

TEST_F(ServicesRootTest, OneshotServicesAndExecPrePostStopCommands) {
    unit("o.service",
         "[Service]\nType=oneshot\nRemainAfterExit=yes\n"
         "ExecStartPre=/bin/sh -c 'echo pre >> /tmp/o.log'\n"
         "ExecStart=/bin/sh -c 'echo start >> /tmp/o.log'\n"
         "ExecStart=/bin/sh -c 'echo start2 >> /tmp/o.log'\n"
         "ExecStartPost=/bin/sh -c 'echo post >> /tmp/o.log'\n"
         "ExecStop=/bin/sh -c 'echo stop >> /tmp/o.log'\n"
         "ExecStopPost=/bin/sh -c 'echo stoppost >> /tmp/o.log'\n");
    ASSERT_EQ(run("systemctl start o").exit_code, 0);
    EXPECT_EQ(out("systemctl is-active o"), "active\n");
    EXPECT_EQ(property("o", "SubState"), "exited");
    ASSERT_EQ(run("systemctl stop o").exit_code, 0);
    EXPECT_EQ(out("cat /tmp/o.log"), "pre\nstart\nstart2\npost\nstop\nstoppost\n");

    unit("bad.service",
         "[Service]\nType=oneshot\nExecStartPre=-/bin/false\nExecStart=/bin/sh -c 'exit 3'\n");
    const auto result = run("systemctl start bad");
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_THAT(result.stderr_text,
                HasSubstr("failed because the control process exited with error code"));
    EXPECT_THAT(out("systemctl status bad"), HasSubstr("status=3/"));
}

TEST_F(ServicesRootTest, RestartOnFailureRestartsAfterRestartSec) {
    // Fails on its first run, then stays up.
    unit("flaky.service",
         "[Service]\nRestart=on-failure\nRestartSec=300ms\n"
         "ExecStart=/bin/sh -c 'if [ -e /tmp/flaky-ran ]; then exec sleep infinity; fi; touch "
         "/tmp/flaky-ran; exit 2'\n");
    ASSERT_EQ(run("systemctl start flaky").exit_code, 0);
    EXPECT_TRUE(wait_until([&] { return property("flaky", "NRestarts") == "1"; }, 5s));
    EXPECT_TRUE(wait_until([&] { return out("systemctl is-active flaky") == "active\n"; }, 5s));
    const auto log = out("journalctl -u flaky");
    EXPECT_THAT(log, HasSubstr("Main process exited, code=exited, status=2/INVALIDARGUMENT"));
    EXPECT_THAT(log, HasSubstr("Scheduled restart job, restart counter is at 1."));
    // A SIGKILL of the main process is a failure too.
    const auto pid = property("flaky", "MainPID");
    run("kill -9 " + pid);
    EXPECT_TRUE(wait_until(
        [&] {
            return property("flaky", "NRestarts") == "2" &&
                   out("systemctl is-active flaky") == "active\n";
        },
        5s));
    EXPECT_NE(property("flaky", "MainPID"), pid);
    // A stop cancels restarting.
    ASSERT_EQ(run("systemctl stop flaky").exit_code, 0);
    std::this_thread::sleep_for(600ms);
    EXPECT_EQ(out("systemctl is-active flaky"), "inactive\n");

    // Restart=no: a failure stays failed; a crash loop hits the start limit.
    unit("crashy.service", "[Service]\nRestart=always\nRestartSec=50ms\nExecStart=/bin/false\n");
    ASSERT_EQ(run("systemctl start crashy").exit_code, 0);
    EXPECT_TRUE(wait_until([&] { return property("crashy", "Result") == "start-limit-hit"; }, 10s));
    EXPECT_EQ(out("systemctl is-active crashy"), "failed\n");
    EXPECT_THAT(out("journalctl -u crashy"), HasSubstr("Start request repeated too quickly."));
    ASSERT_EQ(run("systemctl reset-failed crashy").exit_code, 0);
    EXPECT_EQ(out("systemctl is-active crashy"), "inactive\n");
}

TEST_F(ServicesRootTest, UserRuntimeDirectoryEnvironmentFileAndLimits) {
    put_file(*machine_, "/etc/default/u", "U_OPTS=\"--alpha --beta\"\nU_ONE='one word'\n");
    unit("u.service",
         "[Service]\nUser=slurm\nGroup=slurm\nRuntimeDirectory=u\nRuntimeDirectoryMode=0750\n"
         "EnvironmentFile=-/etc/default/u\nEnvironmentFile=-/etc/default/"
         "missing\nWorkingDirectory=/tmp\n"
         "LimitNOFILE=4096\nLimitSTACK=infinity\n"
         "ExecStart=/bin/sh -c 'id -un; id -gn; pwd; echo $U_OPTS; echo \"$U_ONE\"; ulimit -n; "
         "ulimit -s; "
         "stat -c \"%U %a\" /run/u; echo $RUNTIME_DIRECTORY; exec sleep infinity' -- $U_OPTS\n");
    ASSERT_EQ(run("systemctl start u").exit_code, 0);
    ASSERT_TRUE(wait_until(
        [&] { return out("journalctl -u u -o cat").find("/run/u\n") != std::string::npos; }, 5s));
    const auto log = out("journalctl -u u -o cat");
    EXPECT_THAT(
        log,
        HasSubstr(
            "slurm\nslurm\n/tmp\n--alpha --beta\none word\n4096\nunlimited\nslurm 750\n/run/u\n"));
    ASSERT_EQ(run("systemctl stop u").exit_code, 0);
    EXPECT_EQ(out("test -e /run/u || echo removed"), "removed\n");
    // A required EnvironmentFile that is missing fails the start.
    unit("needs-env.service",
         "[Service]\nEnvironmentFile=/etc/default/absent\nExecStart=/bin/sleep infinity\n");
    EXPECT_EQ(run("systemctl start needs-env").exit_code, 1);
}

TEST_F(ServicesRootTest, ConditionPathExistsSkipsTheStartQuietly) {
    unit(
        "c.service",
        "[Unit]\nConditionPathExists=/etc/needed.conf\n[Service]\nExecStart=/bin/sleep infinity\n");
    auto result = run("systemctl start c");
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.stderr_text, "");
    EXPECT_EQ(out("systemctl is-active c"), "inactive\n");
    EXPECT_THAT(out("systemctl status c"),
                HasSubstr("ConditionPathExists=/etc/needed.conf was not met"));
    put_file(*machine_, "/etc/needed.conf", "x\n");
    ASSERT_EQ(run("systemctl start c").exit_code, 0);
    EXPECT_EQ(out("systemctl is-active c"), "active\n");
    unit("neg.service",
         "[Unit]\nConditionPathExists=!/etc/needed.conf\n[Service]\nExecStart=/bin/sleep "
         "infinity\n");
    ASSERT_EQ(run("systemctl start neg").exit_code, 0);
    EXPECT_EQ(out("systemctl is-active neg"), "inactive\n");
}

TEST_F(ServicesRootTest, DropInsNeedDaemonReloadAndOverrideExecStart) {
    unit("d.service", "[Service]\nExecStart=/bin/sleep 1001\n");
    ASSERT_EQ(run("systemctl start d").exit_code, 0);
    put_file(*machine_, "/etc/systemd/system/d.service.d/10-override.conf",
             "[Service]\nExecStart=\nExecStart=/bin/sleep 1002\nRestart=on-failure\n");
    EXPECT_EQ(property("d", "NeedDaemonReload"), "yes");
    auto result = run("systemctl restart d");
    EXPECT_THAT(result.stderr_text,
                HasSubstr("changed on disk. Run 'systemctl daemon-reload' to reload units."));
    EXPECT_EQ(out("ps -o args= -p " + property("d", "MainPID")), "/bin/sleep 1001\n");
    ASSERT_EQ(run("systemctl daemon-reload && systemctl restart d").exit_code, 0);
    EXPECT_EQ(out("ps -o args= -p " + property("d", "MainPID")), "/bin/sleep 1002\n");
    EXPECT_EQ(property("d", "Restart"), "on-failure");
    result = run("systemctl status d");
    EXPECT_THAT(result.stdout_text, HasSubstr("Drop-In: /etc/systemd/system/d.service.d"));
    EXPECT_THAT(result.stdout_text, HasSubstr("10-override.conf"));
}

TEST_F(ServicesRootTest, ReloadRunsExecReloadWithMainpid) {
    unit("rl.service",
         "[Service]\nExecStart=/bin/sh -c 'trap \"echo reloaded >> /tmp/rl.log\" HUP; while :; do "
         "sleep 0.1; done'\n"
         "ExecReload=/bin/kill -HUP $MAINPID\n");
    unit("norl.service", "[Service]\nExecStart=/bin/sleep infinity\n");
    ASSERT_EQ(run("systemctl start rl norl").exit_code, 0);
    ASSERT_EQ(run("systemctl reload rl").exit_code, 0);
    EXPECT_TRUE(wait_until([&] { return out("cat /tmp/rl.log 2>/dev/null") == "reloaded\n"; }, 3s));
    auto result = run("systemctl reload norl");
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.stderr_text,
              "Failed to reload norl.service: Job type reload is not applicable for unit "
              "norl.service.\n");
    ASSERT_EQ(run("systemctl reload-or-restart norl").exit_code, 0);  // restart instead
}

TEST_F(ServicesRootTest, KillModeProcessLeavesTheRestAlone) {
    unit("kp.service",
         "[Service]\nKillMode=process\nExecStart=/bin/sh -c 'setsid sleep 1003 & exec sleep "
         "infinity'\n");
    unit("kcg.service", "[Service]\nExecStart=/bin/sh -c 'sleep 1004 & exec sleep infinity'\n");
    ASSERT_EQ(run("systemctl start kp kcg").exit_code, 0);
    ASSERT_TRUE(wait_until([&] { return out("pgrep -c -f 'sleep 100[34]'") == "2\n"; }, 3s));
    ASSERT_EQ(run("systemctl stop kp kcg").exit_code, 0);
    EXPECT_EQ(out("pgrep -f 'sleep 100[34]' | xargs -r ps -o args= -p"), "sleep 1003\n");
}

TEST_F(ServicesRootTest, ShowAndListUnits) {
    unit("s.service", "[Unit]\nDescription=Shown\n[Service]\nExecStart=/bin/sleep infinity\n");
    ASSERT_EQ(run("systemctl start s").exit_code, 0);
    const auto show = out("systemctl show s -p ActiveState -p SubState,LoadState");
    EXPECT_EQ(show, "LoadState=loaded\nActiveState=active\nSubState=running\n");
    EXPECT_EQ(property("s", "NRestarts"), "0");
    EXPECT_THAT(out("systemctl list-units --type=service"), HasSubstr("s.service"));
    EXPECT_THAT(out("systemctl list-units --type=service --no-legend"), Not(HasSubstr("UNIT")));
    EXPECT_THAT(out("systemctl cat s"), HasSubstr("# /etc/systemd/system/s.service\n[Unit]"));
    EXPECT_EQ(out("systemctl is-system-running"), "running\n");
}

TEST_F(ServicesRootTest, OnlyRootMayChangeServices) {
    unit("p.service", "[Service]\nExecStart=/bin/sleep infinity\n");
    const auto result =
        run("setpriv --reuid=nobody --regid=nogroup --clear-groups systemctl start p");
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_THAT(result.stderr_text, HasSubstr("Access denied"));
    EXPECT_EQ(run("setpriv --reuid=nobody --regid=nogroup --clear-groups systemctl is-active p")
                  .stdout_text,
              "inactive\n");
}

}  // namespace
