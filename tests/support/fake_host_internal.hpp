// What the FakeHost source files share (fake_host*.cpp): the failures it throws and the
// command results it gives. Not for tests: they use fake_host.hpp.
#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <string>
#include <system_error>
#include <vector>

#include "support/fake_host.hpp"

namespace testing_support::fake_host_internal {

namespace host = slurmctld::host;
using host::FileStatus;
using host::FileType;
using host::HostError;

[[noreturn]] inline void fail(const std::string& what, std::errc error) {
    throw HostError(what + ": " + std::make_error_code(error).message());
}

[[noreturn]] inline void refuse_symlink(const std::string& what) {
    throw HostError(what + ": the path goes through a symbolic link, which is not followed");
}

inline bool starts_with(const std::vector<std::string>& argv,
                        const std::vector<std::string>& prefix) {
    return prefix.size() <= argv.size() && std::equal(prefix.begin(), prefix.end(), argv.begin());
}

inline std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

/// What a program killed at its time limit leaves on stderr (RealHost's words).
inline std::string timeout_note(const std::string& program, std::chrono::milliseconds limit) {
    return program + ": no answer within " + std::to_string(limit.count()) +
           " ms; killed with its process group\n";
}

inline CommandResult ok(std::string out = {}) {
    return {0, std::move(out), {}};
}

inline CommandResult error(int code, std::string err) {
    return {code, {}, std::move(err)};
}

}  // namespace testing_support::fake_host_internal
