// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "api_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "errors.hpp"

namespace lightning::cli {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

constexpr size_t kMaxBodyBytes = size_t{64} * 1024 * 1024;

[[noreturn]] void unreachable(const ApiUrl& url, const std::string& what,
                              const boost::system::error_code& ec) {
  throw CliError("cannot reach the app at " + url.text + " (" + what + ": " + ec.message() + ")",
                 kExitUnreachable);
}

// A connected stream to the app, with `timeout` on every operation (none when 0).
void connect(beast::tcp_stream& stream, const ApiUrl& url, std::chrono::milliseconds timeout,
             boost::asio::io_context& io) {
  boost::system::error_code ec;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(url.host, std::to_string(url.port), ec);
  if (ec) unreachable(url, "resolve " + url.host, ec);
  stream.expires_after(timeout);
  stream.connect(endpoints, ec);
  if (ec) unreachable(url, "connect", ec);
}

http::request<http::string_body> make_request(http::verb method, const std::string& target,
                                              const ApiUrl& url, const std::string& token) {
  http::request<http::string_body> req{method, target, 11};
  const bool ipv6 = url.host.find(':') != std::string::npos;
  req.set(http::field::host,
          (ipv6 ? "[" + url.host + "]" : url.host) + ":" + std::to_string(url.port));
  req.set(http::field::user_agent, "lightning-cli");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  if (method == http::verb::post) {
    req.set(http::field::content_type, "application/json");
    req.body() = "{}";
  }
  req.prepare_payload();
  return req;
}

}  // namespace

ApiUrl parse_api_url(const std::string& text) {
  const std::string scheme = "http://";
  std::string rest = text;
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  ApiUrl url;
  url.text = rest;
  if (rest.rfind("https://", 0) == 0) {
    throw CliError("--app " + text + ": the app's API speaks plain http://", kExitUsage);
  }
  if (rest.rfind(scheme, 0) != 0) {
    throw CliError("--app expects http://HOST:PORT, got '" + text + "'", kExitUsage);
  }
  rest.erase(0, scheme.size());
  if (rest.find('/') != std::string::npos) {
    throw CliError("--app expects http://HOST:PORT without a path, got '" + text + "'", kExitUsage);
  }
  std::string port_text;
  if (!rest.empty() && rest[0] == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) {
      throw CliError("--app: unterminated [IPv6] address in '" + text + "'", kExitUsage);
    }
    url.host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') throw CliError("--app: bad URL '" + text + "'", kExitUsage);
      port_text = rest.substr(close + 2);
    }
  } else {
    const auto colon = rest.find(':');
    url.host = rest.substr(0, colon);
    if (colon != std::string::npos) port_text = rest.substr(colon + 1);
  }
  if (url.host.empty()) throw CliError("--app: no host in '" + text + "'", kExitUsage);
  if (port_text.empty()) {
    url.port = 80;
    return url;
  }
  long port = 0;
  for (const char c : port_text) {
    if (c < '0' || c > '9' || port > 65535) {
      port = -1;
      break;
    }
    port = port * 10 + (c - '0');
  }
  if (port < 1 || port > 65535) {
    throw CliError("--app: '" + port_text + "' is not a port (1..65535)", kExitUsage);
  }
  url.port = static_cast<uint16_t>(port);
  return url;
}

void SseParser::feed(const std::string& bytes,
                     const std::function<void(const SseEvent&)>& on_event) {
  for (const char c : bytes) {
    if (c == '\n' && last_was_cr_) {  // the LF of a CRLF
      last_was_cr_ = false;
      continue;
    }
    last_was_cr_ = c == '\r';
    if (c != '\n' && c != '\r') {
      line_ += c;
      continue;
    }
    if (line_.empty()) {  // a blank line dispatches the event
      if (has_data_) on_event(event_);
      const std::string id = event_.id;  // the last event id persists
      event_ = SseEvent();
      event_.id = id;
      has_data_ = false;
    } else {
      field(line_);
      line_.clear();
    }
  }
}

void SseParser::field(const std::string& line) {
  if (line[0] == ':') return;  // a comment
  const auto colon = line.find(':');
  const std::string name = line.substr(0, colon);
  std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value[0] == ' ') value.erase(0, 1);
  if (name == "event") {
    event_.event = value.empty() ? "message" : value;
  } else if (name == "data") {
    if (has_data_) event_.data += '\n';
    event_.data += value;
    has_data_ = true;
  } else if (name == "id") {
    if (value.find('\0') == std::string::npos) event_.id = value;
  }
}

ApiClient::ApiClient(ApiUrl url, std::string token, std::chrono::milliseconds timeout)
    : url_(std::move(url)), token_(std::move(token)), timeout_(timeout) {}

ApiResponse ApiClient::request(const std::string& method, const std::string& target) const {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  connect(stream, url_, timeout_, io);
  boost::system::error_code ec;
  const auto req =
      make_request(method == "POST" ? http::verb::post : http::verb::get, target, url_, token_);
  http::write(stream, req, ec);
  if (ec) unreachable(url_, "send", ec);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBodyBytes);
  http::read(stream, buffer, parser, ec);
  if (ec) unreachable(url_, "read", ec);
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return {parser.get().result_int(), parser.get().body()};
}

ApiResponse ApiClient::stream(const std::string& target,
                              const std::function<bool(const SseEvent&)>& on_event) const {
  boost::asio::io_context io;
  beast::tcp_stream stream(io);
  connect(stream, url_, timeout_, io);
  boost::system::error_code ec;
  auto req = make_request(http::verb::get, target, url_, token_);
  req.set(http::field::accept, "text/event-stream");
  http::write(stream, req, ec);
  if (ec) unreachable(url_, "send", ec);
  beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  parser.body_limit(boost::none);
  http::read_header(stream, buffer, parser, ec);
  if (ec) unreachable(url_, "read", ec);
  const unsigned status = parser.get().result_int();
  stream.expires_never();
  std::string body;
  SseParser sse;
  bool go_on = true;
  char chunk[16 * 1024];
  while (go_on && !parser.is_done()) {
    parser.get().body().data = chunk;
    parser.get().body().size = sizeof chunk;
    http::read_some(stream, buffer, parser, ec);
    if (ec == http::error::need_buffer) ec = {};
    if (ec == http::error::end_of_stream || ec == boost::asio::error::eof ||
        ec == http::error::partial_message) {
      break;  // the app closed the stream (it is exiting)
    }
    if (ec) unreachable(url_, "read", ec);
    const std::string bytes(chunk, sizeof chunk - parser.get().body().size);
    if (status != 200) {
      body += bytes;
      if (body.size() > kMaxBodyBytes) break;
      continue;
    }
    sse.feed(bytes, [&](const SseEvent& event) {
      if (go_on) go_on = on_event(event);
    });
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ec);
  return {status, body};
}

std::string api_error_message(const ApiResponse& response) {
  const nlohmann::json body = nlohmann::json::parse(response.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object() &&
      body["error"].contains("message") && body["error"]["message"].is_string()) {
    return body["error"]["message"].get<std::string>() + " (HTTP " +
           std::to_string(response.status) + ")";
  }
  std::string start = response.body.substr(0, 200);
  return "HTTP " + std::to_string(response.status) + (start.empty() ? "" : ": " + start);
}

}  // namespace lightning::cli
