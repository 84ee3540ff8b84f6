// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Object transfer over real gRPC (an in-process server on 127.0.0.1:0):
// ObjectStoreService -> RemoteObjectFetcher, with faults injected server-side.
#include <fcntl.h>
#include <grpcpp/generic/generic_stub.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <condition_variable>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "storage/chunk_receiver.hpp"
#include "storage/manifest.hpp"
#include "storage/object_fetcher.hpp"
#include "storage/object_service.hpp"
#include "storage/sha256.hpp"
#include "storage_test_support.hpp"

namespace lightning::storage {
namespace {

using namespace lightning::storage::testing;
using lightning::testing::TempDir;

constexpr uint32_t kChunk = 64 * 1024;

/// Cuts or corrupts chosen chunks, once each; records the offsets asked for.
class Faults : public ChunkFaultsInterface {
 public:
  void on_request(const v1::FetchObjectRequest& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    offsets_.push_back(r.offset());
  }
  bool before_send(v1::ObjectChunk& chunk) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (cut_at_ >= 0 && chunk.offset() == static_cast<uint64_t>(cut_at_)) {
      cut_at_ = -1;
      return false;
    }
    if (corrupt_at_ >= 0 && chunk.offset() == static_cast<uint64_t>(corrupt_at_)) {
      corrupt_at_ = -1;
      (*chunk.mutable_data())[7] ^= 0x40;
    }
    return true;
  }
  std::vector<uint64_t> offsets() {
    std::lock_guard<std::mutex> lock(mu_);
    return offsets_;
  }
  int64_t cut_at_ = -1;      // guarded by mu_ once the server runs
  int64_t corrupt_at_ = -1;  // guarded by mu_ once the server runs

 private:
  std::mutex mu_;
  std::vector<uint64_t> offsets_;
};

class TransferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<ObjectStoreService>(ContentStore(dir_ / "store"), &faults_);
    service_->set_credentials("run1", "secret");
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    address_ = "127.0.0.1:" + std::to_string(port);
  }
  void TearDown() override { server_->Shutdown(); }

  std::unique_ptr<RemoteObjectFetcher> fetcher(const std::string& token = "secret") {
    auto channel = grpc::CreateCustomChannel(address_, grpc::InsecureChannelCredentials(),
                                             RemoteObjectFetcher::channel_arguments());
    FetchOptions o;
    o.chunk_size = kChunk;
    o.first_backoff = std::chrono::milliseconds(1);
    return std::make_unique<RemoteObjectFetcher>(channel, "run1", token, o);
  }

  std::string put(const std::string& bytes) {
    ContentStore store(dir_ / "store");
    return *store.add_bytes(bytes);
  }

  TempDir dir_;
  Faults faults_;
  std::unique_ptr<ObjectStoreService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
};

TEST_F(TransferTest, ObjectOfManyChunksArrivesWholeAndVerified) {
  const std::string data = pattern(10 * kChunk + 123);
  const std::string name = put(data);
  ContentStore cache(dir_ / "cache");
  auto f = fetcher();
  ASSERT_TRUE(f->fetch_into(name, cache).ok());
  EXPECT_EQ(slurp(cache.object_path(name)), data);
  EXPECT_EQ(f->streams(), 1u);
  EXPECT_FALSE(fs::exists(cache.temp_dir() / (name + ".part")));
}

TEST_F(TransferTest, EmptyObjectIsFetched) {
  const std::string name = put("");
  ContentStore cache(dir_ / "cache");
  ASSERT_TRUE(fetcher()->fetch_into(name, cache).ok());
  EXPECT_TRUE(cache.has(name));
}

TEST_F(TransferTest, StreamInterruptedMidwayResumesFromTheOffsetOnDisk) {
  const std::string data = pattern(8 * kChunk);
  const std::string name = put(data);
  faults_.cut_at_ = 3 * kChunk;  // the stream breaks before the 4th chunk
  ContentStore cache(dir_ / "cache");
  auto f = fetcher();
  Status s = f->fetch_into(name, cache);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(slurp(cache.object_path(name)), data);
  EXPECT_EQ(faults_.offsets(), (std::vector<uint64_t>{0, 3 * kChunk}));
  EXPECT_EQ(service_->bytes_sent(), data.size());  // no byte sent twice
}

