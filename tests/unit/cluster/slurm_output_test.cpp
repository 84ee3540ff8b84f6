// Copyright 2026 The Lightning for C++ Authors. SPDX-License-Identifier: Apache-2.0
// Readers of sbatch/squeue/scontrol output (src/cluster/slurm_output.*), on
// what Slurm 22.05 prints and on garbage.
#include "cluster/slurm_output.hpp"

#include <gtest/gtest.h>

namespace lightning::cluster {
namespace {

TEST(SbatchOutputTest, ReadsTheJobIdAndTheCluster) {
  auto job = parse_sbatch_parsable("1234\n");
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(job->id, "1234");
  EXPECT_EQ(job->cluster, "");
  job = parse_sbatch_parsable("77;big-cluster\n");
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->id, "77");
  EXPECT_EQ(job->cluster, "big-cluster");
  // A site wrapper's notice before the id, CRLF, blanks around it.
  job = parse_sbatch_parsable("Notice: your project has 10 hours left\r\n  42  \r\n\n");
  ASSERT_TRUE(job.ok()) << job.status().message();
  EXPECT_EQ(job->id, "42");
}

TEST(SbatchOutputTest, RefusesWhatIsNotAJobIdQuotingIt) {
  for (const char* bad : {"", "\n\n", "Submitted batch job 12", "12a", "-3", "12;", ";x", "12;a b",
                          "99999999999999999999", "12;x;y"}) {
    auto job = parse_sbatch_parsable(bad);
    EXPECT_FALSE(job.ok()) << bad;
    if (!job.ok()) EXPECT_EQ(job.status().code(), StatusCode::kInvalidArgument);
  }
  auto job = parse_sbatch_parsable("Submitted batch job 12\n");
  EXPECT_NE(job.status().message().find("'Submitted batch job 12'"), std::string::npos)
      << job.status().message();
  // Control bytes and long output are not copied into the message as they are.
  job = parse_sbatch_parsable(std::string("x\x1b[31m") + std::string(1000, 'y'));
  ASSERT_FALSE(job.ok());
  EXPECT_EQ(job.status().message().find('\x1b'), std::string::npos);
  EXPECT_LT(job.status().message().size(), 300u);
}

TEST(SqueueOutputTest, ReadsTheRowOfTheJob) {
  auto row = parse_squeue("5|PENDING|Resources|\n7|RUNNING|None|gpu[01-03],login-2\n", "7");
  ASSERT_TRUE(row.ok()) << row.status().message();
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->job_id, "7");
  EXPECT_EQ((*row)->state, "RUNNING");
  EXPECT_EQ((*row)->reason, "None");
  EXPECT_EQ((*row)->node_list, "gpu[01-03],login-2");
  row = parse_squeue("5|PENDING|Resources|\n", "5");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->reason, "Resources");
  EXPECT_EQ((*row)->node_list, "");
}

TEST(SqueueOutputTest, AReasonMayHaveSpacesAndBars) {
  auto row = parse_squeue("9|PENDING|launch failed requeued held|x||\n", "9");
  ASSERT_TRUE(row.ok()) << row.status().message();
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->reason, "launch failed requeued held|x|");
  EXPECT_EQ((*row)->node_list, "");
}

TEST(SqueueOutputTest, SkipsHeadersAndOtherJobsAndSaysWhenTheJobIsNotListed) {
  auto row = parse_squeue("CLUSTER: big\n12|RUNNING|None|n1\n", "12");
  ASSERT_TRUE(row.ok());
  EXPECT_TRUE(row->has_value());
  row = parse_squeue("", "12");
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value());
  row = parse_squeue("120|RUNNING|None|n1\n1|RUNNING|None|n1\n", "12");
  ASSERT_TRUE(row.ok());
  EXPECT_FALSE(row->has_value());
}

TEST(SqueueOutputTest, RefusesAMalformedRowOfTheJob) {
  for (const char* bad :
       {"12|RUNNING\n", "12|running|None|n1\n", "12||None|n1\n", "12|RUNNING|None|n 1\n",
        "12|RUNNING|None|n1;rm\n", "12|RUNNING|bad\x01reason|n1\n"}) {
    auto row = parse_squeue(bad, "12");
    EXPECT_FALSE(row.ok()) << bad;
    if (!row.ok()) EXPECT_NE(row.status().message().find("squeue printed"), std::string::npos);
  }
}

TEST(HostnamesOutputTest, ReadsOneNamePerLine) {
  auto names = parse_hostnames("gpu01\ngpu02\nlogin-2.cluster\n");
  ASSERT_TRUE(names.ok()) << names.status().message();
  EXPECT_EQ(*names, (std::vector<std::string>{"gpu01", "gpu02", "login-2.cluster"}));
}

TEST(HostnamesOutputTest, RefusesNothingAndGarbage) {
  EXPECT_FALSE(parse_hostnames("").ok());
  EXPECT_FALSE(parse_hostnames("\n \n").ok());
  EXPECT_FALSE(parse_hostnames("gpu01\nnot a host\n").ok());
  EXPECT_FALSE(parse_hostnames("gpu[01-02]\n").ok());
  EXPECT_FALSE(parse_hostnames(std::string(300, 'a')).ok());
}

TEST(JobStateTest, EndedStatesAreNotActiveAndUnknownOnesAre) {
  for (const char* s : {"PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED", "REQUEUED",
                        "SOMETHING_NEW"}) {
    EXPECT_TRUE(is_active_job_state(s)) << s;
  }
  for (const char* s : {"COMPLETED", "CANCELLED", "FAILED", "TIMEOUT", "NODE_FAIL", "PREEMPTED",
                        "BOOT_FAIL", "DEADLINE", "OUT_OF_MEMORY", "REVOKED"}) {
    EXPECT_FALSE(is_active_job_state(s)) << s;
  }
}

TEST(JobStateTest, AJobIsRequeuedOnlyWhenItsNodesWereTakenAwayNotWhenItWasRefusedOrCancelled) {
  for (const char* s : {"TIMEOUT", "PREEMPTED", "NODE_FAIL", "COMPLETED"}) {
    EXPECT_TRUE(job_may_requeue(s)) << s;
  }
  for (const char* s : {"CANCELLED", "FAILED", "OUT_OF_MEMORY", "BOOT_FAIL", "DEADLINE", "REVOKED",
                        "RUNNING", "PENDING", "GONE", ""}) {
    EXPECT_FALSE(job_may_requeue(s)) << s;
  }
}

}  // namespace
}  // namespace lightning::cluster
