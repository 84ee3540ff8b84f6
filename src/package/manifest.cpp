// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "package/manifest.hpp"

#include <cstddef>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "package/errors.hpp"
#include "package/text_util.hpp"

namespace lightning::package {
namespace {

using detail::in_quotes;
using nlohmann::json;

constexpr std::size_t kMaxDescriptionChars = 200;

bool is_lower_or_digit(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

bool is_cmake_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '+' || c == '-';
}

bool is_cmake_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!is_cmake_name_char(c)) return false;
  }
  return true;
}

/// Debian policy §5.6.1: [a-z0-9][a-z0-9+.-]+ (at least two characters).
bool is_debian_package_name(std::string_view s) {
  if (s.size() < 2 || !is_lower_or_digit(s[0])) return false;
  for (char c : s) {
    if (!is_lower_or_digit(c) && c != '+' && c != '.' && c != '-') return false;
  }
  return true;
}

/// UTF-8 code points in `s` (bytes that are not continuation bytes).
std::size_t utf8_length(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  }
  return n;
}

/// Reads one document's fields; every error names the origin and the field.
class FieldReader {
 public:
  explicit FieldReader(std::string_view origin) : origin_(origin) {}

  [[noreturn]] void fail(const std::string& field, const std::string& why) const {
    throw PackageError(origin_ + ": field '" + field + "': " + why);
  }

  [[noreturn]] void fail_top(const std::string& why) const {
    throw PackageError(origin_ + ": " + why);
  }

  const std::string& origin() const { return origin_; }

  /// The object's keys must be among `known` or start with "x-".
  void check_keys(const json& object, const std::set<std::string>& known,
                  const std::string& where) const {
    for (const auto& item : object.items()) {
      const std::string& key = item.key();
      if (known.count(key) != 0 || key.rfind("x-", 0) == 0) continue;
      std::string list;
      for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
      const std::string field = where.empty() ? key : where + "." + key;
      throw PackageError(origin_ + ": unknown field " + in_quotes(field) + " (known: " + list +
                         "; a key starting with \"x-\" is free for tools)");
    }
  }

  std::string string_field(const json& value, const std::string& field) const {
    if (!value.is_string()) fail(field, "must be a string, not " + detail::json_type_name(value));
    return value.get<std::string>();
  }

  Version version_field(const json& value, const std::string& field) const {
    const std::string text = string_field(value, field);
    try {
      return Version::parse(text);
    } catch (const PackageError& e) {
      fail(field, e.what());
    }
  }

  VersionRange range_field(const json& value, const std::string& field) const {
    const std::string text = string_field(value, field);
    try {
      return VersionRange::parse(text);
    } catch (const PackageError& e) {
      fail(field, e.what());
    }
  }

 private:
  std::string origin_;
};

json parse_object(std::string_view text, const FieldReader& reader) {
  json doc = detail::parse_json_document(text, reader.origin());
  if (!doc.is_object()) {
    reader.fail_top("must be a JSON object ({...}), not " + detail::json_type_name(doc));
  }
  return doc;
}

/// A source as written in an app manifest or a use line: "git+" dropped;
/// refused when empty, holding control characters, or starting with '-'
/// (it is passed to git).
std::string normalize_source(std::string_view source, const std::string& where,
                             const std::string& field_prefix) {
  std::string s(source);
  if (s.rfind("git+", 0) == 0) s.erase(0, 4);
  std::string why;
  if (s.empty()) {
    why = "the source is empty";
  } else if (detail::has_control_char(s)) {
    why = "the source " + in_quotes(source) + " holds a control character";
  } else if (s[0] == '-') {
    why = "the source " + in_quotes(source) + " starts with '-'";
  }
  if (!why.empty()) {
    throw PackageError(where + field_prefix + why +
                       " (expected a git URL such as https://host/repo.git@v1.2.0 or "
                       "file:///srv/repo.git, or a directory)");
  }
  return s;
}

}  // namespace

bool is_valid_component_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name) {
    if (!is_lower_or_digit(c) && c != '_') return false;
  }
  return true;
}

