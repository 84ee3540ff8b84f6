// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/http_server.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/span_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "http/peer.hpp"
#include "http/sse.hpp"

namespace lightning::http {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace beast_http = boost::beast::http;
using tcp = asio::ip::tcp;

namespace {
class Connection;
class StreamConnection;
class StreamSink;
}  // namespace

/// The thread that writes every event stream (docs/design/http.md, "Threads"):
/// its own io_context, so a hundred clients' writes, heartbeats and closes
/// never run on the loop. Started by HttpServer::start, joined by stop().
class HttpServer::StreamThread {
 public:
  StreamThread() = default;
  ~StreamThread() { stop(); }

  asio::io_context& io() { return io_; }

  void start() {
    if (thread_.joinable()) return;
    io_.restart();
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "lightning-sse");
      io_.run();
    });
  }

  /// Runs what was posted before (the streams' closes), then ends the thread.
  void stop() {
    if (!thread_.joinable()) return;
    work_.reset();
    asio::post(io_, [this] { io_.stop(); });
    thread_.join();
  }

 private:
  asio::io_context io_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::thread thread_;
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

/// What the loop and the stream thread share about one event-stream client.
/// The backlog is what the loop has sent minus what the stream thread has
/// written: each counter has one writer, so the loop's cap check is two loads,
/// not a read-modify-write on a line the other thread also writes.
struct StreamState {
  std::atomic<bool> open{true};
  /// Bytes and events of the loop's sends that have been written (not the
  /// stream thread's own heartbeats). Written by the stream thread only.
  std::atomic<uint64_t> written_bytes{0};
  std::atomic<uint64_t> written_events{0};
};

/// One event-stream client on the stream thread: writes its queue (what is
/// queued while a write is in flight goes out in one gather write), sends
/// heartbeats, drops a client that takes nothing, and notices a close at
/// once. Stream thread only; kept alive by its own pending operations.
class StreamConnection final : public std::enable_shared_from_this<StreamConnection> {
 public:
  StreamConnection(tcp::socket socket, tcp::endpoint peer, const HttpServerOptions& options,
                   std::shared_ptr<StreamState> state)
      : socket_(std::move(socket)),
        peer_(std::move(peer)),
        max_queued_bytes_(options.sse_max_queued_bytes),
        write_timeout_(options.write_timeout),
        heartbeat_every_(options.sse_heartbeat),
        state_(std::move(state)),
        queue_(options.sse_max_queued_bytes),
        heartbeat_(socket_.get_executor()) {}

  /// `on_close` runs (on the stream thread) when the stream closes.
  void start(std::function<void()> on_close) {
    on_close_ = std::move(on_close);
    if (!state_->open) return close();
    arm_heartbeat();
    watch_for_close();
  }

  /// Queues an event (StreamSink::send has checked the cap).
  void deliver(std::shared_ptr<const std::string> event) {
    if (!socket_.is_open()) return;
    if (!queue_.push(std::move(event))) return drop_for_backlog();
    if (!writing_) write_next();
  }

  void close() {
    state_->open = false;
    if (!socket_.is_open()) return;
    if (on_close_) std::exchange(on_close_, nullptr)();
    heartbeat_.cancel();
    beast::error_code ec;
    socket_.shutdown(tcp::socket::shutdown_both, ec);
    socket_.close(ec);
  }

  void drop_for_backlog() {
    spdlog::warn(
        "HTTP: dropping event-stream client {}: {} bytes wait for it (cap {}); it reads slower "
        "than the state changes and can reconnect with Last-Event-ID",
        describe(peer_), queue_.bytes(), max_queued_bytes_);
    close();
  }

 private:
  /// At most this many queued events go out in one write.
  static constexpr size_t kMaxEventsPerWrite = 64;

  void write_next() {
    if (queue_.empty() || !socket_.is_open()) return;
    writing_ = true;
    write_started_ = std::chrono::steady_clock::now();
    buffers_.clear();
    for (size_t i = 0; i < queue_.size() && i < kMaxEventsPerWrite; ++i) {
      buffers_.push_back(asio::buffer(queue_.at(i)));
    }
    asio::async_write(
        socket_, buffers_,
        [self = shared_from_this(), events = buffers_.size()](beast::error_code ec, size_t) {
          self->writing_ = false;
          if (!self->socket_.is_open()) return;
          if (ec) {
            spdlog::debug("HTTP: event-stream client {} is gone: {}", describe(self->peer_),
                          ec.message());
            return self->close();
          }
          self->written(events);
          self->write_next();
        });
  }

