#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include <fcntl.h>
#include <nlohmann/json.hpp>
#include <sys/file.h>
#include <unistd.h>

#include <jujusim/image.hpp>
#include <slurmctld/util/files.hpp>
#include <slurmctld/util/strings.hpp>

#include "spawn.hpp"
#include "sys.hpp"

namespace jujusim {

namespace {

/// Bumped whenever the build recipe below changes what ends up in the image.
constexpr int kRecipeVersion = kImageRecipe;
constexpr const char* kStampPath = "etc/jujusim-image.json";

std::string getenv_or(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

std::string iso_now() {
    const std::time_t now = std::time(nullptr);
    std::tm utc{};
    ::gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

/// Environment for debootstrap and apt: nothing of ours, but a proxy the host needs.
std::vector<std::string> build_environment() {
    std::vector<std::string> env = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "LANG=C",
        "HOME=/root",
        "DEBIAN_FRONTEND=noninteractive",
        "DEBCONF_NONINTERACTIVE_SEEN=true",
    };
    for (const char* name :
         {"http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY"}) {
        if (const char* value = std::getenv(name)) {
            env.push_back(std::string(name) + "=" + value);
        }
    }
    return env;
}

void run_step(const std::string& label, sys::SpawnOptions options, const ImageProgress& progress) {
    options.env = build_environment();
    options.on_output = [&](const std::string& line, bool) {
        if (progress) {
            progress(label + ": " + line);
        }
    };
    const auto result = sys::spawn_and_wait(options);
    if (result.exit_code != 0) {
        std::string command;
        for (const auto& arg : options.argv) {
            command += (command.empty() ? "" : " ") + arg;
        }
        throw std::runtime_error("image build failed: '" + command + "' exited with " +
                                 std::to_string(result.exit_code));
    }
}

/// Runs a step whose standard output is the product (an index file), and returns it.
std::string capture_step(const std::string& label, sys::SpawnOptions options) {
    options.env = build_environment();
    options.on_output = nullptr;
    const auto result = sys::spawn_and_wait(options);
    if (result.exit_code != 0) {
        throw std::runtime_error("image build failed: " + label + " exited with " +
                                 std::to_string(result.exit_code) + ": " + result.stderr_text);
    }
    return result.stdout_text;
}

/// Installed packages and versions from the image's dpkg database.
std::vector<std::pair<std::string, std::string>> installed_packages(const fs::path& root) {
    std::vector<std::pair<std::string, std::string>> packages;
    std::ifstream status(root / "var/lib/dpkg/status");
    std::string line;
    std::string package;
    std::string version;
    bool installed = false;
    auto flush = [&] {
        if (!package.empty() && installed) {
            packages.emplace_back(package, version);
        }
        package.clear();
        version.clear();
        installed = false;
    };
    while (std::getline(status, line)) {
        if (line.empty()) {
            flush();
        } else if (line.rfind("Package: ", 0) == 0) {
            package = line.substr(9);
        } else if (line.rfind("Version: ", 0) == 0) {
            version = line.substr(9);
        } else if (line.rfind("Status: ", 0) == 0) {
            installed = line.find(" installed") != std::string::npos;
        }
    }
    flush();
    std::sort(packages.begin(), packages.end());
    return packages;
}

/// A file of the image being built, replaced whole (a symlink there, such as resolv.conf to
/// the host's file, is replaced, never written through).
void write_text(const fs::path& path, const std::string& content, fs::perms perms) {
    util::AtomicWriteOptions options;
    options.mode = static_cast<mode_t>(perms);
    util::write_file_atomic(path, content, options);
}

void replace_line_starting(const fs::path& file, const std::string& prefix,
                           const std::string& replacement) {
    std::ifstream in(file);
    std::string text;
    std::string line;
    while (std::getline(in, line)) {
        text += (line.rfind(prefix, 0) == 0 ? replacement : line) + "\n";
    }
    write_text(file, text, fs::perms(0644));
}

void remove_files_in(const fs::path& dir, const std::set<std::string>& keep = {}) {
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.is_regular_file() && !keep.count(entry.path().filename().string())) {
            fs::remove(entry.path());
        }
    }
}

/// Refuses to delete a tree something is mounted under (it would delete through the mount).
void remove_tree(const fs::path& path) {
    const auto mountinfo = util::read_regular_file("/proc/self/mountinfo").value_or("");
    std::istringstream lines(mountinfo);
    std::string line;
    const std::string prefix = path.string() + "/";
    while (std::getline(lines, line)) {
        std::istringstream fields(line);
        std::string id, parent, devno, root, mount_point;
        fields >> id >> parent >> devno >> root >> mount_point;
        if (mount_point.rfind(prefix, 0) == 0 || mount_point == path.string()) {
            throw std::runtime_error("not removing " + path.string() + ": " + mount_point +
                                     " is mounted");
        }
    }
    fs::remove_all(path);
}

/// The image's local apt repository: `repository_packages` and whatever of their dependencies
/// the image lacks (apt-get --download-only resolves against what is installed), indexed with
/// apt-ftparchive (Packages, Release), then the image's only apt source. Nothing is installed
/// from it here: a charm's apt-get does that in a machine.
void build_local_repository(const fs::path& root, const ImageSpec& spec,
                            const ImageProgress& progress) {
    remove_files_in(root / "var/cache/apt/archives");
    sys::SpawnOptions apt;
    apt.place = sys::SpawnPlace::PrivateChroot;
    apt.root = root;
    apt.argv = {
        "/usr/bin/apt-get", "-q",     "-y", "-o", "Dpkg::Use-Pty=0", "--no-install-recommends",
        "--download-only",  "install"};
    apt.argv.insert(apt.argv.end(), spec.repository_packages.begin(),
                    spec.repository_packages.end());
    run_step("apt", apt, progress);

    const fs::path repository = root / fs::path(kLocalRepository).relative_path();
    fs::create_directories(repository);
    fs::permissions(repository, fs::perms(0755));
    std::size_t debs = 0;
    for (const auto& entry : fs::directory_iterator(root / "var/cache/apt/archives")) {
        if (entry.is_regular_file() && entry.path().extension() == ".deb") {
            fs::rename(entry.path(), repository / entry.path().filename());
            fs::permissions(repository / entry.path().filename(), fs::perms(0644));
            ++debs;
        }
    }
    if (debs == 0) {
        throw std::runtime_error("image build failed: apt downloaded nothing for the repository");
    }
    sys::SpawnOptions index;
    index.place = sys::SpawnPlace::PrivateChroot;
    index.root = root;
    index.cwd = kLocalRepository;
    index.argv = {"/usr/bin/apt-ftparchive", "packages", "."};
    write_text(repository / "Packages", capture_step("apt-ftparchive packages", index),
               fs::perms(0644));
    index.argv = {"/usr/bin/apt-ftparchive", "release", "."};
    write_text(repository / "Release", capture_step("apt-ftparchive release", index),
               fs::perms(0644));
    // The repository is unsigned and local: trusted=yes, as for any local flat repository.
    write_text(root / "etc/apt/sources.list",
               std::string("deb [trusted=yes] file:") + kLocalRepository + " ./\n",
               fs::perms(0644));
    if (progress) {
        progress("repository: " + std::to_string(debs) + " packages in " + kLocalRepository);
    }
}

/// Everything after apt: what makes the tree a jujusim machine image.
void finish_image(const fs::path& root, const ImageSpec& spec, const std::string& mirror,
                  double seconds) {
    // Services run only when a charm enables them (the packages' postinst enabled theirs).
    std::error_code ec;
    for (const auto& entry :
         fs::directory_iterator(root / "etc/systemd/system/multi-user.target.wants", ec)) {
        if (entry.path().extension() == ".service") {
            fs::remove(entry.path());
        }
    }
    fs::remove(root / "usr/sbin/policy-rc.d");
    remove_files_in(root / "var/cache/apt/archives");
    remove_files_in(root / "var/cache/apt");
    remove_files_in(root / "var/lib/apt/lists", {"lock"});
    write_text(root / "etc/resolv.conf",
               "# jujusim: machines have no DNS; every machine of the model is in /etc/hosts\n",
               fs::perms(0644));
    write_text(root / "etc/hosts", "127.0.0.1\tlocalhost\n", fs::perms(0644));
    // Names resolve from /etc/hosts only: an unknown name (a machine that was removed) fails at
    // once, as NXDOMAIN does on a real network, instead of Slurm retrying a DNS that is not there.
    replace_line_starting(root / "etc/nsswitch.conf", "hosts:", "hosts:          files");
    write_text(root / "etc/hostname", "localhost\n", fs::perms(0644));
    // Each machine gets its own machine-id at first boot (init writes it when empty).
    write_text(root / "etc/machine-id", "", fs::perms(0444));
    fs::remove(root / "var/lib/dbus/machine-id");
    fs::create_directories(root / "var/log/jujusim");
    // Mount points for jujusim-machine (bind-mounted over these at boot).
    for (const char* tool :
         {"usr/bin/systemctl", "usr/bin/systemd-detect-virt", "usr/bin/journalctl"}) {
        if (!fs::exists(root / tool)) {
            write_text(root / tool, "", fs::perms(0755));
        }
    }
    fs::create_directories(root / "var/lib/juju");

    auto sorted = spec.packages;
    std::sort(sorted.begin(), sorted.end());
    auto repository_sorted = spec.repository_packages;
    std::sort(repository_sorted.begin(), repository_sorted.end());
    nlohmann::json versions = nlohmann::json::object();
    for (const auto& [package, version] : installed_packages(root)) {
        versions[package] = version;
    }
    nlohmann::json stamp = {
        {"recipe", kRecipeVersion}, {"name", spec.name},        {"suite", spec.suite},
        {"mirror", mirror},         {"packages", sorted},       {"versions", versions},
        {"built_at", iso_now()},    {"build_seconds", seconds},
    };
    if (!repository_sorted.empty()) {  // absent from images built before the field existed
        stamp["repository_packages"] = repository_sorted;
    }
    write_text(root / kStampPath, stamp.dump(2) + "\n", fs::perms(0644));
}

class ImageLock {
  public:
    ImageLock(const fs::path& images_dir, const std::string& name, const ImageProgress& progress) {
        fs::create_directories(images_dir);
        const fs::path path = images_dir / ("." + name + ".lock");
        fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));
        if (!fd_) {
            sys::throw_errno("cannot open " + path.string());
        }
        if (::flock(fd_.get(), LOCK_EX | LOCK_NB) != 0) {
            if (progress) {
                progress("waiting for another build of image " + name);
            }
            if (::flock(fd_.get(), LOCK_EX) != 0) {
                sys::throw_errno("cannot lock " + path.string());
            }
        }
    }

  private:
    util::UniqueFd fd_;
};

}  // namespace

