// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/work.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "core/runtime.hpp"

namespace lightning {
namespace {

std::string ms_text(std::chrono::milliseconds value) {
  return std::to_string(value.count()) + " ms";
}

// Throws unless 0 <= value <= max, naming the option, the value, the range
// and what 0 means.
void check_duration(const char* option, std::chrono::milliseconds value,
                    std::chrono::milliseconds max, const char* max_text, const char* zero_means) {
  if (value.count() >= 0 && value <= max) return;
  throw std::invalid_argument(std::string("WorkOptions::") + option + "(" + ms_text(value) +
                              "): must be >= 0 (" + zero_means + ") and at most " + max_text);
}

bool is_posix_env_name(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return c == '_' || std::isalnum(static_cast<unsigned char>(c));
  });
}

}  // namespace

void WorkOptions::check_retries(const int& value) {
  if (value >= 0 && value <= kMaxRetries) return;
  throw std::invalid_argument("WorkOptions::retries(" + std::to_string(value) +
                              "): must be >= 0 (0 = no automatic retry) and at most " +
                              std::to_string(kMaxRetries) +
                              "; for more, use raise_exception(false) and call the work "
                              "again from the flow");
}

void WorkOptions::check_retry_backoff(const std::chrono::milliseconds& value) {
  check_duration("retry_backoff", value, kMaxRetryBackoff, "5 min", "0 = retry at once");
}

void WorkOptions::check_timeout(const std::chrono::milliseconds& value) {
  check_duration("timeout", value, kMaxTimeout, "365 days", "0 = no timeout");
}

void WorkOptions::check_grace_period(const std::chrono::milliseconds& value) {
  check_duration("grace_period", value, kMaxGracePeriod, "1 hour", "0 = SIGKILL at once");
}

void WorkOptions::check_max_cached_calls(const int& value) {
  if (value >= 1 && value <= kMaxCachedCalls) return;
  throw std::invalid_argument("WorkOptions::max_cached_calls(" + std::to_string(value) +
                              "): must be >= 1 and at most " + std::to_string(kMaxCachedCalls) +
                              "; to cache no succeeded call, use cache_calls(false)");
}

void WorkOptions::check_start_timeout(const std::chrono::milliseconds& value) {
  check_duration("start_timeout", value, kMaxStartTimeout, "1 hour",
                 "0 = the app's --start-timeout, 30 s by default");
}

void WorkOptions::check_env(const EnvMap& value) {
  for (const auto& [name, text] : value) {
    if (!is_posix_env_name(name)) {
      throw std::invalid_argument(
          "WorkOptions::env: '" + name +
          "' is not an environment variable name; use letters, digits and '_', not starting "
          "with a digit (e.g. 'MY_VAR')");
    }
    if (text.find('\0') != std::string::npos) {
      throw std::invalid_argument("WorkOptions::env: the value of '" + name +
                                  "' contains a NUL byte, which an environment variable "
                                  "cannot hold; remove it or encode the value (e.g. base64)");
    }
  }
}

Json WorkOptions::to_json() const {
  return Json{{"parallel", parallel_},
              {"cache_calls", cache_calls_},
              {"retries", retries_},
              {"retry_backoff_ms", retry_backoff_.count()},
              {"timeout_ms", timeout_.count()},
              {"max_cached_calls", max_cached_calls_},
              {"raise_exception", raise_exception_},
              {"grace_period_ms", grace_period_.count()},
              {"start_timeout_ms", start_timeout_.count()},
              {"env", env_},
              {"compute", compute_.to_json()}};
}