  /// The first `events` of the queue are written: forgets them, and tells the
  /// loop's cap check (heartbeats are the stream thread's own, not counted there).
  void written(size_t events) {
    uint64_t bytes = 0, counted = 0;
    for (size_t i = 0; i < events; ++i) {
      if (&queue_.at(0) != heartbeat_event().get()) {
        bytes += queue_.at(0).size();
        ++counted;
      }
      queue_.pop();
    }
    state_->written_bytes.store(state_->written_bytes.load(std::memory_order_relaxed) + bytes,
                                std::memory_order_relaxed);
    state_->written_events.store(state_->written_events.load(std::memory_order_relaxed) + counted,
                                 std::memory_order_relaxed);
  }

  void arm_heartbeat() {
    heartbeat_.expires_after(heartbeat_every_);
    heartbeat_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self || !self->socket_.is_open()) return;
      if (self->writing_ &&
          std::chrono::steady_clock::now() - self->write_started_ > self->write_timeout_) {
        spdlog::warn("HTTP: dropping event-stream client {}: it took nothing for {} ms",
                     describe(self->peer_), self->write_timeout_.count());
        return self->close();
      }
      self->deliver(heartbeat_event());
      if (self->socket_.is_open()) self->arm_heartbeat();
    });
  }

  // A stream client sends nothing more; reading tells at once when it goes.
  void watch_for_close() {
    socket_.async_read_some(asio::buffer(probe_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (!self->socket_.is_open()) return;
                              if (ec) {
                                spdlog::debug("HTTP: event-stream client {} closed: {}",
                                              describe(self->peer_), ec.message());
                                return self->close();
                              }
                              self->watch_for_close();
                            });
  }

  tcp::socket socket_;
  tcp::endpoint peer_;
  size_t max_queued_bytes_;
  std::chrono::milliseconds write_timeout_;
  std::chrono::milliseconds heartbeat_every_;
  std::shared_ptr<StreamState> state_;
  std::function<void()> on_close_;
  SseQueue queue_;
  std::vector<asio::const_buffer> buffers_;
  bool writing_ = false;
  std::chrono::steady_clock::time_point write_started_;
  asio::steady_timer heartbeat_;
  char probe_[256] = {};
};

}  // namespace

struct HttpServer::Shared : std::enable_shared_from_this<HttpServer::Shared> {
  HttpServerOptions options;
  Handler handler;
  asio::io_context* loop = nullptr;
  std::unordered_set<Connection*> connections;  // requests being read or answered
  /// Event-stream clients (their sockets are on the stream thread); closed ones
  /// are forgotten by open_streams().
  std::vector<std::shared_ptr<StreamSink>> streams;
  /// Null once the server has stopped.
  StreamThread* stream_thread = nullptr;
  uint64_t last_stream_id = 0;
  /// One event and the streams it goes to.
  struct Delivery {
    std::shared_ptr<const std::string> event;
    std::vector<uint64_t> streams;
  };
  /// Events sent during this turn of the loop, handed to the stream thread in
  /// one post when the turn ends: a batch sent to 100 clients is one post of
  /// one shared string and 100 ids. Loop thread only.
  std::vector<Delivery> to_deliver;
  bool flush_posted = false;
  /// The open streams by id. Stream thread only.
  std::unordered_map<uint64_t, std::weak_ptr<StreamConnection>> stream_by_id;

  size_t open_streams();
  void deliver_later(uint64_t stream, std::shared_ptr<const std::string> event);
};

