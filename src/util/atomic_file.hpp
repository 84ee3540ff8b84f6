// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The project's one way to replace a file's content on disk (the controller's
// state file, lightning-run's manifests and cache files). POSIX only; no
// dependency beyond the C++ standard library, so lightning-run can compile it in
// too (src/util/CMakeLists.txt).
#pragma once

#include <string>
#include <string_view>

#include "util/status.hpp"

namespace lightning::util {

/// "<what>: <strerror(err)>" as a Status whose code a caller can act on, with
/// a hint where strerror alone does not say the fix: kResourceExhausted for a
/// full disk (ENOSPC, EDQUOT: "the disk is full; free some space") or a file
/// size limit (EFBIG), kFailedPrecondition for a directory that cannot be
/// written (EACCES, EPERM, EROFS), kNotFound for a missing one (ENOENT,
/// ENOTDIR), kInternal otherwise.
Status io_error_status(int err, const std::string& what);

/// Replaces the file at `path` with `content` so that a reader (or a machine
/// that loses power) sees the old file or the new one, never a partial one:
/// writes a temporary file in the same directory, fsyncs it, renames it over
/// `path`, then fsyncs the directory so the rename itself is durable.
///
/// On failure the temporary file is removed, `path` is left as it was, and the
/// Status says what failed and how to fix it: kResourceExhausted for a full disk
/// (ENOSPC, EDQUOT, or a file size limit: EFBIG), kFailedPrecondition for a
/// directory that cannot be written, kNotFound for a missing directory. The
/// new file gets mode 0666 minus the umask, like std::ofstream's.
///
///   Status s = util::write_file_atomically(run_dir + "/state.json", text);
///   if (!s.ok()) log_warning(s.message());
Status write_file_atomically(const std::string& path, std::string_view content);

/// Writes a secret (a token) to `path`, readable by its owner only: created
/// 0600 (O_NOFOLLOW) under a temporary name beside it, then renamed over
/// `path`, so no other user ever sees it readable. Not fsynced: a secret that
/// is lost with the machine is made again. kUnavailable with the errno's text
/// when it cannot be written; the temporary file is removed.
Status write_private_file(const std::string& path, std::string_view content);

}  // namespace lightning::util