ComponentManifest ComponentManifest::parse(std::string_view text, std::string_view origin) {
  const FieldReader r(origin);
  const json doc = parse_object(text, r);
  r.check_keys(doc,
               {"name", "version", "description", "package", "target", "lightning", "dependencies",
                "system_packages", "torch"},
               "");
  auto required = [&](const char* key) -> const json& {
    const auto it = doc.find(key);
    if (it == doc.end()) r.fail(key, "is required");
    return *it;
  };
  ComponentManifest m;
  m.name = r.string_field(required("name"), "name");
  if (!is_valid_component_name(m.name)) {
    r.fail("name", in_quotes(m.name) +
                       " is not a valid component name: 1 to 64 of a-z, 0-9 and '_', "
                       "starting with a letter (e.g. acme_trainer)");
  }
  m.version = r.version_field(required("version"), "version");
  m.description = r.string_field(required("description"), "description");
  if (detail::trim_blanks(m.description).empty()) r.fail("description", "is empty");
  if (detail::has_control_char(m.description)) {
    r.fail("description", "must be one line of text (it holds a newline or control character)");
  }
  if (utf8_length(m.description) > kMaxDescriptionChars) {
    r.fail("description", "is longer than 200 characters; keep it to one line");
  }
  if (const auto it = doc.find("package"); it != doc.end()) {
    m.package = r.string_field(*it, "package");
    if (!is_cmake_name(m.package)) {
      r.fail("package",
             in_quotes(m.package) + " is not a find_package() name (letters, digits and _ . + -)");
    }
  } else {
    m.package = m.name;
  }
  m.target = r.string_field(required("target"), "target");
  {
    const auto sep = m.target.find("::");
    if (sep == std::string::npos || !is_cmake_name(std::string_view(m.target).substr(0, sep)) ||
        !is_cmake_name(std::string_view(m.target).substr(sep + 2))) {
      r.fail("target", in_quotes(m.target) +
                           " is not an exported CMake target: write Namespace::name (e.g. "
                           "acme_trainer::acme_trainer)");
    }
  }
  if (const auto it = doc.find("lightning"); it != doc.end()) {
    m.lightning = r.range_field(*it, "lightning");
  }
  if (const auto it = doc.find("dependencies"); it != doc.end()) {
    if (!it->is_object()) {
      r.fail("dependencies",
             "must be an object {\"name\": \"range\"}, not " + detail::json_type_name(*it));
    }
    for (const auto& item : it->items()) {
      const std::string field = "dependencies." + item.key();
      if (!is_valid_component_name(item.key())) {
        r.fail(field, in_quotes(item.key()) + " is not a valid component name (a-z, 0-9, '_')");
      }
      if (item.key() == m.name) {
        r.fail(field, "a component cannot depend on itself");
      }
      m.dependencies.emplace(item.key(), r.range_field(item.value(), field));
    }
  }
  if (const auto it = doc.find("system_packages"); it != doc.end()) {
    if (!it->is_array()) {
      r.fail("system_packages",
             "must be an array of Debian package names, not " + detail::json_type_name(*it));
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      const std::string field = "system_packages[" + std::to_string(i) + "]";
      const std::string pkg = r.string_field((*it)[i], field);
      if (!is_debian_package_name(pkg)) {
        r.fail(field, in_quotes(pkg) + " is not a Debian package name ([a-z0-9][a-z0-9+.-]+)");
      }
      m.system_packages.push_back(pkg);
    }
  }
  if (const auto it = doc.find("torch"); it != doc.end()) {
    if (!it->is_boolean()) {
      r.fail("torch", "must be true or false, not " + detail::json_type_name(*it));
    }
    m.torch = it->get<bool>();
  }
  return m;
}

std::string ComponentManifest::to_json() const {
  nlohmann::ordered_json j;
  j["name"] = name;
  j["version"] = version.str();
  j["description"] = description;
  j["package"] = package.empty() ? name : package;
  j["target"] = target;
  j["lightning"] = lightning.str();
  j["dependencies"] = nlohmann::ordered_json::object();
  for (const auto& [dep, range] : dependencies) j["dependencies"][dep] = range.str();
  j["system_packages"] = nlohmann::ordered_json::array();
  for (const auto& p : system_packages) j["system_packages"].push_back(p);
  j["torch"] = torch;
  try {
    return j.dump(2) + "\n";
  } catch (const nlohmann::json::exception& e) {
    throw PackageError("component " + in_quotes(name) +
                       ": its manifest cannot be written as JSON (" + e.what() + ")");
  }
}

