// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "http/router.hpp"
#include "runtime/controller.hpp"
#include "runtime/work_logs.hpp"
#include "util/status.hpp"

namespace lightning::http {

/// The query of GET /api/v1/works/{path}/logs.
struct LogQuery {
  static constexpr size_t kDefaultTail = 100;
  static constexpr size_t kMaxTail = 10000;
  size_t tail = kDefaultTail;  ///< tail=N: the last N lines, 0..kMaxTail
  bool follow = false;         ///< follow=1|true|0|false: an event stream of new lines
};

/// Parses `target`'s query into a LogQuery; kInvalidArgument (a 400) for a
/// malformed query, a tail that is not a number in 0..10000, a follow that is
/// not 0/1/true/false, or another parameter.
Result<LogQuery> parse_log_query(std::string_view target);

/// Lines of a log file and where each ends (its byte offset after the '\n').
struct LogLines {
  std::vector<std::string> lines;
  std::vector<uint64_t> ends;
  /// Lines before the first one were left out (more than asked for, or past
  /// the byte cap).
  bool truncated = false;
  uint64_t size = 0;  ///< the file's size when read
};

/// The last `max_lines` lines of the file at `file`, read backwards from its
/// end and at most `max_bytes` of it. A missing file has no lines; other I/O
/// errors are kUnavailable.
Result<LogLines> read_log_tail(const std::string& file, size_t max_lines, size_t max_bytes);
/// The lines after byte `offset` (an end a reader was given), at most the
/// last `max_bytes` of them (truncated then); kInvalidArgument when `offset`
/// is past the end.
Result<LogLines> read_log_from(const std::string& file, uint64_t offset, size_t max_bytes);

/// GET /api/v1/works/{path}/logs (docs/api.md): a work's output, as captured
/// by the controller in `<run dir>/logs/<work path>.log`: the last lines as
/// JSON, or with follow=1 a Server-Sent Events stream of the last lines, then
/// every new line as the controller writes it (a WorkLogs::Observer: no
/// polling), each with its byte offset as id so Last-Event-ID resumes. The
/// file spans the work's restarts and stays after it ends. Owned by
/// HttpApiService; loop thread only.
class LogRoutes final : public runtime::WorkLogs::Observer {
 public:
  /// Bytes read for a tail or a resume at most.
  static constexpr size_t kMaxReadBytes = 4 << 20;

  explicit LogRoutes(runtime::Controller& controller) : controller_(controller) {}
  LogRoutes(const LogRoutes&) = delete;
  LogRoutes& operator=(const LogRoutes&) = delete;

  void add_to(Router& router);
  /// Open follow streams.
  size_t followers();

  void on_log_line(const std::string& work_path, std::string_view text,
                   uint64_t end_offset) override;

 private:
  Reply get_logs(const Request& request, const std::string& path);

  runtime::Controller& controller_;
  std::unordered_map<std::string, std::vector<std::weak_ptr<SseSink>>> followers_;
};

}  // namespace lightning::http
