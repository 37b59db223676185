// The single-threaded conformance suite every mapfault backend passes, as a reusable GoogleTest
// typed suite: insert, assign, erase, find, size, clear, iteration with erase-through-visitor and
// stop, and growth across many rehashes, plus a random operation sequence checked against std::map.
// Concurrency bugs are mapfault's business; these tests make sure a map is *sequentially* right
// first, so that what mapfault reports later is about concurrency.
//
// Header-only; needs GoogleTest and C++20. For a map written against <mapfault/plugin.h>:
//
//   #include <mapfault/conformance.h>
//   #include "my_map.h"  // template <class Sync> class MyMap { ... ForEach(PluginVisitor, PluginIter) }
//
//   using MyMapUnderTest = mapfault::conformance::PluginMapAdapter<MyMap<mapfault::conformance::PlainSync>>;
//   INSTANTIATE_TYPED_TEST_SUITE_P(MyMap, MapConformanceTest, ::testing::Types<MyMapUnderTest>);
//
// PlainSync is a sync policy for single-threaded tests (std mutexes, std::atomic, no-op Yield).
// Any other map type works through an adapter with the same static interface as PluginMapAdapter.
#ifndef MAPFAULT_INCLUDE_MAPFAULT_CONFORMANCE_H_
#define MAPFAULT_INCLUDE_MAPFAULT_CONFORMANCE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <shared_mutex>

#include "gtest/gtest.h"
#include "mapfault/plugin.h"

namespace mapfault::conformance {

enum class Action { kContinue, kEraseThis, kStop };
using Decide = std::function<Action(int64_t key, int64_t value)>;

// A sync policy for single-threaded tests of maps templated over mapfault's Sync policies.
struct PlainSync {
  static void Yield(const char*) {}
  class Mutex {
   public:
    void lock(const char* = "") { m_.lock(); }
    bool try_lock(const char* = "") { return m_.try_lock(); }
    void unlock(const char* = "") { m_.unlock(); }

   private:
    std::mutex m_;
  };
  class SharedMutex {
   public:
    void lock(const char* = "") { m_.lock(); }
    void unlock(const char* = "") { m_.unlock(); }
    void lock_shared(const char* = "") { m_.lock_shared(); }
    void unlock_shared(const char* = "") { m_.unlock_shared(); }

