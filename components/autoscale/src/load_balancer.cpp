// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "load_balancer.hpp"

#include <prometheus/text_serializer.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cmath>
#include <numeric>
#include <set>
#include <utility>

namespace lightning::components::lb {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

namespace {

/// In-flight samples for in_flight_mean are taken this often.
constexpr std::chrono::milliseconds kSampleEvery{50};
/// A ready replica whose probe fails this many times in a row gets no traffic
/// until a probe succeeds again.
constexpr int kFailedProbesToUnready = 3;
/// Latencies kept for p95 at most (a bound on memory at very high rates).
constexpr size_t kMaxLatencySamples = 200000;

const prometheus::Histogram::BucketBoundaries kDurationBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const auto e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

}  // namespace

std::optional<HostPort> parse_http_url(const std::string& url, std::string* error) {
  auto fail = [&](const std::string& why) -> std::optional<HostPort> {
    if (error != nullptr) *error = "replica URL '" + url + "': " + why;
    return std::nullopt;
  };
  const std::string scheme = "http://";
  if (url.rfind(scheme, 0) != 0) return fail("only http:// URLs can be balanced");
  std::string rest = url.substr(scheme.size());
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.find('/') != std::string::npos) return fail("a URL with a path cannot be balanced");
  std::string host;
  std::string port;
  if (!rest.empty() && rest.front() == '[') {
    const auto close = rest.find(']');
    if (close == std::string::npos) return fail("unclosed '['");
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size() && rest[close + 1] == ':') port = rest.substr(close + 2);
  } else {
    const auto colon = rest.rfind(':');
    if (colon == std::string::npos) return fail("no port");
    host = rest.substr(0, colon);
    port = rest.substr(colon + 1);
  }
  if (host.empty()) return fail("no host");
  if (port.empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return fail("no port or a bad one");
  }
  const int p = std::stoi(port);
  if (p <= 0 || p > 65535) return fail("port out of range");
  return HostPort{host, static_cast<uint16_t>(p)};
}

void remove_hop_by_hop(bhttp::fields& fields) {
  // The fields Connection names are hop-by-hop too (RFC 9110 §7.6.1). Every
  // Connection field counts, wherever it is among the others.
  std::vector<std::string> named;
  for (const auto& field : fields) {
    if (field.name() != bhttp::field::connection) continue;
    const std::string value(field.value());
    size_t start = 0;
    for (;;) {
      const size_t comma = value.find(',', start);
      const std::string token =
          trim(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
      if (!token.empty()) named.push_back(token);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  }
  for (const std::string& name : named) fields.erase(name);
  for (const char* name : {"Connection", "Proxy-Connection", "Keep-Alive", "TE", "Trailer",
                           "Transfer-Encoding", "Upgrade"}) {
    fields.erase(name);
  }
}

int choose_least_outstanding(const std::vector<int>& in_flight, const std::vector<bool>& eligible,
                             size_t* cursor) {
  const size_t n = in_flight.size();
  if (n == 0) return -1;
  int best = -1;
  const size_t start = *cursor % n;
  for (size_t k = 0; k < n; ++k) {
    const size_t i = (start + k) % n;
    if (!eligible[i]) continue;
    if (best < 0 || in_flight[i] < in_flight[static_cast<size_t>(best)]) best = static_cast<int>(i);
  }
  if (best >= 0) *cursor = static_cast<size_t>(best) + 1;
  return best;
}

double quantile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  const size_t rank =
      std::min(values.size() - 1,
               static_cast<size_t>(std::ceil(p * static_cast<double>(values.size()))) - (p > 0));
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank),
                   values.end());
  return values[rank];
}

/// One replica name's series of lightning_lb_in_flight_requests, shared by
/// every Upstream of that name (a restarted replica keeps its name, and the
/// old one's requests may still be in flight): removed from the family when
/// the last of them goes, so a replica that left the set leaves no series.
/// Holds the registry, which owns the family (an Exchange, and so its
/// Upstream, can outlive the balancer in a pending handler).
struct LoadBalancer::GaugeSeries {
  GaugeSeries(std::shared_ptr<prometheus::Registry> r, prometheus::Family<prometheus::Gauge>& f,
              const std::string& replica)
      : registry(std::move(r)), family(&f), gauge(&f.Add({{"replica", replica}})) {}
  ~GaugeSeries() { family->Remove(gauge); }
  GaugeSeries(const GaugeSeries&) = delete;
  GaugeSeries& operator=(const GaugeSeries&) = delete;

