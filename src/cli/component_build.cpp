// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// ComponentStore::build(): a component's CMake project configured against a
// Lightning package generated from lightning-run.json, built, installed, and
// probed for what it adds to an app's link.
#include "component_build.hpp"

#include <sched.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <utility>

#include "embedded_files.hpp"
#include "errors.hpp"
#include "file_lock.hpp"
#include "fs_util.hpp"
#include "log.hpp"
#include "subprocess.hpp"

namespace lightning::cli {
namespace fs = std::filesystem;

namespace {

// A CMake bracket argument holding a list: [==[a;b;c]==].
std::string cmake_list(const std::vector<std::string>& items) {
  std::string joined;
  for (const auto& item : items) {
    if (!joined.empty()) joined += ';';
    joined += item;
  }
  return "[==[" + joined + "]==]";
}

std::string join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

void write_if_changed(const fs::path& path, const std::string& text) {
  if (read_file(path.string()) != text) write_file(path.string(), text);
}

std::string property(const char* name, const std::vector<std::string>& items) {
  if (items.empty()) return "";
  return "    " + std::string(name) + " " + cmake_list(items) + "\n";
}

bool is_implicit_include_dir(const std::string& dir) {
  return dir == "/usr/include" || dir == "/usr/local/include";
}

// The file a link item names: "/x/liba.a" or "-Wl,--no-as-needed,/x/liba.so".
std::string file_of_link_item(const std::string& item) {
  if (starts_with(item, "/")) return item;
  const std::size_t comma = item.rfind(",/");
  if (starts_with(item, "-Wl,") && comma != std::string::npos) return item.substr(comma + 1);
  return "";
}

void append_to_log(const std::string& path, const std::string& text) {
  if (std::FILE* f = std::fopen(path.c_str(), "a")) {
    std::fputs(text.c_str(), f);
    std::fclose(f);
  }
}

}  // namespace

void check_system_packages(const package::ComponentManifest& manifest, const std::string& what) {
  std::vector<std::string> missing;
  for (const auto& name : manifest.system_packages) {
    CapturedOutput out;
    try {
      out = run_captured({"dpkg-query", "-W", "-f=${Status}", "--", name});
    } catch (const CliError&) {
      std::fprintf(stderr,
                   "lightning: warning: dpkg-query is not available; not checking that %s's "
                   "system packages are installed\n",
                   manifest.name.c_str());
      return;
    }
    if (!out.result.succeeded() || out.out.find("install ok installed") == std::string::npos) {
      missing.push_back(name);
    }
  }
  if (missing.empty()) return;
  throw CliError(what + " needs the system package" + (missing.size() > 1 ? "s " : " ") +
                 join(missing, ", ") + ", which " + (missing.size() > 1 ? "are" : "is") +
                 " not installed (lightning-component.json's \"system_packages\"); install " +
                 (missing.size() > 1 ? "them" : "it") + " (as root): apt-get install " +
                 join(missing, " ") + ", then try again");
}

std::string lightning_package_config(const LibraryConfig& library) {
  std::vector<std::string> options;
  std::string standard;
  for (const auto& flag : library.compile_flags) {
    if (starts_with(flag, "-std=c++") || starts_with(flag, "-std=gnu++")) {
      standard = "cxx_std_" + flag.substr(flag.find("++") + 2);
    } else {
      options.push_back(flag);
    }
  }
  std::vector<std::string> link_options = library.link_flags;
  for (const auto& dir : library.lib_dirs) link_options.push_back("-Wl,-rpath," + dir);

  std::string out;
  out += "# Lightning " + library.version + " as `lightning` builds components against it,\n";
  out += "# generated from " + library.config_path + "\n";
  out += "# (the lightning-run.json lightning-run builds apps with); do not edit.\n";
  out += "# Defines Lightning::lightning, Lightning::torch (when this Lightning has\n";
  out += "# libtorch) and Lightning::<name> for each built-in component.\n";
  out += "if(TARGET Lightning::lightning)\n  return()\nendif()\n";
  out += "set(THREADS_PREFER_PTHREAD_FLAG ON)\n";
  out += "set(Lightning_INCLUDE_DIR " + cmake_list(library.include_dirs) + ")\n\n";
  out += "add_library(Lightning::lightning INTERFACE IMPORTED)\n";
  out += "set_target_properties(Lightning::lightning PROPERTIES\n";
  out += property("INTERFACE_INCLUDE_DIRECTORIES", library.include_dirs);
  out += property("INTERFACE_COMPILE_OPTIONS", options);
  if (!standard.empty()) out += property("INTERFACE_COMPILE_FEATURES", {standard});
  out += property("INTERFACE_LINK_DIRECTORIES", library.lib_dirs);
  out += property("INTERFACE_LINK_OPTIONS", link_options);
  out += property("INTERFACE_LINK_LIBRARIES", library.libraries);
  out += ")\n";
  if (library.torch) {
    const TorchConfig& t = *library.torch;
    out += "\n# libtorch " + t.version + ", as this Lightning found it.\n";
    out += "add_library(Lightning::torch INTERFACE IMPORTED)\n";
    out += "set_target_properties(Lightning::torch PROPERTIES\n";
    out += property("INTERFACE_INCLUDE_DIRECTORIES", t.include_dirs);
    out += property("INTERFACE_COMPILE_OPTIONS", t.compile_flags);
    out += property("INTERFACE_LINK_LIBRARIES", t.libraries);
    out += "    INTERFACE_LIGHTNING_TORCH_VERSION \"" + t.version + "\"\n)\n";
  }
  for (const auto& [name, c] : library.components) {
    std::vector<std::string> links = c.libraries;
    links.push_back("Lightning::lightning");
    if (c.torch) links.push_back("Lightning::torch");
    out += "\n# The built-in component " + name + ".\n";
    out += "add_library(Lightning::" + name + " INTERFACE IMPORTED)\n";
    out += "set_target_properties(Lightning::" + name + " PROPERTIES\n";
    out += property("INTERFACE_INCLUDE_DIRECTORIES", c.include_dirs);
    out += property("INTERFACE_LINK_LIBRARIES", links);
    out += ")\n";
  }
  return out;
}

std::string lightning_package_version(const std::string& version) {
  return "# Generated by `lightning`: Lightning " + version +
         ", compatible with a request for the same major.minor (0.x: a minor version may\n"
         "# break the API), as the installed package's SameMinorVersion file.\n"
         "set(PACKAGE_VERSION \"" +
         version +
         "\")\n"
         "set(PACKAGE_VERSION_COMPATIBLE FALSE)\n"
         "if(NOT PACKAGE_FIND_VERSION)\n"
         "  set(PACKAGE_VERSION_COMPATIBLE TRUE)\n"
         "elseif(NOT PACKAGE_FIND_VERSION VERSION_GREATER PACKAGE_VERSION)\n"
         "  string(REGEX MATCH \"^([0-9]+)\\\\.([0-9]+)\" _lightning_mm \"${PACKAGE_VERSION}\")\n"
         "  if(PACKAGE_FIND_VERSION_MAJOR EQUAL CMAKE_MATCH_1 AND\n"
         "     (PACKAGE_FIND_VERSION_COUNT LESS 2 OR PACKAGE_FIND_VERSION_MINOR EQUAL "
         "CMAKE_MATCH_2))\n"
         "    set(PACKAGE_VERSION_COMPATIBLE TRUE)\n"
         "  endif()\n"
         "endif()\n"
         "if(PACKAGE_FIND_VERSION VERSION_EQUAL PACKAGE_VERSION)\n"
         "  set(PACKAGE_VERSION_EXACT TRUE)\n"
         "endif()\n";
}

fs::path write_lightning_package(const fs::path& store, const ComponentToolchain& toolchain,
                                 const LibraryConfig& library) {
  fs::path dir = store / ".cmake" / toolchain.key();
  make_dirs(dir.string());
  write_if_changed(dir / "LightningConfig.cmake", lightning_package_config(library));
  write_if_changed(dir / "LightningConfigVersion.cmake",
                   lightning_package_version(library.version));
  return dir;
}

int build_jobs() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return 1;
}

