// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "lightning/v1/storage.grpc.pb.h"
#include "storage/content_store.hpp"

namespace lightning::storage {

/// Where a node's cache gets an object it lacks.
class ObjectSourceInterface {
 public:
  virtual ~ObjectSourceInterface() = default;
  /// Makes `sha256` present in `cache`, verified. Returns at once when it is.
  virtual Status fetch_into(const std::string& sha256, ContentStore& cache) = 0;
};

/// An object source on this machine's file system (the artifact store, seen
/// from the controller, or a directory every node mounts): links, no copy.
class LocalObjectSource final : public ObjectSourceInterface {
 public:
  explicit LocalObjectSource(ContentStore store) : store_(std::move(store)) {}
  Status fetch_into(const std::string& sha256, ContentStore& cache) override;

 private:
  ContentStore store_;
};

struct FetchOptions {
  uint32_t chunk_size = 1u << 20;  ///< bytes per chunk asked for (the server caps it at 4 MiB)
  int max_attempts = 6;            ///< streams tried per object before giving up
  std::chrono::milliseconds first_backoff{20};  ///< doubles per failed attempt, at most 1 s
};

/// Fetches objects over gRPC (ObjectStore.FetchObject) into a node's cache.
///
/// Bytes go to `<cache>/tmp/<sha256>.part` and the object appears under its
/// name only once whole and verified (SHA-256 of the whole, fsynced, renamed).
/// - Resumable: a fetch starts at the size of the .part file already on disk
///   (left by an interrupted stream, or by a process that died), after
///   re-hashing that prefix; a stream that breaks is asked again from there.
/// - Each chunk's XXH3-64 checksum is checked: a damaged chunk is dropped and fetched
///   again from its offset.
/// - Once per cache: the fetch holds an exclusive flock on the .part file, so
///   concurrent readers of the same object (threads or processes sharing the
///   cache) wait for the one fetch and then find the object.
/// - A whole-object hash mismatch after resuming starts over from byte 0
///   once; a second one is an error (the source's copy is damaged).
/// Thread-safe; each call blocks its thread.
class RemoteObjectFetcher final : public ObjectSourceInterface {
 public:
  RemoteObjectFetcher(std::shared_ptr<grpc::Channel> channel, std::string run_id, std::string token,
                      FetchOptions options = {});

  Status fetch_into(const std::string& sha256, ContentStore& cache) override;

  uint64_t bytes_received() const { return bytes_received_.load(); }
  uint64_t chunks_rejected() const { return chunks_rejected_.load(); }
  uint64_t streams() const { return streams_.load(); }

  /// The channel arguments the runtime dials a store with (large messages, no proxy).
  static grpc::ChannelArguments channel_arguments();

 private:
  Status fetch_locked(const std::string& sha256, ContentStore& cache, int fd,
                      const std::string& part);

  std::unique_ptr<v1::ObjectStore::Stub> stub_;
  std::string run_id_;
  std::string token_;
  FetchOptions options_;
  std::atomic<uint64_t> bytes_received_{0};
  std::atomic<uint64_t> chunks_rejected_{0};
  std::atomic<uint64_t> streams_{0};
};

}  // namespace lightning::storage
