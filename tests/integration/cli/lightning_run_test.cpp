// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning-run end to end: the real binary, the real compiler, the real
// liblightning of this build. Each test has its own cache dir (and ccache dir)
// in a temp dir that is removed afterwards.
#include <gtest/gtest.h>
#include <signal.h>

#include <filesystem>
#include <string>
#include <vector>

#include "test_support.hpp"

#ifndef LIGHTNING_RUN_EXE
#error "LIGHTNING_RUN_EXE must be the path of the lightning-run under test"
#endif
#ifndef LIGHTNING_EXE
#error "LIGHTNING_EXE must be the path of the lightning CLI under test"
#endif

namespace lightning::testing {
namespace {

namespace fs = std::filesystem;

// A plain C++ app: compiles in a fraction of a second, needs no runtime.
constexpr const char* kExitCodeApp = R"APP(#include <cstdio>
int main() {
  std::puts("hello from the app");
  return 7;
}
)APP";

class LightningRunTest : public ::testing::Test {
 protected:
  std::string cache_dir() const { return tmp_ / "cache"; }

  // Writes `text` to <tmp>/src/<name> and returns its path.
  std::string write_app(const std::string& name, const std::string& text) const {
    const std::string path = tmp_ / ("src/" + name);
    write_text(path, text);
    return path;
  }

  Env env() const {
    Env e;
    e.set = {{"CCACHE_DIR", tmp_ / "ccache"}};
    e.unset = {"LIGHTNING_RUN_CONFIG", "LIGHTNING_CACHE_DIR"};
    return e;
  }

  // lightning-run --cache-dir <per-test cache> <args...>
  ProcessOutput lightning_run(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {LIGHTNING_RUN_EXE, "--cache-dir", cache_dir()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, env());
  }

  // --build-only --verbose: the binary's path (checked to exist), or "".
  std::string build(const std::string& source, std::vector<std::string> flags = {},
                    ProcessOutput* output = nullptr) const {
    flags.insert(flags.end(), {"--build-only", "--verbose", source});
    ProcessOutput r = lightning_run(flags);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::string binary = last_line(r.out);
    EXPECT_TRUE(fs::is_regular_file(binary)) << "not a file: '" << binary << "'\n" << r.err;
    if (output) *output = r;
    return binary;
  }

  // Leftover temporary build directories anywhere in the cache.
  std::vector<std::string> leftover_tmp_dirs() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(cache_dir(), ec), end; !ec && it != end;
         it.increment(ec)) {
      if (it->path().filename().string().rfind("tmp-", 0) == 0) out.push_back(it->path());
    }
    return out;
  }

  TempDir tmp_;
};

TEST_F(LightningRunTest, BuildsAppAndPassesItsExitCodeThrough) {
  const std::string app = write_app("exit_code.cpp", kExitCodeApp);
  ProcessOutput r = lightning_run({app});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_EQ(r.out, "hello from the app\n");
  EXPECT_EQ(r.err, "") << "a run without --verbose prints nothing of its own";
}

