// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "http/static_files.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "common/temp_dir.hpp"

namespace lightning::http {
namespace {

namespace beast_http = boost::beast::http;

Request get(const std::string& target) {
  Request r{beast_http::verb::get, target, 11};
  r.set(beast_http::field::host, "127.0.0.1");
  return r;
}

/// A static folder: index.html, style.css, sub/page.html, and next to it a
/// secret file that links inside the folder try to reach.
class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(folder_ + "/sub");
    write(folder_ + "/index.html", "<h1>report</h1>");
    write(folder_ + "/style.css", "h1 {}");
    write(folder_ + "/sub/page.html", "page");
    write(dir_.path() + "/secret.txt", "secret");
  }
  static void write(const std::string& path, const std::string& text) {
    std::ofstream(path) << text;
  }
  Response serve(const std::string& relative, const std::string& target = "/x") {
    return serve_static_file(get(target), folder_, relative);
  }

  lightning::testing::TempDir dir_;
  std::string folder_ = dir_.path() + "/report";
};

TEST_F(StaticFilesTest, FileIsServedWithItsContentTypeAndItsEtagGivesA304) {
  const Response res = serve("style.css");
  ASSERT_EQ(res.result_int(), 200u);
  EXPECT_EQ(res.body(), "h1 {}");
  EXPECT_EQ(res[beast_http::field::content_type], "text/css; charset=utf-8");
  EXPECT_EQ(res["X-Content-Type-Options"], "nosniff");
  const std::string etag(res[beast_http::field::etag]);
  ASSERT_FALSE(etag.empty());
  Request again = get("/x");
  again.set(beast_http::field::if_none_match, etag);
  const Response cached = serve_static_file(again, folder_, "style.css");
  EXPECT_EQ(cached.result_int(), 304u);
  EXPECT_TRUE(cached.body().empty());
}

TEST_F(StaticFilesTest, FolderAddressGivesItsIndexAndOneWithoutSlashIsRedirected) {
  EXPECT_EQ(serve("").body(), "<h1>report</h1>");
  EXPECT_EQ(serve("sub/").result_int(), 404u);  // sub/ has no index.html
  const Response res = serve("sub", "/app/static/root/Report/sub?x=1");
  EXPECT_EQ(res.result_int(), 308u);
  EXPECT_EQ(res[beast_http::field::location], "/app/static/root/Report/sub/?x=1");
}

TEST_F(StaticFilesTest, SymbolicLinkOutOfTheFolderIsA404AndOneInsideIsFollowed) {
  std::filesystem::create_symlink(dir_.path() + "/secret.txt", folder_ + "/leak.txt");
  std::filesystem::create_symlink("..", folder_ + "/up");
  std::filesystem::create_symlink("sub/page.html", folder_ + "/alias.html");
  EXPECT_EQ(serve("leak.txt").result_int(), 404u);
  EXPECT_EQ(serve("up/secret.txt").result_int(), 404u);
  EXPECT_EQ(serve("alias.html").body(), "page");
}

TEST_F(StaticFilesTest, MissingFolderOrFileIsA404WithAJsonBody) {
  EXPECT_EQ(serve("nope.html").result_int(), 404u);
  const Response res = serve_static_file(get("/x"), dir_.path() + "/not-yet", "index.html");
  EXPECT_EQ(res.result_int(), 404u);
  EXPECT_NE(res.body().find("does not exist (yet)"), std::string::npos);
}

TEST(ContentTypeTest, KnownExtensionsHaveTheirTypeAndOthersAreOctetStream) {
  EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("vendor/uPlot.esm.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("core.mjs"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("plot.png"), "image/png");
  EXPECT_EQ(content_type_for("model.bin"), "application/octet-stream");
  EXPECT_EQ(content_type_for("html"), "application/octet-stream");
}

}  // namespace
}  // namespace lightning::http
