// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// SemVer 2.0.0 versions and Cargo-style ranges (src/package/semver.hpp).
#include "package/semver.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lightning::package {
namespace {

std::string version_error(const std::string& text) {
  try {
    (void)Version::parse(text);
  } catch (const PackageError& e) {
    return e.what();
  }
  return "";
}

std::string range_error(const std::string& text) {
  try {
    (void)VersionRange::parse(text);
  } catch (const PackageError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(VersionTest, ParsesEveryPartAndPrintsItBack) {
  const Version v = Version::parse("1.22.333-rc.1.x-y+build.5.0a");
  EXPECT_EQ(v.major, 1u);
  EXPECT_EQ(v.minor, 22u);
  EXPECT_EQ(v.patch, 333u);
  EXPECT_EQ(v.prerelease, (std::vector<std::string>{"rc", "1", "x-y"}));
  EXPECT_EQ(v.build, "build.5.0a");
  EXPECT_EQ(v.str(), "1.22.333-rc.1.x-y+build.5.0a");
  EXPECT_EQ(Version::parse("0.0.0").str(), "0.0.0");
  // Build metadata may have leading zeros (§10); a prerelease's alphanumeric one too.
  EXPECT_EQ(Version::parse("1.0.0-0a.01b+001").str(), "1.0.0-0a.01b+001");
}

TEST(VersionTest, SpecPrecedenceChainIsStrictlyIncreasing) {
  // SemVer §11's own example, then more cases from §11.
  const std::vector<std::string> chain = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                          "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                                          "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                                          "1.1.0-0",     "1.1.0",         "1.9.0",
                                          "1.10.0",      "2.0.0",         "10.0.0"};
  for (std::size_t i = 0; i < chain.size(); ++i) {
    for (std::size_t j = 0; j < chain.size(); ++j) {
      const Version a = Version::parse(chain[i]);
      const Version b = Version::parse(chain[j]);
      const int expected = i < j ? -1 : (i > j ? 1 : 0);
      EXPECT_EQ(compare(a, b), expected) << chain[i] << " vs " << chain[j];
    }
  }
}

TEST(VersionTest, BuildMetadataIsIgnoredByPrecedence) {
  EXPECT_EQ(Version::parse("1.0.0+a"), Version::parse("1.0.0+b"));
  EXPECT_EQ(compare(Version::parse("1.0.0-rc+x"), Version::parse("1.0.0-rc")), 0);
}

TEST(VersionTest, NumericIdentifiersCompareNumericallyHoweverLong) {
  // Longer than any integer type: compared by length, then digits.
  EXPECT_LT(Version::parse("1.0.0-99999999999999999999999"),
            Version::parse("1.0.0-100000000000000000000000"));
  EXPECT_LT(Version::parse("1.0.0-2"), Version::parse("1.0.0-10"));
  EXPECT_LT(Version::parse("1.0.0-999"), Version::parse("1.0.0-a"));  // numeric < alphanumeric
  EXPECT_LT(Version::parse("1.0.0-A"), Version::parse("1.0.0-a"));    // ASCII order
}

TEST(VersionTest, LargestPartsParseAndOneMoreIsRefused) {
  const Version v = Version::parse("9223372036854775807.0.0");
  EXPECT_EQ(v.major, 9223372036854775807u);
  EXPECT_TRUE(contains(version_error("9223372036854775808.0.0"), "too large"));
  EXPECT_TRUE(contains(version_error("1.99999999999999999999999.0"), "too large"));
  EXPECT_TRUE(contains(version_error("1.0.184467440737095516160"), "too large"));
}

TEST(VersionTest, MalformedVersionsAreRefusedWithTheReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"1", "three numbers"},
      {"1.2", "three numbers"},
      {"1.2.3.4", "more than three"},
      {"01.2.3", "leading zero in the major"},
      {"1.02.0", "leading zero in the minor"},
      {"1.2.03", "leading zero in the patch"},
      {"v1.2.3", "leading 'v'"},
      {"1.2.3-", "empty prerelease"},
      {"1.2.3-a..b", "empty identifier"},
      {"1.2.3-01", "leading zero in the numeric prerelease"},
      {"1.2.3+", "empty build"},
      {"1.2.3+a..b", "empty identifier"},
      {"1.2.3-a_b", "character '_'"},
      {"1.2.3 ", "is not a number"},
      {" 1.2.3", "is not a number"},
      {"1.-2.3", "three numbers"},
      {"1.2.x", "is not a number"},
      {"a.b.c", "is not a number"},
      {"1..3", "minor version is empty"},
      {"1.2.3-\xff", "\\xff"},
  };
  for (const auto& [text, why] : cases) {
    const std::string e = version_error(text);
    EXPECT_TRUE(contains(e, "is not a SemVer version")) << text << ": " << e;
    EXPECT_TRUE(contains(e, why)) << text << ": " << e;
  }
  EXPECT_TRUE(contains(version_error("1.02.0"), "'1.02.0'"));
}

