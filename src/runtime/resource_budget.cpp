// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/resource_budget.hpp"

#include <dirent.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <utility>

namespace lightning::runtime {

namespace {
// The most admissions between two readings of /proc/self/fd.
constexpr size_t kAdmissionsPerReading = 64;

size_t soft_limit(int resource) {
  rlimit rl{};
  if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY) return 0;
  return static_cast<size_t>(rl.rlim_cur);
}
}  // namespace

size_t SystemResources::open_descriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  size_t n = 0;
  while (const dirent* e = readdir(dir)) {
    if (e->d_name[0] != '.') ++n;
  }
  closedir(dir);
  return n > 0 ? n - 1 : 0;  // not the directory's own descriptor
}

size_t SystemResources::descriptor_limit() {
  const size_t limit = soft_limit(RLIMIT_NOFILE);
  return limit == 0 ? size_t{1} << 30 : limit;
}

namespace {
/// A number from a /proc/sys file; 0 when it cannot be read.
size_t proc_sys_number(const char* path) {
  std::ifstream in(path);
  size_t n = 0;
  return in >> n ? n : 0;
}

struct TaskLimit {
  size_t limit = 0;  // 0: unlimited
  std::string source;
};

TaskLimit task_limit() {
  TaskLimit out{soft_limit(RLIMIT_NPROC), "RLIMIT_NPROC"};
  const std::pair<const char*, const char*> kernel[] = {
      {"/proc/sys/kernel/pid_max", "kernel.pid_max"},
      {"/proc/sys/kernel/threads-max", "kernel.threads-max"},
  };
  for (const auto& [path, name] : kernel) {
    const size_t n = proc_sys_number(path);
    if (n != 0 && (out.limit == 0 || n < out.limit)) out = TaskLimit{n, name};
  }
  return out;
}
}  // namespace

size_t SystemResources::process_limit() { return task_limit().limit; }

std::string SystemResources::process_limit_source() { return task_limit().source; }

int64_t SystemResources::max_work_processes(const BudgetCosts& costs) {
  SystemResources probe;
  int64_t out = 0;
  if (const size_t tasks = probe.process_limit(); tasks != 0) {
    out = static_cast<int64_t>(tasks / 2 / std::max<size_t>(costs.tasks_per_work, 1));
  }
  const size_t fds = soft_limit(RLIMIT_NOFILE);
  if (fds > 64) {
    const auto by_fds =
        static_cast<int64_t>((fds - 64) / std::max<size_t>(costs.descriptors_per_work, 1));
    out = out == 0 ? by_fds : std::min(out, by_fds);
  }
  return std::max<int64_t>(out, out == 0 ? 0 : 1);
}

std::string SystemResources::raise_descriptor_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
    return std::string("cannot read the open-files limit: ") + std::strerror(errno);
  }
  const auto text = [](rlim_t v) {
    return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v);
  };
  if (rl.rlim_cur >= rl.rlim_max) {
    return "open-files limit " + text(rl.rlim_cur) + " (the hard limit)";
  }
  const rlim_t before = rl.rlim_cur;
  rl.rlim_cur = rl.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &rl) != 0) {
    return "open-files limit " + text(before) + "; raising it to the hard limit " +
           text(rl.rlim_max) + " failed: " + std::strerror(errno);
  }
  return "open-files limit raised from " + text(before) + " to the hard limit " + text(rl.rlim_max);
}

ResourceBudget::ResourceBudget(ResourceProbeInterface& probe, const BudgetCosts& costs)
    : probe_(probe), costs_(costs) {}

size_t ResourceBudget::reserve_for(size_t limit) const {
  return std::max(costs_.min_descriptor_reserve, limit / 16);
}

std::optional<ResourceBudget::Hold> ResourceBudget::try_start() {
  if (starting_ >= costs_.max_starting) {
    return Hold{"waiting for processes that are starting: " + std::to_string(starting_) +
                    " launched, not yet connected (at most " + std::to_string(costs_.max_starting) +
                    " start at once)",
                false};
  }
  const size_t limit = probe_.descriptor_limit();
  const size_t reserve = reserve_for(limit);
  const size_t cost = costs_.descriptors_per_work + costs_.descriptors_while_starting;
  // Those still starting have their pipes open but not yet their socket.
  const auto fits = [&](size_t open_now) { return open_now + starting_ + cost + reserve <= limit; };
  // Our own estimate (the last reading plus what was admitted since) spares
  // the reading while far from the limit; past half of it, or after many
  // admissions, the real count decides (others open descriptors too).
  const size_t estimate = measured_ + admitted_since_measure_ * cost;
  const size_t usable = limit > reserve ? limit - reserve : 0;
  if (!measured_once_ || !fits(estimate) || estimate * 2 > usable ||
      admitted_since_measure_ >= kAdmissionsPerReading) {
    measured_ = probe_.open_descriptors();
    admitted_since_measure_ = 0;
    measured_once_ = true;
    if (!fits(measured_)) {
      return Hold{"waiting for file descriptors: " + std::to_string(measured_) + " of " +
                      std::to_string(limit) + " in use (RLIMIT_NOFILE); a work process needs " +
                      std::to_string(costs_.descriptors_per_work) + ", " + std::to_string(reserve) +
                      " are kept for the servers; it starts when running works end",
                  true};
    }
  }
  const size_t process_limit = probe_.process_limit();
  if (process_limit != 0 && (live_ + 1) * costs_.tasks_per_work > process_limit / 2) {
    return Hold{"waiting for processes: " + std::to_string(live_) +
                    " work processes running, " + probe_.process_limit_source() + " is " +
                    std::to_string(process_limit) +
                    " (about " + std::to_string(costs_.tasks_per_work) +
                    " tasks each, at most half the limit); it starts when running works end",
                true};
  }
  ++live_;
  ++starting_;
  ++admitted_since_measure_;
  return std::nullopt;
}

void ResourceBudget::connected() {
  if (starting_ > 0) --starting_;
}

void ResourceBudget::ended(bool was_connected) {
  if (live_ > 0) --live_;
  if (!was_connected && starting_ > 0) --starting_;
}

}  // namespace lightning::runtime
