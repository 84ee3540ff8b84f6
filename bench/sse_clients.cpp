// Benchmark client (not a test): holds N Server-Sent Events connections to a
// running app's /api/v1/state/stream, reading everything they get, for the
// SSE benchmarks of bench/http_sse.sh. With --measure FIELD, connection 0
// parses each `patch` event and, for every op whose path ends in "/FIELD" with
// a CLOCK_MONOTONIC nanosecond stamp as its value, records now - stamp: how
// long after a work assigned the field this client had it.
//
// Usage: bench_sse_clients URL N [--measure FIELD --count K] [--ready FILE]
//   URL: http://127.0.0.1:PORT. Prints "connected N" once every connection has
//   its snapshot (and touches FILE, if given), then with --measure waits for K
//   samples and prints {"samples": K, "sse_latency_us": {"p50","p90","p99"}}.
//   Without --measure it reads until killed.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

int64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

double pct(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

struct Shared {
  size_t total = 0;
  size_t connected = 0;
  std::string ready_file;
  std::string field;  // empty: no measuring
  size_t want = 0;
  std::vector<double> samples_us;
  asio::io_context* io = nullptr;
};

class Client : public std::enable_shared_from_this<Client> {
 public:
  Client(asio::io_context& io, Shared& shared, bool measures)
      : socket_(io), shared_(shared), measures_(measures) {}

  void start(const tcp::resolver::results_type& endpoints, const std::string& host) {
    asio::connect(socket_, endpoints);
    request_ = "GET /api/v1/state/stream HTTP/1.1\r\nHost: " + host +
               "\r\nAccept: text/event-stream\r\n\r\n";
    asio::write(socket_, asio::buffer(request_));
    read_next();
  }

 private:
  void read_next() {
    auto self = shared_from_this();
    asio::async_read_until(socket_, buffer_, "\n\n",
                           [self](const boost::system::error_code& ec, size_t n) {
                             if (ec) {
                               std::fprintf(stderr, "stream closed: %s\n", ec.message().c_str());
                               self->shared_.io->stop();
                               return;
                             }
                             self->on_event(n);
                             self->read_next();
                           });
  }

  void on_event(size_t n) {
    const int64_t got = now_ns();
    std::string event(asio::buffers_begin(buffer_.data()), asio::buffers_begin(buffer_.data()) + n);
    buffer_.consume(n);
    if (!snapshot_seen_ && event.find("event: snapshot") != std::string::npos) {
      snapshot_seen_ = true;
      if (++shared_.connected == shared_.total) {
        if (!shared_.ready_file.empty()) std::ofstream(shared_.ready_file) << "ready\n";
        std::printf("connected %zu\n", shared_.total);
        std::fflush(stdout);
      }
      return;
    }
    if (!measures_ || event.find("event: patch") == std::string::npos) return;
    const auto data = event.find("data: ");
    if (data == std::string::npos) return;
    const auto end = event.find('\n', data);
    const auto patch = nlohmann::json::parse(event.substr(data + 6, end - data - 6), nullptr, false);
    if (!patch.is_array()) return;
    const std::string suffix = "/" + shared_.field;
    for (const auto& op : patch) {
      const std::string path = op.value("path", "");
      if (path.size() < suffix.size() ||
          path.compare(path.size() - suffix.size(), suffix.size(), suffix) != 0) {
        continue;
      }
      const auto value = op.find("value");
      if (value == op.end() || !value->is_number_integer() || value->get<int64_t>() == 0) continue;
      shared_.samples_us.push_back(static_cast<double>(got - value->get<int64_t>()) / 1e3);
    }
    if (shared_.samples_us.size() >= shared_.want) {
      std::printf(
          "{\"samples\": %zu, \"clients\": %zu, \"sse_latency_us\": {\"p50\": %.1f, \"p90\": "
          "%.1f, \"p99\": %.1f}}\n",
          shared_.samples_us.size(), shared_.total, pct(shared_.samples_us, 0.5),
          pct(shared_.samples_us, 0.9), pct(shared_.samples_us, 0.99));
      std::fflush(stdout);
      shared_.io->stop();
    }
  }

  tcp::socket socket_;
  Shared& shared_;
  bool measures_;
  bool snapshot_seen_ = false;
  std::string request_;
  asio::streambuf buffer_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: %s URL N [--measure FIELD --count K] [--ready FILE]\n", argv[0]);
    return 2;
  }
  const std::string url = argv[1];
  Shared shared;
  shared.total = std::stoul(argv[2]);
  for (int i = 3; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--measure") shared.field = argv[i + 1];
    if (flag == "--count") shared.want = std::stoul(argv[i + 1]);
    if (flag == "--ready") shared.ready_file = argv[i + 1];
  }
  const std::string prefix = "http://";
  const std::string hostport = url.substr(url.rfind(prefix, 0) == 0 ? prefix.size() : 0);
  const auto colon = hostport.rfind(':');
  asio::io_context io;
  shared.io = &io;
  tcp::resolver resolver(io);
  const auto endpoints = resolver.resolve(hostport.substr(0, colon), hostport.substr(colon + 1));
  std::vector<std::shared_ptr<Client>> clients;
  for (size_t i = 0; i < shared.total; ++i) {
    clients.push_back(std::make_shared<Client>(io, shared, i == 0 && !shared.field.empty()));
    clients.back()->start(endpoints, hostport);
  }
  io.run();
  return 0;
}