  std::shared_ptr<prometheus::Registry> registry;
  prometheus::Family<prometheus::Gauge>* family;
  prometheus::Gauge* gauge;
};

/// One replica, a member of the set or draining. Loop thread only.
struct LoadBalancer::Upstream {
  std::string name;
  std::string url;
  tcp::endpoint endpoint;
  std::string host_header;
  std::string error;  ///< why its URL cannot be used ("" when it can)
  bool member = true;
  bool ready = false;
  bool probing = false;
  int failed_probes = 0;
  int in_flight = 0;
  uint64_t requests = 0;
  uint64_t failures = 0;
  std::vector<std::unique_ptr<beast::tcp_stream>> idle;
  /// The readiness probes' keep-alive connection (none between probes that
  /// failed or that the replica closed).
  std::unique_ptr<beast::tcp_stream> probe_conn;
  std::shared_ptr<GaugeSeries> series;
  prometheus::Gauge* gauge = nullptr;  ///< series->gauge

  bool routable() const { return member && ready && error.empty(); }
};

/// One client request on its way through a replica. Loop thread only; kept
/// alive by its pending operations.
struct LoadBalancer::Exchange {
  std::shared_ptr<http::ResponseSlot> slot;
  http::Request request;  // what goes to the replica (Host set per attempt)
  unsigned client_version = 11;
  bool client_keep_alive = true;
  bool head = false;
  SteadyClock::time_point started;
  std::shared_ptr<Upstream> up;
  std::unique_ptr<beast::tcp_stream> conn;
  bool reused = false;
  bool stale_retry_used = false;
  int retries_left = 1;
  std::set<std::string> tried;
  std::optional<bhttp::response_parser<bhttp::string_body>> parser;
  beast::flat_buffer buffer;
  /// Set while it is held (no replica ready): fires at queue_timeout.
  std::unique_ptr<asio::steady_timer> hold_timer;
};

LoadBalancer::LoadBalancer(asio::io_context& io, LoadBalancerOptions options, ReportSink sink)
    : io_(io),
      options_(std::move(options)),
      sink_(std::move(sink)),
      server_(
          io,
          [&] {
            http::HttpServerOptions o;
            o.host = options_.host;
            o.port = options_.port;
            o.max_body_bytes = options_.max_body_bytes;
            o.max_header_bytes = options_.max_header_bytes;
            o.read_timeout = options_.client_read_timeout;
            o.max_connections = options_.max_connections;
            return o;
          }(),
          [this](const http::Request& r) { return handle(r); }),
      tick_timer_(io),
      probe_timer_(io),
      registry_(std::make_shared<prometheus::Registry>()),
      requests_family_(prometheus::BuildCounter()
                           .Name("lightning_lb_requests_total")
                           .Help("Requests answered by the load balancer, by replica and HTTP "
                                 "status code (replica \"none\": answered by the balancer itself)")
                           .Register(*registry_)),
      in_flight_family_(prometheus::BuildGauge()
                            .Name("lightning_lb_in_flight_requests")
                            .Help("Requests in flight to each replica")
                            .Register(*registry_)),
      retries_counter_(prometheus::BuildCounter()
                           .Name("lightning_lb_retries_total")
                           .Help("Requests retried on another replica after the first got no "
                                 "byte of a response")
                           .Register(*registry_)
                           .Add({})),
      queued_gauge_(prometheus::BuildGauge()
                        .Name("lightning_lb_queued_requests")
                        .Help("Requests held by the load balancer while no replica is ready "
                              "(scale from zero), waiting for one")
                        .Register(*registry_)
                        .Add({})),
      duration_(prometheus::BuildHistogram()
                    .Name("lightning_lb_request_duration_seconds")
                    .Help("Time from a request read to its response handed to the client")
                    .Register(*registry_)
                    .Add({}, kDurationBuckets)) {}

LoadBalancer::~LoadBalancer() { stop(); }

Status LoadBalancer::start() {
  Status s = server_.start();
  if (!s.ok()) return s;
  arm_tick();
  probe_all();
  return s;
}

