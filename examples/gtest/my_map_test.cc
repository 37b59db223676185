// Test your own map in GoogleTest: a map type under mapfault's scenarios, from an ordinary gtest.
// Built and run by mapfault's CI (ctest runs it). Outside mapfault's tree: find_package(mapfault)
// (or add_subdirectory) and link mapfault::testing (docs/gtest.md#in-your-cmake-project).
#include <mapfault/testing.h>

#include <map>
#include <optional>

namespace {

// The map under test: a std::map behind a reader-writer lock, written against mapfault's Sync
// policy (Sync::SharedMutex, Sync::Yield), with the backend interface.
template <class Sync>
class LockedStdMap {
 public:
  bool Insert(mapfault::Key k, mapfault::Value v) {
    mapfault::LockGuard g(mu_, "locked_std_map.insert");
    return map_.emplace(k, v).second;
  }
  void Assign(mapfault::Key k, mapfault::Value v) {
    mapfault::LockGuard g(mu_, "locked_std_map.assign");
    map_[k] = v;
  }
  bool Erase(mapfault::Key k) {
    mapfault::LockGuard g(mu_, "locked_std_map.erase");
    return map_.erase(k) == 1;
  }
  std::optional<mapfault::Value> Find(mapfault::Key k) {
    mapfault::SharedLockGuard g(mu_, "locked_std_map.find");
    const auto it = map_.find(k);
    return it == map_.end() ? std::nullopt : std::optional(it->second);
  }
  size_t Size() {
    mapfault::SharedLockGuard g(mu_, "locked_std_map.size");
    return map_.size();
  }
  void Clear() {
    mapfault::LockGuard g(mu_, "locked_std_map.clear");
    map_.clear();
  }
  void ForEach(mapfault::Visitor visit, mapfault::IterKind) {
    mapfault::LockGuard g(mu_, "locked_std_map.for_each");
    for (auto it = map_.begin(); it != map_.end();) {
      Sync::Yield("locked_std_map.for_each: next entry");
      const mapfault::VisitAction action = visit(it->first, it->second);
      if (action == mapfault::VisitAction::kStop) return;
      it = action == mapfault::VisitAction::kEraseThis ? map_.erase(it) : std::next(it);
    }
  }

 private:
  typename Sync::SharedMutex mu_;
  std::map<mapfault::Key, mapfault::Value> map_;
};

TEST(LockedStdMapTest, HoldsEveryClaimUnderControlledInterleavings) {
  mapfault::testing::SuiteOptions options;
  options.scenarios = {"iterate-while-erase", "iterate-while-grow", "conditional-erase",
                       "mixed-ops"};
  options.trials = 2000;
  EXPECT_TRUE(mapfault::testing::HoldsControlled<LockedStdMap>("example.locked_std_map", options));
}

TEST(LockedStdMapTest, HoldsOnRealThreadsWithNoise) {
  mapfault::testing::SuiteOptions options;
  options.scenarios = {"mixed-ops"};
  options.trials = 300;
  EXPECT_TRUE(mapfault::testing::HoldsPerturbed<LockedStdMap<mapfault::RealSync>>(
      "example.locked_std_map.real", options));
}

}  // namespace
