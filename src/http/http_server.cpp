// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/http_server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <unordered_set>

#include "http/sse.hpp"

namespace lightning::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
class Connection;
}  // namespace

struct HttpServer::Shared {
  HttpServerOptions options;
  Handler handler;
  std::unordered_set<Connection*> connections;
};

namespace {

const std::shared_ptr<const std::string>& heartbeat_event() {
  static const auto* kEvent = new std::shared_ptr<const std::string>(
      std::make_shared<std::string>(format_sse_comment("heartbeat")));
  return *kEvent;
}

std::string describe(const tcp::endpoint& peer) {
  beast::error_code ec;
  return peer.address().to_string(ec) + ":" + std::to_string(peer.port());
}

/// One client connection: reads requests (with the limits), answers them
/// through the server's handler, keeps alive; or, once a handler answers with
/// a stream, becomes a Server-Sent Events sink with a bounded queue.
class Connection final : public SseSink,
                         public ResponseSlot,
                         public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<HttpServer::Shared> shared)
      : stream_(std::move(socket)),
        shared_(std::move(shared)),
        queue_(shared_->options.sse_max_queued_bytes),
        heartbeat_(stream_.get_executor()) {
    beast::error_code ec;
    peer_ = stream_.socket().remote_endpoint(ec);
    shared_->connections.insert(this);
  }
  ~Connection() override {
    if (open_) shared_->connections.erase(this);
  }

  void start() { read_request(); }

  bool send(std::shared_ptr<const std::string> event) override {
    if (!open_) return false;
    if (!queue_.push(std::move(event))) {
      spdlog::warn(
          "HTTP: dropping event-stream client {}: {} bytes wait for it (cap {}); it reads slower "
          "than the state changes and can reconnect with Last-Event-ID",
          describe(peer_), queue_.bytes(), shared_->options.sse_max_queued_bytes);
      close();
      return false;
    }
    if (!writing_) write_next_event();
    return true;
  }

  bool is_open() const override { return open_; }

  bool answer(Response response) override {
    if (!open_ || !awaiting_answer_) return false;
    awaiting_answer_ = false;
    write_response(std::move(response));
    return true;
  }

  bool is_waiting() const override { return open_ && awaiting_answer_; }

  void close() {
    if (!open_) return;
    open_ = false;
    shared_->connections.erase(this);
    heartbeat_.cancel();
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

 private:
  void read_request() {
    parser_.emplace();
    parser_->body_limit(shared_->options.max_body_bytes);
    parser_->header_limit(shared_->options.max_header_bytes);
    stream_.expires_after(shared_->options.read_timeout);
    beast_http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (!open_) return;
    if (ec) return on_read_error(ec);
    Request request = parser_->release();
    Reply reply = shared_->handler(request);
    if (reply.stream) return start_stream(std::move(reply));
    if (reply.deferred) {
      awaiting_answer_ = true;
      stream_.expires_never();
      return reply.deferred(shared_from_this());
    }
    write_response(std::move(reply.response));
  }

  void on_read_error(beast::error_code ec) {
    if (ec == beast_http::error::body_limit) {
      return write_response(error_response(413,
                                           "the request body is over the limit of " +
                                               std::to_string(shared_->options.max_body_bytes) +
                                               " bytes",
                                           11, false));
    }
    if (ec == beast_http::error::header_limit) {
      return write_response(error_response(431,
                                           "the request's headers are over the limit of " +
                                               std::to_string(shared_->options.max_header_bytes) +
                                               " bytes",
                                           11, false));
    }
    if (ec == beast::error::timeout) {
      spdlog::debug("HTTP: closing {}: no complete request within {} ms", describe(peer_),
                    shared_->options.read_timeout.count());
      return close();
    }
    // A malformed request (not a client that went away mid-way).
    if (ec.category() == beast_http::make_error_code(beast_http::error::bad_target).category() &&
        ec != beast_http::error::end_of_stream && ec != beast_http::error::partial_message) {
      return write_response(
          error_response(400, "malformed HTTP request: " + ec.message(), 11, false));
    }
    close();
  }

  void write_response(Response response) {
    response_ = std::make_shared<Response>(std::move(response));
    const bool keep_alive = response_->keep_alive();
    stream_.expires_after(shared_->options.write_timeout);
    beast_http::async_write(stream_, *response_,
                            [self = shared_from_this(), keep_alive](beast::error_code ec, size_t) {
                              self->response_.reset();
                              if (!self->open_) return;
                              if (ec || !keep_alive) return self->close();
                              self->read_request();
                            });
  }

  // ------------------------------------------------------------ event stream

  void start_stream(Reply reply) {
    streaming_ = true;
    stream_.expires_never();
    // The body of an event stream ends when the connection closes.
    reply.response.keep_alive(false);
    std::string head = "HTTP/1.1 " + std::to_string(reply.response.result_int()) + " " +
                       std::string(reply.response.reason()) + "\r\n";
    for (const auto& field : reply.response) {
      head += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
    }
    head += "\r\n";
    send(std::make_shared<std::string>(std::move(head)));
    reply.stream(shared_from_this());
    if (!open_) return;
    arm_heartbeat();
    watch_for_close();
  }

  void write_next_event() {
    if (queue_.empty() || !open_) return;
    writing_ = true;
    write_started_ = std::chrono::steady_clock::now();
    asio::async_write(stream_.socket(), asio::buffer(queue_.front()),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->writing_ = false;
                        if (!self->open_) return;
                        if (ec) {
                          spdlog::debug("HTTP: event-stream client {} is gone: {}",
                                        describe(self->peer_), ec.message());
                          return self->close();
                        }
                        self->queue_.pop();
                        self->write_next_event();
                      });
  }

  void arm_heartbeat() {
    heartbeat_.expires_after(shared_->options.sse_heartbeat);
    heartbeat_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->open_) return;
      if (self->writing_ && std::chrono::steady_clock::now() - self->write_started_ >
                                self->shared_->options.write_timeout) {
        spdlog::warn("HTTP: dropping event-stream client {}: it took nothing for {} ms",
                     describe(self->peer_), self->shared_->options.write_timeout.count());
        return self->close();
      }
      if (self->send(heartbeat_event())) self->arm_heartbeat();
    });
  }

  // A stream client sends nothing more; reading tells at once when it goes.
  void watch_for_close() {
    stream_.socket().async_read_some(asio::buffer(probe_),
                                     [self = shared_from_this()](beast::error_code ec, size_t) {
                                       if (!self->open_) return;
                                       if (ec) {
                                         spdlog::debug("HTTP: event-stream client {} closed: {}",
                                                       describe(self->peer_), ec.message());
                                         return self->close();
                                       }
                                       self->watch_for_close();
                                     });
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::Shared> shared_;
  tcp::endpoint peer_;
  bool open_ = true;
  beast::flat_buffer buffer_;
  std::optional<beast_http::request_parser<beast_http::string_body>> parser_;
  std::shared_ptr<Response> response_;
  bool awaiting_answer_ = false;  // a deferred reply: the handler answers later

  bool streaming_ = false;
  SseQueue queue_;
  bool writing_ = false;
  std::chrono::steady_clock::time_point write_started_;
  asio::steady_timer heartbeat_;
  char probe_[256] = {};
};

}  // namespace

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, Handler handler)
    : io_(io),
      shared_(std::make_shared<Shared>(Shared{std::move(options), std::move(handler), {}})),
      acceptor_(io),
      retry_timer_(io) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  const HttpServerOptions& o = shared_->options;
  beast::error_code ec;
  std::vector<asio::ip::address> addresses;
  const asio::ip::address literal = asio::ip::make_address(o.host, ec);
  if (!ec) {
    addresses.push_back(literal);
  } else {
    tcp::resolver resolver(io_);
    auto results = resolver.resolve(o.host, "", ec);
    if (ec) {
      return InvalidArgument("cannot use --host '" + o.host + "': " + ec.message());
    }
    for (const auto& entry : results) addresses.push_back(entry.endpoint().address());
  }
  if (addresses.empty()) return InvalidArgument("--host '" + o.host + "' has no address");

  auto bind = [&](const asio::ip::address& address, uint16_t port) -> beast::error_code {
    beast::error_code e;
    acceptor_.close(e);
    tcp::endpoint endpoint(address, port);
    acceptor_.open(endpoint.protocol(), e);
    if (e) return e;
    acceptor_.set_option(asio::socket_base::reuse_address(true), e);
    acceptor_.bind(endpoint, e);
    if (e) return e;
    acceptor_.listen(asio::socket_base::max_listen_connections, e);
    return e;
  };
  const asio::ip::address address = addresses.front();
  ec = bind(address, o.port);
  if (ec == asio::error::address_in_use && o.port == HttpServerOptions::kDefaultPort) {
    fell_back_ = true;
    ec = bind(address, 0);
  }
  if (ec) {
    return Unavailable("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " +
                       ec.message() +
                       (ec == asio::error::address_in_use ? " (choose another --port, or 0)" : ""));
  }
  port_ = acceptor_.local_endpoint(ec).port();
  loopback_ = address.is_loopback();
  accept();
  return Status::Ok();
}

