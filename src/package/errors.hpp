// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <stdexcept>
#include <string>

namespace lightning::package {

/// Every error of the package layer (manifests, versions, lock files,
/// resolution, content hashes). what() is a whole sentence for the user: it
/// names the file (and field, or line) or the component, what is wrong, and
/// what to do. lightning-run / lightning print it after "error: " and exit 1.
class PackageError : public std::runtime_error {
 public:
  explicit PackageError(const std::string& what) : std::runtime_error(what) {}
};

}  // namespace lightning::package