TEST_F(LightningRunTest, SecondRunOfUnchangedAppIsACacheHitAndDoesNotRecompile) {
  const std::string app = write_app("exit_code.cpp", kExitCodeApp);
  ProcessOutput first;
  const std::string binary = build(app, {}, &first);
  EXPECT_NE(first.err.find("cache miss"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("compiling: "), std::string::npos) << first.err;
  const FileIdentity before = identity_of(binary);

  ProcessOutput second;
  EXPECT_EQ(build(app, {}, &second), binary);
  EXPECT_NE(second.err.find("cache hit"), std::string::npos) << second.err;
  EXPECT_EQ(second.err.find("compiling"), std::string::npos) << second.err;
  EXPECT_EQ(identity_of(binary), before) << "the cached binary was rewritten";

  ProcessOutput run = lightning_run({app});
  EXPECT_EQ(run.exit_code, 7);
  EXPECT_EQ(identity_of(binary), before);
}

TEST_F(LightningRunTest, EditingTheSourceRebuilds) {
  const std::string app = write_app("edit.cpp", "int main() { return 3; }\n");
  EXPECT_EQ(lightning_run({app}).exit_code, 3);
  const std::string old_binary = build(app);

  write_text(app, "int main() { return 4; }\n");
  ProcessOutput rebuilt;
  const std::string new_binary = build(app, {}, &rebuilt);
  EXPECT_NE(rebuilt.err.find("cache miss"), std::string::npos) << rebuilt.err;
  EXPECT_NE(new_binary, old_binary);
  EXPECT_EQ(lightning_run({app}).exit_code, 4);
}

TEST_F(LightningRunTest, EditingAnIncludedHeaderRebuilds) {
  write_app("settings.hpp", "constexpr int kCode = 3;\n");
  const std::string app =
      write_app("uses_header.cpp", "#include \"settings.hpp\"\nint main() { return kCode; }\n");
  EXPECT_EQ(lightning_run({app}).exit_code, 3);
  ProcessOutput hit;
  build(app, {}, &hit);
  EXPECT_NE(hit.err.find("cache hit"), std::string::npos) << hit.err;

  write_app("settings.hpp", "constexpr int kCode = 4;\n");
  ProcessOutput miss;
  build(app, {}, &miss);
  EXPECT_NE(miss.err.find("cache miss"), std::string::npos)
      << "a changed header must invalidate the cache\n"
      << miss.err;
  EXPECT_EQ(lightning_run({app}).exit_code, 4);
}

TEST_F(LightningRunTest, CompileErrorIsShownAsTheCompilerPrintedItAndFails) {
  const std::string app =
      write_app("broken.cpp", "int main() {\n  int x = 1;\n  return x + undeclared_name;\n}\n");
  ProcessOutput r = lightning_run({app});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_EQ(r.signal, 0);

  // The same compiler lightning-run picks, run directly on the same file.
  const char* chosen = std::getenv("LIGHTNING_CXX");
  std::string compiler = chosen && *chosen ? chosen : "clang++";
  if (!chosen && run_process({"sh", "-c", "command -v clang++"}).exit_code != 0) compiler = "g++";
  ProcessOutput direct = run_process({compiler, "-std=c++17", "-fsyntax-only", app});
  ASSERT_NE(direct.exit_code, 0);
  ASSERT_NE(direct.err.find("undeclared_name"), std::string::npos) << direct.err;
  EXPECT_NE(r.err.find(direct.err), std::string::npos) << "lightning-run's stderr:\n"
                                                       << r.err << "\ncompiler's own:\n"
                                                       << direct.err;

  EXPECT_EQ(last_line(r.err).rfind("lightning-run: error: compiling " + app + " failed", 0), 0u)
      << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(leftover_tmp_dirs().empty());
}

TEST_F(LightningRunTest, EnvReachesTheApp) {
  const std::string app = write_app("env.cpp", R"APP(#include <cstdio>
#include <cstdlib>
int main() {
  const char* greeting = std::getenv("GREETING");
  const char* spaced = std::getenv("SPACED");
  std::printf("%s|%s\n", greeting ? greeting : "(unset)", spaced ? spaced : "(unset)");
}
)APP");
  ProcessOutput r = lightning_run({"--env", "GREETING=hello", "--env=SPACED=a b=c", app});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "hello|a b=c\n");
}

TEST_F(LightningRunTest, LogLevelRunDirAndAppArgumentsArePassedThrough) {
  const std::string app = write_app("args.cpp", R"APP(#include <cstdio>
int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) std::printf("%s%s", i > 1 ? "|" : "", argv[i]);
  std::printf("\n");
}
)APP");
  const std::string run_dir = tmp_ / "run";
  ProcessOutput r = lightning_run(
      {"--log-level", "debug", "--run-dir", run_dir, app, "--", "a", "b c", "--verbose"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "--log-level|debug|--run-dir|" + run_dir + "|--|a|b c|--verbose\n");

  ProcessOutput bare = lightning_run({app});
  EXPECT_EQ(bare.out, "\n") << "no flags given, none passed";
}

TEST_F(LightningRunTest, CxxflagsArePartOfTheCacheKey) {
  const std::string app = write_app("flags.cpp", "int main() { return VALUE; }\n");
  EXPECT_EQ(lightning_run({"--cxxflags", "-DVALUE=5 -O1", app}).exit_code, 5);
  EXPECT_EQ(lightning_run({"--cxxflags", "-DVALUE=6", app}).exit_code, 6);
  ProcessOutput again;
  build(app, {"--cxxflags", "-DVALUE=5 -O1"}, &again);
  EXPECT_NE(again.err.find("cache hit"), std::string::npos)
      << "a previous flag set's binary is kept\n"
      << again.err;
}

TEST_F(LightningRunTest, RebuildFlagRecompilesAnUpToDateApp) {
  const std::string app = write_app("exit_code.cpp", kExitCodeApp);
  const std::string binary = build(app);
  const FileIdentity before = identity_of(binary);
  ProcessOutput rebuilt;
  EXPECT_EQ(build(app, {"--rebuild"}, &rebuilt), binary);
  EXPECT_NE(rebuilt.err.find("cache miss (--rebuild)"), std::string::npos) << rebuilt.err;
  EXPECT_FALSE(identity_of(binary) == before) << "--rebuild must replace the binary";
  EXPECT_EQ(lightning_run({app}).exit_code, 7);
}

