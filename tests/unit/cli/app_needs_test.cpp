// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What lightning-run adds to an app's build from its includes (src/cli/app_needs.hpp)
// and the parts of lightning-run.json that describe components and libtorch.
#include "app_needs.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>

#include "common/temp_dir.hpp"
#include "errors.hpp"
#include "library_config.hpp"

namespace lightning::cli {
namespace {

using lightning::testing::TempDir;

void write(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const CliError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(ScanIncludesTest, ReadsAngledAndQuotedIncludesWithBlanksAnywhere) {
  const auto incs = scan_includes(
      "#include <torch/torch.h>\n"
      "  #  include \"local.hpp\"  // comment\n"
      "#include<lightning/components/script.hpp>\n"
      "// #include <commented/out.hpp>\n"
      "#define X 1\n"
      "#include MACRO_HEADER\n"
      "#include <>\n"
      "#include <unclosed\n"
      "#import <objc.h>\n");
  ASSERT_EQ(incs.size(), 3U);
  EXPECT_EQ(incs[0].path, "torch/torch.h");
  EXPECT_TRUE(incs[0].angled);
  EXPECT_EQ(incs[1].path, "local.hpp");
  EXPECT_FALSE(incs[1].angled);
  EXPECT_EQ(incs[2].path, "lightning/components/script.hpp");
}

TEST(ScanAppNeedsTest, ComponentsAndTorchComeFromTheAppAndItsOwnHeaders) {
  TempDir dir;
  write(dir / "app/model.hpp",
        "#pragma once\n#include <ATen/ATen.h>\n#include \"more/deep.hpp\"\n");
  write(dir / "app/more/deep.hpp",
        "#include <lightning/components/train/options.hpp>\n"
        "#include \"../model.hpp\"\n");  // a cycle: scanned once
  const std::string source = dir / "app/app.cpp";
  const std::string text =
      "#include <lightning/lightning.hpp>\n#include <lightning/components/script.hpp>\n"
      "#include \"model.hpp\"\n#include \"missing.hpp\"\n";
  const AppNeeds needs = scan_app_needs(source, text);
  EXPECT_EQ(needs.components, (std::set<std::string>{"script", "train"}));
  EXPECT_TRUE(needs.torch);
  EXPECT_FALSE(needs.torch_h_directly);  // only through a header: no torch PCH
  const AppNeeds direct = scan_app_needs(source, "#include <torch/torch.h>\n");
  EXPECT_TRUE(direct.torch);
  EXPECT_TRUE(direct.torch_h_directly);
  const AppNeeds none = scan_app_needs(source, "#include <lightning/lightning.hpp>\n");
  EXPECT_TRUE(none.components.empty());
  EXPECT_FALSE(none.torch);
}

TEST(ScanAppNeedsTest, AComponentHeaderNamedOtherwiseMapsToTheComponentThatOwnsIt) {
  TempDir dir;
  const std::string source = dir / "app.cpp";
  const AppNeeds serve =
      scan_app_needs(source, "#include <lightning/components/serve_protocol.hpp>\n");
  EXPECT_EQ(serve.components, (std::set<std::string>{"serve"}));
  ASSERT_EQ(serve.reasons.size(), 1U);
  EXPECT_EQ(serve.reasons[0].first, "serve");
  EXPECT_EQ(serve.reasons[0].second, "app.cpp: #include <lightning/components/serve_protocol.hpp>");
  EXPECT_EQ(scan_app_needs(source,
                           "#include <lightning/components/load_balancer.hpp>\n"
                           "#include <lightning/components/distributed.hpp>\n")
                .components,
            (std::set<std::string>{"autoscale", "multinode"}));
}

constexpr const char* kConfig = R"({
  "format": 1, "version": "0.1.0",
  "include_dirs": ["../../include", "/usr/include"], "lib_dirs": ["../../lib"],
  "libraries": ["-Wl,-Bstatic", "lightning", "-Wl,-Bdynamic"],
  "library_file": "../../lib/liblightning.a",
  "compile_flags": ["-std=c++17"], "link_flags": ["-pthread"],
  "pch_header": "lightning/lightning.hpp",
  "components": {
    "script": {"include_dirs": ["../../include"], "libraries": ["../../lib/liblightning_script.a"], "torch": false},
    "train": {"include_dirs": ["/src/components/train/include"],
              "libraries": ["/b/liblightning_train.a", "/usr/lib/libz.so"], "torch": true}
  },
  "missing_components": {"multinode": "it needs libtorch, which this build has not"},
  "torch": {"version": "1.13.1", "include_dirs": ["/usr/include", "/usr/include/torch/csrc/api/include"],
            "compile_flags": ["-D_GLIBCXX_USE_CXX11_ABI=1"],
            "libraries": ["/usr/lib/x86_64-linux-gnu/libtorch.so",
                          "-Wl,--no-as-needed,/opt/torch/lib/libtorch_cpu.so", "-Wl,--as-needed"],
            "pch_header": "torch/torch.h"}
})";

TEST(LibraryConfigTest, ReadsComponentsMissingComponentsAndTorchWithPathsRelativeToTheFile) {
  const LibraryConfig c =
      parse_library_config(kConfig, "/prefix/share/lightning/lightning-run.json");
  ASSERT_EQ(c.components.size(), 2U);
  const ComponentConfig& script = c.components.at("script");
  EXPECT_EQ(script.include_dirs, std::vector<std::string>{"/prefix/include"});
  EXPECT_EQ(script.libraries, std::vector<std::string>{"/prefix/lib/liblightning_script.a"});
  EXPECT_FALSE(script.torch);
  EXPECT_TRUE(c.components.at("train").torch);
  EXPECT_EQ(c.missing_components.at("multinode"), "it needs libtorch, which this build has not");
  ASSERT_TRUE(c.torch.has_value());
  EXPECT_EQ(c.torch->include_dirs, std::vector<std::string>{"/usr/include/torch/csrc/api/include"})
      << "the implicit /usr/include is never passed";
  EXPECT_EQ(c.torch->compile_flags, std::vector<std::string>{"-D_GLIBCXX_USE_CXX11_ABI=1"});
  EXPECT_EQ(c.torch->libraries.size(), 3U);
  EXPECT_EQ(c.torch->pch_header, "torch/torch.h");
}

TEST(LibraryConfigTest, AConfigWithoutComponentsOrTorchStillReads) {
  const LibraryConfig c = parse_library_config(
      R"({"version": "0.1.0", "library_file": "/b/liblightning.a"})", "/b/lightning-run.json");
  EXPECT_TRUE(c.components.empty());
  EXPECT_TRUE(c.missing_components.empty());
  EXPECT_FALSE(c.torch.has_value());
}

TEST(LibraryConfigTest, MalformedComponentEntriesAreNamed) {
  const std::string base = R"({"version": "0.1.0", "library_file": "/b/l.a", )";
  EXPECT_TRUE(
      contains(error_of([&] { parse_library_config(base + R"("components": []})", "/c.json"); }),
               "/c.json: \"components\" must be an object"));
  EXPECT_TRUE(contains(error_of([&] {
                         parse_library_config(base + R"("components": {"x": {"libraries": "a"}}})",
                                              "/c.json");
                       }),
                       "component \"x\": \"libraries\" must be a list of strings"));
  EXPECT_TRUE(contains(error_of([&] { parse_library_config(base + R"("torch": 1})", "/c.json"); }),
                       "\"torch\" must be an object"));
  EXPECT_TRUE(
      contains(error_of([&] { parse_library_config("{", "/c.json"); }), "is not valid JSON"));
}

TEST(BuildAdditionsTest, AComponentAddsItsHeadersAndLibraryAndTorchWhenItNeedsIt) {
  const LibraryConfig c =
      parse_library_config(kConfig, "/prefix/share/lightning/lightning-run.json");
  AppNeeds needs;
  needs.components = {"script"};
  BuildAdditions add = additions_for(needs, c, "app.cpp");
  EXPECT_EQ(add.include_dirs, std::vector<std::string>{"/prefix/include"});
  EXPECT_EQ(add.libraries_before, std::vector<std::string>{"/prefix/lib/liblightning_script.a"});
  EXPECT_TRUE(add.libraries_after.empty());
  EXPECT_FALSE(add.torch);

  needs.components = {"train"};
  add = additions_for(needs, c, "app.cpp");
  EXPECT_TRUE(add.torch);
  EXPECT_EQ(add.compile_flags, std::vector<std::string>{"-D_GLIBCXX_USE_CXX11_ABI=1"});
  EXPECT_EQ(add.libraries_before,
            (std::vector<std::string>{"/b/liblightning_train.a", "/usr/lib/libz.so"}));
  // libtorch's items, then an rpath for the one outside the system's dirs.
  EXPECT_EQ(add.libraries_after.back(), "-Wl,-rpath,/opt/torch/lib");
  EXPECT_NE(std::find(add.stamped_files.begin(), add.stamped_files.end(),
                      "/opt/torch/lib/libtorch_cpu.so"),
            add.stamped_files.end());
}

TEST(BuildAdditionsTest, MissingUnknownComponentsAndMissingTorchAreClearErrors) {
  const LibraryConfig c = parse_library_config(kConfig, "/p/lightning-run.json");
  AppNeeds needs =
      scan_app_needs("/nowhere/app.cpp", "#include <lightning/components/multinode.hpp>\n");
  EXPECT_EQ(error_of([&] { additions_for(needs, c, "app.cpp"); }),
            "app.cpp: #include <lightning/components/multinode.hpp>: component 'multinode' is not "
            "in this build: it needs libtorch, which this build has not");
  needs = scan_app_needs("/nowhere/app.cpp", "#include <lightning/components/nope.hpp>\n");
  EXPECT_TRUE(contains(error_of([&] { additions_for(needs, c, "app.cpp"); }),
                       "there is no component 'nope' in this build (components built: script, "
                       "train; from /p/lightning-run.json)"));
  LibraryConfig no_torch = c;
  no_torch.torch.reset();
  needs = scan_app_needs("/nowhere/app.cpp", "#include <torch/torch.h>\n");
  const std::string e = error_of([&] { additions_for(needs, no_torch, "app.cpp"); });
  EXPECT_TRUE(contains(e,
                       "app.cpp: #include <torch/torch.h>: the app needs libtorch, and this "
                       "Lightning build has none"))
      << e;
  EXPECT_TRUE(contains(e, "apt install libtorch-dev")) << e;
}

}  // namespace
}  // namespace lightning::cli
