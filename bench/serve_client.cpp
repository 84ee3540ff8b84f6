// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// bench/serve.sh's measuring side, one process:
//   serve_client make MODEL_FILE
//       writes the Fashion-MNIST CNN (fashion_mnist_cnn(16, 128), seed 0) as
//       TorchScript, defined in C++ with aten ops.
//   serve_client raw MODEL_FILE THREADS SECONDS
//       the limit: the same file, frozen + optimize_for_inference, a batched
//       forward of 64 images in a loop in this process: images/s; and the
//       median forward time of one image, µs.
//   serve_client load BATCHED_PORT DIRECT_PORT CONNECTIONS SECONDS RAW_IMAGES_PER_S RAW_ONE_US
//                     RAW_CPU_US_PER_IMAGE [IMAGES_PER_REQUEST]
//       closed loop: CONNECTIONS keep-alive connections each sending
//       IMAGES_PER_REQUEST (default 1) binary FP32 28x28 images per request
//       (shape [N,1,28,28]): images/s and its share of raw;
//       the server process's CPU per image (its process_cpu_seconds_total)
//       against raw's: the share that a machine loaded by others does not blur;
//       low load: one connection to the unbatched server, median latency minus
//       the raw one-image forward = server overhead per request, µs;
//       open loop at 50% and 90% of the closed-loop peak: p50/p90/p99 latency
//       from each request's scheduled send time (no coordinated omission).
// Prints one JSON object per mode.
#include <torch/script.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <lightning/components/serve_protocol.hpp>
#include <lightning/components/train.hpp>
#include <string>
#include <thread>
#include <vector>

#include "../tests/common/http_client.hpp"

namespace lc = lightning::components;
using Clock = std::chrono::steady_clock;
using lightning::testing::HttpClient;

namespace {

double us_since(Clock::time_point t) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t).count();
}

