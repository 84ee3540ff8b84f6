// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/runtime.hpp"
#include "lightning/flow.hpp"
#include "runtime/state_publisher.hpp"

namespace lightning::http {

/// What a write answers: the HTTP status and the JSON body (docs/api.md,
/// `POST /api/v1/state`).
struct WriteOutcome {
  unsigned status = 200;
  Json body;
};

/// Changes from outside the app (`POST /api/v1/state`): checks a client's
/// `{"version": N, "patch": [RFC 6902 ops]}` against the fields the app
/// declared writable (External::kWritable), refuses it when a field it touches
/// changed after version N (409 with the current version), else applies it as
/// one batch of changes through the runtime (the controller: published like
/// any change, sent on to a work's process, and the flow runs after it).
///
/// To know when each field last changed it observes the publisher: every
/// batch's pointers are kept with the batch's version (one entry per field and
/// work status that ever changed, so bounded by the tree's size). A field
/// whose last change came before start() counts as changed at start().
///
/// Owned by HttpApiService (or a test); lives on the controller's loop thread
/// and is single-threaded, like the controller it writes through.
///
///   StateWriter writer(root, publisher, controller);
///   writer.start();
///   WriteOutcome out =
///   writer.write(R"({"version":3,"patch":[{"op":"replace","path":"/vars/lr","value":0.01}]})");
///
/// Answers (the body is the API's error body unless said otherwise):
///  - 200 {"version": M}: applied (or changed nothing); M is the version after it;
///  - 400: the body is not JSON, not {"version": unsigned, "patch": [...]}, or
///    an op is malformed (no "op"/"path", an unknown op, no "value", a path
///    that is not a JSON pointer);
///  - 403: a path the API may not change: a read-only field, a work's status,
///    or an op other than add, replace, test (fields cannot be removed, moved
///    or copied over);
///  - 404: a path that names no flow, work or field;
///  - 409 {"error": ..., "version": current}: a touched field changed after N
///    (or N is newer than the state);
///  - 422: a value that does not fit the field's type (the message names the
///    path and the type expected), or an op that does not apply (a failed test,
///    an index out of range).
class StateWriter final : public runtime::StateObserver {
 public:
  StateWriter(Flow& root, runtime::StatePublisher& publisher, detail::Runtime& runtime);
  ~StateWriter() override;
  StateWriter(const StateWriter&) = delete;
  StateWriter& operator=(const StateWriter&) = delete;

  /// Starts observing the publisher; versions before now count as now.
  void start();

  /// Checks and applies one request body. Never throws.
  WriteOutcome write(std::string_view body);

  /// The version at which the field (or the work, or the status) at `pointer`
  /// ("/works/train/vars/lr") last changed, as far as this writer knows.
  uint64_t changed_at(const std::string& pointer) const;

  void on_state_batch(const runtime::StateBatch& batch) override;

 private:
  Flow& root_;
  runtime::StatePublisher& publisher_;
  detail::Runtime& runtime_;
  bool observing_ = false;
  uint64_t floor_ = 0;
  std::unordered_map<std::string, uint64_t> changed_at_;
};

}  // namespace lightning::http
