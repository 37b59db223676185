// Tests of the phase accounting: the split of a trial's thread time, a worker's life split into
// phases, and a run's per-cell phase_seconds. They assert what the phases must satisfy (never
// negative, summing to the time they split), never how long anything took.
#include "harness/run/phase_times.h"

#include <set>
#include <string>

#include "gtest/gtest.h"
#include "harness/run/supervisor.h"
#include "harness/run/trial.h"
#include "harness/run/worker_pool.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

using worker_internal::kNoTrial;
using worker_internal::WorkerSlot;

TEST(PhaseTimesTest, NamesAreDistinctAndSumsAddUp) {
  std::set<std::string> names;
  for (Phase p : kAllPhases) names.insert(std::string(PhaseName(p)));
  EXPECT_EQ(names.size(), static_cast<size_t>(kPhaseCount));
  PhaseSeconds a, b;
  a[Phase::kFork] = 1;
  a[Phase::kTrial] = 2;
  b[Phase::kTrial] = 3;
  b[Phase::kReplays] = 0.5;
  a += b;
  EXPECT_EQ(a[Phase::kTrial], 5);
  EXPECT_EQ(a[Phase::kReplays], 0.5);
  EXPECT_EQ(a.Total(), 6.5);
  EXPECT_TRUE(PhaseSeconds{}.Empty());
}

TEST(PhaseTimesTest, ThreadTimeSplitsIntoStartAndBodies) {
  // Bodies started at 130 and 150 and ended at 400 and 380; handed at 100, returned at 450.
  std::vector<BodySpan> spans = {{130, 400}, {150, 380}};
  TrialPhases p;
  SplitThreadTime(spans, 100, 450, p);
  EXPECT_EQ(p.trial_ns, 400 - 150);  // the last start to the last end
  EXPECT_EQ(p.thread_start_ns, 350 - 250);
  // Stamps outside the call (a clock read before the hand-off) are clamped: still a split.
  spans = {{50, 900}};
  SplitThreadTime(spans, 100, 450, p);
  EXPECT_GE(p.trial_ns, 0);
  EXPECT_GE(p.thread_start_ns, 0);
  EXPECT_EQ(p.trial_ns + p.thread_start_ns, 350);
}

// A slot as a worker leaves it: forked at 1000 ns, body entered at 1500, phases of its trials.
WorkerSlot* SlotWith(WorkerSlot& slot, int64_t entered, int64_t setup, int64_t trial) {
  WorkerSlot* s = new (&slot) WorkerSlot();
  s->current_trial.store(kNoTrial);
  s->entered_ns.store(entered);
  s->AddPhases({setup, 100, trial, 50});
  return s;
}

TEST(PhaseTimesTest, WorkerLifeSplitsIntoPhasesThatSumToIt) {
  WorkerSlot storage;
  const WorkerSlot* slot = SlotWith(storage, 1500, 200, 1000);
  const PhaseSeconds p = WorkerPhases(*slot, 1000, 5000, /*died=*/false);
  EXPECT_DOUBLE_EQ(p[Phase::kFork], 500e-9);
  EXPECT_DOUBLE_EQ(p[Phase::kSetup], 200e-9);
  EXPECT_DOUBLE_EQ(p[Phase::kThreadStart], 100e-9);
  EXPECT_DOUBLE_EQ(p[Phase::kTrial], 1000e-9);
  EXPECT_DOUBLE_EQ(p[Phase::kChecking], 50e-9);
  EXPECT_DOUBLE_EQ(p[Phase::kWaiting], (4000 - 1850) * 1e-9);
  EXPECT_EQ(p[Phase::kDied], 0);
  EXPECT_EQ(p[Phase::kReplays], 0);  // the supervisor's, not a worker's
  EXPECT_NEAR(p.Total(), 4000e-9, 1e-15);
}

