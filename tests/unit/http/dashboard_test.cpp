// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/dashboard.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "common/temp_dir.hpp"
#include "http/dashboard_assets.hpp"
#include "lightning/work.hpp"

namespace lightning::http {
namespace {

namespace beast_http = boost::beast::http;

struct IdleWork : Work {
  void run(const Json&) override {}
};

struct ReportFlow : Flow {
  std::string folder;
  void run() override {}
  Layout configure_layout() const override { return {Tab::static_folder("Notes", folder)}; }
};

struct LayoutFlow : Flow {
  IdleWork& train = add_work<IdleWork>("train");
  IdleWork& serve = add_work<IdleWork>("serve");
  ReportFlow& sub = add_flow<ReportFlow>("sub");
  std::string folder;
  void run() override {}
  Layout configure_layout() const override {
    return {Tab::component("Train", train), Tab::url("Model", serve),
            Tab::static_folder("Final report", folder)};
  }
};

struct TwinTabsFlow : Flow {
  IdleWork& w = add_work<IdleWork>("w");
  void run() override {}
  Layout configure_layout() const override {
    return {Tab::component("A", w), Tab::component("A", w)};
  }
};

struct ThrowingChild : Flow {
  void run() override {}
  Layout configure_layout() const override { throw std::runtime_error("no layout today"); }
};

struct ThrowingChildRoot : Flow {
  ThrowingChild& child = add_flow<ThrowingChild>("child");
  void run() override {}
};

Request get(const std::string& target, const char* host = "127.0.0.1") {
  Request r{beast_http::verb::get, target, 11};
  if (host != nullptr) r.set(beast_http::field::host, host);
  return r;
}

class DashboardRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    flow_.folder = dir_ / "report";
    flow_.sub.folder = dir_ / "notes";
    std::filesystem::create_directories(flow_.folder);
    std::ofstream(flow_.folder + "/index.html") << "final";
    routes_.add_to(router_);
  }

  lightning::testing::TempDir dir_;
  LayoutFlow flow_;
  AccessPolicy access_{"secret-token", true};
  DashboardRoutes routes_{flow_, access_};
  Router router_;
};

TEST_F(DashboardRoutesTest, LayoutListsTheRootFlowsTabsInOrderAsTheContractSays) {
  const Reply reply = router_.dispatch(get("/api/v1/layout"));
  ASSERT_EQ(reply.response.result_int(), 200u);
  const Json expected = Json::parse(R"({"tabs": [
    {"name": "Train", "kind": "component", "path": "root.train"},
    {"name": "Model", "kind": "url", "work": "root.serve", "url": null},
    {"name": "Final report", "kind": "static", "url": "/app/static/root/Final%20report/"}]})");
  EXPECT_EQ(Json::parse(reply.response.body()), expected);
}

TEST_F(DashboardRoutesTest, StaticTabServesItsFolderAndAnyFlowsFolderByItsPath) {
  EXPECT_EQ(router_.dispatch(get("/app/static/root/Final%20report/")).response.body(), "final");
  const Reply bare = router_.dispatch(get("/app/static/root/Final%20report"));
  EXPECT_EQ(bare.response.result_int(), 308u);
  EXPECT_EQ(bare.response[beast_http::field::location], "/app/static/root/Final%20report/");
  // The child flow's folder does not exist yet: 404 until it does.
  EXPECT_EQ(router_.dispatch(get("/app/static/root.sub/Notes/")).response.result_int(), 404u);
  std::filesystem::create_directories(flow_.sub.folder);
  std::ofstream(flow_.sub.folder + "/index.html") << "notes";
  EXPECT_EQ(router_.dispatch(get("/app/static/root.sub/Notes/")).response.body(), "notes");
  EXPECT_EQ(router_.dispatch(get("/app/static/root/Train/")).response.result_int(), 404u);
  EXPECT_EQ(router_.dispatch(get("/app/static/root.nope/Notes/")).response.result_int(), 404u);
}

TEST_F(DashboardRoutesTest, PageCarriesTheTokenOnlyOnLoopbackAskedWithALoopbackHost) {
  // Another user of the machine on loopback: no token (http/peer.hpp).
  EXPECT_EQ(router_.dispatch(get("/")).response.body().find("secret-token"), std::string::npos);
  const PeerScope me(Peer{true});  // from here on, this user's own browser
  const Reply page = router_.dispatch(get("/"));
  ASSERT_EQ(page.response.result_int(), 200u);
  EXPECT_EQ(page.response[beast_http::field::content_type], "text/html; charset=utf-8");
  EXPECT_EQ(page.response[beast_http::field::cache_control], "no-store");
  EXPECT_EQ(page.response["X-Frame-Options"], "DENY");
  EXPECT_NE(page.response.body().find("content=\"secret-token\""), std::string::npos);

  EXPECT_EQ(router_.dispatch(get("/", nullptr)).response.body().find("secret-token"),
            std::string::npos);
  access_.loopback = false;
  const Reply remote = router_.dispatch(get("/"));
  EXPECT_EQ(remote.response.result_int(), 200u);
  EXPECT_EQ(remote.response.body().find("secret-token"), std::string::npos);
  EXPECT_NE(remote.response.body().find("content=\"\""), std::string::npos);
}

TEST_F(DashboardRoutesTest, EmbeddedFilesHaveTheirTypeAndEtagAndA304) {
  const Reply script = router_.dispatch(get("/dashboard/vendor/uPlot.esm.js"));
  ASSERT_EQ(script.response.result_int(), 200u);
  EXPECT_EQ(script.response[beast_http::field::content_type], "text/javascript; charset=utf-8");
  EXPECT_EQ(script.response.body(), find_dashboard_file("vendor/uPlot.esm.js")->bytes);
  Request again = get("/dashboard/vendor/uPlot.esm.js");
  again.set(beast_http::field::if_none_match,
            std::string(script.response[beast_http::field::etag]));
  EXPECT_EQ(router_.dispatch(again).response.result_int(), 304u);
  EXPECT_EQ(router_.dispatch(get("/dashboard/app.js")).response.result_int(), 200u);
  EXPECT_EQ(router_.dispatch(get("/dashboard/nope.js")).response.result_int(), 404u);
  // The page is only at / (with or without the token), never cached as a file.
  EXPECT_EQ(router_.dispatch(get("/dashboard/index.html")).response.result_int(), 404u);
}

TEST(DashboardLayoutCheckTest, TwoTabsWithOneNameAreRejectedAtStart) {
  TwinTabsFlow flow;
  AccessPolicy access;
  const Status st = DashboardRoutes(flow, access).check_layouts();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("two tabs named 'A'"), std::string::npos) << st.message();
}

TEST(DashboardLayoutCheckTest, AChildFlowsLayoutThatThrowsIsRejectedSayingWhichFlow) {
  ThrowingChildRoot flow;
  AccessPolicy access;
  const Status st = DashboardRoutes(flow, access).check_layouts();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("'root.child': no layout today"), std::string::npos) << st.message();
}

TEST(FindFlowTest, FindsFlowsByDottedPathOnly) {
  LayoutFlow flow;
  EXPECT_EQ(find_flow(flow, "root"), &flow);
  EXPECT_EQ(find_flow(flow, "root.sub"), &flow.sub);
  EXPECT_EQ(find_flow(flow, "root.train"), nullptr);
  EXPECT_EQ(find_flow(flow, "root.subx"), nullptr);
}

}  // namespace
}  // namespace lightning::http
