// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The component store without git or cmake: source parsing, the toolchain
// key, list() and remove() over entries written by hand, the generated
// Lightning package's text, and the component commands' command lines.
// tests/integration/component_store_test.cpp fetches and builds for real.
#include "component_store.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <string>
#include <vector>

#include "cli_options.hpp"
#include "common/temp_dir.hpp"
#include "component_build.hpp"
#include "errors.hpp"

namespace unit_cli {
namespace {

namespace fs = std::filesystem;
using lightning::cli::CliError;
using lightning::cli::ComponentStore;
using lightning::cli::ComponentToolchain;
using lightning::cli::SourceSpec;
using lightning::testing::TempDir;

std::string parse_error(const std::string& text) {
  try {
    SourceSpec::parse(text);
  } catch (const CliError& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error for '" << text << "'";
  return "";
}

void write_store_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(SourceSpecTest, GitUrlsSplitTheRevisionAtTheLastAtAfterThePath) {
  SourceSpec s = SourceSpec::parse("git+file:///srv/r.git@v1.2.0");
  EXPECT_EQ(s.source, "file:///srv/r.git");
  EXPECT_EQ(s.rev, "v1.2.0");
  EXPECT_TRUE(s.git);

  s = SourceSpec::parse("https://host/r.git");
  EXPECT_EQ(s.source, "https://host/r.git");
  EXPECT_EQ(s.rev, "");
  EXPECT_TRUE(s.git);

  // The user part of an scp-like address or a URL is not a revision.
  s = SourceSpec::parse("git@host:team/r.git@main");
  EXPECT_EQ(s.source, "git@host:team/r.git");
  EXPECT_EQ(s.rev, "main");
  s = SourceSpec::parse("git@host:team/r.git");
  EXPECT_EQ(s.source, "git@host:team/r.git");
  EXPECT_EQ(s.rev, "");
  s = SourceSpec::parse("ssh://me@host/r.git");
  EXPECT_EQ(s.source, "ssh://me@host/r.git");
  EXPECT_EQ(s.rev, "");
  s = SourceSpec::parse("ssh://me@host/r.git@9f3c1a2");
  EXPECT_EQ(s.rev, "9f3c1a2");
}

TEST(SourceSpecTest, ADirectoryIsMadeAbsoluteAndADirectoryRepositoryMayHaveARevision) {
  TempDir tmp;
  fs::create_directories(tmp / "comp");
  fs::current_path(tmp.path());
  SourceSpec s = SourceSpec::parse("./comp");
  EXPECT_EQ(s.source, tmp / "comp");
  EXPECT_FALSE(s.git);
  EXPECT_EQ(s.rev, "");

  EXPECT_NE(parse_error("./comp@v1").find("not a git repository"), std::string::npos);
  fs::create_directories(tmp / "comp/.git");
  s = SourceSpec::parse("./comp@v1");
  EXPECT_EQ(s.source, tmp / "comp");
  EXPECT_EQ(s.rev, "v1");
  EXPECT_TRUE(s.git);
  fs::current_path("/");
}

TEST(SourceSpecTest, BadSourcesAreRefusedSayingWhy) {
  EXPECT_NE(parse_error("").find("empty component source"), std::string::npos);
  EXPECT_NE(parse_error("file:///r.git@").find("nothing after '@'"), std::string::npos);
  EXPECT_NE(parse_error("file:///r.git@-x").find("starts with '-'"), std::string::npos);
  EXPECT_NE(parse_error("file:///r.git@a b").find("blanks"), std::string::npos);
  EXPECT_NE(parse_error("ftp://host/r.git").find("'ftp://'"), std::string::npos);
  // Found by fuzz_cli_component_source: "git+" alone was an empty source.
  EXPECT_NE(parse_error("git+").find("has no URL"), std::string::npos);
  EXPECT_NE(parse_error("git+@v1").find("has no URL"), std::string::npos);
  const std::string missing = parse_error("/no/such/dir/anywhere");
  EXPECT_NE(missing.find("/no/such/dir/anywhere"), std::string::npos);
  EXPECT_NE(missing.find("neither a git URL"), std::string::npos);
}

ComponentToolchain sample_toolchain() {
  ComponentToolchain t;
  t.compiler = "/usr/bin/clang++";
  t.compiler_identity = "/usr/lib/llvm-14/bin/clang\nDebian clang version 14.0.6\n";
  t.cxx_flags = {"-pthread"};
  t.link_flags = {"-fuse-ld=lld", "-pthread"};
  t.lightning_version = "0.1.0";
  t.library_config = "/opt/lightning/share/lightning/lightning-run.json";
  return t;
}

TEST(ComponentToolchainTest, KeyIsStableAndCoversEveryField) {
  const ComponentToolchain t = sample_toolchain();
  // A fixed value: a key that changes between releases rebuilds every
  // installed component, so a change must be on purpose.
  EXPECT_EQ(t.key(), "d4c47c01ddfc96b2");
  EXPECT_EQ(t.key().size(), 16u);
  EXPECT_EQ(t.key(), sample_toolchain().key());
  std::vector<ComponentToolchain> changed(7, t);
  changed[0].compiler = "/usr/bin/g++";
  changed[1].compiler_identity += "x";
  changed[2].cxx_flags.push_back("-fsanitize=address");
  changed[3].link_flags = {"-fuse-ld=gold", "-pthread"};
  changed[4].lightning_version = "0.2.0";
  changed[5].library_config = "/other/lightning-run.json";
  changed[6].cxx_flags = {"-pthread", ""};  // lengths are part of the key
  for (const auto& c : changed) EXPECT_NE(c.key(), t.key());
}

// An entry as fetch() writes it.
void write_entry(const fs::path& store, const std::string& name, const std::string& version,
                 const std::string& id) {
  const std::string manifest = R"({"name": ")" + name + R"(", "version": ")" + version +
                               R"(", "description": "test", "target": ")" + name + "::" + name +
                               R"("})";
  write_store_file(store / name / (version + "+" + id) / "installed.json",
                   R"({"manifest": )" + manifest + R"(, "source": "file:///srv/)" + name +
                       R"(.git", "requested_rev": "", "commit": ")" + id + std::string(28, '0') +
                       R"(", "content_sha256": ")" + std::string(64, 'a') +
                       R"(", "installed_at": "2026-11-30T12:00:00Z"})");
}

