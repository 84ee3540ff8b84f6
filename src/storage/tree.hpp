// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Committing a file tree to the stores, and making a committed one present.
#pragma once

#include <filesystem>
#include <string>

#include "lightning/json.hpp"
#include "storage/manifest.hpp"
#include "storage/storage_context.hpp"

namespace lightning::storage {

/// Commits `<files_dir>/<rel>` (a file or a directory): hashes each file
/// (skipping files whose inode, size and mtime match their last commit in this
/// process), imports it into the cache and the artifact store (hard links; a
/// copy only across file systems), stores the manifest in both, and returns
/// the manifest's name. Errors name the path: a missing file ("does it
/// exist? was it written?"), a symlink that points out of the tree, anything
/// but files, directories and in-tree symlinks to files, a full disk.
Result<std::string> commit_tree(StorageContext& ctx, const std::string& rel);

/// Makes the committed tree `manifest` present at `<files_dir>/<rel>`:
/// fetches what the cache lacks (ctx.source()), links every file into a
/// staging directory and renames it into place (swapping out an older tree
/// there), so the final name never shows a partial tree. A second call for
/// the same content costs one read of a marker file.
Result<std::filesystem::path> materialize(StorageContext& ctx, const std::string& rel,
                                          const std::string& manifest);

/// Reads and validates a manifest, fetching it into the cache if needed.
Result<Manifest> load_manifest(StorageContext& ctx, const std::string& manifest);

/// Commits every uncommitted or changed Path made by `ctx.work_path` inside
/// `value` (a State field's JSON, at any depth) and writes the manifests into
/// it. Returns whether `value` changed; an error names the Path.
Result<bool> commit_paths_in(StorageContext& ctx, Json& value);

}  // namespace lightning::storage
