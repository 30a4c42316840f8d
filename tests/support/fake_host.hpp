// FakeHost: a Host that keeps a model of one machine, for the charm's state-transition tests.
// Tests build the state (files, packages, services, Slurm controllers), run one event, and
// inspect the state afterwards. Programs are answered from the model, the way the real ones
// would answer, never from canned strings:
//
//   FakeHost host("juju-abc-0");
//   host.add_slurm_packages_to_archive("24.11.5-1");
//   host.add_file("/etc/slurm/slurm.conf", "slurmctldhost=juju-abc-0\n", {"slurm", "slurm", 0644});
//   ... run the handler with `host` ...
//   EXPECT_EQ(host.service("slurmctld").restarts, 1);
//   EXPECT_EQ(host.file("/etc/slurm/slurm.jwks")->mode, 0600);
//
// Two controllers sharing /srv/slurmctld-statefs mount the same FakeFileSystem:
//
//   auto statefs = std::make_shared<FakeFileSystem>();
//   primary.mount("/srv/slurmctld-statefs", statefs);
//   backup.mount("/srv/slurmctld-statefs", statefs);
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <sys/types.h>

#include <slurmctld/host/host.hpp>
#include <slurmctld/util/files.hpp>

namespace testing_support {

namespace fs = std::filesystem;
using slurmctld::host::CommandResult;
using slurmctld::host::FileAttributes;
using Clock = std::chrono::system_clock;
namespace util = slurmctld::util;

// ---- files -----------------------------------------------------------------------------------

struct FakeFile {
    std::string content;
    std::string owner = "root";
    std::string group = "root";
    mode_t mode = 0644;
    Clock::time_point mtime{};
};

struct FakeDirectory {
    std::string owner = "root";
    std::string group = "root";
    mode_t mode = 0755;
    Clock::time_point mtime{};
};

struct FakeSymlink {
    fs::path target;
};

/// A named pipe (mkfifo): what someone plants where the charm reads a file.
struct FakeFifo {
    std::string owner = "root";
    std::string group = "root";
    mode_t mode = 0644;
    Clock::time_point mtime{};
};

using FakeNode = std::variant<FakeFile, FakeDirectory, FakeSymlink, FakeFifo>;

/// The files of one file system: a machine's disk, or a share that several FakeHosts mount.
/// Keys are paths from the file system's own root ("/", "/etc", "/etc/slurm", ...).
struct FakeFileSystem {
    std::map<std::string, FakeNode> nodes{{"/", FakeDirectory{}}};
};

struct FakeMount {
    std::shared_ptr<FakeFileSystem> files;
    std::string fs_type;
    std::string source;
};

// ---- packages and services -------------------------------------------------------------------

/// A package the fake's archive can install.
struct FakePackage {
    std::string version;
    std::vector<std::string> units;     ///< systemd units it ships
    std::vector<fs::path> directories;  ///< directories it creates (root 0755)
    /// ConditionPathExists= of its units, by unit (the real slurmctld.service has
    /// ConditionPathExists=/etc/slurm/slurm.conf).
    std::map<std::string, std::vector<fs::path>> unit_conditions;
    std::vector<std::string> depends;  ///< installed with it, as apt resolves Depends:
    /// System users (each with its group) its postinst creates (munge: `munge`).
    std::vector<std::string> system_users;
};

/// dpkg's view of a package: "installed", or "config-files" after `apt-get remove`.
struct InstalledPackage {
    std::string version;
    std::string status = "installed";
};

struct FakeService {
    bool installed = false;  ///< the unit file exists (its package is installed, or a test says so)
    bool from_unit_file = false;  ///< loaded by daemon-reload from /etc/systemd/system
    bool enabled = false;
    bool active = false;
    int starts = 0;    ///< `start` verbs (and `enable --now`)
    int stops = 0;     ///< `stop` verbs (and `disable --now`)
    int restarts = 0;  ///< `restart` verbs
    int reloads = 0;
    /// ConditionPathExists=: when one is missing, systemd skips the start. systemctl exits 0
    /// and the unit stays inactive.
    std::vector<fs::path> condition_path_exists;
    /// The daemon fails at start (systemctl start/restart exit 1, unit inactive).
    bool fails_to_start = false;
    /// slurmctld: the files of /etc/slurm (names and contents) as it read them when it last
    /// started or re-read its configuration (`scontrol reconfigure` while in control).
    std::string loaded_config;
};

// ---- Slurm -----------------------------------------------------------------------------------

/// The Slurm controllers as `scontrol` on this machine sees them. The controller list comes
/// from the SlurmctldHost lines of /etc/slurm/slurm.conf (read through the fake FS, so the HA
/// symlink works); the local host's controller is up iff its slurmctld service is active.
struct FakeSlurm {
    /// Installed Slurm release: "22.05.8" rejects --json (as before 23.02), "24.11.5" has it.
    std::string version = "24.11.5";
    /// Other hosts' controllers: up or down. Hosts not listed are down.
    std::map<std::string, bool> remote_up;
    int reconfigures = 0;
    /// Arguments after `update` of every `scontrol update`.
    std::vector<std::vector<std::string>> updates;
    /// Nodes the controller knows (`scontrol delete nodename=` of another is refused).
    std::set<std::string> nodes;
    /// Drained nodes and the reason Slurm gave (`scontrol -o show node`); `scontrol update
    /// nodename=<list> state=resume|undrain` clears them.
    std::map<std::string, std::string> drained;
    /// Nodes Slurm asked to register again (resume and undrain do), in order.
    std::vector<std::string> registration_requests;
    /// Every node `scontrol delete nodename=` removed, in order.
    std::vector<std::string> deleted_nodes;
    /// Backup index of every successful `scontrol takeover [N]`.
    std::vector<int> takeovers;
};

/// A result the next matching command returns instead of what the model would answer (for
/// faults the model cannot produce, such as a full disk under rsync). Matches commands whose
/// argv (program name first) starts with `argv_prefix`.
struct InjectedCommandFailure {
    std::vector<std::string> argv_prefix;
    CommandResult result;
    int times = 1;
};

class FakeHost : public slurmctld::host::Host {
  public:
    /// A machine with an empty root file system (/, /etc, /run, /srv, /tmp, /var/lib, /var/log)
    /// and the root and slurm users.
    explicit FakeHost(std::string hostname = "juju-abc123-0");
    FakeHost(const FakeHost&) = delete;  // would share its root file system: see clone()
    FakeHost& operator=(const FakeHost&) = delete;