void HttpServer::stop() {
  beast::error_code ec;
  acceptor_.close(ec);
  retry_timer_.cancel();
  // close() removes the connection from the set.
  std::vector<Connection*> open(shared_->connections.begin(), shared_->connections.end());
  for (Connection* c : open) c->close();
}

std::string HttpServer::url() const {
  const std::string& host = shared_->options.host;
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port_);
}

size_t HttpServer::open_connections() const { return shared_->connections.size(); }

void HttpServer::accept() {
  acceptor_.async_accept([this, shared = shared_](beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (ec) {
      // Out of descriptors (EMFILE) and the like: try again a little later
      // instead of spinning.
      spdlog::warn("HTTP: cannot accept a connection: {}; retrying in 100 ms", ec.message());
      retry_timer_.expires_after(std::chrono::milliseconds(100));
      retry_timer_.async_wait([this](beast::error_code e) {
        if (!e) accept();
      });
      return;
    }
    if (shared->connections.size() >= shared->options.max_connections) {
      // A short answer into an empty socket buffer does not block.
      static const std::string kBusy = [] {
        const std::string body =
            R"({"error":{"code":503,"message":"too many connections; try again later"}})";
        return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
               "Connection: close\r\nContent-Length: " +
               std::to_string(body.size()) + "\r\n\r\n" + body;
      }();
      beast::error_code e;
      socket.non_blocking(true, e);
      socket.write_some(asio::buffer(kBusy), e);
      socket.shutdown(tcp::socket::shutdown_both, e);
      socket.close(e);
    } else {
      std::make_shared<Connection>(std::move(socket), shared)->start();
    }
    accept();
  });
}

}  // namespace lightning::http
