// Tests of the trial threads: every thread is released only after all of a trial's threads have
// arrived at the spin barrier, bodies run at once on distinct reused threads, trials of different
// sizes share the pool, and an escaped exception is reported without killing its thread.
#include "harness/engine/trial_threads.h"

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

#include "gtest/gtest.h"
#include "harness/engine/trial_threads_test_util.h"

namespace mapfault {
namespace {

TEST(TrialThreadsTest, NoThreadIsReleasedBeforeEveryThreadHasArrived) {
  for (size_t n : {1u, 2u, 3u, 4u}) {
    for (int trial = 0; trial < 200; ++trial) {
      std::vector<size_t> seen(n, 0);
      std::vector<std::function<void()>> bodies;
      for (size_t t = 0; t < n; ++t) bodies.push_back([&seen, t] { seen[t] = ArrivalsAtRelease(); });
      ASSERT_EQ(RunOnTrialThreads(bodies), "");
      for (size_t t = 0; t < n; ++t) ASSERT_EQ(seen[t], n) << "thread " << t << " of " << n;
    }
  }
  EXPECT_EQ(ArrivalsAtRelease(), 0u);  // the caller is no trial thread
}

// Each body waits for every body to have started: this ends only if they all run at once.
TEST(TrialThreadsTest, BodiesRunAtOnceOnDistinctThreadsThatAreReused) {
  std::set<std::thread::id> all;
  for (int trial = 0; trial < 100; ++trial) {
    const size_t n = trial % 2 ? 3 : 2;
    std::atomic<size_t> started{0};
    std::vector<std::thread::id> ids(n);
    ASSERT_EQ(RunOnTrialThreads(testing::RendezvousBodies(n, started, ids)), "");
    EXPECT_EQ(std::set<std::thread::id>(ids.begin(), ids.end()).size(), n);
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_LE(all.size(), 4u);  // one pool (at most the largest trial's threads, plus earlier tests')
  EXPECT_EQ(all.count(std::this_thread::get_id()), 0u);
}

TEST(TrialThreadsTest, AnEscapedExceptionIsReportedAndTheThreadSurvives) {
  const std::vector<std::function<void()>> bodies = {
      [] {}, [] { throw std::runtime_error("boom"); }};
  EXPECT_EQ(RunOnTrialThreads(bodies), "T1 let an exception escape: boom");
  EXPECT_EQ(RunOnTrialThreads({[] {}, [] {}}), "");
  EXPECT_EQ(RunOnTrialThreads({}), "");
}

}  // namespace
}  // namespace mapfault