    /// File systems copied so far by clone(), by original: machines that share one (the shared
    /// state mount) share its copy.
    using FileSystemCopies = std::map<const FakeFileSystem*, std::shared_ptr<FakeFileSystem>>;
    /// A deep copy of this machine: its own disk, and copies of what it mounts.
    std::unique_ptr<FakeHost> clone(FileSystemCopies& copies) const;
    /// The copy of `files` made by clone() (made now if none was).
    static std::shared_ptr<FakeFileSystem> copy_of(const std::shared_ptr<FakeFileSystem>& files,
                                                   FileSystemCopies& copies);

    /// Called before every change this machine makes (a file written, a directory made or
    /// removed, a service started, apt, rsync, a mutating scontrol), with a short description:
    /// fault-injection tests crash the hook there.
    std::function<void(const std::string& change)> before_change;
    /// The files of /etc/slurm as one string (names and contents), what FakeService::
    /// loaded_config records.
    std::string slurm_config_snapshot();

    // ---- state tests build and inspect --------------------------------------------------------
    std::string hostname;     ///< may be an FQDN; short_hostname() cuts it at the first dot
    Clock::time_point clock;  ///< now(); also the mtime of what is written
    /// steady_now(). sleep_for() and the time limits of hung operations advance it and
    /// `clock` together, so a test of a 30 s wait runs at once.
    std::chrono::steady_clock::time_point steady_clock_time;
    std::vector<std::chrono::milliseconds> sleeps;  ///< every sleep_for(), in order
    /// As RealHostOptions::trusted_links: the only symlinks file operations go through. By
    /// default the links dispatch's RealHost trusts (charm::trusted_host_links()).
    std::map<fs::path, fs::path> trusted_links;
    std::size_t max_read_size = slurmctld::util::kMaxReadSize;  ///< read_file's limit
    /// Paths whose file system does not answer (a hung NFS mount), with everything below
    /// them: check_responsive and measure_write_latency time out, rsync times out, and any
    /// other file operation throws (a real host would block there).
    std::set<std::string> hung_paths;
    /// The time limits of RealHost's defaults that the fake applies to hung operations.
    std::chrono::milliseconds latency_probe_timeout{std::chrono::seconds(10)};
    std::chrono::milliseconds rsync_timeout{std::chrono::minutes(5)};
    std::map<std::string, uid_t> users{{"root", 0}, {"slurm", 64030}};
    std::map<std::string, gid_t> groups{{"root", 0}, {"slurm", 64030}};

