// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "output.hpp"

#include <algorithm>

namespace lightning::components::script {

void OutputTail::add_line(std::string_view line) {
  changed_ = true;
  if (max_lines_ == 0 || max_bytes_ == 0) return;
  if (line.size() > max_bytes_) line = line.substr(line.size() - max_bytes_);
  bytes_ += line.size() + (lines_.empty() ? 0 : 1);
  lines_.emplace_back(line);
  while (lines_.size() > max_lines_ || bytes_ > max_bytes_) {
    bytes_ -= lines_.front().size() + (lines_.size() > 1 ? 1 : 0);
    lines_.pop_front();
  }
}

std::string OutputTail::text() const {
  std::string out;
  out.reserve(bytes_);
  for (const auto& l : lines_) {
    if (&l != &lines_.front()) out += '\n';
    out += l;
  }
  return out;
}

bool Throttle::due(TimePoint now) {
  if (fired_ && now - last_ < interval_) return false;
  fired_ = true;
  last_ = now;
  return true;
}

std::chrono::milliseconds Throttle::wait(TimePoint now) const {
  if (!fired_) return std::chrono::milliseconds(0);
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(last_ + interval_ - now);
  return std::max(left, std::chrono::milliseconds(0));
}

}  // namespace lightning::components::script
