// The mutant suite: every mutant breaks, in its witness scenario, the invariant its header names,
// under the random walk and under PCT, while the correct backend it was derived from holds the same
// cell; and every mutant is registered the way the bug-finding benchmark expects. All runs are
// controlled-mode runs with fixed seeds through the supervisor, so they are deterministic.
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "harness/run/supervisor.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

struct MutantCase {
  const char* mutant;
  const char* witness;
  Invariant breaks;     // the invariant the mutant's header names
  const char* correct;  // the backend it is a broken version of
  const char* pct;      // a PCT depth that finds it (its bug depth)
};

const std::vector<MutantCase>& Cases() {
  static const std::vector<MutantCase> cases = {
      {"mutant.rehash_unlocked", "iterate-while-grow", Invariant::kNoDataRace, "mutex", "pct:d=2"},
      {"mutant.assign_split", "snapshot-read", Invariant::kIterNoMissedStable, "mutex", "pct:d=2"},
      {"mutant.cta_upgrade_gap", "conditional-erase", Invariant::kCheckThenAct, "rwlock", "pct:d=2"},
      {"mutant.size_counter_racy", "concurrent-erase-all", Invariant::kSizeBounds, "mutex",
       "pct:d=2"},
      {"mutant.tombstone_sweep_race", "concurrent-erase-all", Invariant::kIterNoMissedStable,
       "tombstone", "pct:d=3"},
      {"mutant.cow_publish_early", "snapshot-read", Invariant::kNoDataRace, "cow_snapshot",
       "pct:d=2"},
      {"mutant.aba_iter_recycled", "conditional-erase", Invariant::kIterNoMissedStable, "mutex",
       "pct:d=2"},
      {"mutant.iter_stale_successor", "concurrent-erase-all", Invariant::kNoCrash, "mutex",
       "pct:d=2"},
      {"mutant.lockfree_early_reclaim", "concurrent-erase-all", Invariant::kNoCrash, "lockfree",
       "pct:d=2"},
      {"mutant.lockfree_aba", "range-insert-while-erase", Invariant::kIterNoMissedStable,
       "lockfree", "pct:d=2"},
      // The two oldest mutants (registered in maps/builtin_backends.cc).
      {"mutant.rwlock_erase_shared", "iterate-while-erase", Invariant::kNoDataRace, "rwlock",
       "pct:d=2"},
      {"mutant.mutex_iter_unlocked", "iterate-while-grow", Invariant::kIterNoDuplicate, "mutex",
       "pct:d=2"},
  };
  return cases;
}

CellSpec Cell(const std::string& backend, const std::string& scenario, const std::string& strategy,
              uint64_t trials) {
  CellSpec c;
  c.backend = GlobalBackends().Find(backend);
  c.scenario = ScenarioRegistry::Builtin().Find(scenario);
  EXPECT_NE(c.backend, nullptr) << backend;
  EXPECT_NE(c.scenario, nullptr) << scenario;
  if (c.scenario != nullptr) c.params = c.scenario->defaults;
  c.strategy = *StrategySpec::Parse(strategy);
  c.trials = trials;
  return c;
}

RunResults RunSuite(const std::vector<CellSpec>& cells) {
  for (const CellSpec& c : cells) {
    if (c.backend == nullptr || c.scenario == nullptr) return {};
  }
  SupervisorOptions o;
  o.seed = 2026;
  o.jobs = 2;
  return RunCells(cells, o);
}

const InvariantResult& Result(const CellResult& c, Invariant inv) {
  return c.invariants[static_cast<int>(inv)];
}

TEST(MutantsTest, EachMutantIsRegisteredAsAPretendSafeBackendWithItsWitness) {
  InvariantSet safe = InvariantSet::All();
  safe.Remove(Invariant::kMisuseDetected);
  for (const MutantCase& m : Cases()) {
    const BackendInfo* b = GlobalBackends().Find(m.mutant);
    ASSERT_NE(b, nullptr) << m.mutant;
    EXPECT_EQ(b->description.rfind("MUTANT: ", 0), 0u) << m.mutant;
    EXPECT_TRUE(b->make_controlled && b->make_real) << m.mutant << " must run in both modes";
    EXPECT_TRUE(b->listed) << m.mutant;
    EXPECT_EQ(b->claims, safe) << m.mutant;
    EXPECT_EQ(b->witness_scenario, m.witness) << m.mutant;
  }
}

TEST(MutantsTest, EveryMutantBreaksItsInvariantInItsWitnessUnderTheRandomWalk) {
  std::vector<CellSpec> cells;
  for (const MutantCase& m : Cases()) cells.push_back(Cell(m.mutant, m.witness, "random", 2000));
  const RunResults r = RunSuite(cells);
  ASSERT_EQ(r.cells.size(), Cases().size());
  for (size_t i = 0; i < Cases().size(); ++i) {
    const MutantCase& m = Cases()[i];
    const InvariantResult& inv = Result(r.cells[i], m.breaks);
    EXPECT_EQ(inv.verdict, Verdict::kBroken) << m.mutant << " / " << m.witness << " / "
                                             << InvariantId(m.breaks);
    EXPECT_EQ(inv.token.rfind("mf1_", 0), 0u) << m.mutant;
  }
  EXPECT_EQ(r.ExitCode(), 1);
}

