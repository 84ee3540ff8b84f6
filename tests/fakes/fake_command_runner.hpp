// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "util/subprocess.hpp"

namespace lightning::testing {

/// A CommandRunnerInterface that runs nothing: it records every argv and
/// answers with what `answer` returns for it (by default: not found). Safe to
/// call from several threads (the engine's poller and the test's).
class FakeCommandRunner final : public util::CommandRunnerInterface {
 public:
  using Answer = std::function<Result<util::CommandResult>(const std::vector<std::string>&)>;

  /// A command that exited 0 and printed `out`.
  static util::CommandResult ok(std::string out) {
    util::CommandResult r;
    r.exit_code = 0;
    r.out = std::move(out);
    return r;
  }
  /// A command that exited with `code` and printed `err` on stderr.
  static util::CommandResult failed(int code, std::string err) {
    util::CommandResult r;
    r.exit_code = code;
    r.err = std::move(err);
    return r;
  }

  void set_answer(Answer answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answer_ = std::move(answer);
  }

  Result<util::CommandResult> run(const std::vector<std::string>& argv,
                                  const util::CommandOptions& /*options*/) override {
    Answer answer;
    {
      std::lock_guard<std::mutex> lock(mu_);
      calls_.push_back(argv);
      answer = answer_;
    }
    if (!answer) return NotFound("no such command: " + argv.at(0));
    return answer(argv);
  }

  std::vector<std::vector<std::string>> calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return calls_;
  }
  /// The calls whose argv[0] is `program`.
  std::vector<std::vector<std::string>> calls_of(const std::string& program) const {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::vector<std::string>> out;
    for (const auto& c : calls_) {
      if (!c.empty() && c[0] == program) out.push_back(c);
    }
    return out;
  }

 private:
  mutable std::mutex mu_;
  Answer answer_;
  std::vector<std::vector<std::string>> calls_;
};

}  // namespace lightning::testing