TEST(PhaseTimesTest, AWorkerThatDiedCountsItsLastTrialAsDied) {
  WorkerSlot storage;
  WorkerSlot* slot = SlotWith(storage, 1500, 200, 1000);
  slot->current_trial.store(7);
  slot->started_ns.store(3000);
  const PhaseSeconds p = WorkerPhases(*slot, 1000, 5000, /*died=*/true);
  EXPECT_DOUBLE_EQ(p[Phase::kDied], 2000e-9);
  EXPECT_NEAR(p.Total(), 4000e-9, 1e-15);
  for (Phase ph : kAllPhases) EXPECT_GE(p[ph], 0) << PhaseName(ph);
}

TEST(PhaseTimesTest, InconsistentSlotsAreClampedNeverNegative) {
  WorkerSlot storage;
  // Never entered its body: all of its life was the fork.
  PhaseSeconds p = WorkerPhases(*SlotWith(storage, 0, 0, 0), 1000, 2000, false);
  EXPECT_DOUBLE_EQ(p[Phase::kFork], 1000e-9);
  EXPECT_NEAR(p.Total(), 1000e-9, 1e-15);
  // Phases claiming more than the life (a torn read): clamped, the sum is still the life.
  p = WorkerPhases(*SlotWith(storage, 1100, 5000, 5000), 1000, 2000, false);
  for (Phase ph : kAllPhases) EXPECT_GE(p[ph], 0) << PhaseName(ph);
  EXPECT_NEAR(p.Total(), 1000e-9, 1e-15);
  EXPECT_EQ(p[Phase::kWaiting], 0);
}

TEST(PhaseTimesTest, APerturbedTrialMeasuresItsPhases) {
  TrialSpec spec;
  spec.mode = ExecMode::kPerturbed;
  spec.backend = GlobalBackends().Find("absl_mutex");
  spec.scenario = ScenarioRegistry::Builtin().Find("iterate-while-erase");
  spec.params = spec.scenario->defaults;
  spec.strategy.kind = StrategyKind::kNoise;
  spec.seed = 5;
  const int64_t start = PhaseClockNs();
  const TrialResult r = RunTrial(spec);
  const int64_t wall = PhaseClockNs() - start;
  const TrialPhases& p = r.phases;
  EXPECT_GT(p.trial_ns, 0);
  EXPECT_GT(p.checking_ns, 0);
  EXPECT_GE(p.setup_ns, 0);
  EXPECT_GE(p.thread_start_ns, 0);
  EXPECT_LE(p.setup_ns + p.thread_start_ns + p.trial_ns + p.checking_ns, wall);
}

TEST(PhaseTimesTest, ACellsPhasesSplitItsWorkerSeconds) {
  CellSpec cell;
  cell.mode = ExecMode::kPerturbed;
  cell.backend = GlobalBackends().Find("absl_mutex");
  cell.scenario = ScenarioRegistry::Builtin().Find("mixed-ops");
  cell.params = cell.scenario->defaults;
  cell.strategy.kind = StrategyKind::kNoise;
  cell.trials = 40;
  SupervisorOptions options;
  options.jobs = 2;
  options.batch = 10;
  const RunResults r = RunCells({cell}, options);
  ASSERT_EQ(r.cells.size(), 1u);
  const CellResult& c = r.cells[0];
  const PhaseSeconds& p = c.phase_seconds;
  for (Phase ph : kAllPhases) EXPECT_GE(p[ph], 0) << PhaseName(ph);
  EXPECT_GT(p[Phase::kFork], 0);
  EXPECT_GT(p[Phase::kTrial], 0);
  EXPECT_GT(p[Phase::kChecking], 0);
  EXPECT_EQ(p[Phase::kDied], 0);  // absl_mutex holds: no worker died
  // Every phase but the follow-up replays is a share of the workers' wall time, and they add up.
  EXPECT_NEAR(p.Total() - p[Phase::kReplays], c.worker_seconds, 1e-6 * c.worker_seconds + 1e-9);
  EXPECT_LE(p.Total(), r.seconds * options.jobs + 1e-9);
}

}  // namespace
}  // namespace mapfault
