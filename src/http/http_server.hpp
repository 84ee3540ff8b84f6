// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/http_types.hpp"
#include "util/status.hpp"

namespace lightning::http {

/// Limits and address of the HTTP server (docs/design/http.md, "Limits").
struct HttpServerOptions {
  /// Address to bind: an IP address or a name ("localhost"). Anything but a
  /// loopback address makes every request need the bearer token.
  std::string host = "127.0.0.1";
  /// 0 picks a free port. kDefaultPort, when taken, falls back to a free one.
  uint16_t port = 7501;
  static constexpr uint16_t kDefaultPort = 7501;
  /// A request whose body is larger gets 413 and the connection is closed.
  size_t max_body_bytes = 1 << 20;
  /// Request line and headers together; larger gets 431 and a close.
  uint32_t max_header_bytes = 16 * 1024;
  /// A whole request (headers and body) must arrive within this, counted from
  /// when the server starts waiting for it (so also the keep-alive idle time):
  /// a slow or silent client (slowloris) is dropped, ms.
  std::chrono::milliseconds read_timeout{10000};
  /// A response, or one event of a stream, must be taken by the client within
  /// this, ms; else the connection is dropped.
  std::chrono::milliseconds write_timeout{30000};
  /// Open connections (streams included); one more is answered 503 and closed.
  size_t max_connections = 256;
  /// Backlog of one event-stream client, in bytes; a client over it is dropped.
  size_t sse_max_queued_bytes = 8 << 20;
  /// A comment line on every event stream this often, ms, so proxies keep it open.
  std::chrono::milliseconds sse_heartbeat{15000};
};

/// An HTTP/1.1 server (Boost.Beast) on an io_context it is given: for the app,
/// the controller's own loop, so every handler runs on the loop thread and
/// reads the controller directly (docs/design/http.md, "Threads"). Keep-alive,
/// the limits of HttpServerOptions, and Server-Sent Events streams (a Reply
/// with `stream`). Owned by HttpApiService (or a test). Every call, every
/// handler and every SseSink call on the io_context's thread; the one thing
/// that runs elsewhere is the writing of event streams: once a handler answers
/// with a stream, the connection's socket moves to the server's stream thread
/// ("lightning-sse", started by start()), so a sink's send() costs the loop a
/// post, not a socket write per client. Destroying it closes the listener and
/// every connection and joins that thread.
///
///   HttpServer server(io, options, [&](const Request& r) { return router.dispatch(r); });
///   Status s = server.start();   // binds; server.url() is then "http://127.0.0.1:PORT"
class HttpServer {
 public:
  using Handler = std::function<Reply(const Request&)>;

  HttpServer(boost::asio::io_context& io, HttpServerOptions options, Handler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  /// Binds, listens and starts accepting. Errors: kInvalidArgument for a host
  /// that is neither an address nor a resolvable name; kUnavailable when the
  /// port is taken (except kDefaultPort, which falls back to a free port:
  /// fell_back() says so) or cannot be bound.
  Status start();
  /// Stops accepting, closes every connection (event streams included) and
  /// joins the stream thread.
  void stop();

  uint16_t port() const { return port_; }
  /// "http://<host>:<port>" (IPv6 in brackets).
  std::string url() const;
  bool is_loopback() const { return loopback_; }
  /// start() found kDefaultPort taken and bound a free port instead.
  bool fell_back() const { return fell_back_; }
  /// Connections open now: requests being read or answered, and event streams.
  size_t open_connections() const;

  struct Shared;       // what the server and its connections share (http_server.cpp)
  class StreamThread;  // the thread that writes event streams (http_server.cpp)

 private:
  void accept();

  boost::asio::io_context& io_;
  std::unique_ptr<StreamThread> stream_thread_;
  std::shared_ptr<Shared> shared_;
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  uint16_t port_ = 0;
  bool loopback_ = true;
  bool fell_back_ = false;
};

}  // namespace lightning::http
