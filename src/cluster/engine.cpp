// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "cluster/engine.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <system_error>
#include <vector>

namespace lightning::cluster {
namespace {

constexpr const char* kWorkerName = "lightning-worker";

bool is_executable_file(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec) && ::access(path.c_str(), X_OK) == 0;
}

std::string absolute(const std::string& path) {
  std::error_code ec;
  auto p = std::filesystem::absolute(path, ec);
  return ec ? path : p.lexically_normal().string();
}

}  // namespace

Result<std::string> find_worker_binary(const std::string& env_value, const std::string& self_exe,
                                       const std::string& path_env) {
  if (!env_value.empty()) {
    if (!is_executable_file(env_value)) {
      return NotFound("LIGHTNING_WORKER_BIN=" + env_value +
                      " is not an executable file; point it at lightning-worker or unset it");
    }
    return absolute(env_value);
  }
  std::vector<std::string> looked;
  if (!self_exe.empty()) {
    const std::string beside =
        (std::filesystem::path(self_exe).parent_path() / kWorkerName).string();
    if (is_executable_file(beside)) return absolute(beside);
    looked.push_back(beside);
  }
  size_t start = 0;
  while (start <= path_env.size()) {
    size_t end = path_env.find(':', start);
    if (end == std::string::npos) end = path_env.size();
    const std::string dir = path_env.substr(start, end - start);
    // An empty PATH entry means the current directory, as execvp reads it.
    const std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + kWorkerName;
    if (is_executable_file(candidate)) return absolute(candidate);
    start = end + 1;
  }
  looked.emplace_back("$PATH");
  std::string where;
  for (const auto& l : looked) where += (where.empty() ? "" : ", ") + l;
  return NotFound(std::string("cannot find ") + kWorkerName + " (looked in " + where +
                  "); build or install it, or set LIGHTNING_WORKER_BIN to its path");
}

Result<std::string> find_worker_binary() {
  const char* env = std::getenv("LIGHTNING_WORKER_BIN");
  const char* path = std::getenv("PATH");
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return find_worker_binary(env != nullptr ? env : "", ec ? std::string() : self.string(),
                            path != nullptr ? path : "");
}

}  // namespace lightning::cluster
