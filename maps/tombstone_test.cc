// Tests of the tombstone backend: its mechanics (erase marks, sweeps in batches and never during an
// iteration, revives in place, storage grows under an iteration; under controlled interleavings an
// erasing iteration keeps the entry it shows current and erases conditionally), and acceptance runs
// through the supervisor: it holds every claimed invariant in controlled mode over 10,000 trials per
// built-in scenario, and on real threads under noise.
#include "maps/tombstone.h"

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

// An erasing iteration ("erase if expired") races a writer that refreshes some entries and erases
// others, under every interleaving of many controlled schedules: the entry shown stays current for the
// whole visit (the pin), no refresh is ever lost (erase-this is conditional), every untouched expired
// entry is erased, and the writer that waits for a visit never meets a sweep.
TEST(TombstoneMapTest, ErasingIterationIsCheckThenActUnderControlledInterleavings) {
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
    for (Key k : {1, 3, 5, 6, 7, 8, 9, 10, 11}) EXPECT_EQ(m.Find(k), std::nullopt) << seed << " " << k;
    EXPECT_EQ(m.Size(), 3u);
    EXPECT_EQ(Contents(m).size(), 3u);
    EXPECT_EQ(m.ActiveIterations(), 0);
  }
  EXPECT_GT(refreshed_after_check, 0);  // the race the conditional erase exists for did happen
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

// Real threads (RealSync): writers churn a small key space while readers iterate; an iteration never
// yields a key twice, and the map ends consistent with its size.
TEST(TombstoneMapTest, RealThreadsIterateWhileWritersChurn) {
  TombstoneMap<RealSync> m;
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
  bool duplicate = false;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&m, &duplicate, t] {
      for (int i = 0; i < 500; ++i) {
        std::set<Key> seen;
        m.ForEach(
            [&](Key k, Value) {
              if (!seen.insert(k).second) duplicate = true;
              return (t == 1 && k % 5 == 0) ? VisitAction::kEraseThis : VisitAction::kContinue;
            },
            t == 1 ? IterKind::kMayErase : IterKind::kReadOnly);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_FALSE(duplicate);
  EXPECT_EQ(m.ActiveIterations(), 0);
  const std::vector<std::pair<Key, Value>> contents = Contents(m);
  EXPECT_EQ(contents.size(), m.Size());
  for (const auto& [k, v] : contents) EXPECT_EQ(m.Find(k), v) << k;
  EXPECT_LE(m.Tombstones(), std::max<size_t>(Map::kMinSweepBatch, m.Size() / 2));
}

// Acceptance: every built-in scenario, through the supervisor the CLI uses (acceptance_test_util.h).
TEST(TombstoneAcceptanceTest, ClaimsEverythingButMisuseDetectedInBothModes) {
  acceptance::ExpectClaimsEverythingButMisuseDetectedInBothModes("tombstone");
}

TEST(TombstoneAcceptanceTest, HoldsEveryClaimInControlledModeOverTenThousandTrialsPerScenario) {
  acceptance::ExpectEveryClaimHolds(
      "tombstone",
      acceptance::RunEveryScenario("tombstone", ExecMode::kControlled, "random",
                                   acceptance::kControlledTrials, 2026),
      acceptance::kControlledTrials);
}

TEST(TombstoneAcceptanceTest, HoldsEveryClaimUnderPctInControlledMode) {
  acceptance::ExpectEveryClaimHolds(
      "tombstone",
      acceptance::RunEveryScenario("tombstone", ExecMode::kControlled, "pct:d=3",
                                   acceptance::kPctTrials, 7),
      acceptance::kPctTrials);
}

TEST(TombstoneAcceptanceTest, HoldsEveryClaimOnRealThreadsUnderNoise) {
  acceptance::ExpectEveryClaimHolds(
      "tombstone", acceptance::RunEveryScenario("tombstone", ExecMode::kPerturbed, "noise", 300, 12), 300);
}

}  // namespace
}  // namespace mapfault
