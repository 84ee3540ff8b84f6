// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The component store for real: the `lightning` binary of this build, git
// repositories made by the test (file:// URLs), cmake, the compiler, a store
// in a temp dir ($LIGHTNING_HOME). The suites:
//  - ComponentBuild*Test compile (several seconds each build), so they are left
//    out under the sanitizer presets (scripts/sanitize.sh). In
//    ComponentBuildTest one component is installed once for the whole suite
//    (SetUpTestSuite) and the suite is one ctest test
//    (tests/integration/CMakeLists.txt), so its tests share it;
//    ComponentBuildFailureTest and ComponentBuildAppTest are ctest tests of
//    their own, so that `ctest -j2` runs them beside it.
//  - ComponentStoreInputTest: bad input that is refused before anything is
//    compiled, each error naming the component or source and what to do.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "cli/test_support.hpp"

namespace lightning::testing {
namespace {

namespace fs = std::filesystem;

// A temp dir with a store, a lightning-run cache and git's identity.
class Sandbox {
 public:
  Sandbox() {
    env_.set = {{"LIGHTNING_HOME", tmp_ / "home"}, {"LIGHTNING_CACHE_DIR", tmp_ / "cache"},
                {"GIT_AUTHOR_NAME", "Test"},       {"GIT_AUTHOR_EMAIL", "test@example.com"},
                {"GIT_COMMITTER_NAME", "Test"},    {"GIT_COMMITTER_EMAIL", "test@example.com"},
                {"GIT_CONFIG_NOSYSTEM", "1"},      {"HOME", tmp_.path()}};
    env_.unset = {"LIGHTNING_RUN_CONFIG", "LIGHTNING_CXX"};
  }

  std::string path(const std::string& name) const { return tmp_ / name; }
  std::string store() const { return tmp_ / "home/components"; }

  ProcessOutput lightning(std::vector<std::string> args, const std::string& cwd = "") const {
    args.insert(args.begin(), LIGHTNING_EXE);
    return run_process(std::move(args), env_, cwd.empty() ? tmp_.path() : cwd);
  }

  // Runs git in `dir`; fails the test when it fails.
  void git(const std::string& dir, std::vector<std::string> args) const {
    args.insert(args.begin(), "git");
    const ProcessOutput r = run_process(std::move(args), env_, dir);
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  // `dir` as a git repository with one commit of everything in it, tagged.
  void commit_all(const std::string& dir, const std::string& tag) const {
    if (!fs::exists(dir + "/.git")) git(dir, {"init", "-q", "-b", "main"});
    git(dir, {"add", "-A"});
    git(dir, {"commit", "-q", "-m", "release " + tag});
    if (!tag.empty()) git(dir, {"tag", tag});
  }

  std::string head_commit(const std::string& dir) const {
    const ProcessOutput r = run_process({"git", "rev-parse", "HEAD"}, env_, dir);
    return r.out.substr(0, 40);
  }

 private:
  TempDir tmp_;
  Env env_;
};

std::string installed_entry(const std::string& store, const std::string& name) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(store + "/" + name, ec)) return e.path().string();
  return "";
}

std::string only_build_dir(const std::string& entry) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(entry + "/builds", ec)) {
    if (e.is_directory() && fs::exists(e.path() / "link.json")) return e.path().string();
  }
  return "";
}

// ---- components built for real ------------------------------------------------

class ComponentBuildTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    box_ = new Sandbox();
    const ProcessOutput init =
        box_->lightning({"init", "component", "acme", "--dir", box_->path("acme")});
    ASSERT_EQ(init.exit_code, 0) << init.out << init.err;
    box_->commit_all(box_->path("acme"), "v0.1.0");
    install_ = new ProcessOutput(
        box_->lightning({"install", "component", "file://" + box_->path("acme") + "@v0.1.0"}));
  }
  static void TearDownTestSuite() {
    delete install_;
    delete box_;
  }

  static Sandbox* box_;
  static ProcessOutput* install_;
};
Sandbox* ComponentBuildTest::box_ = nullptr;
ProcessOutput* ComponentBuildTest::install_ = nullptr;

