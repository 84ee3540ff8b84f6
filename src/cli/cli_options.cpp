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
  }
};

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
                         "'; the commands are run, status, logs, stop, state (see --help)",
                     kExitUsage);
    }
    if (subs.empty()) {
      throw CliError("say what to do: lightning run|status|logs|stop|state ...; see --help",
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
  if (command.app.token.empty()) command.app.token = env_or_empty("LIGHTNING_TOKEN");
  return command;
}

int run_cli_command(const CliCommand& command, std::FILE* out) {
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
