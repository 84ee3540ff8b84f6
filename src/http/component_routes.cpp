// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/component_routes.hpp"

#include <limits.h>
#include <unistd.h>

#include <filesystem>

namespace lightning::http {

namespace {

std::string host_name() {
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "localhost";
  return name;
}

Json unix_seconds(const std::optional<int64_t>& us) {
  return us ? Json(static_cast<double>(*us) / 1e6) : Json(nullptr);
}

}  // namespace

ComponentRoutes::ComponentRoutes(runtime::Controller& controller,
                                 const runtime::WorkActivity& activity)
    : controller_(controller), activity_(activity), host_(host_name()) {
  std::error_code ec;
  const auto dir = std::filesystem::absolute(controller.logs().dir(), ec);
  logs_dir_ = ec ? controller.logs().dir() : dir.lexically_normal().string();
}

void ComponentRoutes::add_to(Router& router) {
  router.add("GET", "/api/v1/components", [this](const Request& request, const PathParams&) {
    return Reply{
        json_response(200, components().dump(-1, ' ', false, Json::error_handler_t::replace),
                      request.version(), request.keep_alive()),
        {}};
  });
}

Json ComponentRoutes::components() const {
  return {{"version", controller_.state_version()}, {"root", flow_node(controller_.root())}};
}

Json ComponentRoutes::flow_node(const Flow& flow) const {
  Json flows = Json::array();
  for (const Flow* f : flow.flows()) flows.push_back(flow_node(*f));
  Json works = Json::array();
  for (const Work* w : flow.works()) works.push_back(work_node(*w));
  return {{"path", flow.path()},
          {"name", flow.name()},
          {"kind", "flow"},
          {"flows", std::move(flows)},
          {"works", std::move(works)}};
}

Json ComponentRoutes::work_node(const Work& work) const {
  const WorkStatus& status = work.status();
  const runtime::WorkActivity::Facts* facts = activity_.find(work);
  const std::optional<double> duration = activity_.duration_s(work);
  Json node = {{"path", work.path()},
               {"name", work.name()},
               {"kind", "work"},
               {"type", work.type_name()},
               {"status", to_string(status.stage)},
               {"reason", status.reason},
               {"message", status.message},
               {"call_id", status.call_id},
               {"attempt", status.attempt},
               {"started_at", facts ? unix_seconds(facts->started_us) : Json(nullptr)},
               {"ended_at", facts ? unix_seconds(facts->ended_us) : Json(nullptr)},
               {"duration_s", duration ? Json(*duration) : Json(nullptr)},
               {"pid", facts && facts->pid > 0 ? Json(facts->pid) : Json(nullptr)},
               {"alive", facts != nullptr && facts->alive},
               {"host", host_},
               {"log_path", logs_dir_ + "/" + work.path() + ".log"},
               {"url", work.url().empty() ? Json(nullptr) : Json(work.url())},
               {"compute", work.options().compute().to_json()},
               {"worker", nullptr},
               {"gpus", Json::array()}};
  if (placement_) {
    const Json placed = placement_(work.path());
    if (placed.is_object()) {
      node["worker"] = placed.at("worker");
      node["host"] = placed.at("hostname");
      node["gpus"] = placed.at("gpus");
    }
  }
  return node;
}

}  // namespace lightning::http
