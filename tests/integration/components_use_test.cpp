// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Apps that use components, end to end (issue 14, docs/components/using.md):
// git repositories made here (file:// URLs), a component store in a temp
// LIGHTNING_HOME, apps in temp dirs, the real lightning-run and lightning,
// real cmake builds of the components. One process runs every test in order
// (registered with add_test, not discovered): the components built by the
// first test are reused by the later ones, which keeps the suite in budget.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <vector>

#include "cli/test_support.hpp"
#include "component_store.hpp"

namespace lightning::testing {
namespace {
namespace fs = std::filesystem;
using Json = nlohmann::json;

std::string expect_ok(const ProcessOutput& r, const std::string& what) {
  EXPECT_EQ(r.exit_code, 0) << what << "\n--- stdout ---\n" << r.out << "--- stderr ---\n" << r.err;
  return r.out;
}

std::string git(const std::string& repo, std::vector<std::string> args) {
  std::vector<std::string> argv = {"git",
                                   "-C",
                                   repo,
                                   "-c",
                                   "user.name=Test",
                                   "-c",
                                   "user.email=test@example.com",
                                   "-c",
                                   "init.defaultBranch=main"};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOutput r = run_process(argv);
  if (r.exit_code != 0) throw std::runtime_error("git failed: " + r.err);
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

// A component's CMake project: one static library exporting NAME::NAME with
// a package config, linking Lightning::lightning (and DEP::DEP for each dep).
std::string component_cmake(const std::string& name, const std::vector<std::string>& deps = {}) {
  std::string finds;
  std::string links;
  std::string config_deps;
  for (const auto& d : deps) {
    finds += "find_package(" + d + " REQUIRED CONFIG)\n";
    links += " " + d + "::" + d;
    config_deps += "find_dependency(" + d + ")\n";
  }
  return "cmake_minimum_required(VERSION 3.22)\nproject(" + name +
         " LANGUAGES CXX)\nfind_package(Lightning REQUIRED CONFIG)\n" + finds + "add_library(" +
         name + " src/" + name + ".cpp)\nadd_library(" + name + "::" + name + " ALIAS " + name +
         ")\ntarget_include_directories(" + name +
         " PUBLIC $<BUILD_INTERFACE:${CMAKE_CURRENT_SOURCE_DIR}/include> "
         "$<INSTALL_INTERFACE:include>)\ntarget_link_libraries(" +
         name + " PUBLIC Lightning::lightning" + links + ")\ninstall(TARGETS " + name + " EXPORT " +
         name +
         "Targets ARCHIVE DESTINATION lib)\ninstall(DIRECTORY include/ "
         "DESTINATION include)\ninstall(EXPORT " +
         name + "Targets NAMESPACE " + name + ":: DESTINATION lib/cmake/" + name +
         ")\nfile(WRITE ${CMAKE_CURRENT_BINARY_DIR}/" + name +
         "Config.cmake \"include(CMakeFindDependencyMacro)\\nfind_dependency(Lightning)\\n" +
         config_deps + "include(\\${CMAKE_CURRENT_LIST_DIR}/" + name +
         "Targets.cmake)\\n\")\ninstall(FILES ${CMAKE_CURRENT_BINARY_DIR}/" + name +
         "Config.cmake DESTINATION lib/cmake/" + name + ")\n";
}

std::string manifest(const std::string& name, const std::string& version,
                     const std::string& deps = "{}") {
  return R"({"name": ")" + name + R"(", "version": ")" + version +
         R"(", "description": "test component )" + name + R"(", "target": ")" + name + "::" + name +
         R"(", "dependencies": )" + deps + "}\n";
}

