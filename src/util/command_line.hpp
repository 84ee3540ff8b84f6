// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What the project's two command lines (an app's, lightning-run's) share on top
// of CLI11: the "--" that hands the rest to the app, values that start with
// '-', and the wording of the errors users see most. Header-only, so
// lightning-run (which links no project library) uses it too.
#pragma once

#include <CLI/CLI.hpp>
#include <algorithm>
#include <string>
#include <vector>

namespace lightning::util {

/// argv cut at the first "--": what CLI11 parses, and what goes to the app.
struct SplitCommandLine {
  /// argv[1..] before the "--", reversed, as CLI::App::parse(std::vector&&) takes them.
  std::vector<std::string> own_args_reversed;
  bool has_double_dash = false;
  std::vector<std::string> after_double_dash;
  /// Value options given an empty value ("--opt=" or "--opt ''"), left out of
  /// own_args_reversed: CLI11 would take the next argument as their value.
  std::vector<std::string> given_empty;
};

/// Splits argv at the first "--". CLI11 (2.1) reads a next argument that starts
/// with '-' as a flag, never as a value ("--cxxflags -O0" fails), so each of
/// `value_options` followed by an argument is passed on as "--option=value",
/// which CLI11 takes whatever the value looks like. An empty value goes to
/// `given_empty` instead.
inline SplitCommandLine split_command_line(int argc, const char* const* argv,
                                           const std::vector<std::string>& value_options) {
  SplitCommandLine split;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") {
      split.has_double_dash = true;
      split.after_double_dash.assign(argv + i + 1, argv + argc);
      break;
    }
    const auto eq = arg.find('=');
    const std::string name = arg.substr(0, eq);
    const bool takes_value =
        std::find(value_options.begin(), value_options.end(), name) != value_options.end();
    if (takes_value && eq == std::string::npos && i + 1 < argc) {
      const std::string value = argv[++i];
      if (value.empty()) {
        split.given_empty.push_back(name);
      } else {
        split.own_args_reversed.push_back(arg + "=" + value);
      }
    } else if (takes_value && eq == arg.size() - 1) {
      split.given_empty.push_back(name);
    } else {
      split.own_args_reversed.push_back(arg);
    }
  }
  std::reverse(split.own_args_reversed.begin(), split.own_args_reversed.end());
  return split;
}

/// A CLI11 parse error in the words the project's messages use: a flag given
/// without its value says "--run-dir needs a value"; others keep CLI11's text.
inline std::string describe_parse_error(const CLI::ParseError& error) {
  std::string what = error.what();
  if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr && what.rfind('-', 0) == 0) {
    // CLI11 words it "--run-dir: 1 required TEXT missing".
    const auto colon = what.find(':');
    if (colon != std::string::npos) return what.substr(0, colon) + " needs a value";
  }
  return what;
}

}  // namespace lightning::util
