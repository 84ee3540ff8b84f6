// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/dashboard.hpp"

#include <boost/beast/http/field.hpp>
#include <cctype>
#include <cstdio>
#include <set>

#include "http/dashboard_assets.hpp"
#include "http/http_api_service.hpp"
#include "http/static_files.hpp"
#include "lightning/work.hpp"

namespace lightning::http {

namespace beast_http = boost::beast::http;

namespace {

/// The placeholder in dashboard/src/index.html that the token (or nothing) replaces.
constexpr std::string_view kTokenPlaceholder = "__LIGHTNING_TOKEN__";

std::string percent_encode(const std::string& text) {
  std::string out;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || c == '-' || c == '_' || c == '.' || c == '~') {
      out += c;
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", u);
      out += buf;
    }
  }
  return out;
}

Json tab_json(const Flow& flow, const Tab& tab, Flow& root) {
  switch (tab.kind()) {
    case Tab::Kind::kComponent:
      return {{"name", tab.name()}, {"kind", "component"}, {"path", tab.component_path()}};
    case Tab::Kind::kUrl: {
      // The URL the work published (Work::publish_url; its "url" in the state tree).
      Json url = nullptr;
      if (const Work* work = find_work(root, tab.component_path())) {
        if (!work->url().empty()) url = work->url();
      }
      return {{"name", tab.name()}, {"kind", "url"}, {"work", tab.component_path()}, {"url", url}};
    }
    case Tab::Kind::kStaticFolder:
      return {{"name", tab.name()},
              {"kind", "static"},
              {"url", static_tab_url(flow.path(), tab.name())}};
  }
  return nullptr;
}

Status check_layout(const Flow& flow) {
  try {
    std::set<std::string> names;
    for (const Tab& tab : flow.configure_layout()) {
      if (!names.insert(tab.name()).second) {
        return InvalidArgument("the dashboard layout of '" + flow.path() +
                               "' has two tabs named '" + tab.name() +
                               "'; give each tab its own name");
      }
    }
  } catch (const std::exception& e) {
    return InvalidArgument("the dashboard layout of '" + flow.path() + "': " + e.what());
  }
  for (const Flow* child : flow.flows()) {
    Status st = check_layout(*child);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

}  // namespace

Flow* find_flow(Flow& root, const std::string& path) {
  if (root.path() == path) return &root;
  for (Flow* child : root.flows()) {
    const std::string& prefix = child->path();
    if (path == prefix ||
        (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
         path[prefix.size()] == '.')) {
      return find_flow(*child, path);
    }
  }
  return nullptr;
}

std::string static_tab_url(const std::string& flow_path, const std::string& tab_name) {
  return "/app/static/" + flow_path + "/" + percent_encode(tab_name) + "/";
}

void DashboardRoutes::add_to(Router& router) {
  router.add("GET", "/",
             [this](const Request& request, const PathParams&) { return get_index(request); });
  router.add("GET", "/dashboard/{file*}", [this](const Request& request, const PathParams& params) {
    return get_asset(request, params.at("file"));
  });
  router.add("GET", "/api/v1/layout", [this](const Request& request, const PathParams&) -> Reply {
    return {json_response(200, layout_json().dump(-1, ' ', false, Json::error_handler_t::replace),
                          request.version(), request.keep_alive()),
            {}};
  });
  router.add("GET", "/app/static/{flow}/{tab}/{file*}",
             [this](const Request& request, const PathParams& params) {
               return get_static(request, params);
             });
  router.add("GET", "/app/static/{flow}/{tab}", [](const Request& request, const PathParams&) {
    Reply reply{error_response(308, "a static tab's address ends with '/'", request.version(),
                               request.keep_alive()),
                {}};
    std::string target(request.target());
    const size_t query = target.find('?');
    target.insert(query == std::string::npos ? target.size() : query, "/");
    reply.response.set(beast_http::field::location, target);
    return reply;
  });
}

Status DashboardRoutes::check_layouts() const { return check_layout(root_); }

Json DashboardRoutes::layout_json() const {
  Json tabs = Json::array();
  for (const Tab& tab : root_.configure_layout()) tabs.push_back(tab_json(root_, tab, root_));
  return {{"tabs", std::move(tabs)}};
}

Reply DashboardRoutes::get_index(const Request& request) const {
  const EmbeddedFile* index = find_dashboard_file("index.html");
  if (index == nullptr) return {error_response(500, "the dashboard was not built in"), {}};
  std::string page(index->bytes);
  const size_t at = page.find(kTokenPlaceholder);
  if (at != std::string::npos) {
    // Only a page asked over loopback, from a loopback name, carries the token
    // (docs/design/http.md, "The dashboard's token"); elsewhere the page asks for it.
    page.replace(at, kTokenPlaceholder.size(),
                 is_loopback_request(request, access_, current_peer()) ? access_.token : std::string());
  }
  Response res{beast_http::status::ok, request.version()};
  res.set(beast_http::field::content_type, "text/html; charset=utf-8");
  res.set(beast_http::field::cache_control, "no-store");
  res.set("X-Content-Type-Options", "nosniff");
  res.set("X-Frame-Options", "DENY");
  res.set("Content-Security-Policy", "frame-ancestors 'none'");
  res.set("Referrer-Policy", "no-referrer");
  res.body() = std::move(page);
  res.prepare_payload();
  res.keep_alive(request.keep_alive());
  return {std::move(res), {}};
}

Reply DashboardRoutes::get_asset(const Request& request, const std::string& file) const {
  const EmbeddedFile* asset = find_dashboard_file(file);
  if (asset == nullptr || file == "index.html") {
    return {error_response(404, "no dashboard file '" + file + "'", request.version(),
                           request.keep_alive()),
            {}};
  }
  return {file_response(request, file, std::string(asset->bytes), asset->etag), {}};
}

Reply DashboardRoutes::get_static(const Request& request, const PathParams& params) const {
  const std::string& flow_path = params.at("flow");
  const std::string& tab_name = params.at("tab");
  Flow* flow = find_flow(root_, flow_path);
  if (flow != nullptr) {
    for (const Tab& tab : flow->configure_layout()) {
      if (tab.kind() == Tab::Kind::kStaticFolder && tab.name() == tab_name) {
        return {serve_static_file(request, tab.folder(), params.at("file")), {}};
      }
    }
  }
  return {error_response(
              404, "no static folder tab '" + tab_name + "' in the layout of '" + flow_path + "'",
              request.version(), request.keep_alive()),
          {}};
}

}  // namespace lightning::http
