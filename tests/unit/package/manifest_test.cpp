// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// lightning-component.json, lightning.json and `// lightning: use` lines
// (src/package/manifest.hpp).
#include "package/manifest.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lightning::package {
namespace {

const char* kOrigin = "/src/acme/lightning-component.json";

const char* kFullManifest = R"({
  "name": "acme_trainer",
  "version": "1.2.0-rc.1+b7",
  "description": "Trains Acme's models",
  "package": "AcmeTrainer",
  "target": "acme::trainer",
  "lightning": "^0.1",
  "dependencies": {"acme_data": "^2.0", "acme_utils": ">=1.1, <3"},
  "system_packages": ["libfoo-dev", "g++"],
  "torch": true,
  "x-homepage": "https://acme.example"
})";

std::string manifest_error(const std::string& text) {
  try {
    (void)ComponentManifest::parse(text, kOrigin);
  } catch (const PackageError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

/// kFullManifest with `key` set to `json_value` (raw JSON), or removed when it is empty.
std::string with_field(const std::string& key, const std::string& json_value) {
  nlohmann::json j = nlohmann::json::parse(kFullManifest);
  if (json_value.empty()) {
    j.erase(key);
  } else {
    j[key] = nlohmann::json::parse(json_value);
  }
  return j.dump();
}

TEST(ComponentManifestTest, FullManifestParsesAndRoundTrips) {
  const ComponentManifest m = ComponentManifest::parse(kFullManifest, kOrigin);
  EXPECT_EQ(m.name, "acme_trainer");
  EXPECT_EQ(m.version.str(), "1.2.0-rc.1+b7");
  EXPECT_EQ(m.description, "Trains Acme's models");
  EXPECT_EQ(m.package, "AcmeTrainer");
  EXPECT_EQ(m.target, "acme::trainer");
  EXPECT_EQ(m.lightning.str(), "^0.1");
  ASSERT_EQ(m.dependencies.size(), 2u);
  EXPECT_EQ(m.dependencies.at("acme_utils").str(), ">=1.1, <3");
  EXPECT_EQ(m.system_packages, (std::vector<std::string>{"libfoo-dev", "g++"}));
  EXPECT_TRUE(m.torch);

  const std::string json = m.to_json();
  const ComponentManifest back = ComponentManifest::parse(json, "round trip");
  EXPECT_EQ(back.to_json(), json);
  EXPECT_EQ(back.version.str(), m.version.str());
  EXPECT_EQ(back.dependencies.at("acme_data").str(), "^2.0");
  EXPECT_EQ(back.package, m.package);
}

TEST(ComponentManifestTest, OptionalFieldsTakeTheirDefaults) {
  const ComponentManifest m = ComponentManifest::parse(
      R"({"name": "tiny", "version": "0.1.0", "description": "d", "target": "tiny::tiny"})",
      kOrigin);
  EXPECT_EQ(m.package, "tiny");
  EXPECT_EQ(m.lightning.str(), "*");
  EXPECT_TRUE(m.dependencies.empty());
  EXPECT_TRUE(m.system_packages.empty());
  EXPECT_FALSE(m.torch);
}

TEST(ComponentManifestTest, EachBadFieldIsNamedWithTheFile) {
  struct Case {
    std::string key, value, expected;
  };
  const std::vector<Case> cases = {
      {"name", "", "field 'name': is required"},
      {"name", R"("../x")", "field 'name': '../x' is not a valid component name"},
      {"name", R"("Acme")", "field 'name': 'Acme' is not a valid component name"},
      {"name", R"("")", "field 'name': '' is not a valid component name"},
      {"name", R"("a2345678901234567890123456789012345678901234567890123456789012345")",
       "is not a valid component name"},
      {"name", "42", "field 'name': must be a string, not a number"},
      {"version", "", "field 'version': is required"},
      {"version", R"("1.2")", "field 'version': '1.2' is not a SemVer version"},
      {"version", R"(["1.2.0"])", "field 'version': must be a string, not an array"},
      {"description", "", "field 'description': is required"},
      {"description", R"("two\nlines")", "field 'description': must be one line"},
      {"description", R"("  ")", "field 'description': is empty"},
      {"description", "\"" + std::string(201, 'x') + "\"", "longer than 200"},
      {"package", R"("a b")", "field 'package': 'a b' is not a find_package() name"},
      {"target", "", "field 'target': is required"},
      {"target", R"("acme")", "field 'target': 'acme' is not an exported CMake target"},
      {"target", R"("acme::")", "field 'target'"},
      {"target", R"("::acme")", "field 'target'"},
      {"target", R"("a::b::c")", "field 'target'"},
      {"lightning", R"("^x")", "field 'lightning': '^x' is not a version requirement"},
      {"dependencies", R"(["acme_data"])", "field 'dependencies': must be an object"},
      {"dependencies", R"({"acme_trainer": "^1"})",
       "field 'dependencies.acme_trainer': a component cannot depend on itself"},
      {"dependencies", R"({"Bad": "^1"})", "field 'dependencies.Bad': 'Bad' is not a valid"},
      {"dependencies", R"({"ok": 1})", "field 'dependencies.ok': must be a string"},
      {"dependencies", R"({"ok": "~"})", "field 'dependencies.ok': '~' is not a version req"},
      {"system_packages", R"("libfoo-dev")", "field 'system_packages': must be an array"},
      {"system_packages", R"(["Libfoo"])", "field 'system_packages[0]': 'Libfoo' is not a Debian"},
      {"system_packages", R"(["ok-dev", 3])", "field 'system_packages[1]': must be a string"},
      {"torch", R"("yes")", "field 'torch': must be true or false, not a string"},
      {"torchh", "true", "unknown field 'torchh'"},
  };
  for (const auto& c : cases) {
    const std::string e = manifest_error(with_field(c.key, c.value));
    EXPECT_TRUE(contains(e, kOrigin)) << c.key << "=" << c.value << ": " << e;
    EXPECT_TRUE(contains(e, c.expected)) << c.key << "=" << c.value << ": " << e;
  }
}

TEST(ComponentManifestTest, DocumentLevelProblemsNameTheFile) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "not valid JSON"},
      {"{", "not valid JSON"},
      {"[1, 2]", "must be a JSON object"},
      {"\"x\"", "must be a JSON object"},
      {R"({"name": "a", "name": "b"})", "the key 'name' appears twice"},
      {std::string(40, '[') + std::string(40, ']'), "nested deeper than 32"},
      {"{\"name\": \"\xff\"}", "not valid JSON"},
      {"{} trailing", "not valid JSON"},
      {"{/* comment */}", "not valid JSON"},
  };
  for (const auto& [text, expected] : cases) {
    const std::string e = manifest_error(text);
    EXPECT_TRUE(contains(e, kOrigin)) << e;
    EXPECT_TRUE(contains(e, expected)) << e;
    EXPECT_EQ(e.find('\n'), std::string::npos) << e;
  }
  const std::string huge = "{\"x-pad\": \"" + std::string(1u << 20, 'a') + "\"}";
  EXPECT_TRUE(contains(manifest_error(huge), "too large (at most 1 MiB)"));
}

