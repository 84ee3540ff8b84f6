// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/static_files.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <array>
#include <boost/beast/http/field.hpp>
#include <cerrno>
#include <cstring>
#include <utility>

#include "util/unique_fd.hpp"

namespace lightning::http {

namespace beast_http = boost::beast::http;

namespace {

using Fd = util::UniqueFd;

/// openat2(dir, path, O_RDONLY, RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS): no
/// absolute path, no `..` and no symbolic link may take the lookup out of `dir`.
int open_beneath(int dir, const std::string& path) {
  open_how how{};
  how.flags = O_RDONLY | O_CLOEXEC;
  how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
  return static_cast<int>(::syscall(SYS_openat2, dir, path.c_str(), &how, sizeof how));
}

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Response not_found(const Request& request, const std::string& what) {
  return error_response(404, what, request.version(), request.keep_alive());
}

}  // namespace

std::string_view content_type_for(std::string_view file_name) {
  struct Type {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr std::array<Type, 22> kTypes{{
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".txt", "text/plain; charset=utf-8"},
      {".log", "text/plain; charset=utf-8"},
      {".md", "text/markdown; charset=utf-8"},
      {".csv", "text/csv; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".wasm", "application/wasm"},
      {".pdf", "application/pdf"},
      {".xml", "application/xml"},
  }};
  for (const Type& type : kTypes) {
    if (ends_with(file_name, type.extension)) return type.content_type;
  }
  return "application/octet-stream";
}

bool etag_matches(const Request& request, std::string_view etag) {
  const auto header = request.find(beast_http::field::if_none_match);
  if (header == request.end()) return false;
  const std::string_view value(header->value().data(), header->value().size());
  return value == "*" || value.find(etag) != std::string_view::npos;
}

Response file_response(const Request& request, std::string_view file_name, std::string body,
                       std::string_view etag) {
  const bool not_modified = etag_matches(request, etag);
  Response res{not_modified ? beast_http::status::not_modified : beast_http::status::ok,
               request.version()};
  res.set(beast_http::field::etag, std::string(etag));
  res.set(beast_http::field::cache_control, "no-cache");
  res.set("X-Content-Type-Options", "nosniff");
  if (!not_modified) {
    res.set(beast_http::field::content_type, std::string(content_type_for(file_name)));
    res.body() = std::move(body);
    res.prepare_payload();
  }
  res.keep_alive(request.keep_alive());
  return res;
}

Response serve_static_file(const Request& request, const std::string& folder,
                           const std::string& relative) {
  const Fd root(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (root.get() < 0) {
    return not_found(request, "the static folder of this tab does not exist (yet)");
  }
  std::string path =
      relative.empty() || relative.back() == '/' ? relative + "index.html" : relative;
  Fd file(open_beneath(root.get(), path));
  if (file.get() < 0) return not_found(request, "no file '" + path + "' in this static folder");
  struct stat st {};
  if (::fstat(file.get(), &st) != 0) return not_found(request, "cannot read '" + path + "'");
  if (S_ISDIR(st.st_mode)) {
    Response res = error_response(308, "a folder: its address ends with '/'", request.version(),
                                  request.keep_alive());
    std::string target(request.target());
    const size_t query = target.find('?');
    target.insert(query == std::string::npos ? target.size() : query, "/");
    res.set(beast_http::field::location, target);
    return res;
  }
  if (!S_ISREG(st.st_mode)) return not_found(request, "'" + path + "' is not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxStaticFileBytes) {
    return error_response(500, "'" + path + "' is over the 32 MiB a static file may have",
                          request.version(), request.keep_alive());
  }
  const std::string etag = "W/\"" + std::to_string(st.st_size) + "-" +
                           std::to_string(st.st_mtim.tv_sec) + "." +
                           std::to_string(st.st_mtim.tv_nsec) + "\"";
  if (etag_matches(request, etag)) return file_response(request, path, "", etag);
  std::string body(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < body.size()) {
    const ssize_t n = ::read(file.get(), body.data() + done, body.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  body.resize(done);
  return file_response(request, path, std::move(body), etag);
}

}  // namespace lightning::http
