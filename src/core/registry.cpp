// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/registry.hpp"

#include <cxxabi.h>

#include <cstdio>
#include <cstdlib>
#include <map>

#include "lightning/work.hpp"

namespace lightning::detail {
namespace {
std::map<std::string, WorkFactory>& registry() {
  static std::map<std::string, WorkFactory> r;
  return r;
}
}  // namespace

std::string demangle(const char* mangled) {
  int status = 0;
  char* out = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string name = (status == 0 && out != nullptr) ? out : mangled;
  std::free(out);  // NOLINT(cppcoreguidelines-no-malloc)
  return name;
}

bool register_work_type(const std::string& name, WorkFactory factory) {
  auto [it, inserted] = registry().emplace(name, factory);
  if (!inserted && it->second != factory) {
    std::fprintf(stderr,
                 "lightning: two different work types are both named '%s' (types in anonymous "
                 "namespaces of different files?); rename one of them\n",
                 name.c_str());
    std::abort();
  }
  return true;
}

std::unique_ptr<Work> create_work(const std::string& name) {
  auto it = registry().find(name);
  if (it == registry().end()) return nullptr;
  return it->second();
}

std::vector<std::string> registered_work_types() {
  std::vector<std::string> names;
  for (const auto& [n, f] : registry()) names.push_back(n);
  return names;
}

}  // namespace lightning::detail