TEST_F(TransferTest, PartialFileLeftByADeadFetcherIsResumedNotRefetched) {
  const std::string data = pattern(6 * kChunk + 10);
  const std::string name = put(data);
  ContentStore cache(dir_ / "cache");
  write(cache.temp_dir() / (name + ".part"), data.substr(0, 2 * kChunk + 5));
  ASSERT_TRUE(fetcher()->fetch_into(name, cache).ok());
  EXPECT_EQ(slurp(cache.object_path(name)), data);
  EXPECT_EQ(faults_.offsets(), (std::vector<uint64_t>{2 * kChunk + 5}));
}

TEST_F(TransferTest, DamagedPartialFileIsDetectedByTheWholeHashAndFetchedAgain) {
  const std::string data = pattern(4 * kChunk);
  const std::string name = put(data);
  ContentStore cache(dir_ / "cache");
  std::string bad = data.substr(0, kChunk);
  bad[100] ^= 1;
  write(cache.temp_dir() / (name + ".part"), bad);
  ASSERT_TRUE(fetcher()->fetch_into(name, cache).ok());
  EXPECT_EQ(slurp(cache.object_path(name)), data);
  EXPECT_EQ(faults_.offsets(), (std::vector<uint64_t>{kChunk, 0}));
}

TEST_F(TransferTest, LargeObjectIsHashedOnASecondThreadAndADamagedPrefixIsStillFound) {
  // Big enough for the receiver's hashing thread (ChunkReceiver::kPipelineFrom).
  const std::string data = pattern(ChunkReceiver::kPipelineFrom + 5 * kChunk + 7);
  const std::string name = put(data);
  ContentStore cache(dir_ / "cache");
  std::string bad = data.substr(0, 3 * kChunk);
  bad[kChunk + 9] ^= 1;
  write(cache.temp_dir() / (name + ".part"), bad);
  Status s = fetcher()->fetch_into(name, cache);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_TRUE(slurp(cache.object_path(name)) == data);
  // Resumed after the prefix, found damaged by the whole hash, fetched again.
  EXPECT_EQ(faults_.offsets(), (std::vector<uint64_t>{3 * kChunk, 0}));
}

TEST_F(TransferTest, SmallFilesComeInlineWithTheirManifestInOneCall) {
  const std::string a = pattern(100, 2), b = pattern(2048, 3), big = pattern(200 * 1024, 4);
  Manifest m;
  m.is_dir = true;
  m.files = {{"a", put(a), a.size()}, {"b", put(b), b.size()}, {"big", put(big), big.size()}};
  const std::string name = put(m.to_text());
  ContentStore cache(dir_ / "cache");
  auto f = fetcher();
  Status s = f->fetch_manifest_into(name, cache);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(slurp(cache.object_path(name)), m.to_text());
  EXPECT_EQ(slurp(cache.object_path(m.files[0].sha256)), a);
  EXPECT_EQ(slurp(cache.object_path(m.files[1].sha256)), b);
  EXPECT_FALSE(cache.has(m.files[2].sha256));  // over the 64 KiB inline limit: FetchObject's
  EXPECT_EQ(f->streams(), 0u);                 // one unary call, no FetchObject stream
  EXPECT_TRUE(faults_.offsets().empty());
  // Not a manifest: refused by the store, and fetched as a plain object instead.
  const std::string plain = put("not json");
  ContentStore other(dir_ / "other");
  ASSERT_TRUE(f->fetch_manifest_into(plain, other).ok());
  EXPECT_TRUE(other.has(plain));
  EXPECT_EQ(f->streams(), 1u);
}

