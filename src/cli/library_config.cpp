// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "library_config.hpp"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "errors.hpp"
#include "fs_util.hpp"

#ifndef LIGHTNING_RUN_CONFIG_RELPATH
#define LIGHTNING_RUN_CONFIG_RELPATH "../share/lightning/lightning-run.json"
#endif

namespace lightning::cli {
namespace fs = std::filesystem;

namespace {

// Directories the compiler searches anyway; naming them with -isystem would
// reorder the search and break #include_next in the C++ standard library.
bool is_implicit_include_dir(const std::string& dir) {
  return dir == "/usr/include" || dir == "/usr/local/include";
}

std::vector<std::string> string_list(const nlohmann::json& doc, const char* key,
                                     const std::string& path) {
  std::vector<std::string> out;
  if (!doc.contains(key)) return out;
  const auto& value = doc.at(key);
  if (!value.is_array()) throw CliError(path + ": \"" + key + "\" must be a list of strings");
  for (const auto& item : value) {
    if (!item.is_string()) throw CliError(path + ": \"" + key + "\" must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

std::string resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/') return fs::path(path).lexically_normal().string();
  return canonical_path(base_dir + "/" + path);
}

}  // namespace

std::string find_library_config() {
  std::string from_env = env_or_empty("LIGHTNING_RUN_CONFIG");
  if (!from_env.empty()) return from_env;
  const std::string exe_dir = dir_name(self_exe());
  const std::string installed = exe_dir + "/" + LIGHTNING_RUN_CONFIG_RELPATH;
  if (stamp_of(installed).exists) return canonical_path(installed);
  return canonical_path(exe_dir + "/../share/lightning/lightning-run.json");
}

LibraryConfig parse_library_config(const std::string& text, const std::string& path) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw CliError(path + " is not valid JSON: " + e.what());
  }
  if (!doc.is_object()) throw CliError(path + ": expected a JSON object");

  LibraryConfig config;
  config.config_path = path;
  const std::string base_dir = dir_name(canonical_path(path));
  auto include_dirs = [&](const nlohmann::json& obj, const std::string& where) {
    std::vector<std::string> out;
    for (const auto& dir : string_list(obj, "include_dirs", where)) {
      std::string resolved = resolve(base_dir, dir);
      if (!is_implicit_include_dir(resolved)) out.push_back(resolved);
    }
    return out;
  };
  // A relative path ("../../lib/liblightning_script.a") is relative to the
  // file; flags ("-Wl,...") and plain names ("z", for -lz) stay as they are.
  auto libraries = [&](const nlohmann::json& obj, const std::string& where) {
    std::vector<std::string> out;
    for (auto& lib : string_list(obj, "libraries", where)) {
      const bool relative_path =
          !lib.empty() && lib[0] != '-' && lib[0] != '/' && lib.find('/') != std::string::npos;
      out.push_back(relative_path ? resolve(base_dir, lib) : lib);
    }
    return out;
  };
  try {
    config.version = doc.at("version").get<std::string>();
    config.include_dirs = include_dirs(doc, path);
    for (const auto& dir : string_list(doc, "lib_dirs", path)) {
      config.lib_dirs.push_back(resolve(base_dir, dir));
    }
    config.libraries = string_list(doc, "libraries", path);
    config.library_file = resolve(base_dir, doc.at("library_file").get<std::string>());
    config.compile_flags = string_list(doc, "compile_flags", path);
    config.link_flags = string_list(doc, "link_flags", path);
    config.pch_header = doc.value("pch_header", std::string("lightning/lightning.hpp"));
    if (doc.contains("components")) {
      const auto& components = doc.at("components");
      if (!components.is_object()) throw CliError(path + ": \"components\" must be an object");
      for (const auto& [name, c] : components.items()) {
        const std::string where = path + ": component \"" + name + "\"";
        if (!c.is_object()) throw CliError(where + " must be an object");
        ComponentConfig component;
        component.include_dirs = include_dirs(c, where);
        component.libraries = libraries(c, where);
        component.torch = c.value("torch", false);
        component.version = c.value("version", std::string());
        component.content_sha256 = c.value("content_sha256", std::string());
        if (c.contains("dependencies")) {
          const auto& deps = c.at("dependencies");
          if (!deps.is_object()) throw CliError(where + ": \"dependencies\" must be an object");
          for (const auto& [dep, range] : deps.items()) {
            if (!range.is_string()) {
              throw CliError(where + ": \"dependencies\" must map names to version ranges");
            }
            component.dependencies.emplace(dep, range.get<std::string>());
          }
        }
        config.components.emplace(name, std::move(component));
      }
    }
    if (doc.contains("missing_components")) {
      const auto& missing = doc.at("missing_components");
      if (!missing.is_object()) {
        throw CliError(path + ": \"missing_components\" must be an object of strings");
      }
      for (const auto& [name, why] : missing.items()) {
        config.missing_components.emplace(name, why.get<std::string>());
      }
    }
    if (doc.contains("torch")) {
      const auto& t = doc.at("torch");
      const std::string where = path + ": \"torch\"";
      if (!t.is_object()) throw CliError(where + " must be an object");
      TorchConfig torch;
      torch.version = t.value("version", std::string());
      torch.include_dirs = include_dirs(t, where);
      torch.compile_flags = string_list(t, "compile_flags", where);
      torch.libraries = libraries(t, where);
      torch.pch_header = t.value("pch_header", std::string("torch/torch.h"));
      config.torch = std::move(torch);
    }
  } catch (const nlohmann::json::exception& e) {
    throw CliError(path + ": " + e.what());
  }
  return config;
}

LibraryConfig load_library_config(const std::string& path) {
  const auto text = read_file(path);
  if (!text) {
    throw CliError("cannot read the library config " + path +
                   "; set LIGHTNING_RUN_CONFIG to the lightning-run.json of a Lightning "
                   "build (<build>/share/lightning) or install (<prefix>/share/lightning)");
  }
  LibraryConfig config = parse_library_config(*text, path);
  if (!stamp_of(config.library_file).exists) {
    throw CliError("the Lightning library " + config.library_file + " (named in " + path +
                   ") does not exist; build the 'lightning' target first");
  }
  return config;
}

}  // namespace lightning::cli
