// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// ServeWork in a real app (apps/serve_app.cpp): real work processes, real
// libtorch models (TorchScript made in C++, and a TrainWork checkpoint of a C++
// module), real HTTP from a Beast client, JSON and binary requests.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include <lightning/components/serve/client.hpp>

#include "../../common/http_client.hpp"
#include "../../integration/support.hpp"

namespace lightning::integration {
namespace {

using lightning::testing::HttpClient;
using lightning::testing::HttpResult;
namespace verb = boost::beast::http;

const char* kApp = LIGHTNING_SERVE_APP;
constexpr milliseconds kDeadline{60000};

/// One app run in the background: its dirs, its process, the URLs it serves.
struct ServeApp {
  TempDir tmp;
  std::string markers = tmp / "markers";
  std::unique_ptr<AppProcess> app;

  explicit ServeApp(const std::string& scenario) {
    std::filesystem::create_directories(markers);
    app = std::make_unique<AppProcess>(
        kApp,
        std::vector<std::string>{"--run-dir", tmp / "run", "--no-http", "--", scenario, markers},
        tmp.path());
  }
  /// The port a work published (its marker), waited for.
  uint16_t port_of(const std::string& work) {
    const std::string file = markers + "/" + work + ".url";
    if (!wait_until([&] { return file_exists(file) || app->has_exited(); }, kDeadline)) return 0;
    if (!file_exists(file)) return 0;
    const std::string url = read_file(file);
    return static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
  }
  void mark(const std::string& name) { write_file(markers + "/" + name, "x"); }
  /// Asks the app to end, waits, and returns its final state.
  Json finish() {
    mark("done");
    const ExitStatus s = app->wait(kDeadline);
    EXPECT_EQ(s.exit_code, 0) << describe();
    return read_json(tmp / "run/state.json");
  }
  std::string describe() {
    return "--- stdout ---\n" + app->stdout_text() + "--- stderr ---\n" + app->stderr_text() +
           "--- serve log ---\n" + read_file(tmp / "run/logs/root.serve.log");
  }
};

std::string json_infer(const std::vector<float>& xs, int64_t rows) {
  Json x = {{"name", "x"}, {"datatype", "FP32"}, {"shape", {rows, 2}}, {"data", xs}};
  return Json{{"id", "r"}, {"inputs", {x}}}.dump();
}

/// A binary request for the doubler; outputs asked in binary too.
std::pair<std::string, std::string> binary_infer(const std::vector<float>& xs, int64_t rows) {
  const Json head = {{"inputs",
                      {{{"name", "x"},
                        {"datatype", "FP32"},
                        {"shape", {rows, 2}},
                        {"parameters", {{"binary_data_size", xs.size() * 4}}}}}},
                     {"outputs", {{{"name", "y"}, {"parameters", {{"binary_data", true}}}}}}};
  std::string body = head.dump();
  const std::string length = std::to_string(body.size());
  body.append(reinterpret_cast<const char*>(xs.data()), xs.size() * 4);
  return {body, length};
}

std::vector<float> binary_floats(const HttpResult& r) {
  const size_t json_length = std::stoul(r.header("Inference-Header-Content-Length"));
  std::vector<float> out((r.body.size() - json_length) / 4);
  std::memcpy(out.data(), r.body.data() + json_length, out.size() * 4);
  return out;
}

/// The sum of a Prometheus series' samples whose line starts with `prefix`.
double metric(const std::string& text, const std::string& prefix) {
  double sum = 0;
  for (const auto& line : lines_of(text)) {
    if (line.rfind(prefix, 0) == 0) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

TEST(ServeWorkTest, AnswersJsonAndBinaryInferenceMetadataAndHealth) {
  ServeApp s("script");
  const uint16_t port = s.port_of("serve");
  ASSERT_NE(port, 0) << s.describe();
  HttpClient c(port);
  EXPECT_EQ(c.request(verb::verb::get, "/v2/health/live").status, 200u);
  EXPECT_EQ(c.request(verb::verb::get, "/v2/health/ready").status, 200u);
  // The page for people at / (the dashboard's tab of the work) names the model.
  const HttpResult page = c.request(verb::verb::get, "/");
  EXPECT_EQ(page.status, 200u);
  EXPECT_NE(page.body.find("<h2>doubler</h2>"), std::string::npos) << page.body;
  EXPECT_NE(page.body.find("Serving version 1"), std::string::npos) << page.body;
  const HttpResult server = c.request(verb::verb::get, "/v2");
  EXPECT_EQ(Json::parse(server.body)["extensions"], Json::array({"binary_tensor_data"}));
  const HttpResult meta = c.request(verb::verb::get, "/v2/models/doubler");
  ASSERT_EQ(meta.status, 200u) << meta.body;
  EXPECT_EQ(Json::parse(meta.body),
            (Json{{"name", "doubler"},
                  {"versions", {"1"}},
                  {"platform", "pytorch_torchscript"},
                  {"inputs", {{{"name", "x"}, {"datatype", "FP32"}, {"shape", {-1, 2}}}}},
                  {"outputs", {{{"name", "y"}, {"datatype", "FP32"}, {"shape", {-1, 2}}}}}}));
  EXPECT_EQ(c.request(verb::verb::get, "/v2/models/doubler/ready").status, 200u);
  EXPECT_EQ(c.request(verb::verb::get, "/v2/models/doubler/versions/1").status, 200u);

  const HttpResult j =
      c.request(verb::verb::post, "/v2/models/doubler/infer", json_infer({1, 2, 3, 4.5}, 2));
  ASSERT_EQ(j.status, 200u) << j.body;
  EXPECT_EQ(j.header("Content-Type"), "application/json");
  const Json out = Json::parse(j.body);
  EXPECT_EQ(out["model_name"], "doubler");
  EXPECT_EQ(out["model_version"], "1");
  EXPECT_EQ(out["id"], "r");
  EXPECT_EQ(out["outputs"][0],
            (Json{{"name", "y"}, {"datatype", "FP32"}, {"shape", {2, 2}}, {"data", {2, 4, 6, 9}}}));

  const auto [body, length] = binary_infer({-1, 0.5}, 1);
  const HttpResult b = c.request(
      verb::verb::post, "/v2/models/doubler/versions/1/infer", body,
      {{"Inference-Header-Content-Length", length}, {"Content-Type", "application/octet-stream"}});
  ASSERT_EQ(b.status, 200u) << b.body;
  EXPECT_EQ(binary_floats(b), (std::vector<float>{-2, 1}));
  const Json head =
      Json::parse(b.body.substr(0, std::stoul(b.header("Inference-Header-Content-Length"))));
  EXPECT_EQ(head["outputs"][0]["parameters"]["binary_data_size"], 8);

  const HttpResult m = c.request(verb::verb::get, "/metrics");
  EXPECT_EQ(metric(m.body, "lightning_serve_requests_total{outcome=\"success\"}"), 2) << m.body;
  EXPECT_NE(m.body.find("# TYPE lightning_serve_queue_duration_seconds histogram"),
            std::string::npos);
  EXPECT_NE(m.body.find("lightning_serve_inflight_requests 0"), std::string::npos) << m.body;
  // promtool (Debian package prometheus; scripts/install-deps.sh installs it).
  if (std::system("command -v promtool >/dev/null 2>&1") == 0) {
    write_file(s.tmp / "metrics.txt", m.body);
    const std::string command = "promtool check metrics < " + (s.tmp / "metrics.txt") + " > " +
                                (s.tmp / "promtool.txt") + " 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << read_file(s.tmp / "promtool.txt") << m.body;
  }

  // The public client (lightning/components/serve/client.hpp) against the same server.
  namespace oip = lightning::components::oip;
  lightning::components::InferenceClient client("http://127.0.0.1:" + std::to_string(port) + "/");
  EXPECT_TRUE(client.ready("doubler"));
  EXPECT_FALSE(client.ready("nope"));
  const std::vector<float> xs{1.5f, -2, 3, 0};
  const oip::InferTensor x{"x", oip::DataType::kFp32, {2, 2},
                           std::string(reinterpret_cast<const char*>(xs.data()), 16)};
  const auto r = client.infer("doubler", {x}, "id-7");
  ASSERT_TRUE(r.ok()) << r.status << " " << r.error;
  EXPECT_EQ(r.response.model_name, "doubler");
  EXPECT_EQ(r.response.model_version, "1");
  EXPECT_EQ(r.response.id, "id-7");
  ASSERT_EQ(r.response.outputs.size(), 1u);
  const oip::InferTensor& y = r.response.outputs[0];
  EXPECT_EQ(y.name, "y");
  EXPECT_EQ(y.shape, (std::vector<int64_t>{2, 2}));
  ASSERT_EQ(y.data.size(), 16u);
  std::vector<float> ys(4);
  std::memcpy(ys.data(), y.data.data(), 16);
  EXPECT_EQ(ys, (std::vector<float>{3, -4, 6, 0}));
  const oip::InferTensor wrong{"x", oip::DataType::kFp32, {1, 3}, std::string(12, '\0')};
  const auto bad = client.infer("doubler", {wrong});
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(bad.error.find("shape"), std::string::npos) << bad.error;
  EXPECT_EQ(client.infer("nope", {x}).status, 404);
  EXPECT_TRUE(client.infer("doubler", {x}).ok()) << "the connection serves on after errors";
  EXPECT_THROW(lightning::components::InferenceClient("127.0.0.1:80"), std::invalid_argument);

  const Json state = s.finish();
  const Json& vars = state["state"]["works"]["serve"]["vars"];
  EXPECT_EQ(vars["model_version"], 1);
  EXPECT_EQ(vars["requests"], 4) << "answered requests reach State when the work stops";
  EXPECT_EQ(vars["ready"], false);
  // The server is gone: no answer, and the Result says so.
  const auto gone = client.infer("doubler", {x});
  EXPECT_EQ(gone.status, 0);
  EXPECT_NE(gone.error.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << gone.error;
}

TEST(ServeWorkTest, BadRequestsGetAClearErrorAndCostOnlyThemselves) {
  ServeApp s("script");
  const uint16_t port = s.port_of("serve");
  const uint16_t small = s.port_of("small");
  ASSERT_NE(port, 0) << s.describe();
  ASSERT_NE(small, 0) << s.describe();
  HttpClient c(port);
  auto error_of = [&](const HttpResult& r) {
    return Json::parse(r.body).at("error").get<std::string>();
  };
  auto post = [&](const std::string& target, const std::string& body,
                  const std::map<std::string, std::string>& headers = {}) {
    return c.request(verb::verb::post, target, body, headers);
  };
  HttpResult r = post("/v2/models/nope/infer", json_infer({1, 2}, 1));
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(error_of(r), "unknown model 'nope' (this server serves 'doubler')");
  r = c.request(verb::verb::get, "/v2/models/doubler/versions/7");
  EXPECT_EQ(r.status, 404u);
  EXPECT_EQ(error_of(r), "model 'doubler' has no version '7' (serving version 1)");
  r = post("/v2/models/doubler/infer", "{\"inputs\": [");
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(error_of(r).rfind("malformed JSON: ", 0), 0u) << r.body;
  r = post("/v2/models/doubler/infer", json_infer({1, 2, 3}, 1));
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(error_of(r), "input 'x': data has 3 elements, shape [1,2] needs 2");
  r = post("/v2/models/doubler/infer",
           Json{{"inputs",
                 {{{"name", "x"}, {"datatype", "FP32"}, {"shape", {1, 3}}, {"data", {1, 2, 3}}}}}}
               .dump());
  EXPECT_EQ(
      error_of(r),
      "input 'x': shape [1,3] does not match the model's [-1,2] (dimension 1 is 3, expected 2)");
  r = post("/v2/models/doubler/infer",
           Json{{"inputs",
                 {{{"name", "x"}, {"datatype", "INT64"}, {"shape", {1, 2}}, {"data", {1, 2}}}}}}
               .dump());
  EXPECT_EQ(error_of(r), "input 'x': datatype is INT64, the model expects FP32");
  r = post("/v2/models/doubler/infer", Json{{"inputs", Json::array()}}.dump());
  EXPECT_EQ(error_of(r), "missing input 'x'");
  r = post("/v2/models/doubler/infer",
           Json{{"inputs",
                 {{{"name", "x"}, {"datatype", "FP32"}, {"shape", {1, 2}}, {"data", {1, 2}}},
                  {{"name", "z"}, {"datatype", "FP32"}, {"shape", {1}}, {"data", {1}}}}}}
               .dump());
  EXPECT_EQ(error_of(r), "unknown input 'z' (model 'doubler' has inputs: x)");
  auto [body, length] = binary_infer({1, 2}, 1);
  r = post("/v2/models/doubler/infer", body.substr(0, body.size() - 1),
           {{"Inference-Header-Content-Length", length}});
  EXPECT_EQ(r.status, 400u);
  EXPECT_EQ(error_of(r).rfind("binary data is shorter than declared", 0), 0u) << r.body;
  r = post("/v2/models/doubler/infer", body + "xx", {{"Inference-Header-Content-Length", length}});
  EXPECT_EQ(error_of(r), "binary data is longer than declared: 2 bytes after the last input's");
  r = c.request(verb::verb::delete_, "/v2/models/doubler/infer");
  EXPECT_EQ(r.status, 405u);
  r = c.request(verb::verb::get, "/v3/whatever");
  EXPECT_EQ(r.status, 404u);
  // Still serving, on the same keep-alive connection.
  r = post("/v2/models/doubler/infer", json_infer({1, 2}, 1));
  EXPECT_EQ(r.status, 200u) << r.body;

  // A client that sends half a request and goes: the next ones are answered.
  {
    HttpClient gone(port);
    const std::string full = json_infer({1, 2}, 1);
    gone.write_raw("POST /v2/models/doubler/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                   std::to_string(full.size()) + "\r\n\r\n" + full.substr(0, 10));
  }
  {
    HttpClient gone(port);  // a whole request, then gone before the answer
    gone.write_raw("POST /v2/models/doubler/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " +
                   std::to_string(json_infer({1, 2}, 1).size()) + "\r\n\r\n" +
                   json_infer({1, 2}, 1));
  }
  EXPECT_EQ(post("/v2/models/doubler/infer", json_infer({3, 4}, 1)).status, 200u);

  // "small": body limit 4096 bytes (413), queue of one request (503).
  HttpClient big(small);
  r = big.request(verb::verb::post, "/v2/models/doubler/infer", std::string(5000, ' '));
  EXPECT_EQ(r.status, 413u) << r.body;
  HttpClient first(small);
  ASSERT_TRUE(first.write_raw(
      "POST /v2/models/doubler/infer HTTP/1.1\r\nHost: x\r\nContent-Length: " +
      std::to_string(json_infer({1, 2}, 1).size()) + "\r\n\r\n" + json_infer({1, 2}, 1)));
  // The first waits its 1 s queue delay; the next one meets a full queue.
  HttpClient second(small);
  HttpResult full;
  ASSERT_TRUE(wait_until(
      [&] {
        full = second.request(verb::verb::post, "/v2/models/doubler/infer", json_infer({1, 2}, 1));
        return full.status == 503u;
      },
      kDeadline))
      << full.status << " " << full.body;
  EXPECT_EQ(error_of(full), "queue full (1 requests queued)");
  EXPECT_EQ(first.read_response().status, 200u) << "the queued request is answered";

  const HttpResult m = c.request(verb::verb::get, "/metrics");
  EXPECT_EQ(metric(m.body, "lightning_serve_requests_total{outcome=\"bad_request\"}"), 8) << m.body;
  EXPECT_GE(metric(m.body, "lightning_serve_requests_total{outcome=\"not_found\"}"), 2) << m.body;
  s.finish();
}

TEST(ServeWorkTest, ConcurrentClientsAreBatchedAndAVersionSwapUnderLoadFailsNoRequest) {
  ServeApp s("script");
  const uint16_t port = s.port_of("serve");
  ASSERT_NE(port, 0) << s.describe();
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0}, v1{0}, v2{0};
  std::mutex mu;
  std::string first_failure;
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      HttpClient c(port);
      for (int i = 0; !stop; ++i) {
        const float x = static_cast<float>(t * 1000 + i);
        HttpResult r;
        if (i % 2 == 0) {
          r = c.request(verb::verb::post, "/v2/models/doubler/infer", json_infer({x, 1}, 1));
        } else {
          auto [body, length] = binary_infer({x, 1}, 1);
          r = c.request(verb::verb::post, "/v2/models/doubler/infer", body,
                        {{"Inference-Header-Content-Length", length}});
        }
        float y0 = NAN;
        if (r.status == 200u) {
          y0 = i % 2 == 0 ? Json::parse(r.body)["outputs"][0]["data"][0].get<float>()
                          : binary_floats(r)[0];
        }
        if (y0 == 2 * x) {
          ++v1;
          ++ok;
        } else if (y0 == 2 * x + 100) {
          ++v2;
          ++ok;
        } else {
          ++failed;
          std::lock_guard<std::mutex> lock(mu);
          if (first_failure.empty())
            first_failure = std::to_string(r.status) + " " + r.error + " " + r.body;
        }
      }
    });
  }
  EXPECT_TRUE(wait_until([&] { return v1 >= 200; }, kDeadline));
  s.mark("swap");
  EXPECT_TRUE(wait_until([&] { return v2 >= 200; }, kDeadline)) << s.describe();
  s.mark("bad");
  EXPECT_TRUE(wait_until([&] { return file_exists(s.markers + "/model_error"); }, kDeadline));
  const int after_bad = v2;
  EXPECT_TRUE(wait_until([&] { return v2 >= after_bad + 100; }, kDeadline)) << "version 2 goes on";
  stop = true;
  for (auto& c : clients) c.join();
  EXPECT_EQ(failed.load(), 0) << first_failure;
  EXPECT_NE(read_file(s.markers + "/model_error").find("cannot load"), std::string::npos)
      << read_file(s.markers + "/model_error");

  HttpClient c(port);
  const HttpResult meta = c.request(verb::verb::get, "/v2/models/doubler");
  EXPECT_EQ(Json::parse(meta.body)["versions"], Json::array({"2"}));
  const std::string m = c.request(verb::verb::get, "/metrics").body;
  const double batches = metric(m, "lightning_serve_batch_size_count");
  const double single = metric(m, "lightning_serve_batch_size_bucket{le=\"1\"}");
  EXPECT_GT(batches, single) << "8 concurrent clients never made a batch of more than one\n" << m;
  EXPECT_EQ(metric(m, "lightning_serve_batch_size_sum"), ok.load()) << m;
  const Json state = s.finish();
  const Json& vars = state["state"]["works"]["serve"]["vars"];
  EXPECT_EQ(vars["model_version"], 2);
  EXPECT_NE(vars["model_error"].get<std::string>().find("cannot load"), std::string::npos);
}

TEST(ServeWorkTest, ServesACppModuleFromATrainWorkCheckpoint) {
  ServeApp s("module");
  const uint16_t port = s.port_of("module_serve");
  ASSERT_NE(port, 0) << s.describe();
  const Json w = read_json(s.markers + "/weights.json");
  HttpClient c(port);
  const std::vector<float> x = {0.5f, -1, 2, 0.25f, 1, 1, 1, 1};
  const HttpResult r = c.request(
      verb::verb::post, "/v2/models/linear/infer",
      Json{{"inputs", {{{"name", "x"}, {"datatype", "FP32"}, {"shape", {2, 4}}, {"data", x}}}}}
          .dump());
  ASSERT_EQ(r.status, 200u) << r.body;
  const Json out = Json::parse(r.body)["outputs"][0];
  EXPECT_EQ(out["shape"], (Json{2, 3}));
  for (int n = 0; n < 2; ++n) {
    for (int o = 0; o < 3; ++o) {
      double want = w["bias"][o].get<double>();
      for (int i = 0; i < 4; ++i) want += w["weight"][o][i].get<double>() * x[n * 4 + i];
      EXPECT_NEAR(out["data"][n * 3 + o].get<double>(), want, 1e-5) << n << "," << o;
    }
  }
  EXPECT_EQ(Json::parse(c.request(verb::verb::get, "/v2/models/linear").body)["platform"],
            "pytorch_libtorch");
  s.finish();
}

}  // namespace
}  // namespace lightning::integration
