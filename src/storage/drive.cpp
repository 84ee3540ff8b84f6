// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning::Drive (include/lightning/drive.hpp).
#include "lightning/drive.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <fstream>
#include <optional>
#include <sstream>
#include <thread>

#include "storage/content_store.hpp"
#include "storage/manifest.hpp"
#include "storage/sha256.hpp"
#include "storage/storage_context.hpp"

namespace lightning {

namespace fs = std::filesystem;

namespace {

std::string who(const storage::StorageContext& ctx) {
  return ctx.work_path.empty() ? std::string("(flows)") : ctx.work_path;
}

void check_file_name(const std::string& drive, const std::string& name) {
  if (std::string problem = storage::relative_path_problem(name); !problem.empty()) {
    throw std::invalid_argument("Drive '" + drive + "': file name '" + name + "' " + problem);
  }
}

struct Entry {
  std::string sha256;
  uint64_t size = 0;
  std::string owner;
};

/// DriveLayout: the files of one drive: <drives>/<name>/entries/<file>.entry (JSON), and,
/// with a shared dir, <drives>/<name>/files/<file> (the bytes).
struct DriveLayout {
  fs::path dir;
  bool shared;
  fs::path entry(const std::string& file) const { return dir / "entries" / (file + ".entry"); }
  fs::path file(const std::string& file) const { return dir / "files" / file; }
};

DriveLayout layout_of(const storage::StorageContext& ctx, const std::string& drive) {
  return {ctx.drives_dir / drive, !ctx.shared_dir.empty()};
}

std::optional<Entry> read_entry(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  std::stringstream s;
  s << in.rdbuf();
  Json j = Json::parse(s.str(), nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return std::nullopt;
  Entry e;
  try {
    e.sha256 = j.at("sha256").get<std::string>();
    e.size = j.at("size").get<uint64_t>();
    e.owner = j.at("owner").get<std::string>();
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (!storage::is_sha256_hex(e.sha256)) return std::nullopt;
  return e;
}

}  // namespace

Drive::Drive(std::string name) : name_(std::move(name)) {
  const bool ok =
      !name_.empty() && name_.size() <= 64 && name_[0] != '.' &&
      std::all_of(name_.begin(), name_.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
      });
  if (!ok) {
    throw std::invalid_argument("Drive name '" + name_ +
                                "': use 1 to 64 characters of A-Z a-z 0-9 _ . - "
                                "(not starting with '.')");
  }
}

std::string Drive::put(const fs::path& local_file, const std::string& name) const {
  std::string file = name.empty() ? local_file.filename().string() : name;
  check_file_name(name_, file);
  storage::StorageContext& ctx = storage::context();
  struct stat st {};
  if (::stat(local_file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    throw StorageError("Drive '" + name_ + "': cannot put " + local_file.string() +
                       ": not a readable regular file");
  }
  const DriveLayout lay = layout_of(ctx, name_);
  const fs::path entry_path = lay.entry(file);
  if (auto old = read_entry(entry_path); old && old->owner != who(ctx)) {
    throw StorageError("Drive '" + name_ + "': '" + file + "' was put by work '" + old->owner +
                       "'; only that work may replace it (put it under another name)");
  }
  std::error_code ec;
  fs::create_directories(entry_path.parent_path(), ec);
  if (ec)
    storage::throw_storage_error(
        storage::errno_status("cannot create", entry_path.parent_path(), ec.value()));
  Result<std::string> hex = ctx.cache->add_file(local_file);
  if (!hex.ok())
    storage::throw_storage_error(
        hex.status().with_context("Drive '" + name_ + "': put '" + file + "'"));
  if (lay.shared) {
    // The bytes go to the shared directory itself (linked when on the same
    // file system); readers use them there.
    const fs::path dest = lay.file(file);
    fs::create_directories(dest.parent_path(), ec);
    if (ec)
      storage::throw_storage_error(
          storage::errno_status("cannot create", dest.parent_path(), ec.value()));
    if (Status s = ctx.cache->place(*hex, dest); !s.ok()) storage::throw_storage_error(s);
  } else if (Status s = ctx.artifacts->import_file(ctx.cache->object_path(*hex), *hex); !s.ok()) {
    storage::throw_storage_error(s);
  }
  // The entry appears whole (a rename); the first writer of a name wins
  // (link() fails if another work created it meanwhile).
  const Json j = {
      {"sha256", *hex}, {"size", static_cast<uint64_t>(st.st_size)}, {"owner", who(ctx)}};
  const fs::path tmp = entry_path.parent_path() / (".tmp." + storage::unique_suffix());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << j.dump();
    out.flush();
    if (!out) storage::throw_storage_error(storage::errno_status("cannot write", tmp, ENOSPC));
  }
  if (::link(tmp.c_str(), entry_path.c_str()) != 0) {
    const int e = errno;
    if (e != EEXIST) {
      ::unlink(tmp.c_str());
      storage::throw_storage_error(storage::errno_status("cannot create", entry_path, e));
    }
    auto old = read_entry(entry_path);
    if (old && old->owner != who(ctx)) {
      ::unlink(tmp.c_str());
      throw StorageError("Drive '" + name_ + "': '" + file + "' was put by work '" + old->owner +
                         "'; only that work may replace it (put it under another name)");
    }
    if (::rename(tmp.c_str(), entry_path.c_str()) != 0) {
      const int e2 = errno;
      ::unlink(tmp.c_str());
      storage::throw_storage_error(storage::errno_status("cannot replace", entry_path, e2));
    }
  } else {
    ::unlink(tmp.c_str());
  }
  return file;
}

fs::path Drive::get(const std::string& name, std::chrono::milliseconds timeout) const {
  check_file_name(name_, name);
  storage::StorageContext& ctx = storage::context();
  const DriveLayout lay = layout_of(ctx, name_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::optional<Entry> e;
  auto pause = std::chrono::milliseconds(1);
  for (;;) {
    e = read_entry(lay.entry(name));
    if (e || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
        pause, deadline - std::chrono::steady_clock::now()));
    pause = std::min(pause * 2, std::chrono::milliseconds(50));
  }
  if (!e) {
    throw StorageError(
        "Drive '" + name_ + "': '" + name + "' is not in the drive" +
            (timeout.count() > 0 ? " after " + std::to_string(timeout.count()) + " ms"
                                 : std::string()),
        /*retryable=*/true);
  }
  if (lay.shared) return lay.file(name);
  if (Status s = ctx.fetch(e->sha256); !s.ok()) {
    storage::throw_storage_error(s.with_context("Drive '" + name_ + "': get '" + name + "'"));
  }
  fs::path dest = ctx.files_dir / "drives" / name_ / name;
  struct stat st {};
  struct stat obj {};
  if (::stat(dest.c_str(), &st) == 0 &&
      ::stat(ctx.cache->object_path(e->sha256).c_str(), &obj) == 0 && st.st_ino == obj.st_ino &&
      st.st_dev == obj.st_dev) {
    return dest;  // already linked to this content
  }
  std::error_code ec;
  fs::create_directories(dest.parent_path(), ec);
  if (ec)
    storage::throw_storage_error(
        storage::errno_status("cannot create", dest.parent_path(), ec.value()));
  if (Status s = ctx.cache->place(e->sha256, dest); !s.ok()) storage::throw_storage_error(s);
  return dest;
}

std::vector<std::string> Drive::list(const std::string& prefix) const {
  storage::StorageContext& ctx = storage::context();
  const fs::path entries = layout_of(ctx, name_).dir / "entries";
  std::vector<std::string> out;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(entries, ec), end; !ec && it != end; it.increment(ec)) {
    const fs::path& p = it->path();
    const std::string fname = p.filename().string();
    if (!it->is_regular_file() || fname.rfind(".tmp.", 0) == 0) continue;
    static const std::string kSuffix = ".entry";
    if (fname.size() <= kSuffix.size() ||
        fname.compare(fname.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
      continue;
    std::string rel = fs::relative(p, entries, ec).generic_string();
    rel.resize(rel.size() - kSuffix.size());
    if (rel.rfind(prefix, 0) == 0) out.push_back(rel);
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool Drive::contains(const std::string& name) const {
  check_file_name(name_, name);
  return read_entry(layout_of(storage::context(), name_).entry(name)).has_value();
}

void Drive::remove(const std::string& name) const {
  check_file_name(name_, name);
  storage::StorageContext& ctx = storage::context();
  const DriveLayout lay = layout_of(ctx, name_);
  auto e = read_entry(lay.entry(name));
  if (!e)
    throw StorageError("Drive '" + name_ + "': cannot remove '" + name + "': not in the drive");
  if (e->owner != who(ctx)) {
    throw StorageError("Drive '" + name_ + "': '" + name + "' was put by work '" + e->owner +
                       "'; only that work may remove it");
  }
  if (::unlink(lay.entry(name).c_str()) != 0 && errno != ENOENT) {
    storage::throw_storage_error(storage::errno_status("cannot remove", lay.entry(name), errno));
  }
  if (lay.shared) ::unlink(lay.file(name).c_str());
}

}  // namespace lightning
