// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <memory>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <vector>

namespace lightning {

class Work;

namespace detail {

using WorkFactory = std::unique_ptr<Work> (*)();

std::string demangle(const char* mangled);
/// Registers a work type under `name`. Two different types with one name (e.g.
/// `(anonymous namespace)::Trainer` in two files) abort at start-up with a message.
bool register_work_type(const std::string& name, WorkFactory factory);
/// nullptr when `name` is not registered.
std::unique_ptr<Work> create_work(const std::string& name);
std::vector<std::string> registered_work_types();

/// Every Work type used with add_work<W>() registers itself at static
/// initialisation, so that a work process can construct it by name.
template <class W>
struct WorkType {
  static const std::string& name() {
    static const std::string n = demangle(typeid(W).name());
    return n;
  }
  static std::unique_ptr<Work> make() { return std::unique_ptr<Work>(new W()); }
  static const bool registered;
};
template <class W>
const bool WorkType<W>::registered = register_work_type(WorkType<W>::name(), &WorkType<W>::make);

}  // namespace detail
}  // namespace lightning
