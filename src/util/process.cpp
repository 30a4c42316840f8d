#include <csignal>
#include <future>
#include <system_error>

#include <boost/asio/io_context.hpp>
#include <boost/process.hpp>

#include <slurmctld/util/process.hpp>

namespace bp = boost::process;

namespace slurmctld::util {

namespace {

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

}  // namespace

ProcessResult run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
    if (argv.empty()) {
        throw std::invalid_argument("run_process: empty argv");
    }
    const auto program = resolve_program(argv[0]);
    const std::vector<std::string> args(argv.begin() + 1, argv.end());

    bp::environment env = boost::this_process::environment();
    for (const auto& [key, value] : options.env) {
        env[key] = value;
    }

    boost::asio::io_context io;
    std::future<std::string> out;
    std::future<std::string> err;
    std::error_code launch_error;
    // Both pipes are drained asynchronously so a chatty child can never block on a full pipe.
    bp::child child =
        options.stdin_data
            ? bp::child(program, bp::args(args), env,
                        bp::std_in<boost::asio::buffer(*options.stdin_data), bp::std_out> out,
                        bp::std_err > err, io, launch_error)
            : bp::child(program, bp::args(args), env, bp::std_in<bp::null, bp::std_out> out,
                        bp::std_err > err, io, launch_error);
    if (launch_error) {
        throw std::system_error(launch_error, "cannot run '" + argv[0] + "'");
    }

    ProcessResult result;
    if (options.timeout) {
        io.run_for(*options.timeout);
        if (!io.stopped()) {
            result.timed_out = true;
            std::error_code ignored;
            child.terminate(ignored);
            io.run();
        }
    } else {
        io.run();
    }
    child.wait();
    const int native = child.native_exit_code();
    if (result.timed_out) {
        result.exit_code = 128 + SIGKILL;
    } else if (WIFSIGNALED(native)) {
        result.exit_code = 128 + WTERMSIG(native);
    } else {
        result.exit_code = WEXITSTATUS(native);
    }
    result.stdout_text = out.get();
    result.stderr_text = err.get();
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

}  // namespace slurmctld::util