TEST(ComponentManifestTest, ComponentNamesFollowTheRule) {
  for (const char* good : {"a", "acme", "acme_trainer2", "a_", "z9"}) {
    EXPECT_TRUE(is_valid_component_name(good)) << good;
  }
  for (const char* bad : {"", "Acme", "9a", "_a", "a-b", "a.b", "..", "a/b", "a b"}) {
    EXPECT_FALSE(is_valid_component_name(bad)) << bad;
  }
  EXPECT_TRUE(is_valid_component_name(std::string(64, 'a')));
  EXPECT_FALSE(is_valid_component_name(std::string(65, 'a')));
}

TEST(AppManifestTest, BothFormsOfARequirementParse) {
  const auto reqs = parse_app_manifest(
      R"({"components": {"acme_trainer": "^1.2",
                         "acme_data": {"version": "^2", "source": "git+file:///srv/acme_data.git"},
                         "plain": {}},
          "x-note": "tools may add keys"})",
      "apps/lightning.json");
  ASSERT_EQ(reqs.size(), 3u);
  // nlohmann's object keeps keys sorted.
  EXPECT_EQ(reqs[0].name, "acme_data");
  EXPECT_EQ(reqs[0].range.str(), "^2");
  EXPECT_EQ(reqs[0].source, "file:///srv/acme_data.git");
  EXPECT_EQ(reqs[0].origin, "apps/lightning.json");
  EXPECT_EQ(reqs[1].name, "acme_trainer");
  EXPECT_EQ(reqs[1].range.str(), "^1.2");
  EXPECT_EQ(reqs[1].source, "");
  EXPECT_EQ(reqs[2].range.str(), "*");
  EXPECT_TRUE(parse_app_manifest("{}", "lightning.json").empty());
}

