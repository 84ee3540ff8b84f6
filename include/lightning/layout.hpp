// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <string>
#include <vector>

namespace lightning {

class Component;
class Work;

/// One tab of the app's dashboard, as a Flow declares it in
/// Flow::configure_layout() (Lightning's configure_layout entries). Three
/// kinds, each made by its factory:
///
///   Tab::component("Train", train)       // a child's default view: its tree, state, logs, charts
///   Tab::url("Model", serve)             // the page at the URL the work `serve` published
///   Tab::static_folder("Report", dir)    // a folder the app ships, served at
///                                        // /app/static/<flow path>/<tab name>/ (its index.html)
///
/// A tab name is 1..64 characters, without '/' or control characters, and
/// unique within one flow's layout; a factory given another throws
/// std::invalid_argument saying so.
class Tab {
 public:
  enum class Kind { kComponent, kUrl, kStaticFolder };

  /// The dashboard's default view of `component` (a work or a flow of this app).
  static Tab component(std::string name, const Component& component);
  /// The page at the URL `work` published; until it has, the tab says so.
  static Tab url(std::string name, const Work& work);
  /// The files under `folder` (a relative path is taken from the app's working
  /// directory). The folder may appear later (a work that writes a report):
  /// until it exists its pages are 404. Only files inside it are served: no
  /// `..`, no symbolic link that leads out of it.
  static Tab static_folder(std::string name, const std::string& folder);

  Kind kind() const { return kind_; }
  const std::string& name() const { return name_; }
  /// kComponent, kUrl: the dotted path of the component ("root.train").
  const std::string& component_path() const { return target_; }
  /// kStaticFolder: the folder, absolute.
  const std::string& folder() const { return target_; }

 private:
  Tab(Kind kind, std::string name, std::string target);

  Kind kind_;
  std::string name_;
  std::string target_;
};

/// A flow's dashboard tabs, in order.
using Layout = std::vector<Tab>;

}  // namespace lightning
