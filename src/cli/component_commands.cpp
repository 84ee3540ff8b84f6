// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "component_commands.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "api_client.hpp"
#include "component_build.hpp"
#include "component_store.hpp"
#include "embedded_files.hpp"
#include "errors.hpp"
#include "fs_util.hpp"
#include "library_config.hpp"
#include "log.hpp"
#include "package/errors.hpp"
#include "package/manifest.hpp"
#include "run_options.hpp"
#include "subprocess.hpp"
#include "toolchain.hpp"

namespace lightning::cli {
namespace fs = std::filesystem;

namespace {

// What a component command needs from this Lightning: its lightning-run.json
// and the toolchain lightning-run would use.
struct Environment {
  LibraryConfig library;
  Toolchain toolchain;
  ComponentToolchain component_toolchain;
};

Environment load_environment() {
  Environment env;
  env.library = load_library_config(find_library_config());
  env.toolchain = detect_toolchain(default_cache_dir());
  env.component_toolchain = component_toolchain(env.toolchain, env.library);
  return env;
}

fs::path store_root(const ComponentCommand& command) {
  return command.store.empty() ? default_component_store()
                               : fs::path(canonical_path(command.store));
}

std::string what_of(const package::ComponentManifest& m) {
  return "component '" + m.name + "' " + m.version.str();
}

// The source as printed: "file:///r.git@9f3c1a2b4c5d" or "/abs/dir".
std::string source_line(const InstalledComponent& c) {
  return c.commit.empty() ? c.source : c.source + "@" + c.commit.substr(0, 12);
}

// The highest installed version of each dependency of `manifest`, and of
// theirs, dependencies first. Built-in components (part of this Lightning)
// need nothing. Throws CliError naming every missing one.
std::vector<InstalledComponent> installed_dependencies(
    const package::ComponentManifest& manifest, const std::vector<InstalledComponent>& installed,
    const LibraryConfig& library) {
  std::vector<InstalledComponent> order;
  std::vector<std::string> missing;
  std::vector<std::string> visiting;
  std::function<void(const package::ComponentManifest&)> visit =
      [&](const package::ComponentManifest& m) {
        for (const auto& [name, range] : m.dependencies) {
          if (library.components.count(name) != 0) continue;
          const InstalledComponent* best = nullptr;
          std::string have;
          for (const InstalledComponent& c : installed) {
            if (c.manifest.name != name) continue;
            have += (have.empty() ? "" : ", ") + c.manifest.version.str();
            if (range.matches(c.manifest.version) &&
                (best == nullptr || c.manifest.version > best->manifest.version)) {
              best = &c;
            }
          }
          if (best == nullptr) {
            missing.push_back("'" + name + "' " + range.str() + " (needed by " + m.name + "; " +
                              (have.empty() ? "not installed" : "installed: " + have) + ")");
            continue;
          }
          const bool done = std::any_of(order.begin(), order.end(),
                                        [&](const auto& c) { return c.dir == best->dir; });
          if (done || std::find(visiting.begin(), visiting.end(), name) != visiting.end()) continue;
          visiting.push_back(name);
          visit(best->manifest);
          visiting.pop_back();
          order.push_back(*best);
        }
      };
  visit(manifest);
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += "\n  " + m;
    throw CliError(what_of(manifest) + " needs components that are not installed:" + list +
                   "\ninstall each first: lightning install component SOURCE[@REV]");
  }
  return order;
}

void check_lightning_range(const package::ComponentManifest& m, const LibraryConfig& library) {
  package::Version version;
  try {
    version = package::Version::parse(library.version);
  } catch (const package::PackageError&) {
    return;  // a development version string: nothing to compare
  }
  if (!m.lightning.matches(version)) {
    throw CliError(what_of(m) + " builds with Lightning " + m.lightning.str() +
                   " only, and this is " + library.version + " (" + library.config_path +
                   "); install a version of the component made for this Lightning");
  }
}

// Builds each of `deps` (dependencies first: those before one are what it may need).
void build_dependencies(ComponentStore& store, const std::vector<InstalledComponent>& deps,
                        const Environment& env) {
  std::vector<InstalledComponent> before;
  for (const InstalledComponent& dep : deps) {
    store.build(dep, env.component_toolchain, before, env.library);
    before.push_back(dep);
  }
}

// Builds each dependency (those before it are its dependencies), then `c`.
ComponentBuild build_with_dependencies(ComponentStore& store, const InstalledComponent& c,
                                       const Environment& env) {
  const std::vector<InstalledComponent> installed = store.list();
  const std::vector<InstalledComponent> deps =
      installed_dependencies(c.manifest, installed, env.library);
  build_dependencies(store, deps, env);
  return store.build(c, env.component_toolchain, deps, env.library);
}

int install_command(const ComponentCommand& command, std::FILE* out) {
  const SourceSpec spec = SourceSpec::parse(command.argument);
  ComponentStore store(store_root(command));
  const Environment env = load_environment();
  Stopwatch watch;
  const InstalledComponent c = store.fetch(spec);
  check_lightning_range(c.manifest, env.library);
  const std::string name = c.manifest.name + " " + c.manifest.version.str();
  if (store.is_built(c, env.component_toolchain)) {
    std::fprintf(out, "%s is already installed (%s)\n", name.c_str(), source_line(c).c_str());
    return 0;
  }
  std::fprintf(stderr, "lightning: building %s (log: %s)\n", name.c_str(),
               (c.dir / "builds" / env.component_toolchain.key() / "build.log").c_str());
  build_with_dependencies(store, c, env);
  std::fprintf(out, "installed %s (%s) in %s\n", name.c_str(), source_line(c).c_str(),
               watch.elapsed().c_str());
  return 0;
}

std::vector<std::string> built_toolchains(const InstalledComponent& c) {
  std::vector<std::string> keys;
  std::error_code ec;
  for (fs::directory_iterator it(c.dir / "builds", ec), end; !ec && it != end; it.increment(ec)) {
    if (fs::exists(it->path() / "link.json")) keys.push_back(it->path().filename().string());
  }
  std::sort(keys.begin(), keys.end());
  return keys;
}

int list_command(const ComponentCommand& command, std::FILE* out) {
  ComponentStore store(store_root(command));
  std::optional<Environment> env;
  try {
    env = load_environment();
  } catch (const CliError& e) {
    std::fprintf(stderr, "lightning: warning: %s (built-in components not listed)\n", e.what());
  }
  const std::string current = env ? env->component_toolchain.key() : "";
  nlohmann::json rows = nlohmann::json::array();
  if (env) {
    for (const auto& [name, component] : env->library.components) {
      rows.push_back({{"name", name},
                      {"version", env->library.version},
                      {"source", "builtin"},
                      {"commit", ""},
                      {"builtin", true},
                      {"torch", component.torch},
                      {"toolchains", nlohmann::json::array()}});
    }
  }
  for (const InstalledComponent& c : store.list()) {
    rows.push_back({{"name", c.manifest.name},
                    {"version", c.manifest.version.str()},
                    {"source", c.source},
                    {"requested_rev", c.requested_rev},
                    {"commit", c.commit},
                    {"content_sha256", c.content_sha256},
                    {"builtin", false},
                    {"torch", c.manifest.torch},
                    {"dir", c.dir.string()},
                    {"installed_at", c.installed_at},
                    {"toolchains", built_toolchains(c)}});
  }
  if (command.json) {
    nlohmann::json doc = {
        {"store", store.root().string()}, {"toolchain", current}, {"components", rows}};
    std::fprintf(out, "%s\n", doc.dump(2).c_str());
    return 0;
  }
  std::vector<std::vector<std::string>> table = {
      {"NAME", "VERSION", "SOURCE", "COMMIT", "BUILT FOR"}};
  for (const auto& row : rows) {
    std::string built;
    if (row.at("builtin").get<bool>()) {
      built = "builtin";
    } else {
      for (const auto& key : row.at("toolchains")) {
        const std::string k = key.get<std::string>();
        built += (built.empty() ? "" : ", ") + k + (k == current ? " (this)" : "");
      }
      if (built.empty()) built = "-";
    }
    const std::string commit = row.at("commit").get<std::string>();
    table.push_back({row.at("name").get<std::string>(), row.at("version").get<std::string>(),
                     row.at("source").get<std::string>(),
                     commit.empty() ? "-" : commit.substr(0, 12), built});
  }
  std::vector<std::size_t> widths(table.front().size(), 0);
  for (const auto& line : table) {
    for (std::size_t i = 0; i < line.size(); ++i) widths[i] = std::max(widths[i], line[i].size());
  }
  for (const auto& line : table) {
    std::string text;
    for (std::size_t i = 0; i < line.size(); ++i) {
      text += line[i];
      if (i + 1 < line.size()) text += std::string(widths[i] - line[i].size() + 2, ' ');
    }
    std::fprintf(out, "%s\n", text.c_str());
  }
  std::fprintf(out, "store: %s%s\n", store.root().c_str(),
               current.empty() ? "" : ("; this toolchain: " + current).c_str());
  return 0;
}

int remove_command(const ComponentCommand& command, std::FILE* out) {
  std::string name = command.argument;
  std::optional<package::Version> version;
  if (const std::size_t at = name.find('@'); at != std::string::npos) {
    try {
      version = package::Version::parse(name.substr(at + 1));
    } catch (const package::PackageError& e) {
      throw CliError("remove component " + command.argument + ": " + e.what(), kExitUsage);
    }
    name.resize(at);
  }
  try {
    const LibraryConfig library = load_library_config(find_library_config());
    if (library.components.count(name) != 0) {
      throw CliError("component '" + name + "' is part of Lightning (built in, from " +
                     library.config_path + "); it cannot be removed");
    }
  } catch (const CliError& e) {
    if (std::string(e.what()).find("part of Lightning") != std::string::npos) throw;
  }
  ComponentStore store(store_root(command));
  const int removed = store.remove(name, version);
  std::fprintf(out, "removed %s%s (%d version%s)\n", name.c_str(),
               version ? ("@" + version->str()).c_str() : "", removed, removed == 1 ? "" : "s");
  return 0;
}

// "acme_data" -> "AcmeData".
std::string camel_case(const std::string& name) {
  std::string out;
  bool upper = true;
  for (const char c : name) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

int init_command(const ComponentCommand& command, std::FILE* out) {
  const std::string& name = command.argument;
  if (!package::is_valid_component_name(name)) {
    throw CliError("'" + name + "' is not a valid " + command.object +
                       " name: a lower-case letter, then lower-case letters, digits or '_' "
                       "(at most 64), e.g. acme_trainer",
                   kExitUsage);
  }
  const fs::path dir = canonical_path(command.dir.empty() ? name : command.dir);
  std::error_code ec;
  if (fs::exists(dir, ec) && !(fs::is_directory(dir, ec) && fs::is_empty(dir, ec))) {
    throw CliError(dir.string() + " exists and is not empty; give a new directory with --dir DIR",
                   kExitUsage);
  }
  std::string lightning_minor = "0.1";
  try {
    const std::string version = load_library_config(find_library_config()).version;
    lightning_minor = version.substr(0, version.find('.', version.find('.') + 1));
  } catch (const CliError&) {
  }
  const std::vector<std::pair<std::string, std::string>> values = {
      {"name", name}, {"Name", camel_case(name)}, {"lightning_minor", lightning_minor}};
  const std::string prefix = command.object + "/";
  int written = 0;
  for (const EmbeddedFile* file : template_files()) {
    if (file->path.compare(0, prefix.size(), prefix) != 0) continue;
    std::string rel(file->path.substr(prefix.size()));
    for (std::size_t at = rel.find("__name__"); at != std::string::npos;
         at = rel.find("__name__", at + name.size())) {
      rel.replace(at, 8, name);
    }
    fs::path path = dir / rel;
    const std::string base = path.filename().string();
    if (base.rfind("dot-", 0) == 0) path = path.parent_path() / ("." + base.substr(4));
    make_dirs(path.parent_path().string());
    write_file(path.string(), render_template(std::string(file->bytes), values));
    ++written;
  }
  if (written == 0) throw CliError("this lightning binary has no " + command.object + " template");
  if (command.object == "component") {
    std::fprintf(out,
                 "created component %s in %s\nnext: cd %s && lightning build component --test "
                 "(README.md says how to publish it)\n",
                 name.c_str(), dir.c_str(), dir.c_str());
  } else {
    std::fprintf(out, "created app %s in %s\nnext: cd %s && lightning run app.cpp\n", name.c_str(),
                 dir.c_str(), dir.c_str());
  }
  return 0;
}

int build_command(const ComponentCommand& command, std::FILE* out) {
  const fs::path dir = canonical_path(command.argument.empty() ? "." : command.argument);
  const fs::path manifest_path = dir / package::kComponentManifestFile;
  const auto text = read_file(manifest_path.string());
  if (!text) {
    throw CliError("no " + std::string(package::kComponentManifestFile) + " in " + dir.string() +
                   ": give the component's directory (`lightning init component NAME` makes one)");
  }
  package::ComponentManifest manifest;
  try {
    manifest = package::ComponentManifest::parse(*text, manifest_path.string());
  } catch (const package::PackageError& e) {
    throw CliError(e.what());
  }
  ComponentStore store(store_root(command));
  const Environment env = load_environment();
  check_lightning_range(manifest, env.library);
  check_system_packages(manifest, what_of(manifest));
  const std::vector<InstalledComponent> deps =
      installed_dependencies(manifest, store.list(), env.library);
  build_dependencies(store, deps, env);
  std::vector<std::string> prefix_path = {
      write_lightning_package(store.root(), env.component_toolchain, env.library).string()};
  for (const auto& dep : deps) {
    prefix_path.push_back((dep.dir / "builds" / env.component_toolchain.key() / "prefix").string());
  }
  const std::string build_dir = (dir / "build").string();
  auto step = [&](const char* what, const std::vector<std::string>& argv) {
    std::fprintf(stderr, "lightning: %s\n", shell_join(argv).c_str());
    const ProcessResult result = run_process(argv);
    if (!result.succeeded()) {
      throw CliError(what_of(manifest) + ": " + what + " failed (" +
                     (result.signal != 0 ? "signal " + std::to_string(result.signal)
                                         : "exit code " + std::to_string(result.exit_code)) +
                     "); its output is above");
    }
  };
  std::vector<std::string> configure = {"cmake", "-S", dir.string(), "-B", build_dir};
  const auto args = component_configure_args(env.component_toolchain, prefix_path);
  configure.insert(configure.end(), args.begin(), args.end());
  configure.push_back(std::string("-DBUILD_TESTING=") + (command.test ? "ON" : "OFF"));
  step("cmake configure", configure);
  step("cmake --build",
       {"cmake", "--build", build_dir, "--parallel", std::to_string(build_jobs())});
  if (command.test) {
    step("ctest", {"ctest", "--test-dir", build_dir, "--output-on-failure", "--parallel",
                   std::to_string(build_jobs())});
  }
  std::fprintf(out, "built %s in %s%s\n", (manifest.name + " " + manifest.version.str()).c_str(),
               build_dir.c_str(), command.test ? "; the tests passed" : "");
  return 0;
}

}  // namespace

int run_component_command(const ComponentCommand& command, std::FILE* out) {
  if (command.verb == "install") return install_command(command, out);
  if (command.verb == "list") return list_command(command, out);
  if (command.verb == "remove") return remove_command(command, out);
  if (command.verb == "init") return init_command(command, out);
  if (command.verb == "build") return build_command(command, out);
  throw CliError("unknown command '" + command.verb + "'", kExitUsage);
}

}  // namespace lightning::cli
