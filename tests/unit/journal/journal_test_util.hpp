// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// What the journal's unit tests build their inputs from.
#pragma once

#include <cstdint>
#include <string>

#include "journal/journal_store.hpp"
#include "lightning/json.hpp"
#include "runtime/call_table.hpp"
#include "runtime/state_publisher.hpp"

namespace unit_journal {

inline lightning::journal::JournalMeta meta() {
  lightning::journal::JournalMeta m;
  m.run_id = "run-1";
  m.app_path = "/bin/app";
  m.started_at_us = 1'700'000'000'000'000;
  m.lightning_version = "0.1.0";
  return m;
}

/// A small Flow::snapshot()-shaped state.
inline lightning::Json initial_state() {
  return lightning::Json{{"flows", lightning::Json::object()},
                         {"vars", {{"n", 0}, {"text", ""}}},
                         {"works", lightning::Json::object()}};
}

/// A batch of one change, version `v`: root's "n" becomes `n`.
inline lightning::runtime::StateBatch set_n(uint64_t v, int n) {
  lightning::runtime::StateBatch b;
  b.first_version = b.last_version = v;
  b.patch = lightning::Json::array({{{"op", "replace"}, {"path", "/vars/n"}, {"value", n}}});
  return b;
}

/// A batch of one change, version `v`: root's "text" becomes `text`.
inline lightning::runtime::StateBatch set_text(uint64_t v, const std::string& text) {
  lightning::runtime::StateBatch b;
  b.first_version = b.last_version = v;
  b.patch = lightning::Json::array({{{"op", "replace"}, {"path", "/vars/text"}, {"value", text}}});
  return b;
}

/// A pending first attempt of call `id` with `args`.
inline lightning::runtime::CallRecord call(uint64_t id, const lightning::Json& args) {
  lightning::runtime::CallRecord c;
  c.id = id;
  c.args = args;
  c.key = args.dump();
  c.status.stage = lightning::WorkStage::kPending;
  c.status.call_id = id;
  c.status.attempt = 1;
  return c;
}

}  // namespace unit_journal
