// Tests of the cow_snapshot backend: its mechanics (a reader keeps its snapshot while writers
// publish; snapshots are freed when their last reader releases them and never before; a may-erase
// iteration shows current values), the reclamation protocol and the erasing iteration (the entry
// shown stays current, erase-this is conditional) under controlled interleavings, and acceptance
// runs through the supervisor: it holds every claimed invariant in controlled mode over 10,000
// trials per built-in scenario, and on real threads under noise.
#include "maps/cow_snapshot.h"

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "harness/strategies/random_strategy.h"
#include "harness/engine/scheduler.h"
#include "harness/run/supervisor.h"
#include "maps/acceptance_test_util.h"
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

// An erasing iteration ("erase if expired") races a writer that refreshes some entries and erases
// others, under many controlled schedules: the entry shown stays current for the whole visit (the
// pin), no refresh is ever lost (erase-this is conditional), every untouched expired entry is
// erased, and every replaced snapshot is freed.
TEST(CowSnapshotMapTest, ErasingIterationIsCheckThenActUnderControlledInterleavings) {
  int refreshed_after_check = 0;
  for (uint64_t seed = 0; seed < 500; ++seed) {
    Map m;
    for (Key k = 0; k < 12; ++k) m.Insert(k, 10 + k);  // all expired
    uint64_t clock = 0;  // one fiber runs at a time: a plain counter orders events
    std::map<Key, uint64_t> checked_at, refresh_began;
    std::vector<std::function<void()>> bodies;
    bodies.push_back([&] {
      m.ForEach(
          [&](Key k, Value v) {
            checked_at[k] = ++clock;
            EXPECT_EQ(m.Find(k), v) << "seed " << seed << ": the entry shown changed during its visit";
            return v < 100 ? VisitAction::kEraseThis : VisitAction::kContinue;
          },
          IterKind::kMayErase);
    });
    bodies.push_back([&] {
      // Erases first, then refreshes in the reverse of the iteration's order, so that some refreshes
      // land before the key's visit, some during it, some between it and its erase-this, some after.
      for (Key k : {11, 10, 9, 6, 4, 7, 8, 2, 0}) {
        if (k % 2 == 0 && k < 6) {
          refresh_began[k] = ++clock;
          m.Assign(k, 1000 + k);
        } else {
          m.Erase(k);
        }
      }
    });
    RandomStrategy strategy(seed);
    Scheduler scheduler(strategy, {});
    ASSERT_EQ(scheduler.Run(std::move(bodies)).kind, RunResult::Kind::kCompleted) << seed;
    for (Key k : {0, 2, 4}) {
      EXPECT_EQ(m.Find(k), 1000 + k) << "seed " << seed << ": refresh of key " << k << " lost";
      if (checked_at.count(k) && refresh_began[k] > checked_at[k]) ++refreshed_after_check;
    }
    EXPECT_EQ(Contents(m), (std::map<Key, Value>{{0, 1000}, {2, 1002}, {4, 1004}})) << seed;
    EXPECT_EQ(m.LiveSnapshots(), 1) << seed;
  }
  EXPECT_GT(refreshed_after_check, 0);  // the race the conditional erase exists for did happen
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

// Real threads (RealSync): readers iterate and find while writers publish; every iteration is a
// snapshot (no duplicate), nothing leaks.
TEST(CowSnapshotMapTest, RealThreadsReadWhileWritersPublish) {
  CowSnapshotMap<RealSync> m;
  for (Key k = 0; k < 32; ++k) m.Insert(k, k);
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&m, t] {
      for (int i = 0; i < 20000; ++i) {
        const Key k = (i * 7 + t * 13) % 48;
        switch (i % 3) {
          case 0: m.Erase(k); break;
          case 1: m.Insert(k, i); break;
          case 2: m.Assign(k, i); break;
        }
      }
    });
  }
  bool bad = false;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&m, &bad, t] {
      for (int i = 0; i < 500; ++i) {
        std::set<Key> seen;
        m.ForEach(
            [&](Key k, Value v) {
              if (!seen.insert(k).second || k < 0 || v < 0) bad = true;
              return (t == 1 && k % 5 == 0) ? VisitAction::kEraseThis : VisitAction::kContinue;
            },
            t == 1 ? IterKind::kMayErase : IterKind::kReadOnly);
        if (m.Find(i % 48).value_or(0) < 0) bad = true;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(bad);
  EXPECT_EQ(m.LiveSnapshots(), 1);
  const std::map<Key, Value> contents = Contents(m);
  EXPECT_EQ(contents.size(), m.Size());
  for (const auto& [k, v] : contents) EXPECT_EQ(m.Find(k), v) << k;
}

// Acceptance: every built-in scenario, through the supervisor the CLI uses (acceptance_test_util.h).
TEST(CowSnapshotAcceptanceTest, ClaimsEverythingButMisuseDetectedInBothModes) {
  acceptance::ExpectClaimsEverythingButMisuseDetectedInBothModes("cow_snapshot");
}

TEST(CowSnapshotAcceptanceTest, HoldsEveryClaimInControlledModeOverTenThousandTrialsPerScenario) {
  acceptance::ExpectEveryClaimHolds(
      "cow_snapshot",
      acceptance::RunEveryScenario("cow_snapshot", ExecMode::kControlled, "random",
                                   acceptance::kControlledTrials, 2026),
      acceptance::kControlledTrials);
}

TEST(CowSnapshotAcceptanceTest, HoldsEveryClaimUnderPctInControlledMode) {
  acceptance::ExpectEveryClaimHolds(
      "cow_snapshot",
      acceptance::RunEveryScenario("cow_snapshot", ExecMode::kControlled, "pct:d=3",
                                   acceptance::kPctTrials, 7),
      acceptance::kPctTrials);
}

TEST(CowSnapshotAcceptanceTest, HoldsEveryClaimOnRealThreadsUnderNoise) {
  acceptance::ExpectEveryClaimHolds(
      "cow_snapshot", acceptance::RunEveryScenario("cow_snapshot", ExecMode::kPerturbed, "noise", 300, 12), 300);
}

}  // namespace
}  // namespace mapfault
