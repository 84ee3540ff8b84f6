// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>

#include "lightning/json.hpp"

namespace lightning::detail {

/// The one coalescer of outgoing state changes: collects changes into one
/// RFC 6902 JSON Patch with one op per JSON pointer. A later change of the
/// same pointer overwrites the value of the earlier op, which keeps its place
/// and its kind (an `add` followed by a change stays an `add`, of the latest
/// value). A tight loop of a million assignments to one field is one op.
///
/// Keeping the first change's place is correct for the patches we build: they
/// never remove, and a pointer's parents exist before its first change (a work
/// is added before its fields change), so moving a later change forward never
/// puts it before what it needs.
///
/// Used on both sides of a work's state: the work process's outbox (changes the
/// work made, sent to the controller) and the controller's pending patch of each
/// work (changes flows made, sent to the process); StatePublisher builds its
/// batches with it. Not thread-safe: its owner guards it.
///
///   PatchBuilder out;
///   out.set_field("count", 1);
///   out.set_field("count", 2);
///   send(dump_json(out.take()));  // [{"op":"replace","path":"/count","value":2}]
class PatchBuilder {
 public:
  enum class Op { kAdd, kReplace };

  /// Records the new value of a whole state field: a replace at "/<field>".
  void set_field(const std::string& field, Json value);
  /// Records `value` at `pointer` with `op` (add: the location is new).
  void set(const Json::json_pointer& pointer, Json value, Op op = Op::kReplace);

  bool empty() const { return index_.empty(); }
  /// Ops in the patch (distinct pointers changed).
  size_t size() const { return index_.size(); }
  /// The patch so far: a JSON array of ops.
  const Json& ops() const { return ops_; }
  /// Returns the patch and starts a new, empty one.
  Json take();
  void clear();

 private:
  void set_path(std::string path, Json value, Op op);

  Json ops_ = Json::array();
  std::unordered_map<std::string, size_t> index_;  // path -> position in ops_
};

}  // namespace lightning::detail
