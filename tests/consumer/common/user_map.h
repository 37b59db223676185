// user_map.h: the maps a mapfault user tests in the consumer projects (tests/consumer/), written
// against mapfault's Sync policy as <mapfault/testing.h> documents.
//
// Concurrency contract:
// - LockedMap: every operation holds one reader-writer lock (iteration too, exclusively when it may
//   erase); claims every invariant but misuse-detected.
// - RacyInsertMap: the same, except that Insert checks for the key under the shared lock and
//   inserts under the exclusive one: two inserts of one absent key both succeed (a check-then-act
//   bug HoldsControlled must find).
#ifndef MAPFAULT_TESTS_CONSUMER_COMMON_USER_MAP_H_
#define MAPFAULT_TESTS_CONSUMER_COMMON_USER_MAP_H_

#include <mapfault/testing.h>

#include <cstddef>
#include <iterator>
#include <map>
#include <optional>

namespace consumer {

template <class Sync, bool kRacyInsert = false>
class LockedMap {
 public:
  bool Insert(mapfault::Key k, mapfault::Value v) {
    if constexpr (kRacyInsert) {
      {
        mapfault::SharedLockGuard g(mu_, "user_map.insert: check");
        if (map_.contains(k)) return false;
      }
      mapfault::LockGuard g(mu_, "user_map.insert: act");
      map_[k] = v;
      return true;
    } else {
      mapfault::LockGuard g(mu_, "user_map.insert");
      return map_.emplace(k, v).second;
    }
  }
  void Assign(mapfault::Key k, mapfault::Value v) {
    mapfault::LockGuard g(mu_, "user_map.assign");
    map_[k] = v;
  }
  bool Erase(mapfault::Key k) {
    mapfault::LockGuard g(mu_, "user_map.erase");
    return map_.erase(k) == 1;
  }
  std::optional<mapfault::Value> Find(mapfault::Key k) {
    mapfault::SharedLockGuard g(mu_, "user_map.find");
    const auto it = map_.find(k);
    return it == map_.end() ? std::nullopt : std::optional(it->second);
  }
  size_t Size() {
    mapfault::SharedLockGuard g(mu_, "user_map.size");
    return map_.size();
  }
  void Clear() {
    mapfault::LockGuard g(mu_, "user_map.clear");
    map_.clear();
  }
  void ForEach(mapfault::Visitor visit, mapfault::IterKind) {
    mapfault::LockGuard g(mu_, "user_map.for_each");
    for (auto it = map_.begin(); it != map_.end();) {
      Sync::Yield("user_map.for_each: next entry");
      const mapfault::VisitAction action = visit(it->first, it->second);
      if (action == mapfault::VisitAction::kStop) return;
      it = action == mapfault::VisitAction::kEraseThis ? map_.erase(it) : std::next(it);
    }
  }

 private:
  typename Sync::SharedMutex mu_;
  std::map<mapfault::Key, mapfault::Value> map_;
};

template <class Sync>
using RacyInsertMap = LockedMap<Sync, true>;

}  // namespace consumer

#endif  // MAPFAULT_TESTS_CONSUMER_COMMON_USER_MAP_H_