TEST(MutantsTest, EveryMutantBreaksItsInvariantUnderPctOfItsDepth) {
  std::vector<CellSpec> cells;
  for (const MutantCase& m : Cases()) cells.push_back(Cell(m.mutant, m.witness, m.pct, 2000));
  const RunResults r = RunSuite(cells);
  ASSERT_EQ(r.cells.size(), Cases().size());
  for (size_t i = 0; i < Cases().size(); ++i) {
    const MutantCase& m = Cases()[i];
    EXPECT_EQ(Result(r.cells[i], m.breaks).verdict, Verdict::kBroken)
        << m.mutant << " / " << m.witness << " / " << m.pct << " / " << InvariantId(m.breaks);
  }
}

// PCT with d = 1 runs the threads one after another: no mutant's bug shows in a serial run (the
// reason no mutant has depth 1; see maps/mutants/mutant_backends.h) -- except as a data race,
// which needs no overlap in time, only two accesses happens-before does not order: the shared-lock
// erase and the fill after publish race even when their threads run one after the other.
TEST(MutantsTest, NoMutantBreaksInSerialRuns) {
  std::vector<CellSpec> cells;
  for (const MutantCase& m : Cases()) cells.push_back(Cell(m.mutant, m.witness, "pct:d=1", 300));
  const RunResults r = RunSuite(cells);
  ASSERT_EQ(r.cells.size(), Cases().size());
  for (size_t i = 0; i < Cases().size(); ++i) {
    for (Invariant inv : kAllInvariants) {
      if (inv == Invariant::kNoDataRace) continue;
      EXPECT_NE(Result(r.cells[i], inv).verdict, Verdict::kBroken)
          << Cases()[i].mutant << " / " << InvariantId(inv);
    }
    // ... and the ABA mutant, which rewrites a recycled node other threads can still reach.
    const std::string mutant = Cases()[i].mutant;
    const bool serial_race = mutant == "mutant.rwlock_erase_shared" ||
                             mutant == "mutant.cow_publish_early" || mutant == "mutant.lockfree_aba";
    EXPECT_EQ(Result(r.cells[i], Invariant::kNoDataRace).verdict,
              serial_race ? Verdict::kBroken : Verdict::kHolds)
        << Cases()[i].mutant;
  }
}

TEST(MutantsTest, TheCorrectBackendHoldsEachWitnessCell) {
  std::vector<CellSpec> cells;
  for (const MutantCase& m : Cases()) cells.push_back(Cell(m.correct, m.witness, "random", 2000));
  const RunResults r = RunSuite(cells);
  ASSERT_EQ(r.cells.size(), Cases().size());
  for (size_t i = 0; i < Cases().size(); ++i) {
    const MutantCase& m = Cases()[i];
    const InvariantResult& inv = Result(r.cells[i], m.breaks);
    EXPECT_EQ(inv.verdict, Verdict::kHolds) << m.correct << " / " << m.witness << " / "
                                            << InvariantId(m.breaks);
    EXPECT_EQ(inv.evaluated, 2000u) << m.correct << " / " << m.witness;
  }
}

// The lock-free map's memory-order mutants (maps/mutants/lockfree_mutants.h): their bug is a
// missing happens-before edge, not an interleaving. Under --memory-model sc (every atomic operation
// synchronises) every schedule runs them correctly: they hold every claim in their witness cell.
// Under c11 (the default: each operation's memory_order) the node's key or value, a Var written
// before a relaxed publish or read after a relaxed load, races: no-data-race BROKEN.
TEST(MutantsTest, MemoryOrderMutantsRaceUnderC11AndHoldUnderSc) {
  const std::vector<std::string> memory_order = {"mutant.lockfree_relaxed_publish",
                                                 "mutant.lockfree_missing_acquire"};
  std::vector<CellSpec> cells;
  for (const std::string& m : memory_order) {
    const BackendInfo* b = GlobalBackends().Find(m);
    ASSERT_NE(b, nullptr) << m;
    EXPECT_EQ(b->witness_scenario, "iterate-while-grow") << m;
    EXPECT_TRUE(b->make_controlled && b->make_real) << m;
    for (const char* strategy : {"random", "pct:d=2"}) {
      cells.push_back(Cell(m, "iterate-while-grow", std::string(strategy) + "+sc", 2000));
      cells.push_back(Cell(m, "iterate-while-grow", strategy, 300));
    }
  }
  const RunResults r = RunSuite(cells);
  ASSERT_EQ(r.cells.size(), cells.size());
  for (size_t i = 0; i < r.cells.size(); ++i) {
    const CellResult& c = r.cells[i];
    const bool sc = cells[i].strategy.memory_model == MemoryModel::kSc;
    for (Invariant inv : kAllInvariants) {
      const Verdict expected =
          !sc && inv == Invariant::kNoDataRace ? Verdict::kBroken : Verdict::kHolds;
      if (expected == Verdict::kHolds) {
        EXPECT_NE(Result(c, inv).verdict, Verdict::kBroken)
            << c.backend << " " << c.strategy << " " << InvariantId(inv);
      } else {
        EXPECT_EQ(Result(c, inv).verdict, Verdict::kBroken)
            << c.backend << " " << c.strategy << " " << InvariantId(inv);
      }
    }
  }
  // The correct map holds the same cells in both models.
  const RunResults ok = RunSuite({Cell("lockfree", "iterate-while-grow", "random", 2000),
                                  Cell("lockfree", "iterate-while-grow", "random+sc", 2000)});
  for (const CellResult& c : ok.cells) {
    for (Invariant inv : kAllInvariants) {
      EXPECT_NE(Result(c, inv).verdict, Verdict::kBroken) << c.strategy << " " << InvariantId(inv);
    }
  }
}

}  // namespace
}  // namespace mapfault
