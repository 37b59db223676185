// Tests of the worker pool: report lines and the done line reach the supervisor, a worker killed by
// a signal or by the watchdog is reaped as such, and abandoned workers are marked.
#include "harness/run/worker_pool.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mapfault {
namespace {

using namespace worker_internal;

struct Seen {
  std::vector<std::string> lines;
  std::vector<WorkerExit> exits;
  uint64_t current_trial_at_exit = kNoTrial;
};

// Polls until every worker exited.
void RunToEnd(WorkerPool& pool, Seen& seen) {
  const WorkerPool::Events events{
      [&](const TrialBatch&, const std::string& line) { seen.lines.push_back(line); },
      [&](const WorkerExit& e) {
        seen.current_trial_at_exit = e.slot->current_trial.load();
        seen.exits.push_back(e);
      }};
  while (!pool.Empty()) pool.Poll(events);
}

TEST(WorkerPoolTest, LinesAndTheDoneLineArriveAndTheExitIsClean) {
  WorkerPool pool(2, 10, [](const TrialBatch& b, WorkerSlot* slot, int fd) {
    WriteAll(fd, "{\"t\":" + std::to_string(b.begin) + "}\n");
    slot->done.store(b.end - b.begin);
    ReportBatchDone(fd, b.end - b.begin);
    _exit(0);
  });
  EXPECT_TRUE(pool.HasRoom());
  pool.Spawn({0, 3, 7});
  pool.Spawn({1, 0, 2});
  EXPECT_FALSE(pool.HasRoom());
  Seen seen;
  RunToEnd(pool, seen);
  ASSERT_EQ(seen.exits.size(), 2u);
  EXPECT_EQ(seen.lines.size(), 2u);  // the done lines are the pool's own
  for (const WorkerExit& e : seen.exits) {
    EXPECT_TRUE(e.Clean());
    EXPECT_EQ(e.done_count, e.batch.end - e.batch.begin);
    EXPECT_FALSE(e.abandoned);
  }
}

TEST(WorkerPoolTest, AWorkerKilledByASignalIsNotClean) {
  WorkerPool pool(1, 10, [](const TrialBatch& b, WorkerSlot* slot, int) {
    slot->started_ns.store(NowNs());
    slot->current_trial.store(b.begin + 1);
    raise(SIGKILL);
  });
  pool.Spawn({0, 10, 20});
  Seen seen;
  RunToEnd(pool, seen);
  ASSERT_EQ(seen.exits.size(), 1u);
  const WorkerExit& e = seen.exits[0];
  EXPECT_FALSE(e.Clean());
  EXPECT_TRUE(WIFSIGNALED(e.status));
  EXPECT_FALSE(e.watchdog_killed);
  EXPECT_EQ(seen.current_trial_at_exit, 11u);
}

TEST(WorkerPoolTest, TheWatchdogKillsATrialThatOverruns) {
  WorkerPool pool(1, 0.05, [](const TrialBatch& b, WorkerSlot* slot, int) {
    slot->started_ns.store(NowNs());
    slot->current_trial.store(b.begin);
    for (;;) pause();
  });
  pool.Spawn({0, 0, 1});
  Seen seen;
  RunToEnd(pool, seen);
  ASSERT_EQ(seen.exits.size(), 1u);
  EXPECT_TRUE(seen.exits[0].watchdog_killed);
  EXPECT_FALSE(seen.exits[0].Clean());
}

TEST(WorkerPoolTest, AbandonedWorkersAreKilledAndMarked) {
  WorkerPool pool(1, 100, [](const TrialBatch&, WorkerSlot*, int) {
    for (;;) pause();
  });
  pool.Spawn({0, 0, 1});
  EXPECT_TRUE(pool.AbandonAll());
  EXPECT_FALSE(pool.AbandonAll());  // already abandoned
  Seen seen;
  RunToEnd(pool, seen);
  ASSERT_EQ(seen.exits.size(), 1u);
  EXPECT_TRUE(seen.exits[0].abandoned);
  EXPECT_FALSE(seen.exits[0].watchdog_killed);
}

}  // namespace
}  // namespace mapfault
