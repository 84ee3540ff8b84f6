// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
#include "util/process_usage.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace lightning::util {
namespace {

TEST(ProcessUsageTest, CpuTicksAreUtimePlusStimeEvenWithOddCommandNames) {
  // Fields 14 and 15 are 7 and 5; the name holds spaces and ") (".
  const char* stat =
      "4242 (a) (b c) S 1 4242 4242 0 -1 4194304 100 0 0 0 7 5 0 0 20 0 1 0 12345 1000 20 "
      "18446744073709551615";
  EXPECT_EQ(parse_stat_cpu_ticks(stat), 12u);
  EXPECT_FALSE(parse_stat_cpu_ticks("4242 (a) S 1 2").has_value());
  EXPECT_FALSE(parse_stat_cpu_ticks("garbage").has_value());
  EXPECT_EQ(parse_statm_resident_pages("1000 379 200 10 0 150 0"), 379u);
  EXPECT_FALSE(parse_statm_resident_pages("1000").has_value());
}

TEST(ProcessUsageTest, StartTimeIsField22AndAZombieHasNone) {
  // Field 22 is 12345; the name holds spaces and ") (".
  const std::string stat =
      "4242 (a) (b c) S 1 4242 4242 0 -1 4194304 100 0 0 0 7 5 0 0 20 0 1 0 12345 1000 20 "
      "18446744073709551615";
  EXPECT_EQ(parse_stat_start_time(stat), 12345u);
  std::string zombie = stat;
  zombie[zombie.find(") S ") + 2] = 'Z';
  EXPECT_FALSE(parse_stat_start_time(zombie).has_value());
  EXPECT_FALSE(parse_stat_start_time("4242 (a) S 1 2").has_value());
  EXPECT_TRUE(read_process_start_time(::getpid()).has_value());
  EXPECT_FALSE(read_process_start_time(0).has_value());
}

TEST(ProcessUsageTest, ThisProcessHasResidentMemoryAndGrowingCpuTime) {
  auto usage = read_process_usage(static_cast<int>(::getpid()));
  ASSERT_TRUE(usage.has_value());
  EXPECT_GT(usage->resident_bytes, 1u << 20);
  EXPECT_GE(usage->cpu_seconds, 0.0);
  EXPECT_FALSE(read_process_usage(-1).has_value());
  EXPECT_FALSE(read_process_usage(0).has_value());
}

}  // namespace
}  // namespace lightning::util