// acme: a Work whose `greeting` the app prints.
void write_acme(const std::string& dir, const std::string& version) {
  write_text(dir + "/lightning-component.json", manifest("acme", version));
  write_text(dir + "/CMakeLists.txt", component_cmake("acme"));
  write_text(dir + "/include/acme/acme.hpp", R"(#pragma once
#include <lightning/lightning.hpp>
#include <string>
namespace acme {
std::string greeting();
struct GreetWork : lightning::Work {
  lightning::State<std::string> said{this, "said", ""};
  void run(const lightning::Json&) override { said = greeting(); }
};
}  // namespace acme
)");
  write_text(dir + "/src/acme.cpp",
             "#include <acme/acme.hpp>\nstd::string acme::greeting() { "
             "return \"hello from acme " +
                 version + "\"; }\n");
}

constexpr const char* kAcmeAppBody = R"(
#include <acme/acme.hpp>
#include <cstdio>
#include <lightning/lightning.hpp>
struct Root : lightning::Flow {
  acme::GreetWork& greet = add_work<acme::GreetWork>("greet");
  void run() override {
    if (greet.call({}).has_succeeded()) {
      const std::string said = greet.said;
      std::printf("app got: %s\n", said.c_str());
      std::fflush(stdout);
      if (said.rfind("hello from acme ", 0) != 0) std::abort();
      stop();
    }
  }
};
LIGHTNING_APP(Root)
)";

class ComponentsUseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = std::make_unique<TempDir>();
    acme_repo_ = *tmp_ / "repos/acme";
    fs::create_directories(acme_repo_);
    git(acme_repo_, {"init", "-q"});
    write_acme(acme_repo_, "1.0.0");
    git(acme_repo_, {"add", "-A"});
    git(acme_repo_, {"commit", "-q", "-m", "acme 1.0.0"});
    git(acme_repo_, {"tag", "v1.0.0"});
  }
  static void TearDownTestSuite() { tmp_.reset(); }

  static std::string home() { return *tmp_ / "home"; }
  static std::string acme_url() { return "file://" + acme_repo_; }

  static Env env(const std::string& home_dir = home()) {
    Env e;
    e.set = {{"LIGHTNING_HOME", home_dir}, {"LIGHTNING_CACHE_DIR", *tmp_ / "cache"}};
    e.unset = {"LIGHTNING_RUN_CONFIG"};
    return e;
  }
  static ProcessOutput lightning_run(const std::vector<std::string>& args,
                                     const std::string& home_dir = home()) {
    // --no-pch: each distinct set of component include dirs would build its own
    // precompiled lightning.hpp (~10 s each here); these apps are small.
    std::vector<std::string> argv = {LIGHTNING_RUN_EXE, "--no-pch"};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, env(home_dir));
  }
  static ProcessOutput lightning(const std::vector<std::string>& args, const std::string& cwd) {
    std::vector<std::string> argv = {LIGHTNING_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, env(), cwd);
  }
  static std::string write_app(const std::string& dir, const std::string& text,
                               const std::string& name = "app.cpp") {
    const std::string path = *tmp_ / (dir + "/" + name);
    write_text(path, text);
    return path;
  }
  static Json lock_of(const std::string& app) {
    return Json::parse(read_text(fs::path(app).parent_path() / "lightning.lock"));
  }
  static Json entry(const Json& lock, const std::string& name) {
    for (const auto& e : lock.at("components")) {
      if (e.at("name") == name) return e;
    }
    return Json();
  }
  // build.log of each build of `name` VERSION in the store under `home_dir`.
  static std::vector<std::string> build_logs(const std::string& name, const std::string& version,
                                             const std::string& home_dir = home()) {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(home_dir + "/components/" + name, ec), end;
         !ec && it != end; it.increment(ec)) {
      if (it->path().filename() == "build.log" &&
          it->path().string().find("/" + version + "+") != std::string::npos) {
        out.push_back(it->path().string());
      }
    }
    return out;
  }

  static std::unique_ptr<TempDir> tmp_;
  static std::string acme_repo_;
};
std::unique_ptr<TempDir> ComponentsUseTest::tmp_;
std::string ComponentsUseTest::acme_repo_;

