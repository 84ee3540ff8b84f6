// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>
#include <type_traits>
#include <utility>

#include "lightning/component.hpp"

namespace lightning {

namespace detail {
template <class T, class = void>
struct is_equality_comparable : std::false_type {};
template <class T>
struct is_equality_comparable<T, std::void_t<decltype(std::declval<const T&>() == std::declval<const T&>())>>
    : std::true_type {};
}  // namespace detail

/// A named, synchronised state field of a Flow or Work.
///
///   struct Counter : lightning::Work {
///     lightning::State<int> count{this, "count", 0};
///     void run(const lightning::Json&) override { count = count + 1; }
///   };
///
/// Assigning a different value records a change that travels to the other side
/// (work -> flow, or flow -> work) as a JSON Patch op; assigning an equal value
/// does nothing. T is anything lightning::Json converts to and from (including
/// user types with to_json/from_json written against lightning::Json). An
/// incoming value that does not fit T (1.5 or 1e51 into an int, also inside a
/// vector or a user type) is refused whole with lightning::Json's error. Not
/// thread-safe: use it from the thread that runs the component (Flow::run on
/// the controller, Work::run in the work).
///
/// A field declared External::kWritable can also be changed from outside the
/// app, over the HTTP API (`POST /api/v1/state`, docs/api.md): the change is
/// applied on the controller's loop between two runs of the flow, which then
/// runs. In a Work, the controller sends it on to the work's process as it
/// does a change the flow makes (the last writer wins).
///
///   lightning::State<double> lr{this, "lr", 1e-3, lightning::External::kWritable};
template <class T>
class State final : public StateFieldBase {
 public:
  State(Component* owner, std::string name, T initial = T{},
        External external = External::kReadOnly)
      : StateFieldBase(owner, std::move(name), external), value_(std::move(initial)) {}

  const T& get() const { return value_; }
  operator const T&() const { return value_; }  // NOLINT(google-explicit-constructor)
  const T* operator->() const { return &value_; }

  /// `a = b` between fields copies the value (and records the change).
  State& operator=(const State& other) { return *this = other.get(); }

  State& operator=(T value) {
    if constexpr (detail::is_equality_comparable<T>::value) {
      if (value == value_) return *this;
    }
    Json j(value);
    check_size(j);
    value_ = std::move(value);
    report_change(std::move(j));
    return *this;
  }

  /// Mutates the value in place (for containers) and records the change.
  /// A value grown past max_state_field_bytes() throws std::length_error and
  /// is not sent (this process keeps the mutated value).
  template <class Fn>
  void update(Fn&& fn) {
    std::forward<Fn>(fn)(value_);
    Json j(value_);
    check_size(j);
    report_change(std::move(j));
  }

  template <class U>
  State& operator+=(const U& d) { return *this = value_ + d; }
  template <class U>
  State& operator-=(const U& d) { return *this = value_ - d; }

  Json to_json() const override { return Json(value_); }
  void check_json(const Json& value) const override {
    (void)value.get<T>();  // lightning::Json range-checks numbers at every depth
  }
  void assign_json(const Json& value) override { value_ = value.get<T>(); }

 private:
  T value_;
};

}  // namespace lightning
