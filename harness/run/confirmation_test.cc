// Tests of the confirmation step: a worker death is confirmed only when a replay alone dies the
// same way.
#include "harness/run/confirmation.h"

#include <csignal>
#include <string>

#include "gtest/gtest.h"
#include "maps/builtin_backends.h"
#include "tests/test_backends.h"

namespace mapfault {
namespace {

constexpr uint64_t kSeed = 31;
constexpr uint64_t kTrial = 4;

CellSpec SegfaultCell() {
  testing::RegisterTestBackends();
  CellSpec cell;
  cell.backend = GlobalBackends().Find("test.segfault");
  cell.scenario = ScenarioRegistry::Builtin().Find("iterate-while-erase");
  cell.params = cell.scenario->defaults;
  cell.trials = 10;
  testing::g_misbehave_seed = TrialSeed(kSeed, CellKey("test.segfault", "iterate-while-erase"),
                                        kTrial);
  return cell;
}

TEST(ConfirmationTest, ADeathThatRepeatsIsConfirmedAndOneThatDoesNotIsNot) {
  const CellSpec cell = SegfaultCell();
  // How the trial dies here (a signal, or a sanitizer report under ASan).
  const IsolatedOutcome death = RunTrialIsolated(SpecFor(cell, kSeed, kTrial), 10);
  ASSERT_NE(death.kind, IsolatedOutcome::Kind::kCompleted);
  CellTally tally;
  tally.Died(Invariant::kNoCrash, kTrial, "token", death);
  IsolatedOutcome hang;
  hang.kind = IsolatedOutcome::Kind::kHang;
  tally.Died(Invariant::kNoHang, kTrial, "token", hang);  // claimed to hang: it crashes instead
  ConfirmDeaths(cell, kSeed, 10, tally);
  EXPECT_TRUE(tally.first[static_cast<int>(Invariant::kNoCrash)].failure.confirmed);
  EXPECT_FALSE(tally.first[static_cast<int>(Invariant::kNoHang)].failure.confirmed);
}

TEST(ConfirmationTest, ReportedFailuresAreNotReplayed) {
  const CellSpec cell = SegfaultCell();
  CellTally tally;
  // A reported failure of the crashing trial: replaying it would die, but it is not replayed.
  tally.Fail(Invariant::kIterNoPhantom, kTrial, "token", "explanation", {});
  ConfirmDeaths(cell, kSeed, 10, tally);
  EXPECT_TRUE(tally.first[static_cast<int>(Invariant::kIterNoPhantom)].failure.confirmed);
}

TEST(ConfirmationTest, ADeathTheReplaysDoNotRepeatIsANondeterministicFinding) {
  const CellSpec cell = SegfaultCell();
  CellTally tally;
  IsolatedOutcome death;
  death.kind = IsolatedOutcome::Kind::kSignal;
  death.signal = SIGSEGV;
  death.detail = "the worker died by SIGSEGV (Segmentation fault)";
  tally.Died(Invariant::kNoCrash, kTrial + 1, "token", death);  // trial kTrial + 1 does not crash
  CheckDeterminism(cell, kSeed, {.replays = 3, .watchdog_seconds = 10}, tally);
  const FirstFailure& f = tally.first[static_cast<int>(Invariant::kNoCrash)].failure;
  EXPECT_EQ(f.replay_check, ReplayCheck::kDiverged);
  EXPECT_NE(f.divergence.find("the replay completed"), std::string::npos) << f.divergence;
  EXPECT_EQ(f.replays, 3u);
  EXPECT_EQ(f.reproduced, 0u);
}

TEST(ConfirmationTest, ARepeatedDeathOfADeterministicBackendReplaysExactly) {
  const CellSpec cell = SegfaultCell();
  const IsolatedOutcome death = RunTrialIsolated(SpecFor(cell, kSeed, kTrial), 10);
  CellTally tally;
  tally.Died(Invariant::kNoCrash, kTrial, "token", death);
  CheckDeterminism(cell, kSeed, {.replays = 3, .watchdog_seconds = 10}, tally);
  const FirstFailure& f = tally.first[static_cast<int>(Invariant::kNoCrash)].failure;
  EXPECT_EQ(f.replay_check, ReplayCheck::kExact) << f.divergence;
  EXPECT_EQ(f.replays, 0u);
}

TEST(ConfirmationTest, PerturbedCellsAreNotCheckedForDeterminism) {
  CellSpec cell = SegfaultCell();
  cell.mode = ExecMode::kPerturbed;
  CellTally tally;
  tally.Fail(Invariant::kIterNoPhantom, kTrial, "token", "explanation", {});
  CheckDeterminism(cell, kSeed, {.replays = 3, .watchdog_seconds = 10}, tally);
  EXPECT_EQ(tally.first[static_cast<int>(Invariant::kIterNoPhantom)].failure.replay_check,
            ReplayCheck::kNotChecked);
}

}  // namespace
}  // namespace mapfault
