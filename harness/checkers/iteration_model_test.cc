// The precise iteration model (DESIGN.md section 12) in hand-written histories: read windows, the
// three erase-this outcomes (erased, declined, unknown) and visitor writes, as every checker that
// sees them judges them. Each history is one a correct lock-free map produces, which the old model
// (visits judged at their own timestamp, every erase-this a removal) called BROKEN, or one a broken
// map produces, which the new model must still flag.
#include "gtest/gtest.h"
#include "harness/checkers/history_builder.h"

namespace mapfault {
namespace {

// A visitor write of `f`, made at its `visit`-th yield (0-based), over [invoke, response].
void AddVisitWrite(OpRecord& f, OpKind kind, Key k, Value v, uint64_t invoke, uint64_t response,
                   int visit) {
  OpRecord& w = f.visit_writes.emplace_back();
  w.kind = kind;
  w.key = k;
  w.value = v;
  w.thread = f.thread;
  w.invoke = invoke;
  w.response = response;
  w.ok = true;
  w.visit = visit;
}

// T0: for_each(erase if value<100) reads (1, 11) at t=2, and visits it at t=5 after T1's assign
// (1, 10200) [t=3..4] landed; its erase-this then has outcome `outcome`.
HistoryBuilder StaleErase(EraseOutcome outcome) {
  HistoryBuilder b;
  b.Initial({{1, 11}});
  OpRecord& f = b.Iter(0, 1, 7, {{1, 11, 5}}, {1});
  f.erase_if_value_below = 100;
  f.yields[0].read_from = 1;
  f.yields[0].read_to = 2;
  f.yields[0].erase = outcome;
  if (outcome != EraseOutcome::kUnknown) f.yields[0].erase_at = 6;
  b.Assign(1, 1, 10200, 3, 4);
  b.history().parallel_end = 8;
  b.history().final_state = std::vector<std::pair<Key, Value>>{{1, 10200}};
  return b;
}

TEST(IterationModelTest, DeclinedEraseThisIsNoRemoval) {
  const HistoryBuilder b = StaleErase(EraseOutcome::kDeclined);
  EXPECT_TRUE(b.CheckAll().violations.empty());
}

// The same history with the erase-this recorded as a removal (the old model) is BROKEN: that is
// the false verdict the outcome exists to avoid.
TEST(IterationModelTest, TheOldModelCalledTheStaleDeclineBroken) {
  const HistoryBuilder b = StaleErase(EraseOutcome::kErased);
  const CheckResult r = b.CheckAll();
  ASSERT_FALSE(r.violations.empty());
  EXPECT_TRUE(r.violated().Contains(Invariant::kQuiescentState));
}

TEST(IterationModelTest, UnknownOutcomeMayHaveRemovedOrNot) {
  HistoryBuilder kept = StaleErase(EraseOutcome::kUnknown);
  EXPECT_TRUE(kept.CheckAll().violations.empty());
  HistoryBuilder gone = StaleErase(EraseOutcome::kUnknown);
  gone.history().final_state = std::vector<std::pair<Key, Value>>{};
  // Gone after the join: only the erase-this can have removed the refreshed entry. Not a state
  // violation (it may have removed), but check-then-act: the fresh value was removed.
  const CheckResult r = gone.CheckAll();
  EXPECT_FALSE(r.violated().Contains(Invariant::kQuiescentState));
  EXPECT_FALSE(r.violated().Contains(Invariant::kLinearizable));
  EXPECT_TRUE(r.violated().Contains(Invariant::kCheckThenAct));
}

// An unknown erase-this does not make a later find's "present" impossible, nor a later "absent".
TEST(IterationModelTest, UnknownOutcomeLinearizesBothWays) {
  for (const bool found : {true, false}) {
    HistoryBuilder b;
    b.Initial({{1, 1001}});
    OpRecord& f = b.Iter(0, 1, 4, {{1, 1001, 2}}, {1});
    f.yields[0].erase = EraseOutcome::kUnknown;
    b.Find(1, 1, 5, 6, found ? std::optional<Value>(1001) : std::nullopt);
    EXPECT_FALSE(b.Check(Invariant::kLinearizable)) << found;
  }
}

// A declined erase-this leaves the key: a later find -> absent is a lost entry.
TEST(IterationModelTest, DeclinedEraseThisStillCatchesALostEntry) {
  HistoryBuilder b;
  b.Initial({{1, 1001}});
  OpRecord& f = b.Iter(0, 1, 4, {{1, 1001, 2}}, {1});
  f.yields[0].erase = EraseOutcome::kDeclined;
  f.yields[0].erase_at = 3;
  b.Find(1, 1, 5, 6, std::nullopt);
  EXPECT_TRUE(b.Check(Invariant::kLinearizable));
}

// size-bounds: an unknown erase-this leaves the key possibly present and possibly gone.
TEST(IterationModelTest, SizeAfterAnUnknownEraseThisMayCountTheKeyOrNot) {
  for (const uint64_t size : {1u, 2u}) {
    HistoryBuilder b;
    b.Initial({{1, 1001}, {2, 1002}});
    OpRecord& f = b.Iter(0, 1, 4, {{1, 1001, 2}}, {1});
    f.yields[0].erase = EraseOutcome::kUnknown;
    b.Size(1, 5, 6, size);
    EXPECT_FALSE(b.Check(Invariant::kSizeBounds)) << size;
  }
}

// iter.no-duplicate with Go's relaxation: the first visit's entry was read at t=2, before the erase
// [3..4] and re-insert [5..6] that explain the second yield; the visit itself came later (t=7).
TEST(IterationModelTest, ReinsertBetweenTheReadsExplainsADuplicate) {
  HistoryBuilder b;
  b.Initial({{1, 1001}});
  b.Erase(1, 1, 3, 4, true);
  b.Insert(1, 1, 10201, 5, 6, true);
  OpRecord& f = b.Iter(0, 1, 12, {{1, 1001, 7}, {1, 10201, 9}});
  f.yields[0].read_from = 1;
  f.yields[0].read_to = 2;
  f.yields[1].read_from = 7;
  f.yields[1].read_to = 8;
  EXPECT_FALSE(b.Check(Invariant::kIterNoDuplicate, /*allow_reinsert=*/true));
  // Without the read window the first read is taken at the visit (t=7): nothing lies between.
  OpRecord& old = b.history().threads[0][0];
  old.yields[0].read_to = 0;
  old.yields[0].read_from = 0;
  old.invoke = 7;
  EXPECT_TRUE(b.Check(Invariant::kIterNoDuplicate, /*allow_reinsert=*/true));
}

// A precise read point narrows the windows: a value overwritten before the entry was read is not
// one the read can have returned, though it was current when the iteration began.
TEST(IterationModelTest, ReadPointNarrowsValueValid) {
  HistoryBuilder b;
  b.Initial({{1, 1001}});
  b.Assign(1, 1, 10200, 2, 3);
  OpRecord& f = b.Iter(0, 1, 8, {{1, 1001, 6}});
  EXPECT_FALSE(b.Check(Invariant::kIterValueValid));  // read somewhere in [1, 6]: could be t<2
  f.yields[0].read_from = 4;
  f.yields[0].read_to = 5;
  EXPECT_TRUE(b.Check(Invariant::kIterValueValid));
}

// iter.erase-honoured: a declined erase-this removed nothing, so showing the key again is not an
// erase-honoured matter (and an erased one is).
TEST(IterationModelTest, EraseHonouredJudgesOnlyCertainRemovals) {
  for (const EraseOutcome outcome :
       {EraseOutcome::kErased, EraseOutcome::kDeclined, EraseOutcome::kUnknown}) {
    HistoryBuilder b;
    b.Initial({{1, 1001}});
    OpRecord& f = b.Iter(0, 1, 8, {{1, 1001, 2}, {1, 1001, 5}}, {1});
    f.yields[0].erase = outcome;
    f.yields[1].action = VisitAction::kContinue;
    EXPECT_EQ(b.Check(Invariant::kIterEraseHonoured).has_value(), outcome == EraseOutcome::kErased)
        << EraseOutcomeName(outcome);
  }
}

// Visitor writes: an entry the visitor erased before it was reached must not be shown (Go's rule),
// unless it was re-inserted; an entry the visitor inserted may be shown once, or skipped.
TEST(IterationModelTest, VisitorEraseOfAnUnreachedKeyIsHonoured) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  AddVisitWrite(b.Iter(0, 1, 9, {{1, 1001, 2}, {2, 1002, 6}}), OpKind::kErase, 2, 0, 3, 4, 0);
  const auto v = b.Check(Invariant::kIterEraseHonoured);
  ASSERT_TRUE(v);
  EXPECT_NE(v->explanation.find("(a visitor write)"), std::string::npos) << v->explanation;
  // The same key re-inserted by another thread in between: legal.
  b.Insert(1, 2, 10201, 4, 5, true);
  EXPECT_FALSE(b.Check(Invariant::kIterEraseHonoured));
}

TEST(IterationModelTest, KeyInsertedByTheVisitorMayBeShownOnceOrSkipped) {
  for (const bool shown : {true, false}) {
    HistoryBuilder b;
    b.Initial({{1, 1001}});
    std::vector<std::tuple<Key, Value, uint64_t>> yields = {{1, 1001, 2}};
    if (shown) yields.emplace_back(9, 10100, 6);
    AddVisitWrite(b.Iter(0, 1, 9, yields), OpKind::kInsert, 9, 10100, 3, 4, 0);
    b.history().parallel_end = 10;
    b.history().final_state = std::vector<std::pair<Key, Value>>{{1, 1001}, {9, 10100}};
    EXPECT_TRUE(b.CheckAll().violations.empty()) << shown;
  }
}

}  // namespace
}  // namespace mapfault
