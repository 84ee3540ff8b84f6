// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/router.hpp"

#include <boost/beast/http/field.hpp>
#include <exception>

#include "http/query.hpp"
#include "lightning/json.hpp"

namespace lightning::http {

namespace beast_http = boost::beast::http;

Response json_response(unsigned status, const std::string& body, unsigned version,
                       bool keep_alive) {
  Response res{static_cast<beast_http::status>(status), version};
  res.set(beast_http::field::content_type, "application/json");
  res.set(beast_http::field::cache_control, "no-store");
  res.keep_alive(keep_alive);
  res.body() = body;
  res.prepare_payload();
  return res;
}

Response error_response(unsigned status, const std::string& message, unsigned version,
                        bool keep_alive) {
  const Json body = {{"error", {{"code", status}, {"message", message}}}};
  return json_response(status, body.dump(-1, ' ', false, Json::error_handler_t::replace), version,
                       keep_alive);
}

unsigned http_status_of(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kUnavailable:
    case StatusCode::kResourceExhausted:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
    case StatusCode::kInternal:
      return 500;
  }
  return 500;
}

Result<std::vector<std::string>> Router::split_path(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return InvalidArgument("the request target must be a path starting with '/'");
  }
  const size_t query = target.find_first_of("?#");
  std::string_view path = target.substr(0, query);
  std::vector<std::string> segments;
  size_t start = 1;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    Result<std::string> segment = percent_decode(path.substr(start, end - start));
    if (!segment.ok()) return segment.status();
    if (*segment == "." || *segment == "..") {
      return InvalidArgument("the path has a '" + *segment + "' segment");
    }
    if (segment->find('/') != std::string::npos) {
      return InvalidArgument("the path has an encoded '/' (%2F) in a segment");
    }
    segments.push_back(std::move(*segment));
    start = end + 1;
  }
  // "/" is one empty segment, "/a/" two ("a", ""): a trailing slash is a
  // different path, as in most routers.
  return segments;
}

void Router::add(std::string method, const std::string& pattern, Handler handler) {
  LIGHTNING_CHECK(!pattern.empty() && pattern.front() == '/', "route pattern '", pattern,
                  "' must start with '/'");
  Route route{std::move(method), pattern, {}, std::move(handler)};
  size_t start = 1;
  while (start <= pattern.size()) {
    size_t end = pattern.find('/', start);
    if (end == std::string::npos) end = pattern.size();
    std::string text = pattern.substr(start, end - start);
    Segment segment;
    if (text.size() >= 3 && text.front() == '{' && text.compare(text.size() - 2, 2, "*}") == 0) {
      LIGHTNING_CHECK(end == pattern.size(), "route pattern '", pattern,
                      "': a {name*} segment must be the last one");
      segment.text = text.substr(1, text.size() - 3);
      segment.is_param = true;
      segment.is_rest = true;
    } else if (text.size() >= 2 && text.front() == '{' && text.back() == '}') {
      segment.text = text.substr(1, text.size() - 2);
      segment.is_param = true;
    } else {
      segment.text = std::move(text);
    }
    route.segments.push_back(std::move(segment));
    start = end + 1;
  }
  for (const Route& r : routes_) {
    LIGHTNING_CHECK(!(r.method == route.method && r.pattern == pattern), "route ", route.method,
                    " ", pattern, " added twice");
  }
  routes_.push_back(std::move(route));
}

bool Router::match(const Route& route, const std::vector<std::string>& path, PathParams* params) {
  const bool has_rest = !route.segments.empty() && route.segments.back().is_rest;
  if (has_rest ? path.size() < route.segments.size() : route.segments.size() != path.size()) {
    return false;
  }
  PathParams captured;
  for (size_t i = 0; i < route.segments.size(); ++i) {
    const Segment& s = route.segments[i];
    if (s.is_rest) {
      std::string rest = path[i];
      for (size_t j = i + 1; j < path.size(); ++j) rest += "/" + path[j];
      captured[s.text] = std::move(rest);
    } else if (s.is_param) {
      if (path[i].empty()) return false;
      captured[s.text] = path[i];
    } else if (s.text != path[i]) {
      return false;
    }
  }
  if (params != nullptr) *params = std::move(captured);
  return true;
}

std::string Router::pattern_of(const Request& request) const {
  Result<std::vector<std::string>> path =
      split_path(std::string_view(request.target().data(), request.target().size()));
  if (!path.ok()) return "";
  for (const Route& route : routes_) {
    if (match(route, *path, nullptr)) return route.pattern;
  }
  return "";
}

Reply Router::dispatch(const Request& request, std::string* matched) const {
  if (matched != nullptr) matched->clear();
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  Result<std::vector<std::string>> path =
      split_path(std::string_view(request.target().data(), request.target().size()));
  if (!path.ok()) return {error_response(400, path.status().message(), version, keep_alive), {}};
  const std::string method(request.method_string());
  std::string allow;
  for (const Route& route : routes_) {
    PathParams params;
    if (!match(route, *path, &params)) continue;
    if (matched != nullptr && matched->empty()) *matched = route.pattern;
    if (route.method != method && !(method == "HEAD" && route.method == "GET")) {
      if (!allow.empty()) allow += ", ";
      allow += route.method;
      continue;
    }
    if (matched != nullptr) *matched = route.pattern;
    try {
      Reply reply = route.handler(request, params);
      reply.response.version(version);
      if (!keep_alive) reply.response.keep_alive(false);
      return reply;
    } catch (const std::exception& e) {
      return {error_response(500, std::string("internal error: ") + e.what(), version, keep_alive),
              {}};
    } catch (...) {
      return {error_response(500, "internal error", version, keep_alive), {}};
    }
  }
  if (!allow.empty()) {
    Reply reply{
        error_response(405,
                       "method " + method + " is not allowed on this path (allowed: " + allow + ")",
                       version, keep_alive),
        {}};
    reply.response.set(beast_http::field::allow, allow);
    return reply;
  }
  return {error_response(404, "no route for " + method + " " + std::string(request.target()),
                         version, keep_alive),
          {}};
}

}  // namespace lightning::http
