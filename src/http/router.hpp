// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "http/http_types.hpp"

namespace lightning::http {

/// Maps a method and a path pattern to a handler. A pattern is a path whose
/// segments are literals or `{name}` (one whole segment, captured into
/// PathParams, percent-decoded). The last segment may be `{name*}`: it takes
/// the rest of the path, one segment or more ("" for a trailing slash),
/// joined by '/' ("/files/{rest*}" on "/files/a/b.txt" gives {"rest": "a/b.txt"});
/// its segments are checked like any (no `.`/`..`, no encoded '/').
/// The query string is ignored for matching.
/// Built once by its owner (HttpApiService, a test, the fuzzer), then only
/// read; single-threaded like its owner (the loop thread).
///
///   Router router;
///   router.add("GET", "/api/v1/state", [](const Request& r, const PathParams&) { ... });
///   Reply reply = router.dispatch(request);
///
/// dispatch() never throws: an unknown path is 404, a known path with another
/// method 405 (with Allow), a target that is not an origin-form path (or has a
/// bad %-escape, a NUL, a `.`/`..` segment) 400, and a handler that throws 500;
/// each with the API's JSON error body.
class Router {
 public:
  using Handler = std::function<Reply(const Request&, const PathParams&)>;

  /// Adds a route. A pattern must start with '/'; a duplicate (method, pattern)
  /// is a bug (checked).
  void add(std::string method, const std::string& pattern, Handler handler);

  /// `route` (when given) is set to the pattern of the route whose path
  /// matched ("/api/v1/works/{path}/stop"), also when its method did not (405),
  /// or to "" when none did: what metrics label a request with, never the raw path.
  Reply dispatch(const Request& request, std::string* route = nullptr) const;
  /// The pattern dispatch() would report for `request` as its route.
  std::string pattern_of(const Request& request) const;

  /// The path of a request target without its query, percent-decoded segment
  /// by segment; an error for a target that is not "/..." or is malformed.
  static Result<std::vector<std::string>> split_path(std::string_view target);

 private:
  struct Segment {
    std::string text;
    bool is_param = false;
    bool is_rest = false;  ///< `{name*}`: the rest of the path
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
  };
  static bool match(const Route& route, const std::vector<std::string>& path, PathParams* params);

  std::vector<Route> routes_;
};

}  // namespace lightning::http
