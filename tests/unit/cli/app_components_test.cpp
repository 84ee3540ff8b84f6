// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The parts of src/cli/app_components.hpp that need no store and no build:
// what an app declares, the built-in components as resolver candidates, the
// manifest fields lightning-run.json carries, `lightning update`'s command line,
// and an app using only built-ins going through the whole path (lock written
// once, then left alone; --locked).
#include "app_components.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <string>

#include "common/temp_dir.hpp"
#include "errors.hpp"
#include "library_config.hpp"

namespace lightning::cli {
namespace {

using lightning::testing::TempDir;
namespace fs = std::filesystem;

void write(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream(path) << text;
}

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kSha(64, 'a');

LibraryConfig config_with_builtins() {
  return parse_library_config(R"({"version": "0.1.0", "library_file": "/x/liblightning.a",
    "components": {
      "script": {"version": "0.1.0", "content_sha256": ")" +
                                  kSha + R"(", "dependencies": {},
                 "include_dirs": ["/inc/script"], "libraries": ["/lib/liblightning_script.a"]},
      "train": {"version": "0.1.0", "content_sha256": ")" +
                                  kSha + R"(", "dependencies": {},
                "include_dirs": [], "libraries": [], "torch": true},
      "serve": {"version": "0.1.0", "content_sha256": ")" +
                                  kSha + R"(",
                "dependencies": {"train": "=0.1.0"}, "include_dirs": [], "libraries": []}},
    "missing_components": {"data": "it needs libtorch"}})",
                              "/x/share/lightning/lightning-run.json");
}

TEST(LibraryConfigComponentsTest, ReadsTheManifestFieldsOfEachBuiltIn) {
  const LibraryConfig config = config_with_builtins();
  const ComponentConfig& serve = config.components.at("serve");
  EXPECT_EQ(serve.version, "0.1.0");
  EXPECT_EQ(serve.content_sha256, kSha);
  EXPECT_EQ(serve.dependencies.at("train"), "=0.1.0");
  try {
    parse_library_config(R"({"version": "0.1.0", "library_file": "/l.a",
      "components": {"x": {"dependencies": ["y"]}}})",
                         "/c.json");
    ADD_FAILURE() << "a list of dependencies was accepted";
  } catch (const CliError& e) {
    EXPECT_NE(std::string(e.what()).find("\"dependencies\" must be an object"), std::string::npos)
        << e.what();
  }
}

TEST(BuiltinCandidatesTest, EachBuiltInIsACandidateWithItsVersionHashAndDependencies) {
  const auto candidates = builtin_candidates(config_with_builtins());
  ASSERT_EQ(candidates.size(), 3u);
  for (const auto& c : candidates) {
    EXPECT_TRUE(c.builtin) << c.name;
    EXPECT_EQ(c.source, "builtin") << c.name;
    EXPECT_EQ(c.version.str(), "0.1.0") << c.name;
    EXPECT_EQ(c.content_sha256, kSha) << c.name;
    EXPECT_TRUE(c.commit.empty()) << c.name;
  }
  const auto serve = std::find_if(candidates.begin(), candidates.end(),
                                  [](const auto& c) { return c.name == "serve"; });
  ASSERT_NE(serve, candidates.end());
  EXPECT_EQ(serve->dependencies.at("train").str(), "=0.1.0");
}

TEST(AppRequirementsTest, LightningJsonThenUseLinesThenBuiltInIncludes) {
  TempDir dir;
  const std::string app = dir / "app.cpp";
  const std::string text =
      "// lightning: use acme@^1.2 from file:///srv/acme.git\n"
      "#include \"mine.hpp\"\n#include <lightning/components/script.hpp>\nint main() {}\n";
  write(app, text);
  write(dir / "mine.hpp", "// lightning: use acme_data@~2.0\n");
  write(dir / "lightning.json", R"({"components": {"acme_extra": "^3"}})");
  const auto reqs = app_requirements(app, scan_app_needs(app, text));
  ASSERT_EQ(reqs.size(), 4u);
  EXPECT_EQ(reqs[0].name, "acme_extra");
  EXPECT_EQ(reqs[0].range.str(), "^3");
  std::set<std::string> uses{reqs[1].name, reqs[2].name};
  EXPECT_EQ(uses, (std::set<std::string>{"acme", "acme_data"}));
  for (int i : {1, 2}) {
    if (reqs[i].name == "acme") {
      EXPECT_EQ(reqs[i].source, "file:///srv/acme.git");
      EXPECT_EQ(reqs[i].origin, "app.cpp:1");
    } else {
      EXPECT_EQ(reqs[i].origin, "mine.hpp:1");
    }
  }
  EXPECT_EQ(reqs[3].name, "script");
  EXPECT_EQ(reqs[3].range.str(), "*");
  EXPECT_EQ(reqs[3].origin, "app.cpp: #include <lightning/components/script.hpp>");
}