namespace {

/// What every machine image has besides Slurm: the tools charms and tests call.
const std::vector<std::string> kMachineTools = {
    "iproute2",        "procps",   "iputils-ping", "util-linux", "hostname",
    "ca-certificates", "less",     "jq",           "openssl",    "netcat-openbsd",
    "psmisc",          "xz-utils", "bzip2",        "file",       "nano"};

}  // namespace

ImageSpec ImageSpec::debian13_slurm() {
    ImageSpec spec;
    // Slurm 24.11 and its authentication; what the slurmctld charm installs next to it (as
    // upstream: libpmix-dev; Debian packs auth/jwt and the InfluxDB profile plugin separately);
    // rsync (the charm's state migration); slurmdbd and MariaDB for the slurmdbd test charm
    // (accounting, which job profiling needs); slurmrestd for its test charm; the tools.
    spec.packages = {
        "slurmctld", "slurmd",      "slurm-client",         "sackd",
        "munge",     "libpmix-dev", "slurm-wlm-jwt-plugin", "slurm-wlm-influxdb-plugin",
        "rsync",     "slurmdbd",    "mariadb-server",       "slurmrestd"};
    spec.packages.insert(spec.packages.end(), kMachineTools.begin(), kMachineTools.end());
    return spec;
}

ImageSpec ImageSpec::debian12_slurm() {
    ImageSpec spec;
    spec.name = "debian-12-slurm";
    spec.suite = "bookworm";
    spec.packages = {"slurmctld", "slurmd", "slurm-client", "munge", "rsync"};
    spec.packages.insert(spec.packages.end(), kMachineTools.begin(), kMachineTools.end());
    return spec;
}

