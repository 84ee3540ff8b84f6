// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Installs this build (`cmake --install`) into a temp prefix and uses it from
// outside: an out-of-tree CMake project with find_package(Lightning), and the
// installed lightning-run with its relocated config.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace lightning::testing {
namespace {

namespace fs = std::filesystem;

class FindPackageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ProcessOutput r = run_process(
        {LIGHTNING_CMAKE_COMMAND, "--install", LIGHTNING_BINARY_DIR, "--prefix", prefix()});
    ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  }

  std::string prefix() const { return tmp_ / "prefix"; }

  TempDir tmp_;
};

TEST_F(FindPackageTest, InstallHasLibraryHeadersCliAndPackageConfig) {
  for (const char* file :
       {"include/lightning/lightning.hpp", "bin/lightning-run",
        "share/lightning/lightning-run.json", "lib/cmake/Lightning/LightningConfig.cmake",
        "lib/cmake/Lightning/LightningConfigVersion.cmake",
        "lib/cmake/Lightning/LightningTargets.cmake"}) {
    EXPECT_TRUE(fs::exists(prefix() + "/" + file)) << file;
  }
  EXPECT_TRUE(fs::exists(prefix() + "/" LIGHTNING_INSTALL_LIBDIR "/liblightning.a"));
}

TEST_F(FindPackageTest, OutOfTreeProjectBuildsAndRunsAgainstTheInstall) {
  const std::string build_dir = tmp_ / "build";
  ProcessOutput configure = run_process(
      {LIGHTNING_CMAKE_COMMAND, "-S", LIGHTNING_FIND_PACKAGE_PROJECT, "-B", build_dir, "-G",
       LIGHTNING_CMAKE_GENERATOR, "-DCMAKE_MAKE_PROGRAM=" LIGHTNING_MAKE_PROGRAM,
       "-DCMAKE_CXX_COMPILER=" LIGHTNING_CXX_COMPILER, "-DCMAKE_BUILD_TYPE=Release",
       "-DCMAKE_PREFIX_PATH=" + prefix(), "-DLIGHTNING_EXPECTED_PREFIX=" + prefix(),
       // Only the prefix under test: not a user/system package registry.
       "-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF", "-DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF"});
  ASSERT_EQ(configure.exit_code, 0) << configure.out << configure.err;

  ProcessOutput build = run_process({LIGHTNING_CMAKE_COMMAND, "--build", build_dir});
  ASSERT_EQ(build.exit_code, 0) << build.out << build.err;

  ProcessOutput app =
      run_process({build_dir + "/find_package_app", "--run-dir", tmp_ / "run"}, {}, tmp_.path());
  EXPECT_EQ(app.exit_code, 0) << app.out << app.err;
  EXPECT_NE(app.out.find("find_package app " LIGHTNING_VERSION_STRING " ran"), std::string::npos)
      << app.out << app.err;

  // A built-in component from the package: Lightning::script.
  ProcessOutput script = run_process(
      {build_dir + "/find_package_script_app", "--run-dir", tmp_ / "run2"}, {}, tmp_.path());
  EXPECT_EQ(script.exit_code, 0) << script.out << script.err;
  EXPECT_NE(script.out.find("find_package script app ran"), std::string::npos) << script.out;
}

TEST_F(FindPackageTest, InstalledLightningRunBuildsAgainstTheInstalledTree) {
  const std::string app = tmp_ / "app.cpp";
  write_text(app, read_text(LIGHTNING_FIND_PACKAGE_PROJECT "/app.cpp"));
  Env env;
  env.set = {{"CCACHE_DIR", tmp_ / "ccache"}};
  env.unset = {"LIGHTNING_RUN_CONFIG", "LIGHTNING_CACHE_DIR"};
  ProcessOutput r = run_process({prefix() + "/bin/lightning-run", "--verbose", "--cache-dir",
                                 tmp_ / "cache", "--run-dir", tmp_ / "run", app},
                                env, tmp_.path());
  EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("find_package app " LIGHTNING_VERSION_STRING " ran"), std::string::npos)
      << r.out << r.err;
  EXPECT_NE(r.err.find("from " + prefix() + "/share/lightning/lightning-run.json"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("-isystem " + prefix() + "/include"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("-Wl,-rpath," + prefix() + "/" LIGHTNING_INSTALL_LIBDIR), std::string::npos)
      << r.err;
}

}  // namespace
}  // namespace lightning::testing
