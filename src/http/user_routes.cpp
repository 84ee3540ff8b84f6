// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/user_routes.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <utility>

#include "core/json_io.hpp"
#include "core/runtime.hpp"
#include "http/query.hpp"

namespace lightning::http {

namespace {

/// One request to a user route, waiting for its answer: the Responder's
/// target. Answers once: the handler's answer, or 504 when the route's
/// timeout fires first. Held by the Responder copies and the timer.
class PendingCall final : public Responder::Target,
                          public std::enable_shared_from_this<PendingCall> {
 public:
  PendingCall(boost::asio::io_context& io, std::shared_ptr<ResponseSlot> slot, unsigned version,
              bool keep_alive, std::string label)
      : slot_(std::move(slot)),
        version_(version),
        keep_alive_(keep_alive),
        label_(std::move(label)),
        timer_(io) {}

  bool answer(int status, const Json& body) override {
    if (answered_) return false;
    answered_ = true;
    timer_.cancel();
    const unsigned code = status >= 200 && status <= 599 ? static_cast<unsigned>(status) : 500;
    return slot_->answer(json_response(code, detail::dump_json(body), version_, keep_alive_));
  }

  bool is_pending() const override { return !answered_ && slot_->is_waiting(); }

  /// 504 unless answered within `timeout`.
  void arm(std::chrono::milliseconds timeout) {
    timer_.expires_after(timeout);
    timer_.async_wait([self = shared_from_this(), timeout](boost::system::error_code ec) {
      if (ec || self->answered_) return;
      spdlog::warn("HTTP: {} did not answer within {} ms (its route's timeout): the client got 504",
                   self->label_, timeout.count());
      const std::string message =
          self->label_ + " did not answer within " + std::to_string(timeout.count()) + " ms";
      self->answer(504, Json{{"error", {{"code", 504}, {"message", message}}}});
    });
  }

 private:
  std::shared_ptr<ResponseSlot> slot_;
  unsigned version_;
  bool keep_alive_;
  std::string label_;
  boost::asio::steady_timer timer_;
  bool answered_ = false;
};

void collect(Flow& flow, std::vector<Flow*>* out) {
  out->push_back(&flow);
  for (Flow* child : flow.flows()) collect(*child, out);
}

}  // namespace

UserRoutes::UserRoutes(boost::asio::io_context& io, runtime::StatePublisher& publisher)
    : io_(io), publisher_(publisher) {}

Status UserRoutes::add_to(Router& router, Flow& root) {
  std::vector<Flow*> flows;
  collect(root, &flows);
  const size_t first = entries_.size();
  for (Flow* flow : flows) {
    std::vector<Route> routes;
    try {
      routes = flow->configure_api();
    } catch (const std::exception& e) {
      return InvalidArgument("flow '" + flow->path() + "': configure_api() threw: " + e.what());
    }
    for (Route& route : routes) {
      const std::string label = route.method() + " " + kMountPoint + route.path();
      for (const Entry& e : entries_) {
        if (e.route.method() == route.method() && e.route.path() == route.path()) {
          return InvalidArgument("flows '" + e.flow->path() + "' and '" + flow->path() +
                                 "' both declare " + label + "; give one of them another path");
        }
      }
      entries_.push_back(Entry{flow, std::move(route)});
      served_.push_back(label);
    }
  }
  for (size_t i = first; i < entries_.size(); ++i) {
    router.add(entries_[i].route.method(), kMountPoint + entries_[i].route.path(),
               [this, i](const Request& request, const PathParams&) {
                 return call(entries_[i], request);
               });
  }
  return Status::Ok();
}

Reply UserRoutes::call(const Entry& entry, const Request& request) const {
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  Json input;
  if (entry.route.method() == "GET") {
    auto query = parse_query({request.target().data(), request.target().size()});
    if (!query.ok())
      return {error_response(400, query.status().message(), version, keep_alive), {}};
    input = Json::object();
    for (auto& [name, value] : *query) input[name] = std::move(value);
  } else if (!request.body().empty()) {
    std::string why;
    input = detail::parse_untrusted(request.body(), &why);
    if (input.is_discarded()) {
      return {error_response(400, "the body is not JSON: " + why, version, keep_alive), {}};
    }
  }
  Reply reply;
  reply.deferred = [this, &entry, input = std::move(input), version,
                    keep_alive](const std::shared_ptr<ResponseSlot>& slot) {
    const std::string label =
        "route " + entry.route.method() + " " + kMountPoint + entry.route.path();
    auto pending = std::make_shared<PendingCall>(io_, slot, version, keep_alive, label);
    Responder responder(pending);
    const auto started = std::chrono::steady_clock::now();
    {
      auto batch = publisher_.batch();  // what the handler assigns: one change
      try {
        entry.route.invoker()(*entry.flow, input, responder);
      } catch (const HttpError& e) {
        responder.fail(e.status(), e.what());
      } catch (const std::exception& e) {
        spdlog::warn("HTTP: {} threw: {}", label, e.what());
        responder.fail(500, label + " threw: " + e.what());
      } catch (...) {
        // FlowBlocked (a blocking work.call()) and the like.
        responder.fail(500, label +
                                " ended with a non-standard exception (a blocking work.call()? "
                                "call parallel works, or answer later from a deferred route)");
      }
    }
    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - started);
    if (pending->is_pending()) {
      pending->arm(entry.route.timeout());
    } else if (took > entry.route.timeout()) {
      spdlog::warn(
          "HTTP: {} ran {} ms on the flow loop (its timeout is {} ms); answer later "
          "from a deferred route instead",
          label, took.count(), entry.route.timeout().count());
    }
  };
  return reply;
}

}  // namespace lightning::http