TEST_F(LightningRunTest, ConcurrentFirstBuildsOfTheSameAppBothSucceed) {
  const std::string app = write_app("exit_code.cpp", kExitCodeApp);
  std::vector<std::string> argv = {LIGHTNING_RUN_EXE, "--cache-dir", cache_dir(), "--build-only",
                                   app};
  Process a(argv, env());
  Process b(argv, env());
  a.start();
  b.start();
  ProcessOutput ra = a.wait();
  ProcessOutput rb = b.wait();
  ASSERT_EQ(ra.exit_code, 0) << ra.err;
  ASSERT_EQ(rb.exit_code, 0) << rb.err;
  EXPECT_EQ(ra.out, rb.out);
  const std::string binary = last_line(ra.out);
  ProcessOutput run = run_process({binary});
  EXPECT_EQ(run.exit_code, 7);
  EXPECT_EQ(run.out, "hello from the app\n");
  EXPECT_TRUE(leftover_tmp_dirs().empty());
}

TEST_F(LightningRunTest, AppReplacesLightningRunSoSignalsPassThrough) {
  const std::string app = write_app("signal.cpp", R"APP(#include <csignal>
#include <cstdio>
#include <unistd.h>
int main() {
  std::printf("%d\n", static_cast<int>(getpid()));
  std::fflush(stdout);
  std::raise(SIGTERM);
  return 0;
}
)APP");
  build(app);  // so that the run below is a pure exec
  Process p({LIGHTNING_RUN_EXE, "--cache-dir", cache_dir(), app}, env());
  p.start();
  const pid_t lightning_run_pid = p.pid();
  ProcessOutput r = p.wait();
  EXPECT_EQ(r.signal, SIGTERM) << "exit code " << r.exit_code << "\n" << r.err;
  EXPECT_EQ(r.out, std::to_string(lightning_run_pid) + "\n")
      << "the app must run in lightning-run's process (exec), not as its child";
}

TEST_F(LightningRunTest, LightningAppUsesThePrecompiledHeaderAndStops) {
  constexpr const char* kStopApp = R"APP(#include <lightning/lightning.hpp>
struct Root : lightning::Flow {
  void run() override { stop(); }
};
LIGHTNING_APP(Root)
)APP";
  const std::string first = write_app("stop_first.cpp", kStopApp);
  const std::string second = write_app("stop_second.cpp", kStopApp);
  ProcessOutput r = lightning_run({"-v", "--run-dir", tmp_ / "run1", first});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("pch: built"), std::string::npos) << r.err;

  ProcessOutput r2 = lightning_run({"-v", "--run-dir", tmp_ / "run2", second});
  EXPECT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_NE(r2.err.find("pch: reusing"), std::string::npos)
      << "the PCH is built once per compiler, flags and library version\n"
      << r2.err;
}

// Components and libtorch: lightning-run reads the app's includes and adds
// what lightning-run.json says they need (docs/design/lightning-run.md).
TEST_F(LightningRunTest, AnAppUsingAComponentBuildsRunsAndIsACacheHitTheSecondTime) {
  constexpr const char* kScriptApp = R"APP(#include <lightning/components/script.hpp>
#include <lightning/lightning.hpp>
#include <cstdio>
struct Root : lightning::Flow {
  lightning::components::ScriptWork& echo = add_work<lightning::components::ScriptWork>("echo");
  void run() override {
    echo.call({{"argv", {"sh", "-c", "echo from-the-script"}}});
    std::printf("tail=%s\n", echo.stdout_tail.get().c_str());
    std::fflush(stdout);
    stop();
  }
};
LIGHTNING_APP(Root)
)APP";
  const std::string app = write_app("script_app.cpp", kScriptApp);
  ProcessOutput first = lightning_run({"-v", "--run-dir", tmp_ / "run1", app});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("tail=from-the-script"), std::string::npos) << first.out << first.err;
  EXPECT_NE(first.err.find("the app needs: script"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("liblightning_script.a"), std::string::npos) << first.err;
  ProcessOutput second = lightning_run({"-v", "--build-only", app});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("cache hit"), std::string::npos) << second.err;
}

TEST_F(LightningRunTest, AnAppIncludingAComponentThisBuildLacksGetsAClearError) {
  const std::string app = write_app("nope_app.cpp", R"APP(#include <lightning/lightning.hpp>
#include <lightning/components/no_such_component.hpp>
int main() { return 0; }
)APP");
  ProcessOutput r = lightning_run({"--build-only", app});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("nope_app.cpp: #include <lightning/components/no_such_component.hpp>: "
                       "there is no component 'no_such_component' in this build (components "
                       "built: "),
            std::string::npos)
      << r.err;
}

