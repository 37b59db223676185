// Tests of the tombstone backend's own mechanics: erase marks, sweeps in batches and never during an
// iteration, revives in place, storage grows under an iteration. Its concurrent contract (controlled
// interleavings, real threads, acceptance runs) is tested by the typed suite
// maps/concurrent_contract_test.cc.
#include "maps/tombstone.h"

#include <map>
#include <set>
#include <vector>

#include "gtest/gtest.h"
#include "harness/engine/sync.h"

namespace mapfault {
namespace {

// Outside a controlled trial ControlledSync's primitives are plain single-threaded ones, so the
// visitor (which runs without the map's lock) can call the map to stage a "concurrent" write.
using Map = TombstoneMap<ControlledSync>;

template <class M>
std::vector<std::pair<Key, Value>> Contents(M& m) {
  std::vector<std::pair<Key, Value>> out;
  m.ForEach(
      [&](Key k, Value v) {
        out.emplace_back(k, v);
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  return out;
}

TEST(TombstoneMapTest, EraseLeavesATombstoneAndSweepsInBatches) {
  Map m;
  for (Key k = 0; k < 10; ++k) m.Insert(k, k);
  for (Key k = 0; k < 4; ++k) EXPECT_TRUE(m.Erase(k));
  // 4 tombstones <= max(4, 6 / 2): kept, the slots are still there.
  EXPECT_EQ(m.Tombstones(), 4u);
  EXPECT_EQ(m.Slots(), 10u);
  EXPECT_EQ(m.Size(), 6u);
  EXPECT_EQ(m.Sweeps(), 0u);
  EXPECT_FALSE(m.Erase(2));  // a tombstone is absent
  EXPECT_EQ(m.Find(2), std::nullopt);
  // The fifth exceeds max(4, 5 / 2): one sweep reclaims the whole batch.
  EXPECT_TRUE(m.Erase(4));
  EXPECT_EQ(m.Tombstones(), 0u);
  EXPECT_EQ(m.Slots(), 5u);
  EXPECT_EQ(m.Sweeps(), 1u);
  EXPECT_EQ(Contents(m), (std::vector<std::pair<Key, Value>>{{5, 5}, {6, 6}, {7, 7}, {8, 8}, {9, 9}}));
  for (Key k = 5; k < 10; ++k) EXPECT_EQ(m.Find(k), k);
  // After a sweep a key is new again: it gets a fresh slot at the end.
  EXPECT_TRUE(m.Insert(0, 100));
  EXPECT_EQ(m.Slots(), 6u);
  EXPECT_EQ(Contents(m).back(), (std::pair<Key, Value>{0, 100}));
}

TEST(TombstoneMapTest, NoSweepWhileAnIterationIsInProgress) {
  Map m;
  for (Key k = 0; k < 10; ++k) m.Insert(k, k);
  std::vector<Key> seen;
  m.ForEach(
      [&](Key k, Value) {
        seen.push_back(k);
        if (k == 0) {
          // Far past the sweep threshold, but the iteration is walking the slots.
          for (Key e = 1; e < 9; ++e) EXPECT_TRUE(m.Erase(e));
          EXPECT_EQ(m.ActiveIterations(), 1);
          EXPECT_EQ(m.Tombstones(), 8u);
          EXPECT_EQ(m.Slots(), 10u);
          EXPECT_EQ(m.Sweeps(), 0u);
          EXPECT_EQ(m.Size(), 2u);
        }
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  EXPECT_EQ(seen, (std::vector<Key>{0, 9}));  // the tombstones are skipped
  // The last iteration out swept the batch.
  EXPECT_EQ(m.ActiveIterations(), 0);
  EXPECT_EQ(m.Tombstones(), 0u);
  EXPECT_EQ(m.Slots(), 2u);
  EXPECT_EQ(m.Sweeps(), 1u);
}

TEST(TombstoneMapTest, NestedIterationsSweepOnlyWhenTheLastOneEnds) {
  Map m;
  for (Key k = 0; k < 10; ++k) m.Insert(k, k);
  m.ForEach(
      [&](Key outer, Value) {
        if (outer != 0) return VisitAction::kContinue;
        m.ForEach(
            [&](Key k, Value) {
              if (k == 0) {
                for (Key e = 1; e < 9; ++e) m.Erase(e);
                EXPECT_EQ(m.ActiveIterations(), 2);
              }
              return VisitAction::kContinue;
            },
            IterKind::kReadOnly);
        EXPECT_EQ(m.ActiveIterations(), 1);
        EXPECT_EQ(m.Tombstones(), 8u);  // the outer iteration still runs
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  EXPECT_EQ(m.Tombstones(), 0u);
  EXPECT_EQ(m.Slots(), 2u);
}

TEST(TombstoneMapTest, ReinsertRevivesTheTombstoneInPlace) {
  Map m;
  for (Key k = 0; k < 6; ++k) m.Insert(k, k);
  EXPECT_TRUE(m.Erase(2));
  EXPECT_EQ(m.Tombstones(), 1u);
  EXPECT_TRUE(m.Insert(2, 22));  // revived, not appended
  EXPECT_EQ(m.Tombstones(), 0u);
  EXPECT_EQ(m.Slots(), 6u);
  EXPECT_EQ(Contents(m), (std::vector<std::pair<Key, Value>>{
                             {0, 0}, {1, 1}, {2, 22}, {3, 3}, {4, 4}, {5, 5}}));
  EXPECT_TRUE(m.Erase(3));
  m.Assign(3, 33);  // assign revives too
  EXPECT_EQ(m.Slots(), 6u);
  EXPECT_EQ(m.Find(3), 33);
  // During an iteration: a key erased and re-inserted behind the cursor is not met again, one ahead
  // of it is met exactly once, with its new value.
  std::map<Key, int> count;
  std::map<Key, Value> value;
  m.ForEach(
      [&](Key k, Value v) {
        ++count[k];
        value[k] = v;
        if (k == 1) {
          EXPECT_TRUE(m.Erase(0));
          EXPECT_TRUE(m.Insert(0, 100));  // behind the cursor
          EXPECT_TRUE(m.Erase(4));
          EXPECT_TRUE(m.Insert(4, 400));  // ahead of it
        }
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  for (Key k = 0; k < 6; ++k) EXPECT_EQ(count[k], 1) << k;
  EXPECT_EQ(value[0], 0);
  EXPECT_EQ(value[4], 400);
  EXPECT_EQ(m.Slots(), 6u);
}

TEST(TombstoneMapTest, InsertsDuringAnIterationAppendWithoutMovingSlots) {
  Map m;
  for (Key k = 0; k < 3; ++k) m.Insert(k, k);
  std::vector<Key> seen;
  m.ForEach(
      [&](Key k, Value) {
        seen.push_back(k);
        if (k == 0) {
          // Several new chunks while the iteration stands on slot 0.
          for (Key n = 100; n < 100 + 5 * static_cast<Key>(Map::kChunkSlots); ++n) m.Insert(n, n);
        }
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  ASSERT_EQ(seen.size(), 3 + 5 * Map::kChunkSlots);  // the appended keys are ahead of the cursor
  EXPECT_EQ(std::set<Key>(seen.begin(), seen.end()).size(), seen.size());
  EXPECT_EQ(m.Size(), seen.size());
}

TEST(TombstoneMapTest, ClearLeavesTombstonesUnderAnIterationAndSweepsAfter) {
  Map m;
  for (Key k = 0; k < 8; ++k) m.Insert(k, k);
  int shown = 0;
  m.ForEach(
      [&](Key, Value) {
        if (++shown == 1) {
          m.Clear();
          EXPECT_EQ(m.Size(), 0u);
          EXPECT_EQ(m.Slots(), 8u);
          EXPECT_TRUE(m.Insert(5, 55));  // revived ahead of the cursor
        }
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  EXPECT_EQ(shown, 2);  // key 0, then the revived key 5
  EXPECT_EQ(m.Slots(), 1u);
  EXPECT_EQ(Contents(m), (std::vector<std::pair<Key, Value>>{{5, 55}}));
  m.Clear();
  EXPECT_EQ(m.Slots(), 1u);  // one tombstone is below the batch size: kept until more accumulate
  EXPECT_EQ(m.Tombstones(), 1u);
  EXPECT_TRUE(Contents(m).empty());
}

}  // namespace
}  // namespace mapfault
