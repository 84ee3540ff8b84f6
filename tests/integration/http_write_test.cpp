// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Writing to a running app over HTTP (examples/tunable_counter.cpp, a real app
// process with a real work): POST /api/v1/state changes a writable field and
// with it what the flow does; a stale version is 409; each bad request gets
// its 4xx; the app's own routes under /app/api answer, plain and deferred.
// Waits on conditions with deadlines, never sleeps.
#include <gtest/gtest.h>

#include <memory>

#include "../common/http_client.hpp"
#include "api_app.hpp"
#include "support.hpp"

namespace lightning::integration {
namespace {

using lightning::testing::HttpResult;

constexpr milliseconds kWait{20000};

Json json_of(const std::string& text) { return Json::parse(text, nullptr, false); }

/// A running tunable_counter on port 0 and its API.
class CounterApp : public ApiApp {
 public:
  CounterApp() : ApiApp(LIGHTNING_TUNABLE_COUNTER) {}

  Json state() { return get_json("/api/v1/state"); }
  int count() {
    const Json s = state();
    return s.is_object() ? s["state"]["works"]["ticker"]["vars"]["count"].get<int>() : -1;
  }
};

TEST(HttpWriteTest, APatchToAWritableFieldChangesWhatTheRunningFlowDoes) {
  CounterApp app;
  ASSERT_NE(app.port(), 0) << app.describe();
  // The work counts; the flow would stop at 10^9, i.e. never in this test.
  ASSERT_TRUE(wait_until([&] { return app.count() >= 3; }, kWait)) << app.describe();
  EXPECT_FALSE(app.process().has_exited());
  const Json before = app.state();
  const uint64_t version = before.at("version");
  const int target = before["state"]["works"]["ticker"]["vars"]["count"].get<int>() + 5;

  const HttpResult r =
      app.patch_state(version, R"([{"op":"replace","path":"/vars/target","value":)" +
                                   std::to_string(target) + "}]");
  ASSERT_EQ(r.status, 200u) << r.body << app.describe();
  EXPECT_GT(json_of(r.body).at("version").get<uint64_t>(), version);

  // The flow sees the new target and stops once the count reaches it.
  const ExitStatus exit = app.process().wait(kWait);
  EXPECT_EQ(exit.exit_code, 0) << app.describe();
  const Json final_state = read_json(app.run_dir() + "/state.json");
  EXPECT_EQ(final_state.at("message"), "reached the target " + std::to_string(target))
      << final_state.dump();
  EXPECT_EQ(final_state["state"]["vars"]["target"], target);
}

TEST(HttpWriteTest, AStaleVersionIs409WithTheCurrentVersionWhenTheFieldChangedSince) {
  CounterApp app;
  const uint64_t seen = app.state().at("version");
  HttpResult r =
      app.patch_state(seen, R"([{"op":"replace","path":"/vars/target","value":2000000000}])");
  ASSERT_EQ(r.status, 200u) << r.body << app.describe();
  const uint64_t written = json_of(r.body).at("version");
  // Someone else, who also saw `seen`, writes the same field: refused.
  r = app.patch_state(seen, R"([{"op":"replace","path":"/vars/target","value":7}])");
  EXPECT_EQ(r.status, 409u) << r.body;
  const Json conflict = json_of(r.body);
  EXPECT_EQ(conflict["error"]["code"], 409);
  EXPECT_GE(conflict.at("version").get<uint64_t>(), written) << r.body;
  EXPECT_EQ(app.state()["state"]["vars"]["target"], 2000000000);
  // The work's count moves all the time; that does not make a write of
  // `target` stale.
  const uint64_t now = conflict.at("version");
  ASSERT_TRUE(wait_until([&] { return app.state().at("version").get<uint64_t>() > now; }, kWait));
  r = app.patch_state(now, R"([{"op":"replace","path":"/vars/target","value":1999999999}])");
  EXPECT_EQ(r.status, 200u) << r.body;
}

TEST(HttpWriteTest, EachBadWriteGetsItsStatusAndAJsonErrorAndTheAppGoesOn) {
  CounterApp app;
  struct Case {
    const char* what;
    std::string body;
    unsigned status;
    bool with_token = true;
  };
  const std::vector<Case> cases = {
      {"no token", R"({"version":0,"patch":[]})", 401, false},
      {"malformed JSON", "{\"version\": 0, \"patch\": [", 400},
      {"malformed patch", R"({"version":0,"patch":[{"path":"/vars/target"}]})", 400},
      {"read-only field",
       R"({"version":0,"patch":[{"op":"replace","path":"/works/ticker/vars/count","value":1}]})",
       403},
      {"unknown field", R"({"version":0,"patch":[{"op":"replace","path":"/vars/nope","value":1}]})",
       404},
      {"unknown work",
       R"({"version":0,"patch":[{"op":"replace","path":"/works/nope/vars/x","value":1}]})", 404},
      {"wrong type",
       R"({"version":0,"patch":[{"op":"replace","path":"/vars/target","value":"ten"}]})", 422},
  };
  for (const Case& c : cases) {
    const HttpResult r = app.post("/api/v1/state", c.body, c.with_token);
    ASSERT_TRUE(r.ok) << c.what << ": " << r.error << app.describe();
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.body;
    const Json body = json_of(r.body);
    EXPECT_EQ(body["error"]["code"], c.status) << c.what << ": " << r.body;
    EXPECT_TRUE(body["error"]["message"].is_string()) << c.what;
  }
  const HttpResult wrong_type = app.post("/api/v1/state", cases.back().body);
  EXPECT_TRUE(contains(wrong_type.body, "/vars/target")) << wrong_type.body;
  EXPECT_TRUE(contains(wrong_type.body, "integer")) << wrong_type.body;
  EXPECT_EQ(app.get("/healthz").status, 200u);
  EXPECT_FALSE(app.process().has_exited());
}

TEST(HttpWriteTest, TheAppsOwnRoutesAnswerUnderAppApi) {
  CounterApp app;
  HttpResult r = app.get("/app/api/progress");
  ASSERT_EQ(r.status, 200u) << r.body << app.describe();
  EXPECT_EQ(json_of(r.body).at("target"), 1000000000);

  // Write routes need the token, like every write.
  EXPECT_EQ(app.post("/app/api/target", R"({"target": 5})", false).status, 401u);
  r = app.post("/app/api/target", R"({"target": "five"})");
  EXPECT_EQ(r.status, 400u) << "the handler's HttpError: " << r.body;

  // A deferred route: answered from Flow::run once the count gets there.
  const int goal = app.count() + 3;
  r = app.post("/app/api/wait_for", R"({"count": )" + std::to_string(goal) + "}");
  ASSERT_EQ(r.status, 200u) << r.body << app.describe();
  EXPECT_GE(json_of(r.body).at("count").get<int>(), goal);

  // Through a route too, a change reaches the flow, which stops.
  r = app.post("/app/api/target", R"({"target": 1})");
  EXPECT_EQ(r.status, 200u) << r.body;
  EXPECT_EQ(app.process().wait(kWait).exit_code, 0) << app.describe();
}

}  // namespace
}  // namespace lightning::integration
