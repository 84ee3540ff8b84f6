// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/failure_causes.hpp"

#include <signal.h>

#include <fstream>
#include <sstream>

#include "util/signal_name.hpp"

namespace lightning::runtime {

namespace {

// Signals that someone sends (a crash's SIGSEGV or SIGABRT comes from the
// process itself, and says so without help).
bool is_sent_by_others(int sig) {
  return sig == SIGKILL || sig == SIGTERM || sig == SIGINT || sig == SIGHUP || sig == SIGQUIT ||
         sig == SIGUSR1 || sig == SIGUSR2;
}

bool file_exists(const std::string& path) { return std::ifstream(path).good(); }

// The value of the "oom_kill N" line of a memory.events / memory.oom_control file.
std::optional<uint64_t> read_oom_kill(const std::string& path) {
  std::ifstream in(path);
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value) {
    if (key == "oom_kill") return value;
  }
  return std::nullopt;
}

// The counter file of the cgroup named in `proc_cgroup`: v2 first ("0::/path"),
// then v1's memory controller ("N:memory:/path"); the mount's own file when the
// path is not visible here (a container sees its cgroup as the root).
std::string find_counter_file(const std::string& proc_cgroup, const std::string& root) {
  std::ifstream in(proc_cgroup);
  std::string line;
  std::string v2, v1;
  while (std::getline(in, line)) {
    const auto first = line.find(':');
    const auto second = line.find(':', first + 1);
    if (first == std::string::npos || second == std::string::npos) continue;
    const std::string controllers = line.substr(first + 1, second - first - 1);
    const std::string path = line.substr(second + 1);
    if (line.compare(0, first, "0") == 0 && controllers.empty()) v2 = path;
    if (controllers == "memory") v1 = path;
  }
  for (const std::string& candidate :
       {v2.empty() ? "" : root + v2 + "/memory.events",
        v2.empty() ? "" : root + "/unified" + v2 + "/memory.events",
        v1.empty() ? "" : root + "/memory" + v1 + "/memory.oom_control",
        v1.empty() ? "" : root + "/memory/memory.oom_control"}) {
    if (!candidate.empty() && file_exists(candidate) && read_oom_kill(candidate)) return candidate;
  }
  return "";
}

}  // namespace

OomWatch::OomWatch(const std::string& proc_cgroup, const std::string& cgroup_root)
    : counter_file_(find_counter_file(proc_cgroup, cgroup_root)), baseline_(oom_kills()) {}

std::optional<uint64_t> OomWatch::oom_kills() const {
  if (counter_file_.empty()) return std::nullopt;
  return read_oom_kill(counter_file_);
}

std::string OomWatch::hint() const {
  const auto now = oom_kills();
  if (!now || !baseline_) {
    return "if nobody killed it, check the out-of-memory killer (dmesg or journalctl -k: "
           "\"Out of memory: Killed process\")";
  }
  if (*now > *baseline_) {
    return "the out-of-memory killer struck in this app's cgroup since the app started (" +
           counter_file_ + ": oom_kill " + std::to_string(*baseline_) + " -> " +
           std::to_string(*now) + "): the work likely ran out of memory";
  }
  return "not the out-of-memory killer of this app's cgroup (" + counter_file_ + ": oom_kill " +
         std::to_string(*now) +
         ", unchanged since the app started): someone or something "
         "else sent it";
}

std::string describe_process_exit(const ProcessExit& ex, const std::string& cause,
                                  const OomWatch& oom) {
  std::string how;
  if (ex.signal) {
    const std::string signal =
        "signal " + std::to_string(*ex.signal) + " (" + util::signal_name(*ex.signal) + ")";
    how = "killed by " + signal;
    if (!cause.empty()) {
      how = cause + "; killed by the runtime with " + signal;
    } else if (!ex.signal_from_runtime && is_sent_by_others(*ex.signal)) {
      how += " from outside the runtime";
      if (*ex.signal == SIGKILL) how += "; " + oom.hint();
    }
  } else if (ex.exit_code) {
    how = "exited with code " + std::to_string(*ex.exit_code);
    if (!cause.empty()) how = cause + "; it then " + how;
  } else if (ex.lost) {
    how = "lost with its worker (" + ex.error + ")";
  } else if (!ex.error.empty()) {
    how = "could not start: " + ex.error;
  } else {
    how = cause.empty() ? "exited" : cause;
  }
  // A process the launcher lost (its forker died) has both a signal and an error.
  if (!ex.error.empty() && (ex.signal || ex.exit_code)) how += ": " + ex.error;
  return how;
}

std::string cause_in_output(const std::string& stderr_tail) {
  std::istringstream in(stderr_tail);
  std::string line;
  while (std::getline(in, line)) {
    // glibc's loader: "prog: error while loading shared libraries: libx.so.1:
    // cannot open shared object file: No such file or directory"
    const std::string loader = "error while loading shared libraries: ";
    const auto at = line.find(loader);
    if (at != std::string::npos) {
      const std::string rest = line.substr(at + loader.size());
      return "a shared library is missing: " + rest.substr(0, rest.find(':')) +
             " (install it, or add its directory to LD_LIBRARY_PATH)";
    }
    if (line.find("No space left on device") != std::string::npos) {
      return "the disk is full (No space left on device)";
    }
  }
  return "";
}

}  // namespace lightning::runtime
