// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Files between real work processes (apps/storage_app.cpp): a directory of
// checkpoints through separate caches (fetched over gRPC from the
// controller's artifact store) and through one shared cache (same inode), a
// Drive used by two works, a Payload, a Path that points out of its tree, and
// the controller killed (-9) half-way through a Path's commit, then resumed.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "storage/sha256.hpp"
#include "support.hpp"

namespace lightning::integration {
namespace {

namespace fs = std::filesystem;

ino_t inode_of(const fs::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 ? st.st_ino : 0;
}

size_t objects_in(const fs::path& store) {
  size_t n = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(store / "objects", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->is_regular_file()) ++n;
  }
  return n;
}

const Json kFiles =
    Json::array({"epoch1.ckpt", "epoch2.ckpt", "epoch3.ckpt", "optimizer/state.json"});

TEST(StoragePathTest, CheckpointDirectoryMovesBetweenWorksWithSeparateCaches) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_STORAGE_APP, dir, {"checkpoints", "separate"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& ev = run.work("evaluator").at("vars");
  EXPECT_EQ(ev.at("files"), kFiles) << run.describe();
  EXPECT_EQ(ev.at("first_line"), "weights of epoch 3");
  EXPECT_EQ(ev.at("optimizer"), "{\"lr\": 0.001}");
  // Each "node" has its own copy: the reader's file is not the writer's inode,
  // and its cache was filled (over gRPC) with the 4 files and the manifest.
  EXPECT_NE(ev.at("inode"), run.work("trainer").at("vars").at("inode"));
  EXPECT_EQ(objects_in(fs::path(run.run_dir) / "node_b"), 5u);
  EXPECT_EQ(objects_in(fs::path(run.run_dir) / "artifacts"), 5u);
  // The reader's file is its cache's object, linked.
  const fs::path local = ev.at("local").get<std::string>();
  EXPECT_EQ(local, fs::path(run.run_dir) / "files/root.evaluator/checkpoints");
  const Json& ckpt = run.work("trainer").at("vars").at("ckpt");
  EXPECT_EQ(ckpt.at("origin"), "root.trainer");
  EXPECT_EQ(ckpt.at("manifest").get<std::string>().size(), 64u);
}

TEST(StoragePathTest, CheckpointDirectoryWithOneSharedCacheIsLinkedNotCopied) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_STORAGE_APP, dir, {"checkpoints", "shared"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& ev = run.work("evaluator").at("vars");
  EXPECT_EQ(ev.at("files"), kFiles) << run.describe();
  EXPECT_EQ(ev.at("first_line"), "weights of epoch 3");
  // Same inode in the writer's and the reader's directory: no byte copied.
  const int64_t trainer_inode = run.work("trainer").at("vars").at("inode").get<int64_t>();
  EXPECT_NE(trainer_inode, 0);
  EXPECT_EQ(ev.at("inode").get<int64_t>(), trainer_inode);
  EXPECT_EQ(static_cast<int64_t>(
                inode_of(fs::path(run.run_dir) / "files/root.evaluator/checkpoints/epoch3.ckpt")),
            trainer_inode);
}

TEST(StorageDriveTest, PutGetListAndOnlyTheOwnerRemoves) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_STORAGE_APP, dir, {"drive"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& reader = run.work("reader").at("vars");
  EXPECT_EQ(reader.at("got"), "model bytes") << run.describe();
  EXPECT_EQ(reader.at("listed"), Json::array({"model.bin"}));
  EXPECT_TRUE(
      contains(reader.at("error"), "was put by work 'root.owner'; only that work may remove it"))
      << reader.at("error");
  EXPECT_EQ(reader.at("present_after"), false);  // the owner removed it
}

TEST(StoragePayloadTest, BigValueGoesByPayloadAndIsRefusedAsAStateField) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_STORAGE_APP, dir, {"payload"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const Json& maker = run.work("maker").at("vars");
  EXPECT_TRUE(contains(maker.at("refused"), "lightning::Payload")) << maker.at("refused");
  EXPECT_EQ(maker.at("big_field"), "");  // the refused value never reached state
  EXPECT_EQ(maker.at("blob").at("size"), 2 << 20);
  const Json& reader = run.work("reader").at("vars");
  EXPECT_EQ(reader.at("size"), 2 << 20) << run.describe();
  EXPECT_EQ(reader.at("head"), "Pp");
  // The reader's node fetched it (over gRPC) into its own cache.
  EXPECT_EQ(objects_in(fs::path(run.run_dir) / "node_r"), 1u);
}

TEST(StoragePathTest, PathWithASymlinkOutOfItsTreeFailsTheCallNamingIt) {
  TempDir dir;
  AppRun run = run_app(LIGHTNING_STORAGE_APP, dir, {"traversal"});
  ASSERT_EQ(run.status.exit_code, 0) << run.describe();
  const std::string message = run.root_vars().at("message").get<std::string>();
  EXPECT_NE(message.find("points out of the tree"), std::string::npos) << message;
  EXPECT_NE(message.find("leak"), std::string::npos) << message;
  EXPECT_TRUE(
      contains(run.work("leaker").at("vars").at("ctor_error"), "leaves the work's directory"))
      << run.describe();
  // Nothing of the refused tree reached the artifact store's manifests.
  EXPECT_EQ(run.work("leaker").at("vars").at("out").at("manifest"), "");
}

// ------------------------------------------------------- kill -9 mid-commit

/// Every object under `store`/objects holds the bytes its name says; the
/// names of those that do not (a partial or damaged file under a final name).
std::vector<std::string> damaged_objects_in(const fs::path& store) {
  std::vector<std::string> bad;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(store / "objects", ec), end; !ec && it != end;
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const auto got = storage::sha256_of_file(it->path());
    if (!got.ok() || *got != it->path().filename().string()) bad.push_back(it->path().string());
  }
  return bad;
}

