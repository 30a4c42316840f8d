#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <system_error>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jujusim/host_directory_machine.hpp>

namespace jujusim {

namespace {

std::string find_program(const std::string& name, const std::map<std::string, std::string>& env) {
    if (name.find('/') != std::string::npos) {
        return name;
    }
    const auto it = env.find("PATH");
    const std::string path = it != env.end()
                                 ? it->second
                                 : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    std::size_t start = 0;
    while (start <= path.size()) {
        const auto end = path.find(':', start);
        const std::string dir =
            path.substr(start, end == std::string::npos ? std::string::npos : end - start);
        if (!dir.empty()) {
            const std::string candidate = dir + "/" + name;
            if (::access(candidate.c_str(), X_OK) == 0) {
                return candidate;
            }
        }
        if (end == std::string::npos) {
            break;
        }
        start = end + 1;
    }
    return name;
}

/// Splits appended output into complete lines and hands them on.
struct LineSplitter {
    std::string pending;
    void feed(const char* data, std::size_t size, bool is_stderr, const ExecRequest& request,
              std::string& collected) {
        if (!request.on_output) {
            collected.append(data, size);
            return;
        }
        pending.append(data, size);
        std::size_t newline;
        while ((newline = pending.find('\n')) != std::string::npos) {
            request.on_output(pending.substr(0, newline), is_stderr);
            pending.erase(0, newline + 1);
        }
    }
    void flush(bool is_stderr, const ExecRequest& request) {
        if (request.on_output && !pending.empty()) {
            request.on_output(pending, is_stderr);
        }
        pending.clear();
    }
};

}  // namespace

ExecResult run_local(const ExecRequest& request) {
    if (request.argv.empty()) {
        throw std::invalid_argument("run_local: empty argv");
    }
    int out_pipe[2];
    int err_pipe[2];
    int in_pipe[2];
    if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0 ||
        ::pipe2(in_pipe, O_CLOEXEC) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe");
    }
    std::vector<std::string> env_strings;
    for (const auto& [key, value] : request.env) {
        env_strings.push_back(key + "=" + value);
    }
    std::vector<char*> envp;
    for (auto& item : env_strings) {
        envp.push_back(item.data());
    }
    envp.push_back(nullptr);
    std::vector<std::string> args = request.argv;
    std::vector<char*> argv;
    for (auto& item : args) {
        argv.push_back(item.data());
    }
    argv.push_back(nullptr);
    const std::string program = find_program(request.argv[0], request.env);
    const std::string cwd = request.cwd.string();

    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::system_error(errno, std::generic_category(), "fork");
    }
    if (pid == 0) {
        // Child: only async-signal-safe calls from here on.
        ::setpgid(0, 0);
        ::dup2(in_pipe[0], 0);
        ::dup2(out_pipe[1], 1);
        ::dup2(err_pipe[1], 2);
        if (!request.stdin_data) {
            const int null_fd = ::open("/dev/null", O_RDONLY);
            if (null_fd >= 0) {
                ::dup2(null_fd, 0);
            }
        }
        sigset_t none;
        sigemptyset(&none);
        ::sigprocmask(SIG_SETMASK, &none, nullptr);
        ::signal(SIGPIPE, SIG_DFL);
        if (::chdir(cwd.c_str()) != 0) {
            const char message[] = "cannot change to the working directory\n";
            (void)!::write(2, message, sizeof message - 1);
            ::_exit(127);
        }
        ::execve(program.c_str(), argv.data(), envp.data());
        const char* reason = std::strerror(errno);
        (void)!::write(2, "exec failed: ", 13);
        (void)!::write(2, reason, std::strlen(reason));
        (void)!::write(2, "\n", 1);
        ::_exit(127);
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    ::close(in_pipe[0]);
    std::string to_write = request.stdin_data.value_or("");
    std::size_t written = 0;
    int in_fd = in_pipe[1];
    if (to_write.empty()) {
        ::close(in_fd);
        in_fd = -1;
    } else {
        ::fcntl(in_fd, F_SETFL, O_NONBLOCK);
    }

    ExecResult result;
    LineSplitter out_lines;
    LineSplitter err_lines;
    int open_outputs = 2;
    const auto deadline = request.timeout ? std::chrono::steady_clock::now() + *request.timeout
                                          : std::chrono::steady_clock::time_point::max();
    char buffer[65536];
    while (open_outputs > 0) {
        std::vector<pollfd> fds;
        if (out_pipe[0] >= 0) {
            fds.push_back({out_pipe[0], POLLIN, 0});
        }
        if (err_pipe[0] >= 0) {
            fds.push_back({err_pipe[0], POLLIN, 0});
        }
        if (in_fd >= 0) {
            fds.push_back({in_fd, POLLOUT, 0});
        }
        int wait_ms = -1;
        if (request.timeout) {
            const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                result.timed_out = true;
                ::kill(-pid, SIGKILL);
                ::kill(pid, SIGKILL);
                break;
            }
            wait_ms = static_cast<int>(left.count());
        }
        const int ready = ::poll(fds.data(), fds.size(), wait_ms);
        if (ready < 0 && errno != EINTR) {
            break;
        }
        for (const auto& entry : fds) {
            if (entry.revents == 0) {
                continue;
            }
            if (entry.fd == in_fd) {
                const ssize_t n =
                    ::write(in_fd, to_write.data() + written, to_write.size() - written);
                if (n > 0) {
                    written += static_cast<std::size_t>(n);
                }
                if (n < 0 && errno != EAGAIN) {
                    written = to_write.size();
                }
                if (written >= to_write.size()) {
                    ::close(in_fd);
                    in_fd = -1;
                }
                continue;
            }
            const bool is_err = entry.fd == err_pipe[0];
            const ssize_t n = ::read(entry.fd, buffer, sizeof buffer);
            if (n > 0) {
                (is_err ? err_lines : out_lines)
                    .feed(buffer, static_cast<std::size_t>(n), is_err, request,
                          is_err ? result.stderr_text : result.stdout_text);
            } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
                ::close(entry.fd);
                (is_err ? err_pipe[0] : out_pipe[0]) = -1;
                --open_outputs;
            }
        }
    }
    if (in_fd >= 0) {
        ::close(in_fd);
    }
    if (out_pipe[0] >= 0) {
        ::close(out_pipe[0]);
    }
    if (err_pipe[0] >= 0) {
        ::close(err_pipe[0]);
    }
    out_lines.flush(false, request);
    err_lines.flush(true, request);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (result.timed_out) {
        result.exit_code = 128 + SIGKILL;
    } else if (WIFSIGNALED(status)) {
        result.exit_code = 128 + WTERMSIG(status);
    } else {
        result.exit_code = WEXITSTATUS(status);
    }
    return result;
}

