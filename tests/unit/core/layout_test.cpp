// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/layout.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>

#include "lightning/flow.hpp"

namespace lightning {
namespace {

struct Empty : Flow {
  void run() override {}
};

void expect_invalid(const std::function<void()>& make, const std::string& needle) {
  try {
    make();
    ADD_FAILURE() << "no exception; expected one saying " << needle;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(TabTest, ComponentTabNamesTheComponentsPath) {
  Empty root;
  const Tab tab = Tab::component("Overview", root);
  EXPECT_EQ(tab.kind(), Tab::Kind::kComponent);
  EXPECT_EQ(tab.name(), "Overview");
  EXPECT_EQ(tab.component_path(), "root");
}

TEST(TabTest, StaticFolderIsMadeAbsoluteFromTheWorkingDirectory) {
  const Tab tab = Tab::static_folder("Report", "out/./report");
  EXPECT_EQ(tab.folder(), (std::filesystem::current_path() / "out/report").string());
  EXPECT_EQ(Tab::static_folder("Abs", "/srv/report").folder(), "/srv/report");
  expect_invalid([] { Tab::static_folder("Report", ""); }, "the folder is empty");
}

TEST(TabTest, BadTabNamesAreRejectedSayingWhy) {
  Empty root;
  expect_invalid([&] { Tab::component("", root); }, "1..64 characters");
  expect_invalid([&] { Tab::component(std::string(65, 'x'), root); }, "1..64 characters");
  expect_invalid([&] { Tab::component("a/b", root); }, "must not contain '/'");
  expect_invalid([&] { Tab::component("a\nb", root); }, "control characters");
  EXPECT_NO_THROW(Tab::component("Model server (v2)", root));
}

TEST(TabTest, FlowsHaveNoTabsUnlessTheyDeclareThem) {
  Empty root;
  EXPECT_TRUE(root.configure_layout().empty());
}

}  // namespace
}  // namespace lightning