TEST(AppRequirementsTest, ABadLightningJsonNamesTheFileAndTheField) {
  TempDir dir;
  const std::string app = dir / "app.cpp";
  write(app, "int main() {}\n");
  write(dir / "lightning.json", R"({"components": {"acme": 5}})");
  try {
    app_requirements(app, scan_app_needs(app, "int main() {}\n"));
    ADD_FAILURE() << "a bad lightning.json was accepted";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("lightning.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("acme"), std::string::npos) << e.what();
  }
}

TEST(UseAppComponentsTest, AnAppWithoutComponentsTouchesNoStoreAndWritesNoLock) {
  TempDir dir;
  const std::string app = dir / "app.cpp";
  write(app, "int main() {}\n");
  const Log log(false);
  ComponentOptions options;
  options.store_root = dir / "no-such-store";
  const AppComponents got = use_app_components(app, scan_app_needs(app, "int main() {}\n"),
                                               config_with_builtins(), Toolchain(), options, log);
  EXPECT_TRUE(got.chosen.empty());
  EXPECT_FALSE(fs::exists(dir / "lightning.lock"));
  EXPECT_FALSE(fs::exists(dir / "no-such-store"));
}

TEST(UseAppComponentsTest, ABuiltInIsLockedOnceThenTheLockIsLeftAsItIs) {
  TempDir dir;
  const std::string app = dir / "app.cpp";
  const std::string text = "#include <lightning/components/serve.hpp>\nint main() {}\n";
  write(app, text);
  const Log log(false);
  ComponentOptions options;
  options.store_root = dir / "no-such-store";
  options.locked = true;
  try {
    use_app_components(app, scan_app_needs(app, text), config_with_builtins(), Toolchain(), options,
                       log);
    ADD_FAILURE() << "--locked let a lock be written";
  } catch (const CliError& e) {
    EXPECT_NE(std::string(e.what()).find("lightning.lock would change: "), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(fs::exists(dir / "lightning.lock"));
  options.locked = false;
  const AppComponents got = use_app_components(app, scan_app_needs(app, text),
                                               config_with_builtins(), Toolchain(), options, log);
  EXPECT_TRUE(got.lock_written);
  EXPECT_EQ(got.builtins, (std::set<std::string>{"serve", "train"}));
  const std::string lock = read(dir / "lightning.lock");
  EXPECT_NE(lock.find("\"builtin\""), std::string::npos) << lock;
  EXPECT_NE(lock.find("\"train\""), std::string::npos) << lock;
  EXPECT_FALSE(fs::exists(dir / "no-such-store"));
  // Again, and with --locked: nothing to change, nothing written.
  options.locked = true;
  const AppComponents again = use_app_components(app, scan_app_needs(app, text),
                                                 config_with_builtins(), Toolchain(), options, log);
  EXPECT_FALSE(again.lock_written);
  EXPECT_EQ(read(dir / "lightning.lock"), lock);
}

TEST(UseAppComponentsTest, ABuiltInThisBuildLeftOutIsNamedWithTheReason) {
  TempDir dir;
  const std::string app = dir / "app.cpp";
  const std::string text = "// lightning: use data@^0.1\nint main() {}\n";
  write(app, text);
  const Log log(false);
  try {
    use_app_components(app, scan_app_needs(app, text), config_with_builtins(), Toolchain(), {},
                       log);
    ADD_FAILURE() << "a left-out built-in was accepted";
  } catch (const CliError& e) {
    EXPECT_EQ(std::string(e.what()),
              "app.cpp:1: component 'data' is not in this build: it needs libtorch");
  }
}

TEST(UpdateOptionsTest, NamesAppAndStore) {
  const char* argv[] = {"update", "acme", "beta", "--app", "dir/app.cpp", "--store", "/s"};
  bool help = false;
  std::string text;
  const UpdateOptions o = parse_update_options(7, const_cast<char**>(argv), help, text);
  EXPECT_FALSE(help);
  EXPECT_EQ(o.names, (std::vector<std::string>{"acme", "beta"}));
  EXPECT_EQ(o.app, "dir/app.cpp");
  EXPECT_EQ(o.components.store_root, "/s");
  const char* bad[] = {"update", "--frobnicate"};
  try {
    parse_update_options(2, const_cast<char**>(bad), help, text);
    ADD_FAILURE() << "an unknown flag was accepted";
  } catch (const CliError& e) {
    EXPECT_EQ(e.exit_code(), 2);
  }
}

}  // namespace
}  // namespace lightning::cli
