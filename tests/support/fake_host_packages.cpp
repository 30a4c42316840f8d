// FakeHost's packages: the archive, apt-get (update, install, remove, purge) and dpkg-query over
// the installed set.
#include <map>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "support/fake_host.hpp"
#include "support/fake_host_internal.hpp"

namespace testing_support {

using namespace fake_host_internal;

void FakeHost::add_to_archive(const std::string& name, FakePackage package) {
    archive.insert_or_assign(name, std::move(package));
}

void FakeHost::install_package(const std::string& name, const std::string& version) {
    packages.insert_or_assign(name, InstalledPackage{version, "installed"});
    const auto found = archive.find(name);
    if (found == archive.end()) {
        return;
    }
    for (const auto& user : found->second.system_users) {
        if (!users.contains(user)) {
            const auto id = static_cast<uid_t>(100 + users.size());  // a dynamic system id
            users.emplace(user, id);
            groups.emplace(user, static_cast<gid_t>(id));
        }
    }
    for (const auto& directory : found->second.directories) {
        if (!exists(directory)) {
            add_directory(directory);
        }
    }
    for (const auto& unit : found->second.units) {
        FakeService& entry = service(unit);
        entry.installed = true;
        const auto conditions = found->second.unit_conditions.find(unit);
        if (conditions != found->second.unit_conditions.end()) {
            entry.condition_path_exists = conditions->second;
        }
    }
}

void FakeHost::add_slurm_packages_to_archive(const std::string& version) {
    add_to_archive("munge", {"0.5.15-4", {"munge"}, {"/etc/munge"}, {}, {}, {"munge"}});
    add_to_archive("slurm-client", {version, {}, {"/etc/slurm"}, {}, {"munge"}, {}});
    add_to_archive("slurmctld", {version,
                                 {"slurmctld"},
                                 {"/etc/slurm"},
                                 {{"slurmctld", {"/etc/slurm/slurm.conf"}}},
                                 {"munge", "slurm-client"},
                                 {}});
    add_to_archive("libpmix-dev", {"5.0.1-4", {}, {}, {}, {}, {}});
    add_to_archive("slurm-mail", {"4.34-1", {}, {"/etc/slurm-mail"}, {}, {}, {}});
    add_to_archive("rsync", {"3.2.7-1", {}, {}, {}, {}, {}});
}

CommandResult FakeHost::apt_get(const std::vector<std::string>& args) {
    return call_program("apt-get", args, true, &FakeHost::run_apt_get);
}

CommandResult FakeHost::dpkg_query(const std::vector<std::string>& args) {
    return call_program("dpkg-query", args, false, &FakeHost::run_dpkg_query);
}

// ---- apt-get and dpkg-query ------------------------------------------------------------------

CommandResult FakeHost::run_apt_get(const std::vector<std::string>& args) {
    std::string verb;
    std::vector<std::string> names;
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (args[i] == "-o") {
            ++i;  // -o Dpkg::Options::=...: takes a value
        } else if (args[i].starts_with("-")) {
            continue;
        } else if (verb.empty()) {
            verb = args[i];
        } else {
            names.push_back(args[i]);
        }
    }
    if (verb == "update") {
        ++apt_updates;
        if (!archive_reachable) {
            // apt-get update only warns when it cannot fetch, and exits 0.
            return {0, "Err:1 http://archive.ubuntu.com/ubuntu noble InRelease\n",
                    "W: Failed to fetch http://archive.ubuntu.com/ubuntu/dists/noble/InRelease  "
                    "Temporary failure resolving 'archive.ubuntu.com'\nW: Some index files "
                    "failed to download. They have been ignored, or old ones used instead.\n"};
        }
        return ok("Reading package lists...\n");
    }
    if (verb == "install") {
        // apt resolves the whole request first: one unknown package and nothing is installed.
        std::vector<std::string> wanted;
        std::set<std::string> seen;
        std::vector<std::string> pending(names.rbegin(), names.rend());
        while (!pending.empty()) {
            const std::string name = pending.back();
            pending.pop_back();
            if (!seen.insert(name).second) {
                continue;
            }
            const auto found = archive.find(name);
            if (found == archive.end()) {
                return error(100, "E: Unable to locate package " + name + "\n");
            }
            wanted.push_back(name);
            const auto& depends = found->second.depends;
            pending.insert(pending.end(), depends.rbegin(), depends.rend());
        }
        std::string out = "Reading package lists...\n";
        std::vector<std::string> to_install;
        for (const auto& name : wanted) {
            const auto installed = packages.find(name);
            if (installed != packages.end() && installed->second.status == "installed" &&
                installed->second.version == archive.at(name).version) {
                out +=
                    name + " is already the newest version (" + installed->second.version + ").\n";
            } else {
                to_install.push_back(name);
            }
        }
        if (!to_install.empty() && !archive_reachable) {
            return {100, out,
                    "E: Failed to fetch http://archive.ubuntu.com/ubuntu/pool/main/" +
                        to_install.front() +
                        ".deb  Temporary failure resolving "
                        "'archive.ubuntu.com'\nE: Unable to fetch some archives, maybe run "
                        "apt-get update or try with --fix-missing?\n"};
        }
        for (const auto& name : to_install) {
            install_package(name, archive.at(name).version);
            // Debian's postinst enables the package's services and tries to start them.
            for (const auto& unit : archive.at(name).units) {
                FakeService& entry = service(unit);
                entry.enabled = true;
                start_unit(unit, entry);
            }
            out += "Setting up " + name + " (" + archive.at(name).version + ") ...\n";
        }
        return ok(out);
    }
    if (verb == "remove" || verb == "purge") {
        std::string out = "Reading package lists...\n";
        for (const auto& name : names) {
            const auto installed = packages.find(name);
            if (installed == packages.end() || installed->second.status != "installed") {
                out += "Package '" + name + "' is not installed, so not removed\n";
                if (verb == "purge" && installed != packages.end()) {
                    packages.erase(installed);
                }
                continue;
            }
            if (const auto found = archive.find(name); found != archive.end()) {
                for (const auto& unit : found->second.units) {
                    FakeService& entry = service(unit);
                    entry.active = false;
                    entry.enabled = false;
                    entry.installed = false;
                }
            }
            out += "Removing " + name + " (" + installed->second.version + ") ...\n";
            if (verb == "purge") {
                packages.erase(installed);
            } else {
                installed->second.status = "config-files";
            }
        }
        return ok(out);
    }
    return error(100, "E: Invalid operation " + verb + "\n");
}