    std::map<std::string, FakePackage> archive;  ///< what apt-get can install
    bool archive_reachable = true;               ///< false: apt-get update/install fail
    int apt_updates = 0;
    std::map<std::string, InstalledPackage> packages;  ///< what dpkg knows

    std::map<std::string, FakeService> services;  ///< by unit name without ".service"
    FakeSlurm slurm;
    /// systemd-detect-virt: container type ("lxc", "docker") or "" when not in a container;
    /// virtualization type ("kvm") or "" on bare metal.
    std::string container;
    std::string virtualization;

    /// Every program run, argv with the program name first ("systemctl", "restart", ...).
    std::vector<std::vector<std::string>> commands;
    std::vector<InjectedCommandFailure> injected_failures;
    /// What measure_write_latency reports for each sample, per directory prefix (the longest
    /// matching prefix wins); 500 us when none matches.
    std::map<std::string, std::chrono::microseconds> write_latency;
    /// HTTP servers reachable from this machine, by "host:port".
    std::map<std::string,
             std::function<slurmctld::util::http::Response(const slurmctld::util::http::Request&)>>
        http_servers;
    /// Every HTTP request sent, as "METHOD host:port target".
    std::vector<std::string> http_log;

    // ---- helpers -----------------------------------------------------------------------------
    /// The regular file at `path` (symlinks followed), nullptr when there is none.
    FakeFile* file(const fs::path& path);
    FakeDirectory* directory(const fs::path& path);
    /// The symlink at `path` itself (not followed), nullptr when `path` is not a symlink.
    FakeSymlink* symlink(const fs::path& path);
    /// The FIFO at `path` itself, nullptr when there is none.
    FakeFifo* fifo(const fs::path& path);
    bool exists(const fs::path& path);

    /// Creates a file (and its missing parent directories, root 0755), replacing any file.
    FakeFile& add_file(const fs::path& path, std::string content,
                       const FileAttributes& attributes = {});
    FakeDirectory& add_directory(const fs::path& path,
                                 const FileAttributes& attributes = {"root", "root", 0755});
    void add_symlink(const fs::path& link, const fs::path& target);
    /// mkfifo: plants a FIFO (parents created as by add_file).
    FakeFifo& add_fifo(const fs::path& path, const FileAttributes& attributes = {});

    /// Mounts `files` (a fresh, empty file system when null) at `path`, creating the mount
    /// point. Returns the mounted file system, to share with another FakeHost.
    std::shared_ptr<FakeFileSystem> mount(const fs::path& path,
                                          std::shared_ptr<FakeFileSystem> files = nullptr,
                                          std::string fs_type = "nfs4",
                                          std::string source = "fileserver:/statefs");
    void unmount(const fs::path& path);

    /// The service entry for `unit` ("slurmctld" or "slurmctld.service").
    FakeService& service(const std::string& unit);

    void add_to_archive(const std::string& name, FakePackage package);
    /// Marks a package installed as if apt had installed it earlier (units, directories).
    void install_package(const std::string& name, const std::string& version);
    /// slurmctld (unit slurmctld with ConditionPathExists=/etc/slurm/slurm.conf, creates
    /// /etc/slurm), slurm-client, libpmix-dev, slurm-mail, munge (unit munge) and rsync.
    void add_slurm_packages_to_archive(const std::string& version = "24.11.5-1");

    /// How many commands were exactly `argv` (program name first).
    int count_commands(const std::vector<std::string>& argv) const;
    /// Commands of one program, arguments only, in order.
    std::vector<std::vector<std::string>> commands_of(const std::string& program) const;
    void inject_failure(std::vector<std::string> argv_prefix, CommandResult result, int times = 1);
    /// The next matching command is killed at its time limit, as RealHost reports it.
    void inject_timeout(std::vector<std::string> argv_prefix, int times = 1);