void LoadBalancer::stop() {
  if (stopped_) return;
  stopped_ = true;
  tick_timer_.cancel();
  probe_timer_.cancel();
  // Held requests get their answer before the connections close.
  std::deque<std::shared_ptr<Exchange>> held;
  held.swap(held_);
  queued_gauge_.Set(0);
  for (const auto& ex : held) {
    ex->hold_timer->cancel();
    ++failures_total_;
    unavailable(ex, "the load balancer is stopping");
  }
  server_.stop();
  for (auto& [name, up] : upstreams_) {
    up->idle.clear();
    if (up->probe_conn) up->probe_conn->close();  // its probe ends (aborted)
  }
}

void LoadBalancer::set_replicas(uint64_t generation, const std::vector<ReplicaAddress>& replicas) {
  generation_ = generation;
  std::set<std::string> names;
  for (const ReplicaAddress& r : replicas) {
    names.insert(r.name);
    auto it = upstreams_.find(r.name);
    if (it != upstreams_.end() && it->second->url == r.url) {
      if (!it->second->member) spdlog::info("balancer: replica {} is back in the set", r.name);
      it->second->member = true;
      continue;
    }
    // Same name, new URL (a restarted replica): the old one is gone; its
    // requests still in flight keep it alive and count on the same gauge.
    if (it != upstreams_.end()) upstreams_.erase(it);
    auto up = std::make_shared<Upstream>();
    up->name = r.name;
    up->url = r.url;
    std::string error;
    if (auto hp = parse_http_url(r.url, &error)) {
      beast::error_code ec;
      asio::ip::address address = asio::ip::make_address(hp->host, ec);
      if (ec) {
        tcp::resolver resolver(io_);
        auto results = resolver.resolve(hp->host, std::to_string(hp->port), ec);
        if (!ec && !results.empty()) address = results.begin()->endpoint().address();
      }
      if (ec) {
        up->error = "cannot resolve '" + hp->host + "': " + ec.message();
      } else {
        up->endpoint = tcp::endpoint(address, hp->port);
        up->host_header =
            (address.is_v6() ? "[" + hp->host + "]" : hp->host) + ":" + std::to_string(hp->port);
      }
    } else {
      up->error = error;
    }
    if (!up->error.empty()) spdlog::warn("balancer: {}", up->error);
    std::shared_ptr<GaugeSeries> series = gauges_[r.name].lock();
    if (!series) {
      series = std::make_shared<GaugeSeries>(registry_, in_flight_family_, r.name);
      gauges_[r.name] = series;
    }
    up->series = series;
    up->gauge = series->gauge;
    upstreams_[r.name] = up;
    spdlog::info("balancer: replica {} at {} joins the set; it gets traffic once {} answers 200",
                 r.name, r.url, options_.ready_path);
    if (!stopped_) probe(up);
  }
  std::vector<std::string> gone;
  for (auto& [name, up] : upstreams_) {
    if (names.count(name) == 0 && up->member) {
      up->member = false;
      up->idle.clear();
      spdlog::info("balancer: replica {} leaves the set; draining {} request(s) in flight", name,
                   up->in_flight);
      gone.push_back(name);
    }
  }
  for (const std::string& name : gone) forget_if_drained(name);
  dispatch_held();  // a ready replica may be back in the set
}

void LoadBalancer::forget_if_drained(const std::string& name) {
  auto it = upstreams_.find(name);
  if (it == upstreams_.end() || it->second->member || it->second->in_flight > 0) return;
  spdlog::info("balancer: replica {} drained", name);
  // Its gauge series goes with the last Upstream of this name (GaugeSeries).
  upstreams_.erase(it);
  for (auto g = gauges_.begin(); g != gauges_.end();) {
    g = g->second.expired() ? gauges_.erase(g) : std::next(g);
  }
}

