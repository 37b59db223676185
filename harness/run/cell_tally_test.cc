// Tests of a cell's tally: the earliest failure wins, a death is unconfirmed until replayed, and the
// cell's result judges only what was evaluated and checked.
#include "harness/run/cell_tally.h"

#include "gtest/gtest.h"
#include "maps/builtin_backends.h"

namespace mapfault {
namespace {

IsolatedOutcome Segv() {
  IsolatedOutcome o;
  o.kind = IsolatedOutcome::Kind::kSignal;
  o.signal = SIGSEGV;
  o.detail = "SIGSEGV (Segmentation fault)";
  return o;
}

TEST(CellTallyTest, TheEarliestFailureWins) {
  CellTally t;
  t.Fail(Invariant::kIterNoPhantom, 9, "k9", "e9", {"x9"});
  t.Fail(Invariant::kIterNoPhantom, 4, "k4", "e4", {"x4"});
  t.Fail(Invariant::kIterNoPhantom, 6, "k6", "e6", {"x6"});
  const CellTally::First& f = t.first[static_cast<int>(Invariant::kIterNoPhantom)];
  EXPECT_EQ(f.failure.first_failure_trial, 5u);  // 1-based
  EXPECT_EQ(f.trial(), 4u);
  EXPECT_EQ(f.failure.token, "k4");
  EXPECT_EQ(f.failure.evidence, std::vector<std::string>{"x4"});
  EXPECT_TRUE(f.failure.confirmed);
}

TEST(CellTallyTest, ADeathIsUnconfirmedAndKeepsHowItEnded) {
  CellTally t;
  t.Died(Invariant::kNoCrash, 7, "k7", Segv());
  const CellTally::First& f = t.first[static_cast<int>(Invariant::kNoCrash)];
  EXPECT_EQ(f.failure.first_failure_trial, 8u);
  EXPECT_FALSE(f.failure.confirmed);
  EXPECT_EQ(f.kind, IsolatedOutcome::Kind::kSignal);
  EXPECT_EQ(f.signal, SIGSEGV);
  EXPECT_NE(f.failure.explanation.find("SIGSEGV"), std::string::npos) << f.failure.explanation;
  t.Died(Invariant::kNoCrash, 9, "k9", Segv());  // later: ignored
  EXPECT_EQ(f.failure.token, "k7");
  t.Fail(Invariant::kNoCrash, 2, "k2", "e2", {});  // earlier and reported: confirmed
  EXPECT_EQ(f.failure.token, "k2");
  EXPECT_TRUE(f.failure.confirmed);
}

TEST(CellTallyTest, TheResultJudgesEvaluatedAndCheckedInvariantsOnly) {
  CellSpec cell;
  cell.backend = GlobalBackends().Find("mutex");
  cell.scenario = ScenarioRegistry::Builtin().Find("iterate-while-erase");
  cell.params = cell.scenario->defaults;
  cell.checked = InvariantSet{Invariant::kNoCrash, Invariant::kIterNoPhantom};
  CellTally t;
  t.trials = 10;
  t.worker_seconds = 2;
  t.NotEvaluated(InvariantSet{Invariant::kIterNoPhantom});
  t.failures[static_cast<int>(Invariant::kIterNoPhantom)] = 1;
  t.claimed_failures[static_cast<int>(Invariant::kIterNoPhantom)] = 1;
  t.Fail(Invariant::kIterNoPhantom, 3, "k3", "e3", {"x"});
  const CellResult r = t.ToResult(cell, 12);
  EXPECT_EQ(r.backend, "mutex");
  EXPECT_EQ(r.mode, "controlled");
  EXPECT_EQ(r.trials_planned, 12u);
  EXPECT_EQ(r.trials, 10u);
  const InvariantResult& phantom = r.invariants[static_cast<int>(Invariant::kIterNoPhantom)];
  EXPECT_EQ(phantom.evaluated, 9u);
  EXPECT_EQ(phantom.verdict, Verdict::kBroken);
  EXPECT_EQ(phantom.first_failure_trial, 4u);
  EXPECT_EQ(phantom.token, "k3");
  const InvariantResult& crash = r.invariants[static_cast<int>(Invariant::kNoCrash)];
  EXPECT_EQ(crash.evaluated, 10u);
  EXPECT_EQ(crash.verdict, Verdict::kHolds);
  const InvariantResult& dup = r.invariants[static_cast<int>(Invariant::kIterNoDuplicate)];
  EXPECT_EQ(dup.evaluated, 0u);  // not checked
  EXPECT_EQ(dup.verdict, Verdict::kNotRun);
}

}  // namespace
}  // namespace mapfault
