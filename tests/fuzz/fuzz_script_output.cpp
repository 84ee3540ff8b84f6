// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: ScriptWork's readers of outside input (components/script/):
// the command's output (any bytes, in chunks of any size) through the
// LineSplitter and the OutputTail, and the same bytes as a call's args (JSON)
// through ScriptCommand::from_args.
//
// Invariants: the splitter hands on every byte but the newlines, in order,
// never a line longer than its cap, and holds at most the cap; the tail holds
// at most its lines and bytes, its text ends with the last line (or its end);
// from_args either throws std::invalid_argument or returns a command with a
// non-empty argv whose to_json() reads back to itself.
#include <stdexcept>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "lightning/components/script.hpp"
#include "output.hpp"

namespace {

using lightning::components::ScriptCommand;
using lightning::components::script::LineSplitter;
using lightning::components::script::OutputTail;

constexpr size_t kCap = 16;

void check_output(std::string_view bytes) {
  // The first byte picks the chunk size, so chunk boundaries fall everywhere.
  const size_t chunk = bytes.empty() ? 1 : 1 + static_cast<unsigned char>(bytes[0]) % 7;
  LineSplitter splitter(kCap);
  OutputTail tail(3, 20);
  std::string joined;
  std::string last;
  auto on_line = [&](std::string_view line) {
    LIGHTNING_FUZZ_CHECK(line.size() <= kCap, "a line of " + std::to_string(line.size()) +
                                                  " bytes passed the cap of 16");
    joined.append(line);
    tail.add_line(line);
    last = std::string(line);
  };
  for (size_t i = 0; i < bytes.size(); i += chunk) {
    splitter.feed(bytes.substr(i, chunk), on_line);
    LIGHTNING_FUZZ_CHECK(splitter.pending() <= kCap, "the splitter holds more than its cap");
  }
  splitter.finish(on_line);
  std::string expected;
  for (char c : bytes) {
    if (c != '\n') expected += c;
  }
  LIGHTNING_FUZZ_CHECK(joined == expected, "the lines do not add up to the input's bytes");
  LIGHTNING_FUZZ_CHECK(tail.lines() <= 3 && tail.bytes() <= 20, "the tail outgrew its bounds");
  const std::string text = tail.text();
  LIGHTNING_FUZZ_CHECK(text.size() == tail.bytes(), "the tail miscounts its bytes");
  const std::string end = last.size() > 20 ? last.substr(last.size() - 20) : last;
  LIGHTNING_FUZZ_CHECK(
      text.size() >= end.size() && text.compare(text.size() - end.size(), end.size(), end) == 0,
      "the tail does not end with the last line");
}

void check_args(std::string_view bytes) {
  const lightning::Json args = lightning::Json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (args.is_discarded()) return;
  ScriptCommand cmd;
  try {
    cmd = ScriptCommand::from_args(args);
  } catch (const std::invalid_argument& e) {
    LIGHTNING_FUZZ_CHECK(
        std::string_view(e.what()).find("ScriptWork: ") == 0,
        std::string("an error that does not say where it comes from: ") + e.what());
    return;
  } catch (const std::exception& e) {
    LIGHTNING_FUZZ_CHECK(false, std::string("threw something other than "
                                            "std::invalid_argument: ") +
                                    e.what());
  }
  LIGHTNING_FUZZ_CHECK(!cmd.argv.empty() && !cmd.argv[0].empty(), "accepted an empty command");
  const lightning::Json again = ScriptCommand::from_args(cmd.to_json()).to_json();
  LIGHTNING_FUZZ_CHECK(again == cmd.to_json(), "to_json() does not read back to itself");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  check_output(bytes);
  check_args(bytes);
  return 0;
}
