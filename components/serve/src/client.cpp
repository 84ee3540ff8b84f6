// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// InferenceClient (lightning/components/serve/client.hpp): Beast over one
// keep-alive connection. Beast's timeouts (tcp_stream::expires_after) apply to
// asynchronous operations, so each request runs its operations on the
// client's own io_context until they complete.
#include "lightning/components/serve/client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <optional>
#include <stdexcept>
#include <utility>

#include "core/json_io.hpp"

namespace lightning::components {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

/// Largest answer read: 1 GiB (a batch of large outputs; Beast's default is 8 MB).
constexpr uint64_t kMaxResponseBytes = uint64_t{1} << 30;

/// Errors that mean the server closed a kept-alive connection before this request.
bool stale_connection(const beast::error_code& ec) {
  return ec == http::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == http::error::partial_message;
}

}  // namespace

struct InferenceClient::Impl {
  std::string url;
  std::string host;
  std::string port;
  std::chrono::milliseconds timeout;
  asio::io_context io;
  beast::tcp_stream stream{io};
  beast::flat_buffer buffer;
  bool connected = false;

  void run() {
    io.restart();
    io.run();
  }

  /// Opens the connection; an error message or empty.
  std::string connect() {
    beast::error_code ec;
    tcp::resolver resolver(io);
    const auto endpoints = resolver.resolve(host, port, ec);
    if (ec) return "cannot resolve " + host + ": " + ec.message();
    stream.expires_after(timeout);
    stream.async_connect(endpoints, [&](const beast::error_code& e, const tcp::endpoint&) { ec = e; });
    run();
    if (ec) return "cannot connect to " + url + ": " + ec.message();
    stream.socket().set_option(tcp::no_delay(true), ec);
    connected = true;
    buffer.clear();
    return "";
  }

  void close() {
    beast::error_code ignored;
    stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream.close();
    connected = false;
  }

  /// One exchange; reopens a stale kept-alive connection once. Returns an
  /// error message (no answer) or empty with *res filled.
  std::string exchange(const http::request<http::string_body>& req,
                       http::response<http::string_body>* res) {
    for (int attempt = 0;; ++attempt) {
      const bool reused = connected;
      if (!connected) {
        if (std::string e = connect(); !e.empty()) return e;
      }
      beast::error_code ec;
      stream.expires_after(timeout);
      http::async_write(stream, req, [&](const beast::error_code& e, size_t) { ec = e; });
      run();
      std::optional<http::response_parser<http::string_body>> parser;
      if (!ec) {
        parser.emplace();
        parser->body_limit(kMaxResponseBytes);
        http::async_read(stream, buffer, *parser, [&](const beast::error_code& e, size_t) { ec = e; });
        run();
      }
      if (!ec) {
        *res = parser->release();
        if (!res->keep_alive()) close();
        return "";
      }
      close();
      if (reused && attempt == 0 && stale_connection(ec)) continue;
      if (ec == beast::error::timeout) {
        return "no answer from " + url + " within " + std::to_string(timeout.count()) + " ms";
      }
      return "request to " + url + " failed: " + ec.message();
    }
  }

  http::request<http::string_body> request(http::verb verb, const std::string& target) const {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, host + ":" + port);
    req.keep_alive(true);
    return req;
  }
};

InferenceClient::InferenceClient(const std::string& url, std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()) {
  const std::string prefix = "http://";
  std::string rest = url.rfind(prefix, 0) == 0 ? url.substr(prefix.size()) : "";
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  const size_t colon = rest.rfind(':');
  if (rest.empty() || colon == std::string::npos || colon == 0 || colon + 1 == rest.size() ||
      rest.find('/') != std::string::npos ||
      rest.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
    throw std::invalid_argument("InferenceClient: the url must be http://HOST:PORT, not '" + url +
                                "'");
  }
  if (timeout.count() <= 0) throw std::invalid_argument("InferenceClient: timeout must be > 0");
  impl_->url = url;
  impl_->host = rest.substr(0, colon);
  if (impl_->host.size() > 2 && impl_->host.front() == '[' && impl_->host.back() == ']') {
    impl_->host = impl_->host.substr(1, impl_->host.size() - 2);  // [::1]
  }
  impl_->port = rest.substr(colon + 1);
  impl_->timeout = timeout;
}

InferenceClient::~InferenceClient() = default;
InferenceClient::InferenceClient(InferenceClient&&) noexcept = default;
InferenceClient& InferenceClient::operator=(InferenceClient&&) noexcept = default;

const std::string& InferenceClient::url() const { return impl_->url; }

InferenceClient::Result InferenceClient::infer(const std::string& model,
                                               const std::vector<oip::InferTensor>& inputs,
                                               const std::string& id) {
  const oip::EncodedRequest body = oip::encode_infer_request(inputs, id);
  auto req = impl_->request(http::verb::post, "/v2/models/" + model + "/infer");
  req.set(http::field::content_type, "application/octet-stream");
  req.set("Inference-Header-Content-Length", std::to_string(body.json_length));
  req.body() = body.body;
  req.prepare_payload();
  Result result;
  http::response<http::string_body> res;
  const auto start = std::chrono::steady_clock::now();
  result.error = impl_->exchange(req, &res);
  result.latency_us =
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count();
  if (!result.error.empty()) return result;
  result.status = static_cast<int>(res.result_int());
  if (result.status != 200) {
    std::string parse_error;
    const Json j = detail::parse_untrusted(res.body(), &parse_error);
    if (j.is_object() && j.contains("error") && j["error"].is_string()) {
      result.error = j["error"].get<std::string>();
    } else {
      result.error = "HTTP " + std::to_string(result.status) + ": " + res.body().substr(0, 200);
    }
    return result;
  }
  std::optional<size_t> json_length;
  if (const auto it = res.find("Inference-Header-Content-Length"); it != res.end()) {
    size_t n = 0;
    if (std::string e = oip::parse_json_length(std::string_view(it->value().data(), it->value().size()), res.body().size(), &n); !e.empty()) {
      result.error = "the answer's " + e;
      return result;
    }
    json_length = n;
  }
  if (std::string e = oip::parse_infer_response(res.body(), json_length, &result.response);
      !e.empty()) {
    result.error = "the answer is not an inference response: " + e;
  }
  return result;
}

bool InferenceClient::ready(const std::string& model) {
  const auto req = impl_->request(http::verb::get, "/v2/models/" + model + "/ready");
  http::response<http::string_body> res;
  return impl_->exchange(req, &res).empty() && res.result_int() == 200;
}

}  // namespace lightning::components
