// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

#include "lightning/v1/cluster.pb.h"

namespace lightning::node {

/// Turns the launcher's events into the worker's reports, batching output:
/// consecutive lines of one process's stream go out as one ProcessOutput
/// when they pile up. Order is kept: a batch is sent before any other report
/// (another stream's line, a ProcessEnded), so a process's ended report comes
/// after its last line, and nothing is dropped. When a batch starts,
/// `request_flush` is called once; the owner runs flush() soon after (the
/// worker posts it onto its loop, so lines that arrive in one burst share a
/// message). A batch is also sent when it reaches `max_lines` or `max_bytes`
/// (gRPC's message size). Single-threaded: lives on the worker's loop.
class ReportBatcher {
 public:
  using Sink = std::function<void(v1::WorkerReport report)>;
  static constexpr size_t kMaxLines = 1024;
  static constexpr size_t kMaxBytes = size_t{1} << 20;

  ReportBatcher(Sink sink, std::function<void()> request_flush, size_t max_lines = kMaxLines,
                size_t max_bytes = kMaxBytes);

  /// One output line (without its newline) of process `process_id`.
  void add_line(uint64_t process_id, uint64_t attempt, bool is_stderr, std::string_view line);
  /// Sends the batch being built, then `report`.
  void send(v1::WorkerReport report);
  /// Sends the batch being built, if any.
  void flush();
  bool has_pending() const { return pending_.has_value(); }

 private:
  Sink sink_;
  std::function<void()> request_flush_;
  size_t max_lines_;
  size_t max_bytes_;
  std::optional<v1::WorkerReport> pending_;
  size_t pending_bytes_ = 0;
  bool flush_requested_ = false;
};

}  // namespace lightning::node
