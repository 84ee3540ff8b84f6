// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: lightning.lock (src/package/lockfile.hpp), which lightning-run
// reads beside every app that uses components, and which may be edited by
// hand or come out of a merge.
//
// Invariants: LockFile::parse returns or throws PackageError, never anything
// else; serialize() of a parsed lock parses again, and serializing that gives
// the same bytes (byte-stable); every entry's fields are what the format
// allows; find() returns an entry of the asked name in range.
#include <string>

#include "fuzz_check.hpp"
#include "package/errors.hpp"
#include "package/lockfile.hpp"
#include "package/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using lightning::package::LockFile;
  using lightning::package::PackageError;
  const std::string text(reinterpret_cast<const char*>(data), size);
  LockFile lock;
  try {
    lock = LockFile::parse(text, "lightning.lock");
  } catch (const PackageError&) {
    return 0;
  } catch (const std::exception& e) {
    LIGHTNING_FUZZ_CHECK(false,
                         std::string("LockFile::parse threw a non-PackageError: ") + e.what());
  }
  for (const auto& c : lock.components) {
    LIGHTNING_FUZZ_CHECK(lightning::package::is_valid_component_name(c.name),
                         "entry name " + c.name);
    LIGHTNING_FUZZ_CHECK(c.content_sha256.size() == 64, "content_sha256 " + c.content_sha256);
    LIGHTNING_FUZZ_CHECK(c.commit.empty() || c.commit.size() == 40, "commit " + c.commit);
    const auto* found = lock.find(c.name, lightning::package::VersionRange());
    LIGHTNING_FUZZ_CHECK(found == nullptr || found->name == c.name, "find returned another name");
  }
  std::string first;
  LockFile back;
  try {
    first = lock.serialize();
    back = LockFile::parse(first, "round trip");
  } catch (const std::exception& e) {
    LIGHTNING_FUZZ_CHECK(false, std::string("serialize() does not parse back: ") + e.what());
  }
  LIGHTNING_FUZZ_CHECK(back.serialize() == first, "serialize is not byte-stable:\n" + first);
  LIGHTNING_FUZZ_CHECK(back.components.size() == lock.components.size(), "entries lost");
  return 0;
}
