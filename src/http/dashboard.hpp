// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>

#include "http/access.hpp"
#include "http/router.hpp"
#include "lightning/flow.hpp"
#include "util/status.hpp"

namespace lightning::http {

/// The dashboard's routes (docs/api.md):
///  - GET /                 the single-page dashboard (index.html; on a loopback
///                          server asked with a loopback Host it carries the token)
///  - GET /dashboard/{file*} its scripts, styles and the npm libraries it uses,
///                          compiled into the library (dashboard_assets.hpp)
///  - GET /api/v1/layout    the root flow's tabs (Flow::configure_layout)
///  - GET /app/static/{flow}/{tab}/{file*}  a flow's static folder
/// Owned by HttpApiService; single-threaded like it (the loop thread): the
/// handlers read the flows directly.
class DashboardRoutes {
 public:
  /// `root` and `access` must outlive this object.
  DashboardRoutes(Flow& root, const AccessPolicy& access) : root_(root), access_(access) {}

  void add_to(Router& router);

  /// Calls every flow's configure_layout() once: a layout that throws, or one
  /// with two tabs of the same name, is a kInvalidArgument that says which flow.
  Status check_layouts() const;

  /// {"tabs": [...]}, the body of GET /api/v1/layout.
  Json layout_json() const;

 private:
  Reply get_index(const Request& request) const;
  Reply get_asset(const Request& request, const std::string& file) const;
  Reply get_static(const Request& request, const PathParams& params) const;

  Flow& root_;
  const AccessPolicy& access_;
};

/// The flow at dotted `path` ("root", "root.child") in the tree under `root`, or nullptr.
Flow* find_flow(Flow& root, const std::string& path);

/// "/app/static/<flow path>/<tab name, percent-encoded>/": where a flow's static
/// folder tab is served.
std::string static_tab_url(const std::string& flow_path, const std::string& tab_name);

}  // namespace lightning::http
