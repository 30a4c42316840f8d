#include <cerrno>
#include <csignal>
#include <future>
#include <system_error>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/process.hpp>
#include <boost/process/extend.hpp>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <slurmctld/util/fd.hpp>
#include <slurmctld/util/process.hpp>

namespace bp = boost::process;

namespace slurmctld::util {

namespace {

using Clock = std::chrono::steady_clock;

/// After SIGKILL, how long to wait for the pipes to close and the child to be reaped.
constexpr std::chrono::milliseconds kKillGrace{2000};
constexpr std::chrono::milliseconds kPollStep{5};

boost::filesystem::path resolve_program(const std::string& name) {
    if (name.find('/') != std::string::npos) {
        return name;
    }
    auto found = bp::search_path(name);
    if (found.empty()) {
        throw std::system_error(std::make_error_code(std::errc::no_such_file_or_directory),
                                "cannot run '" + name + "': not found on PATH");
    }
    return found;
}

int decode_wait_status(int status) {
    if (WIFSIGNALED(status)) {
        return 128 + WTERMSIG(status);
    }
    return WEXITSTATUS(status);
}

std::string timeout_note(const std::string& program, std::chrono::milliseconds limit) {
    return program + ": no answer within " + std::to_string(limit.count()) +
           " ms; killed with its process group\n";
}

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (argv.empty()) {
        throw std::invalid_argument("run_process: empty argv");
    }
    const auto program = resolve_program(argv[0]);
    const std::vector<std::string> args(argv.begin() + 1, argv.end());
    const auto limit = options.timeout.value_or(kDefaultProcessTimeout);
    const auto deadline = Clock::now() + limit;

    bp::environment env = options.inherit_environment
                              ? bp::environment(boost::this_process::environment())
                              : bp::environment();
    for (const auto& [key, value] : options.env) {
        env[key] = value;
    }

    boost::asio::io_context io;
    std::future<std::string> out;
    std::future<std::string> err;
    std::error_code launch_error;
    // Its own process group, so a timeout kills what it started too (a shell's children).
    const auto own_group = bp::extend::on_exec_setup([](auto&) { ::setpgid(0, 0); });
    const auto launch = [&](auto&&... extra) {
        // Both pipes are drained asynchronously so a chatty child never blocks on a full pipe.
        return bp::child(program, bp::args(args), env, bp::std_out > out, bp::std_err > err, io,
                         launch_error, own_group, std::forward<decltype(extra)>(extra)...);
    };
    const boost::filesystem::path start_dir =
        options.working_directory ? options.working_directory->string() : std::string();
    bp::child child;
    if (options.stdin_data && options.working_directory) {
        child =
            launch(bp::std_in < boost::asio::buffer(*options.stdin_data), bp::start_dir(start_dir));
    } else if (options.stdin_data) {
        child = launch(bp::std_in < boost::asio::buffer(*options.stdin_data));
    } else if (options.working_directory) {
        child = launch(bp::std_in < bp::null, bp::start_dir(start_dir));
    } else {
        child = launch(bp::std_in < bp::null);
    }
    if (launch_error) {
        throw std::system_error(launch_error, "cannot run '" + argv[0] + "'");
    }
    const pid_t pid = child.id();

    ProcessResult result;
    io.run_for(limit);
    std::error_code ignored;
    // The pipes are closed; the child may still run (it closed them, or left a daemon).
    while (io.stopped() && child.running(ignored) && Clock::now() < deadline) {
        std::this_thread::sleep_for(kPollStep);
    }
    if (!io.stopped() || child.running(ignored)) {
        result.timed_out = true;
        ::kill(-pid, SIGKILL);
        ::kill(pid, SIGKILL);
        io.restart();
        io.run_for(kKillGrace);
    }
    const auto reap_deadline = Clock::now() + kKillGrace;
    while (child.running(ignored) && Clock::now() < reap_deadline) {
        std::this_thread::sleep_for(kPollStep);
    }
    if (child.running(ignored)) {
        child.detach();  // stuck in the kernel; never block the caller on it
    }
    if (result.timed_out) {
        result.exit_code = kTimeoutExitCode;
    } else {
        result.exit_code = decode_wait_status(child.native_exit_code());
    }
    const auto ready = [](std::future<std::string>& text) {
        return text.valid() && text.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    };
    if (ready(out)) {
        result.stdout_text = out.get();
    }
    if (ready(err)) {
        result.stderr_text = err.get();
    }
    if (result.timed_out) {
        result.stderr_text += timeout_note(argv[0], limit);
    }
    return result;
}

std::string describe_command(const std::vector<std::string>& argv) {
    std::string text;
    for (const auto& arg : argv) {
        if (!text.empty()) {
            text += ' ';
        }
        text += arg;
    }
    return text;
}

ChildResult run_in_child(const std::function<int(int output_fd)>& body,
                         std::chrono::milliseconds timeout, std::size_t max_output) {
    auto [read_end, write_end] = make_pipe();
    const pid_t pid = ::fork();
    if (pid < 0) {
        throw std::system_error(errno, std::generic_category(), "fork");
    }
    if (pid == 0) {
        ::close(read_end.get());
        int code = 125;
        try {
            code = body(write_end.get());
        } catch (...) {
        }
        ::_exit(code);
    }
    write_end.reset();
    const auto deadline = Clock::now() + timeout;
    const auto remaining_ms = [&deadline] {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        return static_cast<int>(std::max<std::int64_t>(0, left.count()));
    };
    ChildResult result;
    char buffer[4096];
    for (;;) {
        pollfd entry{read_end.get(), POLLIN, 0};
        const int ready = ::poll(&entry, 1, remaining_ms());
        if (ready < 0 && errno == EINTR) {
            continue;
        }
        if (ready <= 0) {
            result.timed_out = true;
            break;
        }
        const ssize_t count = ::read(read_end.get(), buffer, sizeof buffer);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            break;
        }
        const auto room = max_output - std::min(max_output, result.output.size());
        result.output.append(buffer, std::min(room, static_cast<std::size_t>(count)));
    }
    int status = 0;
    pid_t reaped = 0;
    while (!result.timed_out && (reaped = ::waitpid(pid, &status, WNOHANG)) == 0) {
        if (Clock::now() >= deadline) {
            result.timed_out = true;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (result.timed_out) {
        ::kill(pid, SIGKILL);
        const auto reap_deadline = Clock::now() + kKillGrace;
        while ((reaped = ::waitpid(pid, &status, WNOHANG)) == 0 && Clock::now() < reap_deadline) {
            std::this_thread::sleep_for(kPollStep);
        }
        result.reaped = reaped == pid;
        result.exit_code = kTimeoutExitCode;
        return result;
    }
    result.exit_code = reaped == pid ? decode_wait_status(status) : -1;
    return result;
}

}  // namespace slurmctld::util
