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
template <class T>
struct is_vector : std::false_type {};
template <class U, class A>
struct is_vector<std::vector<U, A>> : std::true_type {};
template <class T>
struct is_string_map : std::false_type {};
template <class U, class C, class A>
struct is_string_map<std::map<std::string, U, C, A>> : std::true_type {};
template <class U, class H, class E, class A>
struct is_string_map<std::unordered_map<std::string, U, H, E, A>> : std::true_type {};
template <class T>
struct is_optional : std::false_type {};
template <class U>
struct is_optional<std::optional<U>> : std::true_type {};

/// Throws std::invalid_argument where nlohmann would convert silently or with
/// undefined behaviour: 1.5 or true into an int, 2^32+1 into an int32, and the
/// same for elements of vectors, string-keyed maps and optionals.
template <class T>
void strict_check(const Json& v) {
  if constexpr (std::is_same_v<T, bool>) {
    if (!v.is_boolean()) throw std::invalid_argument("expected a boolean, got " + std::string(v.type_name()));
  } else if constexpr (std::is_integral_v<T>) {
    if (!v.is_number_integer()) throw std::invalid_argument("expected an integer, got " + std::string(v.type_name()));
    const bool fits = v.is_number_unsigned()
                          ? v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())
                          : v.get<int64_t>() >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                                (std::is_unsigned_v<T> ||
                                 v.get<int64_t>() <= static_cast<int64_t>(std::numeric_limits<T>::max()));
    if (!fits) throw std::invalid_argument("integer " + v.dump() + " is out of range");
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!v.is_number()) throw std::invalid_argument("expected a number, got " + std::string(v.type_name()));
  } else if constexpr (is_vector<T>::value) {
    if (!v.is_array()) throw std::invalid_argument("expected an array, got " + std::string(v.type_name()));
    for (const auto& e : v) strict_check<typename T::value_type>(e);
  } else if constexpr (is_string_map<T>::value) {
    if (!v.is_object()) throw std::invalid_argument("expected an object, got " + std::string(v.type_name()));
    for (const auto& e : v) strict_check<typename T::mapped_type>(e);
  } else if constexpr (is_optional<T>::value) {
    if (!v.is_null()) strict_check<typename T::value_type>(v);
  }
}

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
/// does nothing. T is anything nlohmann::json converts to and from (including
/// user types with to_json/from_json). Not thread-safe: use it from the thread
/// that runs the component (Flow::run on the controller, Work::run in the work).
template <class T>
class State final : public StateFieldBase {
 public:
  State(Component* owner, std::string name, T initial = T{})
      : StateFieldBase(owner, std::move(name)), value_(std::move(initial)) {}

  const T& get() const { return value_; }
  operator const T&() const { return value_; }  // NOLINT(google-explicit-constructor)
  const T* operator->() const { return &value_; }

  /// `a = b` between fields copies the value (and records the change).
  State& operator=(const State& other) { return *this = other.get(); }

  State& operator=(T value) {
    if constexpr (detail::is_equality_comparable<T>::value) {
      if (value == value_) return *this;
    }
    value_ = std::move(value);
    report_change(Json(value_));
    return *this;
  }

  /// Mutates the value in place (for containers) and records the change.
  template <class Fn>
  void update(Fn&& fn) {
    std::forward<Fn>(fn)(value_);
    report_change(Json(value_));
  }

  template <class U>
  State& operator+=(const U& d) { return *this = value_ + d; }
  template <class U>
  State& operator-=(const U& d) { return *this = value_ - d; }

  Json to_json() const override { return Json(value_); }
  void check_json(const Json& value) const override {
    detail::strict_check<T>(value);  // nlohmann alone converts 1.5 or true to int silently
    (void)value.get<T>();
  }
  void assign_json(const Json& value) override { value_ = value.get<T>(); }

 private:
  T value_;
};

}  // namespace lightning
