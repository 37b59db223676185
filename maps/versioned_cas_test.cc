// Tests of the versioned_cas backend's own mechanics and of the iteration model it exists to prove:
// its erase-this declines when a writer lands between the read and the visit, the precise model
// judges such trials correct, and the old model (every erase-this a removal, every visit judged at
// its own timestamp) would have called them BROKEN. Its concurrent contract (controlled
// interleavings, real threads, 10,000-trial acceptance runs of every built-in scenario and of the
// stale-visit programs) is tested by the typed suite maps/concurrent_contract_test.cc.
#include "maps/versioned_cas.h"

#include <map>
#include <memory>

#include "gtest/gtest.h"
#include "harness/checkers/checkers.h"
#include "harness/engine/sync.h"
#include "harness/run/trial.h"
#include "maps/builtin_backends.h"
#include "scenarios/op_parse.h"
#include "scenarios/scenario_file.h"

namespace mapfault {
namespace {

// Outside a controlled trial ControlledSync's primitives are plain single-threaded ones, so the
// visitor (which runs with no lock held) can call the map to stage a "concurrent" writer.
using Map = VersionedCasMap<ControlledSync>;

// A sink that records what the map reported.
struct Reports final : VisitSink {
  int reads = 0;
  std::map<Key, bool> erased;
  void ReadPoint() override { ++reads; }
  void EraseResult(Key k, bool e) override { erased[k] = e; }
};

TEST(VersionedCasMapTest, EraseThisDeclinesWhenTheEntryChangedSinceItWasRead) {
  Map m;
  m.Insert(1, 11);
  m.Insert(2, 12);
  Reports reports;
  m.ForEach(Visitor(
                [&](Key k, Value) {
                  if (k == 1) m.Assign(1, 10200);  // lands between the read and the erase
                  return VisitAction::kEraseThis;
                },
                &reports),
            IterKind::kMayErase);
  EXPECT_EQ(reports.reads, 2);
  EXPECT_EQ(reports.erased, (std::map<Key, bool>{{1, false}, {2, true}}));
  EXPECT_EQ(m.Find(1), 10200);
  EXPECT_EQ(m.Find(2), std::nullopt);
  EXPECT_EQ(m.Size(), 1u);
}

TEST(VersionedCasMapTest, VisitorMayInsertAndEraseOtherKeys) {
  Map m;
  for (Key k = 0; k < 6; ++k) m.Insert(k, 1000 + k);
  std::map<Key, int> shown;
  m.ForEach(
      [&](Key k, Value) {
        if (++shown[k] == 1 && k < 6) {
          m.Insert(100 + k, 1);  // a new key: shown at most once
          m.Erase((k + 3) % 6);  // may not have been reached yet: then never shown
        }
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  for (const auto& [k, n] : shown) EXPECT_EQ(n, 1) << "key " << k << " shown twice";
}

// Runs the stale-visit program on versioned_cas under controlled seeds until an erase-this
// declined; the trial holds every claim, and the same history judged by the old model is BROKEN.
TEST(VersionedCasMapTest, StaleVisitHoldsAndTheOldModelWouldHaveCalledItBroken) {
  const ScenarioFile* file = nullptr;
  ASSERT_NE(FindBuiltinSuite("iteration-model", &file), nullptr);
  const Scenario* stale = file->FindScenario("stale-visit");
  ASSERT_NE(stale, nullptr);
  TrialSpec spec;
  spec.mode = ExecMode::kControlled;
  spec.backend = GlobalBackends().Find("versioned_cas");
  spec.scenario = stale;
  spec.params = stale->defaults;
  spec.strategy = *StrategySpec::Parse("random");
  // A refresh can land between the read and the visit (the old model then saw a removal after it:
  // BROKEN), or between the visit and the compare (either model accepts that one).
  int declined_trials = 0, old_model_broken = 0;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    spec.seed = seed;
    const TrialResult r = RunControlledTrial(spec);
    ASSERT_EQ(r.run.kind, RunResult::Kind::kCompleted) << seed;
    EXPECT_TRUE(r.violations.empty()) << seed << ": " << r.violations.front().explanation;
    History old_model = r.history;
    bool declined = false;
    for (OpRecord& f : old_model.threads[0]) {
      for (YieldRecord& y : f.yields) {
        if (y.erase != EraseOutcome::kDeclined) continue;
        declined = true;
        y.erase = EraseOutcome::kErased;  // every erase-this a removal
        y.read_from = y.read_to = 0;       // the read taken at the visit
      }
    }
    declined_trials += declined;
    old_model_broken += declined && !CheckHistory(old_model, CheckOptions{}).violations.empty();
  }
  EXPECT_GT(declined_trials, 0) << "the read-to-visit window never let a refresh in";
  EXPECT_GT(old_model_broken, 0) << "the old model accepted every stale visit";
}

}  // namespace
}  // namespace mapfault