ImageSpec ImageSpec::debian13_apt() {
    ImageSpec spec;
    spec.name = "debian-13-apt";
    spec.packages = kMachineTools;
    spec.packages.push_back("apt-utils");  // apt-ftparchive indexes the repository
    // As on every cloud machine (and dpkg could not replace the systemctl jujusim binds over).
    spec.packages.push_back("systemd");
    // What the slurmctld charm's install hook asks apt for, and what the test charms' Slurm
    // daemons need, with their dependencies.
    spec.repository_packages = {"slurmctld",
                                "slurmd",
                                "slurm-client",
                                "sackd",
                                "munge",
                                "rsync",
                                "libpmix-dev",
                                "slurm-wlm-jwt-plugin",
                                "slurm-wlm-influxdb-plugin"};
    return spec;
}

ImageSpec ImageSpec::debian13_build() {
    ImageSpec spec;
    spec.name = "debian-13-build";
    spec.packages = {"g++",        "cmake",         "ninja-build",        "binutils",
                     "pkgconf",    "ccache",        "nlohmann-json3-dev", "libyaml-cpp-dev",
                     "libfmt-dev", "libspdlog-dev", "libboost-dev",       "libboost-filesystem-dev",
                     "libssl-dev", "zlib1g-dev",    "libzstd-dev",        "file",
                     "xz-utils"};
    return spec;
}

