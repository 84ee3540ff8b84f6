// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/route.hpp"

#include <string_view>

namespace lightning {
namespace {

bool is_path_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

/// "/predict", "/models/latest": '/'-separated segments of letters, digits,
/// '_', '-', '.', none empty, none "." or "..".
void check_path(const std::string& method, const std::string& path) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("Route::" + std::string(method == "GET" ? "get" : "post") + "(\"" +
                                path + "\"): " + why +
                                "; write a path such as \"/predict\" or \"/models/latest\" (it is "
                                "served at /app/api/predict)");
  };
  if (path.size() < 2 || path[0] != '/') fail("the path must start with '/' and name something");
  if (path.size() > 256) fail("the path is over 256 characters");
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    const std::string_view segment(path.data() + start, end - start);
    if (segment.empty()) fail("the path has an empty segment (\"//\" or a trailing '/')");
    if (segment == "." || segment == "..") fail("the path has a '.' or '..' segment");
    for (char c : segment) {
      if (!is_path_char(c)) {
        fail(std::string("the path contains '") + c + "'; use letters, digits, '_', '-', '.'");
      }
    }
    start = end + 1;
  }
}

Route::Invoker plain(Route::Handler handler) {
  if (!handler) throw std::invalid_argument("Route: the handler is empty");
  return [handler = std::move(handler)](Flow&, const Json& body, Responder& responder) {
    responder.reply(handler(body));
  };
}

Route::Invoker deferred(Route::DeferredHandler handler) {
  if (!handler) throw std::invalid_argument("Route: the handler is empty");
  return [handler = std::move(handler)](Flow&, const Json& body, Responder& responder) {
    handler(body, responder);
  };
}

}  // namespace

bool Responder::fail(int status, const std::string& message) {
  const int code = status >= 400 && status <= 599 ? status : 500;
  return target_->answer(code, Json{{"error", {{"code", code}, {"message", message}}}});
}

Route Route::get(const std::string& path, Handler handler) {
  return make("GET", path, plain(std::move(handler)));
}
Route Route::post(const std::string& path, Handler handler) {
  return make("POST", path, plain(std::move(handler)));
}
Route Route::get_deferred(const std::string& path, DeferredHandler handler) {
  return make("GET", path, deferred(std::move(handler)));
}
Route Route::post_deferred(const std::string& path, DeferredHandler handler) {
  return make("POST", path, deferred(std::move(handler)));
}

Route& Route::timeout(std::chrono::milliseconds timeout) {
  if (timeout <= std::chrono::milliseconds::zero()) {
    throw std::invalid_argument("Route(\"" + path_ + "\").timeout: must be positive, got " +
                                std::to_string(timeout.count()) + " ms");
  }
  timeout_ = timeout;
  return *this;
}

Route Route::make(std::string method, const std::string& path, Invoker invoker) {
  check_path(method, path);
  Route route;
  route.method_ = std::move(method);
  route.path_ = path;
  route.invoker_ = std::move(invoker);
  return route;
}

}  // namespace lightning
