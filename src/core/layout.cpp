// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/layout.hpp"

#include <filesystem>
#include <stdexcept>

#include "lightning/flow.hpp"
#include "lightning/work.hpp"

namespace lightning {

namespace {

constexpr size_t kMaxTabName = 64;

void check_tab_name(const std::string& name) {
  const auto bad = [&](const std::string& why) {
    throw std::invalid_argument("dashboard tab name '" + name + "' " + why);
  };
  if (name.empty() || name.size() > kMaxTabName) bad("must be 1..64 characters");
  for (const char c : name) {
    if (c == '/') bad("must not contain '/' (it is part of the tab's URL)");
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      bad("must not contain control characters");
  }
}

}  // namespace

Tab::Tab(Kind kind, std::string name, std::string target)
    : kind_(kind), name_(std::move(name)), target_(std::move(target)) {
  check_tab_name(name_);
}

Tab Tab::component(std::string name, const Component& component) {
  return Tab(Kind::kComponent, std::move(name), component.path());
}

Tab Tab::url(std::string name, const Work& work) {
  return Tab(Kind::kUrl, std::move(name), work.path());
}

Tab Tab::static_folder(std::string name, const std::string& folder) {
  if (folder.empty()) {
    throw std::invalid_argument("Tab::static_folder(\"" + name +
                                "\"): the folder is empty; give the folder to serve");
  }
  std::error_code ec;
  std::filesystem::path absolute = std::filesystem::absolute(folder, ec);
  if (ec) {
    throw std::invalid_argument("Tab::static_folder(\"" + name + "\"): cannot resolve '" + folder +
                                "': " + ec.message());
  }
  return Tab(Kind::kStaticFolder, std::move(name), absolute.lexically_normal().string());
}

Layout Flow::configure_layout() const { return {}; }

}  // namespace lightning
