// systemctl and journalctl inside a machine. systemctl hands its arguments to the init over
// /run/jujusim/init.sock and prints the answer; journalctl reads the logs the init writes.
#include <algorithm>
#include <cstring>
#include <filesystem>
#include <iostream>

#include <nlohmann/json.hpp>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <jujusim/machine_tools.hpp>

#include "service_log.hpp"

namespace jujusim::tools {

namespace {
constexpr const char* kInitSocket = "/run/jujusim/init.sock";
constexpr const char* kLogDir = "/var/log/jujusim";
}  // namespace

int systemctl_main(const std::vector<std::string>& args) {
    if (std::find(args.begin(), args.end(), "--version") != args.end()) {
        std::cout << "systemd 257 (jujusim-machine)\n";
        return 0;
    }
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::strncpy(address.sun_path, kInitSocket, sizeof(address.sun_path) - 1);
    if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        std::cerr
            << "System has not been booted with systemd as init system (PID 1). Can't operate.\n"
               "Failed to connect to system scope bus via local transport: Host is down\n";
        return 1;
    }
    const std::string request = nlohmann::json{{"argv", args}}.dump() + "\n";
    size_t sent = 0;
    while (sent < request.size()) {
        const ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
        if (n <= 0) {
            std::cerr << "Failed to talk to the init: " << std::strerror(errno) << "\n";
            return 1;
        }
        sent += static_cast<size_t>(n);
    }
    std::string reply;
    char buffer[65536];
    ssize_t n = 0;
    while ((n = ::read(fd, buffer, sizeof buffer)) > 0) {
        reply.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    try {
        const auto json = nlohmann::json::parse(reply);
        std::cout << json.value("stdout", "");
        std::cerr << json.value("stderr", "");
        return json.value("exit", 1);
    } catch (const std::exception&) {
        std::cerr << "Failed to read the init's answer (did it stop?)\n";
        return 1;
    }
}

int journalctl_main(const std::vector<std::string>& args) {
    std::vector<std::string> units;
    int lines = -1;
    std::string output = "short";
    for (size_t i = 0; i < args.size(); ++i) {
        const auto& arg = args[i];
        auto next = [&]() { return i + 1 < args.size() ? args[++i] : std::string(); };
        if (arg == "-u" || arg == "--unit") {
            units.push_back(next());
        } else if (arg.rfind("--unit=", 0) == 0) {
            units.push_back(arg.substr(7));
        } else if (arg.rfind("-u", 0) == 0 && arg.size() > 2) {
            units.push_back(arg.substr(2));
        } else if (arg == "-n" || arg == "--lines") {
            lines = std::atoi(next().c_str());
        } else if (arg.rfind("--lines=", 0) == 0) {
            lines = std::atoi(arg.c_str() + 8);
        } else if (arg.rfind("-n", 0) == 0 && arg.size() > 2) {
            lines = std::atoi(arg.c_str() + 2);
        } else if (arg == "-e" || arg == "--pager-end") {
            if (lines < 0) {
                lines = 1000;
            }
        } else if (arg == "-o" || arg == "--output") {
            output = next();
        } else if (arg.rfind("--output=", 0) == 0) {
            output = arg.substr(9);
        } else if (arg == "--since" || arg == "--until" || arg == "-p" || arg == "--priority" ||
                   arg == "-t") {
            next();  // accepted, not filtered
        }
    }
    std::vector<init::LogEntry> entries;
    if (units.empty()) {
        std::error_code ec;
        for (const auto& entry : std::filesystem::directory_iterator(kLogDir, ec)) {
            const auto name = entry.path().filename().string();
            if (name.size() > 4 && name.substr(name.size() - 4) == ".log") {
                units.push_back(name.substr(0, name.size() - 4));
            }
        }
    }
    for (auto unit : units) {
        if (unit.find('.') == std::string::npos) {
            unit += ".service";
        }
        for (auto& entry : init::read_unit_log(kLogDir, unit, lines)) {
            entries.push_back(std::move(entry));
        }
    }
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.timestamp < b.timestamp; });
    if (lines >= 0 && entries.size() > static_cast<size_t>(lines)) {
        entries.erase(entries.begin(), entries.end() - lines);
    }
    if (entries.empty()) {
        std::cout << "-- No entries --\n";
        return 0;
    }
    for (const auto& entry : entries) {
        if (output == "cat") {
            std::cout << entry.message << "\n";
        } else if (output == "short-iso" || output == "short-iso-precise") {
            std::cout << entry.timestamp << " " << entry.host << " " << entry.identifier << ": "
                      << entry.message << "\n";
        } else {
            std::cout << entry.short_format() << "\n";
        }
    }
    return 0;
}

}  // namespace jujusim::tools
