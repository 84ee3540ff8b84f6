// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "util/status.hpp"

namespace lightning::journal {

/// SHA-256 of the file at `path` as 64 lowercase hex digits (OpenSSL's EVP
/// API, read in 1 MiB chunks). What the journal records of the app binary, so
/// that a resume can tell whether the app changed.
Result<std::string> sha256_of_file(const std::string& path);

/// The running executable's path (/proc/self/exe resolved); "" if unknown.
std::string self_exe_path();

}  // namespace lightning::journal
