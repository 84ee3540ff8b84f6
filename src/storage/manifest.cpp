// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "storage/manifest.hpp"

#include <algorithm>
#include <set>

#include "lightning/json.hpp"
#include "storage/sha256.hpp"

namespace lightning::storage {

std::string relative_path_problem(std::string_view rel, bool allow_empty) {
  if (rel.empty()) return allow_empty ? "" : "is empty";
  if (rel.size() > 1024) return "is longer than 1024 bytes";
  if (rel.find('\0') != std::string_view::npos) return "contains a NUL byte";
  if (rel.front() == '/') return "is absolute: use a path relative to the work's files";
  size_t start = 0;
  for (;;) {
    const size_t slash = rel.find('/', start);
    const std::string_view seg =
        rel.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (seg.empty()) return "has an empty segment ('//' or a trailing '/')";
    if (seg == "..") return "leaves the work's directory ('..'): use a path inside it";
    if (seg == ".") return "has a '.' segment: write the path without it";
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return "";
}

uint64_t Manifest::total_bytes() const {
  uint64_t n = 0;
  for (const auto& f : files) n += f.size;
  return n;
}

std::string Manifest::to_text() const {
  Json files_json = Json::array();
  for (const auto& f : files) {
    files_json.push_back({{"path", f.path}, {"sha256", f.sha256}, {"size", f.size}});
  }
  Json j = {{"v", 1}, {"kind", is_dir ? "dir" : "file"}, {"files", files_json}, {"dirs", dirs}};
  return j.dump();
}

Result<Manifest> Manifest::parse(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return InvalidArgument("manifest is not a JSON object");
  Manifest m;
  try {
    if (j.at("v").get<int>() != 1) return InvalidArgument("manifest version is not 1");
    const std::string kind = j.at("kind").get<std::string>();
    if (kind != "file" && kind != "dir") return InvalidArgument("manifest kind '" + kind + "'");
    m.is_dir = kind == "dir";
    std::set<std::string> seen;
    for (const auto& f : j.at("files")) {
      ManifestFile mf;
      mf.path = f.at("path").get<std::string>();
      mf.sha256 = f.at("sha256").get<std::string>();
      mf.size = f.at("size").get<uint64_t>();
      if (std::string p = relative_path_problem(mf.path, !m.is_dir); !p.empty()) {
        return InvalidArgument("manifest file path '" + mf.path + "' " + p);
      }
      if (!is_sha256_hex(mf.sha256)) return InvalidArgument("manifest hash is not 64 hex digits");
      if (!seen.insert(mf.path).second) return InvalidArgument("manifest repeats " + mf.path);
      m.files.push_back(std::move(mf));
    }
    for (const auto& d : j.at("dirs")) {
      std::string dir = d.get<std::string>();
      if (std::string p = relative_path_problem(dir); !p.empty()) {
        return InvalidArgument("manifest directory '" + dir + "' " + p);
      }
      if (!seen.insert(dir).second) return InvalidArgument("manifest repeats " + dir);
      m.dirs.push_back(std::move(dir));
    }
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("malformed manifest: ") + e.what());
  }
  if (!m.is_dir && (m.files.size() != 1 || !m.files[0].path.empty() || !m.dirs.empty())) {
    return InvalidArgument("a file manifest must hold exactly one file with an empty path");
  }
  // A file's parent must be a directory of the tree, not a file of it.
  std::set<std::string> file_paths;
  for (const auto& f : m.files) file_paths.insert(f.path);
  for (const auto& f : m.files) {
    for (size_t slash = f.path.find('/'); slash != std::string::npos;
         slash = f.path.find('/', slash + 1)) {
      if (file_paths.count(f.path.substr(0, slash))) {
        return InvalidArgument("manifest has '" + f.path + "' inside a file");
      }
    }
  }
  std::sort(m.files.begin(), m.files.end(),
            [](const ManifestFile& a, const ManifestFile& b) { return a.path < b.path; });
  std::sort(m.dirs.begin(), m.dirs.end());
  return m;
}

}  // namespace lightning::storage
