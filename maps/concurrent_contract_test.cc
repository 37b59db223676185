// The typed concurrent-contract suite (Abseil's pattern: one suite of property tests, instantiated
// per backend): the controlled-interleaving and real-thread properties and the supervisor acceptance
// runs, over every correct white-box backend. Each test checks one claimed invariant family and is
// skipped for a backend whose BackendInfo does not claim it; a claim a backend breaks by design
// (collect_then_delete's check-then-act) is asserted to be FOUND instead. Backend-specific mechanics
// (tombstone's sweeper, cow's reclamation counts, ...) stay in the backend's own test file; their
// state at rest is checked here through the traits' ExpectAtRest.
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "harness/engine/scheduler.h"
#include "harness/engine/sync.h"
#include "harness/strategies/random_strategy.h"
#include "maps/acceptance_test_util.h"
#include "maps/builtin_backends.h"
#include "maps/collect_then_delete.h"
#include "maps/cow_snapshot.h"
#include "maps/insertion_ordered.h"
#include "maps/lockfree.h"
#include "maps/mutex_map.h"
#include "maps/rwlock_map.h"
#include "maps/tombstone.h"
#include "maps/versioned_cas.h"

namespace mapfault {
namespace {

// What the suite needs to know of a backend beyond its BackendInfo (found by kId).
// kStaleVisits: a visit may show an entry that changed since it was read (a lock-free iterator:
// the read and the visit are apart); its erase-this then declines. Whether a visitor may call the map
// is the BackendInfo's visitor_writes.
// kBrokenByDesign: claimed invariants the backend is known to break (reported BROKEN by mapfault).
struct NoAtRestChecks {
  template <class M>
  static void ExpectAtRest(M&) {}
};

struct MutexTraits : NoAtRestChecks {
  static constexpr const char* kId = "mutex";
  template <class Sync>
  using Map = MutexMap<Sync>;
  static constexpr bool kStaleVisits = false;
  static constexpr InvariantSet kBrokenByDesign{};
};
struct RwLockTraits : NoAtRestChecks {
  static constexpr const char* kId = "rwlock";
  template <class Sync>
  using Map = RwLockMap<Sync>;
  static constexpr bool kStaleVisits = false;
  static constexpr InvariantSet kBrokenByDesign{};
};
struct CollectThenDeleteTraits : NoAtRestChecks {
  static constexpr const char* kId = "collect_then_delete";
  template <class Sync>
  using Map = CollectThenDeleteMap<Sync>;
  static constexpr bool kStaleVisits = false;
  static constexpr InvariantSet kBrokenByDesign{Invariant::kCheckThenAct};
};
struct TombstoneTraits {
  static constexpr const char* kId = "tombstone";
  template <class Sync>
  using Map = TombstoneMap<Sync>;
  static constexpr bool kStaleVisits = false;
  static constexpr InvariantSet kBrokenByDesign{};
  template <class M>
  static void ExpectAtRest(M& m) {  // no iteration left registered, the sweeper kept up
    EXPECT_EQ(m.ActiveIterations(), 0);
    EXPECT_LE(m.Tombstones(), std::max<size_t>(M::kMinSweepBatch, m.Size() / 2));
  }
};
struct CowSnapshotTraits {
  static constexpr const char* kId = "cow_snapshot";
  template <class Sync>
  using Map = CowSnapshotMap<Sync>;
  static constexpr bool kStaleVisits = false;
  static constexpr InvariantSet kBrokenByDesign{};
  template <class M>
  static void ExpectAtRest(M& m) {  // every replaced snapshot was freed
    EXPECT_EQ(m.LiveSnapshots(), 1);
  }
};
struct InsertionOrderedTraits : NoAtRestChecks {
  static constexpr const char* kId = "insertion_ordered";
  template <class Sync>
  using Map = InsertionOrderedMap<Sync>;
  static constexpr bool kStaleVisits = false;
  static constexpr InvariantSet kBrokenByDesign{};
};

struct VersionedCasTraits : NoAtRestChecks {
  static constexpr const char* kId = "versioned_cas";
  template <class Sync>
  using Map = VersionedCasMap<Sync>;
  static constexpr bool kStaleVisits = true;
  static constexpr InvariantSet kBrokenByDesign{};
};

struct LockFreeTraits : NoAtRestChecks {
  static constexpr const char* kId = "lockfree";
  template <class Sync>
  using Map = LockFreeMap<Sync>;
  static constexpr bool kStaleVisits = true;
  static constexpr InvariantSet kBrokenByDesign{};
};

template <class T>
class ConcurrentContractTest : public ::testing::Test {
 protected:
  using Controlled = typename T::template Map<ControlledSync>;
  using Real = typename T::template Map<RealSync>;