   private:
    std::shared_mutex m_;
  };
  template <class T>
  using Atomic = std::atomic<T>;
};

// Adapts a map with the plugin interface (Insert, Assign, Erase, Find, Size, Clear and
// ForEach(PluginVisitor, PluginIter)) to the suite.
template <class M>
struct PluginMapAdapter {
  using Map = M;
  static std::unique_ptr<Map> Make() { return std::make_unique<Map>(); }
  static bool Insert(Map& m, int64_t k, int64_t v) { return m.Insert(k, v); }
  static void Assign(Map& m, int64_t k, int64_t v) { m.Assign(k, v); }
  static bool Erase(Map& m, int64_t k) { return m.Erase(k); }
  static std::optional<int64_t> Find(Map& m, int64_t k) { return m.Find(k); }
  static uint64_t Size(Map& m) { return static_cast<uint64_t>(m.Size()); }
  static void Clear(Map& m) { m.Clear(); }
  static void ForEach(Map& m, bool may_erase, const Decide& decide) {
    auto trampoline = [](void* ctx, int64_t k, int64_t v) -> int {
      switch ((*static_cast<const Decide*>(ctx))(k, v)) {
        case Action::kContinue: return MAPFAULT_VISIT_CONTINUE;
        case Action::kEraseThis: return MAPFAULT_VISIT_ERASE_THIS;
        case Action::kStop: return MAPFAULT_VISIT_STOP;
      }
      return MAPFAULT_VISIT_CONTINUE;
    };
    m.ForEach(PluginVisitor(trampoline, const_cast<Decide*>(&decide)),
              may_erase ? PluginIter::kMayErase : PluginIter::kReadOnly);
  }
};

// The test bodies, usable with any adapter object `a` (static or not): mapfault's own tests run
// them over every registered backend.
template <class A>
std::map<int64_t, int64_t> Contents(A& a, typename A::Map& m) {
  std::map<int64_t, int64_t> out;
  a.ForEach(m, false, [&](int64_t k, int64_t v) {
    EXPECT_TRUE(out.emplace(k, v).second) << "key " << k << " yielded twice";
    return Action::kContinue;
  });
  return out;
}

template <class A>
void CheckInsertFindEraseSize(A& a) {
  auto m = a.Make();
  EXPECT_TRUE(a.Insert(*m, 1, 10));
  EXPECT_FALSE(a.Insert(*m, 1, 11)) << "insert of a present key must fail and keep the value";
  EXPECT_EQ(a.Find(*m, 1), std::optional<int64_t>(10));
  EXPECT_EQ(a.Find(*m, 2), std::nullopt);
  EXPECT_EQ(a.Size(*m), 1u);
  a.Assign(*m, 1, 12);
  a.Assign(*m, 2, 20);
  EXPECT_EQ(a.Find(*m, 1), std::optional<int64_t>(12));
  EXPECT_EQ(a.Size(*m), 2u);
  EXPECT_TRUE(a.Erase(*m, 1));
  EXPECT_FALSE(a.Erase(*m, 1));
  EXPECT_EQ(a.Find(*m, 1), std::nullopt);
  EXPECT_EQ(a.Size(*m), 1u);
  a.Clear(*m);
  EXPECT_EQ(a.Size(*m), 0u);
  EXPECT_TRUE(Contents(a, *m).empty());
}

template <class A>
void CheckGrowsAcrossManyRehashes(A& a) {
  auto m = a.Make();
  std::map<int64_t, int64_t> expected;
  for (int64_t k = 0; k < 200; ++k) {
    EXPECT_TRUE(a.Insert(*m, k * 7919, k));
    expected[k * 7919] = k;
  }
  EXPECT_EQ(a.Size(*m), 200u);
  EXPECT_EQ(Contents(a, *m), expected);
  for (int64_t k = 0; k < 200; k += 2) EXPECT_TRUE(a.Erase(*m, k * 7919));
  EXPECT_EQ(a.Size(*m), 100u);
}

template <class A>
void CheckVisitorCanEraseTheEntryItWasShown(A& a) {
  auto m = a.Make();
  for (int64_t k = 0; k < 20; ++k) a.Insert(*m, k, k);
  std::set<int64_t> seen;
  a.ForEach(*m, true, [&](int64_t k, int64_t) {
    EXPECT_TRUE(seen.insert(k).second) << "key " << k << " shown twice";
    return k % 2 == 0 ? Action::kEraseThis : Action::kContinue;
  });
  EXPECT_EQ(seen.size(), 20u) << "erasing through the visitor hid entries (the Go rule)";
  EXPECT_EQ(a.Size(*m), 10u);
  for (int64_t k = 0; k < 20; ++k) EXPECT_EQ(a.Find(*m, k).has_value(), k % 2 == 1) << k;
}

template <class A>
void CheckVisitorCanStop(A& a) {
  auto m = a.Make();
  for (int64_t k = 0; k < 10; ++k) a.Insert(*m, k, k);
  int shown = 0;
  a.ForEach(*m, false, [&](int64_t, int64_t) {
    ++shown;
    return shown == 3 ? Action::kStop : Action::kContinue;
  });
  EXPECT_EQ(shown, 3);
}

// 2,000 random operations over 24 keys, compared with std::map after each one.
template <class A>
void CheckMatchesStdMap(A& a, uint32_t seed = 1) {
  auto m = a.Make();
  std::map<int64_t, int64_t> model;
  std::mt19937 rng(seed);
  for (int i = 0; i < 2000; ++i) {
    const int64_t k = rng() % 24;
    const int64_t v = static_cast<int64_t>(rng() % 1000) - 500;
    switch (rng() % 6) {
      case 0: ASSERT_EQ(a.Insert(*m, k, v), model.emplace(k, v).second) << "op " << i; break;
      case 1: a.Assign(*m, k, v); model[k] = v; break;
      case 2: ASSERT_EQ(a.Erase(*m, k), model.erase(k) == 1) << "op " << i; break;
      case 3: {
        const auto it = model.find(k);
        ASSERT_EQ(a.Find(*m, k), it == model.end() ? std::nullopt : std::optional(it->second))
            << "op " << i;
        break;
      }
      case 4: ASSERT_EQ(a.Size(*m), model.size()) << "op " << i; break;
      case 5:
        if (rng() % 50 == 0) {
          a.Clear(*m);
          model.clear();
        }
        break;
    }
  }
  EXPECT_EQ(Contents(a, *m), model);
}

}  // namespace mapfault::conformance

// The typed suite: instantiate it with INSTANTIATE_TYPED_TEST_SUITE_P over adapter types.
template <class Adapter>
class MapConformanceTest : public ::testing::Test {
 protected:
  Adapter adapter_;
};

TYPED_TEST_SUITE_P(MapConformanceTest);

TYPED_TEST_P(MapConformanceTest, InsertFindEraseSize) {
  mapfault::conformance::CheckInsertFindEraseSize(this->adapter_);
}
TYPED_TEST_P(MapConformanceTest, GrowsAcrossManyRehashes) {
  mapfault::conformance::CheckGrowsAcrossManyRehashes(this->adapter_);
}
TYPED_TEST_P(MapConformanceTest, VisitorCanEraseTheEntryItWasShown) {
  mapfault::conformance::CheckVisitorCanEraseTheEntryItWasShown(this->adapter_);
}
TYPED_TEST_P(MapConformanceTest, VisitorCanStop) {
  mapfault::conformance::CheckVisitorCanStop(this->adapter_);
}
TYPED_TEST_P(MapConformanceTest, MatchesStdMapOnRandomOperations) {
  mapfault::conformance::CheckMatchesStdMap(this->adapter_);
}

REGISTER_TYPED_TEST_SUITE_P(MapConformanceTest, InsertFindEraseSize, GrowsAcrossManyRehashes,
                            VisitorCanEraseTheEntryItWasShown, VisitorCanStop,
                            MatchesStdMapOnRandomOperations);

#endif  // MAPFAULT_INCLUDE_MAPFAULT_CONFORMANCE_H_
