// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: arbitrary text applied as an RFC 6902 patch to a work's state
// fields, as the controller applies a work's StateDelta and a work applies the
// controller's deltas; when the text is a JSON object, also as a Welcome's
// state (one replace op per known field, as src/worker/work_process.cpp does).
//
// Invariants (detail::apply_patch's contract):
//  - rejected: no field changed, no field reported changed, and an error says why;
//  - accepted: every field still serializes and takes its own value back; a
//    field not reported changed kept its value; a changed field holds exactly
//    what RFC 6902 makes of the old state (no value silently converted, e.g.
//    1.5 or true into an int); and RFC 6902 itself accepts the patch.
#include <map>
#include <string>
#include <vector>

#include "core/patch.hpp"
#include "fuzz_check.hpp"
#include "lightning/json.hpp"
#include "lightning/state.hpp"
#include "lightning/work.hpp"

namespace {

using lightning::Json;
using lightning::State;
using lightning::StateFieldBase;

/// A user type with to_json/from_json; from_json is strict (exactly these keys).
struct Point {
  int x = 0;
  std::string label;
  std::vector<double> history;
};

void to_json(Json& j, const Point& p) {
  j = Json{{"x", p.x}, {"label", p.label}, {"history", p.history}};
}

void from_json(const Json& j, Point& p) {
  if (!j.is_object() || j.size() != 3) {
    throw std::invalid_argument("a Point is an object with exactly x, label and history");
  }
  j.at("x").get_to(p.x);
  j.at("label").get_to(p.label);
  j.at("history").get_to(p.history);
}

struct PatchedWork : lightning::Work {
  State<int> count{this, "count", 7};
  State<bool> enabled{this, "enabled", true};
  State<double> rate{this, "rate", 0.25};
  State<std::string> text{this, "text", "hello"};
  State<std::vector<int>> values{this, "values", {1, 2, 3}};
  State<std::map<std::string, double>> weights{this, "weights", {{"a", 0.5}, {"b/c", 2}}};
  State<Point> point{this, "point", Point{1, "origin", {0.5}}};
  State<Json> extra{this, "extra", Json{{"k", {1, 2}}, {"s", "x"}}};
  void run(const Json&) override {}
};

bool contains(const std::vector<StateFieldBase*>& fields, const StateFieldBase* f) {
  for (const auto* c : fields) {
    if (c == f) return true;
  }
  return false;
}

void check_patch(const std::string& text) {
  PatchedWork work;
  const Json before = work.fields_json();
  const lightning::detail::PatchResult result = lightning::detail::apply_patch_text(work, text);
  const Json after = work.fields_json();

  if (!result.ok) {
    LIGHTNING_FUZZ_CHECK(!result.error.empty(), "a rejected patch must say why");
    LIGHTNING_FUZZ_CHECK(result.changed.empty(), "a rejected patch reported changed fields");
    LIGHTNING_FUZZ_CHECK(after == before, "a rejected patch (" + result.error +
                                              ") changed the state: " + before.dump() + " -> " +
                                              after.dump());
    return;
  }

  LIGHTNING_FUZZ_CHECK(result.error.empty(), "an accepted patch has an error: " + result.error);
  const Json patch = Json::parse(text);  // apply_patch_text parsed it
  Json expected = before;
  try {
    expected.patch_inplace(patch);
  } catch (const std::exception& e) {
    LIGHTNING_FUZZ_CHECK(false, std::string("accepted a patch that RFC 6902 rejects: ") + e.what());
  }
  LIGHTNING_FUZZ_CHECK(expected.is_object() && expected.size() == before.size(),
                       "accepted a patch that removes or adds a state field: " + expected.dump());
  for (StateFieldBase* f : work.fields()) {
    const std::string& name = f->name();
    const Json now = f->to_json();
    try {
      f->check_json(now);
    } catch (const std::exception& e) {
      LIGHTNING_FUZZ_CHECK(false, "field '" + name + "' cannot take back its own value " +
                                      now.dump() + ": " + e.what());
    }
    if (contains(result.changed, f)) {
      LIGHTNING_FUZZ_CHECK(expected.contains(name) && now == expected[name],
                           "field '" + name + "' holds " + now.dump() + " but the patch made it " +
                               expected.value(name, Json()).dump());
    } else {
      LIGHTNING_FUZZ_CHECK(now == before[name], "field '" + name +
                                                    "' changed without being reported: " +
                                                    before[name].dump() + " -> " + now.dump());
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  check_patch(text);

  // A Welcome's state_json: replace ops for the fields the work knows.
  const Json state = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (state.is_object()) {
    PatchedWork names;
    Json ops = Json::array();
    for (const auto& [key, value] : state.items()) {
      if (names.find_field(key) != nullptr)
        ops.push_back(lightning::detail::replace_op(key, value));
    }
    check_patch(ops.dump());
  }
  return 0;
}
