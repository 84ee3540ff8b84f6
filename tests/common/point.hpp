// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// A small user type with ADL to_json/from_json written the ordinary way (no
// checks of its own), for tests of State<T> with user types.
#pragma once

#include "lightning/json.hpp"

namespace lightning::testing {

struct Point {
  int x = 0;
  int y = 0;
  bool operator==(const Point& o) const { return x == o.x && y == o.y; }
};
inline void to_json(Json& j, const Point& p) { j = Json{{"x", p.x}, {"y", p.y}}; }
inline void from_json(const Json& j, Point& p) {
  j.at("x").get_to(p.x);
  j.at("y").get_to(p.y);
}

}  // namespace lightning::testing
