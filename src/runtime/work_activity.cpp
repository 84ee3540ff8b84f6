// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/work_activity.hpp"

#include <algorithm>

#include "util/ids.hpp"

namespace lightning::runtime {

WorkActivity::WorkActivity(std::function<int64_t()> unix_now_us)
    : unix_now_us_(unix_now_us ? std::move(unix_now_us) : [] { return util::now_unix_us(); }) {}

const WorkActivity::Facts* WorkActivity::find(const Work& work) const {
  auto it = facts_.find(&work);
  return it == facts_.end() ? nullptr : &it->second;
}

std::optional<double> WorkActivity::duration_s(const Work& work) const {
  const Facts* f = find(work);
  if (f == nullptr || !f->started_us) return std::nullopt;
  const int64_t end = f->ended_us ? *f->ended_us : unix_now_us_();
  return static_cast<double>(std::max<int64_t>(0, end - *f->started_us)) / 1e6;
}

void WorkActivity::on_call_status(const Work& work, const WorkStatus& status, bool is_latest) {
  if (!is_latest) return;
  Facts& f = facts_[&work];
  if (status.call_id != f.call_id) {
    f.call_id = status.call_id;
    f.started_us.reset();
    f.ended_us.reset();
  }
  if (status.is_running()) {
    f.started_us = status.timestamp_us;
    f.ended_us.reset();
  } else if (status.is_done()) {
    if (f.started_us) f.ended_us = status.timestamp_us;
  } else {
    // Pending again (a retry, or a re-run of a failed call): not running yet.
    f.started_us.reset();
    f.ended_us.reset();
  }
}

void WorkActivity::on_process_started(const Work& work, int pid) {
  Facts& f = facts_[&work];
  f.pid = pid;
  f.alive = true;
}

void WorkActivity::on_process_exited(const Work& work, int pid) {
  auto it = facts_.find(&work);
  if (it != facts_.end() && it->second.pid == pid) it->second.alive = false;
}

}  // namespace lightning::runtime
