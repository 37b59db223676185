// Tests of the reference loop: its bodies run at once on distinct fresh threads, escaped exceptions
// are reported, and a perturbed trial of strategy `reference-loop` runs the program and checkers.
#include "harness/run/reference_loop.h"

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

#include "gtest/gtest.h"
#include "harness/engine/trial_threads_test_util.h"
#include "harness/run/trial.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

// Each body waits for every body to have started: this ends only if they all run at once.
TEST(ReferenceLoopTest, BodiesRunAtOnceOnDistinctThreads) {
  for (size_t n : {1u, 2u, 3u}) {
    for (int trial = 0; trial < 50; ++trial) {
      std::atomic<size_t> started{0};
      std::vector<std::thread::id> ids(n);
      ASSERT_EQ(RunOnSpinStartedThreads(testing::RendezvousBodies(n, started, ids)), "");
      EXPECT_EQ(started.load(), n);
      std::set<std::thread::id> distinct(ids.begin(), ids.end());
      distinct.insert(std::this_thread::get_id());
      EXPECT_EQ(distinct.size(), n + 1);  // fresh threads, none of them the caller
    }
  }
}

TEST(ReferenceLoopTest, AnEscapedExceptionIsReported) {
  const std::vector<std::function<void()>> bodies = {
      [] {}, [] { throw std::runtime_error("boom"); }};
  EXPECT_EQ(RunOnSpinStartedThreads(bodies), "T1 let an exception escape: boom");
  EXPECT_EQ(RunOnSpinStartedThreads({[] {}}), "");
}

TEST(ReferenceLoopTest, APerturbedTrialRunsTheProgramAndTheCheckers) {
  TrialSpec spec;
  spec.mode = ExecMode::kPerturbed;
  spec.backend = GlobalBackends().Find("mutex");
  spec.scenario = ScenarioRegistry::Builtin().Find("iterate-while-grow");
  spec.params = spec.scenario->defaults;
  spec.strategy = *StrategySpec::Parse("reference-loop");
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    spec.seed = seed;
    const TrialResult r = RunTrial(spec);
    ASSERT_EQ(r.run.kind, RunResult::Kind::kCompleted) << r.run.detail;
    EXPECT_TRUE(r.violations.empty()) << r.violations.front().explanation;
    ASSERT_EQ(r.history.threads.size(), r.program.threads.size());
    for (size_t t = 0; t < r.program.threads.size(); ++t) {
      ASSERT_EQ(r.history.threads[t].size(), r.program.threads[t].size());
      for (const OpRecord& op : r.history.threads[t]) EXPECT_GT(op.response, op.invoke);
    }
  }
}

}  // namespace
}  // namespace mapfault
