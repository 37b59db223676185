// Tests of the iteration checkers on hand-written histories: each must flag what it forbids and
// accept the legal corner cases.
#include "harness/checkers.h"

#include "gtest/gtest.h"

namespace mapfault {
namespace {

class HistoryBuilder {
 public:
  HistoryBuilder& Initial(std::vector<std::pair<Key, Value>> init) {
    h_.initial = std::move(init);
    return *this;
  }
  OpRecord& Op(int thread, OpKind kind, Key key, uint64_t invoke, uint64_t response) {
    if (static_cast<int>(h_.threads.size()) <= thread) h_.threads.resize(thread + 1);
    OpRecord op;
    op.kind = kind;
    op.key = key;
    op.thread = thread;
    op.invoke = invoke;
    op.response = response;
    h_.threads[thread].push_back(op);
    return h_.threads[thread].back();
  }
  OpRecord& Iter(int thread, uint64_t invoke, uint64_t response,
                 std::vector<std::pair<Key, uint64_t>> yields) {
    OpRecord& op = Op(thread, OpKind::kForEach, 0, invoke, response);
    for (auto [k, at] : yields) op.yields.push_back({k, 1000 + k, at, VisitAction::kContinue});
    return op;
  }
  std::vector<Violation> Check() const { return CheckHistory(h_, InvariantSet::All()); }
  History& history() { return h_; }

 private:
  History h_;
};

bool Has(const std::vector<Violation>& vs, Invariant inv) {
  for (const Violation& v : vs) {
    if (v.invariant == inv) return true;
  }
  return false;
}

TEST(CheckersTest, CompleteIterationOfAStableMapPasses) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}, {3, 1003}});
  b.Iter(0, 1, 10, {{2, 2}, {1, 4}, {3, 6}});
  EXPECT_TRUE(b.Check().empty());
}

TEST(CheckersTest, DuplicateYieldIsFlagged) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  b.Iter(0, 1, 10, {{1, 2}, {2, 3}, {1, 4}});
  const auto vs = b.Check();
  ASSERT_TRUE(Has(vs, Invariant::kIterNoDuplicate));
  EXPECT_NE(vs[0].explanation.find("yielded key 1 twice (at t=2 and at t=4)"), std::string::npos)
      << vs[0].explanation;
}

TEST(CheckersTest, MissedStableKeyIsFlaggedWithWords) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {17, 1017}});
  b.Iter(0, 1, 10, {{1, 2}});
  const auto vs = b.Check();
  ASSERT_EQ(vs.size(), 1u);
  EXPECT_EQ(vs[0].invariant, Invariant::kIterNoMissedStable);
  EXPECT_NE(vs[0].explanation.find("key 17 was present for the whole iteration"),
            std::string::npos);
  EXPECT_NE(vs[0].explanation.find("never visited"), std::string::npos);
}

TEST(CheckersTest, KeyErasedConcurrentlyMayBeMissed) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  b.Iter(0, 1, 10, {{1, 2}});
  b.Op(1, OpKind::kErase, 2, 3, 5).ok = true;
  EXPECT_TRUE(b.Check().empty());
}

TEST(CheckersTest, KeyInsertedConcurrentlyMayBeMissedOrSeen) {
  HistoryBuilder b;
  b.Initial({{1, 1001}});
  b.Op(1, OpKind::kInsert, 5, 2, 6).ok = true;
  b.Iter(0, 1, 10, {{1, 3}});
  EXPECT_TRUE(b.Check().empty());
  HistoryBuilder seen;
  seen.Initial({{1, 1001}});
  seen.Op(1, OpKind::kInsert, 5, 2, 6).ok = true;
  seen.Iter(0, 1, 10, {{1, 3}, {5, 4}});  // yielded while the insert was still running
  EXPECT_TRUE(seen.Check().empty());
}

TEST(CheckersTest, KeyInsertedBeforeTheIterationMustBeSeen) {
  HistoryBuilder b;
  b.Op(1, OpKind::kInsert, 5, 1, 2).ok = true;
  b.Iter(0, 3, 10, {});
  EXPECT_TRUE(Has(b.Check(), Invariant::kIterNoMissedStable));
}

TEST(CheckersTest, StoppedIterationIsNotJudgedForMisses) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  b.Iter(0, 1, 10, {{1, 2}}).stopped = true;
  EXPECT_TRUE(b.Check().empty());
}

TEST(CheckersTest, IterationsOwnEraseDoesNotDisqualifyAKey) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  OpRecord& it = b.Iter(0, 1, 10, {{1, 2}, {2, 4}});
  it.yields[0].action = VisitAction::kEraseThis;
  EXPECT_TRUE(b.Check().empty());
}

TEST(CheckersTest, KeyNeverInsertedIsAPhantom) {
  HistoryBuilder b;
  b.Initial({{1, 1001}});
  b.Iter(0, 1, 10, {{1, 2}, {-2459565876494606883, 3}});
  const auto vs = b.Check();
  ASSERT_TRUE(Has(vs, Invariant::kIterNoPhantom));
  EXPECT_NE(vs[0].explanation.find("no operation ever inserted key"), std::string::npos);
}

TEST(CheckersTest, KeyErasedBeforeTheIterationBeganIsAPhantom) {
  HistoryBuilder b;
  b.Initial({{1, 1001}, {2, 1002}});
  b.Op(1, OpKind::kErase, 2, 1, 2).ok = true;
  b.Iter(0, 3, 10, {{1, 4}, {2, 5}});
  const auto vs = b.Check();
  ASSERT_TRUE(Has(vs, Invariant::kIterNoPhantom));
  EXPECT_NE(vs[0].explanation.find("T1 erase(2) -> true"), std::string::npos) << vs[0].explanation;
}

TEST(CheckersTest, KeyReinsertedAfterAnEraseIsNotAPhantom) {
  HistoryBuilder b;
  b.Initial({{2, 1002}});
  b.Op(1, OpKind::kErase, 2, 1, 2).ok = true;
  b.Op(1, OpKind::kInsert, 2, 3, 4).ok = true;
  b.Iter(0, 5, 10, {{2, 6}});
  EXPECT_TRUE(b.Check().empty());
}

TEST(CheckersTest, EraseOverlappingTheIterationStartMakesAYieldLegal) {
  HistoryBuilder b;
  b.Initial({{2, 1002}});
  b.Op(1, OpKind::kErase, 2, 1, 4).ok = true;  // may take effect after the iteration's yield
  b.Iter(0, 2, 10, {{2, 3}});
  EXPECT_TRUE(b.Check().empty());
}

TEST(CheckersTest, OnlyRequestedInvariantsAreChecked) {
  HistoryBuilder b;
  b.Initial({{1, 1001}});
  b.Iter(0, 1, 10, {{1, 2}, {1, 3}});
  EXPECT_TRUE(CheckHistory(b.history(), InvariantSet{Invariant::kIterNoPhantom}).empty());
}

}  // namespace
}  // namespace mapfault