TEST(AppManifestTest, BadEntriesNameTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"component": {}})", "unknown field 'component'"},
      {R"({"components": []})", "field 'components': must be an object"},
      {R"({"components": {"Acme": "^1"}})", "field 'components.Acme': 'Acme' is not a valid"},
      {R"({"components": {"acme": 1}})", "field 'components.acme': must be a version range"},
      {R"({"components": {"acme": "^^1"}})", "field 'components.acme': '^^1' is not a version"},
      {R"({"components": {"acme": {"version": "^x"}}})", "field 'components.acme.version'"},
      {R"({"components": {"acme": {"src": "x"}}})", "unknown field 'components.acme.src'"},
      {R"({"components": {"acme": {"source": 3}}})",
       "field 'components.acme.source': must be a string"},
      {R"({"components": {"acme": {"source": "--upload-pack=evil"}}})", "starts with '-'"},
      {R"({"components": {"acme": {"source": "git+"}}})", "the source is empty"},
      {R"({"components": {"acme": {"source": "a\u0001b"}}})", "control character"},
  };
  for (const auto& [text, expected] : cases) {
    try {
      (void)parse_app_manifest(text, "app/lightning.json");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const PackageError& e) {
      EXPECT_TRUE(contains(e.what(), "app/lightning.json: ")) << e.what();
      EXPECT_TRUE(contains(e.what(), expected)) << e.what();
    }
  }
}

TEST(UseLinesTest, FindsEveryFormAnywhereInTheFile) {
  const std::string app =
      "// lightning: use acme_trainer@^1.2\n"
      "#include <lightning/lightning.hpp>\n"
      "  //lightning: use plain\r\n"
      "\t//   lightning:\tuse  acme_data@>=2.0, <3 from git+file:///srv/acme_data.git@v2.1.0  \n"
      "// lightning: use multi@^1 || ^2\n"
      "// lightning: used to be something else\n"
      "// lightning: useful note\n"
      "// lightning:use nothing (no blank after the colon: another comment)\n"
      "// Lightning: use not_this (case matters)\n"
      "int x; // lightning: use not_a_line_comment_start\n"
      "/* lightning: use not_this_either */\n"
      "// lightning: use from_dir from ../components/from_dir\n"
      "// lightning: use last";  // no trailing newline
  const auto reqs = scan_use_lines(app, "app.cpp");
  ASSERT_EQ(reqs.size(), 6u);
  EXPECT_EQ(reqs[0].name, "acme_trainer");
  EXPECT_EQ(reqs[0].range.str(), "^1.2");
  EXPECT_EQ(reqs[0].origin, "app.cpp:1");
  EXPECT_EQ(reqs[1].name, "plain");
  EXPECT_EQ(reqs[1].range.str(), "*");
  EXPECT_EQ(reqs[1].origin, "app.cpp:3");
  EXPECT_EQ(reqs[2].name, "acme_data");
  EXPECT_EQ(reqs[2].range.str(), ">=2.0, <3");
  EXPECT_EQ(reqs[2].source, "file:///srv/acme_data.git@v2.1.0");
  EXPECT_EQ(reqs[2].origin, "app.cpp:4");
  EXPECT_EQ(reqs[3].range.str(), "^1 || ^2");
  EXPECT_EQ(reqs[4].name, "from_dir");
  EXPECT_EQ(reqs[4].source, "../components/from_dir");
  EXPECT_EQ(reqs[4].origin, "app.cpp:12");
  EXPECT_EQ(reqs[5].name, "last");
  EXPECT_EQ(reqs[5].origin, "app.cpp:13");
  EXPECT_TRUE(scan_use_lines("", "empty.cpp").empty());
}

TEST(UseLinesTest, MalformedUseLinesNameFileAndLine) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"// lightning: use", "without a component name"},
      {"// lightning: use   ", "without a component name"},
      {"// lightning: use @^1", "'' is not a valid component name"},
      {"// lightning: use Acme", "'Acme' is not a valid component name"},
      {"// lightning: use ../x", "'../x' is not a valid component name"},
      {"// lightning: use acme@", "is not a version requirement"},
      {"// lightning: use acme@^x", "'^x' is not a version requirement"},
      {"// lightning: use acme extra", "unexpected words after the component name: 'extra'"},
      {"// lightning: use acme@^1 extra", "is not a version requirement"},
      {"// lightning: use acme from", "'from' without a source"},
      {"// lightning: use acme from a b", "unexpected words after the source"},
      {"// lightning: use acme from -x", "starts with '-'"},
      {"// lightning: use from x", "without a component name"},
  };
  for (const auto& [line, expected] : cases) {
    const std::string text = "#include <x>\n\n" + line + "\n";
    try {
      (void)scan_use_lines(text, "dir/app.cpp");
      ADD_FAILURE() << "accepted: " << line;
    } catch (const PackageError& e) {
      EXPECT_TRUE(contains(e.what(), "dir/app.cpp:3: ")) << e.what();
      EXPECT_TRUE(contains(e.what(), expected)) << line << ": " << e.what();
    }
  }
}

}  // namespace
}  // namespace lightning::package