/// Sets the commit-pause seam and the maker's run counter for the apps this
/// test starts (they inherit the environment).
class CommitKillEnv {
 public:
  CommitKillEnv(const std::string& pause, const std::string& runs) {
    ::setenv("LIGHTNING_TEST_COMMIT_PAUSE", pause.c_str(), 1);
    ::setenv("STORAGE_APP_RUNS", runs.c_str(), 1);
  }
  ~CommitKillEnv() {
    ::unsetenv("LIGHTNING_TEST_COMMIT_PAUSE");
    ::unsetenv("STORAGE_APP_RUNS");
  }
  CommitKillEnv(const CommitKillEnv&) = delete;
  CommitKillEnv& operator=(const CommitKillEnv&) = delete;
};

TEST(StorageCommitKillTest,
     ControllerKilledMidCommitResumesRunsTheCallAgainAndTheReaderGetsItsBytes) {
  TempDir dir;
  const std::string run_dir = dir / "run", pause = dir / "pause", runs = dir / "runs";
  CommitKillEnv env(pause, runs);
  write_file(pause, "");  // the maker's commit stops half-way while this exists
  {
    AppProcess app(LIGHTNING_STORAGE_APP,
                   {"--run-dir", run_dir, "--no-http", "--quiet", "--", "commitkill"}, dir.path());
    ASSERT_TRUE(wait_until([&] { return file_exists(pause + ".reached"); }, kAppDeadline))
        << app.stderr_text();
    // Half-way: the first file is in the maker's node cache, nothing is in
    // the artifact store, no manifest anywhere.
    EXPECT_EQ(objects_in(fs::path(run_dir) / "node_m"), 1u);
    EXPECT_EQ(objects_in(fs::path(run_dir) / "artifacts"), 0u);
    app.send_signal(SIGKILL);
    ASSERT_EQ(app.wait().signal, SIGKILL);
  }
  // The work died with its controller (it was stopped inside its commit).
  const pid_t maker = static_cast<pid_t>(std::stol(read_file(pause + ".reached")));
  EXPECT_TRUE(wait_process_gone(maker, kAppDeadline))
      << "the maker " << maker << " outlived the kill";
  for (const char* store : {"node_m", "artifacts"}) {
    EXPECT_EQ(damaged_objects_in(fs::path(run_dir) / store), std::vector<std::string>{}) << store;
  }
  fs::remove(pause);

  fs::create_directories(dir / "resumed");
  AppProcess resumed(LIGHTNING_STORAGE_APP, {"--resume", run_dir, "--no-http", "--quiet"},
                     dir / "resumed");
  const ExitStatus status = resumed.wait(kAppDeadline);
  ASSERT_EQ(status.exit_code, 0) << status << resumed.stderr_text();
  // The maker's call had not succeeded: it ran again, in a new process.
  const std::vector<std::string> pids = lines_of(read_file(runs));
  ASSERT_EQ(pids.size(), 2u) << read_file(runs);
  EXPECT_NE(pids[1], pids[0]);
  const Json final_state = read_json(run_dir + "/state.json");
  const Json& reader = final_state.at("state").at("works").at("reader").at("vars");
  EXPECT_EQ(reader.at("size"), 24 << 20) << final_state.dump();
  EXPECT_EQ(reader.at("matches"), true);
  EXPECT_EQ(reader.at("note"), "made by the maker");
  // Whole objects only, in every store: two files and the manifest.
  EXPECT_EQ(objects_in(fs::path(run_dir) / "artifacts"), 3u);
  EXPECT_EQ(objects_in(fs::path(run_dir) / "node_r"), 3u);
  for (const char* store : {"node_m", "node_r", "artifacts"}) {
    EXPECT_EQ(damaged_objects_in(fs::path(run_dir) / store), std::vector<std::string>{}) << store;
  }
}

