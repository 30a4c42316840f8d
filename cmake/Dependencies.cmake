# Debian 12 packages only. The shipped binaries link yaml-cpp, Boost.Filesystem and libcrypto
# statically (Debian ships their .a files) and use fmt/spdlog header-only (no .a shipped).
find_package(Threads REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(fmt REQUIRED)

find_path(SPDLOG_INCLUDE_DIR spdlog/spdlog.h REQUIRED)
add_library(project_logging INTERFACE)
add_library(project::logging ALIAS project_logging)
target_include_directories(project_logging SYSTEM INTERFACE ${SPDLOG_INCLUDE_DIR})
# spdlog's own header-only target drags in the shared libfmt; use fmt header-only instead.
target_compile_definitions(project_logging INTERFACE SPDLOG_FMT_EXTERNAL)
target_link_libraries(project_logging INTERFACE fmt::fmt-header-only Threads::Threads)

find_path(YAML_CPP_INCLUDE_DIR yaml-cpp/yaml.h REQUIRED)
find_library(YAML_CPP_STATIC_LIBRARY NAMES libyaml-cpp.a REQUIRED)
add_library(project_yaml_cpp_static INTERFACE)
add_library(project::yaml_cpp_static ALIAS project_yaml_cpp_static)
target_include_directories(project_yaml_cpp_static SYSTEM INTERFACE ${YAML_CPP_INCLUDE_DIR})
target_link_libraries(project_yaml_cpp_static INTERFACE ${YAML_CPP_STATIC_LIBRARY})

# Header-only parts (UUID, Outcome). Programs are started with posix_spawn (util/process.cpp):
# Boost.Process v1 forks the whole process (its vfork mode does not build with glibc's
# feature macros), which was most of a program's launch cost in a hook.
find_package(Boost 1.74 REQUIRED)
add_library(project_boost INTERFACE)
add_library(project::boost ALIAS project_boost)
target_link_libraries(project_boost INTERFACE Boost::headers)
# Outcome warns under -Wold-style-cast etc.; it is not our code.
target_compile_definitions(project_boost INTERFACE BOOST_ALLOW_DEPRECATED_HEADERS)

set(OPENSSL_USE_STATIC_LIBS TRUE)
# OpenSSL 3.5 (Debian 13; Ubuntu 26.04) lists zlib among libcrypto's static dependencies:
# FindOpenSSL then finds ZLIB itself and links ZLIB::ZLIB, which must be static here too.
set(ZLIB_USE_STATIC_LIBS ON)
find_package(OpenSSL 3 REQUIRED COMPONENTS Crypto)
# It lists zstd too (as a bare library name, which the linker would take shared): the archive.
get_target_property(OPENSSL_CRYPTO_DEPENDENCIES OpenSSL::Crypto INTERFACE_LINK_LIBRARIES)
if(OPENSSL_CRYPTO_DEPENDENCIES AND "zstd" IN_LIST OPENSSL_CRYPTO_DEPENDENCIES)
  find_library(ZSTD_STATIC_LIBRARY NAMES libzstd.a REQUIRED)
  list(TRANSFORM OPENSSL_CRYPTO_DEPENDENCIES REPLACE "^zstd$" "${ZSTD_STATIC_LIBRARY}")
  set_target_properties(OpenSSL::Crypto PROPERTIES
    INTERFACE_LINK_LIBRARIES "${OPENSSL_CRYPTO_DEPENDENCIES}")
endif()
add_library(project_crypto_static INTERFACE)
add_library(project::crypto_static ALIAS project_crypto_static)
target_link_libraries(project_crypto_static INTERFACE OpenSSL::Crypto ${CMAKE_DL_LIBS})