std::vector<std::string> component_configure_args(const ComponentToolchain& toolchain,
                                                  const std::vector<std::string>& prefix_path) {
  std::vector<std::string> args;
  if (!find_program("ninja").empty()) args.insert(args.end(), {"-G", "Ninja"});
  args.push_back("-DCMAKE_BUILD_TYPE=Release");
  args.push_back("-DCMAKE_CXX_COMPILER=" + toolchain.compiler);
  const std::string ccache = find_program("ccache");
  if (!ccache.empty() && env_or_empty("CCACHE_DISABLE").empty()) {
    args.push_back("-DCMAKE_CXX_COMPILER_LAUNCHER=" + ccache);
  }
  args.push_back("-DCMAKE_CXX_FLAGS=" + join(toolchain.cxx_flags, " "));
  const std::string link = join(toolchain.link_flags, " ");
  args.push_back("-DCMAKE_EXE_LINKER_FLAGS=" + link);
  args.push_back("-DCMAKE_SHARED_LINKER_FLAGS=" + link);
  args.push_back("-DCMAKE_MODULE_LINKER_FLAGS=" + link);
  // The first entry is the generated Lightning package (its files sit at the
  // top of the directory, where only Lightning_DIR finds them).
  if (!prefix_path.empty()) args.push_back("-DLightning_DIR=" + prefix_path.front());
  args.push_back("-DCMAKE_PREFIX_PATH=" + join(prefix_path, ";"));
  args.push_back("-DCMAKE_INSTALL_LIBDIR=lib");
  args.push_back("-DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF");
  args.push_back("-DCMAKE_FIND_USE_SYSTEM_PACKAGE_REGISTRY=OFF");
  return args;
}

