// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "app_commands.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <optional>
#include <utility>

#include "app_locator.hpp"
#include "errors.hpp"

namespace lightning::cli {
namespace {

using nlohmann::json;

json parse_body(const ApiResponse& response, const std::string& what) {
  json body = json::parse(response.body, nullptr, false);
  if (body.is_discarded()) {
    throw CliError("the app's answer to " + what + " is not JSON", kExitAppError);
  }
  return body;
}

// Throws the app's error (exit code 1) unless `response` is a 2xx.
void check_ok(const ApiResponse& response) {
  if (response.status < 200 || response.status >= 300) {
    throw CliError(api_error_message(response), kExitAppError);
  }
}

void print_line(std::FILE* out, const std::string& line) {
  std::fwrite(line.data(), 1, line.size(), out);
  std::fputc('\n', out);
}

std::string get_string(const json& node, const char* key) {
  auto it = node.find(key);
  return it != node.end() && it->is_string() ? it->get<std::string>() : "";
}

double get_number(const json& node, const char* key, double otherwise) {
  auto it = node.find(key);
  return it != node.end() && it->is_number() ? it->get<double>() : otherwise;
}

// What a table of works says about why a work waits or failed: the first
// line of its message (e.g. "no worker has 8 GPUs (largest: 2)"), else its
// reason word; nothing for a work that runs or succeeded, or stopped on request.
std::string why_of(const std::string& status, const std::string& reason,
                   const std::string& message) {
  constexpr size_t kMaxWhy = 80;
  if (status != "pending" && status != "failed") return "";
  std::string why = message.substr(0, message.find('\n'));
  if (why.empty()) why = reason;
  if (why.size() > kMaxWhy) why.replace(kMaxWhy - 3, std::string::npos, "...");
  return why;
}

void collect_component_rows(const json& node, std::vector<util::WorkRow>& rows, int depth) {
  if (!node.is_object() || depth > 64) return;
  if (get_string(node, "kind") == "work") {
    util::WorkRow row;
    row.path = get_string(node, "path");
    row.status = get_string(node, "status");
    row.duration_s = get_number(node, "duration_s", -1);
    row.attempt = static_cast<int>(get_number(node, "attempt", 0));
    row.worker = get_string(node, "worker");
    row.why = why_of(row.status, get_string(node, "reason"), get_string(node, "message"));
    rows.push_back(std::move(row));
    return;
  }
  for (const char* key : {"works", "flows"}) {
    auto it = node.find(key);
    if (it == node.end() || !it->is_array()) continue;
    for (const json& child : *it) collect_component_rows(child, rows, depth + 1);
  }
}

void collect_state_rows(const json& node, const std::string& path, int64_t now_us,
                        std::vector<util::WorkRow>& rows, int depth) {
  if (!node.is_object() || depth > 64) return;
  auto works = node.find("works");
  if (works != node.end() && works->is_object()) {
    for (const auto& [name, work] : works->items()) {
      util::WorkRow row;
      row.path = path + "." + name;
      const json status = work.is_object() ? work.value("status", json::object()) : json::object();
      row.status = get_string(status, "stage");
      row.attempt = static_cast<int>(get_number(status, "attempt", 0));
      const double since_us = get_number(status, "timestamp_us", 0);
      if (row.status == "running" && since_us > 0) {
        row.duration_s = std::max(0.0, (static_cast<double>(now_us) - since_us) / 1e6);
      }
      rows.push_back(std::move(row));
    }
  }
  auto flows = node.find("flows");
  if (flows != node.end() && flows->is_object()) {
    for (const auto& [name, flow] : flows->items()) {
      collect_state_rows(flow, path + "." + name, now_us, rows, depth + 1);
    }
  }
}

int64_t unix_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

AppTarget select_app(const AppSelection& selection) {
  std::string token = selection.token;
  if (selection.url.empty()) {
    std::optional<LocatedApp> app = find_latest_app(selection.dir);
    if (!app) {
      throw CliError("no running app started from " + selection.dir +
                         " (no .lightning/runs/*/api.json with a live pid); start one with "
                         "`lightning run app.cpp`, or give its URL with --app http://HOST:PORT",
                     kExitUnreachable);
    }
    if (token.empty()) token = app->token;
    return {ApiClient(parse_api_url(app->url), token), app->run_dir};
  }
  ApiUrl url = parse_api_url(selection.url);
  std::string run_dir;
  for (const LocatedApp& app : find_running_apps(selection.dir)) {
    if (parse_api_url(app.url).text == url.text) {
      run_dir = app.run_dir;
      if (token.empty()) token = app.token;
      break;
    }
  }
  return {ApiClient(std::move(url), token), run_dir};
}

std::vector<std::string> cluster_lines(const json& body) {
  std::vector<std::string> lines;
  if (!body.is_object()) return lines;
  const json cluster = body.value("cluster", json());
  if (cluster.is_object()) {
    std::string line = "cluster  " + get_string(cluster, "info");
    const json requeued = cluster.value("requeued_from", json::array());
    if (requeued.is_array() && !requeued.empty()) {
      std::string ids;
      for (const json& id : requeued) {
        if (id.is_string()) ids += (ids.empty() ? "" : ", ") + id.get<std::string>();
      }
      line += " (requeued from " + ids + ")";
    }
    lines.push_back(line);
  }
  const json workers = body.value("workers", json::array());
  if (!workers.is_array()) return lines;
  const bool only_local = workers.size() == 1 && workers[0].is_object() &&
                          workers[0].value("local", false);
  if (only_local) return lines;  // a local run: this machine, nothing to say
  if (workers.empty()) {
    lines.emplace_back(
        "workers  none has joined yet: start lightning-worker as the app's log says (\"workers "
        "join at ...\"; docs/cli.md)");
    return lines;
  }
  std::string line = "workers  " + std::to_string(workers.size()) + ":";
  for (const json& w : workers) {
    if (!w.is_object()) continue;
    const json works = w.value("works", json::array());
    line += " " + get_string(w, "id") + " (" +
            std::to_string(works.is_array() ? works.size() : 0) + " works" +
            (w.value("draining", false) ? ", draining" : "") + ")";
  }
  lines.push_back(line);
  return lines;
}

std::vector<util::WorkRow> rows_from_components(const json& body) {
  std::vector<util::WorkRow> rows;
  if (body.is_object() && body.contains("root")) collect_component_rows(body["root"], rows, 0);
  return rows;
}

std::vector<util::WorkRow> rows_from_state(const json& body, int64_t now_us) {
  std::vector<util::WorkRow> rows;
  if (body.is_object() && body.contains("state")) {
    collect_state_rows(body["state"], "root", now_us, rows, 0);
  }
  return rows;
}

int status_command(const AppTarget& app, std::FILE* out) {
  std::vector<util::WorkRow> rows;
  const ApiResponse components = app.client.get("/api/v1/components");
  if (components.status == 404) {
    // An app from before GET /api/v1/components: the state tree has statuses.
    const ApiResponse state = app.client.get("/api/v1/state");
    check_ok(state);
    rows = rows_from_state(parse_body(state, "GET /api/v1/state"), unix_now_us());
  } else {
    check_ok(components);
    rows = rows_from_components(parse_body(components, "GET /api/v1/components"));
  }
  print_line(out, "app      " + app.client.url().text);
  if (!app.run_dir.empty()) print_line(out, "run dir  " + app.run_dir);
  // Where the works run (an app from before GET /api/v1/workers: nothing).
  const ApiResponse workers = app.client.get("/api/v1/workers");
  bool cluster = false;
  if (workers.status >= 200 && workers.status < 300) {
    const json body = json::parse(workers.body, nullptr, false);
    const std::vector<std::string> lines = cluster_lines(body);
    for (const std::string& line : lines) print_line(out, line);
    cluster = !lines.empty();
  }
  // A local run's works all run here: no WORKER column.
  if (!cluster) {
    for (util::WorkRow& row : rows) row.worker.clear();
  }
  print_line(out, "");
  if (rows.empty()) {
    print_line(out, "no works yet");
    return kExitOk;
  }
  for (const std::string& line : util::render_works_table(rows)) print_line(out, line);
  print_line(out, util::summarize_works(rows));
  return kExitOk;
}

std::string work_path_segment(const std::string& work_path) {
  if (work_path.empty()) throw CliError("the work's path must not be empty", kExitUsage);
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : work_path) {
    if (std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

int logs_command(const AppTarget& app, const std::string& work_path, int tail, bool follow,
                 std::FILE* out) {
  const std::string target =
      "/api/v1/works/" + work_path_segment(work_path) + "/logs?tail=" + std::to_string(tail);
  if (!follow) {
    const ApiResponse response = app.client.get(target);
    check_ok(response);
    const json body = parse_body(response, "GET " + target);
    const auto lines = body.find("lines");
    if (lines == body.end() || !lines->is_array()) {
      throw CliError("the app's answer to GET " + target + " has no lines", kExitAppError);
    }
    for (const json& line : *lines) {
      if (line.is_string()) print_line(out, line.get<std::string>());
    }
    return kExitOk;
  }
  const ApiResponse response = app.client.stream(target + "&follow=1", [&](const SseEvent& e) {
    if (e.event == "line") {
      print_line(out, e.data);
      std::fflush(out);
    }
    return true;
  });
  check_ok(response);
  return kExitOk;  // the app closed the stream: it has finished
}

int stop_command(const AppTarget& app, const std::string& work_path, std::FILE* out) {
  const bool whole_app = work_path.empty();
  const std::string target =
      whole_app ? "/api/v1/app/stop" : "/api/v1/works/" + work_path_segment(work_path) + "/stop";
  const ApiResponse response = app.client.post(target);
  check_ok(response);
  print_line(out,
             whole_app ? "stopping the app at " + app.client.url().text : "stopping " + work_path);
  return kExitOk;
}

std::vector<std::string> describe_patch(const std::string& version, const json& patch) {
  std::vector<std::string> lines;
  if (!patch.is_array()) return lines;
  for (const json& op : patch) {
    if (!op.is_object()) continue;
    std::string line = "v" + version + " " + get_string(op, "op") + " " + get_string(op, "path");
    auto value = op.find("value");
    if (value != op.end()) line += " " + value->dump();
    lines.push_back(std::move(line));
  }
  return lines;
}

int state_command(const AppTarget& app, bool watch, std::FILE* out) {
  if (!watch) {
    const ApiResponse response = app.client.get("/api/v1/state");
    check_ok(response);
    print_line(out, parse_body(response, "GET /api/v1/state").dump(2));
    return kExitOk;
  }
  const ApiResponse response = app.client.stream("/api/v1/state/stream", [&](const SseEvent& e) {
    const json data = json::parse(e.data, nullptr, false);
    if (e.event == "snapshot") {
      print_line(out, data.dump(2));
    } else if (e.event == "patch") {
      for (const std::string& line : describe_patch(e.id, data)) print_line(out, line);
    }
    std::fflush(out);
    return true;
  });
  check_ok(response);
  return kExitOk;
}

}  // namespace lightning::cli
