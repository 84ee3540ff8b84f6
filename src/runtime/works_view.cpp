// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "runtime/works_view.hpp"

#include <spdlog/spdlog.h>

#include <utility>

#include "lightning/work.hpp"

namespace lightning::runtime {
namespace {

// Calls fn(work) for each work of `flow`'s subtree: its works, then its flows'.
template <typename F>
void for_each_work(const Flow& flow, F&& fn) {
  for (const Work* work : flow.works()) fn(*work);
  for (const Flow* child : flow.flows()) for_each_work(*child, fn);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The work at JSON pointer `pointer` ("/works/a", "/flows/f/works/a"; names
// need no escaping), or nullptr.
const Work* work_at(const Flow& root, const std::string& pointer) {
  const Flow* flow = &root;
  size_t at = 0;
  while (at < pointer.size()) {
    const size_t kind_end = pointer.find('/', at + 1);
    if (pointer[at] != '/' || kind_end == std::string::npos) return nullptr;
    const std::string kind = pointer.substr(at + 1, kind_end - at - 1);
    const size_t name_end = pointer.find('/', kind_end + 1);
    const std::string name = pointer.substr(kind_end + 1, name_end - kind_end - 1);
    if (kind == "works") {
      if (name_end != std::string::npos) return nullptr;
      for (const Work* work : flow->works()) {
        if (work->name() == name) return work;
      }
      return nullptr;
    }
    if (kind != "flows") return nullptr;
    const Flow* next = nullptr;
    for (const Flow* child : flow->flows()) {
      if (child->name() == name) next = child;
    }
    if (next == nullptr || name_end == std::string::npos) return nullptr;
    flow = next;
    at = name_end;
  }
  return nullptr;
}

}  // namespace

int64_t system_unix_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

WorksDisplay choose_works_display(bool quiet, bool stdout_is_terminal, const std::string& term) {
  if (quiet) return WorksDisplay::kOff;
  if (stdout_is_terminal && term != "dumb") return WorksDisplay::kTable;
  return WorksDisplay::kLines;
}

WorksView::WorksView(WorksDisplay display, const Flow& root, util::ClockInterface& clock,
                     Terminal& terminal, UnixNow unix_now_us)
    : display_(display),
      root_(root),
      terminal_(terminal),
      unix_now_us_(std::move(unix_now_us)),
      timer_(clock) {}

void WorksView::start() {
  if (display_ == WorksDisplay::kOff) return;
  refresh();
  if (display_ != WorksDisplay::kTable) return;
  draw();
  timer_.start(kTick, "WorksView.Tick", [this] { tick(); });
}

void WorksView::finish() {
  if (display_ == WorksDisplay::kOff || finished_) return;
  finished_ = true;
  timer_.cancel();
  refresh();
  if (display_ != WorksDisplay::kTable) return;
  draw();
  terminal_.release_footer();
}

void WorksView::tick() {
  refresh();  // durations and statuses, though a batch usually came first
  draw();
  timer_.start(kTick, "WorksView.Tick", [this] { tick(); });
}

void WorksView::on_state_batch(const StateBatch& batch) {
  if (display_ == WorksDisplay::kOff || finished_ || !batch.patch.is_array()) return;
  static const std::string kStatus = "/status";
  for (const Json& op : batch.patch) {
    const auto path = op.find("path");
    if (path == op.end() || !path->is_string()) continue;
    const std::string& pointer = path->get_ref<const std::string&>();
    const bool is_add = op.value("op", "") == "add";
    if (!ends_with(pointer, kStatus) && !is_add) continue;  // a state field
    const std::string work_pointer =
        is_add ? pointer : pointer.substr(0, pointer.size() - kStatus.size());
    const Work* work = nullptr;
    auto it = by_pointer_.find(work_pointer);
    if (it != by_pointer_.end()) {
      work = it->second;
    } else if ((work = work_at(root_, work_pointer)) != nullptr) {
      by_pointer_.emplace(work_pointer, work);
    }
    if (work != nullptr) {
      observe(*work);
    } else if (is_add) {
      refresh();  // a flow and its works joined
    }
  }
}

void WorksView::refresh() {
  for_each_work(root_, [this](const Work& work) { observe(work); });
}

void WorksView::observe(const Work& work) {
  const WorkStatus& status = work.status();
  Seen& seen = seen_[&work];
  // A pending work's reason can change while it waits ("no worker has
  // registered yet", then "no worker has 8 GPUs (largest: 2)"): a line each
  // time its words change. Counts alone ("waiting for file descriptors: 1000
  // of 1024 in use") change too often to print, and so does what a held
  // launch waits behind ("waiting for earlier launches held by the resource
  // budget (...)": in a 10,000-work fan-out, every change of the first held
  // launch's reason was a line for each of the 8,000 behind it). Only the
  // words before the first parenthesis count.
  const std::string waiting =
      status.stage == WorkStage::kPending && status.reason == reason::kWaitingForResources
          ? status.message
          : std::string();
  std::string waiting_words;
  for (const char c : waiting) {
    if (c == '(') break;
    if (c < '0' || c > '9') waiting_words += c;
  }
  if (seen.stage == status.stage && seen.call_id == status.call_id &&
      seen.attempt == status.attempt && seen.waiting == waiting_words) {
    return;
  }
  seen.waiting = waiting_words;
  if (seen.call_id != status.call_id || seen.attempt != status.attempt) {
    seen.running_since_us = 0;
    seen.ended_us = 0;
  }
  seen.stage = status.stage;
  seen.call_id = status.call_id;
  seen.attempt = status.attempt;
  if (status.is_running()) seen.running_since_us = status.timestamp_us;
  if (status.is_done()) seen.ended_us = status.timestamp_us;
  if (display_ != WorksDisplay::kLines || status.stage == WorkStage::kNotStarted) return;

  std::string line = work.path() + ": " + std::string(to_string(status.stage));
  if (status.is_done() && seen.running_since_us > 0) {
    line += " in " +
            util::format_duration(static_cast<double>(seen.ended_us - seen.running_since_us) / 1e6);
  }
  if (!waiting.empty()) {
    line += " (" + status.reason + ": " + waiting + ")";
  } else if (!status.reason.empty() && !status.has_succeeded()) {
    line += " (" + status.reason + ")";
  }
  if (status.attempt > 1) line += " [attempt " + std::to_string(status.attempt) + "]";
  spdlog::info("{}", line);
}

std::vector<util::WorkRow> WorksView::rows() const {
  std::vector<util::WorkRow> rows;
  const int64_t now = unix_now_us_();
  for_each_work(root_, [&](const Work& work) {
    const WorkStatus& status = work.status();
    util::WorkRow row;
    row.path = work.path();
    row.status = std::string(to_string(status.stage));
    row.attempt = status.attempt;
    auto it = seen_.find(&work);
    if (it != seen_.end() && it->second.running_since_us > 0 &&
        it->second.call_id == status.call_id) {
      const int64_t end = it->second.ended_us > 0 ? it->second.ended_us : now;
      row.duration_s =
          static_cast<double>(std::max<int64_t>(0, end - it->second.running_since_us)) / 1e6;
    }
    rows.push_back(std::move(row));
  });
  return rows;
}

void WorksView::draw() {
  if (display_ != WorksDisplay::kTable) return;
  const std::vector<util::WorkRow> all = rows();
  if (all.empty()) {
    terminal_.set_footer({});
    return;
  }
  std::vector<std::string> lines = util::render_works_table(all, kMaxRows);
  lines.push_back(util::summarize_works(all));
  terminal_.set_footer(std::move(lines));
}

}  // namespace lightning::runtime