struct RangeCase {
  std::string range;
  std::vector<std::string> match;
  std::vector<std::string> no_match;
};

TEST(VersionRangeTest, EveryFormMatchesWhatCargoSays) {
  const std::vector<RangeCase> cases = {
      // Caret, and a bare version (the same).
      {"^1.2.3", {"1.2.3", "1.2.4", "1.9.0"}, {"1.2.2", "2.0.0", "0.9.9", "2.0.0-alpha"}},
      {"1.2.3", {"1.2.3", "1.99.0"}, {"1.2.2", "2.0.0"}},
      {"^1.2", {"1.2.0", "1.3.0"}, {"1.1.9", "2.0.0"}},
      {"^1", {"1.0.0", "1.9.9"}, {"0.9.0", "2.0.0"}},
      {"^0.2.3", {"0.2.3", "0.2.9"}, {"0.3.0", "0.2.2", "1.0.0"}},
      {"^0.2", {"0.2.0", "0.2.9"}, {"0.3.0", "0.1.0"}},
      {"^0.0.3", {"0.0.3"}, {"0.0.4", "0.0.2", "0.1.0"}},
      {"^0.0", {"0.0.0", "0.0.9"}, {"0.1.0"}},
      {"^0", {"0.0.0", "0.9.9"}, {"1.0.0"}},
      // Tilde.
      {"~1.2.3", {"1.2.3", "1.2.9"}, {"1.3.0", "1.2.2"}},
      {"~1.2", {"1.2.0", "1.2.9"}, {"1.3.0", "1.1.0"}},
      {"~1", {"1.0.0", "1.9.0"}, {"2.0.0", "0.9.0"}},
      {"~0.2.3", {"0.2.3", "0.2.4"}, {"0.3.0"}},
      // Exact and partial exact.
      {"=1.2.3", {"1.2.3", "1.2.3+build"}, {"1.2.4", "1.2.2"}},
      {"=1.2", {"1.2.0", "1.2.9"}, {"1.3.0", "1.1.0"}},
      {"=1", {"1.0.0", "1.9.0"}, {"2.0.0"}},
      // Comparisons, with Cargo's meaning of a missing part.
      {">1.2.3", {"1.2.4", "2.0.0"}, {"1.2.3"}},
      {">1.2", {"1.3.0"}, {"1.2.9"}},
      {">1", {"2.0.0"}, {"1.9.9"}},
      {">=1.2", {"1.2.0", "3.0.0"}, {"1.1.9"}},
      {"<2", {"1.9.9", "0.0.0"}, {"2.0.0", "2.0.0-alpha"}},
      {"<1.3", {"1.2.9"}, {"1.3.0"}},
      {"<=1.2", {"1.2.9", "1.2.0"}, {"1.3.0"}},
      {"<=1", {"1.9.9"}, {"2.0.0"}},
      {"<=1.2.3", {"1.2.3"}, {"1.2.4"}},
      {">= 1.2, < 1.5", {"1.2.0", "1.4.9"}, {"1.5.0", "1.1.0"}},
      {">=1.2,<1.5", {"1.3.0"}, {"1.5.0"}},
      // Wildcards.
      {"*", {"0.0.0", "1.0.0", "99.0.0"}, {"1.0.0-alpha"}},
      {"1.*", {"1.0.0", "1.9.0"}, {"2.0.0", "0.9.0"}},
      {"1.2.*", {"1.2.0", "1.2.9"}, {"1.3.0"}},
      {"1.x", {"1.5.0"}, {"2.0.0"}},
      {"1.2.X", {"1.2.5"}, {"1.3.0"}},
      {"1.*.*", {"1.5.0"}, {"2.0.0", "1.2.0-pre"}},
      {">=1.*", {"1.0.0", "5.0.0"}, {"0.9.0"}},
      {"^1.x", {"1.5.0"}, {"2.0.0"}},
      {"* || =0.1.0-rc.1", {"0.1.0-rc.1", "7.0.0"}, {"0.1.0-rc.2"}},
      {"x", {"3.0.0"}, {}},
      // Alternatives.
      {"^1.0 || ^3.0", {"1.5.0", "3.1.0"}, {"2.0.0", "4.0.0"}},
      {"=1.0.0||=2.0.0", {"1.0.0", "2.0.0"}, {"1.0.1"}},
      // Prereleases: only through a comparator naming one of the same MAJOR.MINOR.PATCH.
      {"^1.0", {"1.5.0"}, {"1.5.0-beta", "1.0.0-rc.1"}},
      {"^1.2.3-alpha", {"1.2.3-alpha", "1.2.3-beta", "1.2.3", "1.3.0"}, {"1.2.4-beta", "1.2.2"}},
      {"=1.2.3-rc.1", {"1.2.3-rc.1"}, {"1.2.3-rc.2", "1.2.3"}},
      {">=1.2.3-rc.1, <1.3.0", {"1.2.3-rc.2", "1.2.3", "1.2.9"}, {"1.2.4-rc.1", "1.2.3-rc.0"}},
      {"~1.2.3-beta", {"1.2.3-beta.2", "1.2.5"}, {"1.2.5-beta", "1.3.0"}},
      {"<1.0.0-rc.1", {"0.9.0", "1.0.0-beta"}, {"0.9.0-rc.1", "1.0.0-rc.1", "1.0.0"}},
      {"<=2.1.0-alpha2", {"2.1.0-alpha2", "2.1.0-alpha1", "2.0.0"}, {"2.1.0", "2.0.0-alpha2"}},
      {">=0.5.1-alpha3, <0.6",
       {"0.5.1-alpha4", "0.5.1", "0.5.5"},
       {"0.5.1-alpha1", "0.5.2-alpha3", "0.6.0", "0.6.0-pre"}},
      {">1.0.0-alpha, <1.0.0", {"1.0.0-beta"}, {"1.0.0"}},
      {">1.0.0-alpha, <1.0", {}, {"1.0.0-beta"}},  // a partial bound excludes 1.0.0's prereleases
      {"^1.4.2-beta.5", {"1.4.2-c", "1.4.3"}, {"1.4.2-beta.4", "1.4.3-beta.5", "2.0.0"}},
      {">=1.2.3-01a", {"1.2.3-01b"}, {"1.2.3-1"}},
      // Build metadata in a requirement is ignored.
      {"=1.2.3+build.7", {"1.2.3", "1.2.3+other"}, {"1.2.4"}},
  };
  for (const auto& c : cases) {
    const VersionRange r = VersionRange::parse(c.range);
    for (const auto& v : c.match) {
      EXPECT_TRUE(r.matches(Version::parse(v))) << c.range << " should match " << v;
    }
    for (const auto& v : c.no_match) {
      EXPECT_FALSE(r.matches(Version::parse(v))) << c.range << " should not match " << v;
    }
  }
}

