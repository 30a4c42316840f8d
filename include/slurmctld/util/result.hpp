// Expected-style results for the low layers (process runs, parsers, file I/O).
// Upper layers turn failures into exceptions (see errors.hpp) or Juju statuses.
#pragma once

#include <string>
#include <vector>

#include <boost/outcome/result.hpp>
#include <boost/outcome/try.hpp>

namespace slurmctld {

namespace outcome = BOOST_OUTCOME_V2_NAMESPACE;

/// A result that holds either a T or an error E. Calling value() on an error throws.
template <class T, class E>
using Result = outcome::result<T, E, outcome::policy::throw_bad_result_access<E, void>>;

/// Why a low-level operation failed, in words fit for a log line.
struct Failure {
    std::string message;
};

template <class T>
using Expected = Result<T, Failure>;

}  // namespace slurmctld
