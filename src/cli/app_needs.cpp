// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "app_needs.hpp"

#include <filesystem>
#include <sstream>

#include "errors.hpp"
#include "fs_util.hpp"

namespace lightning::cli {
namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxScannedFiles = 64;
constexpr const char* kComponentPrefix = "lightning/components/";

bool is_torch_header(const std::string& path) {
  return starts_with(path, "torch/") || starts_with(path, "ATen/") || starts_with(path, "c10/");
}

/// Headers of a built-in component whose name is not the component's:
/// lightning/components/<header>.hpp belongs to <component>.
struct OwnedHeader {
  const char* header;
  const char* component;
};
constexpr OwnedHeader kOwnedHeaders[] = {
    {"serve_protocol", "serve"},     // components/serve/include/lightning/components/
    {"load_balancer", "autoscale"},  // components/autoscale/include/lightning/components/
    {"distributed", "multinode"},    // components/multinode/include/lightning/components/
};

/// "train" for lightning/components/train.hpp or lightning/components/train/x.hpp
/// ("serve" for serve_protocol.hpp: kOwnedHeaders); "" otherwise.
std::string component_of(const std::string& path) {
  if (!starts_with(path, kComponentPrefix)) return "";
  const std::string rest = path.substr(std::string(kComponentPrefix).size());
  const std::size_t end = rest.find_first_of("/.");
  std::string name = rest.substr(0, end);
  for (const OwnedHeader& owned : kOwnedHeaders) {
    if (name == owned.header) return owned.component;
  }
  return name;
}

std::string shown(const IncludeLine& inc) {
  return inc.angled ? "#include <" + inc.path + ">" : "#include \"" + inc.path + "\"";
}

}  // namespace

std::vector<IncludeLine> scan_includes(const std::string& text) {
  std::vector<IncludeLine> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::size_t i = line.find_first_not_of(" \t");
    if (i == std::string::npos || line[i] != '#') continue;
    i = line.find_first_not_of(" \t", i + 1);
    if (i == std::string::npos || line.compare(i, 7, "include") != 0) continue;
    i = line.find_first_not_of(" \t", i + 7);
    if (i == std::string::npos || (line[i] != '<' && line[i] != '"')) continue;
    const char close = line[i] == '<' ? '>' : '"';
    const std::size_t end = line.find(close, i + 1);
    if (end == std::string::npos || end == i + 1) continue;
    out.push_back({line.substr(i + 1, end - i - 1), close == '>'});
  }
  return out;
}

AppNeeds scan_app_needs(const std::string& source, const std::string& content) {
  AppNeeds needs;
  std::set<std::string> seen{source};
  std::vector<std::pair<std::string, std::string>> queue{{source, content}};
  while (!queue.empty()) {
    auto [file, text] = std::move(queue.back());
    queue.pop_back();
    const std::string dir = fs::path(file).parent_path().string();
    const std::string name = fs::path(file).filename().string();
    for (auto& use : package::scan_use_lines(text, name)) needs.uses.push_back(std::move(use));
    for (const auto& inc : scan_includes(text)) {
      const std::string component = component_of(inc.path);
      if (!component.empty()) {
        if (needs.components.insert(component).second) {
          needs.reasons.emplace_back(component, name + ": " + shown(inc));
        }
      } else if (is_torch_header(inc.path)) {
        if (!needs.torch) needs.reasons.emplace_back("torch", name + ": " + shown(inc));
        needs.torch = true;
        if (file == source && inc.path == "torch/torch.h") needs.torch_h_directly = true;
      } else if (!inc.angled && seen.size() < kMaxScannedFiles) {
        const std::string path = fs::path(dir + "/" + inc.path).lexically_normal().string();
        if (seen.count(path) != 0) continue;
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) continue;
        if (auto header = read_file(path)) {
          seen.insert(path);
          queue.emplace_back(path, std::move(*header));
        }
      }
    }
  }
  return needs;
}

BuildAdditions additions_for(const AppNeeds& needs, const LibraryConfig& library,
                             const std::string& app) {
  auto reason_for = [&](const std::string& what) {
    for (const auto& [name, reason] : needs.reasons) {
      if (name == what) return reason;
    }
    return app;
  };
  BuildAdditions add;
  bool torch = needs.torch;
  for (const auto& name : needs.components) {
    auto it = library.components.find(name);
    if (it == library.components.end()) {
      auto missing = library.missing_components.find(name);
      if (missing != library.missing_components.end()) {
        throw CliError(reason_for(name) + ": component '" + name +
                       "' is not in this build: " + missing->second);
      }
      std::string built;
      for (const auto& [n, c] : library.components) built += (built.empty() ? "" : ", ") + n;
      throw CliError(reason_for(name) + ": there is no component '" + name +
                     "' in this build (components built: " + (built.empty() ? "none" : built) +
                     "; from " + library.config_path + ")");
    }
    const ComponentConfig& c = it->second;
    add.include_dirs.insert(add.include_dirs.end(), c.include_dirs.begin(), c.include_dirs.end());
    add.header_dirs.insert(add.header_dirs.end(), c.include_dirs.begin(), c.include_dirs.end());
    add.libraries_before.insert(add.libraries_before.end(), c.libraries.begin(), c.libraries.end());
    for (const auto& lib : c.libraries) {
      if (!lib.empty() && lib[0] == '/') add.stamped_files.push_back(lib);
    }
    torch = torch || c.torch;
  }
  if (torch) {
    if (!library.torch) {
      throw CliError(reason_for("torch") +
                     ": the app needs libtorch, and this Lightning build has none (" +
                     library.config_path +
                     "); install it (apt install libtorch-dev) and configure and build "
                     "Lightning again");
    }
    const TorchConfig& t = *library.torch;
    add.torch = true;
    add.include_dirs.insert(add.include_dirs.end(), t.include_dirs.begin(), t.include_dirs.end());
    add.compile_flags = t.compile_flags;
    add.libraries_after = t.libraries;
    std::set<std::string> rpaths;
    for (const auto& lib : t.libraries) {
      // "/x/libtorch.so" or "-Wl,--no-as-needed,/x/libtorch_cpu.so": the file's stamp
      // (a libtorch upgrade rebuilds), and an rpath where it is not in a system dir.
      const std::size_t slash = lib.find('/');
      if (slash == std::string::npos || (lib[0] != '/' && lib[slash - 1] != ',')) continue;
      const std::string file = lib.substr(slash);
      add.stamped_files.push_back(file);
      const std::string dir = fs::path(file).parent_path().string();
      if (!starts_with(dir, "/usr/lib") && !starts_with(dir, "/lib") && rpaths.insert(dir).second) {
        add.libraries_after.push_back("-Wl,-rpath," + dir);
      }
    }
  }
  return add;
}

}  // namespace lightning::cli