  static const BackendInfo& Info() {
    const BackendInfo* b = GlobalBackends().Find(T::kId);
    EXPECT_NE(b, nullptr) << T::kId;
    return *b;
  }
  static bool Claims(Invariant inv) { return Info().claims.Contains(inv); }
  static bool Delivers(Invariant inv) { return Claims(inv) && !T::kBrokenByDesign.Contains(inv); }
};

struct BackendName {
  template <class T>
  static std::string GetName(int) {
    return T::kId;
  }
};

using CorrectWhiteBoxBackends =
    ::testing::Types<MutexTraits, RwLockTraits, CollectThenDeleteTraits, TombstoneTraits,
                     CowSnapshotTraits, InsertionOrderedTraits, VersionedCasTraits,
                     LockFreeTraits>;
TYPED_TEST_SUITE(ConcurrentContractTest, CorrectWhiteBoxBackends, BackendName);

template <class M>
std::map<Key, Value> Contents(M& m, bool* duplicate = nullptr) {
  std::map<Key, Value> out;
  m.ForEach(
      [&](Key k, Value v) {
        if (!out.emplace(k, v).second && duplicate != nullptr) *duplicate = true;
        return VisitAction::kContinue;
      },
      IterKind::kReadOnly);
  return out;
}

// check-then-act, iter.value-valid: an erasing iteration ("erase if expired") races a writer that
// refreshes some entries and erases others, under many controlled schedules: the entry shown stays
// current for the whole visit, no refresh is ever lost (erase-this is conditional), every untouched
// expired entry is erased. (Moved from tombstone_test.cc and cow_snapshot_test.cc.)
TYPED_TEST(ConcurrentContractTest, ErasingIterationIsCheckThenActUnderControlledInterleavings) {
  if (!this->Claims(Invariant::kCheckThenAct)) GTEST_SKIP() << "does not claim check-then-act";
  int refreshed_after_check = 0, lost_refreshes = 0, stale_visits = 0;
  const bool visitor_may_call_map = this->Info().visitor_writes;
  for (uint64_t seed = 0; seed < 500; ++seed) {
    typename TestFixture::Controlled m;
    for (Key k = 0; k < 12; ++k) m.Insert(k, 10 + k);  // all expired
    uint64_t clock = 0;  // one fiber runs at a time: a plain counter orders events
    std::map<Key, uint64_t> checked_at, refresh_began;
    std::vector<std::function<void()>> bodies;
    bodies.push_back([&] {
      m.ForEach(
          [&](Key k, Value v) {
            checked_at[k] = ++clock;
            if (visitor_may_call_map && m.Find(k) != v) ++stale_visits;
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
      if (m.Find(k) != 1000 + k) ++lost_refreshes;
      if (checked_at.count(k) && refresh_began[k] > checked_at[k]) ++refreshed_after_check;
    }
    if (!this->Delivers(Invariant::kCheckThenAct)) continue;
    for (Key k : {1, 3, 5, 6, 7, 8, 9, 10, 11}) EXPECT_EQ(m.Find(k), std::nullopt) << seed << " " << k;
    EXPECT_EQ(Contents(m), (std::map<Key, Value>{{0, 1000}, {2, 1002}, {4, 1004}})) << seed;
    EXPECT_EQ(m.Size(), 3u) << seed;
    TypeParam::ExpectAtRest(m);
  }
  EXPECT_GT(refreshed_after_check, 0);  // the race the conditional erase exists for did happen
  if (this->Delivers(Invariant::kCheckThenAct)) {
    EXPECT_EQ(lost_refreshes, 0);
    if (TypeParam::kStaleVisits) {
      EXPECT_GT(stale_visits, 0) << "the read-to-visit window never opened";
    } else {
      EXPECT_EQ(stale_visits, 0) << "the entry shown changed during its visit";
    }
  } else {
    EXPECT_GT(lost_refreshes, 0) << "check-then-act is broken by design: the suite must find it";
  }
}

// no-crash, iter.no-duplicate, iter.value-valid on real threads (RealSync): writers churn a small key
// space while readers iterate (one of them erasing); no iteration yields a key twice (unless the
// contract allows an erased and re-inserted key again) or a poisoned entry, and the map ends
// consistent with its size. (Moved from tombstone_test.cc and cow_snapshot_test.cc.)
TYPED_TEST(ConcurrentContractTest, RealThreadsIterateWhileWritersChurn) {
  if (!this->Claims(Invariant::kIterNoDuplicate)) GTEST_SKIP() << "does not claim no-duplicate";
  typename TestFixture::Real m;
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
  const bool reinsert_may_repeat = this->Info().duplicate_allows_reinsert;
  bool duplicate = false, poisoned = false;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        std::set<Key> seen;
        m.ForEach(
            [&](Key k, Value v) {
              if (!seen.insert(k).second) duplicate = true;
              if (k < 0 || v < 0) poisoned = true;
              return (t == 1 && k % 5 == 0) ? VisitAction::kEraseThis : VisitAction::kContinue;
            },
            t == 1 ? IterKind::kMayErase : IterKind::kReadOnly);
        if (m.Find(i % 48).value_or(0) < 0) poisoned = true;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_TRUE(reinsert_may_repeat || !duplicate) << "an iteration yielded a key twice";
  EXPECT_FALSE(poisoned);
  bool duplicate_at_rest = false;
  const std::map<Key, Value> contents = Contents(m, &duplicate_at_rest);
  EXPECT_FALSE(duplicate_at_rest);
  EXPECT_EQ(contents.size(), m.Size());
  for (const auto& [k, v] : contents) EXPECT_EQ(m.Find(k), v) << k;
  TypeParam::ExpectAtRest(m);
}

// Acceptance: every built-in scenario, through the supervisor the CLI uses (acceptance_test_util.h);
// every claim the backend delivers holds, and is fully evaluated. (Moved from tombstone_test.cc and
// cow_snapshot_test.cc, where they ran for those two backends only.)
TYPED_TEST(ConcurrentContractTest, ClaimsEverythingButMisuseDetectedInBothModes) {
  acceptance::ExpectClaimsEverythingButMisuseDetectedInBothModes(TypeParam::kId);
}

TYPED_TEST(ConcurrentContractTest, HoldsEveryClaimInControlledModeOverTenThousandTrialsPerScenario) {
  acceptance::ExpectEveryClaimHolds(
      TypeParam::kId,
      acceptance::RunEveryScenario(TypeParam::kId, ExecMode::kControlled, "random",
                                   acceptance::kControlledTrials, 2026),
      acceptance::kControlledTrials, TypeParam::kBrokenByDesign);
}

TYPED_TEST(ConcurrentContractTest, HoldsEveryClaimUnderPctInControlledMode) {
  acceptance::ExpectEveryClaimHolds(
      TypeParam::kId,
      acceptance::RunEveryScenario(TypeParam::kId, ExecMode::kControlled, "pct:d=3",
                                   acceptance::kPctTrials, 7),
      acceptance::kPctTrials, TypeParam::kBrokenByDesign);
}

TYPED_TEST(ConcurrentContractTest, HoldsEveryClaimOnRealThreadsUnderNoise) {
  acceptance::ExpectEveryClaimHolds(
      TypeParam::kId,
      acceptance::RunEveryScenario(TypeParam::kId, ExecMode::kPerturbed, "noise", 300, 12), 300,
      TypeParam::kBrokenByDesign);
}

}  // namespace
}  // namespace mapfault
