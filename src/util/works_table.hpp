// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The table of works that `lightning status` prints and that an app redraws
// at the bottom of its terminal while it runs: one row per work (path,
// status, duration, attempt). Header-only and free of project libraries, so
// the `lightning` CLI (which links none) renders it exactly as an app does.
#pragma once

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace lightning::util {

/// One work as the table shows it.
struct WorkRow {
  std::string path;        ///< dotted path, e.g. "root.train"
  std::string status;      ///< a WorkStage word: pending, running, succeeded, ...
  double duration_s = -1;  ///< seconds of its current/last call; < 0: none yet
  int attempt = 0;         ///< 1 for the first try; 0: never called
  std::string worker;      ///< the worker it runs or ran on; "": not placed (or a local run)
  std::string why;         ///< why it waits or failed (one line); "": nothing to say
};

/// "0.4s", "12.3s", "4m05s", "2h03m"; "-" for a negative duration (none).
inline std::string format_duration(double seconds) {
  if (seconds < 0) return "-";
  char buf[32];
  if (seconds < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  } else if (seconds < 3600) {
    const long s = static_cast<long>(seconds);
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  } else {
    const long m = static_cast<long>(seconds / 60);
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", m / 60, m % 60);
  }
  return buf;
}

/// "3 works: 1 running, 2 succeeded" (statuses in first-seen order).
inline std::string summarize_works(const std::vector<WorkRow>& rows) {
  std::vector<std::pair<std::string, int>> counts;
  for (const WorkRow& row : rows) {
    auto it = std::find_if(counts.begin(), counts.end(),
                           [&](const auto& c) { return c.first == row.status; });
    if (it == counts.end()) {
      counts.emplace_back(row.status, 1);
    } else {
      ++it->second;
    }
  }
  std::string out = std::to_string(rows.size()) + (rows.size() == 1 ? " work" : " works");
  for (size_t i = 0; i < counts.size(); ++i) {
    out += (i == 0 ? ": " : ", ") + std::to_string(counts[i].second) + " " + counts[i].first;
  }
  return out;
}

/// The table as lines (no newlines): a header, then one line per row, in
/// columns padded to the widest cell. WORKER and WHY columns are added when
/// some row has one (a cluster run; a work that waits or failed). With more rows than `max_rows` (>
/// 0), the first max_rows are shown and a last line says how many more there are
/// (`... and 12 more`). Each line is cut to `width` characters when width > 0
/// (a terminal line that wraps could not be erased in place).
///
///   render_works_table({{"root.train", "running", 1.5, 1}})
///     -> {"PATH        STATUS   DURATION  ATTEMPT",
///         "root.train  running  1.5s      1"}
inline std::vector<std::string> render_works_table(const std::vector<WorkRow>& rows,
                                                   size_t max_rows = 0, size_t width = 0) {
  const size_t shown = max_rows > 0 ? std::min(rows.size(), max_rows) : rows.size();
  bool with_worker = false;
  bool with_why = false;
  for (size_t i = 0; i < shown; ++i) {
    with_worker = with_worker || !rows[i].worker.empty();
    with_why = with_why || !rows[i].why.empty();
  }
  std::vector<std::vector<std::string>> cells = {{"PATH", "STATUS", "DURATION", "ATTEMPT"}};
  if (with_worker) cells[0].emplace_back("WORKER");
  if (with_why) cells[0].emplace_back("WHY");
  for (size_t i = 0; i < shown; ++i) {
    const WorkRow& row = rows[i];
    cells.push_back({row.path, row.status, format_duration(row.duration_s),
                     row.attempt > 0 ? std::to_string(row.attempt) : "-"});
    if (with_worker) cells.back().push_back(row.worker.empty() ? "-" : row.worker);
    if (with_why) cells.back().push_back(row.why);
  }
  const size_t columns = cells[0].size();
  std::vector<size_t> widths(columns, 0);
  for (const auto& line : cells) {
    for (size_t c = 0; c < columns; ++c) widths[c] = std::max(widths[c], line[c].size());
  }
  std::vector<std::string> out;
  out.reserve(cells.size() + 1);
  for (const auto& line : cells) {
    std::string text;
    for (size_t c = 0; c < columns; ++c) {
      text += line[c];
      if (c + 1 < columns) text += std::string(widths[c] - line[c].size() + 2, ' ');
    }
    while (!text.empty() && text.back() == ' ') text.pop_back();
    out.push_back(std::move(text));
  }
  if (shown < rows.size())
    out.push_back("... and " + std::to_string(rows.size() - shown) + " more");
  if (width > 0) {
    for (std::string& line : out) {
      if (line.size() > width) line.resize(width);
    }
  }
  return out;
}

}  // namespace lightning::util