WorkOptions WorkOptions::from_json(const Json& j) {
  const std::string at = "WorkOptions::from_json: ";
  if (!j.is_object()) {
    throw std::invalid_argument(at + "expected an object (WorkOptions::to_json()), not " +
                                std::string(j.type_name()));
  }
  WorkOptions o;
  auto want = [&](const std::string& key, bool ok, const char* what) {
    if (!ok) throw std::invalid_argument(at + "\"" + key + "\" must be " + what);
  };
  auto ms = [&](const std::string& key, const Json& value) {
    want(key, value.is_number_integer(), "an integer (milliseconds)");
    return std::chrono::milliseconds(value.get<int64_t>());
  };
  auto integer = [&](const std::string& key, const Json& value) {
    want(key, value.is_number_integer(), "an integer");
    const auto v = value.get<int64_t>();
    // Out of int's range: the setter's own check refuses INT_MAX.
    return static_cast<int>(
        std::clamp<int64_t>(v, std::numeric_limits<int>::min(), std::numeric_limits<int>::max()));
  };
  auto boolean = [&](const std::string& key, const Json& value) {
    want(key, value.is_boolean(), "true or false");
    return value.get<bool>();
  };
  for (const auto& [key, value] : j.items()) {
    try {
      if (key == "parallel") {
        o.parallel(boolean(key, value));
      } else if (key == "cache_calls") {
        o.cache_calls(boolean(key, value));
      } else if (key == "raise_exception") {
        o.raise_exception(boolean(key, value));
      } else if (key == "retries") {
        o.retries(integer(key, value));
      } else if (key == "max_cached_calls") {
        o.max_cached_calls(integer(key, value));
      } else if (key == "retry_backoff_ms") {
        o.retry_backoff(ms(key, value));
      } else if (key == "timeout_ms") {
        o.timeout(ms(key, value));
      } else if (key == "grace_period_ms") {
        o.grace_period(ms(key, value));
      } else if (key == "start_timeout_ms") {
        o.start_timeout(ms(key, value));
      } else if (key == "env") {
        want(key, value.is_object(), "an object of strings");
        EnvMap env;
        for (const auto& [name, v] : value.items()) {
          want(key, v.is_string(), "an object of strings");
          env.emplace(name, v.get<std::string>());
        }
        o.env(std::move(env));
      } else if (key == "compute") {
        o.compute(Compute::from_json(value));
      } else {
        throw std::invalid_argument(at + "unknown option \"" + key.substr(0, 100) + "\"");
      }
    } catch (const std::invalid_argument& e) {
      const std::string what = e.what();
      if (what.rfind(at, 0) == 0) throw;
      throw std::invalid_argument(at + what);
    } catch (const std::exception& e) {  // a number out of int64_t's range
      throw std::invalid_argument(at + "\"" + key + "\": " + e.what());
    }
  }
  return o;
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

void Work::publish_url(const std::string& url) {
  if (const std::string problem = detail::published_url_problem(url); !problem.empty()) {
    throw std::invalid_argument("Work::publish_url on '" + path() + "': " + problem);
  }
  if (runtime_ != nullptr) {
    runtime_->publish_url(*this, url);  // stores it, and tells whoever must know
  } else {
    url_ = url;
  }
}

Json Work::snapshot() const {
  return Json{{"type", type_name_},
              {"vars", fields_json()},
              {"status", status_.to_json()},
              {"url", url_.empty() ? Json(nullptr) : Json(url_)}};
}

namespace detail {

std::string published_url_problem(std::string_view url) {
  if (url.size() > Work::kMaxUrlLength) {
    return "the URL has " + std::to_string(url.size()) + " characters; at most " +
           std::to_string(Work::kMaxUrlLength) + " are allowed";
  }
  const size_t scheme = url.rfind("https://", 0) == 0 ? 8 : url.rfind("http://", 0) == 0 ? 7 : 0;
  if (scheme == 0 || url.size() == scheme) {
    return "'" + std::string(url.substr(0, 100)) +
           "' is not an absolute http:// or https:// URL (e.g. \"http://127.0.0.1:8000\")";
  }
  for (const char c : url) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return "the URL holds a space or a control character; percent-encode it";
    }
  }
  return "";
}

}  // namespace detail

}  // namespace lightning
