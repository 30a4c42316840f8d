// The project's de-risking smoke test: real Slurm 24.11 (Debian 13 packages) in two jujusim
// machines, started through their own systemctl with the Debian units (slurmctld:
// Type=notify, User=slurm, RuntimeDirectory=slurmctld), auth/slurm with a slurm.jwks, the
// StateSaveLocation on a directory both machines bind-mount (the "shared file system").
// Checks: both controllers UP, a batch job writes its output, and after a SIGKILL of the
// primary's slurmctld the backup takes over. Needs root; takes about half a minute.
#include <iostream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "machine_fixture.hpp"

namespace {

using machine_testing::MachineFixture;
using machine_testing::wait_until;
using testing::HasSubstr;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr uid_t kSlurmUid = 64030;  // Debian's fixed uid/gid for slurm

std::string slurm_conf(const std::string& primary, const std::string& backup,
                       const std::string& node) {
    return "ClusterName=jujusim\n"
           "SlurmctldHost=" +
           primary +
           "\n"
           "SlurmctldHost=" +
           backup +
           "\n"
           "SlurmctldTimeout=5\n"
           "SlurmdTimeout=60\n"
           "MessageTimeout=10\n"
           "SlurmUser=slurm\n"
           "SlurmdUser=root\n"
           "AuthType=auth/slurm\n"
           "CredType=cred/slurm\n"
           "StateSaveLocation=/srv/slurm-state\n"
           "SlurmdSpoolDir=/var/lib/slurm/slurmd\n"
           "SlurmctldPidFile=/run/slurmctld/slurmctld.pid\n"
           "SlurmdPidFile=/run/slurm/slurmd.pid\n"
           "SlurmctldLogFile=/var/log/slurm/slurmctld.log\n"
           "SlurmdLogFile=/var/log/slurm/slurmd.log\n"
           "SlurmctldDebug=info\n"
           "SlurmdDebug=info\n"
           "LogTimeFormat=iso8601_ms\n"
           "ProctrackType=proctrack/linuxproc\n"
           "TaskPlugin=task/none\n"
           "JobAcctGatherType=jobacct_gather/none\n"
           "AccountingStorageType=accounting_storage/none\n"
           "MpiDefault=none\n"
           "MailProg=/bin/true\n"
           "SchedulerType=sched/backfill\n"
           "SelectType=select/cons_tres\n"
           "SelectTypeParameters=CR_Core\n"
           "ReturnToService=2\n"
           "NodeName=" +
           node +
           " CPUs=2 Sockets=1 CoresPerSocket=2 ThreadsPerCore=1 RealMemory=1000 State=UNKNOWN\n"
           "PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP\n";
}

class SlurmSmokeRootTest : public MachineFixture {
  protected:
    /// Runs a script, logging it and its output (this test is also a record of how Slurm behaves).
    jujusim::ExecResult run(jujusim::Machine& machine, const std::string& script) {
        const auto result = sh(machine, script);
        std::cerr << "[" << machine.hostname() << "]$ " << script << "  -> " << result.exit_code
                  << "\n"
                  << result.stdout_text << result.stderr_text;
        return result;
    }
};

TEST_F(SlurmSmokeRootTest, TwoControllersOneNodeJobAndFailover) {
    auto& primary = add_machine(0);
    auto& backup = add_machine(1);
    publish_hosts();
    const std::string conf = slurm_conf(primary.hostname(), backup.hostname(), backup.hostname());

    // The shared StateSaveLocation, owned by SlurmUser (Slurm refuses anything else).
    const fs::path state = model_->path() / "shared/slurm-state";
    fs::create_directories(state);
    ASSERT_EQ(::chown(state.c_str(), kSlurmUid, kSlurmUid), 0);
    for (auto* machine : {&primary, &backup}) {
        machine->bind_mount(state, "/srv/slurm-state");
    }

    // One key for both, in the multi-key format the upstream charm writes (standard base64).
    const auto key = sh(primary, "openssl rand -base64 2048 | tr -d '\\n'").stdout_text;
    ASSERT_EQ(key.size(), 2732u);
    const std::string jwks =
        R"({"keys": [{"alg": "HS256", "kty": "oct", "kid": "5b0b9f4e-1c1e-4f0e-9a53-6d1f2d7b8c11", "k": ")" +
        key + "\"}]}";
    for (auto* machine : {&primary, &backup}) {
        put_file(*machine, "/etc/slurm/slurm.conf", conf);
        put_file(*machine, "/etc/slurm/cgroup.conf", "CgroupPlugin=disabled\n");
        put_file(*machine, "/etc/slurm/slurm.jwks", jwks);
        ASSERT_EQ(
            run(*machine,
                "chown slurm:slurm /etc/slurm/slurm.jwks && chmod 0600 /etc/slurm/slurm.jwks && "
                "chmod 0644 /etc/slurm/slurm.conf /etc/slurm/cgroup.conf")
                .exit_code,
            0);
    }

