// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "node/report_batcher.hpp"

#include <string>
#include <utility>

namespace lightning::node {

ReportBatcher::ReportBatcher(Sink sink, std::function<void()> request_flush, size_t max_lines,
                             size_t max_bytes)
    : sink_(std::move(sink)),
      request_flush_(std::move(request_flush)),
      max_lines_(max_lines == 0 ? 1 : max_lines),
      max_bytes_(max_bytes) {}

void ReportBatcher::add_line(uint64_t process_id, uint64_t attempt, bool is_stderr,
                             std::string_view line) {
  if (pending_) {
    const v1::ProcessOutput& o = pending_->output();
    const bool same =
        o.process_id() == process_id && o.attempt() == attempt && o.is_stderr() == is_stderr;
    if (!same || static_cast<size_t>(o.lines_size()) >= max_lines_ ||
        pending_bytes_ + line.size() > max_bytes_) {
      flush();
    }
  }
  if (!pending_) {
    pending_.emplace();
    v1::ProcessOutput* o = pending_->mutable_output();
    o->set_process_id(process_id);
    o->set_attempt(attempt);
    o->set_is_stderr(is_stderr);
    pending_bytes_ = 0;
    if (!flush_requested_ && request_flush_) {
      flush_requested_ = true;
      request_flush_();
    }
  }
  pending_->mutable_output()->add_lines(std::string(line));
  pending_bytes_ += line.size() + 8;  // framing per repeated field, roughly
}

void ReportBatcher::flush() {
  flush_requested_ = false;
  if (!pending_) return;
  v1::WorkerReport r = std::move(*pending_);
  pending_.reset();
  pending_bytes_ = 0;
  sink_(std::move(r));
}

void ReportBatcher::send(v1::WorkerReport report) {
  if (pending_) {
    v1::WorkerReport r = std::move(*pending_);
    pending_.reset();
    pending_bytes_ = 0;
    sink_(std::move(r));
  }
  sink_(std::move(report));
}

}  // namespace lightning::node