TEST_F(ComponentBuildTest, InstallBuildsListsAndASecondInstallDoesNotRebuild) {
  ASSERT_EQ(install_->exit_code, 0) << install_->out << install_->err;
  const std::string commit = box_->head_commit(box_->path("acme"));
  EXPECT_NE(install_->out.find("installed acme 0.1.0 (file://" + box_->path("acme") + "@" +
                               commit.substr(0, 12) + ") in "),
            std::string::npos)
      << install_->out;

  const std::string entry = installed_entry(box_->store(), "acme");
  EXPECT_EQ(fs::path(entry).filename().string(), "0.1.0+" + commit.substr(0, 12));
  EXPECT_TRUE(fs::exists(entry + "/src/lightning-component.json"));
  EXPECT_FALSE(fs::exists(entry + "/src/.git"));
  const std::string build = only_build_dir(entry);
  ASSERT_FALSE(build.empty());
  EXPECT_TRUE(fs::exists(build + "/prefix/lib/libacme.a"));
  const std::string link = read_text(build + "/link.json");
  EXPECT_NE(link.find(build + "/prefix/lib/libacme.a"), std::string::npos) << link;
  EXPECT_NE(link.find(build + "/prefix/include"), std::string::npos) << link;
  EXPECT_EQ(link.find("liblightning"), std::string::npos) << "Lightning's own libraries: " << link;
  EXPECT_FALSE(fs::exists(box_->store() + "/.cmake") && fs::is_empty(box_->store() + "/.cmake"));

  const ProcessOutput list = box_->lightning({"list", "components"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const std::string row = line_with(list.out, "acme ");
  EXPECT_NE(row.find("0.1.0"), std::string::npos) << list.out;
  EXPECT_NE(row.find("file://" + box_->path("acme")), std::string::npos) << list.out;
  EXPECT_NE(row.find(commit.substr(0, 12)), std::string::npos) << list.out;
  EXPECT_NE(row.find(fs::path(build).filename().string() + " (this)"), std::string::npos)
      << list.out;
  EXPECT_NE(line_with(list.out, "script ").find("builtin"), std::string::npos) << list.out;
  const ProcessOutput json = box_->lightning({"list", "components", "--json"});
  EXPECT_NE(json.out.find("\"commit\": \"" + commit + "\""), std::string::npos) << json.out;

  const FileIdentity log_before = identity_of(build + "/build.log");
  ASSERT_TRUE(log_before.exists);
  const ProcessOutput again =
      box_->lightning({"install", "component", "file://" + box_->path("acme") + "@v0.1.0"});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("acme 0.1.0 is already installed"), std::string::npos) << again.out;
  EXPECT_EQ(identity_of(build + "/build.log"), log_before) << "rebuilt";
}

TEST_F(ComponentBuildTest, InitComponentBuildsAndPassesItsTestThenInstallsFromItsDirectory) {
  const ProcessOutput build = box_->lightning({"build", "component", "--test"}, box_->path("acme"));
  ASSERT_EQ(build.exit_code, 0) << build.out << build.err;
  EXPECT_NE(build.out.find("built acme 0.1.0"), std::string::npos) << build.out;
  EXPECT_NE(build.out.find("the tests passed"), std::string::npos) << build.out;
  EXPECT_NE(build.out.find("100% tests passed"), std::string::npos) << build.out;

  // The same files as the tagged commit (build/ is not part of a component's
  // content): the installed entry is found, nothing is built.
  const ProcessOutput install = box_->lightning({"install", "component", box_->path("acme")});
  EXPECT_EQ(install.exit_code, 0) << install.out << install.err;
  EXPECT_NE(install.out.find("acme 0.1.0 is already installed"), std::string::npos) << install.out;
}

class ComponentBuildFailureTest : public ::testing::Test {
 protected:
  Sandbox box;
  Sandbox* box_ = &box;
};

TEST_F(ComponentBuildFailureTest, AComponentThatDoesNotCompileNamesTheCompilersLineAndTheLog) {
  const std::string dir = box_->path("broken");
  ASSERT_EQ(box_->lightning({"init", "component", "broken", "--dir", dir}).exit_code, 0);
  write_text(dir + "/src/broken.cpp", "#include \"broken/broken.hpp\"\nint f() { return nope; }\n");
  const ProcessOutput r = box_->lightning({"install", "component", dir});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("component 'broken' 0.1.0 does not build"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("broken.cpp:2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("nope"), std::string::npos) << r.err;
  const std::size_t at = r.err.find("(full log: ");
  ASSERT_NE(at, std::string::npos) << r.err;
  const std::string log = r.err.substr(at + 11, r.err.find(')', at) - at - 11);
  EXPECT_NE(read_text(log).find("nope"), std::string::npos) << log;
  EXPECT_TRUE(only_build_dir(installed_entry(box_->store(), "broken")).empty());

  // It was fetched, not built; remove takes it away.
  const ProcessOutput removed = box_->lightning({"remove", "component", "broken"});
  EXPECT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_NE(removed.out.find("removed broken"), std::string::npos) << removed.out;
  EXPECT_FALSE(fs::exists(box_->store() + "/broken"));
  const ProcessOutput list = box_->lightning({"list", "components"});
  EXPECT_EQ(line_with(list.out, "broken"), "") << list.out;
}

TEST_F(ComponentBuildFailureTest, APackageWithoutTheManifestsTargetNamesTheTargetAndWhatItHas) {
  const std::string dir = box_->path("notarget");
  write_text(dir + "/lightning-component.json",
             R"({"name": "notarget", "version": "1.0.0", "description": "d",
                 "target": "notarget::notarget"})");
  // Installs a package config that defines another target, and compiles nothing.
  write_text(dir + "/CMakeLists.txt",
             "cmake_minimum_required(VERSION 3.22)\nproject(notarget LANGUAGES NONE)\n"
             "file(WRITE ${CMAKE_BINARY_DIR}/notargetConfig.cmake "
             "\"add_library(other::thing INTERFACE IMPORTED)\\n\")\n"
             "install(FILES ${CMAKE_BINARY_DIR}/notargetConfig.cmake DESTINATION "
             "lib/cmake/notarget)\n");
  const ProcessOutput r = box_->lightning({"install", "component", dir});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("component 'notarget' 1.0.0: its manifest's target 'notarget::notarget' "
                       "does not exist after `cmake --install` (find_package(notarget CONFIG) "
                       "defined: other::thing)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("fix \"target\" in lightning-component.json"), std::string::npos) << r.err;
}

class ComponentBuildAppTest : public ComponentBuildFailureTest {};

TEST_F(ComponentBuildAppTest, InitAppRunsAndExitsZero) {
  const std::string dir = box_->path("demo");
  const ProcessOutput init = box_->lightning({"init", "app", "demo", "--dir", dir});
  ASSERT_EQ(init.exit_code, 0) << init.err;
  for (const char* file : {"app.cpp", "lightning.json", "README.md", ".gitignore"}) {
    EXPECT_TRUE(fs::exists(dir + "/" + file)) << file;
  }
  const ProcessOutput run = box_->lightning({"run", "app.cpp"}, dir);
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("12 squared is 144"), std::string::npos) << run.out;
}

