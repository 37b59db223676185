// Tests of step footprints: objects are numbered by first touch per execution, a step lists each
// object once with its strongest access, Dependent() is exact below the shared prefix and
// conservative above it, and history stamps are ordered by the stamp table.
#include "harness/engine/footprint.h"

#include "gtest/gtest.h"

namespace mapfault {
namespace {

StepAccesses Step(std::initializer_list<Access> accesses) {
  StepAccesses s;
  s.accesses = accesses;
  return s;
}

TEST(FootprintTest, NumbersObjectsByFirstTouchAfreshInEachExecution) {
  Footprint f;
  ObjectId a, b;
  f.BeginExecution();
  f.Touch(b, false);
  f.Touch(a, true);
  f.Touch(b, true);  // the same object again: one entry, now written
  ASSERT_EQ(f.step().accesses.size(), 2u);
  EXPECT_EQ(f.step().accesses[0].id, Footprint::kFirstId);
  EXPECT_TRUE(f.step().accesses[0].write);
  EXPECT_EQ(f.step().accesses[1].id, Footprint::kFirstId + 1);
  EXPECT_EQ(f.next_id(), Footprint::kFirstId + 2);
  f.BeginExecution();  // a re-execution touching them the other way round numbers them so
  EXPECT_TRUE(f.step().accesses.empty());
  f.Touch(a, false);
  EXPECT_EQ(a.id, Footprint::kFirstId);
  f.ClearStep();
  f.Touch(b, false);
  EXPECT_EQ(b.id, Footprint::kFirstId + 1);
  ASSERT_EQ(f.step().accesses.size(), 1u);
  EXPECT_FALSE(f.step().accesses[0].write);
}

TEST(FootprintTest, AStepTooLargeToListTouchesEverything) {
  Footprint f;
  f.BeginExecution();
  std::vector<ObjectId> objects(Footprint::kMaxAccesses + 1);
  for (ObjectId& o : objects) f.Touch(o, false);
  EXPECT_TRUE(f.step().all);
  EXPECT_TRUE(Dependent(f.step(), Footprint::kFirstId, Step({})));
  EXPECT_TRUE(Dependent(Step({}), Footprint::kFirstId, f.step()));
}

TEST(FootprintTest, StepsDependOnlyThroughAWriteToACommonObject) {
  const uint32_t fresh = 10;  // ids below were numbered in the shared prefix
  EXPECT_FALSE(Dependent(Step({{3, true}}), fresh, Step({{4, true}})));  // disjoint
  EXPECT_FALSE(Dependent(Step({{3, false}}), fresh, Step({{3, false}})));  // read / read
  EXPECT_TRUE(Dependent(Step({{3, true}}), fresh, Step({{3, false}})));
  EXPECT_TRUE(Dependent(Step({{3, false}}), fresh, Step({{3, true}})));
  EXPECT_TRUE(Dependent(Step({{4, false}, {3, true}}), fresh, Step({{5, true}, {3, true}})));
}

StepAccesses Stamps(std::initializer_list<StampKind> kinds) {
  Footprint f;
  f.BeginExecution();
  for (StampKind k : kinds) f.Stamp(k);
  return f.step();
}

TEST(FootprintTest, TheStampTableListsEveryKindInItsOrder) {
  static_assert(kStampKindCount <= 16, "StepAccesses::stamps has a bit per kind");
  for (size_t i = 0; i < kStampKindCount; ++i) {
    EXPECT_EQ(static_cast<size_t>(kStampKinds[i].kind), i) << kStampKinds[i].name;
    EXPECT_NE(kStampKinds[i].uses, 0) << kStampKinds[i].name;
  }
}

// Two stamps stay ordered when a use of one is compared with a use of the other: an event's end
// with another's begin or a window's start, an event's begin with a window's end.
TEST(FootprintTest, StampsAreOrderedOnlyWhereTheCheckersCompareThem) {
  const uint32_t fresh = 10;
  using K = StampKind;
  EXPECT_FALSE(Dependent(Stamps({K::kInvoke}), fresh, Stamps({K::kInvoke})));
  EXPECT_FALSE(Dependent(Stamps({K::kResponse}), fresh, Stamps({K::kResponse})));
  EXPECT_TRUE(Dependent(Stamps({K::kInvoke}), fresh, Stamps({K::kResponse})));
  EXPECT_TRUE(Dependent(Stamps({K::kResponse}), fresh, Stamps({K::kInvoke})));
  EXPECT_TRUE(Dependent(Stamps({K::kResponse}), fresh, Stamps({K::kInvoke, K::kResponse})));
  // Windows are compared with events, never with each other.
  EXPECT_FALSE(Dependent(Stamps({K::kVisit}), fresh, Stamps({K::kVisit, K::kReadPoint})));
  EXPECT_FALSE(Dependent(Stamps({K::kWindowInvoke}), fresh, Stamps({K::kSizeResponse})));
  EXPECT_TRUE(Dependent(Stamps({K::kVisit}), fresh, Stamps({K::kInvoke})));    // begun in a read
  EXPECT_TRUE(Dependent(Stamps({K::kResponse}), fresh, Stamps({K::kVisit})));  // a read's start
  EXPECT_TRUE(Dependent(Stamps({K::kEraseVisit}), fresh, Stamps({K::kVisit})));
  EXPECT_TRUE(Dependent(Stamps({K::kEraseOutcome}), fresh, Stamps({K::kReadPoint})));
  // A stamp makes no object shared: a step without stamps commutes with any stamping one.
  EXPECT_FALSE(Dependent(Step({{3, true}}), fresh, Stamps({K::kVisit})));
  EXPECT_FALSE(Dependent(Stamps({K::kVisit}), fresh, Step({{4, true}})));
  for (size_t a = 0; a < kStampKindCount; ++a) {
    for (size_t b = 0; b < kStampKindCount; ++b) {
      EXPECT_EQ(StampsOrdered(static_cast<K>(a), static_cast<K>(b)),
                StampsOrdered(static_cast<K>(b), static_cast<K>(a)));
    }
    EXPECT_TRUE(StampsOrdered(static_cast<K>(a), K::kParallelEnd));
  }
}

// Ids at or above `fresh` may name different objects in the two executions: any two of them
// count as possibly the same object.
TEST(FootprintTest, ObjectsFirstTouchedAfterThePrefixMayBeAnyOfThem) {
  const uint32_t fresh = 10;
  EXPECT_TRUE(Dependent(Step({{12, true}}), fresh, Step({{10, false}})));
  EXPECT_TRUE(Dependent(Step({{12, false}}), fresh, Step({{15, true}})));
  EXPECT_FALSE(Dependent(Step({{12, false}}), fresh, Step({{15, false}})));  // reads only
  EXPECT_FALSE(Dependent(Step({{12, true}}), fresh, Step({{3, true}})));    // 3 is the prefix's
  EXPECT_FALSE(Dependent(Step({{3, true}}), fresh, Step({{12, true}})));
}

}  // namespace
}  // namespace mapfault
