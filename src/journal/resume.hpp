// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

#include "journal/load.hpp"
#include "util/status.hpp"

namespace lightning::journal {

/// What `--resume RUN_DIR` asked for.
struct ResumeRequest {
  std::string run_dir;
  /// The app arguments given to this run (after `--`); empty: the journaled
  /// ones are used.
  std::vector<std::string> app_args;
  bool anyway = false;  ///< --resume-anyway: a changed binary or arguments are let through
  /// The binary that runs now (/proc/self/exe), compared with the journal's.
  std::string exe = "/proc/self/exe";
};

/// What a resumed run starts from: the journal at its last commit, and the
/// app arguments the run continues with.
struct ResumePlan {
  Recovered recovered;
  std::vector<std::string> app_args;
  /// What --resume-anyway let through ("" when nothing changed), for the log.
  std::string overridden;
};

/// Loads `<run dir>/journal.sqlite` and checks that this run may carry it on
/// (docs/design/journal.md, "Resume"):
///  - kNotFound when there is no journal ("nothing to resume in DIR: ...");
///  - load()'s errors for a journal it cannot read;
///  - kFailedPrecondition when the app binary is not the one that wrote the
///    journal (size, then SHA-256, or the modification time when the run
///    ended before its hash was written) or the arguments differ, unless
///    `anyway`; the message says what changed and that --resume-anyway
///    resumes regardless.
/// Hashing the binary costs ~150 ms for 50 MB; the rest is load()'s time
/// (57-61 ms for 10,000 calls, docs/benchmarks.md).
Result<ResumePlan> prepare_resume(const ResumeRequest& request);

}  // namespace lightning::journal
