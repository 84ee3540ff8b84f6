// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// StateWriter (POST /api/v1/state): which patches it refuses with which
// status, the per-field version check behind 409, and that an accepted patch
// is applied as one published batch.
#include "http/state_write.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/runtime.hpp"
#include "lightning/flow.hpp"
#include "lightning/state.hpp"

namespace unit_http {
namespace {

using lightning::External;
using lightning::Json;
using lightning::State;
using lightning::http::StateWriter;
using lightning::http::WriteOutcome;
using lightning::runtime::StateBatch;
using lightning::runtime::StatePublisher;

struct TunedWork : lightning::Work {
  State<int> target{this, "target", 10, External::kWritable};
  State<int> done{this, "done", 0};
  void run(const Json&) override {}
};

struct WriteFlow : lightning::Flow {
  State<double> lr{this, "lr", 0.001, External::kWritable};
  State<std::vector<int>> sizes{this, "sizes", {1, 2}, External::kWritable};
  State<std::string> label{this, "label", "fixed"};
  TunedWork& w = add_work<TunedWork>("w");
  void run() override {}
};

/// The controller's part: every change goes to the publisher, and is counted.
class PublishingRuntime final : public lightning::detail::Runtime {
 public:
  explicit PublishingRuntime(StatePublisher& publisher) : publisher_(publisher) {}
  void attach(lightning::Component& root) { attach_tree(root, this); }
  void on_field_changed(lightning::Component& owner, const lightning::StateFieldBase& field,
                        Json value) override {
    publisher_.field_changed(owner, field, value);
    ++changes;
  }
  int changes = 0;

 private:
  StatePublisher& publisher_;
};

class RecordingObserver final : public lightning::runtime::StateObserver {
 public:
  void on_state_batch(const StateBatch& batch) override { batches.push_back(batch); }
  std::vector<StateBatch> batches;
};

class StateWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    runtime_.attach(flow_);
    publisher_.add_observer(&observer_);
    writer_.start();
  }

  WriteOutcome write(uint64_t version, const std::string& patch) {
    return writer_.write(R"({"version":)" + std::to_string(version) + R"(,"patch":)" + patch + "}");
  }
  static std::string message(const WriteOutcome& out) {
    return out.body.at("error").at("message").get<std::string>();
  }

  WriteFlow flow_;
  StatePublisher publisher_;
  PublishingRuntime runtime_{publisher_};
  RecordingObserver observer_;
  StateWriter writer_{flow_, publisher_, runtime_};
};

TEST_F(StateWriterTest, ReplaceOfAWritableFieldIsAppliedAsOneBatch) {
  const WriteOutcome out = write(0, R"([{"op":"replace","path":"/vars/lr","value":0.5},
                                       {"op":"replace","path":"/works/w/vars/target","value":3}])");
  ASSERT_EQ(out.status, 200u) << out.body.dump();
  EXPECT_EQ(out.body, Json({{"version", 2}}));
  EXPECT_DOUBLE_EQ(flow_.lr.get(), 0.5);
  EXPECT_EQ(flow_.w.target.get(), 3);
  ASSERT_EQ(observer_.batches.size(), 1u);
  EXPECT_EQ(observer_.batches[0].patch.size(), 2u);
}

TEST_F(StateWriterTest, AddInsideAWritableListAppends) {
  const WriteOutcome out = write(0, R"([{"op":"add","path":"/vars/sizes/-","value":3}])");
  ASSERT_EQ(out.status, 200u) << out.body.dump();
  EXPECT_EQ(flow_.sizes.get(), (std::vector<int>{1, 2, 3}));
}

TEST_F(StateWriterTest, AnEqualValueChangesNothingAndKeepsTheVersion) {
  const WriteOutcome out =
      write(0, R"([{"op":"replace","path":"/works/w/vars/target","value":10}])");
  ASSERT_EQ(out.status, 200u) << out.body.dump();
  EXPECT_EQ(out.body.at("version"), 0);
  EXPECT_EQ(runtime_.changes, 0);
}

TEST_F(StateWriterTest, AReadOnlyFieldIs403AndSaysHowToDeclareItWritable) {
  const WriteOutcome out = write(0, R"([{"op":"replace","path":"/vars/label","value":"x"}])");
  EXPECT_EQ(out.status, 403u);
  EXPECT_NE(message(out).find("External::kWritable"), std::string::npos) << message(out);
  EXPECT_EQ(flow_.label.get(), "fixed");
}

TEST_F(StateWriterTest, AWorksStatusIsReadOnly) {
  const WriteOutcome out = write(0, R"([{"op":"replace","path":"/works/w/status","value":{}}])");
  EXPECT_EQ(out.status, 403u) << out.body.dump();
}

