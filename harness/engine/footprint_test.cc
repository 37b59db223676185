// Tests of step footprints: objects are numbered by first touch per execution, a step lists each
// object once with its strongest access, and Dependent() is exact below the shared prefix and
// conservative above it.
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
  // The history clock is a reserved id, the same in every execution.
  EXPECT_TRUE(Dependent(Step({{Footprint::kHistoryClock, true}}), fresh,
                        Step({{Footprint::kHistoryClock, true}})));
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
