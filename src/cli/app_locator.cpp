// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "app_locator.hpp"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "fs_util.hpp"

namespace lightning::cli {

namespace fs = std::filesystem;

bool is_process_alive(long pid) {
  if (pid <= 0) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

std::vector<LocatedApp> find_running_apps(const std::string& dir) {
  struct Candidate {
    LocatedApp app;
    fs::file_time_type written;
    std::string name;
  };
  std::vector<Candidate> found;
  std::error_code ec;
  const fs::path runs = fs::path(dir) / ".lightning" / "runs";
  for (fs::directory_iterator it(runs, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path api_path = it->path() / "api.json";
    const std::optional<std::string> text = read_file(api_path.string());
    if (!text) continue;
    const nlohmann::json api = nlohmann::json::parse(*text, nullptr, false);
    if (!api.is_object() || !api.contains("url") || !api["url"].is_string() ||
        !api.contains("pid") || !api["pid"].is_number_integer()) {
      continue;
    }
    Candidate c;
    c.app.url = api["url"].get<std::string>();
    c.app.pid = api["pid"].get<long>();
    if (!is_process_alive(c.app.pid)) continue;
    std::error_code abs_ec;
    c.app.run_dir = fs::absolute(it->path(), abs_ec).lexically_normal().string();
    std::string token = read_file((it->path() / "api-token").string()).value_or("");
    while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
    c.app.token = std::move(token);
    std::error_code time_ec;
    c.written = fs::last_write_time(api_path, time_ec);
    c.name = it->path().filename().string();
    found.push_back(std::move(c));
  }
  std::sort(found.begin(), found.end(), [](const Candidate& a, const Candidate& b) {
    if (a.written != b.written) return a.written > b.written;
    return a.name > b.name;
  });
  std::vector<LocatedApp> apps;
  apps.reserve(found.size());
  for (Candidate& c : found) apps.push_back(std::move(c.app));
  return apps;
}

std::optional<LocatedApp> find_latest_app(const std::string& dir) {
  std::vector<LocatedApp> apps = find_running_apps(dir);
  if (apps.empty()) return std::nullopt;
  return std::move(apps.front());
}

}  // namespace lightning::cli
