// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "storage/tree.hpp"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "storage/sha256.hpp"

namespace lightning::storage {

namespace fs = std::filesystem;

namespace {

/// What this process last committed at a path: a file whose inode, size and
/// mtime are unchanged is not hashed again.
struct StatKey {
  dev_t dev;
  ino_t ino;
  off_t size;
  int64_t mtime_ns;
  bool operator==(const StatKey& o) const {
    return dev == o.dev && ino == o.ino && size == o.size && mtime_ns == o.mtime_ns;
  }
};
std::map<std::string, std::pair<StatKey, std::string>>& hash_memo() {
  static std::map<std::string, std::pair<StatKey, std::string>> memo;
  return memo;
}

StatKey key_of(const struct stat& st) {
  return {st.st_dev, st.st_ino, st.st_size,
          static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec};
}

/// Hash of one file, through the memo.
Result<std::string> hash_file(const fs::path& file, const struct stat& st) {
  auto& memo = hash_memo();
  auto it = memo.find(file.string());
  if (it != memo.end() && it->second.first == key_of(st)) return it->second.second;
  Result<std::string> hex = sha256_of_file(file);
  if (!hex.ok()) return hex.status();
  memo[file.string()] = {key_of(st), *hex};
  return hex;
}

/// Test seam for the kill -9 tests (tests/integration/storage_test.cpp): with
/// $LIGHTNING_TEST_COMMIT_PAUSE=<file> set, <file> present and no
/// <file>.reached yet, the first commit of a file in this process stops
/// half-way (the object linked into the node's cache, not yet into the
/// artifact store, no manifest), writes this process's pid to <file>.reached
/// and waits until <file> is removed. So it pauses once per test, not again
/// in the process that retries the call. Unset (always, outside those tests):
/// one getenv per process.
void pause_in_commit_for_tests() {
  static const char* const file = std::getenv("LIGHTNING_TEST_COMMIT_PAUSE");
  static bool paused = false;
  if (file == nullptr || paused || ::access(file, F_OK) != 0) return;
  const std::string reached = std::string(file) + ".reached";
  if (::access(reached.c_str(), F_OK) == 0) return;
  paused = true;
  const std::string tmp = reached + ".tmp";
  std::ofstream(tmp, std::ios::trunc) << ::getpid();
  std::rename(tmp.c_str(), reached.c_str());
  while (::access(file, F_OK) == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Status commit_file(StorageContext& ctx, const fs::path& file, const struct stat& st,
                   const std::string& rel_in_tree, Manifest& m) {
  Result<std::string> hex = hash_file(file, st);
  if (!hex.ok()) return hex.status();
  if (Status s = ctx.cache->import_file(file, *hex); !s.ok()) return s;
  pause_in_commit_for_tests();
  if (Status s = ctx.artifacts->import_file(ctx.cache->object_path(*hex), *hex); !s.ok()) return s;
  // The link made the file read-only (0444): its inode's mtime is unchanged,
  // its ctime is not part of the key, so the memo still holds.
  m.files.push_back({rel_in_tree, *hex, static_cast<uint64_t>(st.st_size)});
  return Status::Ok();
}

/// Whether `target` (canonical) lies inside `root` (canonical).
bool is_inside(const fs::path& root, const fs::path& target) {
  auto r = root.begin();
  auto t = target.begin();
  for (; r != root.end(); ++r, ++t) {
    if (t == target.end() || *r != *t) return false;
  }
  return true;
}

Status walk(StorageContext& ctx, const fs::path& root, const fs::path& dir,
            const std::string& prefix, const std::string& path_name, Manifest& m) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) return errno_status("cannot list", dir, ec.value());
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) return errno_status("cannot list", dir, ec.value());
    const fs::path p = it->path();
    const std::string rel =
        prefix.empty() ? p.filename().string() : prefix + "/" + p.filename().string();
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0) return errno_status("cannot stat", p, errno);
    if (S_ISLNK(st.st_mode)) {
      const fs::path target = fs::canonical(p, ec);
      if (ec || !is_inside(root, target)) {
        return InvalidArgument("Path '" + path_name + "': " + p.string() +
                               " is a symlink that points out of the tree (" +
                               (ec ? ec.message() : target.string()) +
                               "); copy the file into the tree instead");
      }
      if (::stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return InvalidArgument("Path '" + path_name + "': " + p.string() +
                               " is a symlink to something other than a file");
      }
      if (Status s = commit_file(ctx, target, st, rel, m); !s.ok()) return s;
    } else if (S_ISDIR(st.st_mode)) {
      m.dirs.push_back(rel);
      if (Status s = walk(ctx, root, p, rel, path_name, m); !s.ok()) return s;
    } else if (S_ISREG(st.st_mode)) {
      if (Status s = commit_file(ctx, p, st, rel, m); !s.ok()) return s;
    } else {
      return InvalidArgument("Path '" + path_name + "': " + p.string() +
                             " is neither a file nor a directory");
    }
  }
  return Status::Ok();
}

