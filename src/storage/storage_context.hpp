// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "rpc/tls.hpp"
#include "storage/content_store.hpp"
#include "storage/object_fetcher.hpp"

namespace lightning::storage {

/// Where this process keeps and finds files (docs/design/storage.md):
///   files_dir   <run dir>/files/<work path>/   what Path::local() names
///   cache       $LIGHTNING_CACHE_DIR, else <run dir>/cache: the node's
///               content-addressed cache (one per node; two works with the
///               same cache directory share every byte)
///   artifacts   <run dir>/artifacts: the run's artifact store, where Paths
///               are committed and which the controller serves over gRPC
///   drives      <shared dir>/drives or <run dir>/drives: Drive entries
/// A process has one, set up by the work process or the controller before any
/// Path is used (unit tests make their own). Used from the thread that runs
/// the work or the flows; the lazy source is guarded by a mutex.
struct StorageContext {
  std::filesystem::path run_dir;
  std::string work_path;  ///< empty in the controller
  std::filesystem::path files_dir;
  std::filesystem::path shared_dir;  ///< empty unless --shared-dir
  std::unique_ptr<ContentStore> cache;
  std::unique_ptr<ContentStore> artifacts;
  std::filesystem::path drives_dir;
  /// Makes the source on first use (dialing the controller in a work).
  std::function<std::unique_ptr<ObjectSourceInterface>()> make_source;

  ObjectSourceInterface& source();
  /// Makes `sha256` present in the cache: nothing to do when it is (the
  /// source, and a gRPC channel, is made only when something is missing).
  Status fetch(const std::string& sha256, ObjectUse use = ObjectUse::kLinked);
  /// Makes the manifest `sha256` present in the cache, with whichever of its
  /// small files the source sends along (one round trip over gRPC).
  Status fetch_manifest(const std::string& sha256);

  /// Builds a context for `run_dir` with the default layout; `cache_dir`
  /// empty: $LIGHTNING_CACHE_DIR, else <run dir>/cache. Reads
  /// <run dir>/storage.json (written by the controller) for the shared dir.
  static std::unique_ptr<StorageContext> make(const std::filesystem::path& run_dir,
                                              const std::string& work_path,
                                              std::string cache_dir = {});

 private:
  std::mutex mu_;  // guards source_
  std::unique_ptr<ObjectSourceInterface> source_;
};

/// Whether this process ever made or read a Path (the commit after a call
/// costs nothing in a work that never did). Thread-safe.
bool paths_used();
void note_path_used();

/// Keeps glibc from returning freed 1 MiB transfer buffers to the kernel after
/// every chunk (its default trim threshold is twice the largest freed block):
/// sets M_TRIM_THRESHOLD to 256 MiB and M_MMAP_THRESHOLD to 32 MiB, once per
/// process, when it first serves (ObjectStoreService) or fetches objects, so
/// an app that moves no files keeps glibc's defaults. Measured on this VM:
/// user+sys of the transfer benchmark 4.8 s -> 3.0 s (docs/benchmarks.md).
void tune_allocator_for_transfers();

/// The process's context; throws lightning::StorageError when there is none
/// (a Path used outside an app).
StorageContext& context();
bool has_context();
/// Installs `ctx` as the process's context (nullptr: none). Returns the old one.
std::unique_ptr<StorageContext> set_context(std::unique_ptr<StorageContext> ctx);

/// In a work process, at start: a context for the work that fetches from the
/// controller's ObjectStore at `controller_address` with the run's credentials,
/// over the channel rpc::controller_channel() makes with `tls` (the work's
/// own, rpc::work_client_tls()).
void init_work_process(const std::string& run_dir, const std::string& work_path,
                       const std::string& controller_address, const std::string& run_id,
                       const std::string& token, rpc::ClientTls tls = {});

/// In the controller: writes <run dir>/storage.json ({"shared_dir": ...}) for
/// the works, and a context whose source is the artifact store on disk.
Status init_controller(const std::string& run_dir, const std::string& shared_dir);

/// Throws `s` as the public lightning::StorageError (path.hpp): its message,
/// and retryable when the code is kUnavailable or kResourceExhausted. What
/// Path, Drive and Payload throw when a storage operation fails.
[[noreturn]] void throw_storage_error(const Status& s);

}  // namespace lightning::storage
