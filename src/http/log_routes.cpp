// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/log_routes.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/beast/http/field.hpp>
#include <cerrno>
#include <cstring>
#include <map>
#include <optional>

#include "http/http_api_service.hpp"
#include "http/query.hpp"
#include "http/sse.hpp"
#include "util/unique_fd.hpp"

namespace lightning::http {

namespace beast_http = boost::beast::http;

namespace {

using Fd = util::UniqueFd;

Status io_error(const std::string& what, const std::string& file) {
  return Unavailable("cannot " + what + " " + file + ": " + std::strerror(errno));
}

/// Reads bytes [begin, end) of `fd` into `out`.
Status read_range(int fd, uint64_t begin, uint64_t end, std::string* out, const std::string& file) {
  out->resize(end - begin);
  size_t done = 0;
  while (done < out->size()) {
    const ssize_t n =
        ::pread(fd, out->data() + done, out->size() - done, static_cast<off_t>(begin + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("read", file);
    if (n == 0) break;  // shrank meanwhile
    done += static_cast<size_t>(n);
  }
  out->resize(done);
  return Status::Ok();
}

/// Splits `text` (the bytes from offset `base`) into lines; a last line
/// without '\n' counts too, ending at the end of the text.
void split_lines(const std::string& text, uint64_t base, LogLines* out) {
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    const size_t stop = nl == std::string::npos ? text.size() : nl;
    out->lines.emplace_back(text, start, stop - start);
    const size_t next = nl == std::string::npos ? text.size() : nl + 1;
    out->ends.push_back(base + next);
    start = next;
  }
}

/// Opens `file`; a missing file is Ok with fd -1.
Result<int> open_log(const std::string& file, uint64_t* size) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    if (errno == ENOENT) return -1;
    return io_error("open", file);
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return io_error("stat", file);
  }
  *size = static_cast<uint64_t>(st.st_size);
  return fd;
}

}  // namespace

Result<LogQuery> parse_log_query(std::string_view target) {
  Result<std::map<std::string, std::string>> params = parse_query(target);
  if (!params.ok()) return params.status();
  LogQuery query;
  for (const auto& [name, value] : *params) {
    if (name == "tail") {
      if (value.empty() || value.size() > 5 ||
          value.find_first_not_of("0123456789") != std::string::npos ||
          std::stoul(value) > LogQuery::kMaxTail) {
        return InvalidArgument("tail must be a number of lines from 0 to " +
                               std::to_string(LogQuery::kMaxTail));
      }
      query.tail = std::stoul(value);
    } else if (name == "follow") {
      if (value == "1" || value == "true") {
        query.follow = true;
      } else if (value == "0" || value == "false") {
        query.follow = false;
      } else {
        return InvalidArgument("follow must be 1, true, 0 or false");
      }
    } else {
      return InvalidArgument("unknown query parameter '" + name.substr(0, 64) +
                             "' (the logs take tail and follow)");
    }
  }
  return query;
}

Result<LogLines> read_log_tail(const std::string& file, size_t max_lines, size_t max_bytes) {
  LogLines out;
  Result<int> opened = open_log(file, &out.size);
  if (!opened.ok()) return opened.status();
  if (*opened < 0) return out;
  Fd fd(*opened);
  // Read a window back from the end, doubling it until it holds max_lines
  // whole lines (max_lines + 1 line breaks, counting the last line's own) or
  // reaches the start or the byte cap.
  const uint64_t cap = std::min<uint64_t>(out.size, max_bytes);
  uint64_t window = std::min<uint64_t>(cap, uint64_t{64} * 1024);
  std::string text;
  for (;;) {
    Status st = read_range(fd.get(), out.size - window, out.size, &text, file);
    if (!st.ok()) return st;
    size_t breaks = 0;
    for (char c : text) breaks += c == '\n' ? 1 : 0;
    if (breaks > max_lines || window == cap) break;
    window = std::min<uint64_t>(cap, window * 2);
  }
  uint64_t base = out.size - window;
  if (base > 0) {
    // The window starts inside a line: drop that part.
    const size_t nl = text.find('\n');
    const size_t cut = nl == std::string::npos ? text.size() : nl + 1;
    text.erase(0, cut);
    base += cut;
    out.truncated = true;
  }
  split_lines(text, base, &out);
  if (out.lines.size() > max_lines) {
    const auto drop = static_cast<std::ptrdiff_t>(out.lines.size() - max_lines);
    out.lines.erase(out.lines.begin(), out.lines.begin() + drop);
    out.ends.erase(out.ends.begin(), out.ends.begin() + drop);
    out.truncated = true;
  }
  return out;
}

