// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// How fuzz_worker_message reads its input the second time, as a script of
// records, and how make_seeds writes one. (The first reading is the whole
// input as one v1::WorkerMessage.)
//
//   record := ctl:u8 len:u16 little-endian payload[len]   (a short tail is cut)
//
// ctl, bit by bit; the steps run in this order:
//   0-1  the stream slot (0..3) the record is about
//   3    the work it is about: 0 "root.fast" (parallel), 1 "root.slow"
//   2    first say a valid Hello on the slot for the work's latest process
//   4    send the payload on the slot, as a v1::WorkerMessage (if it parses)
//   6    the work's latest process prints the payload as a stderr line and
//        exits: code 0 or 1, or killed by SIGKILL (payload size % 3)
//   5    the slot's stream ends (the controller sees it closed) and a new one opens
//   7    run the controller's loop until nothing is ready
// The loop also runs until nothing is ready after the last record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace lightning::fuzz::script {

inline constexpr uint8_t kSlotMask = 0x03;
inline constexpr uint8_t kHelloFirst = 0x04;
inline constexpr uint8_t kSlowWork = 0x08;
inline constexpr uint8_t kSend = 0x10;
inline constexpr uint8_t kCloseStream = 0x20;
inline constexpr uint8_t kProcessExits = 0x40;
inline constexpr uint8_t kSettle = 0x80;
inline constexpr size_t kHeaderSize = 3;
inline constexpr int kSlots = 4;

inline constexpr const char* kFastWork = "root.fast";
inline constexpr const char* kSlowWorkPath = "root.slow";

/// Appends one record to `out`.
inline void append_record(std::string* out, uint8_t ctl, const std::string& payload) {
  const size_t len = payload.size() < 0xffff ? payload.size() : 0xffff;
  out->push_back(static_cast<char>(ctl));
  out->push_back(static_cast<char>(len & 0xff));
  out->push_back(static_cast<char>((len >> 8) & 0xff));
  out->append(payload, 0, len);
}

}  // namespace lightning::fuzz::script