#ifdef LIGHTNING_TEST_TORCH
// The one libtorch compile of this suite (~10-20 s on 2 cores, PCH included).
TEST_F(LightningRunTest, ALibtorchAppBuildsWithItsOwnPrecompiledHeaderAndRuns) {
  constexpr const char* kTorchApp = R"APP(#include <lightning/lightning.hpp>
#include <torch/torch.h>
#include <cstdio>
struct MatMul : lightning::Work {
  lightning::State<double> sum{this, "sum", 0.0};
  void run(const lightning::Json&) override {
    auto a = torch::ones({16, 16});
    sum = a.matmul(a).sum().item<double>();
  }
};
struct Root : lightning::Flow {
  MatMul& w = add_work<MatMul>("w");
  void run() override {
    w.call();
    std::printf("sum=%.0f\n", w.sum.get());
    std::fflush(stdout);
    stop();
  }
};
LIGHTNING_APP(Root)
)APP";
  const std::string app = write_app("torch_app.cpp", kTorchApp);
  ProcessOutput first = lightning_run({"-v", "--run-dir", tmp_ / "run", app});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("sum=4096"), std::string::npos) << first.out << first.err;
  EXPECT_NE(first.err.find("the app needs: libtorch"), std::string::npos) << first.err;
  EXPECT_NE(first.err.find("pch: built"), std::string::npos) << first.err;
  const std::string pch_dir = cache_dir() + "/pch";
  bool torch_pch = false;
  for (const auto& entry : fs::directory_iterator(pch_dir)) {
    const std::string wrapper = read_text(entry.path() / "lightning-pch.hpp");
    const bool both = wrapper == "#include <lightning/lightning.hpp>\n#include <torch/torch.h>\n";
    torch_pch = torch_pch || both;
  }
  EXPECT_TRUE(torch_pch) << "no PCH of lightning.hpp + torch/torch.h under " << pch_dir;
  ProcessOutput second = lightning_run({"-v", "--build-only", app});
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("cache hit"), std::string::npos) << second.err;
}
#endif

TEST_F(LightningRunTest, LightningRunDoesWhatLightningRunDoes) {
  const std::string app = write_app("exit_code.cpp", kExitCodeApp);
  const std::string binary = build(app);
  ProcessOutput built =
      run_process({LIGHTNING_EXE, "run", "--cache-dir", cache_dir(), "--build-only", app}, env());
  EXPECT_EQ(built.exit_code, 0) << built.err;
  EXPECT_EQ(last_line(built.out), binary) << "the same cache, the same binary";

  ProcessOutput ran = run_process({LIGHTNING_EXE, "run", "--cache-dir", cache_dir(), app}, env());
  EXPECT_EQ(ran.exit_code, 7) << ran.err;
  EXPECT_EQ(ran.out, "hello from the app\n");

  ProcessOutput none = run_process({LIGHTNING_EXE, "run"}, env());
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("lightning run: error: no app given; usage: lightning run [flags]"),
            std::string::npos)
      << none.err;
  ProcessOutput help = run_process({LIGHTNING_EXE, "run", "--help"}, env());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Usage: lightning run [flags] app.cpp"), std::string::npos) << help.out;
}

TEST_F(LightningRunTest, StatusLinesWithoutATerminalAndQuietTurnsThemOff) {
  constexpr const char* kWorkApp = R"APP(#include <lightning/lightning.hpp>
struct Hello : lightning::Work {
  void run(const lightning::Json&) override {}
};
struct Root : lightning::Flow {
  Hello& hello = add_work<Hello>("hello");
  void run() override {
    if (hello.call().has_succeeded()) stop();
  }
};
LIGHTNING_APP(Root)
)APP";
  const std::string app = write_app("work_app.cpp", kWorkApp);
  ProcessOutput shown = lightning_run({"--no-pch", "--run-dir", tmp_ / "run1", app});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.err.find("root.hello: succeeded in "), std::string::npos) << shown.err;

  ProcessOutput quiet = lightning_run({"--no-pch", "--quiet", "--run-dir", tmp_ / "run2", app});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err.find("root.hello: "), std::string::npos) << quiet.err;
}

TEST_F(LightningRunTest, UsageErrorsSayWhatIsWrong) {
  ProcessOutput none = lightning_run({});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no app given"), std::string::npos) << none.err;

  ProcessOutput unknown = lightning_run({"--frobnicate", "app.cpp"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("unknown flag '--frobnicate'"), std::string::npos) << unknown.err;

  ProcessOutput missing = lightning_run({(tmp_ / "no_such_app.cpp")});
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.err.find("cannot read the app source"), std::string::npos) << missing.err;

  ProcessOutput help = run_process({LIGHTNING_RUN_EXE, "--help"}, env());
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Usage: lightning-run [flags] app.cpp [-- app args]"), std::string::npos);
}

}  // namespace
}  // namespace lightning::testing
