// NamespaceMachine and Network with real namespaces: boot, hostname and address, the model
// network (reachable by name, nothing else reachable), exec, power cuts, the disk across boots,
// shared bind mounts, and a teardown that leaves nothing behind. Needs root.
#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>

#include <slurmctld/util/proc.hpp>

#include "machine_fixture.hpp"

namespace {

using machine_testing::MachineFixture;
using machine_testing::wait_until;
using testing::HasSubstr;
using testing::Not;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

class NamespaceMachineRootTest : public MachineFixture {};

std::string readlink_or_empty(const fs::path& path) {
    std::error_code ec;
    const auto target = fs::read_symlink(path, ec);
    return ec ? std::string() : target.string();
}

std::vector<pid_t> all_pids() {
    std::vector<pid_t> pids;
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const auto name = entry.path().filename().string();
        if (!name.empty() && std::all_of(name.begin(), name.end(), ::isdigit)) {
            pids.push_back(std::stoi(name));
        }
    }
    return pids;
}

/// Host PIDs of every process in the PID namespace of `init_pid`.
std::set<pid_t> processes_in_pid_namespace(pid_t init_pid) {
    const auto ns = readlink_or_empty("/proc/" + std::to_string(init_pid) + "/ns/pid");
    std::set<pid_t> pids;
    for (const pid_t pid : all_pids()) {
        if (!ns.empty() && readlink_or_empty("/proc/" + std::to_string(pid) + "/ns/pid") == ns) {
            pids.insert(pid);
        }
    }
    return pids;
}

std::vector<std::string> mount_points() {
    std::ifstream in("/proc/self/mountinfo");
    std::vector<std::string> points;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, point;
        fields >> id >> parent >> devno >> root >> point;
        points.push_back(point);
    }
    std::sort(points.begin(), points.end());
    return points;
}

std::vector<std::string> host_ipv4_addresses() {
    std::vector<std::string> addresses;
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) {
        return addresses;
    }
    for (const ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_addr != nullptr && entry->ifa_addr->sa_family == AF_INET) {
            char text[INET_ADDRSTRLEN];
            const auto* in = reinterpret_cast<const sockaddr_in*>(entry->ifa_addr);
            ::inet_ntop(AF_INET, &in->sin_addr, text, sizeof text);
            addresses.emplace_back(text);
        }
    }
    ::freeifaddrs(list);
    return addresses;
}

std::set<std::string> host_links() {
    std::set<std::string> links;
    for (const auto& entry : fs::directory_iterator("/sys/class/net")) {
        links.insert(entry.path().filename().string());
    }
    return links;
}

TEST_F(NamespaceMachineRootTest, BootsWithItsHostnameAddressAndOwnFileSystems) {
    auto& machine = add_machine(0);
    EXPECT_TRUE(machine.is_running());
    EXPECT_GT(machine.init_pid(), 1);
    const auto result =
        sh(machine,
           "hostname; cat /etc/hostname; ip -4 -o addr show dev eth0 | awk '{print $4}'; "
           "ip -o link show lo | grep -c LOOPBACK,UP; cat /proc/1/comm; echo $$; "
           "findmnt -n -o FSTYPE /; findmnt -n -o FSTYPE /run; findmnt -n -o FSTYPE /tmp; "
           "findmnt -n -o OPTIONS /sys | cut -d, -f1; findmnt -n -o TARGET /var/lib/juju; "
           "cat /proc/sys/net/ipv6/conf/all/disable_ipv6; ls /dev | tr '\\n' ' '");
    ASSERT_EQ(result.exit_code, 0) << result.stderr_text;
    std::istringstream lines(result.stdout_text);
    std::string hostname, etc_hostname, address, lo_up, comm, shell_pid, root_fs, run_fs, tmp_fs,
        sys_options, juju, ipv6, dev;
    std::getline(lines, hostname);
    std::getline(lines, etc_hostname);
    std::getline(lines, address);
    std::getline(lines, lo_up);
    std::getline(lines, comm);
    std::getline(lines, shell_pid);
    std::getline(lines, root_fs);
    std::getline(lines, run_fs);
    std::getline(lines, tmp_fs);
    std::getline(lines, sys_options);
    std::getline(lines, juju);
    std::getline(lines, ipv6);
    std::getline(lines, dev);
    EXPECT_EQ(hostname, "juju-7e57ab-0");
    EXPECT_EQ(etc_hostname, "juju-7e57ab-0");
    EXPECT_EQ(address, "10.77.0.10/16");
    EXPECT_EQ(lo_up, "1");
    EXPECT_EQ(comm, "jujusim-machine");  // the init is PID 1 of the machine
    EXPECT_GT(std::stoi(shell_pid), 1);
    EXPECT_LT(std::stoi(shell_pid), 1000);  // a PID of the machine's own namespace
    EXPECT_EQ(root_fs, "overlay");
    EXPECT_EQ(run_fs, "tmpfs");
    EXPECT_EQ(tmp_fs, "tmpfs");
    EXPECT_EQ(sys_options, "ro");
    EXPECT_EQ(juju, "/var/lib/juju");
    EXPECT_EQ(ipv6, "1");
    EXPECT_THAT(dev, HasSubstr("null"));
    EXPECT_THAT(dev, Not(HasSubstr("vda")));  // no host block devices

    // The overlay root exists only in the machine's mount namespace.
    EXPECT_TRUE(fs::is_empty(model_->path() / "machines/0/root"));
    // /var/lib/juju is the host's juju directory.
    std::ofstream(machine.juju_dir_on_host() / "from-host") << "hi\n";
    EXPECT_EQ(sh(machine, "cat /var/lib/juju/from-host").stdout_text, "hi\n");
}

