// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Writes the seed corpus of fuzz_worker_message into the directory given as
// the only argument: single v1::WorkerMessages and scripts (see
// worker_message_script.hpp) that walk the protocol's main paths. The output is
// committed under tests/fuzz/corpus/fuzz_worker_message/; rerun this after
// changing the protocol or the script format.
#include <cstdio>
#include <fstream>
#include <string>

#include "lightning/v1/runtime.pb.h"
#include "worker_message_script.hpp"

namespace {

namespace v1 = lightning::v1;
namespace script = lightning::fuzz::script;

std::string serialized(const v1::WorkerMessage& m) {
  std::string out;
  m.SerializeToString(&out);
  return out;
}

std::string hello(const std::string& token, uint32_t protocol) {
  v1::WorkerMessage m;
  auto* h = m.mutable_hello();
  h->set_protocol_version(protocol);
  h->set_run_id("0123456789abcdef");
  h->set_token(token);
  h->set_work_path("root.fast");
  h->set_work_type("(anonymous namespace)::SyncedWork");
  h->set_pid(1001);
  h->set_process_id(1);
  return serialized(m);
}

std::string delta(uint64_t version, const std::string& patch) {
  v1::WorkerMessage m;
  m.mutable_delta()->set_version(version);
  m.mutable_delta()->set_patch_json(patch);
  return serialized(m);
}

std::string started(uint64_t call_id) {
  v1::WorkerMessage m;
  m.mutable_started()->set_call_id(call_id);
  m.mutable_started()->set_started_unix_us(1767225600000000);
  return serialized(m);
}

std::string finished(uint64_t call_id, bool ok) {
  v1::WorkerMessage m;
  auto* f = m.mutable_finished();
  f->set_call_id(call_id);
  f->set_ok(ok);
  if (!ok) {
    f->set_error_type("std::runtime_error");
    f->set_message("boom");
  }
  f->set_finished_unix_us(1767225601000000);
  return serialized(m);
}

std::string error_report(const std::string& what) {
  v1::WorkerMessage m;
  m.mutable_error()->set_message(what);
  return serialized(m);
}

/// A script under construction.
class Script {
 public:
  Script& add(uint8_t ctl, const std::string& payload = "") {
    script::append_record(&out_, ctl, payload);
    return *this;
  }
  const std::string& bytes() const { return out_; }

