// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// WorkOptions are checked where they are set: a value out of range throws
// std::invalid_argument, at the line that sets it, saying what is allowed.
#include <gtest/gtest.h>

#include <chrono>
#include <initializer_list>
#include <stdexcept>
#include <string>

#include "lightning/work.hpp"

namespace unit_core {
namespace {

using lightning::WorkOptions;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

// Expects `fn` to throw std::invalid_argument whose message contains every needle.
template <class Fn>
void expect_rejected(Fn fn, std::initializer_list<const char*> needles) {
  try {
    fn();
    ADD_FAILURE() << "expected std::invalid_argument";
  } catch (const std::invalid_argument& e) {
    for (const char* needle : needles) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos)
          << "message: " << e.what() << "\nexpected to contain: " << needle;
    }
  }
}

TEST(WorkOptionsValidationTest, NegativeRetriesSayTheRangeAndTheValue) {
  expect_rejected([] { WorkOptions().retries(-1); },
                  {"WorkOptions::retries(-1)", ">= 0", "at most 100"});
}

TEST(WorkOptionsValidationTest, AbsurdRetriesSuggestCallingAgainFromTheFlow) {
  expect_rejected([] { WorkOptions().retries(1000000); },
                  {"retries(1000000)", "raise_exception(false)"});
  EXPECT_EQ(WorkOptions().retries(WorkOptions::kMaxRetries).retries(), 100);
}

TEST(WorkOptionsValidationTest, NegativeTimeoutIsRejectedAndZeroMeansNone) {
  expect_rejected([] { WorkOptions().timeout(milliseconds(-5)); },
                  {"WorkOptions::timeout(-5 ms)", ">= 0", "0 = no timeout"});
  EXPECT_EQ(WorkOptions().timeout(milliseconds(0)).timeout(), milliseconds(0));
}

TEST(WorkOptionsValidationTest, TimeoutBeyondAYearIsRejected) {
  expect_rejected([] { WorkOptions().timeout(milliseconds::max()); }, {"at most 365 days"});
  EXPECT_EQ(WorkOptions().timeout(hours(24 * 365)).timeout(), WorkOptions::kMaxTimeout);
}

TEST(WorkOptionsValidationTest, NegativeOrHugeGracePeriodIsRejected) {
  expect_rejected([] { WorkOptions().grace_period(milliseconds(-1)); },
                  {"WorkOptions::grace_period(-1 ms)", "0 = SIGKILL at once"});
  expect_rejected([] { WorkOptions().grace_period(hours(2)); }, {"at most 1 hour"});
  EXPECT_EQ(WorkOptions().grace_period(milliseconds(0)).grace_period(), milliseconds(0));
}

TEST(WorkOptionsValidationTest, NegativeOrHugeStartTimeoutIsRejected) {
  expect_rejected([] { WorkOptions().start_timeout(milliseconds(-1)); },
                  {"WorkOptions::start_timeout(-1 ms)", "0 = the app's --start-timeout"});
  expect_rejected([] { WorkOptions().start_timeout(hours(2)); }, {"at most 1 hour"});
  EXPECT_EQ(WorkOptions().start_timeout(hours(1)).start_timeout(), WorkOptions::kMaxStartTimeout);
  EXPECT_EQ(WorkOptions().start_timeout(), milliseconds(0)) << "0 by default: the app's";
  EXPECT_EQ(WorkOptions().start_timeout(milliseconds(1500)).to_json().at("start_timeout_ms"), 1500);
}

TEST(WorkOptionsValidationTest, NegativeOrHugeRetryBackoffIsRejected) {
  expect_rejected([] { WorkOptions().retry_backoff(milliseconds(-100)); },
                  {"WorkOptions::retry_backoff(-100 ms)", ">= 0"});
  expect_rejected([] { WorkOptions().retry_backoff(minutes(6)); }, {"at most 5 min"});
  EXPECT_EQ(WorkOptions().retry_backoff(minutes(5)).retry_backoff(), minutes(5));
}

TEST(WorkOptionsValidationTest, EnvNameThatIsNotAPosixNameIsRejectedWithAnExample) {
  expect_rejected(
      [] {
        WorkOptions().env({{"MY-VAR", "1"}});
      },
      {"'MY-VAR' is not an environment variable name", "'MY_VAR'"});
  expect_rejected([] { WorkOptions().env({{"A=B", "1"}}); }, {"'A=B'"});
  expect_rejected([] { WorkOptions().env({{"1ST", "1"}}); }, {"not starting with a digit"});
  expect_rejected([] { WorkOptions().env({{"", "1"}}); }, {"'' is not"});
}