TEST(StorageCommitKillTest, WorkKilledMidCommitIsRetriedInANewProcessAndTheReaderGetsItsBytes) {
  TempDir dir;
  const std::string run_dir = dir / "run", pause = dir / "pause", runs = dir / "runs";
  CommitKillEnv env(pause, runs);
  write_file(pause, "");  // the first commit stops half-way; the retry's does not
  AppProcess app(LIGHTNING_STORAGE_APP,
                 {"--run-dir", run_dir, "--no-http", "--quiet", "--", "commitkill", "retry"},
                 dir.path());
  ASSERT_TRUE(wait_until([&] { return file_exists(pause + ".reached"); }, kAppDeadline))
      << app.stderr_text();
  const pid_t maker = static_cast<pid_t>(std::stol(read_file(pause + ".reached")));
  ASSERT_EQ(::kill(maker, SIGKILL), 0);
  ASSERT_TRUE(wait_process_gone(maker, kAppDeadline));
  fs::remove(pause);
  const ExitStatus status = app.wait(kAppDeadline);
  ASSERT_EQ(status.exit_code, 0) << status << app.stderr_text();
  const std::vector<std::string> pids = lines_of(read_file(runs));
  ASSERT_EQ(pids.size(), 2u) << read_file(runs);
  EXPECT_EQ(pids[0], std::to_string(maker));
  EXPECT_NE(pids[1], pids[0]);
  const Json final_state = read_json(run_dir + "/state.json");
  const Json& reader = final_state.at("state").at("works").at("reader").at("vars");
  EXPECT_EQ(reader.at("matches"), true) << final_state.dump();
  EXPECT_EQ(reader.at("note"), "made by the maker");
  EXPECT_EQ(objects_in(fs::path(run_dir) / "artifacts"), 3u);
  for (const char* store : {"node_m", "node_r", "artifacts"}) {
    EXPECT_EQ(damaged_objects_in(fs::path(run_dir) / store), std::vector<std::string>{}) << store;
  }
}

}  // namespace
}  // namespace lightning::integration
