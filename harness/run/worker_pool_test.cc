// Tests of the worker pool: report lines and the done line reach the supervisor, a worker killed by
// a signal or by the watchdog is reaped as such, abandoned workers are marked, and a worker handed
// further batches runs them in one process, each reported as its own clean exit.
#include "harness/run/worker_pool.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace mapfault {
namespace {

using namespace worker_internal;

struct Seen {
  std::vector<std::string> lines;
  std::vector<uint64_t> hashes;
  std::vector<WorkerExit> exits;
  uint64_t current_trial_at_exit = kNoTrial;
};

// Polls until every worker exited. `next_batch`: the pool's hand-over question (empty: none).
void RunToEnd(WorkerPool& pool, Seen& seen,
              std::function<std::optional<TrialBatch>(const TrialBatch&)> next_batch = nullptr) {
  const WorkerPool::Events events{
      [&](const TrialBatch&, const std::string& line) { seen.lines.push_back(line); },
      [&](const WorkerExit& e) {
        seen.current_trial_at_exit = e.slot->current_trial.load();
        seen.exits.push_back(e);
      },
      std::move(next_batch),
      [&](const TrialBatch&, std::span<const uint64_t> h) {
        seen.hashes.insert(seen.hashes.end(), h.begin(), h.end());
      }};
  while (!pool.Empty()) pool.Poll(events);
}

TEST(WorkerPoolTest, LinesAndTheDoneLineArriveAndTheExitIsClean) {
  WorkerPool pool(2, 10, [](const TrialBatch& b, WorkerSlot* slot, int fd) {
    WriteAll(fd, "{\"t\":" + std::to_string(b.begin) + "}\n");
    slot->done.store(b.end - b.begin);
    return b.end - b.begin;
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
    return uint64_t{0};
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
    return uint64_t{0};
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
    return uint64_t{0};
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

// A frame of hashes whose words hold newline bytes, written in two pieces (the pipe may deliver it
// in any), and the line after it reach the supervisor whole and in order.
TEST(WorkerPoolTest, AHashesFrameArrivesWholeWhateverItsBytesAndHowItIsWritten) {
  WorkerPool pool(1, 10, [](const TrialBatch&, WorkerSlot* slot, int fd) {
    const std::vector<uint64_t> hashes = {0x0a0a0a0a0a0a0a0a, 7, 0x0a};
    std::string frame;
    AppendHashesFrame(frame, hashes.data(), hashes.size());
    WriteAll(fd, std::string_view(frame).substr(0, 9));  // the header and one byte
    WriteAll(fd, std::string_view(frame).substr(9));
    WriteAll(fd, "{\"t\":1}\n");
    slot->done.store(1);
    return uint64_t{1};
  });
  pool.Spawn({0, 0, 1});
  Seen seen;
  RunToEnd(pool, seen);
  EXPECT_EQ(seen.hashes, (std::vector<uint64_t>{0x0a0a0a0a0a0a0a0a, 7, 0x0a}));
  EXPECT_EQ(seen.lines, std::vector<std::string>{"{\"t\":1}"});
  ASSERT_EQ(seen.exits.size(), 1u);
  EXPECT_TRUE(seen.exits[0].Clean());
}

// Each line names the batch and the worker's pid: a hand-over keeps the process.
uint64_t ReportPid(const TrialBatch& b, WorkerSlot* slot, int fd) {
  WriteAll(fd,
           "{\"t\":" + std::to_string(b.begin) + ",\"pid\":" + std::to_string(getpid()) + "}\n");
  slot->done.store(b.end - b.begin);
  return b.end - b.begin;
}

TEST(WorkerPoolTest, AHandedOverBatchRunsInTheSameProcessAndEachBatchEndsCleanly) {
  WorkerPool pool(1, 10, ReportPid);
  pool.Spawn({0, 0, 5});
  Seen seen;
  std::vector<TrialBatch> asked;
  RunToEnd(pool, seen, [&](const TrialBatch& done) -> std::optional<TrialBatch> {
    asked.push_back(done);
    if (done.end >= 15) return std::nullopt;
    return TrialBatch{0, done.end, done.end + 5};
  });
  ASSERT_EQ(seen.exits.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_TRUE(seen.exits[i].Clean()) << i;
    EXPECT_EQ(seen.exits[i].batch, (TrialBatch{0, 5 * i, 5 * i + 5}));
    EXPECT_EQ(seen.exits[i].done_count, 5u);
    EXPECT_GE(seen.exits[i].seconds, 0);
  }
  ASSERT_EQ(asked.size(), 3u);  // after each batch; the last answer lets the worker exit
  ASSERT_EQ(seen.lines.size(), 3u);
  const std::string pid = seen.lines[0].substr(seen.lines[0].find("\"pid\""));
  for (const std::string& line : seen.lines) EXPECT_NE(line.find(pid), std::string::npos) << line;
}

TEST(WorkerPoolTest, AWorkerDyingInAHandedOverBatchIsThatBatchsDeath) {
  WorkerPool pool(1, 10, [](const TrialBatch& b, WorkerSlot* slot, int) {
    if (b.begin == 0) {
      slot->done.store(b.end - b.begin);
      return b.end - b.begin;
    }
    slot->current_trial.store(b.begin + 2);
    _exit(3);  // not a signal: sanitizers handle a raised SIGSEGV their own way
    return uint64_t{0};
  });
  pool.Spawn({0, 0, 4});
  Seen seen;
  RunToEnd(pool, seen, [](const TrialBatch& done) -> std::optional<TrialBatch> {
    if (done.begin != 0) return std::nullopt;
    return TrialBatch{0, 4, 8};
  });
  ASSERT_EQ(seen.exits.size(), 2u);
  EXPECT_TRUE(seen.exits[0].Clean());
  EXPECT_FALSE(seen.exits[1].Clean());
  EXPECT_EQ(seen.exits[1].batch, (TrialBatch{0, 4, 8}));
  EXPECT_TRUE(WIFEXITED(seen.exits[1].status));
  EXPECT_EQ(WEXITSTATUS(seen.exits[1].status), 3);
  EXPECT_EQ(seen.current_trial_at_exit, 6u);
}

TEST(WorkerPoolTest, AWaitingWorkerOfTwoExitsWhenItsSocketClosesWhileItsSiblingRuns) {
  // Worker A ends its batch while B (forked after A, so holding a copy of A's socket unless the
  // child closes it) still runs: A must exit when the pool declines to hand it more.
  WorkerPool pool(2, 10, [](const TrialBatch& b, WorkerSlot* slot, int) {
    if (b.cell == 1) {
      for (;;) pause();
    }
    slot->done.store(b.end - b.begin);
    return b.end - b.begin;
  });
  pool.Spawn({0, 0, 1});
  pool.Spawn({1, 0, 1});
  Seen seen;
  const WorkerPool::Events events{
      [&](const TrialBatch&, const std::string& line) { seen.lines.push_back(line); },
      [&](const WorkerExit& e) { seen.exits.push_back(e); },
      [](const TrialBatch&) { return std::optional<TrialBatch>(); }, nullptr};
  // A guard against a hang, not a timing assertion: A's exit takes a few polls.
  const int64_t give_up = NowNs() + SecondsToNs(30);
  while (seen.exits.empty() && NowNs() < give_up) pool.Poll(events);
  ASSERT_EQ(seen.exits.size(), 1u) << "the waiting worker did not exit";
  EXPECT_EQ(seen.exits[0].batch.cell, 0u);
  EXPECT_TRUE(seen.exits[0].Clean());
  EXPECT_TRUE(pool.AbandonAll());  // B, still pausing
  while (!pool.Empty()) pool.Poll(events);
}

// A worker killed while it waits for another batch ran no trial then: its batch ended cleanly.
TEST(WorkerPoolTest, AWorkerKilledWhileWaitingForABatchEndedItsBatchCleanly) {
  WorkerPool pool(1, 10, ReportPid);
  pool.Spawn({0, 0, 3});
  Seen seen;
  RunToEnd(pool, seen, [&](const TrialBatch&) -> std::optional<TrialBatch> {
    // Asked after the "done" line, while the worker is blocked waiting: it dies of SIGKILL
    // before it could read the pool's answer.
    const std::string& line = seen.lines.at(0);
    kill(std::stoi(line.substr(line.find("\"pid\":") + 6)), SIGKILL);
    return std::nullopt;
  });
  ASSERT_EQ(seen.exits.size(), 1u);
  EXPECT_TRUE(seen.exits[0].Clean());
  EXPECT_EQ(seen.exits[0].done_count, 3u);
}

}  // namespace
}  // namespace mapfault