TEST(ComponentStoreTest, ListSortsByNameThenVersionAndSkipsABrokenEntry) {
  TempDir tmp;
  const fs::path store = tmp / "store";
  write_entry(store, "beta", "1.0.0", "bbbbbbbbbbbb");
  write_entry(store, "alpha", "1.10.0", "aaaaaaaaaaa2");
  write_entry(store, "alpha", "1.9.0", "aaaaaaaaaaa1");
  write_store_file(store / "alpha" / "2.0.0+cccccccccccc" / "installed.json", "{not json");
  fs::create_directories(store / "gamma" / "1.0.0+dddddddddddd");  // no installed.json
  fs::create_directories(store / ".git" / "0123456789abcdef.git");

  ::testing::internal::CaptureStderr();
  const auto list = ComponentStore(store).list();
  const std::string err = ::testing::internal::GetCapturedStderr();
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[0].manifest.name, "alpha");
  EXPECT_EQ(list[0].manifest.version.str(), "1.9.0");
  EXPECT_EQ(list[1].manifest.version.str(), "1.10.0");
  EXPECT_EQ(list[2].manifest.name, "beta");
  EXPECT_EQ(list[2].dir, store / "beta" / "1.0.0+bbbbbbbbbbbb");
  EXPECT_EQ(list[2].source, "file:///srv/beta.git");
  EXPECT_EQ(list[2].source_dir(), list[2].dir / "src");
  EXPECT_NE(err.find("2.0.0+cccccccccccc"), std::string::npos) << err;
  EXPECT_NE(err.find("1.0.0+dddddddddddd"), std::string::npos) << err;

  const auto candidate = list[2].candidate();
  EXPECT_EQ(candidate.name, "beta");
  EXPECT_FALSE(candidate.builtin);
  EXPECT_EQ(candidate.commit, list[2].commit);
}

