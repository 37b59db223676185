// A well-behaved test plugin written with <mapfault/plugin.h>: a std::unordered_map behind one
// PluginSync::Mutex, held for every operation and the whole iteration, with explicit scheduling
// points inside the critical sections. It claims everything but misuse-detected, and must hold.
#include <mapfault/plugin.h>

#include <cstdint>
#include <mutex>
#include <optional>
#include <unordered_map>

namespace {

template <class Sync>
class LockedUnorderedMap {
 public:
  bool Insert(int64_t k, int64_t v) {
    std::lock_guard lock(mu_);
    Sync::Yield("locked.insert: locked");
    return map_.emplace(k, v).second;
  }
  void Assign(int64_t k, int64_t v) {
    std::lock_guard lock(mu_);
    Sync::Yield("locked.assign: locked");
    map_[k] = v;
  }
  bool Erase(int64_t k) {
    std::lock_guard lock(mu_);
    Sync::Yield("locked.erase: locked");
    return map_.erase(k) != 0;
  }
  std::optional<int64_t> Find(int64_t k) {
    std::lock_guard lock(mu_);
    const auto it = map_.find(k);
    if (it == map_.end()) return std::nullopt;
    return it->second;
  }
  uint64_t Size() {
    std::lock_guard lock(mu_);
    return map_.size();
  }
  void Clear() {
    std::lock_guard lock(mu_);
    map_.clear();
  }
  void ForEach(mapfault::PluginVisitor visit, mapfault::PluginIter /*kind*/) {
    std::lock_guard lock(mu_);
    for (auto it = map_.begin(); it != map_.end();) {
      Sync::Yield("locked.for_each: next entry");
      switch (visit(it->first, it->second)) {
        case mapfault::PluginVisit::kContinue: ++it; break;
        case mapfault::PluginVisit::kEraseThis: it = map_.erase(it); break;
        case mapfault::PluginVisit::kStop: return;
      }
    }
  }

 private:
  typename Sync::Mutex mu_;
  std::unordered_map<int64_t, int64_t> map_;
};

}  // namespace

MAPFAULT_PLUGIN("test_good",
                mapfault::PluginBackend<LockedUnorderedMap<mapfault::PluginSync>>(
                    "plugin.locked_unordered_map", "TEST PLUGIN: std::unordered_map behind a mutex",
                    {"no-crash", "no-hang", "linearizable", "iter.no-duplicate",
                     "iter.no-missed-stable", "iter.no-phantom", "iter.value-valid",
                     "iter.erase-honoured", "check-then-act", "size-bounds", "quiescent-state"}))