Result<LogLines> read_log_from(const std::string& file, uint64_t offset, size_t max_bytes) {
  LogLines out;
  Result<int> opened = open_log(file, &out.size);
  if (!opened.ok()) return opened.status();
  if (offset > out.size) {
    return InvalidArgument("offset " + std::to_string(offset) + " is past the end of " + file);
  }
  if (*opened < 0) return out;
  Fd fd(*opened);
  uint64_t begin = offset;
  if (out.size - begin > max_bytes) {
    begin = out.size - max_bytes;
    out.truncated = true;
  }
  std::string text;
  Status st = read_range(fd.get(), begin, out.size, &text, file);
  if (!st.ok()) return st;
  if (out.truncated) {
    const size_t nl = text.find('\n');
    const size_t cut = nl == std::string::npos ? text.size() : nl + 1;
    text.erase(0, cut);
    begin += cut;
  }
  split_lines(text, begin, &out);
  return out;
}

void LogRoutes::add_to(Router& router) {
  router.add("GET", "/api/v1/works/{path}/logs",
             [this](const Request& request, const PathParams& params) {
               return get_logs(request, params.at("path"));
             });
}

size_t LogRoutes::followers() {
  size_t open = 0;
  for (auto it = followers_.begin(); it != followers_.end();) {
    auto& sinks = it->second;
    sinks.erase(std::remove_if(sinks.begin(), sinks.end(),
                               [](const std::weak_ptr<SseSink>& w) {
                                 const auto sink = w.lock();
                                 return !sink || !sink->is_open();
                               }),
                sinks.end());
    open += sinks.size();
    it = sinks.empty() ? followers_.erase(it) : std::next(it);
  }
  return open;
}

Reply LogRoutes::get_logs(const Request& request, const std::string& path) {
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  Result<LogQuery> query =
      parse_log_query(std::string_view(request.target().data(), request.target().size()));
  if (!query.ok()) return {error_response(400, query.status().message(), version, keep_alive), {}};
  const Work* work = find_work(controller_.root(), path);
  if (work == nullptr) {
    return {error_response(404, "no work at '" + path + "' (use its dotted path, e.g. root.train)",
                           version, keep_alive),
            {}};
  }
  const std::string file = controller_.logs().file_for(work->path());

  if (!query->follow) {
    Result<LogLines> tail = read_log_tail(file, query->tail, kMaxReadBytes);
    if (!tail.ok()) return {error_response(503, tail.status().message(), version, keep_alive), {}};
    const Json body = {
        {"path", work->path()}, {"lines", tail->lines}, {"truncated", tail->truncated}};
    return {json_response(200, body.dump(-1, ' ', false, Json::error_handler_t::replace), version,
                          keep_alive),
            {}};
  }

  // A resume reads from the offset the client last had; else the tail.
  std::optional<uint64_t> resume;
  const auto header = request.find("Last-Event-ID");
  if (header != request.end()) {
    resume = parse_last_event_id({header->value().data(), header->value().size()});
  }
  Result<LogLines> first = InvalidArgument("no offset");
  if (resume) first = read_log_from(file, *resume, kMaxReadBytes);
  if (!first.ok()) first = read_log_tail(file, query->tail, kMaxReadBytes);
  if (!first.ok()) return {error_response(503, first.status().message(), version, keep_alive), {}};

  Reply reply;
  reply.response = Response{beast_http::status::ok, version};
  reply.response.set(beast_http::field::content_type, "text/event-stream");
  reply.response.set(beast_http::field::cache_control, "no-cache");
  reply.response.set(beast_http::field::connection, "close");
  reply.response.set("X-Accel-Buffering", "no");
  reply.stream = [this, lines = std::move(*first),
                  work_path = work->path()](const std::shared_ptr<SseSink>& sink) {
    for (size_t i = 0; i < lines.lines.size(); ++i) {
      sink->send(std::make_shared<const std::string>(
          format_sse_event(lines.ends[i], "line", lines.lines[i])));
    }
    if (sink->is_open()) followers_[work_path].push_back(sink);
  };
  return reply;
}

void LogRoutes::on_log_line(const std::string& work_path, std::string_view text,
                            uint64_t end_offset) {
  auto it = followers_.find(work_path);
  if (it == followers_.end()) return;
  const auto event =
      std::make_shared<const std::string>(format_sse_event(end_offset, "line", text));
  auto& sinks = it->second;
  sinks.erase(std::remove_if(sinks.begin(), sinks.end(),
                             [&](const std::weak_ptr<SseSink>& w) {
                               const auto sink = w.lock();
                               return !sink || !sink->send(event);
                             }),
              sinks.end());
  if (sinks.empty()) followers_.erase(it);
}

}  // namespace lightning::http
