// Tests of the run's work queue: shard slices, automatic batch sizes, round robin, retries first,
// dropped cells.
#include "harness/run/batch_queue.h"

#include <vector>

#include "gtest/gtest.h"

namespace mapfault {
namespace {

std::vector<TrialBatch> Drain(BatchQueue& q) {
  std::vector<TrialBatch> out;
  while (q.Pending()) out.push_back(q.Next());
  return out;
}

TEST(BatchQueueTest, ShardSlicesPartitionTheTrials) {
  uint64_t next = 0;
  for (int i = 0; i < 3; ++i) {
    const ShardSlice s = SliceForShard(10, i, 3);
    EXPECT_EQ(s.begin, next);
    next = s.end;
  }
  EXPECT_EQ(next, 10u);
  EXPECT_EQ(SliceForShard(10, 0, 1).end, 10u);
}

TEST(BatchQueueTest, BatchesGoRoundRobinOverTheCells) {
  BatchQueue q({5, 3}, {.batch = 2});
  EXPECT_EQ(q.planned(), 8u);
  const std::vector<TrialBatch> want = {{0, 0, 2}, {1, 0, 2}, {0, 2, 4}, {1, 2, 3}, {0, 4, 5}};
  EXPECT_EQ(Drain(q), want);
  EXPECT_EQ(q.Planned(0), 5u);
  EXPECT_EQ(q.Planned(1), 3u);
}

TEST(BatchQueueTest, AutomaticBatchSizeIsClampedFromTheSliceAndJobs) {
  BatchQueue small({100}, {.jobs = 4});
  EXPECT_EQ(small.Next(), (TrialBatch{0, 0, 64}));  // at least 64
  BatchQueue big({1000000}, {.jobs = 1});
  EXPECT_EQ(big.Next(), (TrialBatch{0, 0, 2000}));  // at most 2000
  BatchQueue mid({8000}, {.jobs = 2});
  EXPECT_EQ(mid.Next(), (TrialBatch{0, 0, 1000}));  // trials / (jobs * 4)
}

TEST(BatchQueueTest, GrownBatchesTakeAtMostAJobsShareOfWhatIsLeftAndNeverShrink) {
  BatchQueue q({10000}, {.jobs = 2});
  EXPECT_EQ(q.Next(), (TrialBatch{0, 0, 1250}));  // 10000 / (2 x 4)
  q.GrowBatch(0, 100);                            // smaller than now: unchanged
  EXPECT_EQ(q.Next(), (TrialBatch{0, 1250, 2500}));
  q.GrowBatch(0, 1000000);  // a jobs-th of the 7500 left
  EXPECT_EQ(q.Next(), (TrialBatch{0, 2500, 6250}));
  q.GrowBatch(0, 3000);  // 3750 left: half is 1875, below the batch of 3750 already
  EXPECT_EQ(q.Next(), (TrialBatch{0, 6250, 10000}));
  EXPECT_FALSE(q.Pending());
  // A batch size given by the caller (--batch) stays.
  BatchQueue fixed({10000}, {.batch = 100, .jobs = 2});
  fixed.GrowBatch(0, 5000);
  EXPECT_EQ(fixed.Next(), (TrialBatch{0, 0, 100}));
  EXPECT_EQ(fixed.Next(), (TrialBatch{0, 100, 200}));
}

TEST(BatchQueueTest, ShardRunsOnlyItsSlice) {
  BatchQueue q({10}, {.shard_index = 1, .shard_count = 2, .batch = 100});
  EXPECT_EQ(q.planned(), 5u);
  EXPECT_EQ(Drain(q), (std::vector<TrialBatch>{{0, 5, 10}}));
}

TEST(BatchQueueTest, RetriedRestGoesFirstAndDroppingACellDropsItsRetries) {
  BatchQueue q({4, 4}, {.batch = 2});
  EXPECT_EQ(q.Next(), (TrialBatch{0, 0, 2}));
  q.RetryFirst({0, 1, 2});
  q.RetryFirst({1, 3, 4});
  EXPECT_EQ(q.Next(), (TrialBatch{1, 3, 4}));
  q.DropCell(0);  // its retry and its remaining trials go
  EXPECT_EQ(Drain(q), (std::vector<TrialBatch>{{1, 0, 2}, {1, 2, 4}}));
  q.RetryFirst({1, 0, 1});
  q.DropAll();
  EXPECT_FALSE(q.Pending());
}

}  // namespace
}  // namespace mapfault
