// my_map.h: a std::map behind a reader-writer lock, written against mapfault::PluginSync.
//
// Concurrency contract:
// - claims: every invariant but misuse-detected (it never reports misuse; it prevents it).
// - find, size and read-only iteration share the lock; writes and iteration that may erase hold it
//   exclusively. The visitor runs under the lock: it may erase the entry it was shown, but must not
//   call the map itself.
//
// The map is a template over a sync policy; mapfault::PluginSync makes every lock operation a
// scheduling point of mapfault's controlled scheduler (and a real lock with real threads).
#ifndef MY_MAP_H_
#define MY_MAP_H_

#include <mapfault/plugin.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>

namespace my_map {

template <class Sync>
class SharedLockedMap {
 public:
  bool Insert(int64_t key, int64_t value) {
    std::lock_guard lock(mu_);
    return map_.emplace(key, value).second;
  }
  void Assign(int64_t key, int64_t value) {
    std::lock_guard lock(mu_);
    map_[key] = value;
  }
  bool Erase(int64_t key) {
    std::lock_guard lock(mu_);
    return map_.erase(key) != 0;
  }
  std::optional<int64_t> Find(int64_t key) {
    std::shared_lock lock(mu_);
    const auto it = map_.find(key);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }
  uint64_t Size() {
    std::shared_lock lock(mu_);
    return map_.size();
  }
  void Clear() {
    std::lock_guard lock(mu_);
    map_.clear();
  }
  void ForEach(mapfault::PluginVisitor visit, mapfault::PluginIter kind) {
    if (kind == mapfault::PluginIter::kReadOnly) {
      std::shared_lock lock(mu_);
      for (const auto& [key, value] : map_) {
        Sync::Yield("my_map.for_each: next entry");
        if (visit(key, value) == mapfault::PluginVisit::kStop) return;
      }
      return;
    }
    std::lock_guard lock(mu_);
    for (auto it = map_.begin(); it != map_.end();) {
      Sync::Yield("my_map.for_each: next entry");
      const mapfault::PluginVisit action = visit(it->first, it->second);
      if (action == mapfault::PluginVisit::kStop) return;
      it = action == mapfault::PluginVisit::kEraseThis ? map_.erase(it) : std::next(it);
    }
  }

 private:
  typename Sync::SharedMutex mu_;
  std::map<int64_t, int64_t> map_;
};

}  // namespace my_map

#endif  // MY_MAP_H_