TEST(VersionRangeTest, PrereleaseOfTheNamedVersionMatchesAcrossComparators) {
  // "<1.0.0-rc.1" names a prerelease of 1.0.0, so 1.0.0-beta (below it) matches.
  EXPECT_TRUE(VersionRange::parse("<1.0.0-rc.1").matches(Version::parse("1.0.0-beta")));
  // But only within the alternative that names it.
  const VersionRange r = VersionRange::parse("^2 || =1.0.0-rc.1");
  EXPECT_TRUE(r.matches(Version::parse("1.0.0-rc.1")));
  EXPECT_FALSE(r.matches(Version::parse("2.1.0-rc.1")));
}

TEST(VersionRangeTest, DefaultIsAnyReleaseAndTextIsKeptTrimmed) {
  const VersionRange any;
  EXPECT_EQ(any.str(), "*");
  EXPECT_TRUE(any.matches(Version::parse("0.0.1")));
  EXPECT_FALSE(any.matches(Version::parse("0.0.1-a")));
  EXPECT_EQ(VersionRange::parse("  ^1.2 \t").str(), "^1.2");
  EXPECT_EQ(VersionRange::parse(">=1, <2").str(), ">=1, <2");
}

TEST(VersionRangeTest, HugeBoundsDoNotOverflow) {
  const VersionRange r = VersionRange::parse("^9223372036854775807");
  EXPECT_TRUE(r.matches(Version::parse("9223372036854775807.5.0")));
  EXPECT_FALSE(r.matches(Version::parse("9223372036854775806.0.0")));
  const VersionRange t = VersionRange::parse("~1.9223372036854775807");
  EXPECT_TRUE(t.matches(Version::parse("1.9223372036854775807.3")));
  EXPECT_TRUE(VersionRange::parse(">9223372036854775807.9223372036854775807")
                  .matches(Version::parse("9223372036854775807.9223372036854775807.0")) == false);
  EXPECT_TRUE(contains(range_error("^9223372036854775808"), "too large"));
}