http::Reply LoadBalancer::handle(const http::Request& request) {
  if (request.method() == bhttp::verb::get && request.target() == "/metrics") {
    http::Response r{bhttp::status::ok, request.version()};
    r.set(bhttp::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
    r.body() = metrics_text();
    r.keep_alive(request.keep_alive());
    r.prepare_payload();
    count_response("none", 200);
    return {std::move(r), {}};
  }
  auto ex = std::make_shared<Exchange>();
  ex->started = SteadyClock::now();
  ex->client_version = request.version();
  ex->client_keep_alive = request.keep_alive();
  ex->head = request.method() == bhttp::verb::head;
  ex->request = request;  // a copy: the server's request is const (see the design note)
  http::Reply reply;
  reply.deferred = [this, ex](const std::shared_ptr<http::ResponseSlot>& slot) {
    ex->slot = slot;
    start_exchange(ex);
  };
  return reply;
}

void LoadBalancer::start_exchange(const std::shared_ptr<Exchange>& ex) {
  ++requests_total_;
  http::Request& req = ex->request;
  const std::string original_host(req[bhttp::field::host]);
  remove_hop_by_hop(req);
  // The whole body is here already: a replica asked to `Expect: 100-continue`
  // would answer 100 first, which is not the response.
  req.erase(bhttp::field::expect);
  const std::string peer = ex->slot->peer_address();
  if (!peer.empty()) {
    const auto it = req.find("X-Forwarded-For");
    const std::string before = it == req.end() ? "" : std::string(it->value()) + ", ";
    req.set("X-Forwarded-For", before + peer);
  }
  if (!original_host.empty() && req.find("X-Forwarded-Host") == req.end()) {
    req.set("X-Forwarded-Host", original_host);
  }
  if (req.find("X-Forwarded-Proto") == req.end()) req.set("X-Forwarded-Proto", "http");
  req.version(11);
  req.keep_alive(true);
  req.prepare_payload();
  route(ex);
}

bool LoadBalancer::any_routable() const {
  return std::any_of(upstreams_.begin(), upstreams_.end(),
                     [](const auto& kv) { return kv.second->routable(); });
}

std::string LoadBalancer::why_none_ready() const {
  return upstreams_.empty() ? "the set is empty"
                            : std::to_string(upstreams_.size()) + " known, none answered " +
                                  options_.ready_path + " with 200 yet";
}

void LoadBalancer::unavailable(const std::shared_ptr<Exchange>& ex, const std::string& message) {
  http::Response r = http::error_response(503, message, ex->client_version, ex->client_keep_alive);
  // A replica is usually on its way (starting, or being started for this
  // very request): a client may try again soon.
  r.set(bhttp::field::retry_after, "1");
  finish(ex, std::move(r));
}

void LoadBalancer::hold(const std::shared_ptr<Exchange>& ex) {
  ex->hold_timer = std::make_unique<asio::steady_timer>(io_, options_.queue_timeout);
  held_.push_back(ex);
  ++queued_total_;
  queued_gauge_.Set(static_cast<double>(held_.size()));
  // The first held request is news the flow must not wait report_interval
  // for: it is what starts a replica from zero.
  if (held_.size() == 1 && sink_) {
    last_report_ = report();
    last_report_at_ = SteadyClock::now();
    sink_(last_report_);
  }
  ex->hold_timer->async_wait([this, ex](beast::error_code ec) {
    if (ec) return;  // routed (or the balancer stopped): cancelled
    const auto it = std::find(held_.begin(), held_.end(), ex);
    if (it == held_.end()) return;
    held_.erase(it);
    queued_gauge_.Set(static_cast<double>(held_.size()));
    ++failures_total_;
    unavailable(ex, "no replica became ready within queue_timeout " +
                        std::to_string(options_.queue_timeout.count()) + " ms (" +
                        why_none_ready() + ")");
  });
}

void LoadBalancer::dispatch_held() {
  while (!held_.empty() && !stopped_ && any_routable()) {
    std::shared_ptr<Exchange> ex = std::move(held_.front());
    held_.pop_front();
    queued_gauge_.Set(static_cast<double>(held_.size()));
    ex->hold_timer->cancel();
    route(ex);
  }
}

void LoadBalancer::route(const std::shared_ptr<Exchange>& ex) {
  std::vector<std::shared_ptr<Upstream>> ups;
  std::vector<int> in_flight;
  std::vector<bool> eligible;
  for (auto& [name, up] : upstreams_) {
    ups.push_back(up);
    in_flight.push_back(up->in_flight);
    eligible.push_back(up->routable());
  }
  const int i = choose_least_outstanding(in_flight, eligible, &cursor_);
  if (i < 0) {
    if (options_.max_queued_requests > 0 && !stopped_) {
      if (held_.size() < options_.max_queued_requests) return hold(ex);
      ++failures_total_;
      return unavailable(ex, "no replica is ready and max_queued_requests (" +
                                 std::to_string(options_.max_queued_requests) +
                                 ") requests already wait for one (" + why_none_ready() + ")");
    }
    ++failures_total_;
    return unavailable(ex, "no replica is ready to serve the request (" + why_none_ready() + ")");
  }
  ex->up = ups[static_cast<size_t>(i)];
  ex->tried.insert(ex->up->name);
  ++ex->up->in_flight;
  ++in_flight_;
  ex->up->gauge->Increment();
  attempt(ex, false);
}

void LoadBalancer::attempt(const std::shared_ptr<Exchange>& ex, bool fresh_connection) {
  Upstream& up = *ex->up;
  ex->request.set(bhttp::field::host, up.host_header);
  ex->parser.reset();
  ex->buffer.clear();
  auto send = [this](const std::shared_ptr<Exchange>& e) {
    e->conn->expires_after(options_.upstream_timeout);
    bhttp::async_write(*e->conn, e->request, [this, e](beast::error_code ec, size_t) {
      if (ec) {
        return on_attempt_failed(e, "writing the request: " + ec.message(), false, e->reused,
                                 false);
      }
      e->parser.emplace();
      e->parser->body_limit(options_.max_body_bytes);
      if (e->head) e->parser->skip(true);
      bhttp::async_read(*e->conn, e->buffer, *e->parser, [this, e](beast::error_code ec2, size_t) {
        if (ec2 == beast::error::timeout) {
          Upstream& u = *e->up;
          e->conn.reset();
          --u.in_flight;
          --in_flight_;
          u.gauge->Decrement();
          ++u.failures;
          ++failures_total_;
          finish(e,
                 http::error_response(504,
                                      "replica '" + u.name + "' did not answer within " +
                                          std::to_string(options_.upstream_timeout.count()) + " ms",
                                      e->client_version, e->client_keep_alive));
          return forget_if_drained(u.name);
        }
        if (ec2) {
          const bool got = e->parser->got_some() || e->buffer.size() > 0;
          return on_attempt_failed(e, "reading the response: " + ec2.message(), got, e->reused,
                                   false);
        }
        Upstream& u = *e->up;
        bhttp::response<bhttp::string_body> in = e->parser->release();
        const bool upstream_keep_alive = in.keep_alive();
        http::Response out{in.result(), e->client_version};
        for (const auto& field : in) out.insert(field.name_string(), field.value());
        remove_hop_by_hop(out);
        out.body() = std::move(in.body());
        out.keep_alive(e->client_keep_alive);
        if (!e->head) out.prepare_payload();
        --u.in_flight;
        --in_flight_;
        u.gauge->Decrement();
        ++u.requests;
        if (upstream_keep_alive && u.member && !stopped_ &&
            u.idle.size() < options_.max_idle_per_replica) {
          u.idle.push_back(std::move(e->conn));
        }
        e->conn.reset();
        finish(e, std::move(out));
        forget_if_drained(u.name);
      });
    });
  };
  if (!fresh_connection && !up.idle.empty()) {
    ex->conn = std::move(up.idle.back());
    up.idle.pop_back();
    ex->reused = true;
    return send(ex);
  }
  ex->reused = false;
  if (!up.error.empty()) {
    asio::post(io_, [this, ex] { on_attempt_failed(ex, ex->up->error, false, false, true); });
    return;
  }
  ex->conn = std::make_unique<beast::tcp_stream>(io_);
  ex->conn->expires_after(options_.connect_timeout);
  ex->conn->async_connect(up.endpoint, [this, ex, send](beast::error_code ec) {
    if (ec) {
      const bool refused = ec == asio::error::connection_refused;
      return on_attempt_failed(ex, "connecting: " + ec.message(), false, false, refused);
    }
    ex->conn->socket().set_option(tcp::no_delay(true), ec);
    send(ex);
  });
}

void LoadBalancer::on_attempt_failed(const std::shared_ptr<Exchange>& ex, const std::string& why,
                                     bool got_bytes, bool reused, bool refused) {
  Upstream& up = *ex->up;
  ex->conn.reset();
  if (!got_bytes && reused && !ex->stale_retry_used && !stopped_) {
    // A pooled connection the replica had closed (or a replica that died
    // since): one try on a fresh connection to it, before counting a failure.
    ex->stale_retry_used = true;
    return attempt(ex, true);
  }
  --up.in_flight;
  --in_flight_;
  up.gauge->Decrement();
  ++up.failures;
  if (refused || (!got_bytes && reused)) {
    if (up.ready) {
      spdlog::warn("balancer: replica {} failed ({}); no traffic until its probe succeeds", up.name,
                   why);
    }
    up.ready = false;
    up.idle.clear();
  }
  const std::string failed_name = up.name;
  if (!got_bytes && ex->retries_left > 0 && !stopped_) {
    std::vector<std::shared_ptr<Upstream>> ups;
    std::vector<int> in_flight;
    std::vector<bool> eligible;
    for (auto& [name, u] : upstreams_) {
      ups.push_back(u);
      in_flight.push_back(u->in_flight);
      eligible.push_back(u->routable() && ex->tried.count(name) == 0);
    }
    const int i = choose_least_outstanding(in_flight, eligible, &cursor_);
    if (i >= 0) {
      --ex->retries_left;
      ++retries_total_;
      retries_counter_.Increment();
      spdlog::debug("balancer: retrying a request on {} after {} failed: {}",
                    ups[static_cast<size_t>(i)]->name, failed_name, why);
      ex->up = ups[static_cast<size_t>(i)];
      ex->tried.insert(ex->up->name);
      ++ex->up->in_flight;
      ++in_flight_;
      ex->up->gauge->Increment();
      ex->stale_retry_used = false;
      attempt(ex, false);
      return forget_if_drained(failed_name);
    }
    if (!any_routable() && options_.max_queued_requests > 0 &&
        held_.size() < options_.max_queued_requests) {
      // No replica is ready at all (the only one died): its one retry waits
      // for one, as a request that arrived now would.
      --ex->retries_left;
      ++retries_total_;
      retries_counter_.Increment();
      spdlog::debug("balancer: holding a request for a ready replica after {} failed: {}",
                    failed_name, why);
      ex->up.reset();
      ex->stale_retry_used = false;
      hold(ex);
      return forget_if_drained(failed_name);
    }
  }
  ++failures_total_;
  finish(ex, http::error_response(
                 502,
                 "replica '" + failed_name + "' failed: " + why +
                     (got_bytes ? " (after part of its response; not retried)"
                                : (ex->tried.size() > 1 ? " (after a retry on another replica)"
                                                        : " (no other ready replica to retry on)")),
                 ex->client_version, ex->client_keep_alive));
  forget_if_drained(failed_name);
}

void LoadBalancer::finish(const std::shared_ptr<Exchange>& ex, http::Response response) {
  const double ms =
      std::chrono::duration<double, std::milli>(SteadyClock::now() - ex->started).count();
  const auto now = SteadyClock::now();
  latencies_.emplace_back(now, ms);
  if (latencies_.size() > kMaxLatencySamples) latencies_.pop_front();
  duration_.Observe(ms / 1000.0);
  count_response(ex->up ? ex->up->name : "none", response.result_int());
  ex->slot->answer(std::move(response));
}

void LoadBalancer::count_response(const std::string& replica, unsigned code) {
  auto key = std::make_pair(replica, code);
  auto it = request_counters_.find(key);
  if (it == request_counters_.end()) {
    it = request_counters_
             .emplace(key,
                      &requests_family_.Add({{"replica", replica}, {"code", std::to_string(code)}}))
             .first;
  }
  it->second->Increment();
}

void LoadBalancer::probe_all() {
  if (stopped_) return;
  for (auto& [name, up] : upstreams_) {
    if (up->member && !up->probing) probe(up);
  }
  probe_timer_.expires_after(options_.probe_interval);
  probe_timer_.async_wait([this](beast::error_code ec) {
    if (!ec) probe_all();
  });
}

namespace {
struct Probe {
  bhttp::request<bhttp::empty_body> request;
  bhttp::response<bhttp::string_body> response;
  beast::flat_buffer buffer;
};
}  // namespace

void LoadBalancer::probe(const std::shared_ptr<Upstream>& up) {
  if (!up->error.empty() || up->probing) return;
  up->probing = true;
  probe_on(up, false);
}

void LoadBalancer::probe_on(const std::shared_ptr<Upstream>& up, bool fresh_connection) {
  const bool reused = !fresh_connection && up->probe_conn != nullptr;
  if (!reused) up->probe_conn = std::make_unique<beast::tcp_stream>(io_);
  beast::tcp_stream* stream = up->probe_conn.get();
  auto p = std::make_shared<Probe>();
  // `transport`: the connection failed (not an answer other than 200).
  auto done = [this, up, p, reused](bool ok, bool transport, const std::string& why) {
    if (transport || !p->response.keep_alive()) up->probe_conn.reset();
    if (transport && reused && !stopped_) {
      // The kept connection was closed by the replica (idle timeout, or it
      // restarted): once more on a fresh one before counting a failure.
      return probe_on(up, true);
    }
    up->probing = false;
    if (ok) {
      if (!up->ready) {
        spdlog::info("balancer: replica {} answered {} with 200: it gets traffic", up->name,
                     options_.ready_path);
      }
      up->ready = true;
      up->failed_probes = 0;
      dispatch_held();
      return;
    }
    ++up->failed_probes;
    if (up->ready && up->failed_probes >= kFailedProbesToUnready) {
      spdlog::warn(
          "balancer: replica {} failed {} probes in a row ({}): no traffic until one "
          "succeeds",
          up->name, up->failed_probes, why);
      up->ready = false;
      up->idle.clear();
    }
  };
  p->request = {bhttp::verb::get, options_.ready_path, 11};
  p->request.set(bhttp::field::host, up->host_header);
  p->request.keep_alive(true);
  auto exchange = [this, p, stream, done] {
    stream->expires_after(std::max(options_.connect_timeout, std::chrono::milliseconds(2000)));
    bhttp::async_write(*stream, p->request, [p, stream, done](beast::error_code ec, size_t) {
      if (ec) return done(false, true, "write: " + ec.message());
      bhttp::async_read(*stream, p->buffer, p->response, [p, done](beast::error_code ec2, size_t) {
        if (ec2) return done(false, true, "read: " + ec2.message());
        done(p->response.result_int() == 200, false,
             "status " + std::to_string(p->response.result_int()));
      });
    });
  };
  if (reused) return exchange();
  stream->expires_after(options_.connect_timeout);
  stream->async_connect(up->endpoint, [stream, done, exchange](beast::error_code ec) {
    if (ec) return done(false, true, "connect: " + ec.message());
    stream->socket().set_option(tcp::no_delay(true), ec);
    exchange();
  });
}

void LoadBalancer::arm_tick() {
  tick_timer_.expires_after(kSampleEvery);
  tick_timer_.async_wait([this](beast::error_code ec) {
    if (!ec && !stopped_) tick();
  });
}

void LoadBalancer::tick() {
  const auto now = SteadyClock::now();
  const size_t max_samples = static_cast<size_t>(
      std::max<int64_t>(1, options_.window.count() / std::max<int64_t>(1, kSampleEvery.count())));
  in_flight_samples_.push_back(in_flight_);
  while (in_flight_samples_.size() > max_samples) in_flight_samples_.pop_front();
  while (!latencies_.empty() && latencies_.front().first < now - options_.window) {
    latencies_.pop_front();
  }
  if (sink_ && now - last_report_at_ >= options_.report_interval) {
    Json r = report();
    if (r != last_report_) {
      last_report_ = r;
      last_report_at_ = now;
      sink_(r);
    }
  }
  arm_tick();
}

Json LoadBalancer::report() const {
  std::vector<double> values;
  values.reserve(latencies_.size());
  for (const auto& [at, ms] : latencies_) values.push_back(ms);
  const double mean =
      in_flight_samples_.empty()
          ? 0.0
          : std::accumulate(in_flight_samples_.begin(), in_flight_samples_.end(), 0.0) /
                static_cast<double>(in_flight_samples_.size());
  Json replicas = Json::object();
  for (const auto& [name, up] : upstreams_) {
    Json r{{"url", up->url},           {"in_flight", up->in_flight}, {"requests", up->requests},
           {"failures", up->failures}, {"ready", up->routable()},    {"draining", !up->member}};
    if (!up->error.empty()) r["error"] = up->error;
    replicas[name] = std::move(r);
  }
  // Rounded, so that a report changes only when something does.
  return Json{{"generation", generation_},
              {"requests_total", requests_total_},
              {"failures_total", failures_total_},
              {"retries_total", retries_total_},
              {"in_flight", in_flight_},
              {"in_flight_mean", std::round(mean * 100) / 100},
              {"p95_ms", std::round(quantile(std::move(values), 0.95) * 100) / 100},
              {"window_requests", latencies_.size()},
              {"queued", held_.size()},
              {"queued_total", queued_total_},
              {"replicas", std::move(replicas)}};
}

std::string LoadBalancer::metrics_text() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace lightning::components::lb
