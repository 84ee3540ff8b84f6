// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: what the component store reads from users and files
// (src/cli/component_store.hpp, component_build.hpp): the bytes as a
// `lightning install component SOURCE[@REV]` argument through
// SourceSpec::parse, and as a link.json through parse_component_build.
//
// Invariants: parse returns or throws CliError, never anything else; a
// parsed source is non-empty; its REV is empty or has no blank and does not
// start with '-'; a git source's text (plus "@REV") is in the input; a
// directory source is absolute. parse_component_build returns or throws
// CliError, and what it returns serializes and parses back to the same.
#include <string>

#include "component_build.hpp"
#include "component_store.hpp"
#include "errors.hpp"
#include "fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const lightning::cli::SourceSpec spec = lightning::cli::SourceSpec::parse(text);
    LIGHTNING_FUZZ_CHECK(!spec.source.empty(), "an empty source");
    LIGHTNING_FUZZ_CHECK(spec.rev.empty() || (spec.rev[0] != '-' &&
                                              spec.rev.find_first_of(" \t\n") == std::string::npos),
                         "a bad revision passed: " + spec.rev);
    if (spec.git && spec.source[0] != '/') {
      LIGHTNING_FUZZ_CHECK(text.find(spec.source) != std::string::npos,
                           "the source is not in the input: " + spec.source);
      if (!spec.rev.empty()) {
        LIGHTNING_FUZZ_CHECK(text.find(spec.source + "@" + spec.rev) != std::string::npos,
                             "source@rev is not in the input");
      }
    }
    if (!spec.git) LIGHTNING_FUZZ_CHECK(spec.source[0] == '/', "a relative directory source");
  } catch (const lightning::cli::CliError&) {
  } catch (const std::exception& e) {
    LIGHTNING_FUZZ_CHECK(false, std::string("SourceSpec::parse threw a non-CliError: ") + e.what());
  }
  try {
    const auto build = lightning::cli::parse_component_build(text, "link.json");
    const auto back =
        lightning::cli::parse_component_build(lightning::cli::component_build_json(build), "again");
    LIGHTNING_FUZZ_CHECK(
        back.libraries == build.libraries && back.include_dirs == build.include_dirs &&
            back.compile_flags == build.compile_flags && back.stamped_files == build.stamped_files,
        "link.json does not round-trip");
  } catch (const lightning::cli::CliError&) {
  } catch (const std::exception& e) {
    LIGHTNING_FUZZ_CHECK(false,
                         std::string("parse_component_build threw a non-CliError: ") + e.what());
  }
  return 0;
}
