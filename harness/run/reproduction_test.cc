// Tests of the reproduction step: perturbed first failures are replayed N times per distinct trial,
// hangs and controlled cells are not, and only replays that broke the invariant again count.
#include "harness/run/reproduction.h"

#include "gtest/gtest.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

CellSpec MutexCell(ExecMode mode) {
  CellSpec cell;
  cell.mode = mode;
  cell.backend = GlobalBackends().Find("mutex");
  cell.scenario = ScenarioRegistry::Builtin().Find("iterate-while-find");
  cell.params = cell.scenario->DefaultsFor(mode == ExecMode::kPerturbed);
  cell.strategy = *StrategySpec::Parse(mode == ExecMode::kPerturbed ? "noise" : "random");
  cell.trials = 10;
  return cell;
}

const FirstFailure& Of(const CellTally& t, Invariant inv) {
  return t.first[static_cast<int>(inv)].failure;
}

TEST(ReproductionTest, PerturbedFirstFailuresAreReplayedAndCounted) {
  ASSERT_TRUE(GlobalBackends().Find("mutex")->make_real);
  CellTally tally;
  // Two invariants "broken" by trial 2 (a correct map: the replays hold), and a hang in trial 5.
  tally.Fail(Invariant::kIterNoPhantom, 2, "t", "e", {});
  tally.Fail(Invariant::kIterNoDuplicate, 2, "t", "e", {});
  IsolatedOutcome hang;
  hang.kind = IsolatedOutcome::Kind::kHang;
  tally.Died(Invariant::kNoHang, 5, "t", hang);
  MeasureReproduction(MutexCell(ExecMode::kPerturbed), 3, {.replays = 3, .watchdog_seconds = 10},
                      tally);
  EXPECT_EQ(Of(tally, Invariant::kIterNoPhantom).replays, 3u);
  EXPECT_EQ(Of(tally, Invariant::kIterNoPhantom).reproduced, 0u);
  EXPECT_EQ(Of(tally, Invariant::kIterNoDuplicate).replays, 3u);
  EXPECT_EQ(Of(tally, Invariant::kNoHang).replays, 0u);  // hangs are not replayed
}

TEST(ReproductionTest, ControlledCellsAndZeroReplaysAreLeftAlone) {
  CellTally tally;
  tally.Fail(Invariant::kIterNoPhantom, 2, "t", "e", {});
  MeasureReproduction(MutexCell(ExecMode::kControlled), 3, {.replays = 3}, tally);
  EXPECT_EQ(Of(tally, Invariant::kIterNoPhantom).replays, 0u);
  MeasureReproduction(MutexCell(ExecMode::kPerturbed), 3, {.replays = 0}, tally);
  EXPECT_EQ(Of(tally, Invariant::kIterNoPhantom).replays, 0u);
}

TEST(ReproductionTest, AStopRequestReplaysNothingFurther) {
  CellTally tally;
  tally.Fail(Invariant::kIterNoPhantom, 2, "t", "e", {});
  const volatile std::sig_atomic_t stop = 1;
  MeasureReproduction(MutexCell(ExecMode::kPerturbed), 3, {.replays = 3, .stop = &stop}, tally);
  EXPECT_EQ(Of(tally, Invariant::kIterNoPhantom).replays, 0u);
}

}  // namespace
}  // namespace mapfault