    // slurmctld through systemctl with the Debian unit, primary first.
    auto started = std::chrono::steady_clock::now();
    auto result = run(primary, "systemctl start slurmctld");
    ASSERT_EQ(result.exit_code, 0)
        << run(primary, "systemctl status slurmctld; tail -30 /var/log/slurm/slurmctld.log")
               .stdout_text;
    std::cerr << "primary slurmctld start (until READY=1) took "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
              << " s\n";
    started = std::chrono::steady_clock::now();
    result = run(backup, "systemctl start slurmctld");
    ASSERT_EQ(result.exit_code, 0)
        << run(backup, "systemctl status slurmctld; tail -30 /var/log/slurm/slurmctld.log")
               .stdout_text;
    std::cerr << "backup slurmctld start took "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()
              << " s\n";
    result = run(backup, "systemctl start slurmd");
    ASSERT_EQ(result.exit_code, 0)
        << run(backup, "systemctl status slurmd; tail -30 /var/log/slurm/slurmd.log").stdout_text;

    run(primary, "systemctl status slurmctld --no-pager; ls -la /run/slurmctld /srv/slurm-state");
    run(backup, "systemctl status slurmd --no-pager; ls -la /run/slurm");

    // Both controllers answer.
    ASSERT_TRUE(wait_until(
        [&] {
            const auto ping = sh(backup, "scontrol ping").stdout_text;
            return ping.find("Slurmctld(primary) at " + primary.hostname() + " is UP") !=
                       std::string::npos &&
                   ping.find("Slurmctld(backup) at " + backup.hostname() + " is UP") !=
                       std::string::npos;
        },
        60s))
        << run(backup, "scontrol ping").stdout_text;
    EXPECT_THAT(run(primary, "scontrol ping").stdout_text,
                HasSubstr("Slurmctld(backup) at " + backup.hostname() + " is UP"));
    EXPECT_THAT(run(primary, "systemctl status slurmctld").stdout_text,
                HasSubstr("Running as primary controller"));

    // The node registers and a batch job writes its output.
    ASSERT_TRUE(
        wait_until([&] { return sh(backup, "sinfo -h -o %T").stdout_text == "idle\n"; }, 60s))
        << run(backup, "sinfo; scontrol show node; tail -20 /var/log/slurm/slurmd.log").stdout_text;
    result =
        run(primary, "sbatch --parsable -o /tmp/job-%j.out --wrap 'echo hello from $(hostname)'");
    ASSERT_EQ(result.exit_code, 0);
    const std::string job = result.stdout_text.substr(0, result.stdout_text.find('\n'));
    ASSERT_TRUE(wait_until(
        [&] {
            return sh(backup, "cat /tmp/job-" + job + ".out").stdout_text ==
                   "hello from " + backup.hostname() + "\n";
        },
        60s))
        << run(backup, "scontrol show job " + job + "; tail -20 /var/log/slurm/slurmd.log")
               .stdout_text;
    ASSERT_TRUE(wait_until(
        [&] {
            return sh(primary, "scontrol show job " + job).stdout_text.find("JobState=COMPLETED") !=
                   std::string::npos;
        },
        30s));

    // A long job, saved to the shared StateSaveLocation before the crash (slurmctld saves at
    // most every 5 s), then a SIGKILL of the primary's slurmctld.
    result = run(primary, "sbatch --parsable -o /dev/null --wrap 'sleep 300'");
    ASSERT_EQ(result.exit_code, 0);
    const std::string long_job = result.stdout_text.substr(0, result.stdout_text.find('\n'));
    ASSERT_TRUE(wait_until(
        [&] {
            return sh(primary, "squeue -h -j " + long_job + " -o %T").stdout_text == "RUNNING\n";
        },
        30s));
    std::this_thread::sleep_for(7s);
    const auto killed_at = std::chrono::steady_clock::now();
    ASSERT_EQ(run(primary, "systemctl kill -s KILL slurmctld").exit_code, 0);
    // "In control" = answers as the controller with a client config naming only it.
    run(backup,
        "sed '0,/^SlurmctldHost=/{/^SlurmctldHost=/d}' /etc/slurm/slurm.conf > "
        "/etc/slurm/probe-backup.conf");
    ASSERT_TRUE(wait_until(
        [&] {
            return sh(backup, "SLURM_CONF=/etc/slurm/probe-backup.conf timeout 3 squeue -h -o %i")
                       .exit_code == 0;
        },
        40s))
        << run(backup, "tail -20 /var/log/slurm/slurmctld.log").stdout_text;
    const double takeover =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - killed_at).count();
    std::cerr << "backup in control " << takeover << " s after the SIGKILL of the primary\n";
    EXPECT_LT(takeover, 25.0);
    EXPECT_EQ(run(primary, "systemctl is-active slurmctld").stdout_text, "failed\n");
    ASSERT_TRUE(wait_until(
        [&] {
            return sh(backup, "systemctl status slurmctld")
                       .stdout_text.find("Running as primary controller") != std::string::npos;
        },
        10s));
    result = run(backup, "scontrol ping");
    EXPECT_THAT(result.stdout_text,
                HasSubstr("Slurmctld(primary) at " + primary.hostname() + " is DOWN"));
    EXPECT_THAT(result.stdout_text,
                HasSubstr("Slurmctld(backup) at " + backup.hostname() + " is UP"));
    EXPECT_EQ(run(backup, "squeue -h -j " + long_job + " -o %T").stdout_text, "RUNNING\n");
    EXPECT_EQ(run(backup, "sbatch --parsable -o /dev/null --wrap true").exit_code, 0);
    run(backup, "systemctl status slurmctld --no-pager -n 15");
}

}  // namespace