TEST_F(NamespaceMachineRootTest, DetectsAContainer) {
    auto& machine = add_machine(0);
    auto result = sh(machine, "systemd-detect-virt --container");
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.stdout_text, "container-other\n");
    result = sh(machine, "systemd-detect-virt");
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.stdout_text, "container-other\n");
    EXPECT_EQ(sh(machine, "systemd-detect-virt --vm").exit_code, 1);
}

TEST_F(NamespaceMachineRootTest, MachinesReachEachOtherByNameAndNothingElse) {
    auto& first = add_machine(0);
    auto& second = add_machine(1);
    publish_hosts();
    auto result = sh(first, "ping -c1 -W2 juju-7e57ab-1 >/dev/null && echo ok");
    EXPECT_EQ(result.stdout_text, "ok\n") << result.stderr_text;
    // A TCP round trip by name: a listener on the second machine, a client on the first.
    jujusim::ExecRequest listen;
    listen.argv = {"/bin/sh", "-c", "echo pong | nc -l -p 7777 -q 1 >/dev/null"};
    listen.env = {{"PATH", "/usr/bin:/bin"}};
    listen.timeout = 10s;
    std::thread server([&] { second.exec(listen); });
    ASSERT_TRUE(
        wait_until([&] { return sh(second, "ss -ltn | grep -q :7777").exit_code == 0; }, 5s));
    result = sh(first, "echo ping | nc -q 1 juju-7e57ab-1 7777");
    server.join();
    EXPECT_EQ(result.stdout_text, "pong\n") << result.stderr_text;

    // Only the model network: no default route, the host's addresses are unreachable.
    result = sh(first, "ip route");
    EXPECT_EQ(result.stdout_text,
              "10.77.0.0/16 dev eth0 proto kernel scope link src 10.77.0.10 \n");
    const int host_socket = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    ASSERT_EQ(::bind(host_socket, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(host_socket, 1), 0);
    socklen_t length = sizeof address;
    ::getsockname(host_socket, reinterpret_cast<sockaddr*>(&address), &length);
    const std::string port = std::to_string(ntohs(address.sin_port));
    // Every IPv4 address of the host (its own namespace), tried from inside the machine: no
    // route, so not even a packet leaves the machine.
    const auto host_ips = host_ipv4_addresses();
    ASSERT_FALSE(host_ips.empty());
    for (const auto& ip : host_ips) {
        if (ip.rfind("127.", 0) == 0) {
            continue;  // inside the machine that is the machine's own loopback
        }
        result = sh(first, "nc -vz -w 1 " + ip + " " + port + " 2>&1; echo rc=$?");
        EXPECT_THAT(result.stdout_text, HasSubstr("Network is unreachable")) << ip;
        EXPECT_THAT(result.stdout_text, HasSubstr("rc=1")) << ip;
    }
    result = sh(first, "ping -c1 -W1 " + host_ips.back() + " 2>&1; ip route get 1.1.1.1 2>&1");
    EXPECT_THAT(result.stdout_text, HasSubstr("Network is unreachable"));
    ::close(host_socket);
}

TEST_F(NamespaceMachineRootTest, ExecGivesOutputExitCodeAndExactlyTheGivenEnvironment) {
    auto& machine = add_machine(0);
    jujusim::ExecRequest request;
    request.argv = {"/bin/sh", "-c", "echo out; echo err >&2; pwd; exit 7"};
    request.env = {{"ONLY", "this"}};
    request.cwd = "/tmp";
    auto result = machine.exec(request);
    EXPECT_EQ(result.exit_code, 7);
    EXPECT_EQ(result.stdout_text, "out\n/tmp\n");
    EXPECT_EQ(result.stderr_text, "err\n");
    EXPECT_FALSE(result.timed_out);

    // Exactly the given environment: nothing of the test process leaks in.
    request.argv = {"/usr/bin/env"};
    request.env = {{"ONLY", "this"}, {"JUJU_UNIT_NAME", "slurmctld/0"}};
    result = machine.exec(request);
    EXPECT_EQ(result.stdout_text, "JUJU_UNIT_NAME=slurmctld/0\nONLY=this\n");

    // A bare program name is looked up in the default PATH when env has none; stdin is fed.
    request.argv = {"cat"};
    request.env = {};
    request.stdin_data = "line one\nline two";
    result = machine.exec(request);
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.stdout_text, "line one\nline two");

    // A program that does not read its input: no SIGPIPE reaches the caller.
    request.argv = {"/bin/true"};
    request.stdin_data = std::string(1 << 20, 'x');
    EXPECT_EQ(machine.exec(request).exit_code, 0);

    // Streaming, line by line, in order, with stderr marked.
    std::vector<std::string> lines;
    request.argv = {"/bin/sh", "-c",
                    "for i in 1 2 3; do echo $i; done; echo oops >&2; printf tail"};
    request.stdin_data.reset();
    request.on_output = [&](const std::string& line, bool is_stderr) {
        lines.push_back((is_stderr ? "E:" : "O:") + line);
    };
    result = machine.exec(request);
    EXPECT_THAT(lines, testing::ElementsAre("O:1", "O:2", "O:3", "E:oops", "O:tail"));
    EXPECT_TRUE(result.stdout_text.empty());

    // Timeout kills the program (and what it started).
    request.on_output = nullptr;
    request.argv = {"/bin/sh", "-c", "sleep 30 & sleep 30"};
    request.timeout = 300ms;
    const auto start = std::chrono::steady_clock::now();
    result = machine.exec(request);
    EXPECT_TRUE(result.timed_out);
    EXPECT_EQ(result.exit_code, 128 + SIGKILL);
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    // Killed at once; the init reaps them a moment later.
    EXPECT_TRUE(
        wait_until([&] { return sh(machine, "pgrep -c -x sleep").stdout_text == "0\n"; }, 2s));

    // Programs that cannot run.
    request.timeout.reset();
    request.argv = {"/no/such/program"};
    result = machine.exec(request);
    EXPECT_EQ(result.exit_code, 127);
    EXPECT_THAT(result.stderr_text, HasSubstr("No such file or directory"));
    request.argv = {"/etc/hostname"};
    EXPECT_EQ(machine.exec(request).exit_code, 126);

    // As root, inside the machine's PID namespace (its processes only).
    EXPECT_EQ(sh(machine, "id -u").stdout_text, "0\n");
    EXPECT_EQ(sh(machine, "ps -e -o pid= | wc -l").stdout_text, "4\n");  // init, sh, ps, wc
}