namespace {

/// The loop's side of one event-stream client, what a handler's stream
/// callback keeps: send() checks the backlog cap at once (so it still answers
/// false for a client over it) and adds the shared event to the loop turn's
/// deliveries (Shared::deliver_later); it never touches the socket. Loop
/// thread only; owned by HttpServer::Shared until the stream closes, and by
/// whoever keeps it.
class StreamSink final : public SseSink {
 public:
  StreamSink(HttpServer::Shared& server, uint64_t id, std::weak_ptr<StreamConnection> connection,
             std::shared_ptr<StreamState> state)
      : server_(server),
        id_(id),
        connection_(std::move(connection)),
        state_(std::move(state)),
        max_queued_bytes_(server.options.sse_max_queued_bytes) {}

  // While the stream is open the server has not stopped (stop() closes every
  // stream first), so server_ is alive.
  bool send(std::shared_ptr<const std::string> event) override {
    if (!state_->open) return false;
    const uint64_t queued_events =
        sent_events_ - state_->written_events.load(std::memory_order_relaxed);
    const uint64_t queued_bytes =
        sent_bytes_ - state_->written_bytes.load(std::memory_order_relaxed);
    if (queued_events > 0 && queued_bytes + event->size() > max_queued_bytes_) {
      state_->open = false;
      asio::post(server_.stream_thread->io(), [c = connection_] {
        if (auto self = c.lock()) self->drop_for_backlog();
      });
      return false;
    }
    sent_bytes_ += event->size();
    ++sent_events_;
    server_.deliver_later(id_, std::move(event));
    return true;
  }

  bool is_open() const override { return state_->open; }

  /// Closes the stream (on the stream thread); the server's stop().
  void close() {
    if (!state_->open.exchange(false)) return;
    asio::post(server_.stream_thread->io(), [c = connection_] {
      if (auto self = c.lock()) self->close();
    });
  }

