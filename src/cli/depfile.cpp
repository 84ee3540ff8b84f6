// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "depfile.hpp"

#include <sstream>

#include "fs_util.hpp"

namespace lightning::cli {

std::vector<std::string> parse_depfile(const std::string& text) {
  std::vector<std::string> deps;
  std::string word;
  bool seen_colon = false;
  auto finish_word = [&] {
    if (!word.empty() && seen_colon) deps.push_back(word);
    word.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char next = i + 1 < text.size() ? text[i + 1] : '\0';
    if (c == '\\' && (next == '\n' || (next == '\r' && i + 2 < text.size()))) {
      finish_word();  // line continuation
      i += next == '\r' ? 2 : 1;
    } else if (c == '\\' && (next == ' ' || next == '#' || next == '\\')) {
      word += next;
      ++i;
    } else if (c == '$' && next == '$') {
      word += '$';
      ++i;
    } else if (!seen_colon && c == ':' && (next == ' ' || next == '\n' || next == '\0')) {
      word.clear();  // the target
      seen_colon = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      finish_word();
      if (c == '\n') seen_colon = false;  // a new rule (e.g. -MP phony targets)
    } else {
      word += c;
    }
  }
  finish_word();
  return deps;
}

std::string stamp_lines(const std::vector<std::string>& paths) {
  std::string out;
  for (const auto& path : paths) {
    const FileStamp stamp = stamp_of(path);
    out += std::to_string(stamp.size) + " " + std::to_string(stamp.mtime_ns) + " " + path + "\n";
  }
  return out;
}

bool stamp_lines_match(const std::string& lines) {
  std::istringstream in(lines);
  std::string line;
  bool any = false;
  while (std::getline(in, line)) {
    const auto first = line.find(' ');
    const auto second = first == std::string::npos ? first : line.find(' ', first + 1);
    if (second == std::string::npos) return false;
    const FileStamp stamp = stamp_of(line.substr(second + 1));
    if (!stamp.exists || std::to_string(stamp.size) != line.substr(0, first) ||
        std::to_string(stamp.mtime_ns) != line.substr(first + 1, second - first - 1)) {
      return false;
    }
    any = true;
  }
  return any;
}

}  // namespace lightning::cli
