// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "git_mirror.hpp"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <utility>

#include "errors.hpp"
#include "fs_util.hpp"
#include "subprocess.hpp"

namespace lightning::cli {
namespace fs = std::filesystem;

namespace {

std::string trim(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r')) {
    text.pop_back();
  }
  return text;
}

// The environment of every git command: never prompt (a private URL fails at
// once), messages in English (they are quoted to the user as "git said").
ProcessOptions git_options() {
  ProcessOptions options;
  options.env = {{"GIT_TERMINAL_PROMPT", "0"}, {"LC_ALL", "C"}, {"GIT_ASKPASS", "true"}};
  if (env_or_empty("GIT_SSH_COMMAND").empty() && env_or_empty("GIT_SSH").empty()) {
    options.env.emplace_back("GIT_SSH_COMMAND", "ssh -o BatchMode=yes");
  }
  return options;
}

// `git -c protocol.file.allow=always ARGS...`: file:// sources are the local
// case (tests, a team's shared disk); newer git refuses them in some paths.
CapturedOutput git(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"git", "-c", "protocol.file.allow=always"};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_captured(argv, git_options());
}

}  // namespace

GitMirror::GitMirror(std::string dir, std::string url)
    : dir_(std::move(dir)), url_(std::move(url)) {}

bool GitMirror::exists() const { return fs::exists(fs::path(dir_) / "HEAD"); }

bool GitMirror::update() {
  if (exists()) {
    CapturedOutput fetch =
        git({"--git-dir=" + dir_, "fetch", "--prune", "--tags", "--force", "--quiet", "origin"});
    if (fetch.result.succeeded()) return true;
    last_error_ = trim(fetch.err);
    return false;
  }
  make_dirs(dir_name(dir_));
  const std::string tmp = make_unique_dir(dir_name(dir_), ".clone-");
  const std::string into = tmp + "/mirror.git";
  CapturedOutput clone = git({"clone", "--mirror", "--quiet", "--", url_, into});
  if (!clone.result.succeeded()) {
    remove_all_quietly(tmp);
    last_error_ = trim(clone.err);
    throw CliError("cannot fetch the component source " + url_ + ": git said: " + last_error_ +
                   "\n(check that it is a git repository you can read: a file://, https://, "
                   "ssh:// or git@host:path URL; a local directory can be given as a path)");
  }
  std::error_code ec;
  fs::rename(into, dir_, ec);  // another process may have cloned it meanwhile: keep theirs
  remove_all_quietly(tmp);
  if (!exists()) throw CliError("cannot move the git mirror into " + dir_ + ": " + ec.message());
  return true;
}

std::optional<std::string> GitMirror::resolve(const std::string& rev) const {
  const std::string what = (rev.empty() ? std::string("HEAD") : rev) + "^{commit}";
  CapturedOutput out =
      git({"--git-dir=" + dir_, "rev-parse", "--verify", "--quiet", "--end-of-options", what});
  if (!out.result.succeeded()) {
    last_error_ = trim(out.err);
    return std::nullopt;
  }
  std::string commit = trim(out.out);
  if (commit.size() != 40) return std::nullopt;
  return commit;
}

void GitMirror::export_tree(const std::string& commit, const std::string& dest) const {
  const std::string tar = dest + ".tar";
  CapturedOutput archive =
      git({"--git-dir=" + dir_, "archive", "--format=tar", "-o", tar, "--end-of-options", commit});
  if (!archive.result.succeeded()) {
    std::remove(tar.c_str());
    throw CliError("cannot export " + url_ + " at " + commit + ": git said: " + trim(archive.err));
  }
  make_dirs(dest);
  CapturedOutput untar = run_captured({"tar", "-x", "-f", tar, "-C", dest});
  std::remove(tar.c_str());
  if (!untar.result.succeeded()) {
    throw CliError("cannot unpack " + url_ + " at " + commit + " into " + dest +
                   ": tar said: " + trim(untar.err));
  }
}

std::optional<std::string> GitMirror::read_file(const std::string& rev,
                                                const std::string& path) const {
  CapturedOutput out = git({"--git-dir=" + dir_, "show", "--end-of-options", rev + ":" + path});
  if (!out.result.succeeded()) return std::nullopt;
  return out.out;
}

std::vector<std::string> GitMirror::tags() const {
  CapturedOutput out =
      git({"--git-dir=" + dir_, "for-each-ref", "--format=%(refname:strip=2)", "refs/tags"});
  std::vector<std::string> tags;
  std::istringstream in(out.out);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) tags.push_back(line);
  }
  return tags;
}

}  // namespace lightning::cli