TEST(WorkOptionsValidationTest, EnvValueWithANulByteIsRejected) {
  expect_rejected(
      [] {
        WorkOptions().env({{"TOKEN", std::string("a\0b", 3)}});
      },
      {"value of 'TOKEN'", "NUL"});
}

TEST(WorkOptionsValidationTest, ValidEnvIsKeptAsGiven) {
  const auto options = WorkOptions().env({{"_PRIVATE", ""}, {"CUDA_VISIBLE_DEVICES", "0,1"}});
  EXPECT_EQ(options.env().at("CUDA_VISIBLE_DEVICES"), "0,1");
  EXPECT_EQ(options.env().at("_PRIVATE"), "");
}

TEST(WorkOptionsValidationTest, ARejectedValueLeavesThePreviousOne) {
  WorkOptions options;
  options.timeout(milliseconds(250));
  EXPECT_THROW(options.timeout(milliseconds(-1)), std::invalid_argument);
  EXPECT_EQ(options.timeout(), milliseconds(250));
}

// ------------------------------------------- from_json (the journal's reader)

TEST(WorkOptionsFromJsonTest, ReadsBackWhatToJsonWritesForEveryOption) {
  const WorkOptions options = WorkOptions()
                                  .parallel(true)
                                  .cache_calls(false)
                                  .retries(3)
                                  .retry_backoff(milliseconds(250))
                                  .timeout(minutes(2))
                                  .raise_exception(false)
                                  .grace_period(milliseconds(0))
                                  .max_cached_calls(7)
                                  .start_timeout(milliseconds(1500))
                                  .env({{"K", "v"}, {"EMPTY", ""}})
                                  .compute(lightning::Compute().cpus(2).gpus(1));
  const WorkOptions back = WorkOptions::from_json(options.to_json());
  EXPECT_EQ(back.to_json(), options.to_json());
  EXPECT_TRUE(back.parallel());
  EXPECT_EQ(back.timeout(), minutes(2));
  EXPECT_EQ(back.env().at("K"), "v");
  EXPECT_EQ(back.compute().gpus(), 1);
  // Absent keys keep their defaults.
  EXPECT_EQ(WorkOptions::from_json(lightning::Json::object()).to_json(), WorkOptions().to_json());
}

TEST(WorkOptionsFromJsonTest, RefusesWhatTheSettersRefuseAndWhatIsNotAnOption) {
  using lightning::Json;
  expect_rejected([] { WorkOptions::from_json(Json::array()); },
                  {"WorkOptions::from_json: ", "expected an object"});
  expect_rejected([] { WorkOptions::from_json(Json{{"retries", -1}}); },
                  {"WorkOptions::from_json: ", "WorkOptions::retries(-1)"});
  expect_rejected([] { WorkOptions::from_json(Json{{"retries", 1e30}}); },
                  {"\"retries\" must be an integer"});
  expect_rejected([] { WorkOptions::from_json(Json{{"max_cached_calls", 1LL << 40}}); },
                  {"WorkOptions::max_cached_calls("});
  expect_rejected([] { WorkOptions::from_json(Json{{"timeout_ms", "1s"}}); },
                  {"\"timeout_ms\" must be an integer (milliseconds)"});
  expect_rejected([] { WorkOptions::from_json(Json{{"parallel", 1}}); },
                  {"\"parallel\" must be true or false"});
  expect_rejected([] { WorkOptions::from_json(Json{{"env", Json{{"1BAD", "x"}}}}); },
                  {"WorkOptions::env"});
  expect_rejected([] { WorkOptions::from_json(Json{{"env", Json{{"K", 1}}}}); },
                  {"\"env\" must be an object of strings"});
  expect_rejected([] { WorkOptions::from_json(Json{{"compute", Json{{"gpus", -1}}}}); },
                  {"Compute::from_json: gpus"});
  expect_rejected([] { WorkOptions::from_json(Json{{"colour", "red"}}); },
                  {"unknown option \"colour\""});
}

}  // namespace
}  // namespace unit_core