std::optional<ImageSpec> ImageSpec::named(const std::string& name) {
    for (auto spec : {debian13_slurm(), debian12_slurm(), debian13_apt(), debian13_build()}) {
        if (spec.name == name) {
            return spec;
        }
    }
    return std::nullopt;
}

fs::path default_images_dir() {
    if (const char* images = std::getenv("JUJUSIM_IMAGES"); images != nullptr && *images != '\0') {
        return images;
    }
    return fs::path(getenv_or("JUJUSIM_HOME", "/var/lib/jujusim")) / "images";
}

fs::path image_path(const ImageSpec& spec, const fs::path& images_dir) {
    return images_dir / spec.name;
}

std::string host_debian_mirror() {
    std::error_code ec;
    std::vector<fs::path> sources;
    for (const auto& entry : fs::directory_iterator("/etc/apt/sources.list.d", ec)) {
        if (entry.path().extension() == ".sources") {
            sources.push_back(entry.path());
        }
    }
    std::sort(sources.begin(), sources.end());
    for (const auto& path : sources) {
        std::ifstream in(path);
        std::string line;
        while (std::getline(in, line)) {
            line = std::string(util::trim(line));
            if (line.rfind("URIs:", 0) != 0) {
                continue;
            }
            std::istringstream uris(line.substr(5));
            std::string uri;
            while (uris >> uri) {
                while (!uri.empty() && uri.back() == '/') {
                    uri.pop_back();
                }
                if (uri.size() > 7 && uri.substr(uri.size() - 7) == "/debian") {
                    return uri;
                }
            }
        }
    }
    std::ifstream list("/etc/apt/sources.list");
    std::string line;
    while (std::getline(list, line)) {
        std::istringstream words(line);
        std::string type, uri;
        words >> type;
        if (type != "deb") {
            continue;
        }
        words >> uri;
        if (!uri.empty() && uri[0] == '[') {  // deb [options] uri
            while (uri.back() != ']' && words >> uri) {
            }
            words >> uri;
        }
        while (!uri.empty() && uri.back() == '/') {
            uri.pop_back();
        }
        if (uri.size() > 7 && uri.substr(uri.size() - 7) == "/debian") {
            return uri;
        }
    }
    return "http://deb.debian.org/debian";
}

ImageStamp read_image_stamp(const fs::path& image) {
    ImageStamp stamp;
    const auto text = util::read_regular_file(image / kStampPath);
    if (!text) {
        return stamp;
    }
    try {
        const auto json = nlohmann::json::parse(*text);
        stamp.recipe = json.value("recipe", 0);
        stamp.name = json.value("name", "");
        stamp.suite = json.value("suite", "");
        stamp.mirror = json.value("mirror", "");
        stamp.packages = json.value("packages", std::vector<std::string>{});
        stamp.repository_packages = json.value("repository_packages", std::vector<std::string>{});
        const auto versions = json.value("versions", nlohmann::json::object());
        for (const auto& [package, version] : versions.items()) {
            stamp.versions.emplace_back(package, version.get<std::string>());
        }
        stamp.built_at = json.value("built_at", "");
        stamp.build_seconds = json.value("build_seconds", 0.0);
    } catch (const nlohmann::json::exception&) {
        return {};
    }
    return stamp;
}

bool image_is_current(const ImageSpec& spec, const fs::path& images_dir) {
    const auto stamp = read_image_stamp(image_path(spec, images_dir));
    auto wanted = spec.packages;
    std::sort(wanted.begin(), wanted.end());
    auto wanted_in_repository = spec.repository_packages;
    std::sort(wanted_in_repository.begin(), wanted_in_repository.end());
    return stamp.recipe == kRecipeVersion && stamp.name == spec.name && stamp.suite == spec.suite &&
           stamp.packages == wanted && stamp.repository_packages == wanted_in_repository;
}

