// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning.lock (src/package/lockfile.hpp).
#include "package/lockfile.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lightning::package {
namespace {

const std::string kCommitA = "9f3c0b1e2d4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c";
const std::string kSha = "4b1e" + std::string(60, 'a');
const std::string kSha2 = std::string(64, 'b');

/// A lock written in the byte-exact form serialize() produces.
std::string canonical_lock() {
  return "{\n"
         "  \"lock_version\": 1,\n"
         "  \"components\": [\n"
         "    {\n"
         "      \"name\": \"acme_data\",\n"
         "      \"version\": \"2.0.1\",\n"
         "      \"source\": \"file:///srv/acme_data.git\",\n"
         "      \"commit\": \"" +
         kCommitA +
         "\",\n"
         "      \"content_sha256\": \"" +
         kSha +
         "\",\n"
         "      \"dependencies\": {}\n"
         "    },\n"
         "    {\n"
         "      \"name\": \"acme_trainer\",\n"
         "      \"version\": \"1.2.0\",\n"
         "      \"source\": \"/home/me/acme_trainer\",\n"
         "      \"commit\": \"\",\n"
         "      \"content_sha256\": \"" +
         kSha2 +
         "\",\n"
         "      \"dependencies\": {\n"
         "        \"acme_data\": \"2.0.1\"\n"
         "      }\n"
         "    }\n"
         "  ]\n"
         "}\n";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

LockedComponent entry(const std::string& name, const std::string& version) {
  LockedComponent c;
  c.name = name;
  c.version = Version::parse(version);
  c.source = "builtin";
  c.content_sha256 = kSha;
  return c;
}

TEST(LockFileTest, ParsesAndSerializesByteForByte) {
  const LockFile lock = LockFile::parse(canonical_lock(), "lightning.lock");
  ASSERT_EQ(lock.components.size(), 2u);
  EXPECT_EQ(lock.components[0].name, "acme_data");
  EXPECT_EQ(lock.components[0].commit, kCommitA);
  EXPECT_EQ(lock.components[1].source, "/home/me/acme_trainer");
  EXPECT_EQ(lock.components[1].dependencies.at("acme_data"), "2.0.1");
  EXPECT_EQ(lock.serialize(), canonical_lock());
  EXPECT_EQ(LockFile::parse(lock.serialize(), "again").serialize(), canonical_lock());
}

TEST(LockFileTest, OrderIsByNameThenVersionWhateverTheInputOrder) {
  LockFile lock;
  lock.components = {entry("b", "1.0.0"), entry("a", "10.0.0"), entry("a", "9.0.0"),
                     entry("a", "10.0.0-rc.1")};
  const std::string text = lock.serialize();
  const LockFile back = LockFile::parse(text, "x");
  std::vector<std::string> order;
  for (const auto& c : back.components) order.push_back(c.name + "@" + c.version.str());
  EXPECT_EQ(order, (std::vector<std::string>{"a@9.0.0", "a@10.0.0-rc.1", "a@10.0.0", "b@1.0.0"}));
  EXPECT_EQ(back.serialize(), text);
  EXPECT_EQ(LockFile().serialize(), "{\n  \"lock_version\": 1,\n  \"components\": []\n}\n");
}

TEST(LockFileTest, FindPicksTheHighestLockedVersionInRange) {
  LockFile lock;
  lock.upsert(entry("a", "1.0.0"));
  lock.upsert(entry("a", "1.4.0"));
  lock.upsert(entry("a", "2.0.0"));
  lock.upsert(entry("b", "1.9.0"));
  ASSERT_NE(lock.find("a", VersionRange::parse("^1")), nullptr);
  EXPECT_EQ(lock.find("a", VersionRange::parse("^1"))->version.str(), "1.4.0");
  EXPECT_EQ(lock.find("a", VersionRange())->version.str(), "2.0.0");
  EXPECT_EQ(lock.find("a", VersionRange::parse("^3")), nullptr);
  EXPECT_EQ(lock.find("c", VersionRange()), nullptr);
}

TEST(LockFileTest, UpsertReplacesTheSameVersionAndKeepsOrder) {
  LockFile lock;
  lock.upsert(entry("b", "1.0.0"));
  lock.upsert(entry("a", "2.0.0"));
  lock.upsert(entry("a", "1.0.0"));
  LockedComponent changed = entry("a", "2.0.0");
  changed.commit = kCommitA;
  lock.upsert(changed);
  ASSERT_EQ(lock.components.size(), 3u);
  EXPECT_EQ(lock.components[0].version.str(), "1.0.0");
  EXPECT_EQ(lock.components[1].commit, kCommitA);
  EXPECT_EQ(lock.components[2].name, "b");
}

TEST(LockFileTest, BadEntriesNameTheEntryAndField) {
  const nlohmann::json good = nlohmann::json::parse(canonical_lock());
  struct Case {
    std::string field;
    nlohmann::json value;  // null: remove the field
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"commit", "xyz", "lightning.lock: components[1].commit: 'xyz' is not a 40-hex git commit"},
      {"commit", std::string(40, 'A'), "is not a 40-hex git commit"},
      {"content_sha256", "abc", "components[1].content_sha256: 'abc' is not a SHA-256"},
      {"content_sha256", nullptr, "components[1].content_sha256: is required"},
      {"name", "Bad", "components[1].name: 'Bad' is not a valid component name"},
      {"name", nullptr, "components[1].name: is required"},
      {"version", "1.2", "components[1].version: '1.2' is not a SemVer version"},
      {"version", 1, "components[1].version: must be a string, not a number"},
      {"source", "", "components[1].source: '' is not a source"},
      {"dependencies", nlohmann::json::array(), "components[1].dependencies: must be an object"},
      {"dependencies", {{"acme_data", "^2"}}, "components[1].dependencies.acme_data: '^2' is not"},
      {"dependencies", {{"Bad", "1.0.0"}}, "components[1].dependencies.Bad"},
      {"extra", true, "components[1].extra: unknown field"},
  };
  for (const auto& c : cases) {
    nlohmann::json j = good;
    if (c.value.is_null()) {
      j["components"][1].erase(c.field);
    } else {
      j["components"][1][c.field] = c.value;
    }
    try {
      (void)LockFile::parse(j.dump(), "lightning.lock");
      ADD_FAILURE() << "accepted " << c.field << " = " << c.value.dump();
    } catch (const PackageError& e) {
      EXPECT_TRUE(contains(e.what(), c.expected)) << e.what();
    }
  }
}

TEST(LockFileTest, DocumentLevelProblemsAreRefused) {
  nlohmann::json dup = nlohmann::json::parse(canonical_lock());
  dup["components"].push_back(dup["components"][0]);
  dup["components"][2]["version"] = "2.0.1+otherbuild";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"lock_version": 2, "components": []})", "written by a newer Lightning"},
      {R"({"lock_version": 0, "components": []})", "is not a lock version"},
      {R"({"lock_version": 1.0, "components": []})", "is not a lock version"},
      {R"({"lock_version": "1", "components": []})", "is not a lock version"},
      {R"({"components": []})", "lock_version: is required"},
      {R"({"lock_version": 1, "components": {}})", "components: must be an array"},
      {R"({"lock_version": 1, "components": [3]})", "components[0]: must be an object"},
      {R"({"lock_version": 1, "packages": []})", "unknown field 'packages'"},
      {"[]", "must be a JSON object"},
      {"", "not valid JSON"},
      {dup.dump(), "components[2]: acme_data 2.0.1+otherbuild is locked twice"},
  };
  for (const auto& [text, expected] : cases) {
    try {
      (void)LockFile::parse(text, "dir/lightning.lock");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const PackageError& e) {
      EXPECT_TRUE(contains(e.what(), "dir/lightning.lock")) << e.what();
      EXPECT_TRUE(contains(e.what(), expected)) << e.what();
    }
  }
  const std::string huge = R"({"lock_version": 1, "x-pad": ")" + std::string(1u << 20, 'a') + "\"}";
  try {
    (void)LockFile::parse(huge, "big/lightning.lock");
    ADD_FAILURE() << "accepted a lock over 1 MiB";
  } catch (const PackageError& e) {
    EXPECT_TRUE(contains(e.what(), "big/lightning.lock: ")) << e.what();
    EXPECT_TRUE(contains(e.what(), "too large (at most 1 MiB)")) << e.what();
  }
  // No components at all is an empty lock; x- keys are free.
  EXPECT_TRUE(LockFile::parse(R"({"lock_version": 1, "x-by": "me"})", "l").components.empty());
}

}  // namespace
}  // namespace lightning::package