 private:
  HttpServer::Shared& server_;
  uint64_t id_;
  std::weak_ptr<StreamConnection> connection_;
  std::shared_ptr<StreamState> state_;
  size_t max_queued_bytes_;
  uint64_t sent_bytes_ = 0;
  uint64_t sent_events_ = 0;
};

/// One client connection: reads requests (with the limits), answers them
/// through the server's handler, keeps alive; or, once a handler answers with
/// a stream, hands its socket to the stream thread (a StreamConnection there,
/// a StreamSink for the handler) and ends.
class Connection final : public ResponseSlot, public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, std::shared_ptr<HttpServer::Shared> shared)
      : stream_(std::move(socket)), shared_(std::move(shared)) {
    beast::error_code ec;
    peer_ = stream_.socket().remote_endpoint(ec);
    shared_->connections.insert(this);
  }
  ~Connection() override {
    if (open_) shared_->connections.erase(this);
  }

  void start() {
    // write_message() writes without blocking; asynchronous operations do not
    // depend on this mode.
    beast::error_code ec;
    stream_.socket().non_blocking(true, ec);
    read_request();
  }

  bool answer(Response response) override {
    if (!open_ || !awaiting_answer_) return false;
    awaiting_answer_ = false;
    write_response(std::move(response));
    return true;
  }

  bool is_waiting() const override { return open_ && awaiting_answer_; }

  std::string peer_address() const override {
    beast::error_code ec;
    return peer_.address().to_string(ec);
  }

  void close() {
    if (!open_) return;
    open_ = false;
    shared_->connections.erase(this);
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
    beast_http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_header(ec); });
  }

  // Beast reads a body in reads of at most the buffer's free space (at least
  // 512 bytes), and the buffer keeps the capacity the headers needed: a
  // 200 KB tensor took a few hundred recvmsg calls, each with its timer
  // re-armed. Room for the body (up to kReadBufferMax) is made once its
  // Content-Length is known, and given back after a large request.
  static constexpr size_t kReadBufferMax = 1 << 20;
  static constexpr size_t kReadBufferKeep = 64 << 10;

  void on_header(beast::error_code ec) {
    if (!open_) return;
    if (ec) return on_read_error(ec);
    if (parser_->is_done()) return on_read(ec);
    // Expect (RFC 9110 §10.1.1): a body over max_body_bytes was refused above
    // from its Content-Length (413, Beast's body_limit), so the client is
    // told to go on; it waits for that before it sends the body (curl: 1 s).
    const auto expect = parser_->get().find(beast_http::field::expect);
    if (expect != parser_->get().end()) {
      if (!beast::iequals(expect->value(), "100-continue")) {
        return write_response(error_response(
            417, "unsupported Expect '" + std::string(expect->value()) + "' (only 100-continue is)",
            11, false));
      }
      if (parser_->get().version() >= 11) {
        static const std::string kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
        asio::async_write(stream_, asio::buffer(kContinue),
                          [self = shared_from_this()](beast::error_code e, size_t) {
                            if (!self->open_) return;
                            if (e) return self->close();
                            self->read_body();
                          });
        return;
      }
    }
    read_body();
  }

  void read_body() {
    if (const auto length = parser_->content_length()) {
      const size_t want = static_cast<size_t>(std::min<uint64_t>(*length, kReadBufferMax));
      if (buffer_.capacity() - buffer_.size() < want) buffer_.reserve(buffer_.size() + want);
    }
    beast_http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->on_read(ec); });
  }

  void on_read(beast::error_code ec) {
    if (!open_) return;
    if (ec) return on_read_error(ec);
    if (buffer_.capacity() > kReadBufferKeep) buffer_.shrink_to_fit();
    Request request = parser_->release();
    if (!same_user_) {
      // Once per connection: who is at the other end (http/peer.hpp).
      beast::error_code ec;
      const tcp::endpoint local = stream_.socket().local_endpoint(ec);
      same_user_ = !ec && loopback_client_is_user(peer_, local, ::getuid());
    }
    Reply reply;
    {
      const PeerScope scope(Peer{*same_user_});
      reply = shared_->handler(request);
    }
    if (reply.stream) return start_stream(std::move(reply));
    if (reply.deferred) {
      awaiting_answer_ = true;
      stream_.expires_never();
      return reply.deferred(shared_from_this());
    }
    if (reply.shared_body) return write_shared_body(std::move(reply));
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

  void write_response(Response response) { write_message(std::move(response), nullptr); }

  // The response's headers, then the shared buffer as the body, not copied.
  void write_shared_body(Reply reply) {
    using SpanResponse = beast_http::response<beast_http::span_body<const char>>;
    SpanResponse message{std::move(reply.response.base())};
    message.body() = {reply.shared_body->data(), reply.shared_body->size()};
    message.prepare_payload();
    write_message(std::move(message), std::move(reply.shared_body));
  }

  /// A response being written, with its serializer, and whatever keeps a body
  /// the message only points to.
  template <class Message>
  struct Outgoing {
    Outgoing(Message m, std::shared_ptr<const std::string> owner)
        : message(std::move(m)), body_owner(std::move(owner)), serializer(message) {}
    Message message;
    std::shared_ptr<const std::string> body_owner;
    beast_http::serializer<false, typename Message::body_type, typename Message::fields_type>
        serializer;
  };

  /// Writes `message` at once when the socket takes it all (the usual case: a
  /// response within the send buffer), then reads the next request in the
  /// same handler; only what the socket does not take waits for an
  /// asynchronous write. A posted write completion would cost the loop one
  /// more turn (an epoll_wait) per request.
  template <class Message>
  void write_message(Message message, std::shared_ptr<const std::string> body_owner) {
    const bool keep_alive = message.keep_alive();
    auto out = std::make_shared<Outgoing<Message>>(std::move(message), std::move(body_owner));
    beast::error_code ec;
    beast_http::write(stream_.socket(), out->serializer, ec);
    if (!ec) return after_response(keep_alive);
    if (ec != asio::error::would_block && ec != asio::error::try_again) return close();
    stream_.expires_after(shared_->options.write_timeout);
    beast_http::async_write(
        stream_, out->serializer,
        [self = shared_from_this(), keep_alive, out](beast::error_code e, size_t) {
          if (!self->open_) return;
          if (e) return self->close();
          self->after_response(keep_alive);
        });
  }

  void after_response(bool keep_alive) {
    if (!keep_alive) return close();
    read_request();
  }

  // The head goes out as the stream's first event; the socket moves to the
  // stream thread, and this connection ends.
  void start_stream(Reply reply) {
    reply.response.keep_alive(false);  // the body of an event stream ends with the connection
    std::string head = "HTTP/1.1 " + std::to_string(reply.response.result_int()) + " " +
                       std::string(reply.response.reason()) + "\r\n";
    for (const auto& field : reply.response) {
      head += std::string(field.name_string()) + ": " + std::string(field.value()) + "\r\n";
    }
    head += "\r\n";
    stream_.expires_never();
    beast::error_code ec;
    const tcp::socket::protocol_type protocol = stream_.socket().local_endpoint(ec).protocol();
    const int fd = ec ? -1 : stream_.socket().release(ec);
    open_ = false;
    shared_->connections.erase(this);
    if (ec || fd < 0) {
      spdlog::debug("HTTP: cannot hand event-stream client {} to the stream thread: {}",
                    describe(peer_), ec.message());
      return;
    }
    if (shared_->stream_thread == nullptr) {
      ::close(fd);
      return;
    }
    asio::io_context& stream_io = shared_->stream_thread->io();
    tcp::socket socket(stream_io);
    socket.assign(protocol, fd, ec);
    if (ec) {
      ::close(fd);
      return;
    }
    auto state = std::make_shared<StreamState>();
    auto connection =
        std::make_shared<StreamConnection>(std::move(socket), peer_, shared_->options, state);
    const uint64_t id = ++shared_->last_stream_id;
    auto sink = std::make_shared<StreamSink>(*shared_, id, connection, state);
    asio::post(stream_io, [connection, id, shared = shared_] {
      shared->stream_by_id[id] = connection;
      connection->start([shared, id] { shared->stream_by_id.erase(id); });
    });
    shared_->streams.push_back(sink);
    sink->send(std::make_shared<std::string>(std::move(head)));
    reply.stream(sink);
  }

  beast::tcp_stream stream_;
  std::shared_ptr<HttpServer::Shared> shared_;
  tcp::endpoint peer_;
  std::optional<bool> same_user_;  // the client runs as this user (found at its first request)
  bool open_ = true;
  beast::flat_buffer buffer_;
  std::optional<beast_http::request_parser<beast_http::string_body>> parser_;
  bool awaiting_answer_ = false;  // a deferred reply: the handler answers later
};

}  // namespace