fs::path marker_of(const StorageContext& ctx, const std::string& rel) {
  return ctx.files_dir / ".lightning" / "present" / sha256_hex(rel);
}

std::string read_small_file(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

Result<std::string> commit_tree(StorageContext& ctx, const std::string& rel) {
  if (std::string problem = relative_path_problem(rel); !problem.empty()) {
    return InvalidArgument("Path '" + rel + "' " + problem);
  }
  const fs::path top = ctx.files_dir / rel;
  struct stat st {};
  if (::lstat(top.c_str(), &st) != 0) {
    if (errno == ENOENT) {
      return NotFound("Path '" + rel + "' of work '" + ctx.work_path + "': " + top.string() +
                      " does not exist (write it under Path::local() before run() returns)");
    }
    return errno_status("cannot stat", top, errno);
  }
  Manifest m;
  if (S_ISLNK(st.st_mode)) {
    return InvalidArgument("Path '" + rel + "': " + top.string() +
                           " is a symlink; commit the file or directory itself");
  }
  if (S_ISREG(st.st_mode)) {
    if (Status s = commit_file(ctx, top, st, "", m); !s.ok())
      return s.with_context("Path '" + rel + "'");
  } else if (S_ISDIR(st.st_mode)) {
    m.is_dir = true;
    std::error_code ec;
    const fs::path root = fs::canonical(top, ec);
    if (ec) return errno_status("cannot resolve", top, ec.value());
    if (Status s = walk(ctx, root, top, "", rel, m); !s.ok()) return s.with_context("commit");
  } else {
    return InvalidArgument("Path '" + rel + "': " + top.string() +
                           " is neither a file nor a directory");
  }
  std::sort(m.files.begin(), m.files.end(),
            [](const ManifestFile& a, const ManifestFile& b) { return a.path < b.path; });
  std::sort(m.dirs.begin(), m.dirs.end());
  const std::string text = m.to_text();
  Result<std::string> name = ctx.cache->add_bytes(text);
  if (!name.ok()) return name.status();
  if (Status s = ctx.artifacts->import_file(ctx.cache->object_path(*name), *name); !s.ok())
    return s;
  // What this work made is already where it belongs: no materialise needed.
  {
    std::error_code ec;
    fs::create_directories(marker_of(ctx, rel).parent_path(), ec);
    std::ofstream(marker_of(ctx, rel), std::ios::trunc) << *name;
  }
  return *name;
}

Result<Manifest> load_manifest(StorageContext& ctx, const std::string& manifest) {
  // A fetched manifest is not fsynced: read() re-hashes it every time and
  // removes it when damaged (after a power loss), and it is fetched again.
  Result<std::string> text = Internal("not read yet");
  for (int attempt = 0; attempt < 2 && !text.ok(); ++attempt) {
    if (Status s = ctx.fetch_manifest(manifest); !s.ok()) return s;
    text = ctx.cache->read(manifest, kMaxManifestBytes);
    if (!text.ok() && text.status().code() != StatusCode::kInternal) break;
  }
  if (!text.ok()) return text.status();
  return Manifest::parse(*text);
}

Result<fs::path> materialize(StorageContext& ctx, const std::string& rel,
                             const std::string& manifest) {
  const fs::path dest = ctx.files_dir / rel;
  const fs::path marker = marker_of(ctx, rel);
  std::error_code ec;
  if (read_small_file(marker) == manifest && fs::exists(dest, ec)) return dest;

  Result<Manifest> m = load_manifest(ctx, manifest);
  if (!m.ok()) return m.status();
  for (const auto& f : m->files) {
    if (Status s = ctx.fetch(f.sha256); !s.ok()) return s;
    // Objects are never rewritten; a size that differs means a committed
    // file was rewritten in place through a hard link (as root).
    struct stat st {};
    if (::stat(ctx.cache->object_path(f.sha256).c_str(), &st) != 0 ||
        static_cast<uint64_t>(st.st_size) != f.size) {
      return Internal("'" + (f.path.empty() ? rel : rel + "/" + f.path) +
                      "' was changed after it was committed (its object " +
                      ctx.cache->object_path(f.sha256).string() +
                      " no longer has its size): remove a committed file before writing a new "
                      "version of it");
    }
  }
  fs::create_directories(dest.parent_path(), ec);
  if (ec) return errno_status("cannot create", dest.parent_path(), ec.value());
  const fs::path staging = dest.parent_path() / (".lightning-staging." + unique_suffix());
  auto fail = [&](Status s) {
    std::error_code ignored;
    fs::remove_all(staging, ignored);
    return s;
  };
  if (m->is_dir) {
    fs::create_directory(staging, ec);
    if (ec) return fail(errno_status("cannot create", staging, ec.value()));
    for (const auto& d : m->dirs) {
      fs::create_directories(staging / d, ec);
      if (ec) return fail(errno_status("cannot create", staging / d, ec.value()));
    }
    for (const auto& f : m->files) {
      fs::create_directories((staging / f.path).parent_path(), ec);
      if (Status s = ctx.cache->place(f.sha256, staging / f.path); !s.ok()) return fail(s);
    }
  } else if (Status s = ctx.cache->place(m->files[0].sha256, staging); !s.ok()) {
    return fail(s);
  }
  // Into place: swap with an older tree (atomic), or a plain rename.
  if (::renameat2(AT_FDCWD, staging.c_str(), AT_FDCWD, dest.c_str(), RENAME_EXCHANGE) == 0) {
    fs::remove_all(staging, ec);  // now the old tree
  } else if (::rename(staging.c_str(), dest.c_str()) != 0) {
    return fail(errno_status("cannot rename into", dest, errno));
  }
  fs::create_directories(marker.parent_path(), ec);
  std::ofstream(marker, std::ios::trunc) << manifest;
  return dest;
}

Result<bool> commit_paths_in(StorageContext& ctx, Json& value) {
  if (value.is_array()) {
    bool changed = false;
    for (auto& v : value) {
      Result<bool> r = commit_paths_in(ctx, v);
      if (!r.ok()) return r;
      changed = changed || *r;
    }
    return changed;
  }
  if (!value.is_object()) return false;
  auto it = value.find("$path");
  if (it != value.end() && it->is_string()) {
    const auto origin = value.find("origin");
    if (origin == value.end() || !origin->is_string() || *origin != ctx.work_path) return false;
    Result<std::string> name = commit_tree(ctx, it->get<std::string>());
    if (!name.ok()) return name.status();
    const auto old = value.find("manifest");
    if (old != value.end() && old->is_string() && *old == *name) return false;
    value["manifest"] = *name;
    return true;
  }
  bool changed = false;
  for (auto& [k, v] : value.items()) {
    (void)k;
    Result<bool> r = commit_paths_in(ctx, v);
    if (!r.ok()) return r;
    changed = changed || *r;
  }
  return changed;
}

}  // namespace lightning::storage
