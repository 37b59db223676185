// plugin_map.h: the consumer projects' plugin map (tests/consumer/): a std::map behind one mutex,
// written against <mapfault/plugin.h> only.
//
// Concurrency contract: every operation, iteration included, holds the one mutex; claims every
// invariant but misuse-detected. The visitor runs under the lock and may erase the entry shown.
#ifndef MAPFAULT_TESTS_CONSUMER_COMMON_PLUGIN_MAP_H_
#define MAPFAULT_TESTS_CONSUMER_COMMON_PLUGIN_MAP_H_

#include <mapfault/plugin.h>

#include <cstdint>
#include <iterator>
#include <map>
#include <mutex>
#include <optional>

namespace consumer {

template <class Sync>
class PluginMap {
 public:
  bool Insert(int64_t k, int64_t v) {
    std::lock_guard lock(mu_);
    return map_.emplace(k, v).second;
  }
  void Assign(int64_t k, int64_t v) {
    std::lock_guard lock(mu_);
    map_[k] = v;
  }
  bool Erase(int64_t k) {
    std::lock_guard lock(mu_);
    return map_.erase(k) != 0;
  }
  std::optional<int64_t> Find(int64_t k) {
    std::lock_guard lock(mu_);
    const auto it = map_.find(k);
    return it == map_.end() ? std::nullopt : std::optional(it->second);
  }
  uint64_t Size() {
    std::lock_guard lock(mu_);
    return map_.size();
  }
  void Clear() {
    std::lock_guard lock(mu_);
    map_.clear();
  }
  void ForEach(mapfault::PluginVisitor visit, mapfault::PluginIter) {
    std::lock_guard lock(mu_);
    for (auto it = map_.begin(); it != map_.end();) {
      Sync::Yield("plugin_map.for_each: next entry");
      const mapfault::PluginVisit action = visit(it->first, it->second);
      if (action == mapfault::PluginVisit::kStop) return;
      it = action == mapfault::PluginVisit::kEraseThis ? map_.erase(it) : std::next(it);
    }
  }

 private:
  typename Sync::Mutex mu_;
  std::map<int64_t, int64_t> map_;
};

}  // namespace consumer

#endif  // MAPFAULT_TESTS_CONSUMER_COMMON_PLUGIN_MAP_H_
