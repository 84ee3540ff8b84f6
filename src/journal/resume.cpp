// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "journal/resume.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include "journal/file_hash.hpp"
#include "journal/schema.hpp"
#include "lightning/json.hpp"

namespace lightning::journal {

namespace {

std::string short_hash(const std::string& sha) { return sha.substr(0, 12); }

/// "" when `exe` is the binary the journal's meta describes, else what differs.
Result<std::string> binary_change(const JournalMeta& meta, const std::string& exe) {
  struct stat st {};
  if (::stat(exe.c_str(), &st) != 0) {
    return Unavailable("cannot stat the app binary " + exe + ": " + std::strerror(errno));
  }
  const auto size = static_cast<int64_t>(st.st_size);
  if (meta.app_size != 0 && meta.app_size != size) {
    return "its size was " + std::to_string(meta.app_size) + " bytes, now " +
           std::to_string(size);
  }
  if (!meta.app_sha256.empty()) {
    Result<std::string> sha = sha256_of_file(exe);
    if (!sha.ok()) return sha.status();
    if (*sha != meta.app_sha256) {
      return "its SHA-256 was " + short_hash(meta.app_sha256) + "..., now " + short_hash(*sha) +
             "...";
    }
    return std::string();
  }
  // The run ended before its binary's hash was committed: the modification
  // time is what is left to compare.
  const int64_t mtime = static_cast<int64_t>(st.st_mtim.tv_sec) * 1'000'000'000 +
                        static_cast<int64_t>(st.st_mtim.tv_nsec);
  if (meta.app_mtime_ns != 0 && meta.app_mtime_ns != mtime) {
    return std::string("it was modified since (its hash was never recorded)");
  }
  return std::string();
}

}  // namespace

Result<ResumePlan> prepare_resume(const ResumeRequest& request) {
  const std::string path = request.run_dir + "/" + kJournalFileName;
  Result<Recovered> recovered = load(path);
  if (!recovered.ok()) {
    if (recovered.status().code() == StatusCode::kNotFound) {
      return NotFound("nothing to resume in " + request.run_dir + ": it has no " +
                      kJournalFileName +
                      " (was that run started with --no-journal, or is it not a run directory?)");
    }
    return recovered.status();
  }
  ResumePlan plan;
  plan.recovered = std::move(*recovered);
  const JournalMeta& meta = plan.recovered.meta;

  Result<std::string> changed = binary_change(meta, request.exe);
  if (!changed.ok()) return changed.status();
  if (!changed->empty()) {
    const std::string what = "the app binary changed since the run in " + request.run_dir +
                             " was journaled (" + meta.app_path + ": " + *changed + ")";
    if (!request.anyway) {
      return FailedPrecondition(
          what +
          ": a resumed run carries on the old state and calls, which the new code may not "
          "read the same way; rebuild the same app, or pass --resume-anyway to resume with "
          "this binary");
    }
    plan.overridden = what;
  }

  plan.app_args = request.app_args.empty() ? meta.app_args : request.app_args;
  if (!request.app_args.empty() && request.app_args != meta.app_args) {
    const std::string what = "the app arguments differ from the run's (" +
                             Json(meta.app_args).dump() + ", now " +
                             Json(request.app_args).dump() + ")";
    if (!request.anyway) {
      return FailedPrecondition(what +
                                ": leave them out to resume with the run's own, or pass "
                                "--resume-anyway to resume with these");
    }
    plan.overridden += (plan.overridden.empty() ? "" : "; ") + what;
  }
  return plan;
}

}  // namespace lightning::journal
