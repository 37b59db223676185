// Hand-written histories for the state checkers: linearizable (including the undecided budget),
// quiescent-state, size-bounds and check-then-act.
#include "gtest/gtest.h"
#include "harness/checkers/history_builder.h"
#include "harness/checkers/linearizability.h"

namespace mapfault {
namespace {

bool Mentions(const std::optional<Violation>& v, const std::string& text) {
  return v && v->explanation.find(text) != std::string::npos;
}

// --- linearizable ------------------------------------------------------------------------------

TEST(LinearizableTest, SequentialHistoryIsLinearizable) {
  HistoryBuilder b;
  b.Insert(0, 1, 10, 1, 2, true);
  b.Find(0, 1, 3, 4, 10);
  b.Insert(0, 1, 11, 5, 6, false);
  b.Assign(0, 1, 12, 7, 8);
  b.Erase(0, 1, 9, 10, true);
  b.Erase(0, 1, 11, 12, false);
  b.Find(0, 1, 13, 14, std::nullopt);
  EXPECT_FALSE(b.Check(Invariant::kLinearizable));
}

TEST(LinearizableTest, OverlappingOperationsMayBeOrderedEitherWay) {
  HistoryBuilder b;
  b.Insert(0, 1, 10, 1, 6, true);
  b.Find(1, 1, 2, 3, std::nullopt);  // before the insert took effect
  b.Find(1, 1, 4, 5, 10);            // after
  EXPECT_FALSE(b.Check(Invariant::kLinearizable));
}

TEST(LinearizableTest, FindMissingACompletedInsertIsFlagged) {
  HistoryBuilder b;
  b.Insert(0, 1, 10, 1, 2, true);
  b.Find(1, 1, 3, 4, std::nullopt);
  const auto v = b.Check(Invariant::kLinearizable);
  ASSERT_TRUE(v);
  EXPECT_TRUE(Mentions(v, "T1 find(1) -> absent [t=3..4]")) << v->explanation;
  EXPECT_EQ(v->evidence.size(), 2u);
}

TEST(LinearizableTest, TwoSuccessfulInsertsWithoutAnEraseAreFlagged) {
  HistoryBuilder b;
  b.Insert(0, 1, 10, 1, 4, true);
  b.Insert(1, 1, 11, 2, 3, true);
  EXPECT_TRUE(b.Check(Invariant::kLinearizable));
}

TEST(LinearizableTest, LostUpdateIsFlagged) {
  HistoryBuilder b;
  b.Initial({{1, 5}});
  b.Assign(0, 1, 10, 1, 2);
  b.Assign(1, 1, 11, 3, 4);
  b.Find(0, 1, 5, 6, 10);  // the second assign was lost
  EXPECT_TRUE(b.Check(Invariant::kLinearizable));
}

TEST(LinearizableTest, EraseThisCountsAsARemoval) {
  HistoryBuilder b;
  b.Initial({{1, 5}});
  b.Iter(0, 1, 4, {{1, 5, 2}}, /*erased=*/{1});
  b.Find(1, 1, 5, 6, std::nullopt);
  EXPECT_FALSE(b.Check(Invariant::kLinearizable));
}

TEST(LinearizableTest, PathologicalHistoryIsUndecidedWithinTheBudget) {
  // 40 fully overlapping assigns and finds of one key whose finds see values in an impossible order:
  // the search space is huge, and the budget ends it with "undecided".
  HistoryBuilder b;
  for (int i = 0; i < 40; ++i) {
    b.Assign(i, 1, i, 1 + i, 1000 - i);
    b.Find(40 + i, 1, 100 + i, 900 - i, (i * 7) % 40);
  }
  const CheckResult r = b.CheckAll(/*budget=*/5000);
  EXPECT_TRUE(r.undecided.Contains(Invariant::kLinearizable));
  for (const Violation& v : r.violations) EXPECT_NE(v.invariant, Invariant::kLinearizable);
}

TEST(LinearizableEngineTest, BudgetIsRespected) {
  std::vector<LinOp> ops;
  for (int i = 0; i < 30; ++i) {
    LinOp w;
    w.kind = LinOp::Kind::kAssign;
    w.invoke = 1 + i;
    w.response = 500 - i;
    w.value = i;
    ops.push_back(w);
    LinOp r;
    r.kind = LinOp::Kind::kFind;
    r.invoke = 100 + i;
    r.response = 400 - i;
    r.found = 29 - i;
    ops.push_back(r);
  }
  const LinOutcome out = CheckKeyLinearizable(std::nullopt, ops, 1000);
  EXPECT_EQ(out.verdict, LinVerdict::kUndecided);
  EXPECT_LE(out.steps, 1001u);
}

// --- quiescent-state ---------------------------------------------------------------------------

TEST(QuiescentStateTest, EitherOrderOfConcurrentAssignsIsReachable) {
  for (Value last : {10, 11}) {
    HistoryBuilder b;
    b.Assign(0, 1, 10, 1, 4);
    b.Assign(1, 1, 11, 2, 3);
    b.Final({{1, last}}, 5);
    EXPECT_FALSE(b.Check(Invariant::kQuiescentState)) << last;
  }
}

TEST(QuiescentStateTest, ValueNoOneWroteLastIsUnreachable) {
  HistoryBuilder b;
  b.Assign(0, 1, 10, 1, 2);
  b.Assign(1, 1, 11, 3, 4);
  b.Final({{1, 10}}, 5);  // the later assign was lost
  EXPECT_TRUE(Mentions(b.Check(Invariant::kQuiescentState), "key 1 held 10"));
}

TEST(QuiescentStateTest, KeyThatVanishedIsUnreachable) {
  HistoryBuilder b;
  b.Initial({{3, 1003}});
  b.Find(0, 3, 1, 2, 1003);
  b.Final({}, 3);
  EXPECT_TRUE(Mentions(b.Check(Invariant::kQuiescentState), "key 3 was absent"));
}

TEST(QuiescentStateTest, WrongResultsAreNotItsBusiness) {
  HistoryBuilder b;
  b.Insert(0, 1, 10, 1, 2, false);  // wrong result, but the effect (insert into empty) happened
  b.Final({{1, 10}}, 3);
  EXPECT_FALSE(b.Check(Invariant::kQuiescentState));
  EXPECT_TRUE(b.Check(Invariant::kLinearizable));
}

// --- size-bounds -------------------------------------------------------------------------------

TEST(SizeBoundsTest, ExactSizeOfAQuiescentMapHolds) {
  HistoryBuilder b;
  b.Initial({{1, 1}, {2, 2}});
  b.Size(-1, 5, 6, 2);
  EXPECT_FALSE(b.Check(Invariant::kSizeBounds));
}

TEST(SizeBoundsTest, ConcurrentInsertAllowsEitherCount) {
  for (uint64_t n : {2u, 3u}) {
    HistoryBuilder b;
    b.Initial({{1, 1}, {2, 2}});
    b.Insert(1, 3, 3, 2, 6, true);
    b.Size(0, 3, 5, n);
    EXPECT_FALSE(b.Check(Invariant::kSizeBounds)) << n;
  }
}

TEST(SizeBoundsTest, CountsOutsideTheWindowAreFlagged) {
  HistoryBuilder low;
  low.Initial({{1, 1}, {2, 2}});
  low.Size(0, 1, 2, 1);
  EXPECT_TRUE(Mentions(low.Check(Invariant::kSizeBounds), "at least 2 keys were present"));
  HistoryBuilder high;
  high.Initial({{1, 1}, {2, 2}});
  high.Erase(1, 2, 1, 2, true);
  high.Size(0, 3, 4, 2);
  EXPECT_TRUE(Mentions(high.Check(Invariant::kSizeBounds), "at most 1 keys could have been"));
}

// --- check-then-act ----------------------------------------------------------------------------

// T0 erases key 2 (expired value 12) at t=3; T1 refreshes it.
HistoryBuilder ConditionalErase(uint64_t assign_begin, uint64_t assign_end, bool gone_at_end) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 12}});
  OpRecord& it = b.Iter(0, 1, 10, {{1, 1001, 2}, {2, 12, 3}}, /*erased=*/{2});
  it.erase_if_value_below = 100;
  b.Assign(1, 2, 10201, assign_begin, assign_end);
  if (gone_at_end) {
    b.Final({{1, 1001}}, 11);
  } else {
    b.Final({{1, 1001}, {2, 10201}}, 11);
  }
  return b;
}