TEST(ComponentStoreTest, RemoveTakesOneVersionOrAllAndSaysWhenNoneMatches) {
  TempDir tmp;
  const fs::path store = tmp / "store";
  write_entry(store, "alpha", "1.0.0", "aaaaaaaaaaa1");
  write_entry(store, "alpha", "2.0.0", "aaaaaaaaaaa2");
  write_entry(store, "beta", "1.0.0", "bbbbbbbbbbbb");
  ComponentStore s(store);

  EXPECT_EQ(s.remove("alpha", lightning::package::Version::parse("2.0.0")), 1);
  EXPECT_FALSE(fs::exists(store / "alpha" / "2.0.0+aaaaaaaaaaa2"));
  EXPECT_TRUE(fs::exists(store / "alpha" / "1.0.0+aaaaaaaaaaa1"));
  try {
    s.remove("alpha", lightning::package::Version::parse("2.0.0"));
    ADD_FAILURE() << "removed twice";
  } catch (const CliError& e) {
    EXPECT_NE(std::string(e.what()).find("component 'alpha' 2.0.0 is not installed"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(s.remove("alpha", std::nullopt), 1);
  EXPECT_FALSE(fs::exists(store / "alpha"));
  EXPECT_EQ(s.list().size(), 1u);
  EXPECT_THROW(s.remove("alpha", std::nullopt), CliError);
  EXPECT_THROW(s.remove("../beta", std::nullopt), CliError);
  EXPECT_TRUE(fs::exists(store / "beta" / "1.0.0+bbbbbbbbbbbb"));
}

TEST(ComponentPackageTest, GeneratedLightningPackageDefinesTheLibraryAndEachBuiltinComponent) {
  lightning::cli::LibraryConfig library;
  library.config_path = "/opt/l/share/lightning/lightning-run.json";
  library.version = "0.1.0";
  library.include_dirs = {"/opt/l/include"};
  library.lib_dirs = {"/opt/l/lib"};
  library.libraries = {"-Wl,-Bstatic", "lightning", "-Wl,-Bdynamic", "z"};
  library.compile_flags = {"-std=c++17", "-pthread"};
  library.link_flags = {"-pthread"};
  library.components["script"] = {
      {"/opt/l/include"}, {"/opt/l/lib/liblightning_script.a"}, false, "0.1.0", "", {}};
  library.components["train"] = {
      {"/opt/l/include"}, {"/opt/l/lib/liblightning_train.a"}, true, "0.1.0", "", {}};
  library.torch = lightning::cli::TorchConfig{"1.13.0",
                                              {"/usr/include/torch/csrc/api/include"},
                                              {"-D_GLIBCXX_USE_CXX11_ABI=1"},
                                              {"/usr/lib/libtorch.so"},
                                              "torch/torch.h"};
  const std::string text = lightning::cli::lightning_package_config(library);
  EXPECT_NE(text.find("add_library(Lightning::lightning INTERFACE IMPORTED)"), std::string::npos);
  EXPECT_NE(text.find("INTERFACE_LINK_LIBRARIES [==[-Wl,-Bstatic;lightning;-Wl,-Bdynamic;z]==]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("INTERFACE_COMPILE_OPTIONS [==[-pthread]==]"), std::string::npos) << text;
  EXPECT_NE(text.find("INTERFACE_COMPILE_FEATURES [==[cxx_std_17]==]"), std::string::npos);
  EXPECT_NE(text.find("INTERFACE_LINK_OPTIONS [==[-pthread;-Wl,-rpath,/opt/l/lib]==]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("add_library(Lightning::script INTERFACE IMPORTED)"), std::string::npos);
  EXPECT_NE(text.find("[==[/opt/l/lib/liblightning_script.a;Lightning::lightning]==]"),
            std::string::npos)
      << text;
  EXPECT_NE(
      text.find("[==[/opt/l/lib/liblightning_train.a;Lightning::lightning;Lightning::torch]==]"),
      std::string::npos)
      << text;
  EXPECT_NE(text.find("add_library(Lightning::torch INTERFACE IMPORTED)"), std::string::npos);
  EXPECT_NE(text.find(library.config_path), std::string::npos);

  const std::string version = lightning::cli::lightning_package_version("0.1.0");
  EXPECT_NE(version.find("set(PACKAGE_VERSION \"0.1.0\")"), std::string::npos);
}

TEST(ComponentPackageTest, TemplatesLinkJsonAndLogTails) {
  using lightning::cli::render_template;
  EXPECT_EQ(
      render_template("{{name}}::{{Name}} {{name}} {{other}}", {{"name", "a_b"}, {"Name", "AB"}}),
      "a_b::AB a_b {{other}}");
  EXPECT_EQ(render_template("{{x}}", {{"x", "{{x}}"}}), "{{x}}");

  lightning::cli::ComponentBuild build;
  build.include_dirs = {"/s/acme/include"};
  build.compile_flags = {"-DACME=1"};
  build.libraries = {"/s/acme/lib/libacme.a", "dl"};
  build.stamped_files = {"/s/acme/lib/libacme.a"};
  const auto back = lightning::cli::parse_component_build(
      lightning::cli::component_build_json(build), "link.json");
  EXPECT_EQ(back.include_dirs, build.include_dirs);
  EXPECT_EQ(back.compile_flags, build.compile_flags);
  EXPECT_EQ(back.libraries, build.libraries);
  EXPECT_EQ(back.stamped_files, build.stamped_files);
  EXPECT_THROW(lightning::cli::parse_component_build("[1", "link.json"), CliError);

  TempDir tmp;
  write_store_file(tmp / "log", "1\n2\n3\n4\n");
  EXPECT_EQ(lightning::cli::tail_of_file(tmp / "log", 2), "3\n4\n");
  EXPECT_EQ(lightning::cli::tail_of_file(tmp / "log", 10), "1\n2\n3\n4\n");
}

lightning::cli::CliCommand parse_command(std::initializer_list<const char*> args) {
  std::vector<std::string> storage = {"lightning"};
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& arg : storage) argv.push_back(arg.data());
  return lightning::cli::parse_cli_command(static_cast<int>(argv.size()), argv.data());
}

TEST(ComponentCommandLineTest, EachCommandReadsItsObjectArgumentAndFlags) {
  auto c = parse_command({"install", "component", "file:///r.git@v1", "--store", "/s"}).component;
  EXPECT_EQ(c.verb, "install");
  EXPECT_EQ(c.object, "component");
  EXPECT_EQ(c.argument, "file:///r.git@v1");
  EXPECT_EQ(c.store, "/s");
  c = parse_command({"list", "components", "--json"}).component;
  EXPECT_EQ(c.verb, "list");
  EXPECT_TRUE(c.json);
  c = parse_command({"remove", "component", "acme@1.0.0"}).component;
  EXPECT_EQ(c.argument, "acme@1.0.0");
  c = parse_command({"init", "app", "demo", "--dir", "/tmp/d"}).component;
  EXPECT_EQ(c.object, "app");
  EXPECT_EQ(c.dir, "/tmp/d");
  c = parse_command({"build", "component", "--test"}).component;
  EXPECT_EQ(c.verb, "build");
  EXPECT_TRUE(c.test);
  EXPECT_EQ(c.argument, "");
}

TEST(ComponentCommandLineTest, AMissingObjectOrArgumentIsAUsageError) {
  for (auto args : {std::initializer_list<const char*>{"install"},
                    {"install", "component"},
                    {"remove", "component"},
                    {"init", "component"},
                    {"list"}}) {
    try {
      parse_command(args);
      ADD_FAILURE() << "no error for " << *args.begin();
    } catch (const CliError& e) {
      EXPECT_EQ(e.exit_code(), 2);
      EXPECT_NE(std::string(e.what()).find("usage: lightning " + std::string(*args.begin())),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_NE(lightning::cli::cli_usage().find("install"), std::string::npos);
}

}  // namespace
}  // namespace unit_cli