TEST(VersionRangeTest, MalformedRangesAreRefusedWithTheReason) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "empty"},
      {"   ", "empty"},
      {"^", "without a version"},
      {">=", "without a version"},
      {"1.2.3 ||", "empty alternative"},
      {"|| 1.2.3", "empty alternative"},
      {"1.2,", "empty comparator"},
      {",1.2", "empty comparator"},
      {"!1.2", "unknown operator"},
      {"=>1.2", "not a number"},
      {"~>1.2", "not a number"},
      {"1.2.3 - 2.0.0", "a blank inside"},
      {">=1.2 <2", "a blank inside"},
      {"v1.2", "unknown operator"},
      {"^v1.2", "leading 'v'"},
      {"1.2.3.4", "more than three"},
      {"01.2", "leading zero"},
      {"1.*.3", "a number after a wildcard"},
      {"1.2-beta", "needs a full MAJOR.MINOR.PATCH"},
      {"1.2.3-", "empty prerelease"},
      {"1.2.3-01", "leading zero"},
      {"<*", "takes no operator"},
      {"^*", "takes no operator"},
      {"*, 1.0.0", "the only comparator"},
      {"1.0.0, *", "the only comparator"},
      {"*.1", "a number after a wildcard"},
      {">=1.*.1", "a number after a wildcard"},
      {"^1.2\n", "not printable"},
      {"^1.a", "not a number"},
  };
  for (const auto& [text, why] : cases) {
    const std::string e = range_error(text);
    EXPECT_TRUE(contains(e, "is not a version requirement")) << text << ": " << e;
    EXPECT_TRUE(contains(e, why)) << text << ": " << e;
  }
}

}  // namespace
}  // namespace lightning::package
