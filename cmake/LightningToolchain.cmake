# Fast-build defaults: ccache when present, lld when the compiler can use it, and
# warnings for project code (errors with LIGHTNING_WERROR, as CI builds).
find_program(LIGHTNING_CCACHE ccache)
if(LIGHTNING_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${LIGHTNING_CCACHE})
endif()

include(CheckLinkerFlag)
check_linker_flag(CXX "-fuse-ld=lld" LIGHTNING_HAS_LLD)
if(LIGHTNING_HAS_LLD)
  add_link_options(-fuse-ld=lld)
endif()

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "" FORCE)
endif()

# Applied to targets built from project sources (not generated code).
function(lightning_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  if(LIGHTNING_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# Precompiled headers (LIGHTNING_PCH, on by default): the third-party headers
# that most files parse (nlohmann/json, spdlog, gRPC, Asio/Beast, CLI11,
# GoogleTest: 1-3 s each with clang) are parsed once per target instead of
# once per file; measured in docs/design/build.md. ccache caches the PCH and
# the files built with it given sloppiness pch_defines,time_macros and clang's
# -fno-pch-timestamp. scripts/lint.sh runs clang-tidy without them, so a file
# that leans on the PCH for a header it does not include fails there.
option(LIGHTNING_PCH "Precompile heavy third-party headers" ON)
if(LIGHTNING_PCH AND LIGHTNING_CCACHE AND CMAKE_CXX_COMPILER_LAUNCHER STREQUAL LIGHTNING_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER env CCACHE_SLOPPINESS=pch_defines,time_macros ${LIGHTNING_CCACHE})
endif()

# lightning_pch(target header...): `target` precompiles these headers.
# lightning_pch(target REUSE_FROM other): `target` uses `other`'s (same flags).
function(lightning_pch target)
  if(NOT LIGHTNING_PCH)
    return()
  endif()
  if(ARGV1 STREQUAL "REUSE_FROM")
    target_precompile_headers(${target} REUSE_FROM ${ARGV2})
  else()
    target_precompile_headers(${target} PRIVATE ${ARGN})
  endif()
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    target_compile_options(${target} PRIVATE "SHELL:-Xclang -fno-pch-timestamp")
  endif()
endfunction()

# Unity builds (LIGHTNING_UNITY_BUILD, ON in the asan and tsan presets, which
# CI builds from nothing): lightning_unity(target) has CMake merge the
# target's sources into unity files of 8, so the headers, and the templates
# they instantiate (json, Beast, gRPC), are compiled once per 8 files instead
# of once per file. The library under ASan: 275 s of CPU instead of 540 s
# (docs/design/build.md). Off elsewhere: clang-tidy (scripts/lint.sh) reads
# the ci preset's compile commands file by file, and a unity file hides a
# missing #include. Names at namespace scope in a .cpp (anonymous namespaces
# included) must therefore be unique across the target's files.
#
# lightning_unity(target TEST) marks a test binary: LIGHTNING_UNITY_TESTS (ON
# in the ci preset too) makes it a unity build even where the library is
# compiled file by file. Tests are not linted, so nothing reads their
# per-file compile commands; the unit and integration tests' CPU in a cold ci
# build is about halved (docs/design/build.md).
option(LIGHTNING_UNITY_BUILD "Unity builds of the largest targets" OFF)
option(LIGHTNING_UNITY_TESTS "Unity builds of the test binaries" OFF)
function(lightning_unity target)
  if(LIGHTNING_UNITY_BUILD OR (ARGV1 STREQUAL "TEST" AND LIGHTNING_UNITY_TESTS))
    set_target_properties(${target} PROPERTIES UNITY_BUILD ON UNITY_BUILD_BATCH_SIZE 8)
  endif()
endfunction()