std::string render_template(std::string text,
                            const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [key, value] : values) {
    const std::string token = "{{" + key + "}}";
    for (std::size_t at = text.find(token); at != std::string::npos;
         at = text.find(token, at + value.size())) {
      text.replace(at, token.size(), value);
    }
  }
  return text;
}

std::string tail_of_file(const std::string& path, int lines) {
  const std::string text = read_file(path).value_or("");
  std::size_t at = text.size();
  if (at > 0 && text[at - 1] == '\n') --at;
  for (int n = 0; n < lines && at != std::string::npos && at > 0; ++n) {
    at = text.rfind('\n', at - 1);
  }
  return at == std::string::npos || at == 0 ? text : text.substr(at + 1);
}

std::string component_build_json(const ComponentBuild& build) {
  nlohmann::json doc;
  doc["include_dirs"] = build.include_dirs;
  doc["compile_flags"] = build.compile_flags;
  doc["libraries"] = build.libraries;
  doc["stamped_files"] = build.stamped_files;
  return doc.dump(2) + "\n";
}

ComponentBuild parse_component_build(const std::string& text, const std::string& origin) {
  ComponentBuild build;
  try {
    const nlohmann::json doc = nlohmann::json::parse(text);
    auto list = [&](const char* key) {
      return doc.contains(key) ? doc.at(key).get<std::vector<std::string>>()
                               : std::vector<std::string>();
    };
    build.include_dirs = list("include_dirs");
    build.compile_flags = list("compile_flags");
    build.libraries = list("libraries");
    build.stamped_files = list("stamped_files");
  } catch (const nlohmann::json::exception& e) {
    throw CliError(origin + ": " + e.what());
  }
  return build;
}

bool ComponentStore::is_built(const InstalledComponent& component,
                              const ComponentToolchain& toolchain) const {
  return fs::exists(component.dir / "builds" / toolchain.key() / "link.json");
}