// The issue's scenario: use from a git URL -> installed, built, linked, run,
// locked -> the component moves on -> the lock holds -> lightning update.
TEST_F(ComponentsUseTest, AnAppUsesAComponentAndTheLockKeepsItUntilUpdate) {
  const std::string app =
      write_app("app1", "// lightning: use acme@^1 from " + acme_url() + kAcmeAppBody);
  ProcessOutput first = lightning_run({app});
  expect_ok(first, "first run");
  EXPECT_NE(first.out.find("app got: hello from acme 1.0.0"), std::string::npos) << first.out;
  EXPECT_NE(first.err.find("component acme 1.0.0: building (first use with this toolchain)"),
            std::string::npos)
      << first.err;
  const std::string lock_path = fs::path(app).parent_path() / "lightning.lock";
  ASSERT_TRUE(fs::exists(lock_path)) << first.err;
  const Json acme = entry(lock_of(app), "acme");
  EXPECT_EQ(acme.value("version", ""), "1.0.0") << acme;
  EXPECT_EQ(acme.value("commit", ""), git(acme_repo_, {"rev-parse", "HEAD"})) << acme;
  EXPECT_EQ(acme.value("source", ""), acme_url()) << acme;
  const std::string lock_before = read_text(lock_path);

  // acme 1.1.0 is published; the app stays on the locked 1.0.0, byte for byte.
  write_acme(acme_repo_, "1.1.0");
  git(acme_repo_, {"commit", "-qam", "acme 1.1.0"});
  git(acme_repo_, {"tag", "v1.1.0"});
  const FileIdentity lock_id = identity_of(lock_path);
  ProcessOutput second = lightning_run({app});
  expect_ok(second, "second run");
  EXPECT_NE(second.out.find("app got: hello from acme 1.0.0"), std::string::npos) << second.out;
  EXPECT_EQ(read_text(lock_path), lock_before);
  EXPECT_TRUE(identity_of(lock_path) == lock_id) << "lightning.lock was rewritten";
  EXPECT_EQ(second.err.find("building"), std::string::npos) << second.err;

  // lightning update moves it on purpose.
  ProcessOutput update = lightning({"update"}, fs::path(app).parent_path());
  EXPECT_NE(expect_ok(update, "update").find("acme 1.0.0 -> 1.1.0"), std::string::npos)
      << update.out;
  EXPECT_EQ(entry(lock_of(app), "acme").value("version", ""), "1.1.0");
  ProcessOutput third = lightning_run({app});
  expect_ok(third, "third run");
  EXPECT_NE(third.out.find("app got: hello from acme 1.1.0"), std::string::npos) << third.out;
  ProcessOutput again = lightning({"update", "acme"}, fs::path(app).parent_path());
  EXPECT_NE(expect_ok(again, "update again").find("acme 1.1.0 is up to date"), std::string::npos)
      << again.out;
}

TEST_F(ComponentsUseTest, ASecondAppReusesTheInstalledComponentWithoutRebuildingIt) {
  const std::vector<std::string> logs = build_logs("acme", "1.1.0");
  ASSERT_EQ(logs.size(), 1u) << "the first test builds acme 1.1.0 once";
  const FileIdentity before = identity_of(logs[0]);
  const std::string app =
      write_app("app2", std::string("// lightning: use acme@~1.1") + kAcmeAppBody);
  ProcessOutput r = lightning_run({app});
  expect_ok(r, "second app");
  EXPECT_NE(r.out.find("app got: hello from acme 1.1.0"), std::string::npos) << r.out;
  EXPECT_TRUE(identity_of(logs[0]) == before) << "acme was built again";
  EXPECT_EQ(r.err.find("building"), std::string::npos) << r.err;
}