void build_image(const ImageSpec& spec, const fs::path& destination,
                 const ImageProgress& progress) {
    if (::geteuid() != 0) {
        throw std::runtime_error("building the image needs root (debootstrap, chroot)");
    }
    const auto start = std::chrono::steady_clock::now();
    const std::string mirror = spec.mirror.empty() ? host_debian_mirror() : spec.mirror;
    const fs::path parent = destination.parent_path();
    fs::create_directories(parent);
    const std::string base = "." + destination.filename().string();
    // Leftovers of builds that died (we hold the lock, so none is running).
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
        const auto name = entry.path().filename().string();
        if (name.rfind(base + ".build-", 0) == 0 || name.rfind(base + ".old-", 0) == 0) {
            remove_tree(entry.path());
        }
    }
    const fs::path work = parent / (base + ".build-" + std::to_string(::getpid()));
    auto say = [&](const std::string& line) {
        if (progress) {
            progress(line);
        }
    };
    try {
        say("building image " + spec.name + " (" + spec.suite + ") from " + mirror + " in " +
            work.string());
        // debootstrap mounts /proc and /sys in the target; a private mount namespace makes sure
        // nothing stays mounted on the host if it fails half-way.
        sys::SpawnOptions debootstrap;
        debootstrap.argv = {"debootstrap", "--variant=minbase", "--components=main",
                            spec.suite,    work.string(),       mirror};
        debootstrap.place = sys::SpawnPlace::PrivateMounts;
        run_step("debootstrap", debootstrap, progress);

        const std::string security = mirror.substr(0, mirror.size() - 7) + "/debian-security";
        write_text(work / "etc/apt/sources.list",
                   "deb " + mirror + " " + spec.suite + " main\n" + "deb " + mirror + " " +
                       spec.suite + "-updates main\n" + "deb " + security + " " + spec.suite +
                       "-security main\n",
                   fs::perms(0644));
        // Maintainer scripts must not start services in the build.
        write_text(work / "usr/sbin/policy-rc.d", "#!/bin/sh\nexit 101\n", fs::perms(0755));
        fs::remove(work / "etc/resolv.conf");
        fs::copy_file("/etc/resolv.conf", work / "etc/resolv.conf");

        sys::SpawnOptions apt;
        apt.place = sys::SpawnPlace::PrivateChroot;
        apt.root = work;
        apt.argv = {"/usr/bin/apt-get", "-q", "-o", "Dpkg::Use-Pty=0", "update"};
        run_step("apt", apt, progress);
        apt.argv = {"/usr/bin/apt-get",        "-q",     "-y", "-o", "Dpkg::Use-Pty=0",
                    "--no-install-recommends", "install"};
        apt.argv.insert(apt.argv.end(), spec.packages.begin(), spec.packages.end());
        run_step("apt", apt, progress);
        if (!spec.repository_packages.empty()) {
            build_local_repository(work, spec, progress);
        }

        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        finish_image(work, spec, mirror, seconds);
        {
            util::UniqueFd fd(::open(work.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
            if (fd) {
                ::syncfs(fd.get());
            }
        }
        if (fs::exists(destination)) {
            // Swap atomically, then delete the old tree: readers see one image or the other.
            if (::renameat2(AT_FDCWD, work.c_str(), AT_FDCWD, destination.c_str(),
                            RENAME_EXCHANGE) != 0) {
                sys::throw_errno("cannot swap " + work.string() + " and " + destination.string());
            }
            const fs::path old = parent / (base + ".old-" + std::to_string(::getpid()));
            fs::rename(work, old);
            remove_tree(old);
        } else {
            fs::rename(work, destination);
        }
        say("image " + spec.name + " ready at " + destination.string() + " after " +
            std::to_string(static_cast<int>(seconds)) + " s");
    } catch (...) {
        std::error_code ignored;
        if (fs::exists(work, ignored)) {
            try {
                remove_tree(work);
            } catch (const std::exception& error) {
                say(std::string("could not remove the failed build: ") + error.what());
            }
        }
        throw;
    }
}

fs::path ensure_image(const ImageSpec& spec, const ImageProgress& progress,
                      const fs::path& images_dir) {
    const fs::path destination = image_path(spec, images_dir);
    if (image_is_current(spec, images_dir)) {
        return destination;
    }
    ImageLock lock(images_dir, spec.name, progress);
    if (!image_is_current(spec, images_dir)) {  // another process may have built it meanwhile
        build_image(spec, destination, progress);
    }
    return destination;
}

}  // namespace jujusim