TEST_F(NamespaceMachineRootTest, ExecOnAMachineThatIsOffThrows) {
    auto& machine = add_machine(0, /*boot=*/false);
    EXPECT_FALSE(machine.is_running());
    EXPECT_THROW(sh(machine, "true"), jujusim::MachineError);
}

TEST_F(NamespaceMachineRootTest, PoweroffKillsEveryProcessOfTheMachine) {
    auto& machine = add_machine(0);
    // Background processes, a daemon that left its session, and a service.
    ASSERT_EQ(sh(machine,
                 "sleep 1000 >/dev/null 2>&1 & setsid sleep 1001 >/dev/null 2>&1 & "
                 "systemd-run 2>/dev/null; true")
                  .exit_code,
              0);
    put_file(machine, "/etc/systemd/system/sleeper.service",
             "[Service]\nExecStart=/bin/sleep 1002\n");
    ASSERT_EQ(sh(machine, "systemctl start sleeper").exit_code, 0);
    const pid_t init = machine.init_pid();
    std::set<pid_t> inside;
    ASSERT_TRUE(wait_until(
        [&] {
            inside = processes_in_pid_namespace(init);
            return inside.size() >= 4;
        },
        5s));
    std::vector<slurmctld::util::ProcessRecord> records;
    for (const pid_t pid : inside) {
        const auto record = slurmctld::util::record_process(pid);
        ASSERT_TRUE(record) << "process " << pid;
        records.push_back(*record);
    }
    const auto start = std::chrono::steady_clock::now();
    machine.poweroff();
    const auto took = std::chrono::steady_clock::now() - start;
    EXPECT_FALSE(machine.is_running());
    EXPECT_EQ(machine.init_pid(), 0);
    for (const auto& record : records) {
        EXPECT_FALSE(slurmctld::util::is_running(record))
            << "process " << record.pid << " of the machine survived";
    }
    EXPECT_LT(took, 5s);
    machine.poweroff();  // a no-op when off
}