 private:
  std::string out_;
};

constexpr uint8_t kSlot0 = 0, kSlot1 = 1, kSlot2 = 2, kSlot3 = 3;
constexpr uint8_t kHello = script::kHelloFirst;
constexpr uint8_t kSlow = script::kSlowWork;
constexpr uint8_t kSend = script::kSend;
constexpr uint8_t kClose = script::kCloseStream;
constexpr uint8_t kExit = script::kProcessExits;
constexpr uint8_t kSettle = script::kSettle;

bool write(const std::string& dir, const std::string& name, const std::string& bytes) {
  std::ofstream f(dir + "/" + name, std::ios::binary);
  f << bytes;
  return static_cast<bool>(f);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  const std::string set_count = R"([{"op":"replace","path":"/count","value":3}])";
  const std::string many_ops =
      R"([{"op":"add","path":"/values/-","value":7},{"op":"add","path":"/weights/lr","value":0.1},)"
      R"({"op":"add","path":"/extra/nested","value":{"a":[1,{"b":null}]}},)"
      R"({"op":"copy","from":"/count","path":"/extra/copied"},{"op":"test","path":"/text","value":""}])";

  bool ok = true;
  // One message each.
  ok &= write(dir, "msg_hello_wrong_token", hello("not-the-token", 1));
  ok &= write(dir, "msg_hello_protocol_2", hello("not-the-token", 2));
  ok &= write(dir, "msg_delta_replace_count", delta(1, set_count));
  ok &= write(dir, "msg_delta_many_ops", delta(1, many_ops));
  ok &= write(dir, "msg_delta_not_json", delta(1, R"([{"op":"replace","path":"/count",)"));
  ok &= write(dir, "msg_delta_unknown_field",
              delta(1, R"([{"op":"replace","path":"/nope","value":1}])"));
  ok &= write(dir, "msg_delta_removes_field", delta(1, R"([{"op":"remove","path":"/text"}])"));
  ok &= write(dir, "msg_started_1", started(1));
  ok &= write(dir, "msg_finished_ok_1", finished(1, true));
  ok &= write(dir, "msg_finished_failed_1", finished(1, false));
  ok &= write(dir, "msg_error_report", error_report("delta version 3, expected 2"));
  ok &= write(dir, "msg_empty", "");

  // Scripts.
  ok &= write(dir, "script_fast_call_succeeds",
              Script()
                  .add(kSlot0 | kHello | kSend, started(1))
                  .add(kSlot0 | kSend, delta(1, set_count))
                  .add(kSlot0 | kSend | kSettle, finished(1, true))
                  .add(kSlot0 | kSend, started(2))
                  .add(kSlot0 | kSend | kSettle, finished(2, true))
                  .bytes());
  ok &= write(dir, "script_slow_fails_then_retry_succeeds",
              Script()
                  .add(kSlot1 | kSlow | kHello | kSend, started(1))
                  .add(kSlot1 | kSlow | kSend | kSettle, finished(1, false))
                  .add(kSlot1 | kSlow | kSend, started(1))
                  .add(kSlot1 | kSlow | kSend | kSettle, finished(1, true))
                  .bytes());
  ok &= write(dir, "script_slow_process_dies_and_is_relaunched",
              Script()
                  .add(kSlot1 | kSlow | kHello | kSend, started(1))
                  .add(kSlot1 | kSlow | kExit | kSettle, "Traceback: segfault in user code")
                  .add(kSlot2 | kSlow | kHello | kSend, started(1))
                  .add(kSlot1 | kSlow | kSend, finished(1, true))
                  .add(kSlot2 | kSlow | kSend | kSettle, finished(1, true))
                  .bytes());
  ok &= write(dir, "script_second_stream_for_a_connected_work",
              Script()
                  .add(kSlot0 | kHello | kSettle)
                  .add(kSlot1 | kHello | kSettle)
                  .add(kSlot0 | kClose | kSettle)
                  .add(kSlot0 | kSend, started(1))
                  .add(kSlot2 | kHello | kSend | kSettle, started(1))
                  .bytes());
  ok &= write(dir, "script_deltas_out_of_order",
              Script()
                  .add(kSlot0 | kHello | kSend, delta(5, set_count))
                  .add(kSlot0 | kSend, delta(1, R"([{"op":"replace","path":"/text","value":"x"}])"))
                  .add(kSlot0 | kSend | kSettle, delta(2, many_ops))
                  .bytes());
  ok &= write(dir, "script_slow_asks_to_stop_the_app",
              Script()
                  .add(kSlot1 | kSlow | kHello | kSend, started(1))
                  .add(kSlot1 | kSlow | kSend,
                       delta(1, R"([{"op":"replace","path":"/text","value":"stop"}])"))
                  .add(kSlot1 | kSlow | kSend | kSettle, finished(1, true))
                  .add(kSlot0 | kHello | kSend | kSettle, delta(1, set_count))
                  .bytes());
  ok &= write(dir, "script_slow_asks_the_app_to_fail",
              Script()
                  .add(kSlot1 | kSlow | kHello | kSend,
                       delta(1, R"([{"op":"replace","path":"/text","value":"fail"}])"))
                  .add(kSlot1 | kSlow | kSend, started(1))
                  .add(kSlot1 | kSlow | kSend | kSettle, finished(1, true))
                  .bytes());
  ok &= write(dir, "script_negative_count_stops_slow",
              Script()
                  .add(kSlot1 | kSlow | kHello | kSend | kSettle, started(1))
                  .add(kSlot0 | kHello | kSend | kSettle,
                       delta(1, R"([{"op":"replace","path":"/count","value":-1}])"))
                  .add(kSlot1 | kSlow | kSend | kSettle, finished(1, true))
                  .bytes());
  ok &= write(dir, "script_unknown_call_ids",
              Script()
                  .add(kSlot0 | kHello | kSend, started(99))
                  .add(kSlot0 | kSend, finished(99, false))
                  .add(kSlot0 | kSend | kSettle, hello("not-the-token", 1))
                  .bytes());
  ok &= write(dir, "script_message_before_hello",
              Script()
                  .add(kSlot3 | kSend, delta(1, set_count))
                  .add(kSlot3 | kHello | kSettle)
                  .add(kSlot3 | kClose | kExit | kSettle, "")
                  .bytes());
  ok &= write(dir, "script_flow_writes_back",
              Script()
                  .add(kSlot0 | kHello | kSend | kSettle,
                       delta(1, R"([{"op":"replace","path":"/text","value":"mine"}])"))
                  .add(kSlot0 | kSend | kSettle, delta(2, set_count))
                  .add(kSlot0 | kSend | kSettle, error_report("delta version 1, expected 2"))
                  .bytes());
  if (!ok) {
    std::fprintf(stderr, "could not write the seeds into %s\n", dir.c_str());
    return 1;
  }
  return 0;
}
