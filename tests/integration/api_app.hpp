// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../common/http_client.hpp"
#include "support.hpp"

namespace lightning::integration {

/// A running app process and its HTTP API as a client sees it: started as
/// `exe --run-dir <tmp>/run FLAGS [-- APP_ARGS]` (FLAGS default to `--port 0`);
/// the constructor waits up to kWait until api.json has the URL and the log
/// line that gives it was written, then reads the port and the token. The
/// destructor stops a still-running app over the API and waits for it.
class ApiApp {
 public:
  static constexpr milliseconds kWait{20000};

  explicit ApiApp(const std::string& exe, const std::vector<std::string>& app_args = {},
                  const std::vector<std::string>& flags = {"--port", "0"}) {
    run_dir_ = dir_ / "run";
    std::vector<std::string> args{"--run-dir", run_dir_};
    args.insert(args.end(), flags.begin(), flags.end());
    if (!app_args.empty()) {
      args.emplace_back("--");
      args.insert(args.end(), app_args.begin(), app_args.end());
    }
    app_ = std::make_unique<AppProcess>(exe, args, dir_.path());
    // api.json is written before the log line that gives the URL.
    wait_until([this] { return api().contains("url") && contains(app_->stderr_text(), "HTTP API at "); },
               kWait);
    const Json a = api();
    if (a.contains("url")) {
      const std::string url = a.at("url");
      port_ = static_cast<uint16_t>(std::stoi(url.substr(url.rfind(':') + 1)));
    }
    token_ = read_file(run_dir_ + "/api-token");
    while (!token_.empty() && token_.back() == '\n') token_.pop_back();
  }
  ~ApiApp() {
    if (!app_->has_exited()) {
      post("/api/v1/app/stop");
      app_->wait(kWait);
    }
  }
  ApiApp(const ApiApp&) = delete;
  ApiApp& operator=(const ApiApp&) = delete;

  Json api() const { return read_json(run_dir_ + "/api.json"); }
  uint16_t port() const { return port_; }
  const std::string& token() const { return token_; }
  const std::string& run_dir() const { return run_dir_; }
  AppProcess& process() { return *app_; }
  std::string describe() const {
    return "--- stderr ---\n" + app_->stderr_text() + "\n--- stdout ---\n" + app_->stdout_text();
  }
  std::map<std::string, std::string> auth() const {
    return {{"Authorization", "Bearer " + token_}};
  }

  /// One request on a new connection, with exactly these headers.
  lightning::testing::HttpResult request(boost::beast::http::verb method, const std::string& target,
                                         const std::string& body = "",
                                         const std::map<std::string, std::string>& headers = {}) {
    return lightning::testing::HttpClient(port_).request(method, target, body, headers);
  }
  lightning::testing::HttpResult get(const std::string& target,
                                     const std::map<std::string, std::string>& headers = {}) {
    return request(boost::beast::http::verb::get, target, "", headers);
  }
  Json get_json(const std::string& target) {
    return Json::parse(get(target).body, nullptr, false);
  }
  /// A JSON POST, with the token unless `with_token` is false.
  lightning::testing::HttpResult post(const std::string& target, const std::string& body = "",
                                      bool with_token = true) {
    std::map<std::string, std::string> headers{{"Content-Type", "application/json"}};
    if (with_token) headers["Authorization"] = "Bearer " + token_;
    return request(boost::beast::http::verb::post, target, body, headers);
  }
  /// POST /api/v1/state {"version": version, "patch": patch}.
  lightning::testing::HttpResult patch_state(uint64_t version, const std::string& patch,
                                             bool with_token = true) {
    return post("/api/v1/state",
                R"({"version":)" + std::to_string(version) + R"(,"patch":)" + patch + "}",
                with_token);
  }
  /// Stops the app over HTTP and waits for it.
  ExitStatus stop() {
    post("/api/v1/app/stop");
    return app_->wait(kWait);
  }

 private:
  TempDir dir_;
  std::string run_dir_;
  std::unique_ptr<AppProcess> app_;
  uint16_t port_ = 0;
  std::string token_;
};

}  // namespace lightning::integration
