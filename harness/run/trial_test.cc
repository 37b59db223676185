// Tests of a trial's step bound: it scales with the program, a real livelock stays a no-hang
// failure, and an explicit bound too small for the program is a harness limit, not a verdict.
#include "harness/run/trial.h"

#include "gtest/gtest.h"
#include "harness/run/supervisor.h"
#include "maps/builtin_backends.h"
#include "tests/test_backends.h"

namespace mapfault {
namespace {

TrialSpec Spec(const std::string& backend, const std::string& scenario, int threads, int ops) {
  testing::RegisterTestBackends();
  TrialSpec spec;
  spec.backend = GlobalBackends().Find(backend);
  spec.scenario = ScenarioRegistry::Builtin().Find(scenario);
  spec.params = spec.scenario->defaults;
  spec.params.threads = threads;
  spec.params.ops = ops;
  spec.seed = 1;
  return spec;
}

TEST(TrialStepBoundTest, TheDefaultBoundScalesWithTheProgram) {
  // 16 threads x 2000 ops need far more than the 20000-step floor: a correct backend holds.
  const TrialSpec spec = Spec("mutex", "iterate-while-grow", 16, 2000);
  ASSERT_EQ(spec.max_steps, kDefaultMaxSteps);
  const TrialResult r = RunControlledTrial(spec);
  EXPECT_EQ(r.run.kind, RunResult::Kind::kCompleted) << r.run.detail;
  EXPECT_TRUE(r.violations.empty()) << r.violations.front().explanation;
  EXPECT_GT(r.run.steps, kDefaultMaxSteps);
  EXPECT_EQ(StepBound(kDefaultMaxSteps, r.program),
            kStepBoundFactor * EstimateSteps(r.program));
  EXPECT_EQ(StepBound(777, r.program), 777u);  // an explicit bound is kept
}

TEST(TrialStepBoundTest, AnExplicitBoundTooSmallForTheProgramIsAHarnessLimit) {
  TrialSpec spec = Spec("mutex", "iterate-while-grow", 4, 200);
  spec.max_steps = 100;
  const TrialResult r = RunControlledTrial(spec);
  EXPECT_EQ(r.run.kind, RunResult::Kind::kLivelock);
  EXPECT_TRUE(r.violations.empty());
  EXPECT_TRUE(r.undecided.Contains(Invariant::kNoHang));
  EXPECT_NE(r.run.detail.find("harness limit"), std::string::npos) << r.run.detail;
}

TEST(TrialStepBoundTest, ARealLivelockIsStillANoHangFailure) {
  TrialSpec spec = Spec("test.livelock", "iterate-while-erase", 2, 20);
  testing::g_misbehave_seed = spec.seed;
  const TrialResult r = RunControlledTrial(spec);
  testing::g_misbehave_seed = 0;
  EXPECT_EQ(r.run.kind, RunResult::Kind::kLivelock);
  ASSERT_EQ(r.violations.size(), 1u);
  EXPECT_EQ(r.violations[0].invariant, Invariant::kNoHang);
  EXPECT_TRUE(r.undecided.empty());
}

TEST(TrialStepBoundTest, AHarnessLimitLeavesTheCellUndecidedNotBroken) {
  testing::RegisterTestBackends();
  CellSpec cell;
  cell.backend = GlobalBackends().Find("mutex");
  cell.scenario = ScenarioRegistry::Builtin().Find("iterate-while-grow");
  cell.params = cell.scenario->defaults;
  cell.trials = 3;
  cell.max_steps = 10;
  SupervisorOptions options;
  options.seed = 3;
  options.jobs = 1;
  const RunResults r = RunCells({cell}, options);
  const InvariantResult& hang = r.cells[0].invariants[static_cast<int>(Invariant::kNoHang)];
  EXPECT_EQ(hang.verdict, Verdict::kNotRun);
  EXPECT_EQ(hang.undecided, 3u);
  const InvariantResult& lin =
      r.cells[0].invariants[static_cast<int>(Invariant::kLinearizable)];
  EXPECT_EQ(lin.evaluated, 0u);  // nothing was judged from the cut-off histories
  EXPECT_EQ(r.ExitCode(), 0);
}

}  // namespace
}  // namespace mapfault
