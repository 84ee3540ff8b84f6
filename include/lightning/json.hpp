// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace lightning {

template <class T, class SFINAE = void>
struct JsonSerializer;

/// The JSON value type of work arguments, state fields and payloads.
///
/// It is nlohmann::basic_json with one difference: numbers are converted with
/// range checks (JsonSerializer). `get<int>()` of 1e51, of 2^32 + 1, of -1
/// into an unsigned, of 1.5 or of any floating-point value into an integer
/// throws `Json::out_of_range` (id 406) or `Json::type_error` (id 302) instead
/// of converting with undefined behaviour (nlohmann's plain `nlohmann::json`
/// does a `static_cast`). The check reaches every depth: vectors, maps,
/// optionals and user types whose `from_json` is written against
/// `lightning::Json` (or as a template over the json type, as nlohmann's
/// NLOHMANN_DEFINE_TYPE_* macros are):
///
///   struct Point { int x = 0; };
///   void to_json(lightning::Json& j, const Point& p) { j = {{"x", p.x}}; }
///   void from_json(const lightning::Json& j, Point& p) { j.at("x").get_to(p.x); }
///
/// A `from_json` written against `nlohmann::json` still compiles (nlohmann
/// converts between its json types) but converts unchecked: write it against
/// `lightning::Json`.
using Json = nlohmann::basic_json<std::map, std::vector, std::string, bool, std::int64_t,
                                  std::uint64_t, double, std::allocator, JsonSerializer>;

/// Every type but the arithmetic ones: nlohmann's own conversion (which finds
/// the user's to_json/from_json by argument-dependent lookup).
template <class T, class SFINAE>
struct JsonSerializer {
  template <class BasicJson, class U = T>
  static auto from_json(BasicJson&& j, U& value) noexcept(noexcept(
      nlohmann::adl_serializer<T>::from_json(std::forward<BasicJson>(j), value)))
      -> decltype(nlohmann::adl_serializer<T>::from_json(std::forward<BasicJson>(j), value),
                  void()) {
    nlohmann::adl_serializer<T>::from_json(std::forward<BasicJson>(j), value);
  }

  template <class BasicJson>
  static auto from_json(BasicJson&& j) noexcept(
      noexcept(nlohmann::adl_serializer<T>::from_json(std::forward<BasicJson>(j))))
      -> decltype(nlohmann::adl_serializer<T>::from_json(std::forward<BasicJson>(j))) {
    return nlohmann::adl_serializer<T>::from_json(std::forward<BasicJson>(j));
  }

  template <class BasicJson, class U = T>
  static auto to_json(BasicJson& j, U&& value) noexcept(
      noexcept(nlohmann::adl_serializer<T>::to_json(j, std::forward<U>(value))))
      -> decltype(nlohmann::adl_serializer<T>::to_json(j, std::forward<U>(value)), void()) {
    nlohmann::adl_serializer<T>::to_json(j, std::forward<U>(value));
  }
};

/// Integers and floating-point numbers (not bool): converted only when the
/// value is representable in T.
///  - Into an integer T: the JSON value must be an integer (a JSON number with
///    a fraction or an exponent, NaN and infinities are refused with
///    type_error 302) within [min(T), max(T)] (else out_of_range 406).
///  - Into a floating-point T: any JSON number; a finite value beyond T's
///    largest finite value (1e300 into a float) is refused with out_of_range
///    406. NaN and infinities pass through (they are representable).
///  - Anything that is not a number: type_error 302, as nlohmann does.
template <class T>
struct JsonSerializer<T, std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>>> {
  template <class BasicJson>
  static void from_json(const BasicJson& j, T& value) {
    if constexpr (std::is_integral_v<T>) {
      if (j.is_number_unsigned()) {
        const auto u = j.template get_ref<const typename BasicJson::number_unsigned_t&>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<T>::max())) out_of_range(j);
        value = static_cast<T>(u);
      } else if (j.is_number_integer()) {
        const auto i = j.template get_ref<const typename BasicJson::number_integer_t&>();
        if constexpr (std::is_unsigned_v<T>) {
          if (i < 0 || static_cast<std::uint64_t>(i) > std::numeric_limits<T>::max()) {
            out_of_range(j);
          }
        } else {
          if (i < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
              i > static_cast<std::int64_t>(std::numeric_limits<T>::max())) {
            out_of_range(j);
          }
        }
        value = static_cast<T>(i);
      } else {
        throw BasicJson::type_error::create(
            302,
            std::string("type must be an integer, but is ") +
                (j.is_number_float() ? "a number with a fraction or an exponent (" + j.dump() + ")"
                                     : std::string(j.type_name())),
            &j);
      }
    } else {
      if (j.is_number_unsigned()) {
        value = static_cast<T>(j.template get_ref<const typename BasicJson::number_unsigned_t&>());
      } else if (j.is_number_integer()) {
        value = static_cast<T>(j.template get_ref<const typename BasicJson::number_integer_t&>());
      } else if (j.is_number_float()) {
        const auto d = j.template get_ref<const typename BasicJson::number_float_t&>();
        if (std::isfinite(d) && (d > static_cast<double>(std::numeric_limits<T>::max()) ||
                                 d < static_cast<double>(std::numeric_limits<T>::lowest()))) {
          out_of_range(j);
        }
        value = static_cast<T>(d);
      } else {
        throw BasicJson::type_error::create(
            302, std::string("type must be number, but is ") + j.type_name(), &j);
      }
    }
  }

  template <class BasicJson>
  static void to_json(BasicJson& j, T value) noexcept {
    nlohmann::adl_serializer<T>::to_json(j, value);
  }

 private:
  template <class BasicJson>
  [[noreturn]] static void out_of_range(const BasicJson& j) {
    std::string range;
    if constexpr (std::is_integral_v<T>) {
      range = std::to_string(+std::numeric_limits<T>::min()) + ".." +
              std::to_string(+std::numeric_limits<T>::max());
    } else {
      range = "finite values within +-" + BasicJson(std::numeric_limits<T>::max()).dump();
    }
    throw BasicJson::out_of_range::create(
        406,
        "number " + j.dump() + " is out of range for a " + std::to_string(sizeof(T) * 8) + "-bit " +
            (std::is_integral_v<T> ? (std::is_signed_v<T> ? "signed integer" : "unsigned integer")
                                   : "floating-point number") +
            " (accepted: " + range + ")",
        &j);
  }
};

}  // namespace lightning