TEST(CheckThenActTest, RefreshedEntryRemovedByTheConditionalEraseIsFlagged) {
  const auto v = ConditionalErase(5, 6, /*gone_at_end=*/true).Check(Invariant::kCheckThenAct);
  ASSERT_TRUE(v);
  EXPECT_TRUE(Mentions(v, "saw key 2 with expired value 12 at t=3 and erased it, but T1 "
                          "assign(2, 10201) -> done [t=5..6] refreshed it after the check"))
      << v->explanation;
  EXPECT_EQ(v->evidence.size(), 3u);
}

TEST(CheckThenActTest, RefreshThatSurvivedHolds) {
  EXPECT_FALSE(ConditionalErase(5, 6, /*gone_at_end=*/false).Check(Invariant::kCheckThenAct));
}

TEST(CheckThenActTest, RefreshOverlappingTheCheckIsNotEvidence) {
  EXPECT_FALSE(ConditionalErase(2, 6, /*gone_at_end=*/true).Check(Invariant::kCheckThenAct));
}

TEST(CheckThenActTest, AnotherEraserExplainsTheMissingEntry) {
  HistoryBuilder b = ConditionalErase(5, 6, /*gone_at_end=*/true);
  b.Erase(2, 2, 7, 8, true);
  EXPECT_FALSE(b.Check(Invariant::kCheckThenAct));
}

TEST(CheckThenActTest, UnconditionalIterationsAreNotJudged) {
  HistoryBuilder b = ConditionalErase(5, 6, /*gone_at_end=*/true);
  b.history().threads[0][0].erase_if_value_below.reset();
  EXPECT_FALSE(b.Check(Invariant::kCheckThenAct));
}

}  // namespace
}  // namespace mapfault
