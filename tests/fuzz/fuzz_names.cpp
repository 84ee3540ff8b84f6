// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: lightning::validate_name on arbitrary bytes.
//
// Invariant: it accepts exactly the names matching [A-Za-z_][A-Za-z0-9_]{0,63}
// (ASCII, whatever the locale) and throws std::invalid_argument, with a
// message, for everything else. An accepted name also works as a state field
// name, once per component.
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "lightning/component.hpp"
#include "lightning/state.hpp"

namespace {

bool is_valid_name(std::string_view s) {
  auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (s.empty() || s.size() > 64 || !letter(s[0])) return false;
  for (char c : s) {
    if (!letter(c) && !digit(c)) return false;
  }
  return true;
}

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    }
  }
  return "'" + out + "'";
}

struct Holder : lightning::Component {};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view name(reinterpret_cast<const char*>(data), size);
  const bool valid = is_valid_name(name);
  try {
    lightning::validate_name(name, "State field", "root.fuzz");
  } catch (const std::invalid_argument& e) {
    LIGHTNING_FUZZ_CHECK(!valid, "rejected the valid name " + printable(name) + ": " + e.what());
    LIGHTNING_FUZZ_CHECK(
        std::string_view(e.what()).find("name '") != std::string_view::npos,
        "the error for " + printable(name) + " does not quote the name: " + e.what());
    return 0;
  } catch (const std::exception& e) {
    LIGHTNING_FUZZ_CHECK(false, "threw something other than std::invalid_argument for " +
                                    printable(name) + ": " + e.what());
  }
  LIGHTNING_FUZZ_CHECK(valid, "accepted the invalid name " + printable(name));

  Holder holder;
  lightning::State<int> field(&holder, std::string(name), 1);
  LIGHTNING_FUZZ_CHECK(holder.find_field(name) == &field,
                       "field " + printable(name) + " is not found under its name");
  bool duplicate_rejected = false;
  try {
    lightning::State<int> again(&holder, std::string(name), 2);
  } catch (const std::invalid_argument&) {
    duplicate_rejected = true;
  }
  LIGHTNING_FUZZ_CHECK(duplicate_rejected, "a second field named " + printable(name) +
                                               " in one component was accepted");
  return 0;
}