std::vector<Requirement> parse_app_manifest(std::string_view text, std::string_view origin) {
  const FieldReader r(origin);
  const json doc = parse_object(text, r);
  r.check_keys(doc, {"components"}, "");
  std::vector<Requirement> out;
  const auto it = doc.find("components");
  if (it == doc.end()) return out;
  if (!it->is_object()) {
    r.fail("components",
           "must be an object {\"name\": \"range\" or {\"version\", \"source\"}}, "
           "not " +
               detail::json_type_name(*it));
  }
  for (const auto& item : it->items()) {
    const std::string field = "components." + item.key();
    if (!is_valid_component_name(item.key())) {
      r.fail(field, in_quotes(item.key()) + " is not a valid component name (a-z, 0-9, '_')");
    }
    Requirement req;
    req.name = item.key();
    req.origin = std::string(origin);
    const json& v = item.value();
    if (v.is_string()) {
      req.range = r.range_field(v, field);
    } else if (v.is_object()) {
      r.check_keys(v, {"version", "source"}, field);
      if (const auto ver = v.find("version"); ver != v.end()) {
        req.range = r.range_field(*ver, field + ".version");
      }
      if (const auto src = v.find("source"); src != v.end()) {
        const std::string source = r.string_field(*src, field + ".source");
        req.source =
            normalize_source(source, std::string(origin), ": field '" + field + ".source': ");
      }
    } else {
      r.fail(field,
             "must be a version range (\"^1.2\") or {\"version\": ..., \"source\": ...}, "
             "not " +
                 detail::json_type_name(v));
    }
    out.push_back(std::move(req));
  }
  return out;
}

std::vector<Requirement> scan_use_lines(std::string_view source_text, std::string_view origin) {
  std::vector<Requirement> out;
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= source_text.size()) {
    const std::size_t nl = source_text.find('\n', pos);
    std::string_view line =
        source_text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? source_text.size() + 1 : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    std::string_view s = detail::trim_blanks(line);
    if (s.substr(0, 2) != "//") continue;
    s = detail::trim_blanks(s.substr(2));
    if (s.substr(0, 10) != "lightning:") continue;
    s = s.substr(10);
    if (s.empty() || !detail::is_blank(s[0])) continue;
    s = detail::trim_blanks(s);
    if (s.substr(0, 3) != "use") continue;
    s = s.substr(3);
    if (!s.empty() && !detail::is_blank(s[0])) continue;  // "usel...": another comment
    const std::string where = std::string(origin) + ":" + std::to_string(line_no);
    auto fail = [&where](const std::string& why) -> void {
      throw PackageError(where + ": " + why +
                         " (expected: // lightning: use NAME[@RANGE] [from SOURCE], e.g. "
                         "// lightning: use acme_trainer@^1.2 from https://host/acme.git)");
    };
    s = detail::trim_blanks(s);
    if (s.empty()) fail("a use line without a component name");
    // Split off " from SOURCE": the first blank-delimited word "from".
    std::string_view head = s;
    std::string_view source;
    bool has_from = false;
    for (std::size_t i = 0; i + 4 <= s.size(); ++i) {
      if (s.compare(i, 4, "from") == 0 && (i == 0 || detail::is_blank(s[i - 1])) &&
          (i + 4 == s.size() || detail::is_blank(s[i + 4]))) {
        head = detail::trim_blanks(s.substr(0, i));
        source = detail::trim_blanks(s.substr(i + 4));
        has_from = true;
        break;
      }
    }
    if (head.empty()) fail("a use line without a component name");
    Requirement req;
    req.origin = where;
    const std::size_t at = head.find('@');
    std::string_view name = head.substr(0, at);
    std::string_view range;
    if (at != std::string_view::npos) range = head.substr(at + 1);
    for (std::size_t i = 0; i < name.size(); ++i) {
      if (detail::is_blank(name[i])) {
        fail("unexpected words after the component name: " +
             in_quotes(detail::trim_blanks(head.substr(i))));
      }
    }
    if (!is_valid_component_name(name)) {
      fail(in_quotes(name) +
           " is not a valid component name (1 to 64 of a-z, 0-9, '_', starting "
           "with a letter)");
    }
    req.name = std::string(name);
    if (at != std::string_view::npos) {
      try {
        req.range = VersionRange::parse(range);
      } catch (const PackageError& e) {
        fail(std::string("component ") + in_quotes(name) + ": " + e.what());
      }
    }
    if (has_from) {
      if (source.empty()) fail("'from' without a source");
      for (char c : source) {
        if (detail::is_blank(c)) fail("unexpected words after the source: " + in_quotes(source));
      }
      req.source = normalize_source(source, where, ": ");
    }
    out.push_back(std::move(req));
  }
  return out;
}

}  // namespace lightning::package