TEST(CheckManifestReplyTest, EveryObjectMustBeAFileOfTheManifestWithItsSizeAndHash) {
  const std::string a = "alpha", b = "bravo!";
  Manifest m;
  m.is_dir = true;
  m.files = {{"a", sha256_hex(a), a.size()}, {"b", sha256_hex(b), b.size()}};
  const std::string text = m.to_text();
  const std::string name = sha256_hex(text);
  auto reply_with = [&](std::vector<std::pair<std::string, std::string>> objects) {
    v1::FetchManifestReply r;
    r.set_manifest(text);
    for (auto& [hex, data] : objects) {
      auto* o = r.add_objects();
      o->set_sha256(hex);
      o->set_data(data);
    }
    return r;
  };
  auto error_of = [&](const v1::FetchManifestReply& r, const std::string& as = {}) {
    auto got = check_manifest_reply(as.empty() ? name : as, r);
    return got.ok() ? std::string("accepted") : got.status().message();
  };
  auto ok = check_manifest_reply(name, reply_with({{sha256_hex(a), a}, {sha256_hex(b), b}}));
  ASSERT_TRUE(ok.ok()) << ok.status().message();
  EXPECT_EQ(ok->files.size(), 2u);
  EXPECT_NE(error_of(reply_with({}), sha256_hex("other")).find("does not hash to its name"),
            std::string::npos);
  EXPECT_NE(error_of(reply_with({{sha256_hex("zz"), "zz"}})).find("is not one of its files"),
            std::string::npos);
  EXPECT_NE(error_of(reply_with({{sha256_hex(a), a}, {sha256_hex(a), a}})).find("sent twice"),
            std::string::npos);
  EXPECT_NE(error_of(reply_with({{sha256_hex(a), "alph"}})).find("its manifest says 5"),
            std::string::npos);
  EXPECT_NE(error_of(reply_with({{sha256_hex(a), "alphA"}})).find("does not hash to its name"),
            std::string::npos);
  v1::FetchManifestReply junk;
  junk.set_manifest("{not json");
  EXPECT_NE(error_of(junk, sha256_hex("{not json")), "accepted");
}

TEST(TransferZeroCopyTest, ServerWithoutTestSeamSendsChunksTheFetcherVerifies) {
  // The fixture's server has a fault seam, which builds each chunk as a
  // message; this one sends the pread slice and a hand-encoded header.
  TempDir dir;
  ContentStore store(dir.path() + "/store");
  const std::string small = pattern(3 * kChunk + 11, 5);
  const std::string large = pattern(ChunkReceiver::kPipelineFrom + 1, 6);
  const std::string small_name = *store.add_bytes(small);
  const std::string large_name = *store.add_bytes(large);
  const std::string empty_name = *store.add_bytes("");
  ObjectStoreService service(store);
  service.set_credentials("run1", "secret");
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  FetchOptions o;
  o.chunk_size = kChunk;
  RemoteObjectFetcher f(grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                                  grpc::InsecureChannelCredentials(),
                                                  RemoteObjectFetcher::channel_arguments()),
                        "run1", "secret", o);
  ContentStore cache(dir.path() + "/cache");
  for (const std::string* name : {&small_name, &large_name, &empty_name}) {
    Status s = f.fetch_into(*name, cache);
    ASSERT_TRUE(s.ok()) << s.message();
  }
  EXPECT_TRUE(slurp(cache.object_path(small_name)) == small);
  EXPECT_TRUE(slurp(cache.object_path(large_name)) == large);
  EXPECT_TRUE(cache.has(empty_name));
  EXPECT_EQ(f.chunks_rejected(), 0u);
  EXPECT_EQ(f.streams(), 3u);
  server->Shutdown();
}

TEST_F(TransferTest, MalformedRequestIsRefusedAsInvalidArgument) {
  // FetchObject is a raw method: the service parses the request itself.
  grpc::GenericStub stub(grpc::CreateChannel(address_, grpc::InsecureChannelCredentials()));
  const std::string junk = "\xff\xff\xff\xff";
  const grpc::Slice slice(junk.data(), junk.size());
  const grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer reply;
  grpc::ClientContext ctx;
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&ctx, "/lightning.v1.ObjectStore/FetchObject", grpc::StubOptions(), &request,
                 &reply, [&](const grpc::Status& s) {
                   std::lock_guard<std::mutex> lock(mu);
                   status = s;
                   done = true;
                   done_cv.notify_all();
                 });
  std::unique_lock<std::mutex> lock(mu);
  ASSERT_TRUE(done_cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; }));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
  EXPECT_NE(status.error_message().find("malformed FetchObjectRequest"), std::string::npos)
      << status.error_message();
}

