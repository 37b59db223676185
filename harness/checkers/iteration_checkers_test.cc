// Hand-written histories for the iteration checkers: iter.no-duplicate, iter.no-missed-stable,
// iter.no-phantom, iter.value-valid and iter.erase-honoured; each must flag what it forbids and
// accept the legal corner cases.
#include "gtest/gtest.h"
#include "harness/checkers/history_builder.h"

namespace mapfault {
namespace {

bool Mentions(const std::optional<Violation>& v, const std::string& text) {
  return v && v->explanation.find(text) != std::string::npos;
}

// --- iter.no-duplicate -------------------------------------------------------------------------

TEST(NoDuplicateTest, DuplicateYieldIsFlaggedWithBothTimes) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  b.Iter(0, 1, 10, {{1, 1001, 2}, {2, 1002, 3}, {1, 1001, 4}});
  const auto v = b.Check(Invariant::kIterNoDuplicate);
  ASSERT_TRUE(v);
  EXPECT_TRUE(Mentions(v, "T0 for_each() yielded key 1 twice (at t=2 and at t=4)"))
      << v->explanation;
  EXPECT_EQ(v->evidence.size(), 2u);
}

TEST(NoDuplicateTest, ReinsertBetweenTheYieldsIsAllowedOnlyByTheRelaxation) {
  HistoryBuilder b;
  b.Initial({{1, 1001}});
  b.Erase(1, 1, 3, 4, true);
  b.Insert(1, 1, 7, 5, 6, true);
  b.Iter(0, 1, 10, {{1, 1001, 2}, {1, 7, 8}});
  EXPECT_TRUE(b.Check(Invariant::kIterNoDuplicate));
  EXPECT_FALSE(b.Check(Invariant::kIterNoDuplicate, /*allow_reinsert=*/true));
}

TEST(NoDuplicateTest, RelaxationStillFlagsARepeatWithoutReinsert) {
  HistoryBuilder b;
  b.Initial({{1, 1001}});
  b.Erase(1, 1, 3, 4, true);  // erased, but never re-inserted
  b.Iter(0, 1, 10, {{1, 1001, 2}, {1, 1001, 8}});
  EXPECT_TRUE(Mentions(b.Check(Invariant::kIterNoDuplicate, true), "no one erased and re-inserted"));
}

// --- iter.no-missed-stable ---------------------------------------------------------------------

TEST(NoMissedStableTest, StableKeyNeverVisitedIsFlaggedInWords) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {17, 1017}});
  b.Iter(0, 1, 10, {{1, 1001, 2}});
  EXPECT_TRUE(Mentions(b.Check(Invariant::kIterNoMissedStable),
                       "key 17 was present for the whole iteration"));
}

TEST(NoMissedStableTest, KeyErasedConcurrentlyMayBeMissed) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  b.Iter(0, 1, 10, {{1, 1001, 2}});
  b.Erase(1, 2, 3, 5, true);
  EXPECT_FALSE(b.Check(Invariant::kIterNoMissedStable));
}

TEST(NoMissedStableTest, KeyInsertedConcurrentlyMayBeMissed) {
  HistoryBuilder b;
  b.Initial({{1, 1001}});
  b.Insert(1, 5, 7, 2, 6, true);
  b.Iter(0, 1, 10, {{1, 1001, 3}});
  EXPECT_FALSE(b.Check(Invariant::kIterNoMissedStable));
}

TEST(NoMissedStableTest, KeyInsertedBeforeTheIterationMustBeSeen) {
  HistoryBuilder b;
  b.Insert(1, 5, 7, 1, 2, true);
  b.Iter(0, 3, 10, {});
  EXPECT_TRUE(b.Check(Invariant::kIterNoMissedStable));
}

TEST(NoMissedStableTest, EraseThatFinishedBeforeTheReinsertDoesNotExcuseAMiss) {
  HistoryBuilder b;
  b.Initial({{5, 1005}});
  b.Erase(1, 5, 1, 2, true);
  b.Insert(1, 5, 7, 3, 4, true);
  b.Iter(0, 5, 10, {});
  EXPECT_TRUE(b.Check(Invariant::kIterNoMissedStable));
}

TEST(NoMissedStableTest, StoppedIterationIsNotJudged) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  b.Iter(0, 1, 10, {{1, 1001, 2}}).stopped = true;
  EXPECT_FALSE(b.Check(Invariant::kIterNoMissedStable));
}

TEST(NoMissedStableTest, IterationsOwnEraseDoesNotDisqualifyAKey) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  b.Iter(0, 1, 10, {{1, 1001, 2}, {2, 1002, 4}}, /*erased=*/{1});
  EXPECT_FALSE(b.Check(Invariant::kIterNoMissedStable));
}

// --- iter.no-phantom ---------------------------------------------------------------------------

TEST(NoPhantomTest, KeyNeverWrittenIsAPhantom) {
  HistoryBuilder b;
  b.Initial({{1, 1001}});
  b.Iter(0, 1, 10, {{1, 1001, 2}, {-2459565876494606883, 0, 3}});
  EXPECT_TRUE(Mentions(b.Check(Invariant::kIterNoPhantom), "no operation wrote key"));
}

