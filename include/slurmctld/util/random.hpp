// Random identifiers: UUIDs for keys and file-system identities, short names for temp files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace slurmctld::util {

/// A random (version 4) UUID in lower-case canonical form, e.g.
/// "0f8fad5b-d9cb-469f-a165-70867728950e".
std::string random_uuid_v4();

/// `length` characters from [A-Za-z0-9], straight from the kernel's CSPRNG without modulo
/// bias: names of temp files and private directories, which must not collide between processes
/// or machines sharing a directory, and passwords the charm creates (32 characters: 190 bits).
std::string random_alphanumeric(std::size_t length);

/// `length` characters of `alphabet` (1 to 256 characters), drawn as random_alphanumeric's:
/// hexadecimal machine and invocation ids, Juju's base32 secret ids.
std::string random_string(std::size_t length, std::string_view alphabet);

/// A random 64-bit number from the kernel's CSPRNG (Juju's hook context ids: its low 63 bits).
std::uint64_t random_uint64();

}  // namespace slurmctld::util
