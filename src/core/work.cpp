// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/work.hpp"

#include <stdexcept>

#include "core/runtime.hpp"

namespace lightning {

Json WorkOptions::to_json() const {
  return Json{{"parallel", parallel_},
              {"cache_calls", cache_calls_},
              {"retries", retries_},
              {"retry_backoff_ms", retry_backoff_.count()},
              {"timeout_ms", timeout_.count()},
              {"raise_exception", raise_exception_},
              {"grace_period_ms", grace_period_.count()},
              {"env", env_}};
}

WorkStatus Work::call(Json args) {
  if (runtime_ == nullptr) {
    throw std::logic_error("Work::call on '" + path() +
                           "': the work is not part of a running app; call it from a Flow's run()");
  }
  if (args.is_null()) args = Json::object();
  return runtime_->call_work(*this, std::move(args));
}

void Work::stop() {
  if (runtime_ == nullptr) return;
  runtime_->stop_work(*this);
}

Json Work::snapshot() const {
  return Json{{"type", type_name_}, {"vars", fields_json()}, {"status", status_.to_json()}};
}

}  // namespace lightning
