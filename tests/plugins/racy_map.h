// RacyMap: a std::map with no synchronisation and a scheduling point between each lookup and the
// modification it decides (memory-safe, but lost updates under concurrent writers: not
// linearizable). Shared by the test plugins: racy_plugin.cc's plugin.racy_map (ABI v1 claims, so it
// breaks them) and v2_plugin.cc's plugin.v2_single_writer (ABI v2, a conditional contract that
// voids those claims when writes run concurrently).
#ifndef MAPFAULT_TESTS_PLUGINS_RACY_MAP_H_
#define MAPFAULT_TESTS_PLUGINS_RACY_MAP_H_

#include <mapfault/plugin.h>

#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace mapfault_test {

template <class Sync>
class RacyMap {
 public:
  bool Insert(int64_t k, int64_t v) {
    const bool present = map_.count(k) != 0;
    Sync::Yield("racy.insert: after lookup");
    if (present) return false;
    map_[k] = v;
    return true;
  }
  void Assign(int64_t k, int64_t v) {
    Sync::Yield("racy.assign");
    map_[k] = v;
  }
  bool Erase(int64_t k) {
    const bool present = map_.count(k) != 0;
    Sync::Yield("racy.erase: after lookup");
    map_.erase(k);
    return present;
  }
  std::optional<int64_t> Find(int64_t k) {
    const auto it = map_.find(k);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }
  uint64_t Size() { return map_.size(); }
  void Clear() { map_.clear(); }
  // Walks a snapshot of the keys, re-reading each entry after a scheduling point.
  void ForEach(mapfault::PluginVisitor visit, mapfault::PluginIter /*kind*/) {
    std::vector<int64_t> keys;
    for (const auto& [k, v] : map_) keys.push_back(k);
    for (int64_t k : keys) {
      Sync::Yield("racy.for_each: next key");
      const auto it = map_.find(k);
      if (it == map_.end()) continue;
      const mapfault::PluginVisit action = visit(k, it->second);
      if (action == mapfault::PluginVisit::kStop) return;
      if (action == mapfault::PluginVisit::kEraseThis) map_.erase(k);
    }
  }

 private:
  std::map<int64_t, int64_t> map_;
};

}  // namespace mapfault_test

#endif  // MAPFAULT_TESTS_PLUGINS_RACY_MAP_H_