TEST(PipelinedSha256Test, SameDigestAsOneThreadForAnySplit) {
  const std::string data = pattern(3 << 20, 9);
  Sha256 prefix;
  prefix.update(data.data(), 1000);
  PipelinedSha256 h(std::move(prefix), 2);
  for (size_t at = 1000, n = 1; at < data.size(); at += n, n = n * 3 + 1) {
    h.update(data.substr(at, n));
  }
  EXPECT_EQ(h.final_hex(), sha256_hex(data));
}

TEST_F(TransferTest, CorruptedChunkIsDetectedAndFetchedAgain) {
  const std::string data = pattern(5 * kChunk);
  const std::string name = put(data);
  faults_.corrupt_at_ = 2 * kChunk;
  ContentStore cache(dir_ / "cache");
  auto f = fetcher();
  ASSERT_TRUE(f->fetch_into(name, cache).ok());
  EXPECT_EQ(slurp(cache.object_path(name)), data);
  EXPECT_EQ(f->chunks_rejected(), 1u);
  EXPECT_EQ(faults_.offsets(), (std::vector<uint64_t>{0, 2 * kChunk}));
}

TEST_F(TransferTest, StoreCopyThatIsDamagedIsAHashMismatchError) {
  const std::string data = pattern(2 * kChunk);
  const std::string name = put(data);
  ContentStore store(dir_ / "store");
  fs::permissions(store.object_path(name), fs::perms::owner_write, fs::perm_options::add);
  std::string bad = data;
  bad[5] ^= 1;
  write(store.object_path(name), bad);
  ContentStore cache(dir_ / "cache");
  Status s = fetcher()->fetch_into(name, cache);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("hash mismatch"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(name), std::string::npos) << s.message();
  EXPECT_FALSE(cache.has(name));  // nothing partial under the final name
}

TEST_F(TransferTest, ConcurrentReadersOfOneObjectShareOneFetch) {
  const std::string data = pattern(16 * kChunk);
  const std::string name = put(data);
  ContentStore cache(dir_ / "cache");
  std::vector<std::thread> readers;
  std::vector<Status> results(4);
  for (int i = 0; i < 4; ++i) {
    readers.emplace_back([&, i] {
      ContentStore mine(dir_ / "cache");
      results[static_cast<size_t>(i)] = fetcher()->fetch_into(name, mine);
    });
  }
  for (auto& t : readers) t.join();
  for (const auto& r : results) EXPECT_TRUE(r.ok()) << r.message();
  EXPECT_EQ(slurp(cache.object_path(name)), data);
  EXPECT_EQ(service_->bytes_sent(), data.size());  // moved once
}

TEST_F(TransferTest, MissingObjectAndWrongTokenAreClearErrorsNotRetriedForever) {
  ContentStore cache(dir_ / "cache");
  Status missing = fetcher()->fetch_into(sha256_hex("nowhere"), cache);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing.message();
  const std::string name = put("x");
  Status refused = fetcher("wrong")->fetch_into(name, cache);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.message();
  EXPECT_NE(refused.message().find("token"), std::string::npos) << refused.message();
  EXPECT_EQ(service_->requests(), 2u);
}

TEST_F(TransferTest, FullDiskIsAClearErrorAndLeavesNothingUnderTheFinalName) {
  SmallDisk disk(dir_ / "small", "256k");
  if (disk.error() == EPERM || disk.error() == EACCES) {
    GTEST_SKIP() << "cannot mount a tmpfs here: this test needs root or CAP_SYS_ADMIN";
  }
  ASSERT_EQ(disk.error(), 0) << std::strerror(disk.error());
  const std::string data = pattern(16 * kChunk);  // 1 MiB into 256 KiB
  const std::string name = put(data);
  ContentStore cache(dir_ / "small/cache");
  Status s = fetcher()->fetch_into(name, cache);
  ASSERT_EQ(s.code(), StatusCode::kResourceExhausted) << s.message();
  EXPECT_NE(s.message().find("disk is full"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(name + ".part"), std::string::npos) << s.message();
  EXPECT_FALSE(cache.has(name));
}

TEST_F(TransferTest, UnreachableStoreGivesUpAfterItsAttemptsAndSaysSo) {
  const std::string name = put(pattern(1000));
  server_->Shutdown();
  ContentStore cache(dir_ / "cache");
  Status s = fetcher()->fetch_into(name, cache);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.message();
  EXPECT_NE(s.message().find("attempts"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace lightning::storage
