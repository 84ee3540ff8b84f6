// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include "lightning/v1/storage.grpc.pb.h"
#include "storage/content_store.hpp"
#include "storage/manifest.hpp"

namespace lightning::storage {

/// How an object fetched into a cache will be read; it decides whether the
/// fetch fsyncs the object before renaming it into place
/// (docs/design/storage.md, "Crash safety").
enum class ObjectUse {
  /// Linked into a work's files and read there with no check (a Path's
  /// files, a Drive's): fsynced, so that after a power loss no damaged bytes
  /// are found under a final name.
  kLinked,
  /// Read only through ContentStore::read, which re-hashes the whole object
  /// at every read and removes it when damaged (manifests): not fsynced; a
  /// reader that finds it damaged fetches it again.
  kVerifiedOnRead,
};

/// Where a node's cache gets an object it lacks.
class ObjectSourceInterface {
 public:
  virtual ~ObjectSourceInterface() = default;
  /// Makes `sha256` present in `cache`, verified. Returns at once when it is.
  virtual Status fetch_into(const std::string& sha256, ContentStore& cache, ObjectUse use) = 0;
  Status fetch_into(const std::string& sha256, ContentStore& cache) {
    return fetch_into(sha256, cache, ObjectUse::kLinked);
  }
  /// Makes the manifest `sha256` present in `cache` (as kVerifiedOnRead), and
  /// with it whichever of its files the source sends along. Default: the
  /// manifest alone.
  virtual Status fetch_manifest_into(const std::string& sha256, ContentStore& cache) {
    return fetch_into(sha256, cache, ObjectUse::kVerifiedOnRead);
  }
};

/// The most bytes of small files a FetchManifest reply carries inline.
inline constexpr uint64_t kMaxInlineBytes = 1u << 20;

/// Checks what a peer sent as FetchManifest(`sha256`)'s reply: the manifest
/// hashes to its name and parses (Manifest::parse); every inline object is one
/// of its files, sent once, with the size the manifest gives it and bytes that
/// hash to its name; at most kMaxInlineBytes in all. Returns the manifest, or
/// InvalidArgument saying what is wrong. Input from the network
/// (tests/fuzz/fuzz_object_chunks.cpp).
Result<Manifest> check_manifest_reply(const std::string& sha256,
                                      const v1::FetchManifestReply& reply);

/// An object source on this machine's file system (the artifact store, seen
/// from the controller, or a directory every node mounts): links, no copy.
class LocalObjectSource final : public ObjectSourceInterface {
 public:
  explicit LocalObjectSource(ContentStore store) : store_(std::move(store)) {}
  using ObjectSourceInterface::fetch_into;
  Status fetch_into(const std::string& sha256, ContentStore& cache, ObjectUse use) override;

 private:
  ContentStore store_;
};

struct FetchOptions {
  uint32_t chunk_size = 1u << 20;  ///< bytes per chunk asked for (the server caps it at 4 MiB)
  int max_attempts = 6;            ///< streams tried per object before giving up
  std::chrono::milliseconds first_backoff{20};  ///< doubles per failed attempt, at most 1 s
  /// Files of at most this many bytes come inline with their manifest
  /// (FetchManifest: one round trip for a small Path); 0: never.
  uint32_t inline_limit = 64u << 10;
};

/// Fetches objects over gRPC (ObjectStore.FetchObject) into a node's cache.
///
/// Bytes go to `<cache>/tmp/<sha256>.part` and the object appears under its
/// name only once whole and verified (SHA-256 of the whole, fsynced unless
/// ObjectUse::kVerifiedOnRead, renamed). Objects of 16 MiB and more are
/// hashed on a second thread while the next chunks arrive.
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

  using ObjectSourceInterface::fetch_into;
  Status fetch_into(const std::string& sha256, ContentStore& cache, ObjectUse use) override;
  /// One FetchManifest call: the manifest and its small files, each checked
  /// (check_manifest_reply) and stored; the files fdatasynced, the manifest
  /// not. Falls back to fetch_into() when the call fails (a store without the
  /// method, a broken connection: fetch_into retries and names the error).
  Status fetch_manifest_into(const std::string& sha256, ContentStore& cache) override;

  uint64_t bytes_received() const { return bytes_received_.load(); }
  uint64_t chunks_rejected() const { return chunks_rejected_.load(); }
  uint64_t streams() const { return streams_.load(); }

  /// The channel arguments the runtime dials a store with (large messages, no proxy).
  static grpc::ChannelArguments channel_arguments();

 private:
  Status fetch_locked(const std::string& sha256, ContentStore& cache, int fd,
                      const std::string& part, ObjectUse use);

  std::unique_ptr<v1::ObjectStore::Stub> stub_;
  std::string run_id_;
  std::string token_;
  FetchOptions options_;
  std::atomic<uint64_t> bytes_received_{0};
  std::atomic<uint64_t> chunks_rejected_{0};
  std::atomic<uint64_t> streams_{0};
  std::atomic<bool> manifest_method_{true};  // false once the store said UNIMPLEMENTED
};

}  // namespace lightning::storage
