// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Fuzz target: what the `lightning` CLI reads from an app (src/cli/): the
// Server-Sent Events parser, the JSON answers turned into table rows and
// patch lines, error bodies, and --app URLs.
//
// Invariants: nothing but CliError is thrown; the SSE parser gives the same
// events whether the bytes arrive at once or in chunks (of the size the first
// byte picks), none with a CR or LF in its event name or a CR in its data; a
// parsed URL has a host and a port in 1..65535; table lines are cut to the
// width asked for.
#include <string>
#include <vector>

#include "api_client.hpp"
#include "app_commands.hpp"
#include "errors.hpp"
#include "fuzz_check.hpp"
#include "util/works_table.hpp"

namespace {

using lightning::cli::SseEvent;
using lightning::cli::SseParser;

std::vector<SseEvent> events_of(const std::string& bytes, size_t chunk) {
  SseParser parser;
  std::vector<SseEvent> events;
  for (size_t at = 0; at < bytes.size(); at += chunk) {
    parser.feed(bytes.substr(at, chunk), [&](const SseEvent& e) { events.push_back(e); });
  }
  return events;
}

void check_rows(const std::vector<lightning::util::WorkRow>& rows) {
  for (const std::string& line : lightning::util::render_works_table(rows, 5, 40)) {
    LIGHTNING_FUZZ_CHECK(line.size() <= 40, "a table line over the width: " + line);
  }
  lightning::util::summarize_works(rows);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t chunk = 1 + data[0] % 16;
  const std::string input(reinterpret_cast<const char*>(data) + 1, size - 1);

  const std::vector<SseEvent> whole = events_of(input, input.size() + 1);
  const std::vector<SseEvent> chunked = events_of(input, chunk);
  LIGHTNING_FUZZ_CHECK(whole.size() == chunked.size(),
                       "chunks of " + std::to_string(chunk) + " gave another number of events");
  for (size_t i = 0; i < whole.size(); ++i) {
    LIGHTNING_FUZZ_CHECK(whole[i].event == chunked[i].event && whole[i].data == chunked[i].data &&
                             whole[i].id == chunked[i].id,
                         "event " + std::to_string(i) + " differs in chunks");
    LIGHTNING_FUZZ_CHECK(
        !whole[i].event.empty() && whole[i].event.find_first_of("\r\n") == std::string::npos,
        "bad event name '" + whole[i].event + "'");
    LIGHTNING_FUZZ_CHECK(whole[i].data.find('\r') == std::string::npos, "CR in data");
  }

  const nlohmann::json json = nlohmann::json::parse(input, nullptr, false);
  if (!json.is_discarded()) {
    check_rows(lightning::cli::rows_from_components(nlohmann::json{{"root", json}}));
    check_rows(lightning::cli::rows_from_components(json));
    check_rows(lightning::cli::rows_from_state(nlohmann::json{{"state", json}}, 1));
    lightning::cli::describe_patch("1", json);
  }
  lightning::cli::api_error_message({400, input});

  try {
    const lightning::cli::ApiUrl url = lightning::cli::parse_api_url(input);
    LIGHTNING_FUZZ_CHECK(!url.host.empty() && url.port >= 1, "accepted URL '" + input + "'");
  } catch (const lightning::cli::CliError&) {
  }
  try {
    lightning::cli::work_path_segment(input);
  } catch (const lightning::cli::CliError&) {
  }
  return 0;
}
