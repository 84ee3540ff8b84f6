// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

namespace lightning::cli {

/// Exit codes of the `lightning` subcommands that talk to an app.
inline constexpr int kExitOk = 0;
inline constexpr int kExitAppError = 1;     ///< the app answered with an error
inline constexpr int kExitUsage = 2;        ///< bad command line
inline constexpr int kExitUnreachable = 3;  ///< no app found, or it cannot be reached

/// An app's API address, from "http://host:port" (a trailing "/" allowed).
struct ApiUrl {
  std::string host;
  uint16_t port = 0;
  std::string text;  ///< as given, without a trailing "/"
};

/// Parses "http://HOST:PORT" (HOST a name, an IPv4 address or [IPv6]; PORT
/// 1..65535; default 80 without one). Throws CliError (exit code 2) saying
/// what is wrong: https, a path after the port, a bad port.
ApiUrl parse_api_url(const std::string& text);

/// One HTTP response, as read.
struct ApiResponse {
  unsigned status = 0;
  std::string body;
};

/// One Server-Sent Event (WHATWG HTML, "event stream interpretation").
struct SseEvent {
  std::string id;
  std::string event = "message";
  std::string data;
};

/// Splits an event stream into events as bytes arrive, whatever the chunking:
/// lines end in LF, CRLF or CR; comments (": heartbeat") are skipped; several
/// `data:` lines join with LF; an event is dispatched at a blank line.
///
///   SseParser p;
///   p.feed("event: line\ndata: hi\n\n", [](const SseEvent& e) { ... });
class SseParser {
 public:
  void feed(const std::string& bytes, const std::function<void(const SseEvent&)>& on_event);

 private:
  void field(const std::string& line);

  std::string line_;
  bool last_was_cr_ = false;
  SseEvent event_;
  bool has_data_ = false;
};

/// A blocking client of an app's HTTP API (Boost.Beast over one TCP
/// connection per request). Sends `Authorization: Bearer <token>` when it has
/// a token. Throws CliError with kExitUnreachable when the app cannot be
/// reached or stops answering mid-response; an HTTP error status is returned,
/// not thrown. Single-threaded.
class ApiClient {
 public:
  /// `timeout`: how long a plain request may take (connect, send, read).
  ApiClient(ApiUrl url, std::string token,
            std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

  const ApiUrl& url() const { return url_; }

  /// GET or POST `target` ("/api/v1/state"); a POST has an empty JSON body.
  ApiResponse get(const std::string& target) const { return request("GET", target); }
  ApiResponse post(const std::string& target) const { return request("POST", target); }

  /// GETs an event stream and calls `on_event` for each event until the app
  /// closes the stream (returns 200) or `on_event` returns false. A status other
  /// than 200 returns at once with the body read. No timeout once the stream
  /// has started (the app sends a heartbeat every 15 s).
  ApiResponse stream(const std::string& target,
                     const std::function<bool(const SseEvent&)>& on_event) const;

 private:
  ApiResponse request(const std::string& method, const std::string& target) const;

  ApiUrl url_;
  std::string token_;
  std::chrono::milliseconds timeout_;
};

/// The message of an API error body ({"error":{"code":N,"message":"..."}}),
/// else "HTTP <status>" plus the start of the body.
std::string api_error_message(const ApiResponse& response);

}  // namespace lightning::cli
