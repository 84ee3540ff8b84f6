// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "lightning/v1/storage.grpc.pb.h"
#include "storage/content_store.hpp"

namespace lightning::storage {

/// Test seam of ObjectStoreService: sees every request and every chunk before
/// it is sent (unit tests corrupt one, or cut the stream). Called on gRPC
/// threads; must be thread-safe.
class ChunkFaultsInterface {
 public:
  virtual ~ChunkFaultsInterface() = default;
  virtual void on_request(const v1::FetchObjectRequest& request) { (void)request; }
  /// May change `chunk` (after its checksum was set). false: the stream ends
  /// there with UNAVAILABLE, as a dropped connection would.
  virtual bool before_send(v1::ObjectChunk& chunk) = 0;
};

/// The gRPC ObjectStore service (proto/lightning/v1/storage.proto): streams
/// objects of one ContentStore (the run's artifact store, in the controller)
/// in chunks, each with an XXH3-64 checksum, from any offset. Registered on the
/// controller's gRPC server beside the Controller service; a cluster worker
/// will serve its node's cache with it. Runs on gRPC's callback threads only
/// and touches no controller state: objects are immutable files, read with
/// pread. Requests are refused (UNAVAILABLE) until set_credentials().
///
/// FetchObject is a raw method (grpc::ByteBuffer in and out): each chunk is an
/// ObjectChunk on the wire, but its `data` is read with pread straight into a
/// gRPC slice that the transport sends as it is, and only the few header bytes
/// are encoded here (encode_chunk_header), so no byte is copied into a
/// protobuf `bytes` and serialised again. With a ChunkFaultsInterface (tests)
/// the chunk is built as a message for the seam to see and change.
///
/// FetchManifest answers with a manifest and its files of at most the asked
/// size inline (up to kMaxInlineBytes in all), each read and verified with
/// ContentStore::read.
class ObjectStoreService final
    : public v1::ObjectStore::WithCallbackMethod_FetchManifest<
          v1::ObjectStore::WithRawCallbackMethod_FetchObject<v1::ObjectStore::Service>> {
 public:
  static constexpr uint32_t kDefaultChunk = 1u << 20;
  static constexpr uint32_t kMaxChunk = 4u << 20;

  explicit ObjectStoreService(ContentStore store, ChunkFaultsInterface* faults = nullptr);

  /// The run id and token a request must carry. Thread-safe.
  void set_credentials(std::string run_id, std::string token);

  grpc::ServerWriteReactor<grpc::ByteBuffer>* FetchObject(grpc::CallbackServerContext* context,
                                                          const grpc::ByteBuffer* request) override;

  grpc::ServerUnaryReactor* FetchManifest(grpc::CallbackServerContext* context,
                                          const v1::FetchManifestRequest* request,
                                          v1::FetchManifestReply* reply) override;

  /// Bytes of object data sent so far (for tests and benchmarks).
  uint64_t bytes_sent() const { return bytes_sent_.load(); }
  uint64_t requests() const { return requests_.load(); }

  const ContentStore& store() const { return store_; }

 private:
  friend class FetchReactor;
  bool credentials_ok(const std::string& run_id, const std::string& token, grpc::Status* why);
  grpc::Status manifest_reply(const v1::FetchManifestRequest& request,
                              v1::FetchManifestReply* reply);

  ContentStore store_;
  ChunkFaultsInterface* faults_;
  std::mutex mu_;  // guards run_id_, token_
  std::string run_id_;
  std::string token_;
  std::atomic<uint64_t> bytes_sent_{0};
  std::atomic<uint64_t> requests_{0};
};

/// The bytes of an ObjectChunk (protobuf wire format) that come before its
/// `data`: offset (field 1), xxh3 (field 3), object_size (field 4), then the
/// tag and length of data (field 2), which must follow at once. Fields in any
/// order are valid protobuf; a parser reads the same message as from
/// SerializeAsString. Writes at most kMaxChunkHeader (42) bytes to `out`; returns how many.
inline constexpr size_t kMaxChunkHeader = 42;
size_t encode_chunk_header(uint64_t offset, uint64_t xxh3, uint64_t object_size, uint64_t data_size,
                           uint8_t* out);

}  // namespace lightning::storage