void HttpServer::Shared::deliver_later(uint64_t stream, std::shared_ptr<const std::string> event) {
  if (to_deliver.empty() || to_deliver.back().event != event) {
    to_deliver.push_back({std::move(event), {}});
  }
  to_deliver.back().streams.push_back(stream);
  if (flush_posted) return;
  flush_posted = true;
  asio::post(*loop, [self = shared_from_this()] {
    self->flush_posted = false;
    std::vector<Delivery> batch;
    batch.swap(self->to_deliver);
    if (self->stream_thread == nullptr) return;
    asio::post(self->stream_thread->io(), [self, batch = std::move(batch)] {
      for (const Delivery& d : batch) {
        for (const uint64_t id : d.streams) {
          const auto it = self->stream_by_id.find(id);
          if (it == self->stream_by_id.end()) continue;
          if (auto c = it->second.lock()) c->deliver(d.event);
        }
      }
    });
  });
}

size_t HttpServer::Shared::open_streams() {
  streams.erase(std::remove_if(streams.begin(), streams.end(),
                               [](const std::shared_ptr<StreamSink>& s) { return !s->is_open(); }),
                streams.end());
  return streams.size();
}

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, Handler handler)
    : io_(io),
      stream_thread_(std::make_unique<StreamThread>()),
      shared_(std::make_shared<Shared>()),
      acceptor_(io),
      retry_timer_(io) {
  shared_->options = std::move(options);
  shared_->handler = std::move(handler);
  shared_->loop = &io_;
}

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
  stream_thread_->start();
  shared_->stream_thread = stream_thread_.get();
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
  for (const auto& sink : shared_->streams) sink->close();
  shared_->streams.clear();
  shared_->to_deliver.clear();
  shared_->stream_thread = nullptr;
  stream_thread_->stop();
}

std::string HttpServer::url() const {
  const std::string& host = shared_->options.host;
  const bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port_);
}

size_t HttpServer::open_connections() const {
  return shared_->connections.size() + shared_->open_streams();
}

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
    if (shared->connections.size() + shared->open_streams() >= shared->options.max_connections) {
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