double cpu_s() {
  timespec ts{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

/// A sample (`name` with its labels) from a ServeWork's /metrics.
double server_metric(uint16_t port, const std::string& sample) {
  HttpClient c(port);
  const auto r = c.request(boost::beast::http::verb::get, "/metrics");
  const std::string name = "\n" + sample + " ";
  const auto at = r.body.find(name);
  return at == std::string::npos ? 0 : std::stod(r.body.substr(at + name.size()));
}
double server_cpu_s(uint16_t port) { return server_metric(port, "process_cpu_seconds_total"); }

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

int make(const std::string& file) {
  torch::manual_seed(0);
  auto cnn = lc::fashion_mnist_cnn(16, 128);
  torch::jit::Module m("FashionCnn");
  m.register_attribute("training", c10::BoolType::get(), true);
  const char* names[] = {"w1", "b1", "w2", "b2", "w3", "b3", "w4", "b4"};
  size_t i = 0;
  for (const auto& p : cnn->named_parameters())
    m.register_parameter(names[i++], p.value().detach(), false);
  m.define(R"(
def forward(self, x):
    x = torch.max_pool2d(torch.relu(torch.conv2d(x, self.w1, self.b1, [1, 1], [1, 1])), [2, 2])
    x = torch.max_pool2d(torch.relu(torch.conv2d(x, self.w2, self.b2, [1, 1], [1, 1])), [2, 2])
    x = torch.flatten(x, 1)
    x = torch.relu(torch.linear(x, self.w3, self.b3))
    return torch.linear(x, self.w4, self.b4)
)");
  // The same outputs as the C++ module (the TorchScript is a faithful copy).
  cnn->eval();
  torch::NoGradGuard g;
  const auto x = torch::randn({4, 1, 28, 28});
  const auto diff = (cnn->forward(x) - m.forward({x}).toTensor()).abs().max().item<double>();
  m.save(file);
  std::printf("{\"model\": \"%s\", \"max_abs_diff_vs_cpp_module\": %.3g}\n", file.c_str(), diff);
  return diff < 1e-4 ? 0 : 1;
}

int raw(const std::string& file, int threads, double seconds) {
  lc::set_cpu_threads(threads);
  auto m = torch::jit::load(file);
  m.eval();
  m = torch::jit::optimize_for_inference(m);
  c10::InferenceMode guard;
  const auto x64 = torch::randn({64, 1, 28, 28});
  const auto x1 = torch::randn({1, 1, 28, 28});
  for (int i = 0; i < 20; ++i) m.forward({x64});
  int64_t images = 0;
  const double cpu0 = cpu_s();
  const auto start = Clock::now();
  while (us_since(start) < seconds * 1e6) {
    m.forward({x64});
    images += 64;
  }
  const double per_s = static_cast<double>(images) / (us_since(start) / 1e6);
  const double cpu_per_image = (cpu_s() - cpu0) * 1e6 / static_cast<double>(images);
  std::vector<double> one;
  const double cpu1 = cpu_s();
  for (int i = 0; i < 2000; ++i) {
    const auto t = Clock::now();
    m.forward({x1});
    one.push_back(us_since(t));
  }
  const double cpu_one = (cpu_s() - cpu1) * 1e6 / static_cast<double>(one.size());
  std::printf(
      "{\"raw_images_per_s_batch64\": %.0f, \"raw_cpu_us_per_image_batch64\": %.1f, "
      "\"raw_one_image_us_p50\": %.1f, \"raw_one_image_cpu_us\": %.1f, \"threads\": %d}\n",
      per_s, cpu_per_image, percentile(one, 0.5), cpu_one, threads);
  return 0;
}

struct Request {
  std::string body;
  std::string length;
};

/// One request of `images` binary FP32 28x28 images: input "x" [images,1,28,28],
/// the output asked for in binary (oip::encode_infer_request, what InferenceClient sends).
Request image_request(int images = 1) {
  std::vector<float> img(784 * static_cast<size_t>(images));
  for (size_t i = 0; i < img.size(); ++i) img[i] = static_cast<float>(i % 255) / 255.0f;
  const lc::oip::InferTensor x{"x", lc::oip::DataType::kFp32, {images, 1, 28, 28},
                               std::string(reinterpret_cast<const char*>(img.data()), img.size() * 4)};
  const lc::oip::EncodedRequest enc = lc::oip::encode_infer_request({x});
  return Request{enc.body, std::to_string(enc.json_length)};
}

/// Sends one request; latency µs, or -1 on failure.
double send(HttpClient& c, const Request& r) {
  const auto t = Clock::now();
  const auto res = c.request(boost::beast::http::verb::post, "/v2/models/fashion/infer", r.body,
                             {{"Inference-Header-Content-Length", r.length}});
  return res.status == 200 ? us_since(t) : -1;
}

int load(uint16_t batched, uint16_t direct, int connections, double seconds, double raw_per_s,
         double raw_one_us, double raw_cpu_image, int per_request) {
  const Request req = image_request(per_request);
  const Request one = image_request(1);
  // Closed loop.
  std::atomic<int64_t> done{0}, failed{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> ts;
  for (int i = 0; i < connections; ++i) {
    ts.emplace_back([&] {
      HttpClient c(batched);
      while (!stop) (send(c, req) < 0 ? failed : done)++;
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // bench warm-up, not a test wait
  const int64_t before = done;
  const double server_cpu0 = server_cpu_s(batched);
  const double rows0 = server_metric(batched, "lightning_serve_batch_size_sum");
  const double batches0 = server_metric(batched, "lightning_serve_batch_size_count");
  const auto start = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  const int64_t images = (done - before) * per_request;
  const double peak = static_cast<double>(images) / (us_since(start) / 1e6);
  const double server_cpu_image =
      (server_cpu_s(batched) - server_cpu0) * 1e6 / static_cast<double>(images);
  const double mean_batch = (server_metric(batched, "lightning_serve_batch_size_sum") - rows0) /
                            (server_metric(batched, "lightning_serve_batch_size_count") - batches0);
  stop = true;
  for (auto& t : ts) t.join();
  ts.clear();
  // Low load: one connection, no batching.
  std::vector<double> lat;
  {
    HttpClient c(direct);
    for (int i = 0; i < 200; ++i) send(c, one);
    for (int i = 0; i < 2000; ++i) lat.push_back(send(c, one));
  }
  const double low_p50 = percentile(lat, 0.5);
  std::printf(
      "{\"connections\": %d, \"images_per_request\": %d, \"mean_batch\": %.1f, \"peak_images_per_s\": %.0f, \"share_of_raw\": "
      "%.3f, "
      "\"failed\": %lld, \"server_cpu_us_per_image\": %.1f, \"cpu_share_of_raw\": %.3f, "
      "\"low_load_p50_us\": %.1f, \"server_overhead_us\": %.1f}\n",
      connections, per_request, mean_batch, peak, peak / raw_per_s, static_cast<long long>(failed.load()),
      server_cpu_image, raw_cpu_image / server_cpu_image, low_p50, low_p50 - raw_one_us);
  // Open loop at 50% and 90% of the peak.
  for (const double share : {0.5, 0.9}) {
    const double rate = peak * share / per_request;  // requests/s
    const auto n = static_cast<int64_t>(rate * seconds);
    std::atomic<int64_t> next{0};
    std::vector<double> lats(static_cast<size_t>(n), -1);
    const auto t0 = Clock::now() + std::chrono::milliseconds(10);
    for (int i = 0; i < connections; ++i) {
      ts.emplace_back([&] {
        HttpClient c(batched);
        for (int64_t k; (k = next++) < n;) {
          const auto at = t0 + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(k) / rate));
          std::this_thread::sleep_until(at);
          const auto res = c.request(boost::beast::http::verb::post, "/v2/models/fashion/infer",
                                     req.body, {{"Inference-Header-Content-Length", req.length}});
          lats[static_cast<size_t>(k)] = res.status == 200 ? us_since(at) : -1;
        }
      });
    }
    for (auto& t : ts) t.join();
    ts.clear();
    const auto bad = std::count(lats.begin(), lats.end(), -1.0);
    std::printf(
        "{\"open_loop_share_of_peak\": %.1f, \"rate_per_s\": %.0f, \"requests\": %lld, "
        "\"failed\": %lld, \"p50_us\": %.0f, \"p90_us\": %.0f, \"p99_us\": %.0f}\n",
        share, rate, static_cast<long long>(n), static_cast<long long>(bad), percentile(lats, 0.5),
        percentile(lats, 0.9), percentile(lats, 0.99));
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> a(argv + 1, argv + argc);
  if (a.size() == 2 && a[0] == "make") return make(a[1]);
  if (a.size() == 4 && a[0] == "raw") return raw(a[1], std::stoi(a[2]), std::stod(a[3]));
  if ((a.size() == 8 || a.size() == 9) && a[0] == "load") {
    return load(static_cast<uint16_t>(std::stoi(a[1])), static_cast<uint16_t>(std::stoi(a[2])),
                std::stoi(a[3]), std::stod(a[4]), std::stod(a[5]), std::stod(a[6]),
                std::stod(a[7]), a.size() == 9 ? std::stoi(a[8]) : 1);
  }
  std::fprintf(
      stderr,
      "usage: serve_client make FILE | raw FILE THREADS SECONDS | load BATCHED_PORT "
      "DIRECT_PORT CONNECTIONS SECONDS RAW_IMAGES_PER_S RAW_ONE_US RAW_CPU_US_PER_IMAGE "
      "[IMAGES_PER_REQUEST]\n");
  return 2;
}