TEST_F(ComponentsUseTest, AFreshStoreWithTheLockReinstallsTheExactLockedCommit) {
  // The lock of app1 pins 1.1.0; the repository has moved on to 1.2.0 since.
  const std::string dir = *tmp_ / "app1";
  const std::string pinned = entry(lock_of(dir + "/app.cpp"), "acme").value("commit", "");
  write_acme(acme_repo_, "1.2.0");
  git(acme_repo_, {"commit", "-qam", "acme 1.2.0"});
  git(acme_repo_, {"tag", "v1.2.0"});
  const std::string lock_before = read_text(dir + "/lightning.lock");
  const std::string fresh = *tmp_ / "fresh-node";
  ProcessOutput r = lightning_run({"--locked", "--store", fresh, dir + "/app.cpp"}, fresh);
  expect_ok(r, "fresh store");
  EXPECT_NE(r.out.find("app got: hello from acme 1.1.0"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::is_directory(fresh + "/acme/1.1.0+" + pinned.substr(0, 12))) << r.err;
  EXPECT_EQ(read_text(dir + "/lightning.lock"), lock_before);
}

TEST_F(ComponentsUseTest, TheLockedFlagRefusesToChangeTheLock) {
  const std::string app =
      write_app("app-locked", std::string("// lightning: use acme@^1") + kAcmeAppBody);
  ProcessOutput r = lightning_run({"--locked", "--build-only", app});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("lightning.lock would change: acme 1.1.0 is not locked; run without "
                       "--locked or `lightning update acme`"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(fs::path(app).parent_path() / "lightning.lock"));
}

TEST_F(ComponentsUseTest, BadInputGetsAnErrorNamingTheComponentAndWhatToDo) {
  struct Case {
    std::string what;
    std::string app_text;
    std::string app_json;  // lightning.json beside it; "" none
    std::vector<std::string> expected;
  };
  const std::string empty_store = *tmp_ / "empty-store";
  const std::vector<Case> cases = {
      {"a missing component without a source",
       "// lightning: use nosuch@^1\nint main() {}\n",
       "",
       {"nosuch", "app.cpp:1", "lightning install component"}},
      {"a bad use line", "// lightning: use Acme!!@^1\nint main() {}\n", "", {"app.cpp:1"}},
      {"a bad field in lightning.json",
       "int main() {}\n",
       R"({"components": {"acme": 5}})",
       {"lightning.json", "acme"}},
      {"a built-in at a version this Lightning is not",
       "// lightning: use script@^9\nint main() {}\n",
       "",
       {"script", "0.1.0", "^9"}},
  };
  int i = 0;
  for (const auto& c : cases) {
    const std::string dir = "bad" + std::to_string(i++);
    const std::string app = write_app(dir, c.app_text);
    if (!c.app_json.empty()) write_text(*tmp_ / (dir + "/lightning.json"), c.app_json);
    ProcessOutput r = lightning_run({"--build-only", app});
    EXPECT_EQ(r.exit_code, 1) << c.what << "\n" << r.err;
    for (const auto& e : c.expected) {
      EXPECT_NE(r.err.find(e), std::string::npos) << c.what << ": no '" << e << "' in\n" << r.err;
    }
    EXPECT_FALSE(fs::exists(*tmp_ / (dir + "/lightning.lock"))) << c.what;
  }

  // A revision that does not exist (an empty store, so that it is fetched).
  {
    const std::string app = write_app(
        "bad-rev", "// lightning: use acme@^1 from " + acme_url() + "@v9.9.9\n" + kAcmeAppBody);
    ProcessOutput r = lightning_run({"--store", empty_store, "--build-only", app});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("acme"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("v9.9.9"), std::string::npos) << r.err;
  }

  // A directory source whose content no longer matches the lock.
  {
    const std::string src = *tmp_ / "repos/dirc";
    write_text(src + "/lightning-component.json", manifest("dirc", "1.0.0"));
    write_text(src + "/CMakeLists.txt", component_cmake("dirc"));
    write_text(src + "/src/dirc.cpp", "int dirc_answer() { return 42; }\n");
    const std::string app =
        write_app("bad-dir", "// lightning: use dirc@^1 from " + src + "\nint main() {}\n");
    write_text(
        *tmp_ / "bad-dir/lightning.lock",
        R"({"lock_version": 1, "components": [{"name": "dirc", "version": "1.0.0", "source": ")" +
            src + R"(", "commit": "", "content_sha256": ")" + std::string(64, '0') +
            R"(", "dependencies": {}}]})");
    ProcessOutput r = lightning_run({"--store", empty_store, "--build-only", app});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("dirc"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("lightning update dirc"), std::string::npos) << r.err;
  }

  // Two components that need versions of a third that cannot both hold:
  // installed directly (ComponentStore::fetch, no build), then resolved.
  {
    cli::ComponentStore store(home() + "/components");
    for (const auto& [name, version, deps] :
         std::vector<std::tuple<std::string, std::string, std::string>>{
             {"dshared", "1.0.0", "{}"},
             {"dshared", "2.0.0", "{}"},
             {"bleft", "1.0.0", R"({"dshared": "^1"})"},
             {"cright", "1.0.0", R"({"dshared": "^2"})"}}) {
      const std::string src = *tmp_ / ("repos/" + name + "-" + version);
      write_text(src + "/lightning-component.json", manifest(name, version, deps));
      write_text(src + "/CMakeLists.txt", component_cmake(name));
      write_text(src + "/src/" + name + ".cpp", "int " + name + "_x() { return 1; }\n");
      store.fetch(cli::SourceSpec::parse(src));
    }
    const std::string app = write_app(
        "bad-conflict", "// lightning: use bleft@^1\n// lightning: use cright@^1\nint main() {}\n");
    ProcessOutput r = lightning_run({"--build-only", app});
    EXPECT_EQ(r.exit_code, 1) << r.err;
    for (const char* e : {"dshared", "bleft", "cright"}) {
      EXPECT_NE(r.err.find(e), std::string::npos) << "no '" << e << "' in\n" << r.err;
    }
  }
}

