// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Files served as they are: an app's static folders (Tab::static_folder, at
// /app/static/...) and the dashboard's files compiled into the library.
#pragma once

#include <string>
#include <string_view>

#include "http/http_types.hpp"

namespace lightning::http {

/// The Content-Type of a file by its extension ("index.html" gives
/// "text/html; charset=utf-8"); "application/octet-stream" when unknown.
std::string_view content_type_for(std::string_view file_name);

/// Whether `request`'s If-None-Match names `etag` (or is "*").
bool etag_matches(const Request& request, std::string_view etag);

/// A 200 with `body`, its Content-Type (content_type_for(file_name)),
/// `ETag: etag`, Cache-Control: no-cache (revalidate, then 304) and
/// X-Content-Type-Options: nosniff; a 304 when the request already has `etag`.
Response file_response(const Request& request, std::string_view file_name, std::string body,
                       std::string_view etag);

/// Largest file serve_static_file() answers, bytes (it reads a file whole, on
/// the loop thread: static folders hold pages, not data sets).
inline constexpr size_t kMaxStaticFileBytes = 32 << 20;

/// The file at `relative` ('/'-separated; segments checked by the Router: no
/// `.`/`..`, no encoded '/') inside `folder`; "" or a trailing '/' means the
/// folder's index.html. Opened with openat2(RESOLVE_BENEATH): a symbolic link
/// that leads out of `folder` is refused, one that stays inside is followed.
/// 404 (JSON error) for a missing folder or file, anything outside, or
/// something that is not a regular file; 308 to `<target>/` for a folder asked
/// without its slash (so the page's relative links work); 500 past
/// kMaxStaticFileBytes. ETag from size and modification time.
Response serve_static_file(const Request& request, const std::string& folder,
                           const std::string& relative);

}  // namespace lightning::http
