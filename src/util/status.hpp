// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The runtime's one error convention (STYLE.md, "Errors"):
//  - Status / Result<T> for anything the environment can cause (a file, a
//    peer, a process, input); never an exception across a loop, RPC or HTTP
//    boundary.
//  - LIGHTNING_CHECK for invariants of our own code: a failed check is a bug,
//    so it logs the message with file and line and aborts.
//  - At the user API, throw once, early, with a message that says how to fix it.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <utility>

namespace lightning {

/// Broad error kinds, named after gRPC's status codes (the ones the runtime
/// uses), so a Status maps onto a gRPC or HTTP status without a table per call
/// site.
enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // bad input from a user, a peer or a file
  kNotFound,           // a file, a work, a process that does not exist
  kAlreadyExists,
  kFailedPrecondition, // the system is not in a state to do this
  kUnavailable,        // a peer or a process that went away; may work if retried
  kDeadlineExceeded,
  kResourceExhausted,  // disk full, too many open files
  kInternal,           // a failure of our own that is not an invariant
};

/// The outcome of an operation that can fail for reasons outside the
/// program: ok, or a code and a message that says what failed and why
/// ("cannot write /run/state.json: No space left on device").
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  /// "<context>: <message>", same code; for adding where a failure happened.
  Status with_context(const std::string& context) const {
    return ok() ? *this : Status(code_, context + ": " + message_);
  }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status ResourceExhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

/// A value or the Status that says why there is none.
///
///   Result<Json> r = parse(text);
///   if (!r.ok()) return r.status();
///   use(*r);
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  Result(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    if (status_.ok()) status_ = Internal("Result built from an ok Status without a value");
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  /// The value; calling these on an error Result is a bug (checked).
  T& value() & { check(); return *value_; }
  const T& value() const& { check(); return *value_; }
  T&& value() && { check(); return std::move(*value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void check() const;
  std::optional<T> value_;
  Status status_;
};

namespace detail {
/// Prints "lightning: check failed at file:line: condition: message" and aborts.
[[noreturn]] inline void check_failed(const char* file, int line, const char* condition,
                                      const std::string& message) {
  std::fprintf(stderr, "lightning: internal error (a bug; please report it): check failed at %s:%d: %s%s%s\n",
               file, line, condition, message.empty() ? "" : ": ", message.c_str());
  std::fflush(stderr);
  std::abort();
}

template <class... Parts>
std::string concat(const Parts&... parts) {
  if constexpr (sizeof...(parts) == 0) {
    return {};
  } else {
    std::ostringstream out;
    (out << ... << parts);
    return out.str();
  }
}
}  // namespace detail

template <class T>
void Result<T>::check() const {
  if (!value_) detail::check_failed(__FILE__, __LINE__, "Result::value() on an error", status_.message());
}

}  // namespace lightning

/// Invariant check: aborts with the condition, file, line and the message
/// parts (streamed, like PyTorch's TORCH_CHECK) when `cond` is false. Only for
/// invariants of our own code, never for what input or the environment can
/// cause (return a Status for those).
///
///   LIGHTNING_CHECK(record != nullptr, "no record for process ", id);
#define LIGHTNING_CHECK(cond, ...)                                                          \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      ::lightning::detail::check_failed(__FILE__, __LINE__, #cond,                          \
                                        ::lightning::detail::concat(__VA_ARGS__));          \
    }                                                                                       \
  } while (false)
