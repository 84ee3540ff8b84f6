// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "lightning/json.hpp"

namespace lightning {

class Component;
class Work;
class Flow;

namespace detail {
class Runtime;
}

/// Whether a state field may be changed from outside the app: by a client of
/// the HTTP API (`POST /api/v1/state`, docs/api.md), e.g. the dashboard.
/// Fields are read-only from outside unless declared kWritable:
///
///   lightning::State<double> lr{this, "lr", 1e-3, lightning::External::kWritable};
enum class External { kReadOnly, kWritable };

/// Base of every named state field (see State<T>). A field belongs to one
/// component and is registered with it at construction; its dotted path is
/// `<component path>.<name>`, e.g. `root.counter.count`.
class StateFieldBase {
 public:
  StateFieldBase(Component* owner, std::string name, External external = External::kReadOnly);
  virtual ~StateFieldBase();
  StateFieldBase(const StateFieldBase&) = delete;
  StateFieldBase& operator=(const StateFieldBase&) = delete;

  const std::string& name() const { return name_; }
  Component& owner() const { return *owner_; }
  /// Dotted path of this field, e.g. "root.counter.count".
  std::string path() const;
  /// Declared External::kWritable: a client of the HTTP API may change it.
  bool is_writable_from_outside() const { return external_ == External::kWritable; }

  virtual Json to_json() const = 0;
  /// Throws std::exception if `value` cannot be converted to the field's type.
  virtual void check_json(const Json& value) const = 0;
  /// Assigns without reporting a change: used to apply a peer's delta.
  virtual void assign_json(const Json& value) = 0;

 protected:
  /// Reports the new value to the runtime the owner is attached to, if any.
  void report_change(Json value);
  /// Throws std::length_error when `value` as JSON is longer than
  /// max_state_field_bytes(), with a message that points to lightning::Payload.
  void check_size(const Json& value) const;

 private:
  Component* owner_;
  std::string name_;
  External external_;
};

/// A node of the app tree: a Flow or a Work. Owns its state fields (by
/// registration) and has a dotted path. Lives on the controller's loop thread
/// (flows, and the controller-side mirror of each work) or on a work
/// process's run thread (the work itself).
class Component {
 public:
  virtual ~Component();
  Component(const Component&) = delete;
  Component& operator=(const Component&) = delete;

  /// The last segment of the path ("counter").
  const std::string& name() const { return name_; }
  /// The dotted path from the root ("root.counter").
  const std::string& path() const { return path_; }
  Component* parent() const { return parent_; }

  const std::vector<StateFieldBase*>& fields() const { return fields_; }
  StateFieldBase* find_field(std::string_view name) const;
  /// The state fields as one JSON object {name: value}.
  Json fields_json() const;
  /// Whole subtree as JSON: {"vars": {...}, "works": {...}, "flows": {...}}.
  virtual Json snapshot() const;

 protected:
  Component();

 private:
  friend class StateFieldBase;
  friend class Flow;
  friend class detail::Runtime;
  friend struct ComponentAccess;

  void register_field(StateFieldBase* field);
  void unregister_field(StateFieldBase* field);
  void set_parent(Component* parent, std::string name);
  virtual void refresh_paths();
  virtual void attach(detail::Runtime* runtime);
  void check_child_name(const std::string& name, const char* what) const;
  virtual bool has_child(const std::string& name) const;

  std::string name_;
  std::string path_;
  Component* parent_ = nullptr;
  std::vector<StateFieldBase*> fields_;

 protected:
  detail::Runtime* runtime_ = nullptr;
};

/// The longest a State field's value may be as JSON, in bytes: 1 MiB unless
/// set_max_state_field_bytes() or $LIGHTNING_MAX_FIELD_BYTES says otherwise.
/// A larger value is refused at the assignment (std::length_error): keep big
/// values in a lightning::Payload (lightning/payload.hpp) and the Payload in
/// the field.
size_t max_state_field_bytes();
/// Sets max_state_field_bytes() for this process (a work process inherits
/// what its app set before main()'s run_app(); set it in both, or use the
/// environment variable). At least 1 KiB.
void set_max_state_field_bytes(size_t bytes);

/// Checks that `name` can be a component or field name: [A-Za-z_][A-Za-z0-9_]*,
/// at most 64 characters. Throws std::invalid_argument saying how to fix it.
void validate_name(std::string_view name, std::string_view what, std::string_view where);

}  // namespace lightning
