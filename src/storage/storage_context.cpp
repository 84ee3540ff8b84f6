// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "storage/storage_context.hpp"

#include <malloc.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "lightning/json.hpp"
#include "lightning/path.hpp"
#include "util/atomic_file.hpp"

namespace lightning::storage {

namespace fs = std::filesystem;

namespace {
std::unique_ptr<StorageContext>& slot() {
  static std::unique_ptr<StorageContext> ctx;
  return ctx;
}
}  // namespace

ObjectSourceInterface& StorageContext::source() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!source_) {
    if (make_source) source_ = make_source();
    if (!source_) source_ = std::make_unique<LocalObjectSource>(*artifacts);
  }
  return *source_;
}

Status StorageContext::fetch(const std::string& sha256, ObjectUse use) {
  if (cache->has(sha256)) return Status::Ok();
  return source().fetch_into(sha256, *cache, use);
}

Status StorageContext::fetch_manifest(const std::string& sha256) {
  if (cache->has(sha256)) return Status::Ok();
  return source().fetch_manifest_into(sha256, *cache);
}

std::unique_ptr<StorageContext> StorageContext::make(const fs::path& run_dir,
                                                     const std::string& work_path,
                                                     std::string cache_dir) {
  auto ctx = std::make_unique<StorageContext>();
  ctx->run_dir = run_dir;
  ctx->work_path = work_path;
  ctx->files_dir = run_dir / "files" / (work_path.empty() ? std::string("_flows") : work_path);
  if (cache_dir.empty()) {
    const char* env = std::getenv("LIGHTNING_CACHE_DIR");
    cache_dir = env != nullptr && *env != '\0' ? std::string(env) : (run_dir / "cache").string();
  }
  ctx->cache = std::make_unique<ContentStore>(cache_dir);
  ctx->artifacts = std::make_unique<ContentStore>(run_dir / "artifacts");
  std::ifstream in(run_dir / "storage.json");
  std::stringstream text;
  text << in.rdbuf();
  Json cfg = Json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (cfg.is_object() && cfg.contains("shared_dir") && cfg["shared_dir"].is_string()) {
    ctx->shared_dir = cfg["shared_dir"].get<std::string>();
  }
  ctx->drives_dir = (ctx->shared_dir.empty() ? run_dir : ctx->shared_dir) / "drives";
  return ctx;
}

namespace {
std::atomic<bool> g_paths_used{false};
}  // namespace

void tune_allocator_for_transfers() {
  static std::once_flag once;
  std::call_once(once, [] {
    ::mallopt(M_MMAP_THRESHOLD, 32 << 20);
    ::mallopt(M_TRIM_THRESHOLD, 256 << 20);
  });
}

bool paths_used() { return g_paths_used.load(std::memory_order_relaxed); }
void note_path_used() { g_paths_used.store(true, std::memory_order_relaxed); }

StorageContext& context() {
  if (!slot()) {
    throw StorageError(
        "no storage context: lightning::Path, Drive and Payload work inside a running app "
        "(a flow or a work)");
  }
  return *slot();
}

bool has_context() { return slot() != nullptr; }

std::unique_ptr<StorageContext> set_context(std::unique_ptr<StorageContext> ctx) {
  std::swap(slot(), ctx);
  return ctx;
}

void init_work_process(const std::string& run_dir, const std::string& work_path,
                       const std::string& controller_address, const std::string& run_id,
                       const std::string& token, rpc::ClientTls tls) {
  auto ctx = StorageContext::make(run_dir, work_path);
  ctx->make_source = [controller_address, run_id, token,
                      tls = std::move(tls)]() -> std::unique_ptr<ObjectSourceInterface> {
    tune_allocator_for_transfers();
    auto channel =
        rpc::controller_channel(controller_address, tls, RemoteObjectFetcher::channel_arguments());
    return std::make_unique<RemoteObjectFetcher>(channel, run_id, token);
  };
  set_context(std::move(ctx));
}

Status init_controller(const std::string& run_dir, const std::string& shared_dir) {
  Json cfg = Json::object();
  if (!shared_dir.empty()) {
    std::error_code ec;
    fs::create_directories(fs::path(shared_dir) / "drives", ec);
    if (ec) {
      return InvalidArgument("--shared-dir " + shared_dir +
                             ": cannot create drives/ there: " + ec.message());
    }
    cfg["shared_dir"] = fs::absolute(shared_dir).string();
  }
  if (Status s = util::write_file_atomically(run_dir + "/storage.json", cfg.dump() + "\n");
      !s.ok()) {
    return s;
  }
  set_context(StorageContext::make(run_dir, ""));
  return Status::Ok();
}

void throw_storage_error(const Status& s) {
  throw StorageError(s.message(), s.code() == StatusCode::kUnavailable ||
                                      s.code() == StatusCode::kResourceExhausted);
}

}  // namespace lightning::storage