// ---- bad input, refused before anything is built -----------------------------

class ComponentStoreInputTest : public ::testing::Test {
 protected:
  // A directory with just a manifest (nothing is compiled in these tests).
  std::string manifest_only(const std::string& name, const std::string& extra) {
    const std::string dir = box_.path(name);
    write_text(dir + "/lightning-component.json",
               R"({"name": ")" + name +
                   R"(", "version": "1.0.0", "description": "d", "target": ")" + name +
                   "::" + name + "\"" + extra + "}");
    return dir;
  }

  Sandbox box_;
};

TEST_F(ComponentStoreInputTest, AUrlThatIsNotARepositorySaysSo) {
  const std::string url = "file://" + box_.path("nothing-here");
  const ProcessOutput r = box_.lightning({"install", "component", url});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("cannot fetch the component source " + url), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("does not appear to be a git repository"), std::string::npos) << r.err;
}

TEST_F(ComponentStoreInputTest, ARevisionThatDoesNotExistNamesItAndTheSource) {
  const std::string dir = manifest_only("acme", "");
  box_.commit_all(dir, "v1.0.0");
  const ProcessOutput r = box_.lightning({"install", "component", "file://" + dir + "@v9"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("revision 'v9' not found in file://" + dir), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("git ls-remote"), std::string::npos) << r.err;
}

TEST_F(ComponentStoreInputTest, ASourceWithoutAManifestIsNotAComponent) {
  const std::string dir = box_.path("plain");
  write_text(dir + "/CMakeLists.txt", "project(plain)\n");
  box_.commit_all(dir, "");
  const ProcessOutput r = box_.lightning({"install", "component", "file://" + dir});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("file://" + dir + " has no lightning-component.json"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("lightning init component"), std::string::npos) << r.err;
}

TEST_F(ComponentStoreInputTest, AManifestWithABadFieldNamesTheFileAndTheField) {
  const std::string dir = box_.path("bad");
  write_text(dir + "/lightning-component.json",
             R"({"name": "bad", "version": "1.2", "description": "d", "target": "bad::bad"})");
  box_.commit_all(dir, "v1");
  const ProcessOutput r = box_.lightning({"install", "component", "file://" + dir + "@v1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("file://" + dir + "@v1:lightning-component.json"), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("version"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("'1.2'"), std::string::npos) << r.err;
}

TEST_F(ComponentStoreInputTest, AMissingSystemPackageNamesItAndTheAptCommand) {
  const std::string dir =
      manifest_only("needy", R"(, "system_packages": ["lightning-no-such-package-dev"])");
  const ProcessOutput r = box_.lightning({"install", "component", dir});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("component 'needy' 1.0.0 needs the system package "
                       "lightning-no-such-package-dev"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("apt-get install lightning-no-such-package-dev"), std::string::npos)
      << r.err;
}

TEST_F(ComponentStoreInputTest, ADependencyNotInstalledIsNamedWithTheInstallCommand) {
  const std::string dir =
      manifest_only("user", R"(, "dependencies": {"acme_data": "^2.0", "script": "*"})");
  const ProcessOutput r = box_.lightning({"install", "component", dir});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("component 'user' 1.0.0 needs components that are not installed"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("'acme_data' ^2.0 (needed by user; not installed)"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("'script'"), std::string::npos) << "a built-in one: " << r.err;
  EXPECT_NE(r.err.find("lightning install component SOURCE"), std::string::npos) << r.err;
}

TEST_F(ComponentStoreInputTest, BuiltinsCannotBeRemovedAndUnknownOnesAreNotInstalled) {
  ProcessOutput r = box_.lightning({"remove", "component", "script"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("component 'script' is part of Lightning"), std::string::npos) << r.err;
  r = box_.lightning({"remove", "component", "acme@1.0.0"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("component 'acme' 1.0.0 is not installed"), std::string::npos) << r.err;
}

TEST_F(ComponentStoreInputTest, InitRefusesABadNameAndANonEmptyDirectory) {
  ProcessOutput r = box_.lightning({"init", "component", "Acme"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("'Acme' is not a valid component name"), std::string::npos) << r.err;
  write_text(box_.path("full/file"), "x");
  r = box_.lightning({"init", "app", "full", "--dir", box_.path("full")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find(box_.path("full") + " exists and is not empty"), std::string::npos) << r.err;
  r = box_.lightning({"install"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("lightning install component SOURCE"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lightning::testing