TEST_F(NamespaceMachineRootTest, BootAfterPoweroffKeepsTheDiskAndStartsEnabledServices) {
    auto& machine = add_machine(0);
    put_file(machine, "/root/marker", "still here\n");
    put_file(machine, "/etc/systemd/system/keeper.service",
             "[Unit]\nDescription=Keeper\n[Service]\nExecStart=/bin/sleep infinity\n"
             "[Install]\nWantedBy=multi-user.target\n");
    put_file(machine, "/etc/systemd/system/idle.service",
             "[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\n");
    ASSERT_EQ(sh(machine, "systemctl enable keeper").exit_code, 0);
    put_file(machine, "/run/volatile", "gone after a power cut\n");
    machine.poweroff();
    machine.boot();
    EXPECT_EQ(sh(machine, "cat /root/marker").stdout_text, "still here\n");
    EXPECT_EQ(sh(machine, "test -e /run/volatile || echo absent").stdout_text, "absent\n");
    EXPECT_EQ(sh(machine, "systemctl is-system-running --wait").stdout_text, "running\n");
    EXPECT_EQ(sh(machine, "systemctl is-active keeper").stdout_text, "active\n");
    EXPECT_EQ(sh(machine, "systemctl is-active idle").stdout_text, "inactive\n");
    EXPECT_EQ(sh(machine, "hostname").stdout_text, "juju-7e57ab-0\n");
    // The disk is the upper directory on the host.
    EXPECT_TRUE(fs::exists(machine.disk_dir() / "root/marker"));
}

TEST_F(NamespaceMachineRootTest, HostsFileWrittenWhileRunningAndWhileOff) {
    auto& machine = add_machine(0);
    machine.set_hosts({{"10.77.0.10", "juju-7e57ab-0"}, {"10.77.0.11", "juju-7e57ab-1"}});
    EXPECT_EQ(sh(machine, "cat /etc/hosts").stdout_text,
              "127.0.0.1\tlocalhost\n10.77.0.10\tjuju-7e57ab-0\n10.77.0.11\tjuju-7e57ab-1\n");
    EXPECT_EQ(sh(machine, "getent hosts juju-7e57ab-1").stdout_text,
              "10.77.0.11      juju-7e57ab-1\n");
    machine.poweroff();
    machine.set_hosts({{"10.77.0.10", "juju-7e57ab-0"}});
    machine.boot();
    EXPECT_EQ(sh(machine, "cat /etc/hosts").stdout_text,
              "127.0.0.1\tlocalhost\n10.77.0.10\tjuju-7e57ab-0\n");
}

