// RealHost's clock and the programs it runs (each with its own time limit from
// RealHostOptions); the file system side is real_host.cpp.
#include <cerrno>
#include <exception>
#include <system_error>
#include <thread>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <slurmctld/host/real_host.hpp>

namespace slurmctld::host {

// ---- time --------------------------------------------------------------------------------

std::chrono::system_clock::time_point RealHost::now() {
    return std::chrono::system_clock::now();
}

std::chrono::steady_clock::time_point RealHost::steady_now() {
    return std::chrono::steady_clock::now();
}

void RealHost::sleep_for(std::chrono::milliseconds duration) {
    std::this_thread::sleep_for(duration);
}

// ---- programs ----------------------------------------------------------------------------

Expected<util::http::Response> RealHost::http_request(const std::string& host_name, int port,
                                                      const util::http::Request& request,
                                                      std::chrono::milliseconds timeout) {
    return util::http::send(host_name, port, request, timeout);
}

bool RealHost::can_connect(const std::string& host_name, int port,
                           std::chrono::milliseconds timeout) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host_name.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) {
        return false;
    }
    bool connected = false;
    for (const addrinfo* address = found; address != nullptr && !connected;
         address = address->ai_next) {
        util::UniqueFd socket_fd(::socket(address->ai_family,
                                          address->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                                          address->ai_protocol));
        if (!socket_fd) {
            continue;
        }
        if (::connect(socket_fd.get(), address->ai_addr, address->ai_addrlen) == 0) {
            connected = true;
            break;
        }
        if (errno != EINPROGRESS) {
            continue;
        }
        pollfd wait{socket_fd.get(), POLLOUT, 0};
        if (::poll(&wait, 1, static_cast<int>(timeout.count())) == 1) {
            int error = 0;
            socklen_t size = sizeof error;
            connected = ::getsockopt(socket_fd.get(), SOL_SOCKET, SO_ERROR, &error, &size) == 0 &&
                        error == 0;
        }
    }
    ::freeaddrinfo(found);
    return connected;
}

CommandResult RealHost::run(const std::string& program, const std::vector<std::string>& args,
                            std::chrono::milliseconds timeout,
                            util::ProcessOptions process_options) {
    std::vector<std::string> argv;
    argv.reserve(args.size() + 1);
    argv.push_back(options_.program_directory.empty()
                       ? program
                       : (options_.program_directory / program).string());
    argv.insert(argv.end(), args.begin(), args.end());
    process_options.timeout = timeout;
    util::ProcessResult process;
    try {
        process = util::run_process(argv, process_options);
    } catch (const std::system_error& error) {
        return {127, "", std::string(error.what()) + "\n"};
    }
    return {process.exit_code, std::move(process.stdout_text), std::move(process.stderr_text)};
}

CommandResult RealHost::systemctl(const std::vector<std::string>& args) {
    return run("systemctl", args, options_.systemctl_timeout);
}

CommandResult RealHost::apt_get(const std::vector<std::string>& args) {
    util::ProcessOptions options;
    options.env["DEBIAN_FRONTEND"] = "noninteractive";
    return run("apt-get", args, options_.apt_get_timeout, options);
}

CommandResult RealHost::dpkg_query(const std::vector<std::string>& args) {
    return run("dpkg-query", args, options_.dpkg_query_timeout);
}

CommandResult RealHost::scontrol(const std::vector<std::string>& args) {
    return run("scontrol", args, options_.scontrol_timeout);
}

CommandResult RealHost::scontrol_with_config(const fs::path& slurm_conf,
                                             const std::vector<std::string>& args) {
    util::ProcessOptions options;
    options.env["SLURM_CONF"] = slurm_conf.string();
    return run("scontrol", args, options_.scontrol_timeout, options);
}

void RealHost::run_concurrently(const std::vector<std::function<void()>>& tasks) {
    // The first task runs on this thread; each other on one of its own. Every task ends by
    // itself (its program's time limit), so joining them all cannot block past the slowest.
    std::vector<std::exception_ptr> errors(tasks.size());
    const auto run = [&tasks, &errors](std::size_t index) {
        try {
            tasks[index]();
        } catch (...) {
            errors[index] = std::current_exception();
        }
    };
    std::vector<std::thread> threads;
    threads.reserve(tasks.size());
    for (std::size_t index = 1; index < tasks.size(); ++index) {
        try {
            threads.emplace_back(run, index);
        } catch (const std::system_error&) {
            run(index);  // no thread to be had: in line
        }
    }
    if (!tasks.empty()) {
        run(0);
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (const auto& error : errors) {
        if (error) {
            std::rethrow_exception(error);
        }
    }
}

CommandResult RealHost::rsync(const std::vector<std::string>& args) {
    return run("rsync", args, options_.rsync_timeout);
}

CommandResult RealHost::systemd_detect_virt(const std::vector<std::string>& args) {
    return run("systemd-detect-virt", args, options_.systemd_detect_virt_timeout);
}

}  // namespace slurmctld::host
