// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

namespace lightning::cli {

/// The prerequisites of a Makefile-style depfile as written by -MD/-MMD
/// ("target: a.hpp b\ c.hpp \<newline> d.hpp"), unescaped, in order.
std::vector<std::string> parse_depfile(const std::string& text);

/// One "size mtime_ns path" line per file: what the PCH was built from.
std::string stamp_lines(const std::vector<std::string>& paths);
/// True when every file in `lines` (from stamp_lines) still has that stamp.
bool stamp_lines_match(const std::string& lines);

}  // namespace lightning::cli