namespace {

/// dpkg-query's --showformat: ${field} and the escapes \n, \t and \\.
std::string render_package(const std::string& format, const std::string& name,
                           const InstalledPackage& package) {
    const bool installed = package.status == "installed";
    const std::map<std::string, std::string> fields = {
        {"Package", name},
        {"binary:Package", name},
        {"Version", package.version},
        {"Status", installed ? "install ok installed" : "deinstall ok " + package.status},
        {"db:Status-Abbrev", installed ? "ii " : "rc "},
        {"db:Status-Want", installed ? "install" : "deinstall"},
        {"db:Status-Status", package.status},
    };
    std::string out;
    for (std::size_t i = 0; i < format.size(); ++i) {
        if (format[i] == '\\' && i + 1 < format.size()) {
            const char next = format[++i];
            out += next == 'n' ? '\n' : next == 't' ? '\t' : next;
        } else if (format.compare(i, 2, "${") == 0 && format.find('}', i) != std::string::npos) {
            const std::size_t close = format.find('}', i);
            const auto found = fields.find(format.substr(i + 2, close - i - 2));
            if (found != fields.end()) {
                out += found->second;
            }
            i = close;
        } else {
            out += format[i];
        }
    }
    return out;
}

}  // namespace

CommandResult FakeHost::run_dpkg_query(const std::vector<std::string>& args) {
    bool show = false;
    std::string format = "${binary:Package}\\t${Version}\\n";
    std::vector<std::string> names;
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "-W" || arg == "--show") {
            show = true;
        } else if (arg.starts_with("-f=") || arg.starts_with("--showformat=")) {
            format = arg.substr(arg.find('=') + 1);
        } else if ((arg == "-f" || arg == "--showformat") && i + 1 < args.size()) {
            format = args[++i];
        } else if (arg.starts_with("-")) {
            return error(2, "dpkg-query: error: unknown option " + arg + "\n");
        } else {
            names.push_back(arg);
        }
    }
    if (!show) {
        return error(2, "FakeHost models only dpkg-query -W (--show)\n");
    }
    CommandResult result = ok();
    for (const auto& name : names) {
        const auto found = packages.find(name);
        if (found == packages.end()) {
            result.exit_code = 1;
            result.stderr_text += "dpkg-query: no packages found matching " + name + "\n";
            continue;
        }
        result.stdout_text += render_package(format, name, found->second);
    }
    return result;
}

}  // namespace testing_support
