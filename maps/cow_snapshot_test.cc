// Tests of the cow_snapshot backend's own mechanics: a reader keeps its snapshot while writers
// publish; snapshots are freed when their last reader releases them and never before (also under
// controlled interleavings); a may-erase iteration shows current values. Its concurrent contract
// (controlled interleavings, real threads, acceptance runs) is tested by the typed suite
// maps/concurrent_contract_test.cc.
#include "maps/cow_snapshot.h"

#include <algorithm>
#include <functional>
#include <map>
#include <vector>

#include "gtest/gtest.h"
#include "harness/strategies/random_strategy.h"
#include "harness/engine/scheduler.h"
#include "harness/engine/sync.h"

namespace mapfault {
namespace {

// Outside a controlled trial ControlledSync's primitives are plain single-threaded ones, so the
// visitor (which runs with no lock held) can call the map to stage a "concurrent" writer.
using Map = CowSnapshotMap<ControlledSync>;

template <class M>
std::map<Key, Value> Contents(M& m) {
  std::map<Key, Value> out;
  m.ForEach(
      [&](Key k, Value v) {
        EXPECT_TRUE(out.emplace(k, v).second) << "key " << k << " yielded twice";
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  return out;
}

TEST(CowSnapshotMapTest, OneLiveSnapshotWhenNoOneReads) {
  Map m;
  EXPECT_EQ(m.LiveSnapshots(), 1);
  for (Key k = 0; k < 10; ++k) m.Insert(k, k);
  m.Assign(3, 33);
  m.Erase(4);
  m.Find(5);
  m.Size();
  EXPECT_EQ(m.LiveSnapshots(), 1);  // each replaced snapshot was freed at once
  m.Clear();
  EXPECT_EQ(m.LiveSnapshots(), 1);
  EXPECT_EQ(m.Size(), 0u);
}

TEST(CowSnapshotMapTest, ReaderKeepsItsSnapshotWhileWritersPublish) {
  Map m;
  for (Key k = 0; k < 5; ++k) m.Insert(k, 10 + k);
  std::map<Key, Value> seen;
  m.ForEach(
      [&](Key k, Value v) {
        seen[k] = v;
        if (k == 0) {
          m.Assign(1, 111);    // ahead of the cursor
          m.Erase(2);          // ahead of the cursor
          m.Insert(100, 100);  // not in the snapshot
          m.Assign(0, 1000);   // behind it
          // The writers see their own writes; this iteration's snapshot is still alive.
          EXPECT_EQ(m.Find(1), 111);
          EXPECT_EQ(m.Find(2), std::nullopt);
          EXPECT_EQ(m.Size(), 5u);
          EXPECT_EQ(m.LiveSnapshots(), 2);  // the iteration's and the published one
        }
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  // Exactly the snapshot taken at the start.
  EXPECT_EQ(seen, (std::map<Key, Value>{{0, 10}, {1, 11}, {2, 12}, {3, 13}, {4, 14}}));
  EXPECT_EQ(m.LiveSnapshots(), 1);  // the iteration's snapshot went with its last reader
  EXPECT_EQ(Contents(m),
            (std::map<Key, Value>{{0, 1000}, {1, 111}, {3, 13}, {4, 14}, {100, 100}}));
}

TEST(CowSnapshotMapTest, SnapshotIsFreedByItsLastReaderNotBefore) {
  Map m;
  m.Insert(1, 1);
  m.Insert(2, 2);
  int max_live = 0;
  std::vector<Key> outer_seen;
  m.ForEach(
      [&](Key outer, Value) {
        outer_seen.push_back(outer);
        if (outer != 1) return VisitAction::kContinue;
        // A second reader of the same snapshot, then a writer: three snapshots alive.
        m.ForEach(
            [&](Key inner, Value) {
              if (inner == 1) {
                m.Insert(3, 3);
                max_live = std::max(max_live, m.LiveSnapshots());
                EXPECT_EQ(m.LiveSnapshots(), 2);  // both readers share the old one
                m.Insert(4, 4);  // the intermediate snapshot had no reader: freed at once
                EXPECT_EQ(m.LiveSnapshots(), 2);
              }
              return VisitAction::kContinue;
            },
            IterKind::kReadOnly);
        EXPECT_EQ(m.LiveSnapshots(), 2);  // the outer reader still holds the old one
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  EXPECT_EQ(outer_seen, (std::vector<Key>{1, 2}));
  EXPECT_EQ(max_live, 2);
  EXPECT_EQ(m.LiveSnapshots(), 1);
  EXPECT_EQ(m.Size(), 4u);
}

TEST(CowSnapshotMapTest, MayEraseIterationShowsCurrentValuesOfTheStartKeys) {
  Map m;
  for (Key k = 0; k < 5; ++k) m.Insert(k, 10 + k);
  std::map<Key, Value> seen;
  m.ForEach(
      [&](Key k, Value v) {
        seen[k] = v;
        if (k == 0) {
          m.Assign(1, 111);    // refreshed before its visit: shown with the new value
          m.Erase(2);          // erased before its visit: skipped
          m.Insert(100, 100);  // not a start key: not shown
        }
        return VisitAction::kContinue;
      },
      IterKind::kMayErase);
  EXPECT_EQ(seen, (std::map<Key, Value>{{0, 10}, {1, 111}, {3, 13}, {4, 14}}));
  EXPECT_EQ(m.LiveSnapshots(), 1);
}

TEST(CowSnapshotMapTest, VisitorCanStopAndReleasesItsSnapshot) {
  Map m;
  for (Key k = 0; k < 5; ++k) m.Insert(k, k);
  int shown = 0;
  m.ForEach(
      [&](Key, Value) {
        m.Assign(9, 9);
        return ++shown == 2 ? VisitAction::kStop : VisitAction::kContinue;
      },
      IterKind::kMayErase);
  EXPECT_EQ(shown, 2);
  EXPECT_EQ(m.LiveSnapshots(), 1);
}

// The reclamation protocol under the controlled scheduler: readers and writers interleave at every
// lock, reference-count operation and yield; after each schedule every snapshot but the published
// one has been freed, and no reader ever saw a freed (poisoned) entry.
TEST(CowSnapshotMapTest, ReclamationUnderControlledInterleavingsLeavesOneSnapshot) {
  for (uint64_t seed = 0; seed < 400; ++seed) {
    Map m;
    for (Key k = 0; k < 4; ++k) m.Insert(k, k);
    bool poisoned = false;
    std::vector<std::function<void()>> bodies;
    bodies.push_back([&] {
      m.ForEach(
          [&](Key k, Value) {
            poisoned |= k < 0;
            return VisitAction::kContinue;
          },
          IterKind::kReadOnly);
      poisoned |= m.Find(2).value_or(0) < 0;
    });
    bodies.push_back([&] {
      m.Assign(1, 11);
      m.Erase(2);
      m.Insert(2, 22);
    });
    bodies.push_back([&] {
      m.ForEach([&](Key k, Value) { return k % 2 == 0 ? VisitAction::kEraseThis
                                                      : VisitAction::kContinue; },
                IterKind::kMayErase);
      poisoned |= m.Size() > 4;
    });
    RandomStrategy strategy(seed);
    Scheduler scheduler(strategy, {});
    ASSERT_EQ(scheduler.Run(std::move(bodies)).kind, RunResult::Kind::kCompleted) << seed;
    EXPECT_FALSE(poisoned) << seed;
    EXPECT_EQ(m.LiveSnapshots(), 1) << seed;
  }
}

}  // namespace
}  // namespace mapfault