TEST_F(NamespaceMachineRootTest, BindMountedHostDirectoryIsSharedByTwoMachines) {
    auto& first = add_machine(0);
    auto& second = add_machine(1);
    const fs::path shared = model_->path() / "shared/filesystem-client";
    fs::create_directories(shared);
    first.bind_mount(shared, "/srv/slurmctld-statefs");
    second.bind_mount(shared, "/srv/slurmctld-statefs");
    ASSERT_EQ(sh(first, "echo written-by-0 > /srv/slurmctld-statefs/token").exit_code, 0);
    EXPECT_EQ(sh(second, "cat /srv/slurmctld-statefs/token").stdout_text, "written-by-0\n");
    EXPECT_EQ(sh(second, "findmnt -n -o TARGET /srv/slurmctld-statefs").stdout_text,
              "/srv/slurmctld-statefs\n");
    EXPECT_TRUE(fs::exists(shared / "token"));
    // Not visible on the host's mount table.
    EXPECT_THAT(mount_points(), Not(testing::Contains(testing::HasSubstr("slurmctld-statefs"))));
    first.bind_mount(shared, "/srv/slurmctld-statefs");  // again: a no-op, not a second mount
    EXPECT_EQ(sh(first, "findmnt -n -o TARGET /srv/slurmctld-statefs | wc -l").stdout_text, "1\n");

    // Remembered like an fstab entry: after a power cut it is there before services start.
    put_file(
        first, "/etc/systemd/system/reader.service",
        "[Service]\nExecStart=/bin/sh -c 'cat /srv/slurmctld-statefs/token; exec sleep infinity'\n"
        "[Install]\nWantedBy=multi-user.target\n");
    ASSERT_EQ(sh(first, "systemctl enable reader").exit_code, 0);
    first.poweroff();
    first.boot();
    EXPECT_TRUE(wait_until(
        [&] {
            return sh(first, "journalctl -u reader").stdout_text.find("]: written-by-0") !=
                   std::string::npos;
        },
        5s))
        << sh(first, "journalctl -u reader").stdout_text;

    second.unmount("/srv/slurmctld-statefs");
    EXPECT_EQ(sh(second, "test -e /srv/slurmctld-statefs/token || echo unmounted").stdout_text,
              "unmounted\n");
    EXPECT_EQ(sh(first, "cat /srv/slurmctld-statefs/token").stdout_text, "written-by-0\n");
    second.poweroff();
    second.boot();
    EXPECT_EQ(sh(second, "test -e /srv/slurmctld-statefs/token || echo unmounted").stdout_text,
              "unmounted\n");
    EXPECT_TRUE(second.recorded_mounts().empty());
    EXPECT_EQ(first.recorded_mounts().size(), 1u);
}

TEST_F(NamespaceMachineRootTest, AnotherObjectAttachesToTheRunningMachine) {
    auto& machine = add_machine(0);
    jujusim::NamespaceMachine again(machine.config());
    EXPECT_TRUE(again.is_running());
    EXPECT_EQ(again.init_pid(), machine.init_pid());
    EXPECT_EQ(sh(again, "hostname").stdout_text, "juju-7e57ab-0\n");
    jujusim::Network network_again(
        {model_->path() / "network", machine_testing::machine_binary(), "10.77"});
    EXPECT_TRUE(network_again.is_up());
    EXPECT_EQ(network_again.holder_pid(), network_->holder_pid());
}

TEST_F(NamespaceMachineRootTest, TeardownLeavesNoProcessMountVethOrNamespace) {
    const auto mounts_before = mount_points();
    const auto links_before = host_links();
    std::set<std::string> namespaces;
    std::set<pid_t> pids;
    {
        auto& first = add_machine(0);
        auto& second = add_machine(1);
        const fs::path shared = model_->path() / "shared";
        fs::create_directories(shared);
        first.bind_mount(shared, "/srv/shared");
        second.bind_mount(shared, "/srv/shared");
        put_file(first, "/etc/systemd/system/sleeper.service",
                 "[Service]\nExecStart=/bin/sleep infinity\n");
        ASSERT_EQ(sh(first, "systemctl start sleeper && (sleep 1000 >/dev/null 2>&1 &)").exit_code,
                  0);
        for (const auto* machine : {&first, &second}) {
            const auto init = std::to_string(machine->init_pid());
            for (const char* ns : {"pid", "mnt", "net", "uts", "ipc"}) {
                namespaces.insert(readlink_or_empty("/proc/" + init + "/ns/" + ns));
            }
            const auto inside = processes_in_pid_namespace(machine->init_pid());
            pids.insert(inside.begin(), inside.end());
        }
        namespaces.insert(
            readlink_or_empty("/proc/" + std::to_string(network_->holder_pid()) + "/ns/net"));
        pids.insert(network_->holder_pid());
        EXPECT_EQ(namespaces.size(), 11u);
        EXPECT_GE(pids.size(), 5u);
        EXPECT_EQ(host_links(), links_before);  // no veth end is ever in the host namespace
        machines_.clear();
        network_->down();
    }
    EXPECT_EQ(mount_points(), mounts_before);
    EXPECT_EQ(host_links(), links_before);
    for (const pid_t pid : all_pids()) {
        for (const char* ns : {"pid", "mnt", "net", "uts", "ipc"}) {
            const auto link = readlink_or_empty("/proc/" + std::to_string(pid) + "/ns/" + ns);
            EXPECT_EQ(namespaces.count(link), 0u) << "process " << pid << " is still in " << link;
        }
    }
    for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
        EXPECT_EQ(namespaces.count(readlink_or_empty(entry.path())), 0u)
            << "we hold a namespace open";
    }
    for (const pid_t pid : pids) {
        EXPECT_FALSE(fs::exists("/proc/" + std::to_string(pid)))
            << "process " << pid << " still exists";
    }
}

}  // namespace