// A component that does not build: the build's own errors, and its log.
TEST_F(ComponentsUseTest, AComponentThatDoesNotBuildIsAnErrorNamingItAndItsLog) {
  const std::string src = *tmp_ / "repos/broken";
  write_text(src + "/lightning-component.json", manifest("broken", "1.0.0"));
  write_text(src + "/CMakeLists.txt", component_cmake("broken"));
  write_text(src + "/src/broken.cpp", "this is not C++;\n");
  const std::string app =
      write_app("bad-build", "// lightning: use broken@^1 from " + src + "\nint main() {}\n");
  ProcessOutput r = lightning_run({"--build-only", app});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("component 'broken' 1.0.0 does not build"), std::string::npos) << r.err;
  EXPECT_FALSE(fs::exists(*tmp_ / "bad-build/lightning.lock"));
  EXPECT_NE(r.err.find("(full log: "), std::string::npos) << r.err;
}

// The built-in components are used the same way: locked as "builtin".
TEST_F(ComponentsUseTest, AnAppIncludingABuiltInComponentLocksItsBuiltinEntry) {
  const std::string app = write_app("builtin", R"(#include <lightning/components/script.hpp>
#include <lightning/lightning.hpp>
int main() { return 0; }
)");
  ProcessOutput r = lightning_run({"--build-only", app});
  expect_ok(r, "builtin app");
  const Json script = entry(lock_of(app), "script");
  EXPECT_EQ(script.value("source", ""), "builtin") << script;
  EXPECT_EQ(script.value("version", ""), LIGHTNING_VERSION_STRING) << script;
  EXPECT_EQ(script.value("content_sha256", "").size(), 64u) << script;
  // A second run: nothing changes.
  const FileIdentity id = identity_of(fs::path(app).parent_path() / "lightning.lock");
  expect_ok(lightning_run({"--build-only", "--locked", app}), "builtin app again");
  EXPECT_TRUE(identity_of(fs::path(app).parent_path() / "lightning.lock") == id);
}

}  // namespace
}  // namespace lightning::testing