HostDirectoryMachine::HostDirectoryMachine(std::string id, std::string hostname,
                                           std::string address, fs::path root)
    : id_(std::move(id)),
      hostname_(std::move(hostname)),
      address_(std::move(address)),
      root_(std::move(root)) {
    fs::create_directories(root_ / "var/lib/juju");
    fs::create_directories(root_ / "etc");
}

void HostDirectoryMachine::boot() {
    std::lock_guard lock(mutex_);
    running_ = true;
}

void HostDirectoryMachine::poweroff() {
    std::lock_guard lock(mutex_);
    running_ = false;
}

bool HostDirectoryMachine::is_running() const {
    std::lock_guard lock(mutex_);
    return running_;
}

ExecResult HostDirectoryMachine::exec(const ExecRequest& request) {
    return run_local(request);
}

void HostDirectoryMachine::bind_mount(const fs::path& host_dir, const fs::path& machine_path) {
    const fs::path link = root_ / machine_path.relative_path();
    fs::create_directories(link.parent_path());
    std::error_code ignored;
    if (fs::is_symlink(link, ignored) || fs::is_empty(link, ignored)) {
        fs::remove(link, ignored);
    }
    if (!fs::exists(link)) {
        fs::create_directory_symlink(host_dir, link);
    }
}

void HostDirectoryMachine::set_hosts(
    const std::vector<std::pair<std::string, std::string>>& entries) {
    std::ofstream out(root_ / "etc/hosts", std::ios::trunc);
    out << "127.0.0.1 localhost\n";
    for (const auto& [address, name] : entries) {
        out << address << ' ' << name << '\n';
    }
}

fs::path juju_dir_in_machine(const Machine& machine) {
    if (dynamic_cast<const HostDirectoryMachine*>(&machine) != nullptr) {
        return machine.juju_dir_on_host();
    }
    return "/var/lib/juju";
}

}  // namespace jujusim
