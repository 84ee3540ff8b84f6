// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// ScriptCommand::from_args: a call's args (from a flow, or the HTTP API) are
// checked whole before anything starts; every error names the key.
#include <cstdint>
#include <stdexcept>
#include <string>

#include "lightning/components/script.hpp"

namespace lightning::components {
namespace {

[[noreturn]] void bad(const std::string& what) {
  throw std::invalid_argument("ScriptWork: " + what +
                              " (call args: {\"argv\": [\"prog\", \"arg\", ...] or \"shell\": "
                              "\"command line\", \"env\": {\"NAME\": \"value\"}, \"cwd\": "
                              "\"dir\", \"grace_period_ms\": 2000}; docs/components/script.md)");
}

// A value as the error shows it: at most 80 characters, any bytes.
std::string shown(const Json& v) {
  std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (s.size() > 80) s.replace(77, std::string::npos, "...");
  return s;
}

std::string string_of(const Json& v, const std::string& where) {
  if (!v.is_string()) bad(where + " must be a string, not " + shown(v));
  std::string s = v.get<std::string>();
  if (s.find('\0') != std::string::npos) bad(where + " holds a NUL byte");
  return s;
}

bool is_posix_name(const std::string& name) {
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

ScriptCommand ScriptCommand::from_args(const Json& args, const ScriptCommand& defaults) {
  ScriptCommand cmd = defaults;
  if (!args.is_null() && !args.is_object()) bad("the call's args must be a JSON object");
  if (args.is_object()) {
    if (args.contains("argv") && args.contains("shell"))
      bad("give \"argv\" or \"shell\", not both");
    for (const auto& [key, value] : args.items()) {
      if (key == "argv") {
        if (!value.is_array() || value.empty()) {
          bad("\"argv\" must be a non-empty list of strings, not " + shown(value));
        }
        cmd.argv.clear();
        for (size_t i = 0; i < value.size(); ++i) {
          cmd.argv.push_back(string_of(value[i], "\"argv\"[" + std::to_string(i) + "]"));
        }
        if (cmd.argv[0].empty()) bad("\"argv\"[0] (the program) is empty");
      } else if (key == "shell") {
        cmd.argv = {"/bin/sh", "-c", string_of(value, "\"shell\"")};
      } else if (key == "env") {
        if (!value.is_object()) bad("\"env\" must be an object of strings, not " + shown(value));
        for (const auto& [name, v] : value.items()) {
          if (!is_posix_name(name)) {
            bad("\"env\" name '" + name +
                "' is not a POSIX name (letters, digits and '_', not starting with a digit)");
          }
          cmd.env[name] = string_of(v, "\"env\"[\"" + name + "\"]");
        }
      } else if (key == "cwd") {
        cmd.cwd = string_of(value, "\"cwd\"");
      } else if (key == "grace_period_ms") {
        const auto max_ms = static_cast<uint64_t>(kMaxGracePeriod.count());
        const bool ok = value.is_number_unsigned()
                            ? value.get<uint64_t>() <= max_ms
                            : value.is_number_integer() && value.get<int64_t>() >= 0 &&
                                  static_cast<uint64_t>(value.get<int64_t>()) <= max_ms;
        if (!ok) {
          bad("\"grace_period_ms\" must be an integer from 0 to " + std::to_string(max_ms) +
              ", not " + shown(value));
        }
        cmd.grace_period = std::chrono::milliseconds(value.get<int64_t>());
      } else {
        bad("unknown key \"" + key + "\"");
      }
    }
  }
  if (cmd.argv.empty()) {
    bad("no command: the call's args give no \"argv\" or \"shell\" and the work has no default");
  }
  return cmd;
}

ScriptCommand ScriptCommand::from_args(const Json& args) {
  return from_args(args, ScriptCommand());
}

Json ScriptCommand::to_json() const {
  return Json{
      {"argv", argv}, {"env", env}, {"cwd", cwd}, {"grace_period_ms", grace_period.count()}};
}

}  // namespace lightning::components
