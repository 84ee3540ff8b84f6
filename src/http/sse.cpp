// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/sse.hpp"

#include "util/status.hpp"

namespace lightning::http {

std::string format_sse_event(uint64_t id, std::string_view event, std::string_view data) {
  LIGHTNING_CHECK(event.find_first_of("\r\n") == std::string_view::npos,
                  "an SSE event name must not hold a line break");
  std::string out;
  out.reserve(data.size() + event.size() + 40);
  out += "id: ";
  out += std::to_string(id);
  out += "\nevent: ";
  out += event;
  out += '\n';
  size_t start = 0;
  for (;;) {
    const size_t end = data.find_first_of("\r\n", start);
    out += "data: ";
    out += data.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
    out += '\n';
    if (end == std::string_view::npos) break;
    start = end + 1;
    if (data[end] == '\r' && start < data.size() && data[start] == '\n') ++start;
  }
  out += '\n';
  return out;
}

std::string format_sse_comment(std::string_view text) {
  std::string out = ": ";
  out += text;
  out += "\n\n";
  return out;
}

std::optional<uint64_t> parse_last_event_id(std::string_view value) {
  if (value.empty() || value.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

bool SseQueue::push(std::shared_ptr<const std::string> event) {
  if (!events_.empty() && bytes_ + event->size() > max_bytes_) return false;
  bytes_ += event->size();
  events_.push_back(std::move(event));
  return true;
}

void SseQueue::pop() {
  bytes_ -= events_.front()->size();
  events_.pop_front();
}

}  // namespace lightning::http
