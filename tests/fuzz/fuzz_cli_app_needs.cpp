// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: what lightning-run reads to decide an app's components and
// libtorch (src/cli/app_needs.hpp, library_config.hpp): the app's text through
// scan_includes, and the same bytes as a lightning-run.json through
// parse_library_config and additions_for.
//
// Invariants: every include found is non-empty, holds no newline, and its
// `#include <path>` / `"path"` text is in the input; the config parser returns
// or throws CliError, never anything else; additions_for on a parsed config
// returns or throws CliError, and adds libtorch's flags only when the config
// has libtorch; builtin_candidates on it returns candidates marked built-in, one
// per component of the config, or throws package::PackageError.
#include <string>
#include <string_view>

#include "app_components.hpp"
#include "app_needs.hpp"
#include "errors.hpp"
#include "fuzz_check.hpp"
#include "library_config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  for (const auto& inc : lightning::cli::scan_includes(text)) {
    LIGHTNING_FUZZ_CHECK(!inc.path.empty(), "an empty include path");
    LIGHTNING_FUZZ_CHECK(inc.path.find('\n') == std::string::npos, "a path across lines");
    const std::string shown = inc.angled ? "<" + inc.path + ">" : "\"" + inc.path + "\"";
    LIGHTNING_FUZZ_CHECK(text.find(shown) != std::string::npos,
                         "include " + shown + " is not in the input");
  }
  lightning::cli::LibraryConfig config;
  try {
    config = lightning::cli::parse_library_config(text, "/fuzz/share/lightning/lightning-run.json");
  } catch (const lightning::cli::CliError&) {
    return 0;
  } catch (const std::exception& e) {
    LIGHTNING_FUZZ_CHECK(false, std::string("the config parser threw a non-CliError: ") + e.what());
  }
  // The built-in components' manifest fields (issue 14) as resolver
  // candidates: returned, or a PackageError for a bad version or range text.
  try {
    for (const auto& c : lightning::cli::builtin_candidates(config)) {
      LIGHTNING_FUZZ_CHECK(c.builtin && c.source == "builtin", "a built-in not marked as one");
      LIGHTNING_FUZZ_CHECK(config.components.count(c.name) == 1, "a candidate from nowhere");
    }
  } catch (const lightning::package::PackageError&) {
  } catch (const std::exception& e) {
    LIGHTNING_FUZZ_CHECK(false, std::string("builtin_candidates threw: ") + e.what());
  }
  lightning::cli::AppNeeds needs;
  needs.torch = text.size() % 2 == 0;
  for (const auto& [name, c] : config.components) needs.components.insert(name);
  needs.components.insert("missing");
  try {
    const auto add = lightning::cli::additions_for(needs, config, "app.cpp");
    LIGHTNING_FUZZ_CHECK(!add.torch || config.torch.has_value(), "libtorch added from nowhere");
  } catch (const lightning::cli::CliError&) {
  } catch (const std::exception& e) {
    LIGHTNING_FUZZ_CHECK(false, std::string("additions_for threw a non-CliError: ") + e.what());
  }
  return 0;
}
