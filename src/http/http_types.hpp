// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The HTTP API's request, response and reply types (Boost.Beast messages with
// string bodies) and its one error format. See docs/design/http.md.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>

#include "util/status.hpp"

namespace lightning::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Response = boost::beast::http::response<boost::beast::http::string_body>;
/// Captures of a route's `{name}` segments ("/api/v1/works/{path}/stop" on
/// "/api/v1/works/root.a/stop" gives {"path": "root.a"}), percent-decoded.
using PathParams = std::map<std::string, std::string>;

/// Where a Server-Sent Events stream writes: one client connection in stream
/// mode. Loop thread only (HttpServer's sink hands each event to its stream
/// thread, which writes it; the event's string is shared, never copied).
class SseSink {
 public:
  virtual ~SseSink() = default;
  /// Queues one event's text (already framed: format_sse_event()). Returns
  /// false when the client has fallen behind (its queue is over its cap) or has
  /// gone: the sink is then closed and takes nothing more.
  virtual bool send(std::shared_ptr<const std::string> event) = 0;
  virtual bool is_open() const = 0;
};

/// Where a deferred answer goes: one client connection waiting for its
/// response (a user route's handler that answers later). Loop thread only.
class ResponseSlot {
 public:
  virtual ~ResponseSlot() = default;
  /// Writes `response` to the client, once; false when it was already
  /// answered or the connection is closed.
  virtual bool answer(Response response) = 0;
  virtual bool is_waiting() const = 0;
  /// The client's IP address ("127.0.0.1", "::1"); "" when unknown. For a
  /// proxy's X-Forwarded-For.
  virtual std::string peer_address() const { return ""; }
};

/// What a handler answers: a response (its body in `response`, or, with
/// `shared_body` set, that shared buffer); or (stream set) the head of an event
/// stream: the connection writes `response`'s status and headers, then hands
/// itself to `stream`, which queues the first events and keeps the sink; or
/// (deferred set) nothing yet: the connection hands itself to `deferred`, and
/// whoever keeps the slot answers later (the connection reads nothing more,
/// and has no read timeout, until then).
struct Reply {
  using StreamStart = std::function<void(const std::shared_ptr<SseSink>&)>;
  using DeferredStart = std::function<void(const std::shared_ptr<ResponseSlot>&)>;

  Reply() = default;
  Reply(Response response, StreamStart stream, DeferredStart deferred = {})  // NOLINT
      : response(std::move(response)), stream(std::move(stream)), deferred(std::move(deferred)) {}

  Response response;
  /// When set, the body, written after `response`'s status and headers (whose
  /// own body is then empty; Content-Length is this buffer's size): one
  /// immutable buffer that every response sending it shares, never copied
  /// (GET /api/v1/state's cached body).
  std::shared_ptr<const std::string> shared_body;
  StreamStart stream;
  DeferredStart deferred;
};

/// A JSON response: `body` dumped compactly, Content-Type application/json.
Response json_response(unsigned status, const std::string& body, unsigned version = 11,
                       bool keep_alive = true);
/// The API's error body: {"error": {"code": <status>, "message": <message>}}.
Response error_response(unsigned status, const std::string& message, unsigned version = 11,
                        bool keep_alive = true);
/// The HTTP status a Status maps onto (kInvalidArgument 400, kNotFound 404,
/// kFailedPrecondition 409, kUnavailable 503, kResourceExhausted 503, others 500).
unsigned http_status_of(const Status& status);

}  // namespace lightning::http
