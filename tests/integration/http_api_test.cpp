// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// The HTTP API of a running app (apps/http_app.cpp): a real app process, a real
// HTTP client (Beast, synchronous), port 0 everywhere but the one test of the
// 7501 fallback. Each test waits on conditions with deadlines, never sleeps.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/ip/tcp.hpp>
#include <memory>

#include "../common/http_client.hpp"
#include "api_app.hpp"
#include "support.hpp"

namespace lightning::integration {
namespace {

using lightning::testing::HttpClient;
using lightning::testing::HttpResult;
using lightning::testing::SseEvent;
using lightning::testing::SseReader;
namespace verb = boost::beast::http;

constexpr milliseconds kWait{20000};

/// A running http_app scenario (apps/http_app.cpp).
struct RunningApp : ApiApp {
  explicit RunningApp(const std::string& scenario, const std::vector<std::string>& flags = {"--port", "0"})
      : ApiApp(LIGHTNING_HTTP_APP, {scenario}, flags) {}
};

Json json_of(const std::string& text) { return Json::parse(text, nullptr, false); }

TEST(HttpApiTest, RunDirHasTheUrlAndAPrivateToken) {
  RunningApp app("idle");
  ASSERT_NE(app.port(), 0) << app.describe();
  const Json api = app.api();
  EXPECT_EQ(api.at("pid"), app.process().pid());
  EXPECT_EQ(api.at("url"), "http://127.0.0.1:" + std::to_string(app.port()));
  struct stat st {};
  ASSERT_EQ(::stat((app.run_dir() + "/api-token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(app.token().size(), 64u);
  EXPECT_TRUE(
      contains(app.process().stderr_text(), "HTTP API at " + api.at("url").get<std::string>()))
      << app.describe();
  EXPECT_EQ(app.stop().exit_code, 0);
}

// A shared login node: every user of the machine reaches loopback. Another
// user (here `nobody`, from a child process that drops root) is treated as a
// client beyond loopback: no page, no read without the token; this user gets
// both, the token in the page too. The files
// that lead clients here are gone once the app has ended.
TEST(HttpApiTest, AnotherUserOfThisMachineGetsNoTokenAndMayNotReadWithoutOne) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to act as another user (nobody)";
  RunningApp app("idle");
  ASSERT_NE(app.port(), 0) << app.describe();
  const HttpResult mine = app.get("/");
  ASSERT_TRUE(mine.ok) << mine.error;
  EXPECT_TRUE(contains(mine.body, app.token())) << "this user's page has the token";
  EXPECT_EQ(app.get("/api/v1/state").status, 200u);

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(fds[0]);
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(3);
    HttpClient c(app.port());
    const HttpResult page = c.request(verb::verb::get, "/");
    const HttpResult state = c.request(verb::verb::get, "/api/v1/state");
    const std::string out = std::to_string(page.status) + " " +
                            (contains(page.body, app.token()) ? "token" : "no-token") + " " +
                            std::to_string(state.status) + " " +
                            (contains(state.body, "only the user that started the app")
                                 ? "said-why"
                                 : "silent");
    (void)!::write(fds[1], out.data(), out.size());
    ::_exit(0);
  }
  ::close(fds[1]);
  std::string got;
  char buf[256];
  ssize_t n = 0;
  while ((n = ::read(fds[0], buf, sizeof buf)) > 0) got.append(buf, static_cast<size_t>(n));
  ::close(fds[0]);
  int wstatus = 0;
  ::waitpid(child, &wstatus, 0);
  ASSERT_TRUE(WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) << "the child failed: " << got;
  EXPECT_EQ(got, "401 no-token 401 said-why") << "the page too, as beyond loopback";
  const std::string run_dir = app.run_dir();
  EXPECT_EQ(app.stop().exit_code, 0);
  EXPECT_FALSE(file_exists(run_dir + "/api.json")) << "an ended app's api.json stays";
  EXPECT_FALSE(file_exists(run_dir + "/api-token")) << "an ended app's token stays";
}

TEST(HttpApiTest, HealthAndReadinessAnswerWhileTheAppRuns) {
  RunningApp app("idle");
  const HttpResult health = app.get("/healthz");
  ASSERT_TRUE(health.ok) << health.error << app.describe();
  EXPECT_EQ(health.status, 200u);
  EXPECT_EQ(json_of(health.body).at("status"), "ok");
  EXPECT_EQ(app.get("/readyz").status, 200u);
  EXPECT_EQ(app.stop().exit_code, 0);
}

TEST(HttpApiTest, StateHasItsVersionAsETagAndIfNoneMatchGives304) {
  RunningApp app("idle");
  HttpClient client(app.port());
  const HttpResult first = client.request(verb::verb::get, "/api/v1/state");
  ASSERT_TRUE(first.ok) << first.error << app.describe();
  ASSERT_EQ(first.status, 200u) << first.body;
  const Json body = json_of(first.body);
  const uint64_t version = body.at("version");
  EXPECT_EQ(body.at("state").at("vars").at("greeting"), "hello");
  EXPECT_EQ(first.header("ETag"), "\"" + std::to_string(version) + "\"");
  EXPECT_EQ(first.header("Content-Type"), "application/json");

  // The same connection (keep-alive), conditional.
  const HttpResult again = client.request(verb::verb::get, "/api/v1/state", "",
                                          {{"If-None-Match", first.header("ETag")}});
  ASSERT_TRUE(again.ok) << again.error;
  EXPECT_EQ(again.status, 304u);
  EXPECT_TRUE(again.body.empty());
  const HttpResult stale =
      client.request(verb::verb::get, "/api/v1/state", "", {{"If-None-Match", "\"999999\""}});
  EXPECT_EQ(stale.status, 200u);
  EXPECT_EQ(app.stop().exit_code, 0);
}

/// Reads `n` patch events after the stream's start, checking what every
/// ticker stream must show: ids strictly increasing, each patch applying to
/// the state so far, and (once the work runs) version - count constant, so no
/// version was skipped: each version the ticker made is one count.
struct TickerWatch {
  Json state;
  uint64_t version = 0;

  // Ids (versions) only go up, every patch applies to the state built so far,
  // and the count never goes back. One version may carry several ticks: the
  // work coalesces the changes made between two of its sends.
  ::testing::AssertionResult apply(const SseEvent& ev) {
    const uint64_t id = std::stoull(ev.id);
    if (id <= version) {
      return ::testing::AssertionFailure() << "id " << id << " after " << version;
    }
    const Json patch = json_of(ev.data);
    if (!patch.is_array()) return ::testing::AssertionFailure() << "patch: " << ev.data;
    const int64_t before = count();
    try {
      state = state.patch(patch);
    } catch (const std::exception& e) {
      return ::testing::AssertionFailure()
             << "patch " << ev.data << " does not apply: " << e.what();
    }
    version = id;
    if (count() < before) {
      return ::testing::AssertionFailure()
             << "version " << version << ": count went back from " << before << " to " << count();
    }
    return ::testing::AssertionSuccess();
  }
  int64_t count() const { return state.at("works").at("ticker").at("vars").at("count"); }
};

TEST(HttpApiTest, StreamSendsASnapshotThenEveryChangeInOrder) {
  RunningApp app("ticker");
  SseReader reader(app.port(), "/api/v1/state/stream");
  ASSERT_TRUE(reader.started()) << reader.head() << app.describe();
  EXPECT_NE(reader.head().find("text/event-stream"), std::string::npos);
  SseEvent ev;
  ASSERT_TRUE(reader.next(&ev)) << app.describe();
  ASSERT_EQ(ev.event, "snapshot");
  const Json snapshot = json_of(ev.data);
  TickerWatch watch{snapshot.at("state"), snapshot.at("version")};
  EXPECT_EQ(std::to_string(watch.version), ev.id);
  int patches = 0;
  while (patches < 40 || watch.count() < 5) {
    ASSERT_TRUE(reader.next(&ev)) << "stream ended after " << patches << " patches";
    ASSERT_EQ(ev.event, "patch");
    ASSERT_TRUE(watch.apply(ev));
    ++patches;
  }
  // The state the stream built is the state the API serves at that version or later.
  const Json now = json_of(app.get("/api/v1/state").body);
  EXPECT_GE(now.at("version").get<uint64_t>(), watch.version);
  EXPECT_GE(now.at("state").at("works").at("ticker").at("vars").at("count"), watch.count());
  EXPECT_EQ(app.stop().exit_code, 0);
}

TEST(HttpApiTest, StreamResumesFromLastEventIdWithoutLosingAChange) {
  RunningApp app("ticker");
  TickerWatch watch;
  {
    SseReader reader(app.port(), "/api/v1/state/stream");
    SseEvent ev;
    ASSERT_TRUE(reader.next(&ev)) << app.describe();
    const Json snapshot = json_of(ev.data);
    watch = TickerWatch{snapshot.at("state"), snapshot.at("version")};
    while (watch.count() < 5) {
      ASSERT_TRUE(reader.next(&ev));
      ASSERT_TRUE(watch.apply(ev));
    }
  }  // disconnects; the ticker goes on
  const uint64_t seen = watch.version;
  SseReader resumed(app.port(), "/api/v1/state/stream", {{"Last-Event-ID", std::to_string(seen)}});
  SseEvent ev;
  ASSERT_TRUE(resumed.next(&ev));
  EXPECT_EQ(ev.event, "patch") << "a resume within the history must not start over";
  ASSERT_TRUE(watch.apply(ev));
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(resumed.next(&ev));
    ASSERT_TRUE(watch.apply(ev));
  }
  EXPECT_GT(watch.version, seen);
  EXPECT_EQ(app.stop().exit_code, 0);
}

TEST(HttpApiTest, StreamFromAVersionItCannotReplayStartsWithASnapshot) {
  RunningApp app("idle");
  SseReader reader(app.port(), "/api/v1/state/stream", {{"Last-Event-ID", "99999999"}});
  SseEvent ev;
  ASSERT_TRUE(reader.next(&ev)) << app.describe();
  EXPECT_EQ(ev.event, "snapshot");
  EXPECT_EQ(json_of(ev.data).at("state").at("vars").at("greeting"), "hello");
  EXPECT_EQ(app.stop().exit_code, 0);
}

TEST(HttpApiTest, SlowStreamReaderIsDroppedWhileTheAppKeepsRunning) {
  RunningApp app("flood");
  // A small receive buffer, and the test reads nothing while the work floods.
  SseReader slow(app.port(), "/api/v1/state/stream", {}, milliseconds(20000), 4096);
  ASSERT_TRUE(slow.started()) << slow.head() << app.describe();
  ASSERT_TRUE(wait_until(
      [&] { return contains(app.process().stderr_text(), "dropping event-stream client"); }, kWait))
      << app.describe();
  EXPECT_TRUE(slow.client().wait_closed()) << "the dropped stream was not closed";
  EXPECT_EQ(app.get("/healthz").status, 200u);
  EXPECT_EQ(app.get("/readyz").status, 200u);
  // It can come back.
  SseReader again(app.port(), "/api/v1/state/stream");
  SseEvent ev;
  ASSERT_TRUE(again.next(&ev)) << "closed: " << again.closed() << " head: " << again.head()
                               << app.describe().substr(0, 3000);
  EXPECT_EQ(ev.event, "snapshot");
  EXPECT_EQ(app.stop().exit_code, 0);
}

TEST(HttpApiTest, WriteWithoutTheTokenIs401AndChangesNothing) {
  RunningApp app("idle");
  const HttpResult none = app.post("/api/v1/app/stop", "", false);
  ASSERT_TRUE(none.ok) << none.error << app.describe();
  EXPECT_EQ(none.status, 401u);
  EXPECT_EQ(none.header("WWW-Authenticate"), R"(Bearer realm="lightning")");
  EXPECT_EQ(json_of(none.body).at("error").at("code"), 401);
  const HttpResult wrong =
      app.request(verb::verb::post, "/api/v1/app/stop", "",
                  {{"Authorization", "Bearer " + std::string(64, '0')}});
  EXPECT_EQ(wrong.status, 401u);
  EXPECT_EQ(app.get("/readyz").status, 200u) << "the app stopped without the token";
  EXPECT_FALSE(app.process().has_exited());
  EXPECT_EQ(app.stop().exit_code, 0);
}

TEST(HttpApiTest, AppStopOverHttpEndsTheAppWithExitCodeZero) {
  RunningApp app("ticker");
  const HttpResult res = app.post("/api/v1/app/stop");
  ASSERT_TRUE(res.ok) << res.error << app.describe();
  EXPECT_EQ(res.status, 202u);
  const ExitStatus st = app.process().wait(kWait);
  EXPECT_EQ(st.exit_code, 0) << st << app.describe();
  const Json final = read_json(app.run_dir() + "/state.json");
  EXPECT_EQ(final.at("message"), "stopped over the HTTP API") << final.dump();
}

TEST(HttpApiTest, WorkStopOverHttpStopsThatWork) {
  RunningApp app("ticker");
  ASSERT_TRUE(wait_until(
      [&] {
        const Json s = json_of(app.get("/api/v1/state").body);
        return !s.is_discarded() &&
               s.at("state").at("works").at("ticker").at("vars").at("count").get<int>() > 0;
      },
      kWait))
      << app.describe();
  const HttpResult res = app.post("/api/v1/works/root.ticker/stop");
  ASSERT_TRUE(res.ok) << res.error;
  EXPECT_EQ(res.status, 202u) << res.body;
  EXPECT_TRUE(wait_until(
      [&] {
        const Json s = json_of(app.get("/api/v1/state").body);
        return s.at("state").at("works").at("ticker").at("status").at("stage") != "running";
      },
      kWait))
      << app.get("/api/v1/state").body;
  const HttpResult unknown = app.post("/api/v1/works/root.nope/stop");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(json_of(unknown.body).at("error").at("code"), 404);
  EXPECT_EQ(app.stop().exit_code, 0);
}

TEST(HttpApiTest, BadRequestsGetTheRight4xxAndTheAppGoesOn) {
  RunningApp app("idle");
  {
    HttpClient client(app.port());
    const HttpResult big = client.send_raw(
        "POST /api/v1/app/stop HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000\r\n\r\n");
    ASSERT_TRUE(big.ok) << big.error << app.describe();
    EXPECT_EQ(big.status, 413u);
    EXPECT_EQ(json_of(big.body).at("error").at("code"), 413);
  }
  {
    HttpClient client(app.port());
    const HttpResult bad = client.send_raw("GET /healthz HTTP/1.1\r\nHost 127.0.0.1\r\n\r\n");
    ASSERT_TRUE(bad.ok) << bad.error;
    EXPECT_EQ(bad.status, 400u);
    EXPECT_EQ(json_of(bad.body).at("error").at("code"), 400);
  }
  const HttpResult unknown = app.get("/api/v1/nope");
  EXPECT_EQ(unknown.status, 404u);
  EXPECT_EQ(json_of(unknown.body).at("error").at("code"), 404);
  EXPECT_EQ(app.get("/api/v1/works/../state").status, 400u);
  EXPECT_EQ(app.get("/healthz").status, 200u);
  EXPECT_EQ(app.stop().exit_code, 0);
}

TEST(HttpApiTest, SecondAppOnATakenPortPicksAnotherAndSaysSo) {
  // Hold 7501 ourselves; if someone else already holds it, that is the same case.
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor holder(io);
  boost::system::error_code ec;
  holder.open(boost::asio::ip::tcp::v4());
  holder.bind({boost::asio::ip::make_address("127.0.0.1"), 7501}, ec);
  if (!ec) holder.listen();
  RunningApp app("idle", {"--port", "7501"});  // the default, named: the environment says 0
  ASSERT_NE(app.port(), 0) << app.describe();
  EXPECT_NE(app.port(), 7501);
  EXPECT_TRUE(contains(app.process().stderr_text(), "port 7501 is taken")) << app.describe();
  EXPECT_EQ(app.get("/healthz").status, 200u);
  EXPECT_EQ(app.stop().exit_code, 0);
}

TEST(HttpApiTest, NoHttpMeansNoServerAndNoApiFile) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_ARGS_APP, dir, {}, {"--no-http"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  EXPECT_FALSE(file_exists(run.run_dir + "/api.json"));
  EXPECT_FALSE(file_exists(run.run_dir + "/api-token"));
}

}  // namespace
}  // namespace lightning::integration
