// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// A small blocking HTTP/1.1 client for tests (Boost.Beast's synchronous API on
// a socket with a receive timeout, so no read waits for ever) and a
// Server-Sent Events reader.
#pragma once

#include <sys/socket.h>
#include <sys/time.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>

namespace lightning::testing {

namespace test_http = boost::beast::http;

struct HttpResult {
  bool ok = false;    ///< a response was read
  std::string error;  ///< why not
  unsigned status = 0;
  std::string body;
  std::map<std::string, std::string> headers;  ///< names as sent
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

/// One connection (kept alive across requests) to 127.0.0.1:port.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port,
                      std::chrono::milliseconds timeout = std::chrono::milliseconds(10000),
                      int receive_buffer = 0)
      : socket_(io_) {
    boost::system::error_code ec;
    if (receive_buffer > 0) {
      socket_.open(boost::asio::ip::tcp::v4(), ec);
      socket_.set_option(boost::asio::socket_base::receive_buffer_size(receive_buffer), ec);
    }
    socket_.connect({boost::asio::ip::make_address("127.0.0.1"), port}, ec);
    connected_ = !ec;
    connect_error_ = ec.message();
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(socket_.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }

  bool connected() const { return connected_; }

  HttpResult request(test_http::verb method, const std::string& target,
                     const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {}) {
    test_http::request<test_http::string_body> req{method, target, 11};
    req.set(test_http::field::host, "127.0.0.1");
    for (const auto& [name, value] : headers) req.set(name, value);
    if (!body.empty() || method == test_http::verb::post) {
      req.body() = body;
      req.prepare_payload();
    }
    boost::system::error_code ec;
    test_http::write(socket_, req, ec);
    if (ec) return failed("write: " + ec.message());
    return read_response();
  }

  /// Writes `bytes` as they are, then reads one response.
  HttpResult send_raw(const std::string& bytes) {
    if (!write_raw(bytes)) return failed("write failed");
    return read_response();
  }

  bool write_raw(const std::string& bytes) {
    boost::system::error_code ec;
    boost::asio::write(socket_, boost::asio::buffer(bytes), ec);
    return !ec;
  }

  HttpResult read_response() {
    if (!connected_) return failed("connect: " + connect_error_);
    test_http::response<test_http::string_body> res;
    boost::system::error_code ec;
    test_http::read(socket_, buffer_, res, ec);
    if (ec) return failed("read: " + ec.message());
    HttpResult out;
    out.ok = true;
    out.status = res.result_int();
    out.body = res.body();
    for (const auto& field : res) {
      out.headers[std::string(field.name_string())] = std::string(field.value());
    }
    return out;
  }

  /// Reads until the server closes the connection (true) or the receive
  /// timeout passes or an error other than a close happens (false).
  bool wait_closed() {
    char buf[4096];
    for (;;) {
      const ssize_t n = ::recv(socket_.native_handle(), buf, sizeof buf, 0);
      if (n == 0) return true;
      if (n < 0) return errno == ECONNRESET;
    }
  }

  boost::asio::ip::tcp::socket& socket() { return socket_; }

 private:
  HttpResult failed(std::string why) {
    HttpResult r;
    r.error = std::move(why);
    return r;
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  bool connected_ = false;
  std::string connect_error_;
};

struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};

/// Reads a Server-Sent Events stream (GET target) event by event.
class SseReader {
 public:
  SseReader(uint16_t port, const std::string& target,
            const std::map<std::string, std::string>& headers = {},
            std::chrono::milliseconds timeout = std::chrono::milliseconds(10000),
            int receive_buffer = 0)
      : client_(port, timeout, receive_buffer) {
    std::string req =
        "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
    for (const auto& [name, value] : headers) req += name + ": " + value + "\r\n";
    req += "\r\n";
    if (!client_.write_raw(req)) return;
    // Status line and headers.
    while (pending_.find("\r\n\r\n") == std::string::npos) {
      if (!fill()) return;
    }
    const size_t end = pending_.find("\r\n\r\n");
    head_ = pending_.substr(0, end);
    pending_.erase(0, end + 4);
    started_ = head_.rfind("HTTP/1.1 200", 0) == 0;
  }

  bool started() const { return started_; }
  const std::string& head() const { return head_; }
  bool closed() const { return closed_; }

  /// The next event (comments skipped); false when the stream ended or the
  /// receive timeout passed first.
  bool next(SseEvent* out) {
    for (;;) {
      const size_t end = pending_.find("\n\n");
      if (end != std::string::npos) {
        const std::string block = pending_.substr(0, end + 1);
        pending_.erase(0, end + 2);
        SseEvent ev;
        bool any = false;
        size_t start = 0;
        while (start < block.size()) {
          const size_t nl = block.find('\n', start);
          const std::string line = block.substr(start, nl - start);
          start = nl + 1;
          if (line.empty() || line[0] == ':') continue;
          const size_t colon = line.find(':');
          const std::string name = line.substr(0, colon);
          std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
          if (!value.empty() && value[0] == ' ') value.erase(0, 1);
          any = true;
          if (name == "id") ev.id = value;
          if (name == "event") ev.event = value;
          if (name == "data") ev.data += (ev.data.empty() ? "" : "\n") + value;
        }
        if (!any) continue;
        *out = std::move(ev);
        return true;
      }
      if (!fill()) return false;
    }
  }

  HttpClient& client() { return client_; }

 private:
  bool fill() {
    char buf[65536];
    const ssize_t n = ::recv(client_.socket().native_handle(), buf, sizeof buf, 0);
    if (n == 0) closed_ = true;
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    return true;
  }

  HttpClient client_;
  std::string pending_;
  std::string head_;
  bool started_ = false;
  bool closed_ = false;
};

}  // namespace lightning::testing
