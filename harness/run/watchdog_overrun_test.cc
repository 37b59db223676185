// A trial that overran the watchdog because the machine was slow, not because it hung: its
// replay alone completes, so the hang is taken back (a harness limit, never a BROKEN no-hang).
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/run/cell_tally.h"
#include "harness/run/confirmation.h"
#include "harness/run/supervisor.h"
#include "harness/run/worker.h"
#include "harness/strategies/strategy_table.h"
#include "maps/builtin_backends.h"
#include "tests/test_backends.h"

namespace mapfault {
namespace {

constexpr int kNoHang = static_cast<int>(Invariant::kNoHang);

CellSpec Cell(const std::string& backend, uint64_t trials, ExecMode mode) {
  testing::RegisterTestBackends();
  CellSpec cell;
  cell.backend = GlobalBackends().Find(backend);
  cell.scenario = ScenarioRegistry::Builtin().Find("iterate-while-erase");
  cell.mode = mode;
  cell.params = cell.scenario->DefaultsFor(mode == ExecMode::kPerturbed);
  cell.strategy = StrategyForMode(cell.strategy, mode);
  cell.trials = trials;
  return cell;
}

// The watchdog of these tests: a perturbed trial of the default size takes about a second under
// ThreadSanitizer, a few milliseconds otherwise.
constexpr double kWatchdog = kTsanBuild ? 5 : 1;

// Runs 30 trials of test.slow_once in `mode`: trial 4 sleeps 3 watchdog periods once (the first
// time it runs); its confirmation replay does not sleep.
RunResults RunSlowOnce(ExecMode mode) {
  int* left = static_cast<int*>(worker_internal::MapShared(sizeof(int)));
  *left = 1;
  testing::g_slow_left = left;
  testing::g_slow_ms = static_cast<unsigned>(3000 * kWatchdog);
  const CellSpec cell = Cell("test.slow_once", 30, mode);
  SupervisorOptions options;
  options.seed = 8;
  options.jobs = 1;
  options.watchdog_seconds = kWatchdog;
  options.reproduction_replays = 0;
  // After the overrun (a hang until its replay), the adaptive watchdog would cut slow trials
  // (AdaptiveWatchdogTest): off, so every other trial is judged here.
  options.adaptive_watchdog = false;
  testing::g_misbehave_seed = TrialSeed(8, CellKey("test.slow_once", "iterate-while-erase"), 4);
  RunResults r = RunCells({cell}, options);
  testing::g_misbehave_seed = 0;
  testing::g_slow_left = nullptr;
  testing::g_slow_ms = 0;
  EXPECT_LE(*left, 0);  // it did sleep, once
  return r;
}

// Before, the overrun was a BROKEN no-hang ("NOT confirmed by a replay"), the worst verdict a
// harness can give a correct backend.
TEST(WatchdogOverrunTest, AnOverrunWhoseReplayCompletesIsUndecidedNotAHang) {
  for (ExecMode mode : {ExecMode::kControlled, ExecMode::kPerturbed}) {
    SCOPED_TRACE(mode == ExecMode::kControlled ? "controlled" : "perturbed");
    const RunResults r = RunSlowOnce(mode);
    const CellResult& c = r.cells[0];
    EXPECT_EQ(c.trials, 30u);
    const InvariantResult& hang = c.invariants[kNoHang];
    EXPECT_EQ(hang.verdict, Verdict::kHolds) << hang.explanation;
    EXPECT_EQ(hang.failures, 0u);
    EXPECT_EQ(hang.undecided, 1u);
    EXPECT_EQ(hang.evaluated, 29u);
    EXPECT_EQ(hang.first_failure_trial, 0u);
    EXPECT_EQ(c.watchdog_overruns, 1u);
    EXPECT_GT(c.overrun_replay_seconds, 0);
    EXPECT_EQ(c.watchdog_cuts, 0u);
    EXPECT_EQ(r.ExitCode(), 0);
  }
}

// Two trials the watchdog killed: the first (trial a) completes when replayed, the second (trial
// b) hangs again. a's hang is taken back and b's, confirmed, becomes the first failure.
TEST(WatchdogOverrunTest, WhenTheFirstHangIsTakenBackTheNextConfirmedOneIsTheFinding) {
  const CellSpec cell = Cell("test.spin_often_real", 40, ExecMode::kPerturbed);
  constexpr uint64_t kSeed = 3;
  testing::g_hang_every = 2;  // trials with an even seed spin forever
  const auto seed_of = [&](uint64_t t) {
    return TrialSeed(kSeed, CellKey("test.spin_often_real", "iterate-while-erase"), t);
  };
  uint64_t a = 0;
  while (seed_of(a) % 2 == 0) ++a;
  uint64_t b = a + 1;
  while (seed_of(b) % 2 != 0) ++b;
  CellTally tally;
  tally.trials = 40;
  IsolatedOutcome hang;
  hang.kind = IsolatedOutcome::Kind::kHang;
  hang.detail = "the trial ran past the watchdog";
  for (uint64_t t : {b, a}) {  // recorded out of order, as two workers may
    tally.Died(Invariant::kNoHang, t, "token", hang);
    ++tally.failures[kNoHang];
    ++tally.claimed_failures[kNoHang];
    ++tally.hangs;
    tally.hang_trials.push_back(t);
  }
  ConfirmDeaths(cell, kSeed, kWatchdog, tally);
  testing::g_hang_every = 0;
  const CellTally::First& first = tally.first[kNoHang];
  ASSERT_TRUE(first.found());
  EXPECT_EQ(first.trial(), b);
  EXPECT_TRUE(first.failure.confirmed);
  EXPECT_EQ(first.kind, IsolatedOutcome::Kind::kHang);
  EXPECT_FALSE(first.failure.token.empty());
  EXPECT_NE(first.failure.token, "token");  // b's own token, made for it
  EXPECT_EQ(tally.failures[kNoHang], 1u);
  EXPECT_EQ(tally.claimed_failures[kNoHang], 1u);
  EXPECT_EQ(tally.undecided[kNoHang], 1u);
  EXPECT_EQ(tally.watchdog_overruns, 1u);
  EXPECT_TRUE(tally.hang_trials.empty());
}

}  // namespace
}  // namespace mapfault
