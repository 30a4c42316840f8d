// The message of the exception an action throws, for tests that check refusals word for word.
#pragma once

#include <functional>
#include <string>

namespace testing_support {

/// what() of the `Error` that `action` throws; "no error" when it throws none.
template <class Error>
std::string error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& error) {
        return error.what();
    }
    return "no error";
}

}  // namespace testing_support