TEST(NoPhantomTest, KeyErasedBeforeTheIterationBeganIsAPhantom) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  b.Erase(1, 2, 1, 2, true);
  b.Iter(0, 3, 10, {{1, 1001, 4}, {2, 1002, 5}});
  EXPECT_TRUE(Mentions(b.Check(Invariant::kIterNoPhantom), "T1 erase(2) -> true"));
}

TEST(NoPhantomTest, KeyReinsertedAfterAnEraseIsNotAPhantom) {
  HistoryBuilder b;
  b.Initial({{2, 1002}});
  b.Erase(1, 2, 1, 2, true);
  b.Insert(1, 2, 9, 3, 4, true);
  b.Iter(0, 5, 10, {{2, 9, 6}});
  EXPECT_FALSE(b.Check(Invariant::kIterNoPhantom));
}

TEST(NoPhantomTest, EraseOverlappingTheIterationStartMakesAYieldLegal) {
  HistoryBuilder b;
  b.Initial({{2, 1002}});
  b.Erase(1, 2, 1, 4, true);
  b.Iter(0, 2, 10, {{2, 1002, 3}});
  EXPECT_FALSE(b.Check(Invariant::kIterNoPhantom));
}

TEST(NoPhantomTest, KeyInsertedWhileTheIterationRunsMayBeSeen) {
  HistoryBuilder b;
  b.Insert(1, 5, 7, 2, 6, true);
  b.Iter(0, 1, 10, {{5, 7, 4}});  // yielded while the insert was still running
  EXPECT_FALSE(b.Check(Invariant::kIterNoPhantom));
}

TEST(NoPhantomTest, AWrongFindIsNotEvidenceAgainstTheIteration) {
  HistoryBuilder b;
  b.Initial({{2, 1002}});
  b.Find(1, 2, 1, 2, std::nullopt);  // wrong, but a find removes nothing
  b.Iter(0, 3, 10, {{2, 1002, 4}});
  EXPECT_FALSE(b.Check(Invariant::kIterNoPhantom));
}

// --- iter.value-valid --------------------------------------------------------------------------

TEST(ValueValidTest, InitialAndConcurrentValuesAreValid) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  b.Assign(1, 2, 9, 2, 8);  // overlaps the yield of 2: either value may be seen
  b.Iter(0, 1, 10, {{1, 1001, 3}, {2, 1002, 5}});
  EXPECT_FALSE(b.Check(Invariant::kIterValueValid));
  HistoryBuilder c;
  c.Initial({{2, 1002}});
  c.Assign(1, 2, 9, 2, 4);
  c.Iter(0, 1, 10, {{2, 9, 5}});
  EXPECT_FALSE(c.Check(Invariant::kIterValueValid));
}

TEST(ValueValidTest, ValueOverwrittenBeforeTheIterationBeganIsStale) {
  HistoryBuilder b;
  b.Initial({{2, 1002}});
  b.Assign(1, 2, 9, 1, 2);
  b.Iter(0, 3, 10, {{2, 1002, 5}});
  const auto v = b.Check(Invariant::kIterValueValid);
  EXPECT_TRUE(Mentions(v, "overwritten or removed by T1 assign(2, 9)")) << v->explanation;
}

TEST(ValueValidTest, ValueNeverWrittenIsFlagged) {
  HistoryBuilder b;
  b.Initial({{2, 1002}});
  b.Iter(0, 1, 10, {{2, 4242, 5}});
  EXPECT_TRUE(Mentions(b.Check(Invariant::kIterValueValid), "no operation wrote value 4242"));
}

TEST(ValueValidTest, ValueWrittenOnlyAfterTheYieldIsFlagged) {
  HistoryBuilder b;
  b.Initial({{2, 1002}});
  b.Assign(1, 2, 9, 6, 7);
  b.Iter(0, 1, 10, {{2, 9, 5}});
  EXPECT_TRUE(b.Check(Invariant::kIterValueValid));
}

// --- iter.erase-honoured -----------------------------------------------------------------------

TEST(EraseHonouredTest, EntryErasedByTheIterationMustNotComeBack) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  b.Iter(0, 1, 10, {{1, 1001, 2}, {2, 1002, 3}, {1, 1001, 5}}, /*erased=*/{1});
  EXPECT_TRUE(Mentions(b.Check(Invariant::kIterEraseHonoured),
                       "erased key 1 itself at t=2 (erase-this) but yielded it again at t=5"));
}

TEST(EraseHonouredTest, ReinsertByAnotherThreadExplainsTheSecondYield) {
  HistoryBuilder b;
  b.Initial({{1, 1001}});
  b.Insert(1, 1, 7, 3, 4, true);
  b.Iter(0, 1, 10, {{1, 1001, 2}, {1, 7, 5}}, /*erased=*/{1});
  EXPECT_FALSE(b.Check(Invariant::kIterEraseHonoured));
}

TEST(EraseHonouredTest, ErasingWithoutSeeingTheKeyAgainHolds) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  b.Iter(0, 1, 10, {{1, 1001, 2}, {2, 1002, 3}}, /*erased=*/{1, 2});
  EXPECT_FALSE(b.Check(Invariant::kIterEraseHonoured));
}

}  // namespace
}  // namespace mapfault
