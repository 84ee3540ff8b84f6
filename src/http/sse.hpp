// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Server-Sent Events framing (the WHATWG HTML "server-sent events" format) and
// the bounded queue of one stream client. See docs/design/http.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace lightning::http {

/// One event: "id: <id>\nevent: <event>\ndata: <line>\n" per line of `data`
/// (split at \n, \r\n and \r, as a reader splits them), then a blank line.
/// `event` must not hold a line break (checked).
///
///   format_sse_event(7, "patch", R"([{"op":"replace","path":"/vars/n","value":2}])")
///   == "id: 7\nevent: patch\ndata: [{...}]\n\n"
std::string format_sse_event(uint64_t id, std::string_view event, std::string_view data);
/// A comment line (": <text>\n\n"), which readers ignore: the stream's heartbeat.
std::string format_sse_comment(std::string_view text);

/// The `Last-Event-ID` a client sent, as a state version: digits only, else
/// nothing (the stream then starts with a snapshot).
std::optional<uint64_t> parse_last_event_id(std::string_view value);

/// The events queued for one stream client, bounded in bytes: a client that
/// reads slower than the state changes is dropped once its backlog passes the
/// cap, so the loop never buffers without bound for it (it reconnects with
/// Last-Event-ID). The event being written stays at the front until written.
/// Single-threaded: the thread that writes the stream (HttpServer's stream thread).
class SseQueue {
 public:
  explicit SseQueue(size_t max_bytes) : max_bytes_(max_bytes) {}

  /// Queues `event`; false (and nothing queued) when that would take the
  /// backlog over the cap: the client is to be dropped. An event alone over
  /// the cap is taken when the queue is empty, so a large snapshot still goes out.
  bool push(std::shared_ptr<const std::string> event);
  bool empty() const { return events_.empty(); }
  const std::string& front() const { return *events_.front(); }
  /// The `i`th event from the front (i < size()).
  const std::string& at(size_t i) const { return *events_[i]; }
  void pop();
  size_t bytes() const { return bytes_; }
  size_t size() const { return events_.size(); }

 private:
  size_t max_bytes_;
  size_t bytes_ = 0;
  std::deque<std::shared_ptr<const std::string>> events_;
};

}  // namespace lightning::http
