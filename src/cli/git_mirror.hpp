// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace lightning::cli {

/// A bare mirror (`git clone --mirror`) of one git source, kept in the
/// component store as a fetch cache (docs/design/components.md, "The component
/// store"). Runs the `git` command (run_captured: no shell; `--` before every
/// URL and revision; GIT_TERMINAL_PROMPT=0 and ssh BatchMode so a private URL
/// fails instead of prompting). Callers hold the store's lock while updating.
class GitMirror {
 public:
  /// `dir`: the mirror's git directory; `url`: the source as the user gave it
  /// ("git+" dropped), used for the first clone and in messages.
  GitMirror(std::string dir, std::string url);

  const std::string& dir() const { return dir_; }
  bool exists() const;

  /// Clones the mirror (into a temporary directory beside it, renamed into
  /// place) or fetches into it (`git fetch --prune --tags`). Throws CliError
  /// "cannot fetch URL: git said: ..." when git fails; when a fetch fails but
  /// an earlier clone exists, returns false (the caller may go on offline).
  bool update();

  /// The 40-hex commit `rev` names (a tag, branch, or commit id; empty: HEAD),
  /// or nullopt when the mirror has no such revision.
  std::optional<std::string> resolve(const std::string& rev) const;

  /// Writes the tree of `commit` into `dest` (which must not exist): `git
  /// archive` into a tar file, then `tar -x`; no .git. Throws CliError.
  void export_tree(const std::string& commit, const std::string& dest) const;

  /// The content of `path` at `rev`, or nullopt when it is not there.
  std::optional<std::string> read_file(const std::string& rev, const std::string& path) const;

  /// Every tag name (refs/tags/*), unsorted.
  std::vector<std::string> tags() const;

  /// git's stderr from the last failed command (for messages), trimmed.
  const std::string& last_error() const { return last_error_; }

 private:
  std::string dir_;
  std::string url_;
  mutable std::string last_error_;
};

}  // namespace lightning::cli