TEST_F(StateWriterTest, RemoveMoveAndCopyAre403) {
  for (const char* op : {R"({"op":"remove","path":"/vars/lr"})",
                         R"({"op":"move","from":"/vars/lr","path":"/vars/sizes"})",
                         R"({"op":"copy","from":"/vars/lr","path":"/vars/sizes"})"}) {
    EXPECT_EQ(write(0, std::string("[") + op + "]").status, 403u) << op;
  }
}

TEST_F(StateWriterTest, UnknownFieldsAndComponentsAre404) {
  EXPECT_EQ(write(0, R"([{"op":"replace","path":"/vars/nope","value":1}])").status, 404u);
  EXPECT_EQ(write(0, R"([{"op":"replace","path":"/works/nope/vars/x","value":1}])").status, 404u);
  EXPECT_EQ(write(0, R"([{"op":"replace","path":"/nope","value":1}])").status, 404u);
  const WriteOutcome out = write(0, R"([{"op":"replace","path":"/vars/nope","value":1}])");
  EXPECT_NE(message(out).find("lr"), std::string::npos) << "lists the fields: " << message(out);
}

TEST_F(StateWriterTest, AValueOfTheWrongTypeIs422NamingThePathAndType) {
  const WriteOutcome out =
      write(0, R"([{"op":"replace","path":"/works/w/vars/target","value":"ten"}])");
  EXPECT_EQ(out.status, 422u);
  EXPECT_NE(message(out).find("/works/w/vars/target"), std::string::npos) << message(out);
  EXPECT_NE(message(out).find("integer"), std::string::npos) << message(out);
  EXPECT_EQ(write(0, R"([{"op":"replace","path":"/works/w/vars/target","value":1.5}])").status,
            422u);
  EXPECT_EQ(flow_.w.target.get(), 10);
}

TEST_F(StateWriterTest, MalformedBodiesAndPatchesAre400) {
  for (const char* body :
       {"not json", "[]", R"({"patch":[]})", R"({"version":-1,"patch":[]})",
        R"({"version":0,"patch":{}})", R"({"version":0,"patch":[1]})",
        R"({"version":0,"patch":[{"op":"replace"}]})",
        R"({"version":0,"patch":[{"op":"frobnicate","path":"/vars/lr","value":1}]})",
        R"({"version":0,"patch":[{"op":"replace","path":"/vars/lr"}]})",
        R"({"version":0,"patch":[{"op":"replace","path":"vars/lr","value":1}]})"}) {
    const WriteOutcome out = writer_.write(body);
    EXPECT_EQ(out.status, 400u) << body << " -> " << out.body.dump();
    EXPECT_TRUE(out.body.at("error").at("message").is_string());
  }
}

TEST_F(StateWriterTest, AStaleVersionIs409OnlyWhenATouchedFieldChangedSince) {
  flow_.lr = 0.25;        // version 1
  flow_.label = "moved";  // version 2: another field
  // Touches lr, which changed at 1, after 0: refused, with the current version.
  WriteOutcome out = write(0, R"([{"op":"replace","path":"/vars/lr","value":0.5}])");
  EXPECT_EQ(out.status, 409u);
  EXPECT_EQ(out.body.at("version"), 2);
  EXPECT_DOUBLE_EQ(flow_.lr.get(), 0.25);
  // Made at 1: lr has not changed since, label has (untouched): applied.
  out = write(1, R"([{"op":"replace","path":"/vars/lr","value":0.5}])");
  EXPECT_EQ(out.status, 200u) << out.body.dump();
  EXPECT_DOUBLE_EQ(flow_.lr.get(), 0.5);
  // A field that never changed accepts any version.
  EXPECT_EQ(write(0, R"([{"op":"replace","path":"/works/w/vars/target","value":4}])").status, 200u);
}

TEST_F(StateWriterTest, AVersionFromTheFutureIs409) {
  const WriteOutcome out = write(99, R"([{"op":"replace","path":"/vars/lr","value":0.5}])");
  EXPECT_EQ(out.status, 409u);
  EXPECT_EQ(out.body.at("version"), 0);
}

TEST_F(StateWriterTest, AFailedTestOpIs422AndAppliesNothing) {
  const WriteOutcome out = write(0, R"([{"op":"replace","path":"/vars/lr","value":0.5},
                                       {"op":"test","path":"/vars/label","value":"other"}])");
  EXPECT_EQ(out.status, 422u) << out.body.dump();
  EXPECT_DOUBLE_EQ(flow_.lr.get(), 0.001);
}

}  // namespace
}  // namespace unit_http
