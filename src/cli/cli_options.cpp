// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "cli_options.hpp"

#include <CLI/CLI.hpp>
#include <vector>

#include "errors.hpp"
#include "fs_util.hpp"
#include "util/command_line.hpp"

namespace lightning::cli {
namespace {

constexpr const char* kDescription =
    "Lightning for C++: run an app, and look at or act on a running one through its HTTP API.";

constexpr const char* kFooter = R"(
Components: install component SOURCE[@REV], list components, remove component
NAME[@VERSION], init component|app NAME, build component [DIR] (docs/cli.md,
docs/components/publishing.md). The store is $LIGHTNING_HOME/components, else
~/.lightning/components, or --store DIR.

Which app: --app URL, else the most recent app started from this directory that
is still running (.lightning/runs/*/api.json). The token for writes comes from
--token, $LIGHTNING_TOKEN, or that run's api-token.

Exit codes: 0 ok, 1 the app answered an error, 2 bad usage, 3 no app found or
the app cannot be reached. See docs/cli.md.)";

// --app/--token on a subcommand.
void add_app_options(CLI::App& sub, CliCommand& command) {
  sub.add_option("--app", command.app.url,
                 "the app's API, http://HOST:PORT (default: the most recent app started here)");
  // $LIGHTNING_TOKEN is read after parsing (parse_cli_command): CLI11 2.1 lets an
  // option's envname on one subcommand override the flag given to another.
  sub.add_option("--token", command.app.token,
                 "the app's bearer token, for writes (default: $LIGHTNING_TOKEN, else the run "
                 "dir's api-token)");
}

struct Parser {
  CLI::App app{kDescription, "lightning"};

  explicit Parser(CliCommand& command) {
    app.footer(kFooter);
    app.require_subcommand(1);
    app.add_subcommand("run",
                       "build (cached) and run app.cpp, as lightning-run does; "
                       "see `lightning run --help`");
    // Like run, handled in lightning_main.cpp (app_components.hpp); listed for --help.
    app.add_subcommand("update",
                       "move lightning.lock's pins on purpose: update [NAME...] [--app APP|DIR]; "
                       "see `lightning update --help`");
    CLI::App* status = app.add_subcommand("status", "the app's URL, run dir and table of works");
    add_app_options(*status, command);

    CLI::App* logs = app.add_subcommand("logs", "a work's output: the last lines, or -f to follow");
    logs->add_option("path", command.work_path, "the work's dotted path, e.g. root.train")
        ->required();
    logs->add_option("-n,--tail", command.tail, "how many of the last lines (default 100)")
        ->check(CLI::Range(0, 10000));
    logs->add_flag("-f,--follow", command.follow,
                   "keep printing new lines until the app exits (Ctrl-C to stop)");
    add_app_options(*logs, command);

    CLI::App* stop = app.add_subcommand("stop", "stop the app, or one work given its path");
    stop->add_option("path", command.work_path, "a work's dotted path; none: the whole app");
    add_app_options(*stop, command);

    CLI::App* state = app.add_subcommand("state", "the app's state tree and version as JSON");
    state->add_flag("-w,--watch", command.watch,
                    "then print every change (one line per JSON Patch op) as it happens");
    add_app_options(*state, command);

    add_component_commands(command.component);
  }

  // install/list/remove/init/build, each with its object (component, components, app).
  void add_component_commands(ComponentCommand& c) {
    auto store = [&c](CLI::App* sub) {
      sub->add_option("--store", c.store,
                      "the component store (default: $LIGHTNING_HOME/components, else "
                      "~/.lightning/components)");
    };
    CLI::App* install =
        app.add_subcommand("install", "install a component: install component SOURCE[@REV]");
    install->require_subcommand(1);
    CLI::App* install_component = install->add_subcommand(
        "component",
        "fetch SOURCE (a git URL, file:// too, or a directory) at REV, build it "
        "for this Lightning and toolchain, and keep it in the component store");
    install_component
        ->add_option("source", c.argument,
                     "SOURCE[@REV]: git+file:///srv/acme.git@v1.2.0, https://host/r.git, "
                     "git@host:r.git@main, ./dir")
        ->required();
    store(install_component);

    CLI::App* list = app.add_subcommand("list", "list installed components: list components");
    list->require_subcommand(1);
    CLI::App* list_components = list->add_subcommand(
        "components",
        "the installed components and the built-in ones: name, version, source, "
        "commit, the toolchains each is built for");
    list_components->add_flag("--json", c.json, "print JSON (for scripts)");
    store(list_components);

    CLI::App* remove =
        app.add_subcommand("remove", "remove a component: remove component NAME[@VERSION]");
    remove->require_subcommand(1);
    CLI::App* remove_component = remove->add_subcommand(
        "component", "remove every installed version of NAME, or NAME@VERSION");
    remove_component->add_option("name", c.argument, "NAME or NAME@VERSION")->required();
    store(remove_component);

    CLI::App* init = app.add_subcommand(
        "init", "start a component or an app from a working template: init component|app NAME");
    init->require_subcommand(1);
    for (const char* object : {"component", "app"}) {
      CLI::App* sub = init->add_subcommand(
          object, std::string("write a new ") + object +
                      " NAME (a working template, with a test and a README) into ./NAME or --dir");
      sub->add_option("name", c.argument, "its name: [a-z][a-z0-9_]*")->required();
      sub->add_option("--dir", c.dir, "where to write it (new or empty; default ./NAME)");
    }

    CLI::App* build = app.add_subcommand(
        "build", "build a component's project as install does: build component [DIR] [--test]");
    build->require_subcommand(1);
    CLI::App* build_component = build->add_subcommand(
        "component",
        "configure and build DIR (default .) in DIR/build against this Lightning, "
        "with the toolchain and package install uses; --test: then run its tests");
    build_component->add_option("dir", c.argument, "the component's directory (default .)");
    build_component->add_flag("--test", c.test, "build its tests and run them (ctest)");
    store(build_component);
  }
};

bool is_component_verb(const std::string& name) {
  return name == "install" || name == "list" || name == "remove" || name == "init" ||
         name == "build";
}

// "install" -> "lightning install component SOURCE[@REV]".
std::string component_usage(const std::string& verb) {
  if (verb == "install") return "lightning install component SOURCE[@REV]";
  if (verb == "list") return "lightning list components";
  if (verb == "remove") return "lightning remove component NAME[@VERSION]";
  if (verb == "init") return "lightning init component NAME, or lightning init app NAME";
  return "lightning build component [DIR] [--test]";
}

}  // namespace

std::string cli_usage() {
  CliCommand command;
  return Parser(command).app.help();
}

CliCommand parse_cli_command(int argc, char** argv) {
  CliCommand command;
  Parser parser(command);
  CLI::App& app = parser.app;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    command.help = true;
    command.help_text = app.help();
    return command;
  } catch (const CLI::CallForAllHelp&) {
    command.help = true;
    command.help_text = app.help("", CLI::AppFormatMode::All);
    return command;
  } catch (const CLI::RequiredError& e) {
    const std::vector<CLI::App*> subs = app.get_subcommands();
    if (subs.empty() && argc > 1 && argv[1][0] != '-') {
      throw CliError(std::string("unknown command '") + argv[1] +
                         "'; the commands are run, status, logs, stop, state, install, list, "
                         "remove, init, build, update (see --help)",
                     kExitUsage);
    }
    if (subs.empty()) {
      throw CliError(
          "say what to do: lightning run|status|logs|stop|state|install|list|remove|init|build "
          "...; see --help",
          kExitUsage);
    }
    if (is_component_verb(subs.front()->get_name())) {
      const std::string verb = subs.front()->get_name();
      const bool has_object = !subs.front()->get_subcommands().empty();
      throw CliError((has_object ? std::string(e.what()) + "; " : std::string()) +
                         "usage: " + component_usage(verb),
                     kExitUsage);
    }
    if (subs.front()->get_name() == "logs") {
      throw CliError("logs needs the work's path, e.g. lightning logs root.train", kExitUsage);
    }
    throw CliError(std::string(e.what()) + "; see --help", kExitUsage);
  } catch (const CLI::ExtrasError& e) {
    throw CliError(std::string(e.what()) + "; see lightning --help", kExitUsage);
  } catch (const CLI::ParseError& e) {
    throw CliError(util::describe_parse_error(e) + "; see lightning --help", kExitUsage);
  }
  const std::vector<CLI::App*> subs = app.get_subcommands();
  command.name = subs.front()->get_name();
  if (is_component_verb(command.name)) {
    command.component.verb = command.name;
    command.component.object = subs.front()->get_subcommands().front()->get_name();
  }
  if (command.app.token.empty()) command.app.token = env_or_empty("LIGHTNING_TOKEN");
  return command;
}

int run_cli_command(const CliCommand& command, std::FILE* out) {
  if (is_component_verb(command.name)) return run_component_command(command.component, out);
  CliCommand resolved = command;
  resolved.app.dir = canonical_path(".");
  const AppTarget app = select_app(resolved.app);
  if (command.name == "status") return status_command(app, out);
  if (command.name == "logs") {
    return logs_command(app, command.work_path, command.tail, command.follow, out);
  }
  if (command.name == "stop") return stop_command(app, command.work_path, out);
  if (command.name == "state") return state_command(app, command.watch, out);
  throw CliError("unknown command '" + command.name + "'", kExitUsage);
}

}  // namespace lightning::cli