ComponentBuild ComponentStore::build(const InstalledComponent& component,
                                     const ComponentToolchain& toolchain,
                                     const std::vector<InstalledComponent>& deps,
                                     const LibraryConfig& library) {
  const package::ComponentManifest& manifest = component.manifest;
  const std::string what = "component '" + manifest.name + "' " + manifest.version.str();
  const std::string key = toolchain.key();
  const fs::path builds = component.dir / "builds";
  const fs::path final_dir = builds / key;
  const fs::path link_json = final_dir / "link.json";
  if (auto text = read_file(link_json.string())) return parse_component_build(*text, link_json);

  make_dirs(builds.string());
  FileLock lock((builds / (key + ".lock")).string());
  // Another process may have built it while this one waited.
  if (auto text = read_file(link_json.string())) return parse_component_build(*text, link_json);

  check_system_packages(manifest, what);
  std::vector<std::string> prefix_path = {
      write_lightning_package(root_, toolchain, library).string()};
  std::vector<std::string> dep_prefixes;
  for (const InstalledComponent& dep : deps) {
    if (!is_built(dep, toolchain)) {
      throw CliError(what + " needs component '" + dep.manifest.name + "' " +
                     dep.manifest.version.str() +
                     ", which is installed but not built for this toolchain; build it first "
                     "(lightning install component " +
                     dep.source + (dep.commit.empty() ? "" : "@" + dep.commit.substr(0, 12)) + ")");
    }
    dep_prefixes.push_back((dep.dir / "builds" / key / "prefix").string());
  }
  prefix_path.insert(prefix_path.end(), dep_prefixes.begin(), dep_prefixes.end());

  remove_all_quietly(final_dir.string());  // a build killed after its rename, before link.json
  const std::string tmp = make_unique_dir(builds.string(), "tmp-");
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      if (!dir.empty()) remove_all_quietly(dir);
    }
  } cleanup{tmp};
  const std::string log = tmp + "/build.log";
  const std::string failed_log = (builds / (key + "-failed.log")).string();

  ProcessOptions to_log;
  to_log.stdout_file = log;
  to_log.stderr_file = log;
  to_log.append = true;
  auto step = [&](const std::string& name, const std::vector<std::string>& argv) {
    append_to_log(log, "\n$ " + shell_join(argv) + "\n");
    Stopwatch watch;
    const ProcessResult result = run_process(argv, to_log);
    append_to_log(log, "# " + name + " took " + watch.elapsed() + "\n");
    if (result.succeeded()) return;
    std::error_code ec;
    fs::copy_file(log, failed_log, fs::copy_options::overwrite_existing, ec);
    const std::string how = result.signal != 0 ? "killed by signal " + std::to_string(result.signal)
                                               : "exit code " + std::to_string(result.exit_code);
    throw CliError(what + " does not build (" + name + " failed, " + how + "):\n" +
                   tail_of_file(log, 30) + "\n(full log: " + (ec ? log : failed_log) + ")");
  };

  const std::string src = component.source_dir().string();
  std::vector<std::string> configure = {"cmake", "-S", src, "-B", tmp + "/build"};
  const auto args = component_configure_args(toolchain, prefix_path);
  configure.insert(configure.end(), args.begin(), args.end());
  configure.push_back("-DCMAKE_INSTALL_PREFIX=" + (final_dir / "prefix").string());
  configure.push_back("-DBUILD_TESTING=OFF");
  step("cmake configure", configure);
  step("cmake --build",
       {"cmake", "--build", tmp + "/build", "--parallel", std::to_string(build_jobs())});
  step("cmake --install", {"cmake", "--install", tmp + "/build", "--prefix", tmp + "/prefix"});

  std::error_code ec;
  fs::rename(tmp, final_dir, ec);
  if (ec)
    throw CliError("cannot move the build of " + what + " into " + final_dir.string() + ": " +
                   ec.message());
  cleanup.dir.clear();
  fs::remove(failed_log, ec);

  // The probe: the installed package as a consumer sees it.
  const fs::path probe = final_dir / "probe";
  make_dirs(probe.string());
  const EmbeddedFile* probe_cmake = find_template_file("probe/CMakeLists.txt");
  const EmbeddedFile* closure_cmake = find_template_file("probe/LightningLinkClosure.cmake");
  if (probe_cmake == nullptr || closure_cmake == nullptr) {
    throw CliError("this lightning binary has no component probe embedded (a build problem)");
  }
  write_if_changed(probe / "CMakeLists.txt",
                   render_template(std::string(probe_cmake->bytes),
                                   {{"package", manifest.package}, {"target", manifest.target}}));
  write_if_changed(probe / "LightningLinkClosure.cmake", std::string(closure_cmake->bytes));
  std::vector<std::string> probe_prefixes = prefix_path;
  probe_prefixes.insert(probe_prefixes.begin() + 1, (final_dir / "prefix").string());
  const std::string probe_out = (probe / "link.json").string();
  std::vector<std::string> probe_cmd = {"cmake", "-S", probe.string(), "-B",
                                        (probe / "build").string()};
  const auto probe_args = component_configure_args(toolchain, probe_prefixes);
  probe_cmd.insert(probe_cmd.end(), probe_args.begin(), probe_args.end());
  probe_cmd.push_back("-DLIGHTNING_PROBE_OUTPUT=" + probe_out);
  const std::string full_log = (final_dir / "build.log").string();
  append_to_log(full_log, "\n$ " + shell_join(probe_cmd) + "\n");
  ProcessOptions probe_log = to_log;
  probe_log.stdout_file = probe_log.stderr_file = full_log;
  Stopwatch probe_watch;
  const ProcessResult probed = run_process(probe_cmd, probe_log);
  append_to_log(full_log, "# the probe took " + probe_watch.elapsed() + "\n");
  if (!probed.succeeded()) {
    const std::string text = read_file(full_log).value_or("");
    const std::size_t at = text.rfind("LIGHTNING_PROBE_NO_TARGET: ");
    if (at != std::string::npos) {
      const std::size_t from = at + std::string("LIGHTNING_PROBE_NO_TARGET: ").size();
      const std::string found = text.substr(from, text.find('\n', from) - from);
      throw CliError(what + ": its manifest's target '" + manifest.target +
                     "' does not exist after `cmake --install` (find_package(" + manifest.package +
                     " CONFIG) defined: " + found + "); export it (install(EXPORT ...) with a " +
                     "package config) or fix \"target\" in lightning-component.json (full log: " +
                     full_log + ")");
    }
    throw CliError(what + ": find_package(" + manifest.package +
                   " CONFIG) fails on the installed component, so an app could not use it:\n" +
                   tail_of_file(full_log, 30) + "\n(full log: " + full_log +
                   "; \"package\" in lightning-component.json must name the package config "
                   "the component installs)");
  }
  ComponentBuild raw = parse_component_build(read_file(probe_out).value_or(""), probe_out);
  ComponentBuild build;
  std::set<std::string> seen;
  for (const auto& dir : raw.include_dirs) {
    if (!is_implicit_include_dir(dir) && seen.insert(dir).second) build.include_dirs.push_back(dir);
  }
  build.compile_flags = raw.compile_flags;
  build.libraries = raw.libraries;
  for (const auto& item : build.libraries) {
    const std::string file = file_of_link_item(item);
    if (!file.empty() && std::find(build.stamped_files.begin(), build.stamped_files.end(), file) ==
                             build.stamped_files.end()) {
      build.stamped_files.push_back(file);
    }
  }
  remove_all_quietly(probe.string());
  // link.json last: its presence is what "built" means.
  write_file(link_json.string(), component_build_json(build));
  return build;
}

}  // namespace lightning::cli
