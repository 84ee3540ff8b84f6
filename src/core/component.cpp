// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "lightning/component.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "core/runtime.hpp"

namespace lightning {

void validate_name(std::string_view name, std::string_view what, std::string_view where) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument(std::string(what) + " name '" + std::string(name) + "' in '" +
                                std::string(where) + "' " + why);
  };
  if (name.empty()) fail("is empty; give it a name like 'trainer'");
  if (name.size() > 64) fail("is longer than 64 characters; use a shorter name");
  if (name.find('.') != std::string_view::npos) {
    fail("must not contain '.': dots separate path segments; use '_' instead");
  }
  if (name.find('/') != std::string_view::npos) fail("must not contain '/'; use '_' instead");
  // ASCII only, whatever the locale.
  auto is_letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  const char c0 = name[0];
  if (!(is_letter(c0) || c0 == '_')) {
    fail("must start with a letter or '_'");
  }
  for (char c : name) {
    if (!(is_letter(c) || is_digit(c) || c == '_')) {
      fail(std::string("contains '") + c + "'; use only letters, digits and '_'");
    }
  }
}

StateFieldBase::StateFieldBase(Component* owner, std::string name, External external)
    : owner_(owner), name_(std::move(name)), external_(external) {
  if (owner_ == nullptr) {
    throw std::invalid_argument("State field '" + name_ +
                                "' needs its owner: declare it as State<T> " + name_ + "{this, \"" +
                                name_ + "\", initial}");
  }
  owner_->register_field(this);
}

StateFieldBase::~StateFieldBase() { owner_->unregister_field(this); }

std::string StateFieldBase::path() const { return owner_->path() + "." + name_; }

namespace {
std::atomic<size_t> g_max_field_bytes{0};  // 0: not read from the environment yet

/// Whether `j` dumped would be longer than `limit`: a walk that stops as
/// soon as it knows (strings counted without escapes, numbers as 24).
bool longer_than(const Json& j, size_t limit, size_t& used) {
  switch (j.type()) {
    case Json::value_t::string:
      used += j.get_ref<const std::string&>().size() + 2;
      break;
    case Json::value_t::binary:
      used += j.get_binary().size();
      break;
    case Json::value_t::array:
      used += 2;
      for (const auto& v : j) {
        if (longer_than(v, limit, used)) return true;
        ++used;
      }
      break;
    case Json::value_t::object:
      used += 2;
      for (const auto& [k, v] : j.items()) {
        used += k.size() + 4;
        if (used > limit || longer_than(v, limit, used)) return true;
      }
      break;
    default:
      used += 24;
  }
  return used > limit;
}
}  // namespace

size_t max_state_field_bytes() {
  size_t v = g_max_field_bytes.load(std::memory_order_relaxed);
  if (v != 0) return v;
  v = size_t{1} << 20;
  if (const char* env = std::getenv("LIGHTNING_MAX_FIELD_BYTES"); env != nullptr && *env != '\0') {
    char* end = nullptr;
    const unsigned long long n = std::strtoull(env, &end, 10);
    if (end != nullptr && *end == '\0' && n >= 1024) v = static_cast<size_t>(n);
  }
  g_max_field_bytes.store(v, std::memory_order_relaxed);
  return v;
}

void set_max_state_field_bytes(size_t bytes) {
  if (bytes < 1024) {
    throw std::invalid_argument("set_max_state_field_bytes(" + std::to_string(bytes) +
                                "): the limit must be at least 1024 bytes");
  }
  g_max_field_bytes.store(bytes, std::memory_order_relaxed);
}

void StateFieldBase::check_size(const Json& value) const {
  const size_t limit = max_state_field_bytes();
  size_t used = 0;
  if (!longer_than(value, limit, used)) return;
  const size_t actual = value.dump().size();
  if (actual <= limit) return;  // the estimate counts escapes and numbers roughly
  throw std::length_error("state field '" + path() + "' would be " + std::to_string(actual) +
                          " bytes as JSON, over the " + std::to_string(limit) +
                          "-byte limit for a State field: keep big values in a "
                          "lightning::Payload (lightning/payload.hpp) and put the Payload in the "
                          "field (or raise the limit: lightning::set_max_state_field_bytes, "
                          "LIGHTNING_MAX_FIELD_BYTES)");
}

void StateFieldBase::report_change(Json value) {
  if (owner_->runtime_ != nullptr) owner_->runtime_->on_field_changed(*owner_, *this, std::move(value));
}

Component::Component() : name_("root"), path_("root") {}
Component::~Component() = default;

StateFieldBase* Component::find_field(std::string_view name) const {
  for (auto* f : fields_) {
    if (f->name() == name) return f;
  }
  return nullptr;
}

Json Component::fields_json() const {
  Json out = Json::object();
  for (auto* f : fields_) out[f->name()] = f->to_json();
  return out;
}

Json Component::snapshot() const { return Json{{"vars", fields_json()}}; }

void Component::check_child_name(const std::string& name, const char* what) const {
  validate_name(name, what, path_);
  if (find_field(name) != nullptr || has_child(name)) {
    throw std::invalid_argument(std::string(what) + " name '" + name + "' in '" + path_ +
                                "' is already used by another field or child; names must be "
                                "unique within a component");
  }
}

bool Component::has_child(const std::string&) const { return false; }

void Component::register_field(StateFieldBase* field) { check_child_name(field->name(), "State field"); fields_.push_back(field); }

void Component::unregister_field(StateFieldBase* field) {
  fields_.erase(std::remove(fields_.begin(), fields_.end(), field), fields_.end());
}

void Component::set_parent(Component* parent, std::string name) {
  parent_ = parent;
  name_ = std::move(name);
  refresh_paths();
}

void Component::refresh_paths() { path_ = parent_ != nullptr ? parent_->path_ + "." + name_ : name_; }

void Component::attach(detail::Runtime* runtime) { runtime_ = runtime; }

}  // namespace lightning