    /// SlurmctldHost entries of /etc/slurm/slurm.conf in order ("(addr)" dropped); nullopt
    /// when the file does not exist.
    std::optional<std::vector<std::string>> configured_controllers();
    /// Whether the controller on `host` answers a ping (local: slurmctld active).
    bool controller_up(const std::string& host);
    /// The controller in control: the first one up in SlurmctldHost order (the model assumes a
    /// backup has finished taking over once the controllers before it are down).
    std::optional<std::string> controller_in_control();

    // ---- Host --------------------------------------------------------------------------------
    // can_connect: port 6817 answers when the controller on that host is up (FakeSlurm's
    // model). http_request: answered by the server registered in http_servers for "host:port"
    // (a model such as FakeInfluxdb); refused when none is.
    // The host names the method list uses (host.hpp).
    using FileStatus = slurmctld::host::FileStatus;
    using MountInfo = slurmctld::host::MountInfo;
    template <class T>
    using Expected = slurmctld::Expected<T>;
    SLURMCTLD_HOST_METHODS(SLURMCTLD_HOST_OVERRIDE)

  private:
    struct Location {
        FakeFileSystem* files;
        std::string key;
    };

    Location locate(const fs::path& resolved);
    FakeNode* node_at(const fs::path& resolved);
    /// Follows every symlink: for the test helpers, which inspect and build the state.
    fs::path resolve(const fs::path& path, bool follow_last);
    /// Host operations' path rules (RealHost's): trusted links resolved (at the end too with
    /// `trust_last`), any other symlink in the directories refused (HostError naming `what`),
    /// a hung path refused. The final component is left for the operation to judge.
    fs::path safe_path(const fs::path& path, bool trust_last, const std::string& what);
    /// The hung path `resolved` lies under, if any.
    std::optional<std::string> hung_under(const fs::path& resolved) const;
    /// Advances both clocks, as a real host waiting out a time limit would.
    void pass_time(std::chrono::milliseconds duration);
    void require_directory(const fs::path& resolved_directory, const std::string& what);
    void check_owner(const FileAttributes& attributes, const std::string& what) const;
    /// mkdir -p without touching directories that exist (new ones: root 0755).
    void add_directory_parents(const fs::path& path);
    void put(const fs::path& resolved, FakeNode node);
    std::vector<std::string> child_names(const fs::path& resolved_directory);
    void copy_node(const fs::path& from, const fs::path& to);
    void erase_tree(const fs::path& resolved);
    bool is_mount_point(const fs::path& resolved) const;

    /// Appends to `commands`; returns the injected failure for this command, if any.
    std::optional<CommandResult> log_command(const std::string& program,
                                             const std::vector<std::string>& args);
    /// One program call: announced as a machine change when `changes_machine` (crash plans
    /// stop there), logged, then answered by an injected failure or by `model`.
    CommandResult call_program(const std::string& program, const std::vector<std::string>& args,
                               bool changes_machine,
                               CommandResult (FakeHost::*model)(const std::vector<std::string>&));
    CommandResult run_systemctl(const std::vector<std::string>& args);
    CommandResult start_unit(const std::string& unit, FakeService& entry);
    CommandResult run_apt_get(const std::vector<std::string>& args);
    CommandResult run_dpkg_query(const std::vector<std::string>& args);
    CommandResult run_scontrol(const std::vector<std::string>& args);
    CommandResult scontrol_ping(const std::vector<std::string>& controllers, bool json);
    CommandResult run_rsync(const std::vector<std::string>& args);
    struct RsyncFlags {
        bool remove_extraneous = false;
        bool safe_links = false;       ///< --safe-links: skip links pointing out of the tree
        bool one_file_system = false;  ///< -x: a mount point is copied as an empty directory
    };
    void rsync_tree(const fs::path& from, const fs::path& to, const fs::path& top,
                    const RsyncFlags& flags);
    CommandResult run_systemd_detect_virt(const std::vector<std::string>& args);

    FakeHost(const FakeHost& other, FileSystemCopies& copies);
    void changing(const std::string& change);

    std::shared_ptr<FakeFileSystem> root_ = std::make_shared<FakeFileSystem>();
    std::map<std::string, FakeMount> mount_table_;  ///< by mount point
};

}  // namespace testing_support
